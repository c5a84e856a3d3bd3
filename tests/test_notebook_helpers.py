"""The package functions the notebooks call: settings checks, the data's date, tables and
figures on hand-built inputs with exact values, and the champion wiring."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert

from features.errors import ConfigurationError
from features.notebook_data import (
    data_as_of,
    describe_settings,
    feature_catalog,
    open_database,
    relative_locations,
    sqlite_file,
)
from features.schema import ACTIVITY_TYPES, Learner, LearnerActivityLog, User
from features.settings import Settings
from features.views import ENGAGEMENT, Feature, FeatureView
from models.metrics import fairness_report
from models.notebook_plots import (
    correlation_figure,
    correlation_pairs,
    distribution_figure,
    evidence_facts,
    evidence_terms,
    fairness_summary,
    fairness_table,
    group_calibration,
    group_calibration_figure,
    learner_recommendations,
    metric_bars_figure,
    model_comparison,
    pick_learners,
)

# ------------------------------------------------------------------- settings, database


def test_sqlite_file_only_for_file_backed_sqlite() -> None:
    assert sqlite_file("sqlite:///learnerai.db") == Path("learnerai.db")
    assert sqlite_file("sqlite:////data/x.db") == Path("/data/x.db")
    assert sqlite_file("sqlite://") is None
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("mysql+pymysql://u:p@h/db") is None
    assert sqlite_file("not a url") is None


def test_relative_locations_and_description(tmp_path: Path) -> None:
    defaults = Settings()
    assert relative_locations(defaults) == ["DATABASE_URL", "MLFLOW_TRACKING_URI",
                                            "LEARNERAI_MLFLOW_ARTIFACTS"]
    text = describe_settings(defaults)
    assert "warning: DATABASE_URL, MLFLOW_TRACKING_URI, LEARNERAI_MLFLOW_ARTIFACTS" in text
    assert "notebooks/README.md" in text

    absolute = Settings(database_url="mysql+pymysql://ds:s3cret@db:3306/learners",
                        mlflow_tracking_uri="http://ml:pa55@tracking:5000",
                        mlflow_artifact_location=str(tmp_path / "artifacts"))
    assert relative_locations(absolute) == []
    text = describe_settings(absolute)
    assert "s3cret" not in text and "pa55" not in text and "warning" not in text
    assert text.splitlines()[0] == "database:         mysql+pymysql://ds:***@db:3306/learners"


def test_open_database_refuses_a_missing_file_without_creating_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    with pytest.raises(ConfigurationError, match="No database file .*jupyter lab notebooks/"):
        open_database(Settings(database_url=f"sqlite:///{missing}"))
    assert not missing.exists()


def _learner_with_activity(engine, stamps: list[dt.datetime]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(User), [{"id": 1, "email": "a@example.org"}])
        conn.execute(insert(Learner), [{"learner_id": 1, "user_id": 1}])
        if stamps:
            conn.execute(insert(LearnerActivityLog), [
                {"learner_id": 1, "activity_type": ACTIVITY_TYPES[0], "timestamp": t}
                for t in stamps])


def test_open_database_needs_learners_then_gives_the_data_date(tmp_path: Path,
                                                              sqlite_template: Path) -> None:
    db = tmp_path / "learnerai.db"
    shutil.copyfile(sqlite_template, db)
    settings = Settings(database_url=f"sqlite:///{db}")
    with pytest.raises(ConfigurationError, match="has no learners: seed demo data"):
        open_database(settings)

    from features.engine import make_engine

    writer = make_engine(settings.database_url)
    _learner_with_activity(writer, [dt.datetime(2026, 2, 27, 9), dt.datetime(2026, 2, 28, 23, 59)])
    writer.dispose()
    engine = open_database(settings)
    try:
        now = dt.datetime(2026, 6, 1, 12)
        assert data_as_of(engine, now=now) == dt.datetime(2026, 3, 1)
        # A timestamp after "now" (bad input) never moves the date past the coming midnight.
        assert data_as_of(engine, now=dt.datetime(2026, 2, 20, 8)) == dt.datetime(2026, 2, 21)
    finally:
        engine.dispose()


def test_data_as_of_without_activity_is_the_coming_midnight(tmp_path: Path,
                                                            sqlite_template: Path) -> None:
    from features.engine import make_engine

    db = tmp_path / "quiet.db"
    shutil.copyfile(sqlite_template, db)
    engine = make_engine(f"sqlite:///{db}")
    _learner_with_activity(engine, [])
    assert data_as_of(engine, now=dt.datetime(2026, 5, 4, 17, 30)) == dt.datetime(2026, 5, 5)
    engine.dispose()


def test_feature_catalog_lists_every_declared_feature() -> None:
    extra = FeatureView(name="extra", entity="learner_id", sources=("t",), description="d",
                        features=(Feature(name="x", dtype="int", description="an x",
                                          unit="days"),))
    table = feature_catalog(ENGAGEMENT, extra)
    assert len(table) == len(ENGAGEMENT.features) + 1
    assert table["feature"].tolist()[:-1] == ENGAGEMENT.names
    assert table.iloc[-1].to_dict() == {"view": "extra", "feature": "x", "dtype": "int",
                                        "unit": "days", "description": "an x"}
    minutes = table.set_index("feature").loc["minutes_7d"]
    assert (minutes["unit"], minutes["description"]) == (
        "minutes", "minutes of activity in the last 7 days")


# ------------------------------------------------------------------------- features


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def test_correlation_pairs_strongest_first_and_constant_columns_left_out() -> None:
    a = np.arange(10.0)
    frame = pd.DataFrame({"a": a, "b": a ** 2, "c": -a, "flat": 1.0,
                          "d": [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]})
    pairs = correlation_pairs(frame, ["a", "b", "c", "flat", "d"], top=3)
    assert pairs[["feature_a", "feature_b"]].values.tolist() == [["a", "b"], ["a", "c"],
                                                                 ["b", "c"]]
    assert pairs["correlation"].tolist() == pytest.approx([1.0, -1.0, -1.0])
    assert "flat" not in set(correlation_pairs(frame, list(frame), top=20)[
        ["feature_a", "feature_b"]].to_numpy().ravel())


def test_feature_figures_render() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, None, 4.0], "y": [0, 1, 0, 1], "z": [4, 3, 2, 1]})
    figure = distribution_figure(frame, ["x", "y", "z"], ncols=2)
    assert [ax.get_title() for ax in figure.axes] == ["x (1 missing)", "y", "z"]
    assert _png(figure).startswith(b"\x89PNG")
    heat = correlation_figure(frame, ["x", "y", "z"])
    assert heat.axes[0].get_images()[0].get_array().shape == (3, 3)
    assert _png(heat).startswith(b"\x89PNG")


# ---------------------------------------------------------------------- risk models


def _result(holdout: pd.DataFrame, roc: float, gap: float) -> SimpleNamespace:
    return SimpleNamespace(
        holdout=holdout, metrics={"roc_auc": roc, "pr_auc": 0.4, "brier": 0.1, "ece": 0.02,
                                  "rows": 2.0, "base_rate": 0.5},
        fairness={"largest_auc_gap": gap},
        baselines={"recency_rule": {"roc_auc": 0.6, "pr_auc": 0.3, "rows": 2.0},
                   "logistic_regression": {"roc_auc": 0.65, "pr_auc": 0.35, "brier": 0.2,
                                           "ece": 0.1}})


def test_model_comparison_on_one_holdout() -> None:
    holdout = pd.DataFrame({"learner_id": [1, 2], "cutoff": pd.to_datetime(["2026-01-01"] * 2),
                            "label": [0, 1]})
    table = model_comparison({"project": _result(holdout, 0.8, 0.03),
                              "variant": _result(holdout.copy(), 0.75, 0.06)})
    assert table.index.tolist() == ["project", "variant", "baseline: recency_rule",
                                    "baseline: logistic_regression"]
    assert table.columns.tolist() == ["roc_auc", "pr_auc", "brier", "ece", "largest_auc_gap"]
    assert table.loc["variant", "largest_auc_gap"] == 0.06
    assert table.loc["baseline: logistic_regression", "ece"] == 0.1
    assert np.isnan(table.loc["baseline: recency_rule", "brier"])

    other = holdout.assign(learner_id=[1, 3])
    with pytest.raises(ValueError, match="'variant' was evaluated on other holdout rows"):
        model_comparison({"project": _result(holdout, 0.8, 0.0),
                          "variant": _result(other, 0.8, 0.0)})


# ------------------------------------------------------------------------- fairness

#: Group A is ranked perfectly, B exactly backwards, C is too small to measure.
Y = np.array([0, 0, 1, 1, 0, 0, 1, 1, 1])
SCORE = np.array([0.1, 0.2, 0.8, 0.9, 0.9, 0.8, 0.2, 0.1, 0.7])
GROUPS = pd.DataFrame({"gender": ["A"] * 4 + ["B"] * 4 + ["C"]})


def test_fairness_tables_from_a_report() -> None:
    report = fairness_report(Y, SCORE, GROUPS, threshold=0.5, attributes=("gender",),
                             min_rows=2)
    table = fairness_table(report).set_index("group")
    assert table.loc["A", ["auc", "tpr", "fpr"]].tolist() == [1.0, 1.0, 0.0]
    assert table.loc["B", ["auc", "tpr", "fpr"]].tolist() == [0.0, 0.0, 1.0]
    # Equal sizes: the reference is the larger name, B; A's curve is a full unit away.
    assert table.loc["B", "abroca_vs_reference"] == 0.0
    assert table.loc["A", "abroca_vs_reference"] == pytest.approx(1.0)
    assert table.loc["C", "skipped"] == "1 rows < 2" and np.isnan(table.loc["C", "auc"])

    summary = fairness_summary(report)
    assert summary.loc["gender", ["auc_gap", "abroca", "tpr_gap", "fpr_gap"]].tolist() == \
        pytest.approx([1.0, 1.0, 1.0, 1.0])
    assert summary.loc["gender", "reference_group"] == "B"
    assert summary.loc["gender", "groups_skipped"] == 1
    assert np.isnan(summary.loc["gender", "auc_gap_p_value"])  # no permutations asked


def test_group_calibration_per_group_ece() -> None:
    y = np.array([0, 0, 1, 1, 0, 1, 0, 1, 0, 0])
    p = np.array([0.05, 0.05, 0.95, 0.95, 0.5, 0.5, 0.5, 0.5, 0.3, 0.3])
    groups = ["A"] * 4 + ["B"] * 4 + [None, None]  # the missing group has one class only
    table, ece = group_calibration(y, p, groups, min_rows=2)
    assert ece.to_dict() == pytest.approx({"A": 0.05, "B": 0.0})
    a = table[table["group"] == "A"]
    assert a[["bin", "rows", "predicted", "observed"]].to_numpy(float).ravel().tolist() == \
        pytest.approx([0, 2, 0.05, 0.0, 9, 2, 0.95, 1.0])
    assert set(table["group"]) == {"A", "B"}
    figure = group_calibration_figure(table, ece, "gender")
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == \
        ["A (ECE 0.050)", "B (ECE 0.000)"]
    assert _png(figure).startswith(b"\x89PNG")


# -------------------------------------------------------------------- recommendations


def _rec(learner: int, kind: str, reference: str, rank: int, evidence: dict) -> dict:
    return {"learner_id": learner, "recommendation_type": kind, "reference_id": reference,
            "rec_rank": rank, "score": 1.0, "confidence_score": 0.5,
            "recommendation_reason": f"{kind} reason", "evidence": evidence}


EVIDENCE = {"terms": {"gap": {"value": 1.0, "weight": 1.0, "contribution": 1.0},
                      "peer_ignored": {"value": 0.5, "weight": -0.3, "contribution": -0.15},
                      "similarity": {"value": 0.8, "weight": 0.5, "contribution": 0.4}},
            "course_id": 7, "title": "Intro to SQL"}

RECS = pd.DataFrame([
    _rec(1, "Course", "7", 1, EVIDENCE), _rec(1, "Course", "8", 2, {"terms": {}}),
    _rec(1, "Skill", "sql", 1, {"terms": {}, "name": "SQL"}),
    _rec(2, "Course", "7", 1, EVIDENCE), _rec(2, "Skill", "sql", 1, {"terms": {}}),
    _rec(2, "Mentor", "42", 1, {"terms": {}, "mentor_id": 42}),
    _rec(3, "Course", "7", 1, EVIDENCE), _rec(3, "Skill", "sql", 1, {"terms": {}}),
])


def test_pick_learners_by_types_then_rows_then_id() -> None:
    assert pick_learners(RECS, 3) == [2, 1, 3]
    assert pick_learners(RECS, 1) == [2]
    assert pick_learners(RECS.iloc[:0]) == []


def test_learner_recommendations_name_items_from_the_evidence() -> None:
    table = learner_recommendations(RECS, 1)
    assert table["item"].tolist() == ["Intro to SQL (7)", "#8", "SQL (sql)"]
    assert table[["type", "rank"]].values.tolist() == [["Course", 1], ["Course", 2],
                                                       ["Skill", 1]]
    assert learner_recommendations(RECS, 2)["item"].tolist()[-1] == "learner #42"


def test_evidence_terms_and_facts() -> None:
    terms = evidence_terms(EVIDENCE)
    assert terms.index.tolist() == ["gap", "similarity", "peer_ignored"]
    assert terms["contribution"].sum() == pytest.approx(1.25)
    assert evidence_facts(EVIDENCE) == {"course_id": 7, "title": "Intro to SQL"}


def test_metric_bars_one_bar_per_method_and_metric() -> None:
    table = pd.DataFrame({"ndcg@10": [0.3, 0.1, 0.2], "recall@10": [0.5, 0.2, 0.4]},
                         index=pd.Index(["learnerai", "most_popular", "cooccurrence"],
                                        name="method"))
    figure = metric_bars_figure(table, ["ndcg@10", "recall@10"])
    ax = figure.axes[0]
    assert len(ax.patches) == 6
    assert sorted(p.get_height() for p in ax.patches) == pytest.approx(
        [0.1, 0.2, 0.2, 0.3, 0.4, 0.5])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["learnerai", "most_popular",
                                                                   "cooccurrence"]


# ------------------------------------------------------------------- champion wiring


@pytest.fixture
def registry_stub(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """load_champion answers from a list; MLflow itself is never touched."""
    import flows.notebook_support as support
    from registry.models import NoChampionError

    state = SimpleNamespace(answers=[], trained=[])

    def load(target, client):
        answer = state.answers.pop(0)
        if isinstance(answer, str):
            raise NoChampionError(answer)
        return answer

    monkeypatch.setattr(support, "configure_mlflow", lambda settings: "client")
    monkeypatch.setattr(support, "load_champion", load)
    return state


def test_champion_or_train_loads_an_existing_champion(registry_stub) -> None:
    from flows.notebook_support import champion_or_train

    registry_stub.answers = [("pipeline", "learnerai-risk-disengagement/3")]

    def train(*args, **kwargs):
        raise AssertionError("must not train when a champion exists")

    champion = champion_or_train(None, Settings(), "disengagement", dt.datetime(2026, 3, 1),
                                 train=train)
    assert (champion.pipeline, champion.version, champion.trained_now) == (
        "pipeline", "learnerai-risk-disengagement/3", False)


def test_champion_or_train_trains_with_the_gates_when_there_is_none(registry_stub) -> None:
    from flows.notebook_support import DEMO_GATES, champion_or_train

    registry_stub.answers = ["No champion yet.", ("fresh", "learnerai-risk-disengagement/1")]
    calls = []

    def train(engine, settings, as_of, targets, *, gates):
        calls.append((as_of, targets, gates))
        return {"disengagement": {"promoted": True, "version": "learnerai-risk-disengagement/1"}}

    as_of = dt.datetime(2026, 3, 1)
    champion = champion_or_train("engine", Settings(), "disengagement", as_of, train=train)
    assert calls == [(as_of, ("disengagement",), DEMO_GATES)]
    assert DEMO_GATES.min_roc_auc == 0.5 and DEMO_GATES.max_group_auc_gap == 1.0
    assert champion.trained_now and champion.version == "learnerai-risk-disengagement/1"
    assert champion.note == "No champion yet."
    assert champion.training_summary["promoted"] is True


def test_champion_or_train_says_why_training_gave_none(registry_stub) -> None:
    from flows.notebook_support import champion_or_train
    from registry.models import NoChampionError

    registry_stub.answers = ["No champion yet."]

    def train(*args, **kwargs):
        return {"disengagement": {"skipped": "1 cutoff(s) fit; need at least 2"}}

    with pytest.raises(NoChampionError, match="No champion yet. Training as of 2026-03-01 "
                                              "with relaxed gates produced no champion "
                                              "either: 1 cutoff"):
        champion_or_train(None, Settings(), "disengagement", dt.datetime(2026, 3, 1),
                          train=train)


def test_audit_holdout_needs_two_cutoffs(tmp_path: Path, sqlite_template: Path) -> None:
    from features.engine import make_engine
    from flows.notebook_support import audit_holdout
    from models.risk import InsufficientDataError

    db = tmp_path / "short.db"
    shutil.copyfile(sqlite_template, db)
    engine = make_engine(f"sqlite:///{db}")
    _learner_with_activity(engine, [dt.datetime(2026, 1, 1)])
    # First activity 2026-01-01: cutoffs run from 2026-01-29 (28 days of look-back) to
    # as-of minus the 30-day horizon, every 14 days; as of 2026-03-05 only 2026-02-03 fits.
    with pytest.raises(InsufficientDataError, match="1 cutoff\\(s\\) fit before 2026-03-05"):
        audit_holdout(engine, "disengagement", dt.datetime(2026, 3, 5))
    engine.dispose()
