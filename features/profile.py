"""The profile view: who a learner says they are and want to become, as of a date.

Reads psychographics, preferences, goals, career pathways and the learner row.
Each source contributes its latest row stamped before ``as_of`` (window
functions, one query per table). Preferences carry no timestamp in the seed
schema, so the current row is used — the one documented exception to
point-in-time reading.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Select, case, func, or_, select

from features.reading import read_for_learners
from features.schema import (
    AI_PATHWAY_MARK,
    Learner,
    LearnerCareerPathway,
    LearnerGoal,
    LearnerPreferences,
    LearnerPsychographics,
)
from features.sql import as_of_param
from features.views import Feature, FeatureView

PROFILE = FeatureView(
    name="profile",
    entity="learner_id",
    description="Declared and inferred traits, preferences, goals and demographics.",
    sources=("learners", "learner_psychographics", "learner_preferences", "learner_goals",
             "learner_career_pathways"),
    features=(
        Feature(name="learning_style", dtype="str", description="Visual, Auditory, "
                "Reading/Writing or Kinesthetic (survey first, else AI-derived)"),
        Feature(name="gamification_persona", dtype="str",
                description="Achiever, Explorer, Socializer or Killer"),
        Feature(name="learning_motivation", dtype="str", description="stated motivation"),
        Feature(name="preferred_content_format", dtype="str",
                description="preferred format (Video, Reading, ...)"),
        Feature(name="preferred_learning_time", dtype="str",
                description="Morning, Afternoon, Evening or Night"),
        Feature(name="notification_preference", dtype="str", description="Email, App, ..."),
        Feature(name="ai_personalization_optin", dtype="bool",
                description="consent to AI features and recommendations (default yes)"),
        Feature(name="privacy_consent", dtype="bool", description="consent to data sharing"),
        Feature(name="goal_role", dtype="str", description="desired role of the latest goal"),
        Feature(name="target_skills", dtype="list", description="target skills, parsed"),
        Feature(name="career_motivation", dtype="str",
                description="why the goal matters (free text; embedded, never published)"),
        Feature(name="target_timeline_months", dtype="float",
                description="goal timeline in months, parsed from text"),
        Feature(name="goal_progress", dtype="float", description="goal progress (0-100)"),
        Feature(name="current_role", dtype="str",
                description="current role from the latest career pathway"),
        Feature(name="gender", dtype="str", description="for fairness audits only"),
        Feature(name="age_band", dtype="str", description="for fairness audits only"),
        Feature(name="country", dtype="str", description="for fairness audits only"),
        Feature(name="timezone", dtype="str", description="IANA timezone"),
    ),
)

AGE_BANDS = [(0, 25, "<25"), (25, 35, "25-34"), (35, 45, "35-44"), (45, 55, "45-54"),
             (55, 200, "55+")]


def profile_queries(as_of: dt.datetime) -> dict[str, Select]:
    t = as_of_param(as_of)
    psych = LearnerPsychographics.__table__
    goals = LearnerGoal.__table__
    paths = LearnerCareerPathway.__table__
    prefs = LearnerPreferences.__table__
    learners = Learner.__table__

    def latest(table, stamp, columns, order_first=None, where=None) -> Select:
        c = table.c
        order = ([order_first] if order_first is not None else []) + [
            stamp.desc(), list(table.primary_key.columns)[0].desc()]
        ranked = (
            select(c.learner_id, *[c[name] for name in columns],
                   func.row_number().over(partition_by=c.learner_id, order_by=order)
                   .label("rank_"))
            .where(or_(stamp < t, stamp.is_(None)), *([where] if where is not None else []))
            .subquery()
        )
        return select(ranked.c.learner_id, *[ranked.c[n] for n in columns]).where(
            ranked.c.rank_ == 1)

    prefs_ranked = (
        select(prefs.c.learner_id, prefs.c.preferred_content_format,
               prefs.c.preferred_learning_time, prefs.c.notification_preference,
               prefs.c.ai_personalization_optin, prefs.c.privacy_consent,
               func.row_number().over(partition_by=prefs.c.learner_id,
                                      order_by=prefs.c.pref_id.desc()).label("rank_"))
        .subquery()
    )
    return {
        # Survey and hybrid answers outrank the AI rows learnerai writes itself.
        "psych": latest(psych, psych.c.last_updated,
                        ["learning_style", "gamification_persona", "learning_motivation"],
                        order_first=case((psych.c.derived_from == "AI", 1), else_=0)),
        "goals": latest(goals, goals.c.last_reviewed,
                        ["desired_role", "target_skills", "career_motivation",
                         "target_timeline", "progress_percent"]),
        # Only pathways the platform recorded: the ones learnerai inferred would
        # otherwise be read back the next night as if the learner had declared them.
        "paths": latest(paths, paths.c.last_updated, ["current_role", "recommended_courses"],
                        where=or_(paths.c.gap_analysis.is_(None),
                                  ~paths.c.gap_analysis.like(AI_PATHWAY_MARK + "%"))),
        "prefs": select(*[c for c in prefs_ranked.c if c.name != "rank_"])
        .where(prefs_ranked.c.rank_ == 1),
        "learners": select(learners.c.learner_id, learners.c.gender, learners.c.dob,
                           learners.c.country, learners.c.timezone)
        .where(or_(learners.c.registration_date < t, learners.c.registration_date.is_(None))),
    }


def extract_profile(bind: Engine | Connection, as_of: dt.datetime,
                    learner_ids: Sequence[int] | None = None) -> pd.DataFrame:
    frames = {
        name: read_for_learners(bind, query, learner_ids)
        for name, query in profile_queries(as_of).items()
    }
    base = frames.pop("learners").set_index("learner_id")
    for frame in frames.values():
        base = base.join(frame.set_index("learner_id"), how="left")
    return base.sort_index()


#: Free text beyond this many characters is cut (an encoder reads ~256 tokens anyway).
MAX_TEXT_CHARS = 4_000


def profile_data_quality(raw: pd.DataFrame) -> dict[str, int]:
    """What the profile could not take at face value, by kind (for the run ledger):
    list columns that are not valid JSON lists (parsed leniently instead), free text cut
    at :data:`MAX_TEXT_CHARS`, timezones that do not exist (treated as unknown)."""
    def malformed(column: str, lenient_text: bool) -> int:
        text = raw.get(column, pd.Series(dtype=object)).dropna().astype(str).str.strip()
        if lenient_text:  # plain "a, b; c" is the seed's other list format
            text = text[text.str.startswith(("[", "{"))]
        return int(sum(not _is_json_list(v) for v in text))  # per distinct row, small

    motivation = raw.get("career_motivation", pd.Series(dtype=object)).dropna().astype(str)
    zones = raw.get("timezone", pd.Series(dtype=object)).dropna().astype(str)
    known = {zone: _zone_exists(zone) for zone in pd.unique(zones)}  # a few dozen zones
    return {
        "malformed_target_skills": malformed("target_skills", lenient_text=True),
        "malformed_recommended_courses": malformed("recommended_courses", lenient_text=False),
        "huge_text": int((motivation.str.len() > MAX_TEXT_CHARS).sum()),
        "unknown_timezone": int((~zones.map(known).astype(bool)).sum()),
    }


def _is_json_list(text: str) -> bool:
    try:
        return isinstance(json.loads(text), list)
    except ValueError:
        return False


def _zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


def derive_profile(raw: pd.DataFrame, as_of: dt.datetime) -> pd.DataFrame:
    """The profile view; ``attrs["data_quality"]`` counts what it could not take at
    face value (:func:`profile_data_quality`)."""
    out = pd.DataFrame(index=raw.index)
    for column in ("learning_style", "gamification_persona", "learning_motivation",
                   "preferred_content_format", "preferred_learning_time",
                   "notification_preference", "career_motivation", "country", "timezone",
                   "gender"):
        out[column] = raw.get(column)
    out["ai_personalization_optin"] = _flag(raw.get("ai_personalization_optin"), default=True)
    out["privacy_consent"] = _flag(raw.get("privacy_consent"), default=False)
    out["goal_role"] = raw.get("desired_role")
    out["target_skills"] = [parse_text_list(v) for v in raw.get("target_skills", [])]
    out["target_timeline_months"] = [parse_timeline_months(v)
                                     for v in raw.get("target_timeline", [])]
    out["goal_progress"] = pd.to_numeric(raw.get("progress_percent"), errors="coerce")
    out["current_role"] = raw.get("current_role")
    out["age_band"] = age_band(pd.to_datetime(raw.get("dob"), errors="coerce"), as_of)
    motivation = out["career_motivation"]
    if motivation is not None and len(out):
        out["career_motivation"] = motivation.where(
            motivation.isna(), motivation.astype(str).str.slice(0, MAX_TEXT_CHARS))
    out.index.name = "learner_id"
    profile = out[PROFILE.names]
    profile.attrs["data_quality"] = profile_data_quality(raw)
    return profile


def compute_profile(bind: Engine | Connection, as_of: dt.datetime,
                    learner_ids: Sequence[int] | None = None) -> pd.DataFrame:
    return derive_profile(extract_profile(bind, as_of, learner_ids), as_of)


# --------------------------------------------------------------------------- parsing

_SPLIT = re.compile(r"[,;|\n]+")


def parse_text_list(value: object) -> list[str]:
    """A list of strings from the seed's free-text list columns.

    Accepts a JSON array, or text separated by commas, semicolons, pipes or
    newlines; malformed JSON falls back to splitting. Blank items are dropped.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
            if isinstance(parsed, list):
                return [str(v).strip() for v in parsed if str(v).strip()]
        except ValueError:
            text = text.strip("[]")
    return [part.strip().strip("\"'") for part in _SPLIT.split(text)
            if part.strip().strip("\"'")]


_TIMELINE = re.compile(r"(\d+(?:\.\d+)?)\s*(year|yr|month|mo|week|wk)?", re.I)


def parse_timeline_months(value: object) -> float:
    """'6 months' -> 6, '1 year' -> 12, '8 weeks' -> ~1.8; unparseable -> NaN."""
    if value is None:
        return float("nan")
    match = _TIMELINE.search(str(value))
    if not match:
        return float("nan")
    number, unit = float(match.group(1)), (match.group(2) or "month").lower()
    if unit.startswith(("y",)):
        return number * 12
    if unit.startswith(("w",)):
        return round(number * 7 / 30.44, 2)
    return number


def age_band(dob: pd.Series | None, as_of: dt.datetime) -> pd.Series:
    if dob is None:
        return pd.Series(dtype=object)
    years = (pd.Timestamp(as_of) - dob).dt.days / 365.25
    bands = pd.Series("unknown", index=dob.index, dtype=object)
    for low, high, label in AGE_BANDS:
        bands[(years >= low) & (years < high)] = label
    return bands


def _flag(values: pd.Series | None, default: bool) -> pd.Series:
    if values is None:
        return pd.Series(dtype=bool)
    numeric = pd.to_numeric(values, errors="coerce")
    return numeric.fillna(1 if default else 0).astype(int).astype(bool)
