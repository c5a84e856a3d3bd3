"""The OULAD dropout benchmark, small: a quarter of the students, day 60, both labels.

``benchmarks/risk_oulad.py`` trains the product's dropout pipeline on the 2013
presentations and tests it on 2014; here the same code runs on a stable 25% sample
of the students (about 7 s), and the figures must keep what the full run shows: the
pipeline clearly beats the days-since-last-activity rule and is at least as good as
logistic regression on the same features. Skipped, saying why, where the dataset is
not beside the project (CI has it).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from features.engine import make_engine

ROOT = Path(__file__).resolve().parents[1]
OULAD_DIR = (ROOT / ".." / "shared" / "datasets" / "oulad").resolve()


def _benchmark_module():
    spec = importlib.util.spec_from_file_location("risk_oulad", ROOT / "benchmarks" /
                                                  "risk_oulad.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    if not (OULAD_DIR / "studentInfo.csv").is_file():
        pytest.skip(f"OULAD is not at {OULAD_DIR}: the small OULAD benchmark needs "
                    "../shared/datasets/oulad beside the project")
    bench = _benchmark_module()
    tmp = tmp_path_factory.mktemp("oulad")
    source = bench.cut_oulad(OULAD_DIR, tmp / "oulad", fraction=0.25)
    engine = make_engine(f"sqlite:///{tmp / 'oulad.db'}")
    rows, frames = bench.run_benchmark(engine, source, cutoffs=(60,), say=lambda _line: None)
    engine.dispose()
    return {r.label: r for r in rows}, frames[60], bench


def test_train_on_2013_test_on_2014_among_enrolments_active_at_the_cutoff(results) -> None:
    by_label, frame, bench = results
    assert set(frame["code_presentation"]) <= {*bench.TRAIN_PRESENTATIONS,
                                               *bench.TEST_PRESENTATIONS}
    assert set(frame["code_presentation"]) & set(bench.TRAIN_PRESENTATIONS)
    assert set(frame["code_presentation"]) & set(bench.TEST_PRESENTATIONS)
    # Point in time: nobody in the frame had ended the course before the cutoff, and
    # the withdrawn are a subset of the at-risk.
    assert frame["enrollment_id"].is_unique
    assert ((frame["withdrawn"] == 1) <= (frame["at_risk"] == 1)).all()
    at_risk = by_label["at_risk"]
    assert min(at_risk.n_train, at_risk.n_test) > 2000
    assert 0.3 < at_risk.positive_rate_test < 0.5  # OULAD: ~41% at day 60


def test_the_pipeline_beats_both_baselines(results) -> None:
    by_label, _, _ = results
    at_risk, withdrawn = by_label["at_risk"], by_label["withdrawn"]
    # Full run, day 60: 0.778 (logistic 0.727, rule 0.649); this sample: ~0.756.
    assert at_risk.roc_auc >= 0.72
    assert at_risk.roc_auc >= at_risk.recency_rule_roc_auc + 0.05
    assert at_risk.roc_auc >= at_risk.logistic_roc_auc
    # Withdrawal alone is harder without the clickstream: full run 0.670, sample ~0.65.
    assert withdrawn.roc_auc >= 0.60
    assert withdrawn.roc_auc > withdrawn.recency_rule_roc_auc


def test_the_table_names_targets_and_the_data(results) -> None:
    by_label, _, bench = results
    table = bench.format_table(list(by_label.values()))
    assert "| day 60 | at-risk (Withdrawn or Fail) |" in table
    assert f"| {bench.TARGETS[60]['at_risk']:.2f} |" in table
    assert "Kuzilek" in bench.ATTRIBUTION
