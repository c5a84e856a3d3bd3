"""Population snapshots: which one a run uses, and payloads that survive the trip."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from features.population_snapshot import (
    arrays_bytes,
    find_snapshot,
    from_arrays_bytes,
    from_json_bytes,
    json_bytes,
    snapshot_for,
)
from flows.risk_scoring import RiskReferences
from models.recommend_space import PopulationStats

DAY = dt.datetime(2026, 3, 1)


def counting_fit(payload: bytes):
    calls = []

    def fit() -> bytes:
        calls.append(1)
        return payload

    return fit, calls


def test_a_snapshot_serves_its_refit_period_and_never_the_past(engine) -> None:
    fit, calls = counting_fit(b"week one")
    first = snapshot_for(engine, "k", "c1", DAY, fit, refit_days=7)
    assert not first.reused and calls == [1]
    for days in (0, 3, 6):  # the same week: reused, not refitted
        again = snapshot_for(engine, "k", "c1", DAY + dt.timedelta(days=days), fit, refit_days=7)
        assert again.reused and again.payload == b"week one" and again.fitted_as_of == DAY
    assert calls == [1]
    # A week later the period is over; a backfill before DAY must not see DAY's statistics.
    assert find_snapshot(engine, "k", "c1", DAY + dt.timedelta(days=7), refit_days=7) is None
    assert find_snapshot(engine, "k", "c1", DAY - dt.timedelta(days=1), refit_days=7) is None
    # Another compatibility (say, a new catalog) or kind does not match either.
    assert find_snapshot(engine, "k", "c2", DAY, refit_days=7) is None
    assert find_snapshot(engine, "other", "c1", DAY, refit_days=7) is None


def test_refit_stores_a_newer_snapshot_that_later_runs_use(engine) -> None:
    snapshot_for(engine, "k", "c", DAY, lambda: b"old")
    forced = snapshot_for(engine, "k", "c", DAY + dt.timedelta(days=2), lambda: b"new",
                          refit=True)
    assert not forced.reused
    later = find_snapshot(engine, "k", "c", DAY + dt.timedelta(days=3))
    assert later is not None and later.payload == b"new"
    # A run dated between the two still gets the one fitted as of a date it has seen.
    between = find_snapshot(engine, "k", "c", DAY + dt.timedelta(days=1))
    assert between is not None and between.payload == b"old"


def test_population_statistics_round_trip_exactly() -> None:
    rng = np.random.default_rng(0)
    jaccard = np.where(rng.random((30, 30)) < 0.1, rng.random((30, 30)), 0).astype(np.float32)
    np.fill_diagonal(jaccard, 0)
    stats = PopulationStats(jaccard=jaccard,
                            course_ignore_excess=rng.random((5, 30)).astype(np.float32),
                            course_ignore_global=rng.random(30).astype(np.float32),
                            peer_share=rng.random((5, 30)).astype(np.float32),
                            peer_count=np.arange(5))
    back = PopulationStats.from_arrays(from_arrays_bytes(arrays_bytes(stats.to_arrays())))
    for name in ("jaccard", "course_ignore_excess", "course_ignore_global", "peer_share",
                 "peer_count"):
        assert np.array_equal(getattr(back, name), getattr(stats, name)), name
        assert getattr(back, name).dtype == getattr(stats, name).dtype, name


def test_risk_references_round_trip() -> None:
    refs = RiskReferences(
        disengagement=pd.Series({"active_days_7d": 1.0, "quiz_accuracy_28d": float("nan"),
                                 "learning_style": "Visual"}, dtype=object),
        dropout=pd.Series({"course_progress": 40.5}, dtype=object),
        dropout_by_course=pd.DataFrame({"course_progress": [12.0, 80.0]},
                                       index=pd.Index([7, 9], name="course_id"), dtype=object))
    back = RiskReferences.from_json(from_json_bytes(json_bytes(refs.to_json())))
    assert back.disengagement["active_days_7d"] == 1.0
    assert np.isnan(back.disengagement["quiz_accuracy_28d"])
    assert back.disengagement["learning_style"] == "Visual"
    assert back.dropout["course_progress"] == 40.5
    assert back.dropout_by_course.loc[9, "course_progress"] == 80.0
    assert list(back.dropout_by_course.index) == [7, 9]
