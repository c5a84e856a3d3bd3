"""The skills view with a stand-in resolver (resolution itself is tested elsewhere)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from sqlalchemy import insert

from features.schema import (
    Learner,
    LearnerCertification,
    LearnerEducation,
    LearnerSkill,
    User,
)
from features.skills import compute_skills, education_level, extract_skill_rows

AS_OF = dt.datetime(2026, 3, 1)
KNOWN = {"python": "python", "python3": "python", "sql": "sql", "ml": "machine_learning"}


def fake_resolve(names):
    keys = [KNOWN.get(n.lower()) for n in names]
    return pd.DataFrame({"skill_key": keys, "resolved": [k is not None for k in keys]})


def skill(learner_id, name, level, score, days_ago=10):
    return {"learner_id": learner_id, "skill_name": name, "skill_level": level,
            "proficiency_score": score, "last_validated": AS_OF - dt.timedelta(days=days_ago)}


@pytest.fixture
def populated(engine):
    with engine.begin() as conn:
        conn.execute(insert(User), [{"id": i, "email": f"u{i}@example.org"} for i in (1, 2)])
        conn.execute(insert(Learner), [{"learner_id": i, "user_id": i} for i in (1, 2)])
        conn.execute(insert(LearnerSkill), [
            skill(1, "Python", "Advanced", 80),
            skill(1, "python3", "Expert", 90),        # same catalog skill: counted once
            skill(1, "SQL", "Beginner", 30),
            skill(1, "Underwater basket weaving", "Intermediate", 50),
            skill(1, "ML", "Intermediate", 60, days_ago=-2),   # validated after as-of
            skill(2, "  ", "Beginner", 10),            # blank name: counted, excluded
            skill(2, "SQL", "Intermediate", 250),      # proficiency out of range: excluded
        ])
        conn.execute(insert(LearnerCertification), [
            {"learner_id": 1, "cert_name": "AWS", "issue_date": dt.date(2025, 1, 1),
             "expiry_date": None, "verification_status": "Verified"},
            {"learner_id": 1, "cert_name": "Old", "issue_date": dt.date(2020, 1, 1),
             "expiry_date": dt.date(2023, 1, 1), "verification_status": "Verified"},
            {"learner_id": 2, "cert_name": "X", "issue_date": dt.date(2025, 1, 1),
             "expiry_date": None, "verification_status": "Pending"},
        ])
        conn.execute(insert(LearnerEducation), [
            {"learner_id": 1, "qualification": "Bachelor of Science", "start_year": 2015},
            {"learner_id": 1, "qualification": "Master of Data Science", "start_year": 2027},
            {"learner_id": 2, "qualification": "A Level or Equivalent", "start_year": 2012},
        ])
    return engine


def test_skills_view_exact_values(populated) -> None:
    features = compute_skills(populated, AS_OF, resolve=fake_resolve)
    one, two = features.loc[1], features.loc[2]
    assert one["skill_count"] == 3                 # python (x2 -> 1), sql, basket weaving
    assert one["advanced_skill_count"] == 1
    assert one["mean_proficiency"] == pytest.approx((90 + 30 + 50) / 3)
    assert one["unresolved_skill_share"] == pytest.approx(1 / 3)
    assert one["verified_certifications"] == 1
    assert one["education_level"] == 3             # the master's starts after as-of
    assert two["skill_count"] == 1
    assert math.isnan(two["mean_proficiency"])
    assert two["verified_certifications"] == 0
    assert two["education_level"] == 2


def test_bad_skill_rows_are_counted(populated) -> None:
    rows = extract_skill_rows(populated, AS_OF)
    assert rows.attrs["data_quality"] == {
        "empty_skill_name": 1, "proficiency_out_of_range": 1, "unknown_skill_level": 0,
        "control_characters": 0, "duplicate_skill": 0}
    assert "" not in set(rows["skill_name"])


def test_education_levels_from_free_text() -> None:
    texts = pd.Series(["PhD in Physics", "Post Graduate Qualification", "HE Qualification",
                       "Lower Than A Level", "No Formal quals", None, "Bootcamp"])
    assert education_level(texts).tolist() == [5, 4, 3, 1, 0, -1, -1]
