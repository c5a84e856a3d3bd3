"""The stored mentor assignment, and when an incremental run may reuse it.

Mentors are assigned over every opted-in learner at once (a mentor's capacity is
shared), so an incremental run used to read everyone's profile, skills, careers and
the mentor pool and assign again: at 100,000 learners 35 s of reads and 18 s of
assignment, on nights when usually only activity changed, which assignment never reads.

Every run records, for each learner it computes
(:func:`features.change_detection.record_input_state`), a hash of everything
assignment reads of that learner (:func:`mentor_input_fingerprints`: opt-in, UTC
offset, target role, skill levels, mentor-pool row and strong skills, Mentor
exclusions) and the learner's assigned rows (:func:`assignment_texts`), and in the
same transaction a small :class:`MentorState` (``population_snapshots``, kind
:data:`KIND`). The next incremental run reuses the stored rows of its learners
(:func:`reusable_assignment`) when

- the run that stored the state (the last to record learners: every record stores
  one, in the same transaction) succeeded, and it was for the same recommender
  version, configuration, role catalogue, skill catalogue and embedding model;
- as many learners have a stored hash as then (none was deleted);
- no timezone's UTC offset moved between the two as-of dates (daylight saving);
- no Mentor suggestion ignored "recently" at the state's as-of has left that window
  (its exclusion lifts with time, not with an edit);
- every learner of the run has a stored hash, equal to their hash now.

Learners outside the run kept their inputs (that is how change detection left them
out), so equal hashes for the run's learners mean equal inputs for everyone, and
assignment is deterministic: the stored rows are the ones it would assign. Otherwise
the run assigns over everyone, as a full run does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from features.change_detection import hashes_differ
from features.population_snapshot import latest_snapshot, store_snapshot
from features.reading import read_for_learners
from features.recommendation_data import IGNORE_DAYS
from features.recommendation_inputs import utc_offset_hours
from features.runs import run_status
from features.schema import LearnerInputState, LearnerRecommendation
from features.sql import as_of_param, days_before
from models.recommend_mentor import KIND as MENTOR_KIND
from models.recommend_policy import excluded_pairs

#: ``population_snapshots.kind`` of the state row.
KIND = "mentor-assignment"

_SALTS = {"member": 0x9E3779B97F4A7C15, "level": 0xC2B2AE3D27D4EB4F,
          "pool": 0x165667B19E3779F9, "strong": 0xD6E8FEB86659FD93,
          "excluded": 0xFF51AFD7ED558CCD}


@dataclass(frozen=True)
class MentorState:
    """What the stored assignment is valid for (see the module docstring)."""

    run_id: str
    as_of: dt.datetime
    compatibility: str
    columns: list[str]  # the assignment's columns after learner_id
    dtypes: dict[str, str]  # column -> numpy dtype name
    zones: dict[str, float | None]  # timezone -> UTC offset hours at as_of (None: unknown)
    ignores_expire: dt.datetime | None  # when the first recent Mentor ignore stops being recent
    recorded: int = 0  # learners with a stored hash, counted when stored

    def to_json(self) -> bytes:
        value = dataclasses.asdict(self)
        value["as_of"] = self.as_of.isoformat()
        value["ignores_expire"] = None if self.ignores_expire is None else \
            self.ignores_expire.isoformat()
        return json.dumps(value, sort_keys=True).encode()

    @classmethod
    def from_json(cls, payload: bytes) -> MentorState:
        value = json.loads(payload.decode())
        value["as_of"] = dt.datetime.fromisoformat(value["as_of"])
        if value["ignores_expire"] is not None:
            value["ignores_expire"] = dt.datetime.fromisoformat(value["ignores_expire"])
        return cls(**value)


# ----------------------------------------------------------------------------- pure


def compatibility(space: Any, skills: pd.DataFrame, config: Any, encoder_id: str,
                  recommender_version: str) -> str:
    """What a stored assignment is only valid for: the recommender version, its
    configuration, the role and skill catalogues and the embedding model (skill names
    are resolved by embedding)."""
    roles = space.roles
    parts = (repr(config), encoder_id, roles.skill_keys.tolist(),
             roles.role_ids.tolist(), roles.req_level.tobytes(), roles.req_weight.tobytes(),
             roles.next_roles.toarray().tobytes(), roles.seniority.tolist(),
             skills.astype(str).to_numpy().tolist())
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
    return f"{KIND}|{recommender_version}|{digest}"[:100]


def _learner_hash(frame: pd.DataFrame, salt: int) -> pd.Series:
    """learner_id -> order-free sum of the hashes of the learner's rows (uint64)."""
    if frame.empty:
        return pd.Series(dtype="uint64")
    values = frame.drop(columns="learner_id")
    rows = pd.util.hash_pandas_object(values, index=False)
    salted = rows.to_numpy(np.uint64) ^ np.uint64(salt)
    return pd.Series(salted, index=frame["learner_id"].to_numpy(np.int64)) \
        .groupby(level=0).sum()


def mentor_input_fingerprints(everyone: Any, learner_ids: Sequence[int]) -> pd.Series:
    """Per learner of ``learner_ids`` (int64): a hash of everything mentor assignment
    reads of them in ``everyone`` (:class:`models.recommend_space.LearnerInputs` of the
    opted-in learners with their mentor pool, strong skills and Mentor feedback).

    A learner outside ``everyone`` (opted out) hashes only their pool rows, so opting in
    or out changes the hash."""
    ids = everyone.learner_ids.astype(np.int64)
    offsets = everyone.profile.reindex(ids).get(
        "utc_offset_hours", pd.Series(np.nan, index=ids)).to_numpy(float)
    member = pd.DataFrame({"learner_id": ids, "offset": np.round(offsets, 4),
                           "target": everyone.careers["target_pos"].to_numpy(np.int64)})
    levels = everyone.levels.tocoo()
    level_rows = pd.DataFrame({"learner_id": ids[levels.row],
                               "skill": levels.col.astype(np.int64),
                               "level": np.round(levels.data.astype(float), 4)})
    pool = everyone.mentors
    pool_rows = pd.DataFrame({
        "learner_id": pool["learner_id"].to_numpy(np.int64),
        "offset": np.round(pool["utc_offset_hours"].to_numpy(float), 4),
        "groups": pool["mentor_groups"].to_numpy(np.int64)})
    strong = everyone.mentor_skills
    strong_rows = pd.DataFrame({"learner_id": strong["learner_id"].to_numpy(np.int64),
                                "skill_key": strong["skill_key"].astype(str).to_numpy(object),
                                "level": strong["level"].to_numpy(np.int64)})
    excluded = excluded_pairs(everyone.feedback, MENTOR_KIND)
    excluded_rows = pd.DataFrame({
        "learner_id": excluded["learner_id"].to_numpy(np.int64),
        "reference_id": excluded["reference_id"].astype(str).to_numpy(object)})
    parts = [_learner_hash(member, _SALTS["member"]),
             _learner_hash(level_rows, _SALTS["level"]),
             _learner_hash(pool_rows, _SALTS["pool"]),
             _learner_hash(strong_rows, _SALTS["strong"]),
             _learner_hash(excluded_rows, _SALTS["excluded"])]
    index = pd.Index(np.asarray(learner_ids, np.int64), name="learner_id")
    total = np.zeros(len(index), np.uint64)
    for part in parts:
        total += part.reindex(index, fill_value=0).to_numpy(np.uint64)
    return pd.Series(total.astype(np.int64), index=index)


def assignment_texts(assigned: pd.DataFrame, learner_ids: Sequence[int]) -> pd.Series:
    """Per learner of ``learner_ids``: their assigned mentor rows as a JSON list of rows
    (the columns after ``learner_id``, :func:`assignment_columns`); ``[]`` for none.
    Floats keep their exact value (Python's shortest round-trip repr)."""
    index = pd.Index(np.asarray(learner_ids, np.int64), name="learner_id")
    out = pd.Series("[]", index=index, dtype=object)
    if assigned.empty:
        return out
    mine = assigned[assigned["learner_id"].isin(index)].sort_values(
        ["learner_id", "rec_rank"], kind="stable")
    columns = assignment_columns(assigned)
    rows = mine[columns].astype(object).to_numpy().tolist()
    owners = mine["learner_id"].to_numpy(np.int64)
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else \
        np.array([], dtype=np.int64)
    ends = np.r_[starts[1:], len(owners)]
    # A text column holds one string per learner: one dumps per learner, of a few rows.
    texts = [json.dumps(rows[a:b]) for a, b in zip(starts.tolist(), ends.tolist(),
                                                       strict=True)]
    out.loc[owners[starts]] = texts
    return out


def assignment_columns(assigned: pd.DataFrame) -> list[str]:
    return [c for c in assigned.columns if c != "learner_id"]


def column_dtypes(assigned: pd.DataFrame) -> dict[str, str]:
    return {c: str(assigned[c].dtype) for c in assignment_columns(assigned)}


def assignment_from_texts(texts: pd.Series, state: MentorState) -> pd.DataFrame:
    """The assigned rows stored as :func:`assignment_texts` (index learner_id)."""
    if not state.columns:  # the stored run assigned no one (no Mentor type, no pool)
        return pd.DataFrame()
    owners: list[int] = []
    rows: list[list[Any]] = []
    for learner_id, text in texts.items():
        stored = json.loads(text)
        owners.extend([int(learner_id)] * len(stored))
        rows.extend(stored)
    frame = pd.DataFrame(rows, columns=state.columns)
    frame.insert(0, "learner_id", np.asarray(owners, np.int64))
    for column in state.columns:
        frame[column] = frame[column].astype(state.dtypes[column])
    return frame.sort_values(["learner_id", "rec_rank"], kind="stable").reset_index(drop=True)


def zone_offsets(zones: Sequence[Any], at: dt.datetime) -> dict[str, float | None]:
    """UTC offset (hours, None when unknown) of each distinct timezone name at ``at``."""
    names = sorted({str(z) for z in zones if z is not None and not pd.isna(z)})
    offsets = utc_offset_hours(pd.Series(names, dtype=object), at)
    return {name: None if np.isnan(o) else float(o)
            for name, o in zip(names, offsets, strict=True)}


# ----------------------------------------------------------------------------- database


def mentor_ignores_expire(engine: Engine, as_of: dt.datetime,
                          ignore_days: int = IGNORE_DAYS) -> dt.datetime | None:
    """When the oldest Mentor suggestion ignored within ``ignore_days`` before ``as_of``
    stops counting as recent (its exclusion lifts), or None when there is none."""
    r = LearnerRecommendation.__table__.c
    t = as_of_param(as_of)
    query = (select(func.min(r.created_on))
             .where(r.recommendation_type == MENTOR_KIND, r.action_status == "Ignored",
                    r.reference_id.is_not(None), r.created_on < t,
                    days_before(r.created_on, t) < ignore_days))
    with engine.connect() as conn:
        oldest = conn.execute(query).scalar()
    if oldest is None:
        return None
    return pd.Timestamp(oldest).to_pydatetime() + dt.timedelta(days=ignore_days)


def recorded_learners(conn: Connection) -> int:
    t = LearnerInputState.__table__.c
    return int(conn.execute(select(func.count()).where(t.mentor_inputs.is_not(None)))
               .scalar())


def store_mentor_state(conn: Connection, state: MentorState) -> MentorState:
    """Store ``state`` in the caller's transaction (the one that records the learners'
    hashes), counting the learners with a stored hash."""
    state = dataclasses.replace(state, recorded=recorded_learners(conn))
    store_snapshot(conn, KIND, state.compatibility, state.as_of, state.to_json(), state.run_id)
    return state


def latest_mentor_state(engine: Engine) -> MentorState | None:
    found = latest_snapshot(engine, KIND)
    return None if found is None else MentorState.from_json(found.payload)


def state_reason(state: MentorState | None, as_of: dt.datetime,
                 stored_by_success: bool) -> str | None:
    """Why ``state`` cannot serve a run as of ``as_of`` (None: it may, if the learners'
    hashes agree). ``stored_by_success``: the run that stored it succeeded."""
    if state is None:
        return "no stored assignment"
    if not stored_by_success:
        return "stored by a run that did not succeed"
    if as_of < state.as_of:
        return "as-of before the stored assignment's"
    if zone_offsets(list(state.zones), as_of) != state.zones:
        return "a timezone's UTC offset changed"
    if state.ignores_expire is not None and as_of >= state.ignores_expire:
        return "an ignored mentor's exclusion expired"
    return None


def stored_texts(engine: Engine, state: MentorState, compatibility_now: str,
                 hashes_now: pd.Series) -> tuple[str | None, pd.Series]:
    """(None, the stored assignment texts of ``hashes_now``'s learners) when their
    stored hashes equal ``hashes_now`` and nothing else moved, else (why, empty)."""
    none = pd.Series(dtype=object)
    if state.compatibility != compatibility_now:
        return "recommender, catalogue or embedding model changed", none
    with engine.connect() as conn:
        if recorded_learners(conn) != state.recorded:
            return "a learner with stored mentor inputs was deleted", none
    t = LearnerInputState.__table__.c
    stored = read_for_learners(engine, select(t.learner_id, t.mentor_inputs,
                                              t.mentor_assignment), hashes_now.index)
    stored = stored.set_index(stored["learner_id"].astype("int64"))
    texts = stored["mentor_assignment"].reindex(hashes_now.index)
    changed = int((hashes_differ(stored["mentor_inputs"], hashes_now)
                   | texts.isna().to_numpy()).sum())
    if changed:
        return f"mentor inputs of {changed} learner(s) changed", none
    return None, texts


# ----------------------------------------------------------------------------- a run


@dataclass(frozen=True)
class RunMentors:
    """A run's mentor assignment, and what its record stage stores for the next run."""

    population: Any  # features.recommendation_inputs.PopulationData
    assigned: pd.DataFrame
    reused: bool
    reason: str | None  # why the stored assignment was not reused (None when it was)
    state: MentorState
    inputs: pd.Series  # learner_id -> mentor input hash, every learner of the population

    def texts(self, learner_ids: Sequence[int]) -> pd.Series:
        return assignment_texts(self.assigned, learner_ids)


def reused_mentors(engine: Engine, encoder: Any, resolver: Any, as_of: dt.datetime,
                   learner_ids: Sequence[int], config: Any,
                   recommender_version: str) -> tuple[RunMentors | None, str | None]:
    """(the stored assignment of ``learner_ids`` with their population inputs, read for
    them alone, None) — or (None, why it cannot be reused): module docstring."""
    from features.recommendation_inputs import load_population, statistics_stored

    state = latest_mentor_state(engine)
    reason = state_reason(state, as_of, state is not None
                          and run_status(engine, state.run_id) == "succeeded")
    if reason is not None or state is None:
        return None, reason
    population = load_population(engine, encoder, resolver, as_of, full_histories=False,
                                 learner_ids=learner_ids)
    if not statistics_stored(engine, population.space, as_of):
        return None, "population statistics are due for a refit"
    hashes = mentor_input_fingerprints(population.everyone, population.profile.index)
    reason, texts = stored_texts(
        engine, state, compatibility(population.space, population.catalog.skills, config,
                                     encoder.model_id, recommender_version), hashes)
    if reason is not None:
        return None, reason
    return RunMentors(population, assignment_from_texts(texts, state), True, None,
                      dataclasses.replace(state, as_of=as_of), hashes), None


def assigned_mentors(engine: Engine, population: Any, assigned: pd.DataFrame, as_of: dt.datetime,
                     config: Any, encoder_id: str, recommender_version: str,
                     reason: str | None) -> RunMentors:
    """A fresh assignment over everyone (``population``), with the state to store."""
    columns = assignment_columns(assigned)
    state = MentorState(
        run_id="", as_of=as_of,
        compatibility=compatibility(population.space, population.catalog.skills, config,
                                    encoder_id, recommender_version),
        columns=columns, dtypes=column_dtypes(assigned),
        zones=zone_offsets(population.profile["timezone"].tolist()
                           if "timezone" in population.profile else [], as_of),
        ignores_expire=mentor_ignores_expire(engine, as_of))
    hashes = mentor_input_fingerprints(population.everyone, population.profile.index)
    return RunMentors(population, assigned, False, reason, state, hashes)
