"""The profile view: latest row before as-of, survey over AI, robust parsing."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import insert

from features.profile import compute_profile, parse_text_list, parse_timeline_months
from features.schema import (
    Learner,
    LearnerCareerPathway,
    LearnerGoal,
    LearnerPreferences,
    LearnerPsychographics,
    User,
)

AS_OF = dt.datetime(2026, 3, 1)


def ago(days: float) -> dt.datetime:
    return AS_OF - dt.timedelta(days=days)


def psych(learner_id: int, style: str, source: str, when: dt.datetime) -> dict:
    return {"learner_id": learner_id, "learning_style": style, "derived_from": source,
            "gamification_persona": "Explorer", "learning_motivation": "career change",
            "last_updated": when}


def goal(learner_id: int, role: str, skills: str, timeline: str, when: dt.datetime) -> dict:
    return {"learner_id": learner_id, "desired_role": role, "target_skills": skills,
            "career_motivation": "grow", "target_timeline": timeline,
            "progress_percent": 40, "last_reviewed": when}


def test_profile_reads_the_latest_row_before_as_of(engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(User), [{"id": i, "email": f"u{i}@example.org"} for i in (1, 2)])
        conn.execute(insert(Learner), [
            {"learner_id": 1, "user_id": 1, "gender": "Female", "dob": dt.date(1990, 6, 1),
             "country": "India", "registration_date": ago(300)},
            {"learner_id": 2, "user_id": 2, "gender": None, "dob": None,
             "country": None, "registration_date": ago(10)},
        ])
        conn.execute(insert(LearnerPsychographics), [
            psych(1, "Visual", "Survey", ago(100)),
            psych(1, "Kinesthetic", "AI", ago(5)),       # AI never outranks the survey
            psych(2, "Auditory", "AI", ago(5)),
            psych(2, "Visual", "Survey", ago(-3)),       # after as_of: invisible
        ])
        conn.execute(insert(LearnerGoal), [
            goal(1, "Data Analyst", '["SQL", "Tableau"]', "6 months", ago(50)),
            goal(1, "Data Scientist", "Python, Statistics", "1 year", ago(-1)),
            goal(2, "Nurse", "[broken json, Triage", "8 weeks", ago(2)),
        ])
        conn.execute(insert(LearnerCareerPathway), [
            {"learner_id": 1, "current_role": "Junior Analyst", "gap_analysis": None,
             "last_updated": ago(20)},
            # written by learnerai itself: never read back as the declared role
            {"learner_id": 1, "current_role": "Inferred Role",
             "gap_analysis": '{"source": "learnerai", "gap": 0.4}', "last_updated": ago(1)},
        ])
        conn.execute(insert(LearnerPreferences), [
            {"learner_id": 1, "preferred_content_format": "Video",
             "ai_personalization_optin": 0, "privacy_consent": 1},
        ])
    profile = compute_profile(engine, AS_OF)
    one, two = profile.loc[1], profile.loc[2]
    assert one["learning_style"] == "Visual"
    assert one["goal_role"] == "Data Analyst"
    assert one["target_skills"] == ["SQL", "Tableau"]
    assert one["target_timeline_months"] == 6
    assert one["current_role"] == "Junior Analyst"
    assert not one["ai_personalization_optin"] and one["privacy_consent"]
    assert one["age_band"] == "35-44"
    assert two["learning_style"] == "Auditory"
    assert two["target_skills"] == ["broken json", "Triage"]
    assert two["target_timeline_months"] == pytest.approx(1.84)
    assert two["ai_personalization_optin"]          # no preferences row: the seed default
    assert two["age_band"] == "unknown"
    assert profile.loc[2, "current_role"] is None or math.isnan(profile.loc[2, "current_role"])


@pytest.mark.parametrize("text, expected", [
    (None, []), ("", []), ("SQL", ["SQL"]), ("SQL, Excel;Tableau | R", ["SQL", "Excel", "Tableau", "R"]),
    ('["a", "b"]', ["a", "b"]), ('["a", "b"', ["a", "b"]), ("[1, 2]", ["1", "2"]),
    ("  ,, ", []),
])
def test_parse_text_list(text, expected) -> None:
    assert parse_text_list(text) == expected


def test_parse_timeline() -> None:
    assert parse_timeline_months("2 years") == 24
    assert parse_timeline_months("3 mo") == 3
    assert math.isnan(parse_timeline_months("someday"))
