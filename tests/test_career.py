"""Career predictions on a hand-built ladder: exact gap scores, fits, probabilities."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from recommend_fixtures import COURSES, role_space, skill_rows

from models.career import (
    career_pathway_rows,
    career_prediction_json,
    course_for_skill_level,
    pathway_courses,
    predict_careers,
    role_match,
    skill_level_matrix,
)

# Learner 1: Excel Advanced, SQL Intermediate, Communication Intermediate, Statistics Beginner.
# Learner 2: SQL Advanced, Tableau and Statistics Intermediate, Excel Advanced, Python Beginner.
# Learner 3: nothing at all.
LEVELS = {
    1: {"excel": 3, "sql": 2, "communication": 2, "statistics": 1},
    2: {"sql": 3, "tableau": 2, "statistics": 2, "excel": 3, "python": 1},
    3: {},
}
PROFILE = pd.DataFrame({
    "current_role": [None, "data analyst ", None],
    "goal_role": ["Data Analyst", "Data Scientist", None],
}, index=pd.Index([1, 2, 3], name="learner_id"))


def careers() -> pd.DataFrame:
    space = role_space()
    levels = skill_level_matrix(skill_rows(LEVELS), [1, 2, 3], space.skill_keys)
    return predict_careers(levels, [1, 2, 3], PROFILE, space)


def test_level_matrix_keeps_the_best_resolved_level() -> None:
    rows = pd.DataFrame({"learner_id": [1, 1, 1, 2], "skill_key": ["sql", "sql", "excel", "sql"],
                         "level": [1, 3, 2, 4], "resolved": [True, True, False, True]})
    matrix = skill_level_matrix(rows, [1, 2], role_space().skill_keys).toarray()
    assert matrix[0].tolist() == [3, 0, 0, 0, 0, 0]  # the unresolved Excel row is ignored
    assert matrix[1].tolist() == [4, 0, 0, 0, 0, 0]


def test_gap_score_is_the_weighted_share_missing_or_below_level() -> None:
    space = role_space()
    levels = skill_level_matrix(skill_rows(LEVELS), [1, 2, 3], space.skill_keys)
    gap, fit = role_match(levels, space)
    # Data Analyst needs SQL Advanced (0.9), Tableau Intermediate (0.7), Statistics
    # Intermediate (0.6), Excel Advanced (0.5): learner 1 lacks the first three.
    assert gap[0, 1] == pytest.approx((0.9 + 0.7 + 0.6) / 2.7)
    assert fit[0, 1] == pytest.approx((0.9 * 2 / 3 + 0.6 * 1 / 2 + 0.5) / 2.7)
    assert gap[0, 0] == 0.0 and fit[0, 0] == pytest.approx(1.0)  # meets the Junior role
    assert gap[0, 3] == pytest.approx(1.8 / 2.3)
    assert fit[0, 2] == pytest.approx((0.9 * 2 / 4 + 0.8 / 3 + 0.5 * 2 / 3) / 2.8)
    assert gap[2].tolist() == [1.0, 1.0, 1.0, 1.0]


def test_predictions_follow_the_ladder_the_goal_and_the_fit() -> None:
    out = careers()
    one, two, three = out.loc[1], out.loc[2], out.loc[3]
    # No declared role: the best-fitting Junior/Mid role; its only next role is the goal.
    assert (one.current_role, one.current_role_source) == ("Junior Data Analyst", "skills")
    assert (one.predicted_next_role, one.probability) == ("Data Analyst", 1.0)
    assert one.gap_score == pytest.approx(2.2 / 2.7)
    assert one.missing_skills == [
        {"skill_key": "sql", "required_level": "Advanced", "current_level": "Intermediate",
         "weight": 0.9},
        {"skill_key": "tableau", "required_level": "Intermediate", "current_level": None,
         "weight": 0.7},
        {"skill_key": "statistics", "required_level": "Intermediate",
         "current_level": "Beginner", "weight": 0.6}]
    # Declared Data Analyst (case and spaces ignored): Senior Data Analyst or the goal.
    fit3 = (0.9 * 3 / 4 + 0.6 * 2 / 3 + 0.8 * 2 / 3) / 2.8
    fit4 = (0.9 / 3 + 0.9 * 2 / 3 + 0.5) / 2.3
    expected = 1.0 / (1.0 + math.exp(4 * fit3 - (4 * fit4 + 1)))
    assert (two.current_role, two.current_role_source) == ("Data Analyst", "profile")
    assert two.predicted_next_role == "Data Scientist"
    assert two.probability == pytest.approx(expected)
    assert round(two.probability, 4) == 0.7572
    assert two.goal_gap_score == pytest.approx(1.8 / 2.3)
    assert [m["skill_key"] for m in two.missing_skills] == ["python", "statistics"]
    # Nothing known: no current role, an entry role as the next step, no goal.
    assert three.current_role is None and three.predicted_next_role == "Junior Data Analyst"
    assert three.gap_score == 1.0 and pd.isna(three.goal_role_id)
    assert out["target_role_id"].tolist() == [2, 4, 1]


def test_career_prediction_json_and_pathway_rows() -> None:
    out = careers()
    payload = career_prediction_json(out)
    assert payload[0] == {
        "current_role": "Junior Data Analyst", "predicted_next_role": "Data Analyst",
        "probability": 1.0, "gap_score": 0.8148, "missing_skills": out.loc[1, "missing_skills"],
        "goal_role": "Data Analyst", "goal_gap_score": 0.8148}
    assert payload[2]["goal_role"] is None and payload[2]["goal_gap_score"] is None
    json.dumps(payload, allow_nan=False)

    choice = course_for_skill_level(COURSES)
    # One level up from the current level; the inactive Legacy SQL never; focused first.
    lookup = {(r.skill_key, r.current_level): r.course_id for r in choice.itertuples()}
    assert lookup[("sql", 0)] == 101 and lookup[("sql", 1)] == 102
    assert lookup[("sql", 2)] == 103 and lookup[("sql", 3)] == 103
    assert lookup[("statistics", 0)] == 106 and lookup[("python", 1)] == 107
    courses = pathway_courses(out, choice)
    assert courses[0] == [103, 104, 105]
    assert courses[1] == [107, 105]  # Python Beginner -> 107; Statistics Intermediate -> 105

    rows = career_pathway_rows(out, courses)
    first = rows.iloc[0]
    assert (first.learner_id, first.current_role, first.next_role) == (
        1, "Junior Data Analyst", "Data Analyst")
    assert json.loads(first.recommended_courses) == [103, 104, 105]
    assert first.gap_analysis["gap_score"] == 0.8148
    assert rows["ai_confidence_score"].tolist() == [1.0, 0.76, 1.0]
    assert np.all(rows["ai_confidence_score"].between(0, 1))


def test_blocks_of_learners_and_shared_entries_give_the_same_missing_lists(monkeypatch) -> None:
    import models.career as career

    whole = careers()
    monkeypatch.setattr(career, "MISSING_BLOCK", 1)  # each learner its own block
    blocked = careers()
    assert whole["missing_skills"].tolist() == blocked["missing_skills"].tolist()
    assert whole["goal_missing_skills"].tolist() == blocked["goal_missing_skills"].tolist()
    # Learner 1 aims at Data Analyst (lacks SQL, Tableau, Statistics), learner 3 has nothing.
    first = whole.loc[1, "goal_missing_skills"]
    assert [(m["skill_key"], m["required_level"], m["current_level"]) for m in first] == [
        ("sql", "Advanced", "Intermediate"), ("tableau", "Intermediate", None),
        ("statistics", "Intermediate", "Beginner")]
    assert json.loads(json.dumps(whole["missing_skills"].tolist())) == \
        whole["missing_skills"].tolist()
