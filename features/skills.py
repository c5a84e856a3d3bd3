"""The skills view: what a learner can do, as of a date.

Reads ``learner_skills`` (validated before as-of), ``learner_certifications``
(issued before as-of, not expired) and ``learner_education`` (started by the
as-of year). Free-text skill names are resolved to ``skill_catalog`` by a
resolver the caller passes in (embedding similarity, see
:mod:`models.skill_resolution`); unresolved names are kept and flagged.

``last_validated`` is overwritten when a skill is re-validated, so a skill can
drop out of a past as-of after re-validation: a limitation of the seed schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pandas as pd
from sqlalchemy import Connection, Engine, and_, case, func, or_, select

from features.reading import read_for_learners
from features.schema import (
    SKILL_LEVELS,
    LearnerCertification,
    LearnerEducation,
    LearnerSkill,
)
from features.sql import as_of_param
from features.views import Feature, FeatureView

SKILLS = FeatureView(
    name="skills",
    entity="learner_id",
    description="Skills (resolved to the catalog), certifications and education.",
    sources=("learner_skills", "learner_certifications", "learner_education", "skill_catalog"),
    features=(
        Feature(name="skill_count", dtype="int", description="distinct skills on record"),
        Feature(name="advanced_skill_count", dtype="int",
                description="skills at Advanced or Expert level"),
        Feature(name="mean_proficiency", dtype="float",
                description="mean proficiency score (0-100) of the learner's skills", unit="%"),
        Feature(name="unresolved_skill_share", dtype="float",
                description="share of skill names that match no catalog skill"),
        Feature(name="verified_certifications", dtype="int",
                description="verified, unexpired certifications"),
        Feature(name="education_level", dtype="int",
                description="highest education: 0 none, 1 secondary, 2 A level/diploma, "
                            "3 bachelor, 4 master/postgraduate, 5 doctorate; -1 unknown"),
    ),
)

LEVEL_NUMBER = {level: i + 1 for i, level in enumerate(SKILL_LEVELS)}

#: A resolver maps raw skill names to a frame with ``skill_key`` (None if
#: unresolved) and ``resolved``, row-aligned with its input.
SkillResolverFn = Callable[[Sequence[str]], pd.DataFrame]


def skill_rows_query(as_of: dt.datetime):
    s = LearnerSkill.__table__.c
    t = as_of_param(as_of)
    return select(s.learner_id, s.skill_name, s.skill_level, s.proficiency_score).where(
        or_(s.last_validated < t, s.last_validated.is_(None))
    )


def extract_skill_rows(bind: Engine | Connection, as_of: dt.datetime,
                       learner_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """One row per learner skill: raw name, level number (1-4), proficiency (0-100)."""
    raw = read_for_learners(bind, skill_rows_query(as_of), learner_ids)
    return clean_skill_rows(raw)


#: Control and invisible format characters, and U+FFFD (what undecodable bytes become).
UNPRINTABLE = r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufffd]"


def clean_skill_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """Normalise names, levels and scores. Counted for the run ledger: blank names
    (dropped), names with unprintable characters (removed from the name), a learner's
    repeated skill (the strongest row kept), out-of-range scores, unknown levels."""
    text = raw["skill_name"].fillna("").astype(str)
    # String work on the distinct names only (a few thousand among 1.25M rows).
    codes, distinct = pd.factorize(text)
    distinct = pd.Series(distinct, dtype=text.dtype)
    cleaned = distinct.str.replace(UNPRINTABLE, "", regex=True).str.strip()
    unprintable = distinct.str.contains(UNPRINTABLE, regex=True).to_numpy(bool)[codes]
    names = pd.Series(cleaned.to_numpy(object)[codes], index=raw.index, dtype=text.dtype)
    # Equal casefolded names are one skill; their codes stand in for them when sorting.
    key_codes = pd.factorize(cleaned.str.casefold())[0][codes]
    score = pd.to_numeric(raw["proficiency_score"], errors="coerce")
    rows = pd.DataFrame({
        "learner_id": raw["learner_id"].astype("int64"),
        "skill_name": names,
        "level": raw["skill_level"].map(LEVEL_NUMBER).fillna(1).astype("int64"),
        # Out-of-range proficiency is excluded (NaN), not clipped into a fake value.
        "proficiency": score.where(score.between(0, 100)),
    })
    kept = rows[names != ""].assign(_key=key_codes[(names != "").to_numpy()])
    kept = kept.sort_values(["learner_id", "_key", "level"], ascending=[True, True, False],
                            kind="stable")
    repeated = kept.duplicated(["learner_id", "_key"])
    rows = kept[~repeated].drop(columns="_key").sort_index()
    rows.attrs["data_quality"] = {
        "empty_skill_name": int((names == "").sum()),
        "control_characters": int(unprintable.sum()),
        "duplicate_skill": int(repeated.sum()),
        "proficiency_out_of_range": int((score.notna() & ~score.between(0, 100)).sum()),
        "unknown_skill_level": int((raw["skill_level"].notna()
                                    & ~raw["skill_level"].isin(SKILL_LEVELS)).sum()),
    }
    return rows.reset_index(drop=True)


def resolve_skill_rows(rows: pd.DataFrame, resolve: SkillResolverFn | None) -> pd.DataFrame:
    """Add ``skill_key`` and ``resolved``; each distinct name is resolved once."""
    out = rows.copy()
    if resolve is None or out.empty:
        out["skill_key"] = None
        out["resolved"] = False
        return out
    names = pd.unique(out["skill_name"])
    resolved = resolve(list(names)).reset_index(drop=True)
    lookup = pd.DataFrame({"skill_name": names, "skill_key": resolved["skill_key"],
                           "resolved": resolved["resolved"].astype(bool)})
    merged = out.merge(lookup, on="skill_name", how="left")
    merged.attrs = dict(rows.attrs)  # keep the data-quality counts
    return merged


def aggregate_skills(rows: pd.DataFrame) -> pd.DataFrame:
    """Per-learner skill features from resolved skill rows."""
    key = rows["skill_key"].where(rows["resolved"], "raw:" + rows["skill_name"].str.lower())
    dedup = rows.assign(key=key).sort_values(["learner_id", "key", "level"]).drop_duplicates(
        ["learner_id", "key"], keep="last")
    grouped = dedup.groupby("learner_id")
    return pd.DataFrame({
        "skill_count": grouped.size(),
        "advanced_skill_count": (dedup["level"] >= 3).groupby(dedup["learner_id"]).sum()
        .astype("int64"),
        "mean_proficiency": grouped["proficiency"].mean(),
        "unresolved_skill_share": 1.0 - grouped["resolved"].mean(),
    })


def credentials_queries(as_of: dt.datetime) -> dict:
    t = as_of_param(as_of)
    c, e = LearnerCertification.__table__.c, LearnerEducation.__table__.c
    return {
        "certs": select(
            c.learner_id,
            func.sum(case((and_(c.verification_status == "Verified",
                                or_(c.expiry_date.is_(None), c.expiry_date > t)), 1), else_=0))
            .label("verified_certifications"),
        ).where(or_(c.issue_date < t, c.issue_date.is_(None))).group_by(c.learner_id),
        "education": select(e.learner_id, e.qualification).where(
            or_(e.start_year.is_(None), e.start_year <= as_of.year)),
    }


# First match wins, so "lower than a level" is secondary, not A level.
_EDUCATION_PATTERNS = [
    (0, r"no formal"),
    (1, r"lower than a level"),
    (5, r"ph\.?d|doctor"),
    (4, r"master|post ?graduate|m\.?sc|mba|m\.?a\b"),
    (3, r"bachelor|b\.?sc|b\.?a\b|b\.?tech|degree|he qualification|undergraduate"),
    (2, r"a level|diploma|associate|college"),
    (1, r"secondary|high school|gcse"),
]


def education_level(qualification: pd.Series) -> pd.Series:
    """Ordinal education level from free-text qualification names (-1 unknown)."""
    text = qualification.fillna("").astype(str).str.lower()
    level = pd.Series(-1, index=qualification.index, dtype="int64")
    for value, pattern in _EDUCATION_PATTERNS:
        level = level.mask((level == -1) & text.str.contains(pattern, regex=True), value)
    return level


def compute_skills(
    bind: Engine | Connection, as_of: dt.datetime, learner_ids: Sequence[int] | None = None,
    resolve: SkillResolverFn | None = None, skill_rows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The skills view as of ``as_of`` (learners without any skill row get zeros).

    ``skill_rows``: the same learners' rows from :func:`extract_skill_rows` and
    :func:`resolve_skill_rows`, when the caller has them already (not read again)."""
    rows = skill_rows if skill_rows is not None else resolve_skill_rows(
        extract_skill_rows(bind, as_of, learner_ids), resolve)
    features = aggregate_skills(rows) if not rows.empty else pd.DataFrame(
        columns=["skill_count", "advanced_skill_count", "mean_proficiency",
                 "unresolved_skill_share"])
    queries = credentials_queries(as_of)
    certs = read_for_learners(bind, queries["certs"], learner_ids).set_index("learner_id")
    education = read_for_learners(bind, queries["education"], learner_ids)
    education["level"] = education_level(education["qualification"])
    highest = education.groupby("learner_id")["level"].max()
    out = features.join(certs, how="outer")
    out = out.join(highest.rename("education_level"), how="outer")
    out = out.reindex(columns=SKILLS.names)
    for column in ("skill_count", "advanced_skill_count", "verified_certifications"):
        out[column] = pd.to_numeric(out[column], errors="coerce").fillna(0).astype("int64")
    out["education_level"] = pd.to_numeric(out["education_level"], errors="coerce").fillna(
        -1).astype("int64")
    for column in ("mean_proficiency", "unresolved_skill_share"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    out.index = out.index.astype("int64")
    out.index.name = "learner_id"
    return out.sort_index()


