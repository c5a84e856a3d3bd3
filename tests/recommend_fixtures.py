"""A tiny hand-built catalog, learners and database for the career and recommender tests.

Six skills, four roles on one ladder, eleven courses, a few lessons; vectors are built
by hand so similarities are known: each skill is a basis direction (SQL and Tableau
share a little), a course's vector is the normalised sum of its skills'.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, insert

from features.catalog import Catalog
from features.schema import (
    CareerRole,
    ContentItem,
    Course,
    CourseEnrollment,
    Learner,
    LearnerActivityLog,
    LearnerGoal,
    LearnerGroupMapping,
    LearnerPreferences,
    LearnerPsychographics,
    LearnerRecommendation,
    LearnerSkill,
    SkillCatalog,
    User,
)
from models.career import RoleSpace, predict_careers, skill_level_matrix
from models.recommend_space import CatalogSpace, LearnerInputs, build_space

AS_OF = dt.datetime(2026, 3, 1)

SKILLS = pd.DataFrame({
    "skill_key": ["sql", "tableau", "python", "statistics", "excel", "communication"],
    "name": ["SQL", "Tableau", "Python", "Statistics", "Excel", "Communication"],
    "category": ["data"] * 5 + ["soft"],
    "description": ["Querying relational databases.", "Dashboards and charts.",
                    "Programming language.", "Inference and probability.",
                    "Spreadsheets.", "Speaking and writing clearly."],
})

ROLES = pd.DataFrame({
    "role_id": [1, 2, 3, 4],
    "title": ["Junior Data Analyst", "Data Analyst", "Senior Data Analyst", "Data Scientist"],
    "field": ["Data"] * 4,
    "seniority": ["Junior", "Mid", "Senior", "Mid"],
    "description": ["", "", "", ""],
    "required_skills": [
        [{"skill": "excel", "level": "Intermediate", "weight": 0.8},
         {"skill": "sql", "level": "Beginner", "weight": 0.6},
         {"skill": "communication", "level": "Intermediate", "weight": 0.4}],
        [{"skill": "sql", "level": "Advanced", "weight": 0.9},
         {"skill": "tableau", "level": "Intermediate", "weight": 0.7},
         {"skill": "statistics", "level": "Intermediate", "weight": 0.6},
         {"skill": "excel", "level": "Advanced", "weight": 0.5}],
        [{"skill": "sql", "level": "Expert", "weight": 0.9},
         {"skill": "tableau", "level": "Advanced", "weight": 0.6},
         {"skill": "statistics", "level": "Advanced", "weight": 0.8},
         {"skill": "communication", "level": "Advanced", "weight": 0.5}],
        [{"skill": "python", "level": "Advanced", "weight": 0.9},
         {"skill": "statistics", "level": "Advanced", "weight": 0.9},
         {"skill": "sql", "level": "Intermediate", "weight": 0.5}],
    ],
    "next_roles": [[2], [3, 4], [], [3]],
})

COURSES = pd.DataFrame([
    (101, "SQL Basics", ["sql"], "Beginner", "Video", True),
    (102, "SQL Intermediate Queries", ["sql"], "Intermediate", "Reading", True),
    (103, "Advanced SQL", ["sql"], "Advanced", "Interactive", True),
    (104, "Tableau Dashboards", ["tableau"], "Beginner", "Video", True),
    (105, "Statistics for Analysts", ["statistics"], "Intermediate", "Reading", True),
    (106, "Intro to Statistics", ["statistics"], "Beginner", "Video", True),
    (107, "Python for Data", ["python", "statistics"], "Beginner", "Interactive", True),
    (108, "Excel Essentials", ["excel"], "Beginner", "Video", True),
    (109, "Legacy SQL", ["sql"], "Beginner", "Video", False),
    (110, "Communication Skills", ["communication"], "Beginner", "Audio", True),
    (111, "SQL Basics Again", ["sql"], "Beginner", "Video", True),
], columns=["course_id", "title", "skills", "level", "format", "is_active"])
COURSES["description"] = COURSES["title"] + " course."
COURSES["duration_hours"] = 10.0

CONTENT = pd.DataFrame([
    (1001, 104, "Your first dashboard", "Video", ["tableau"]),
    (1002, 104, "Dashboard design", "Reading", ["tableau"]),
    (1003, 104, "Tableau calculations", "Video", ["tableau"]),
    (1004, 101, "SELECT and WHERE", "Video", ["sql"]),
    (1005, 106, "Probability basics", "Video", ["statistics"]),
    (1006, 108, "Formulas", "Video", ["excel"]),
    (1007, 105, "Hypothesis tests", "Reading", ["statistics"]),
], columns=["content_id", "course_id", "title", "format", "skills"])


# ----------------------------------------------------------------------------- learners

# L1..L3 aim at Data Analyst; 4 aims at Senior Data Analyst and mentors; 6 is a mentor only.
LEVELS = {
    1: {"excel": 3, "sql": 2, "communication": 2, "statistics": 1},
    2: {"excel": 2},
    3: {"statistics": 1},
    4: {"sql": 3, "tableau": 3, "excel": 3, "statistics": 2},
}
PROFILE = pd.DataFrame({
    "goal_role": ["Data Analyst", "Data Analyst", "Data Analyst", "Senior Data Analyst"],
    "current_role": [None, None, None, "Data Analyst"],
    "preferred_content_format": ["Video", "Reading", "Video", "Video"],
    "learning_style": ["Visual", "Reading/Writing", "Visual", "Visual"],
    "utc_offset_hours": [0.0, 1.0, 5.5, 1.0],
}, index=pd.Index([1, 2, 3, 4], name="learner_id"))
VECTORS = {1: ["sql", "tableau"], 2: ["sql", "tableau"], 3: ["sql", "tableau"], 4: ["sql"]}
MENTORS = pd.DataFrame({"learner_id": [1, 4, 6], "utc_offset_hours": [0.0, 1.0, 0.0],
                        "mentor_groups": [0, 1, 0]})
MENTOR_SKILLS = pd.DataFrame({"learner_id": [1, 4, 4, 4, 6],
                              "skill_key": ["excel", "sql", "tableau", "excel", "sql"],
                              "level": [3, 3, 3, 3, 3]})


def catalog() -> Catalog:
    return Catalog(skills=SKILLS.copy(), skill_aliases=pd.DataFrame(columns=["skill_key", "alias"]),
                   roles=ROLES.copy(), courses=COURSES.copy(), content_items=CONTENT.copy())


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def skill_vectors() -> np.ndarray:
    """One direction per skill; SQL and Tableau share 0.6 of theirs (cosine 0.6)."""
    v = np.eye(len(SKILLS), 8, dtype=np.float64)
    v[1] = [0.6, 0.8, 0, 0, 0, 0, 0, 0]
    return _unit(v)


def items_vectors(skill_lists: Sequence[list[str]]) -> np.ndarray:
    s = skill_vectors()
    pos = {k: i for i, k in enumerate(SKILLS["skill_key"])}
    return _unit(np.stack([s[[pos[k] for k in keys]].sum(axis=0) for keys in skill_lists]))


def space() -> CatalogSpace:
    return build_space(catalog(), {"skills": skill_vectors(),
                                   "courses": items_vectors(COURSES["skills"]),
                                   "content_items": items_vectors(CONTENT["skills"])})


def role_space() -> RoleSpace:
    return RoleSpace.from_catalog(ROLES, SKILLS)


def skill_rows(levels: dict[int, dict[str, int]]) -> pd.DataFrame:
    rows = [(lid, key, level) for lid, skills in levels.items() for key, level in skills.items()]
    return pd.DataFrame(rows, columns=["learner_id", "skill_key", "level"]).assign(resolved=True)


def inputs(levels: dict[int, dict[str, int]], profile: pd.DataFrame,
           vectors: dict[int, list[str]], **frames: pd.DataFrame) -> LearnerInputs:
    """LearnerInputs for the learners of ``profile`` (index learner_id); ``vectors`` gives
    the skills whose directions make each learner's recommendation vector."""
    ids = profile.index.to_numpy(np.int64)
    roles = role_space()
    matrix = skill_level_matrix(skill_rows(levels), ids, roles.skill_keys)
    careers = predict_careers(matrix, ids, profile, roles)
    return LearnerInputs(learner_ids=ids, profile=profile, levels=matrix,
                         vectors=items_vectors([vectors[i] for i in ids]), careers=careers,
                         **frames)


# ----------------------------------------------------------------------------- database


class HashEncoder:
    """A deterministic stand-in for the sentence encoder: a text's vector is drawn from a
    generator seeded by its hash (so equal texts share vectors, and no model loads)."""

    model_id = "test-hash-encoder"
    dim = 16

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
            out[i] = np.random.default_rng(seed).standard_normal(self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def write_catalog_rows(conn) -> None:
    conn.execute(insert(SkillCatalog), SKILLS.to_dict("records"))
    conn.execute(insert(CareerRole), ROLES.to_dict("records"))
    courses = COURSES.assign(is_active=COURSES["is_active"].astype(int))
    conn.execute(insert(Course), courses.to_dict("records"))
    conn.execute(insert(ContentItem), CONTENT.to_dict("records"))


def seed_small_database(engine: Engine) -> None:
    """Five learners: 1-3 aim at Data Analyst, 4 is a SQL expert who mentors, 5 is a
    Statistics expert who opted out of AI personalisation."""
    before = AS_OF - dt.timedelta(days=100)
    with engine.begin() as conn:
        write_catalog_rows(conn)
        ids = [1, 2, 3, 4, 5]
        conn.execute(insert(User), [{"id": i, "email": f"u{i}@example.org"} for i in ids])
        conn.execute(insert(Learner), [
            {"learner_id": i, "user_id": i, "timezone": tz, "registration_date": before,
             "status": "Active"}
            for i, tz in zip(ids, ["Europe/London", "Europe/Paris", "Asia/Kolkata",
                                   "Europe/Berlin", "Europe/London"], strict=True)])
        conn.execute(insert(LearnerPreferences), [
            {"learner_id": i, "preferred_content_format": fmt, "ai_personalization_optin": opt}
            for i, fmt, opt in [(1, "Video", 1), (2, "Reading", 1), (3, "Video", 1),
                                (4, "Video", 1), (5, "Video", 0)]])
        conn.execute(insert(LearnerPsychographics), [
            {"learner_id": i, "learning_style": "Visual", "derived_from": "Survey",
             "last_updated": before} for i in ids])
        conn.execute(insert(LearnerGoal), [
            {"learner_id": i, "desired_role": role, "target_skills": "SQL, Tableau",
             "last_reviewed": before}
            for i, role in [(1, "Data Analyst"), (2, "Data Analyst"), (3, "Data Analyst"),
                            (4, "Senior Data Analyst"), (5, "Data Scientist")]])
        skills = [(1, "excel", "Advanced"), (1, "SQL", "Intermediate"),
                  (1, "communication", "Intermediate"), (2, "Excel", "Intermediate"),
                  (3, "Statistics", "Beginner"), (4, "SQL", "Expert"),
                  (4, "Tableau", "Advanced"), (5, "Statistics", "Expert"),
                  (5, "Tableau", "Expert")]
        conn.execute(insert(LearnerSkill), [
            {"learner_id": lid, "skill_name": name, "skill_level": level,
             "proficiency_score": 50.0, "last_validated": before}
            for lid, name, level in skills])
        conn.execute(insert(CourseEnrollment), [
            {"learner_id": 1, "course_id": 108, "enrolled_on": before,
             "completed_on": before + dt.timedelta(days=20), "status": "Completed"},
            {"learner_id": 1, "course_id": 104, "enrolled_on": AS_OF - dt.timedelta(days=10),
             "completed_on": None, "status": "Active"},
            {"learner_id": 2, "course_id": 108, "enrolled_on": before, "completed_on": None,
             "status": "Active"},
            {"learner_id": 4, "course_id": 103, "enrolled_on": before,
             "completed_on": before + dt.timedelta(days=30), "status": "Completed"},
        ])
        conn.execute(insert(LearnerActivityLog), [
            {"learner_id": 1, "course_id": 104, "activity_type": "Quiz", "score": s,
             "timestamp": AS_OF - dt.timedelta(days=d)} for s, d in [(40.0, 5), (50.0, 3)]])
        conn.execute(insert(LearnerGroupMapping), [
            {"learner_id": 4, "group_id": 1, "role": "Mentor", "join_date": before,
             "status": "Active"},
            {"learner_id": 5, "group_id": 1, "role": "Facilitator", "join_date": before,
             "status": "Active"}])
        conn.execute(insert(LearnerRecommendation), [
            {"learner_id": 1, "recommendation_type": "Course", "reference_id": "101",
             "action_status": "Ignored", "created_on": AS_OF - dt.timedelta(days=5),
             "model_version": "old"},
            {"learner_id": 1, "recommendation_type": "Course", "reference_id": "105",
             "action_status": "Pending", "created_on": AS_OF - dt.timedelta(days=2),
             "model_version": "old"},
            {"learner_id": 2, "recommendation_type": "Skill", "reference_id": "sql",
             "action_status": "Completed", "created_on": AS_OF - dt.timedelta(days=50),
             "model_version": "old"},
        ])


def fail_ranking_at(monkeypatch: Any, position: int, error: Exception) -> None:
    """Make ranking raise ``error`` on the chunk that starts at learner ``position``
    (patched on the module, before any ranking worker forks, so the worker has it too)."""
    import models.recommend as recommend_module

    original = recommend_module.recommend_chunk

    def failing(inputs, space, config, plan, rows, evidence=True):
        if rows[0] == position:
            raise error
        return original(inputs, space, config, plan, rows, evidence)

    monkeypatch.setattr(recommend_module, "recommend_chunk", failing)
