"""The stored mentor assignment: per-learner input hashes that do not depend on who else
is read, exact storage of the assigned rows, and the checks that forbid reuse."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from recommend_fixtures import LEVELS, MENTOR_SKILLS, MENTORS, VECTORS, inputs, space
from recommend_fixtures import PROFILE as FIXTURE_PROFILE

from features.mentor_state import (
    MentorState,
    assignment_from_texts,
    assignment_texts,
    column_dtypes,
    mentor_input_fingerprints,
    state_reason,
    zone_offsets,
)
from models.recommend import population_mentors
from models.recommend_policy import RecommenderConfig

#: Learner 3's timezone is unknown here (NaN offset hashes like any value).
PROFILE = FIXTURE_PROFILE.assign(utc_offset_hours=[0.0, 1.0, np.nan, 1.0])
FEEDBACK = pd.DataFrame({
    "learner_id": [2], "recommendation_type": ["Mentor"], "reference_id": ["1"],
    "shown": [1], "ignored": [1], "completed": [0], "ignored_recent": [1]})


def population(levels=LEVELS, profile=PROFILE, mentors=MENTORS, feedback=FEEDBACK):
    chosen = profile.index.to_numpy()
    return inputs({k: v for k, v in levels.items() if k in chosen}, profile,
                  VECTORS, mentors=mentors[mentors["learner_id"].isin(chosen)],
                  mentor_skills=MENTOR_SKILLS[MENTOR_SKILLS["learner_id"].isin(chosen)],
                  feedback=feedback[feedback["learner_id"].isin(chosen)])


def test_a_learners_hash_is_the_same_read_alone_or_with_everyone() -> None:
    everyone = mentor_input_fingerprints(population(), [1, 2, 3, 4])
    for learner in (1, 2, 3, 4):
        alone = mentor_input_fingerprints(population(profile=PROFILE.loc[[learner]]),
                                          [learner])
        assert alone.loc[learner] == everyone.loc[learner], learner
    assert everyone.nunique() == 4


def test_the_hash_moves_with_each_input_assignment_reads() -> None:
    before = mentor_input_fingerprints(population(), [1, 2, 3, 4, 9])
    assert before.loc[9] == 0  # not in the population, no pool rows
    changes = {
        1: population(levels={**LEVELS, 1: {**LEVELS[1], "excel": 4}}),
        2: population(feedback=FEEDBACK.assign(ignored_recent=0)),
        3: population(profile=PROFILE.assign(utc_offset_hours=[0.0, 1.0, 2.0, 1.0])),
        4: population(mentors=MENTORS.assign(mentor_groups=[0, 2, 0])),
    }
    for learner, changed in changes.items():
        after = mentor_input_fingerprints(changed, [1, 2, 3, 4])
        moved = after.index[after != before.reindex(after.index)].tolist()
        assert moved == [learner], (learner, moved)
    # A learner's role change is a career change: the target moves the hash.
    senior = PROFILE.assign(goal_role=["Senior Data Analyst"] * 4)
    after = mentor_input_fingerprints(population(profile=senior), [1, 2, 3, 4])
    assert (after != before.reindex(after.index)).sum() >= 1


def test_stored_rows_come_back_exactly() -> None:
    assigned = population_mentors(population(), space(), RecommenderConfig())
    assert len(assigned) > 0 and assigned["offset_diff"].dtype == float
    texts = assignment_texts(assigned, [1, 2, 3, 4, 5])
    assert texts.loc[5] == "[]"
    state = MentorState(run_id="r", as_of=dt.datetime(2026, 3, 1), compatibility="c",
                        columns=[c for c in assigned.columns if c != "learner_id"],
                        dtypes=column_dtypes(assigned), zones={},
                        ignores_expire=None)
    back = assignment_from_texts(texts, state)
    pd.testing.assert_frame_equal(back, assigned.reset_index(drop=True)[back.columns])
    assert list(back.columns) == list(assigned.columns)


def test_reuse_is_refused_when_time_alone_changes_an_input() -> None:
    as_of = dt.datetime(2026, 3, 1)
    zones = zone_offsets(["Europe/London", "Asia/Kolkata", "Not/AZone"], as_of)
    assert zones == {"Asia/Kolkata": 5.5, "Europe/London": 0.0, "Not/AZone": None}
    state = MentorState(run_id="r", as_of=as_of, compatibility="c", columns=[],
                        dtypes={}, zones=zones,
                        ignores_expire=as_of + dt.timedelta(days=20))
    assert state_reason(state, as_of + dt.timedelta(days=1), True) is None
    assert state_reason(state, as_of + dt.timedelta(days=1), False) == \
        "stored by a run that did not succeed"
    # London moves to summer time on 29 March 2026.
    assert state_reason(state, dt.datetime(2026, 3, 30), True) == \
        "a timezone's UTC offset changed"
    assert state_reason(state, as_of + dt.timedelta(days=20), True) == \
        "an ignored mentor's exclusion expired"
    assert state_reason(state, as_of - dt.timedelta(days=1), True) == \
        "as-of before the stored assignment's"
    assert state_reason(None, as_of, True) == "no stored assignment"
    assert MentorState.from_json(state.to_json()) == state
