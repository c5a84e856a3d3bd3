"""Which learners an incremental nightly run must recompute.

Three signals, all cheap next to recomputing everyone:

- **New events** — the event tables (activity, discussion, social, emotion,
  feedback, metaverse, telemetry, XP) are append-only: a run records each
  table's highest primary key when it starts (its *watermarks*, kept in the
  ledger), and the next run takes the learners of the rows above them.
- **Changed state** — the state tables (the learner row, skills,
  certifications, education, survey psychographics, preferences, goals,
  declared career pathways, groups, enrolments, feedback on recommendations)
  are edited in place and mostly carry no update stamp, so each learner's rows
  are hashed (only the columns features read: never PII) and compared with the
  fingerprint stored when the learner was last computed
  (``learner_input_state``). Rows learnerai writes itself (AI psychographics,
  AI pathways, Pending recommendations) are left out, so a run never
  triggers the next one.
- **Time** — with no new rows a learner's windowed features still drift as
  days pass; a learner is recomputed when their days since last activity moves
  to another :data:`DAYS_SINCE_BANDS` band (whose edges are the 7/28/63-day
  windows' edges), so a learner whose last activity leaves a window is
  refreshed.

Edits that leave no trace in these signals (a deleted skill row still shows as
a changed fingerprint; a deleted event row does not) are picked up by the
periodic ``--full`` run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Engine,
    Select,
    String,
    Table,
    bindparam,
    cast,
    func,
    select,
    update,
)

from features.reading import read_frame, read_many_for_learners
from features.schema import (
    AI_PATHWAY_MARK,
    CourseEnrollment,
    Learner,
    LearnerActivityLog,
    LearnerCareerPathway,
    LearnerCertification,
    LearnerDiscussionActivity,
    LearnerEducation,
    LearnerEmotionMetric,
    LearnerFeedbackResponse,
    LearnerGoal,
    LearnerGroupMapping,
    LearnerInputState,
    LearnerMetaverseLog,
    LearnerPreferences,
    LearnerPsychographics,
    LearnerRecommendation,
    LearnerSkill,
    LearnerSocialInteraction,
    LearnerSystemTelemetry,
    LearnerXP,
)
from features.sql import (
    as_of_param,
    register_hash_functions,
    row_text,
    without_group_by_index,
)
from features.writing import upsert_rows

#: Append-only tables: (table, primary key, learner columns).
EVENT_TABLES: tuple[tuple[Table, str, tuple[str, ...]], ...] = (
    (LearnerActivityLog.__table__, "log_id", ("learner_id",)),
    (LearnerDiscussionActivity.__table__, "post_id", ("learner_id",)),
    (LearnerSocialInteraction.__table__, "interaction_id", ("sender_id", "receiver_id")),
    (LearnerEmotionMetric.__table__, "emotion_id", ("learner_id",)),
    (LearnerFeedbackResponse.__table__, "feedback_id", ("learner_id",)),
    (LearnerMetaverseLog.__table__, "meta_id", ("learner_id",)),
    (LearnerSystemTelemetry.__table__, "telemetry_id", ("learner_id",)),
    (LearnerXP.__table__, "xp_id", ("learner_id",)),
)

#: Days-since-last-activity bands: a move to another band triggers a recompute.
DAYS_SINCE_BANDS = (1, 2, 4, 8, 15, 29, 64)


def _state_queries(as_of: dt.datetime) -> dict[str, Any]:
    """Per state table: the rows (feature-relevant columns only) that count."""
    when = as_of_param(as_of)
    lr, sk = Learner.__table__.c, LearnerSkill.__table__.c
    ce, ed = LearnerCertification.__table__.c, LearnerEducation.__table__.c
    ps, pr = LearnerPsychographics.__table__.c, LearnerPreferences.__table__.c
    go, cp = LearnerGoal.__table__.c, LearnerCareerPathway.__table__.c
    gm, en = LearnerGroupMapping.__table__.c, CourseEnrollment.__table__.c
    rec = LearnerRecommendation.__table__.c
    # Longest first (state_fingerprints reads two at a time on MariaDB).
    return {
        "recommendation_feedback": select(rec.learner_id, rec.rec_id, rec.action_status)
        .where(rec.action_status != "Pending"),
        "learner_skills": select(sk.learner_id, sk.skill_id, sk.skill_name, sk.skill_level,
                                 sk.proficiency_score, sk.source, sk.last_validated),
        "learners": select(lr.learner_id, lr.gender, lr.dob, lr.country, lr.timezone,
                           lr.language_pref, lr.registration_date, lr.status)
        .where(lr.registration_date < when),
        "learner_certifications": select(ce.learner_id, ce.cert_id, ce.cert_name,
                                         ce.issuing_org, ce.issue_date, ce.expiry_date,
                                         ce.verification_status),
        "learner_education": select(ed.learner_id, ed.edu_id, ed.qualification,
                                    ed.specialization, ed.end_year, ed.is_current),
        "learner_psychographics": select(
            ps.psychographic_id, ps.learner_id, ps.learning_motivation, ps.learning_style,
            ps.cognitive_pattern, ps.gamification_persona, ps.derived_from, ps.last_updated)
        .where((ps.derived_from != "AI") | ps.derived_from.is_(None)),
        "learner_preferences": select(pr.learner_id, pr.pref_id, pr.preferred_content_format,
                                      pr.preferred_learning_time, pr.notification_preference,
                                      pr.privacy_consent, pr.ai_personalization_optin),
        "learner_goals": select(go.learner_id, go.goal_id, go.desired_role, go.target_skills,
                                go.career_motivation, go.target_timeline, go.last_reviewed),
        "learner_career_pathways": select(cp.learner_id, cp.path_id, cp.current_role,
                                          cp.next_role, cp.last_updated)
        .where(~cp.gap_analysis.like(AI_PATHWAY_MARK + "%") | cp.gap_analysis.is_(None)),
        "learner_group_mapping": select(gm.learner_id, gm.map_id, gm.group_id, gm.role),
        "course_enrollments": select(en.learner_id, en.enrollment_id, en.course_id,
                                     en.status, en.enrolled_on, en.unenrolled_on,
                                     en.completed_on, en.final_score),
    }


@dataclass
class Scope:
    """What a run recomputes: ``learner_ids`` (None: everyone) and why."""

    learner_ids: np.ndarray | None
    mode: str                                   # "full" or "incremental"
    reasons: dict[str, int] = field(default_factory=dict)
    watermarks: dict[str, int] = field(default_factory=dict)
    fingerprints: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))

    @property
    def is_full(self) -> bool:
        return self.learner_ids is None


def event_watermarks(engine: Engine) -> dict[str, int]:
    """The highest primary key of each event table (0 when empty)."""
    with engine.connect() as conn:
        return {table.name: int(conn.execute(select(func.max(table.c[pk]))).scalar() or 0)
                for table, pk, _ in EVENT_TABLES}


def learners_with_new_events(engine: Engine, since: Mapping[str, int],
                             until: Mapping[str, int]) -> np.ndarray:
    """Learners of event rows with ``since < key <= until`` in any event table."""
    found: list[np.ndarray] = []
    with engine.connect() as conn:
        for table, pk, columns in EVENT_TABLES:
            low, high = int(since.get(table.name, 0)), int(until.get(table.name, 0))
            if high <= low:
                continue
            for column in columns:
                rows = conn.execute(select(table.c[column]).distinct()
                                    .where(table.c[pk] > low, table.c[pk] <= high)).scalars()
                found.append(np.fromiter((int(r) for r in rows if r is not None), np.int64))
    return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)


def state_fingerprints(engine: Engine, as_of: dt.datetime) -> pd.Series:
    """learner_id -> a 64-bit hash of the learner's state rows (signed int64), for
    every learner registered before ``as_of``.

    The database hashes each row (CRC-32 of its columns as text) and sums the hashes
    per learner, so only one number per learner and table leaves the server: at
    100,000 learners that is 1.1M small rows instead of 3M wide ones rendered and
    hashed in pandas. A change goes unnoticed only if it leaves a learner's sum
    unchanged (about one in 4 billion); the weekly full run recomputes everyone anyway.
    """
    pr = LearnerPreferences.__table__.c
    queries = {name: _hash_sums(query) for name, query in _state_queries(as_of).items()}
    queries[_PREFERENCES] = select(pr.learner_id, pr.pref_id, pr.ai_personalization_optin)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            register_hash_functions(conn)
            sums = read_many_for_learners(conn, queries, None)
    else:  # two at a time, longest first: 7.8 s one by one at 100,000 learners, 5.5 s
        sums = read_many_for_learners(engine, queries, None)
    preferences = sums.pop(_PREFERENCES)
    # An opted-out learner's feedback is deleted with their AI rows: it is no input of theirs.
    feedback = sums["recommendation_feedback"]
    sums["recommendation_feedback"] = feedback[
        ~feedback["learner_id"].isin(_opted_out(preferences))]
    learners = sums["learners"]["learner_id"].astype("int64")
    parts = [_mixed(frame, salt=name) for name, frame in sums.items()]
    combined = pd.concat(parts, axis=1).fillna(0).astype("uint64")
    total = combined.sum(axis=1).astype("uint64")   # wraps mod 2^64: order-free combine
    total = total.reindex(learners.to_numpy(), fill_value=np.uint64(0))
    return total.astype("int64").rename("fingerprint")


_PREFERENCES = "opt-in preferences"


def _hash_sums(query: Select) -> Select:
    """``query`` (learner_id first) reduced to learner_id and the sum of its rows'
    CRC-32 hashes."""
    # The inner select is merged into the GROUP BY, which must scan, not walk the index.
    rows = without_group_by_index(query).subquery()
    text = row_text([cast(c, String) for c in rows.c if c.name != "learner_id"])
    return (select(rows.c.learner_id, func.sum(func.crc32(text)).label("row_hashes"))
            .group_by(rows.c.learner_id))


def _opted_out(preferences: pd.DataFrame) -> np.ndarray:
    """Learners whose latest preferences row turns AI personalisation off."""
    latest = preferences.sort_values("pref_id").drop_duplicates("learner_id", keep="last")
    off = pd.to_numeric(latest["ai_personalization_optin"], errors="coerce") == 0
    return latest.loc[off, "learner_id"].astype("int64").to_numpy()


def _mixed(sums: pd.DataFrame, salt: str) -> pd.Series:
    """A table's per-learner sums, mixed with a multiplier of its own, so that equal
    sums in two tables do not cancel or swap unnoticed."""
    if sums.empty:
        return pd.Series(dtype="uint64")
    values = pd.to_numeric(sums["row_hashes"]).to_numpy(dtype=np.uint64)
    multiplier = np.uint64(zlib.crc32(salt.encode()) << 32 | 0x9E3779B9) | np.uint64(1)
    return pd.Series(values * multiplier, index=sums["learner_id"].astype("int64").to_numpy())


def days_band(days: pd.Series | np.ndarray) -> np.ndarray:
    """Band index of days since last activity; -1 for never active."""
    values = np.asarray(days, dtype=float)
    bands = np.searchsorted(np.asarray(DAYS_SINCE_BANDS, float), values, side="right")
    return np.where(np.isnan(values), -1, bands)


def stored_state(engine: Engine) -> pd.DataFrame:
    """The fingerprints and days-since stored by earlier runs, indexed by learner_id."""
    frame = read_frame(engine, select(LearnerInputState.__table__))
    return frame.set_index("learner_id")


def plan_scope(engine: Engine, as_of: dt.datetime, previous: Mapping[str, Any] | None,
               *, full: bool = False) -> Scope:
    """The learners to recompute as of ``as_of`` after the ``previous`` successful run
    (a ``batch_runs`` row as a mapping, or None: everyone)."""
    watermarks = event_watermarks(engine)
    fingerprints = state_fingerprints(engine, as_of)
    everyone = fingerprints.index.to_numpy(np.int64)
    since = ((previous or {}).get("counts") or {}).get("watermarks")
    if full or not since:
        reason = "full" if full else "no earlier successful run"
        return Scope(None, "full", {reason: len(everyone)}, watermarks, fingerprints)

    stored = stored_state(engine)
    known = stored.reindex(fingerprints.index)
    new_learners = known["fingerprint"].isna().to_numpy()
    exact = known["fingerprint"].fillna(0).astype("int64").to_numpy()
    changed = ~new_learners & (exact != fingerprints.to_numpy(np.int64))
    events = np.isin(everyone, learners_with_new_events(engine, since, watermarks))
    moved = ~new_learners & _moved_band(known, as_of)
    chosen = new_learners | changed | events | moved
    reasons = {"new learners": int(new_learners.sum()), "changed state": int(changed.sum()),
               "new events": int(events.sum()), "time band moved": int(moved.sum())}
    return Scope(everyone[chosen], "incremental", reasons, watermarks,
                 fingerprints[chosen])


def _moved_band(known: pd.DataFrame, as_of: dt.datetime) -> np.ndarray:
    then = pd.to_datetime(known["as_of"])
    days = known["days_since_last_activity"].astype(float)
    elapsed = ((pd.Timestamp(as_of) - then).dt.total_seconds() / 86400).to_numpy(float)
    return days_band(days) != days_band(days.to_numpy() + np.nan_to_num(elapsed))


def input_state_rows(fingerprints: pd.Series, days_since: pd.Series, as_of: dt.datetime,
                     run_id: str, mentor_fingerprints: pd.Series | None = None,
                     mentor_inputs: pd.Series | None = None,
                     mentor_assignment: pd.Series | None = None) -> list[dict[str, Any]]:
    """``learner_input_state`` rows for the learners a run computed."""
    index = fingerprints.index
    days = days_since.reindex(index).astype(float)
    # Nullable Int64: a float column (NaN for learners without Mentor rows) would round
    # the 64-bit hashes, and every learner would look as if their mentors had moved.
    mentors, inputs = (pd.Series(pd.NA, index=index, dtype="Int64") if values is None
                       else values.astype("Int64").reindex(index)
                       for values in (mentor_fingerprints, mentor_inputs))
    texts = pd.Series(None, index=index, dtype=object) if mentor_assignment is None else \
        mentor_assignment.reindex(index)
    return [{"learner_id": int(lid), "fingerprint": int(fp),
             "days_since_last_activity": None if np.isnan(d) else round(float(d), 4),
             "as_of": as_of, "run_id": run_id,
             "mentor_fingerprint": None if pd.isna(m) else int(m),
             "mentor_inputs": None if pd.isna(h) else int(h),
             "mentor_assignment": None if pd.isna(a) else a}
            for lid, fp, d, m, h, a in zip(index, fingerprints.to_numpy(np.int64),
                                           days.to_numpy(), mentors.to_numpy(object),
                                           inputs.to_numpy(object), texts.to_numpy(object),
                                           strict=True)]


def record_input_state(engine: Engine, fingerprints: pd.Series, days_since: pd.Series,
                       as_of: dt.datetime, run_id: str,
                       mentor_fingerprints: pd.Series | None = None, *,
                       mentor_inputs: pd.Series | None = None,
                       mentor_assignment: pd.Series | None = None,
                       mentor_state: Any = None) -> int:
    """Remember what the computed learners' inputs looked like (for the next run), and
    which mentors every learner whose Mentor rows the run published was given.

    ``mentor_inputs`` and ``mentor_assignment`` (per learner) and ``mentor_state``
    (:class:`features.mentor_state.MentorState`) are the run's mentor assignment, stored
    in the same transaction for the next incremental run to reuse."""
    rows = input_state_rows(fingerprints, days_since, as_of, run_id, mentor_fingerprints,
                            mentor_inputs, mentor_assignment)
    others = pd.Series(dtype="int64") if mentor_fingerprints is None else \
        mentor_fingerprints[~mentor_fingerprints.index.isin(fingerprints.index)]
    t = LearnerInputState.__table__
    with engine.begin() as conn:
        written = upsert_rows(conn, t, rows,
                              update_columns=["fingerprint", "days_since_last_activity",
                                              "as_of", "run_id", "mentor_fingerprint",
                                              "mentor_inputs", "mentor_assignment"])
        if len(others):
            texts = pd.Series(None, index=others.index, dtype=object) \
                if mentor_assignment is None else mentor_assignment.reindex(others.index)
            conn.execute(update(t).where(t.c.learner_id == bindparam("lid"))
                         .values(mentor_fingerprint=bindparam("mentor"),
                                 mentor_assignment=bindparam("assignment")),
                         [{"lid": int(lid), "mentor": int(fp),
                           "assignment": None if pd.isna(text) else text}
                          for (lid, fp), text in zip(others.items(), texts.to_numpy(object),
                                                     strict=True)])
        if mentor_state is not None:
            from features.mentor_state import store_mentor_state

            store_mentor_state(conn, dataclasses.replace(mentor_state, run_id=run_id))
    return written


def mentors_moved(engine: Engine, mentor_fingerprints: pd.Series) -> np.ndarray:
    """Learners whose mentors differ from what the last run published for them: mentors
    are assigned across the whole population, so another learner's change (an opt-out,
    a new Expert skill) can move them."""
    t = LearnerInputState
    with engine.connect() as conn:  # exact 64-bit ints: a float column would round them
        stored = dict(conn.execute(select(t.learner_id, t.mentor_fingerprint)
                                   .where(t.mentor_fingerprint.is_not(None))).all())
    moved = hashes_differ(pd.Series(stored, dtype="Int64"), mentor_fingerprints)
    return mentor_fingerprints.index.to_numpy(np.int64)[moved]


def hashes_differ(stored: pd.Series, fresh: pd.Series) -> np.ndarray:
    """Per learner of ``fresh`` (learner_id -> int64 hash): True where ``stored`` holds a
    different hash or none. Compared as exact 64-bit integers (a float would round)."""
    known = stored.astype("Int64").reindex(fresh.index)
    now = pd.array(fresh.to_numpy(np.int64), dtype="Int64")
    return (known.array != now).fillna(True).to_numpy(dtype=bool)


def scope_ids(scope: Scope) -> Sequence[int] | None:
    return None if scope.learner_ids is None else scope.learner_ids.tolist()
