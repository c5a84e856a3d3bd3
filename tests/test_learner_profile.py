"""Pure derivations: texts for embeddings, inferred psychographics, engagement score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.views import ENGAGEMENT_FEATURES
from models.learner_profile import (
    engagement_score,
    infer_learning_style,
    infer_persona,
    intent_texts,
    skill_texts,
)


def engagement(**overrides) -> pd.DataFrame:
    base = dict.fromkeys(ENGAGEMENT_FEATURES, 0.0)
    base["events_28d"] = 40
    rows = []
    for values in overrides.get("rows", [{}]):
        rows.append({**base, **values})
    return pd.DataFrame(rows, index=pd.Index(range(1, len(rows) + 1), name="learner_id"))


def test_learning_style_follows_the_format_mix() -> None:
    frame = engagement(rows=[
        {"video_share_28d": 0.7, "vr_share_28d": 0.1},
        {"reading_share_28d": 0.6, "assignment_share_28d": 0.2},
        {"vr_share_28d": 0.4, "quiz_share_28d": 0.4},
        {"video_share_28d": 0.9, "events_28d": 3},          # too little evidence
    ])
    styles = infer_learning_style(frame)
    assert styles["label"].tolist() == ["Visual", "Reading/Writing", "Kinesthetic", None]
    # Visual 0.7+0.05, Kinesthetic 0.1, Auditory 0.42: confidence is the winner's share
    assert styles["confidence"].iloc[0] == pytest.approx(0.75 / (0.75 + 0.1 + 0.42),
                                                         abs=0.01)
    assert styles["confidence"].iloc[3] == 0.0


def test_persona_follows_behaviour() -> None:
    frame = engagement(rows=[
        {"forum_posts_28d": 8, "social_ties_90d": 9},
        {"xp_28d": 500, "current_streak_days": 10, "completed_courses": 3,
         "video_share_28d": 1.0},
        {"quiz_accuracy_28d": 95, "quiz_share_28d": 1.0},
    ])
    assert infer_persona(frame)["label"].tolist() == ["Socializer", "Achiever", "Killer"]


def test_engagement_score_is_the_mean_of_saturated_signals() -> None:
    frame = engagement(rows=[
        {"active_days_28d": 20, "minutes_28d": 600, "current_streak_days": 7,
         "quiz_accuracy_28d": 100, "social_ties_90d": 5},
        {"active_days_28d": 10, "minutes_28d": 300, "quiz_accuracy_28d": np.nan},
    ])
    assert engagement_score(frame).tolist() == [100.0, 20.0]


def test_skill_texts_use_catalog_names_for_resolved_skills() -> None:
    rows = pd.DataFrame({"learner_id": [1, 1, 2], "skill_name": ["pyhton", "Basket", "SQL"],
                         "skill_key": ["python", None, "sql"], "resolved": [True, False, True],
                         "level": [3, 2, 1], "proficiency": [80.0, np.nan, 1.0]})
    out = skill_texts(rows, pd.Series({"python": "Python", "sql": "SQL"}))
    assert out["text"].tolist() == ["Python", "Basket", "SQL"]
    assert out["weight"].tolist() == [0.8, 0.5, 0.05]


def test_intent_texts_weight_the_goal_role_most() -> None:
    profile = pd.DataFrame({"goal_role": ["Data Analyst", None],
                            "target_skills": [["SQL", "Tableau"], []],
                            "learning_motivation": ["career change", None],
                            "career_motivation": [None, "help patients"]},
                           index=pd.Index([1, 2], name="learner_id"))
    recent = pd.DataFrame({"learner_id": [2], "title": ["Triage Basics"]})
    out = intent_texts(profile, recent)
    by_learner = {lid: sorted(zip(g["text"], g["weight"], strict=True))
                  for lid, g in out.groupby("learner_id")}
    assert by_learner[1] == [("Data Analyst", 3.0), ("SQL", 1.0), ("Tableau", 1.0),
                             ("career change", 0.5)]
    assert by_learner[2] == [("Triage Basics", 1.0), ("help patients", 0.5)]
