"""``learnerai evaluate``: how the models in production do on outcomes seen since.

Stages, each a function of another layer (this module only composes them):

1. ``load_champions`` — the ``champion`` risk pipelines (registry/); a target
   without one is skipped with the reason;
2. per target with a champion: ``risk_frame`` — the point-in-time rows at the most
   recent cutoff whose label window has closed, ``as_of - horizon_days``
   (:func:`flows.train.build_frame`: the rows training builds, features before the
   cutoff, labels from after it); ``measure_risk`` — the champion's scores
   (:func:`models.risk.predict_risk`), classification metrics and the fairness
   report (:mod:`models.metrics`: group ROC-AUC gaps, ABROCA, TPR/FPR gaps, a
   permutation test over learners); ``log_risk`` — one MLflow run in the experiment
   ``learnerai-evaluation`` tagged with the champion version. A target whose rows
   are too few or hold one class only is skipped with the reason;
3. ``recommendations`` — Course lists as of ``as_of - 30 days`` against the
   most-popular and co-occurrence baselines on the 30 days after
   (:func:`features.recommend_eval.evaluate_recommendations`), and
   ``log_recommendations`` (:func:`features.recommend_eval.log_recommendation_evaluation`,
   experiment ``learnerai-recommendations``).

:func:`run_evaluation` holds the database-wide batch lock, marks runs that died
without finishing as failed and writes the run ledger (``batch_runs``, flow
``evaluate``: running -> succeeded/failed, ``counts`` = the metrics summary,
``model_versions`` = the champions evaluated). The Prefect flow :func:`evaluate`
composes the same stages as tasks that retry transient database/MLflow errors and
leaves the metrics as a markdown artifact (key ``learnerai-evaluate``).

Privacy: MLflow receives aggregates only — no learner id, no row, and no number
about a group smaller than the metrics' minimum group size
(:data:`models.metrics.MIN_GROUP_ROWS`): per-group values exist only for eligible
groups, and skipped groups are reported as a count.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from features.engine import make_engine
from features.jsonable import plain_json
from features.runs import ledgered_run
from features.settings import Settings, artifact_uri, load_settings
from flows.nightly import recommender_version
from flows.retry import RETRYING
from flows.train import build_frame, default_as_of
from models.metrics import (
    FAIRNESS_ATTRIBUTES,
    MIN_GROUP_ROWS,
    classification_metrics,
    fairness_report,
)
from models.risk import TARGETS, RiskModelConfig, default_config
from registry.tracking import configure_mlflow, metric_key

FLOW = "evaluate"
#: The MLflow experiment of the risk evaluations.
EXPERIMENT = "learnerai-evaluation"
#: Recommendations are made this many days before as-of and scored on the days after.
RECOMMENDATION_HORIZON_DAYS = 30
#: Fewer labelled rows than this at the evaluation cutoff: the target is skipped.
MIN_EVALUATION_ROWS = 50
#: Learner-level shuffles behind each fairness gap's p-value (as in training).
FAIRNESS_PERMUTATIONS = 200
#: Per-attribute numbers of the fairness report that are logged (all aggregates).
FAIRNESS_NUMBERS = ("auc_gap", "auc_gap_p_value", "auc_gap_null_median", "abroca",
                    "tpr_gap", "fpr_gap")


@dataclass(frozen=True)
class Champion:
    """A target's champion pipeline and its version string."""

    target: str
    pipeline: Any
    version: str


# ----------------------------------------------------------------------------- stages


def load_champions(settings: Settings, targets: Sequence[str] = TARGETS
                   ) -> tuple[dict[str, Champion], dict[str, str]]:
    """The champions of ``targets``, and ``{target: reason}`` for those without one.

    Raises :class:`registry.tracking.RegistryUnavailableError` when MLflow cannot be
    reached (transient: the task retries)."""
    from registry.models import NoChampionError, load_champion

    client = configure_mlflow(settings)
    champions, skipped = {}, {}
    for target in targets:
        try:
            pipeline, version = load_champion(target, client)
        except NoChampionError as exc:
            skipped[target] = f"no champion: {exc}"
            continue
        champions[target] = Champion(target, pipeline, version)
    return champions, skipped


def evaluation_cutoff(as_of: dt.datetime, config: RiskModelConfig) -> dt.datetime:
    """The most recent cutoff whose label window (``horizon_days``) has closed by as-of."""
    return as_of - dt.timedelta(days=config.horizon_days)


def risk_frame(engine: Engine, config: RiskModelConfig, cutoff: dt.datetime) -> pd.DataFrame:
    """The labelled rows of ``config.target`` at ``cutoff`` (the rows training builds)."""
    return build_frame(engine, config, [cutoff])


def measure_risk(frame: pd.DataFrame, champion: Champion, config: RiskModelConfig, *,
                 min_rows: int = MIN_EVALUATION_ROWS,
                 n_permutations: int = FAIRNESS_PERMUTATIONS) -> dict[str, Any]:
    """The champion's classification metrics and fairness report on ``frame``.

    Pure. Returns ``metrics``, ``fairness`` (the full report: it names small groups,
    so only :func:`fairness_summary` of it leaves the process), ``rows`` and
    ``positives`` — or ``{"skipped": reason}`` when fewer than ``min_rows`` rows are
    labelled, when they hold one class only, or when the champion reads columns the
    rows lack.
    """
    from models.risk import predict_risk

    target = config.target
    labelled = frame[frame["label"].notna()]
    y = labelled["label"].to_numpy(dtype=int)
    if len(y) < min_rows:
        return {"skipped": f"{len(y)} labelled rows at the evaluation cutoff, "
                           f"fewer than the {min_rows} needed"}
    positives = int(y.sum())
    if positives in (0, len(y)):
        return {"skipped": f"the {len(y)} labelled rows at the evaluation cutoff hold "
                           "one class only"}
    try:
        scores = predict_risk(champion.pipeline, labelled)
    except KeyError as exc:
        return {"skipped": f"{target} champion {champion.version} reads columns the "
                           f"evaluation rows lack ({exc})"}
    fairness = fairness_report(y, scores, labelled[[c for c in FAIRNESS_ATTRIBUTES
                                                    if c in labelled.columns]],
                               threshold=config.bands.high_from,
                               clusters=labelled["learner_id"].to_numpy(),
                               n_permutations=n_permutations)
    return {"metrics": classification_metrics(y, scores), "fairness": fairness,
            "rows": int(len(y)), "positives": positives}


def fairness_summary(fairness: dict[str, Any]) -> dict[str, Any]:
    """The fairness report without anything about groups below the minimum size: per
    attribute its gaps, ABROCA and the ROC-AUC of each eligible group; skipped groups
    as a count (their names and sizes stay out)."""
    out: dict[str, Any] = {"min_group_rows": fairness.get("min_rows", MIN_GROUP_ROWS),
                           "largest_auc_gap": fairness.get("largest_auc_gap")}
    if "largest_significant_auc_gap" in fairness:
        out["largest_significant_auc_gap"] = fairness["largest_significant_auc_gap"]
    attributes = {}
    for attribute, report in fairness.get("attributes", {}).items():
        if report.get("missing"):
            continue
        attributes[attribute] = {
            **{name: report[name] for name in FAIRNESS_NUMBERS if name in report},
            "abroca_reference_group": report.get("abroca_reference_group"),
            "auc": dict(report.get("auc", {})),
            "skipped_groups": len(report.get("skipped", {})),
        }
    out["attributes"] = attributes
    abrocas = [a["abroca"] for a in attributes.values() if _finite(a.get("abroca"))]
    out["largest_abroca"] = max(abrocas) if abrocas else float("nan")
    return plain_json(out)


def risk_metrics(measured: dict[str, Any]) -> dict[str, float]:
    """Every number of a risk evaluation as flat MLflow metrics, NaNs left out."""
    out: dict[str, float] = dict(measured["metrics"])
    out["positives"] = measured["positives"]
    summary = fairness_summary(measured["fairness"])
    for name in ("largest_auc_gap", "largest_significant_auc_gap", "largest_abroca"):
        if name in summary:
            out[metric_key("fairness", name)] = summary[name]
    for attribute, report in summary["attributes"].items():
        for name in FAIRNESS_NUMBERS:
            if name in report:
                out[metric_key("fairness", attribute, name)] = report[name]
        for group, value in report["auc"].items():
            out[metric_key("fairness", attribute, "auc", group)] = value
        out[metric_key("fairness", attribute, "skipped_groups")] = report["skipped_groups"]
    return {k: float(v) for k, v in out.items() if _finite(v)}


def ensure_evaluation_experiment(client: Any, settings: Settings) -> str:
    """The id of ``learnerai-evaluation``, created (or restored) with an explicit
    artifact location ``<mlflow_artifact_location>/learnerai-evaluation``."""
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        location = f"{artifact_uri(settings.mlflow_artifact_location).rstrip('/')}/{EXPERIMENT}"
        return client.create_experiment(EXPERIMENT, artifact_location=location,
                                        tags={"learnerai.kind": "evaluation"})
    if experiment.lifecycle_stage == "deleted":
        client.restore_experiment(experiment.experiment_id)
    return experiment.experiment_id


def log_risk(settings: Settings, champion: Champion, measured: dict[str, Any], *,
             as_of: dt.datetime, cutoff: dt.datetime, horizon_days: int,
             batch_run_id: str) -> str:
    """One MLflow run of ``learnerai-evaluation`` for one target: aggregates only.
    Returns the MLflow run id."""
    from mlflow.entities import Metric, Param

    client = configure_mlflow(settings)
    experiment_id = ensure_evaluation_experiment(client, settings)
    tags = {"learnerai.kind": "risk-evaluation", "learnerai.target": champion.target,
            "learnerai.model_version": champion.version,
            "learnerai.batch_run_id": batch_run_id}
    run = client.create_run(experiment_id, run_name=f"{champion.target}-{as_of:%Y-%m-%d}",
                            tags=tags)
    run_id = run.info.run_id
    try:
        stamp = int(time.time() * 1000)
        params = {"as_of": as_of.isoformat(), "cutoff": cutoff.isoformat(),
                  "horizon_days": str(horizon_days), "model_version": champion.version,
                  "min_group_rows": str(measured["fairness"].get("min_rows", MIN_GROUP_ROWS))}
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, stamp, 0) for k, v in risk_metrics(measured).items()],
            params=[Param(k, v) for k, v in params.items()],
        )
        client.log_dict(run_id, plain_json({"metrics": measured["metrics"],
                                        "rows": measured["rows"],
                                        "positives": measured["positives"]}),
                        "evaluation/metrics.json")
        client.log_dict(run_id, fairness_summary(measured["fairness"]),
                        "evaluation/fairness.json")
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id)
    return run_id


def recommendations(engine: Engine, encoder: Any, as_of: dt.datetime) -> pd.DataFrame:
    """Course recommendations as of ``as_of`` against both baselines (rows: methods)."""
    from features.recommend_eval import evaluate_recommendations, fitted_skill_resolver

    return evaluate_recommendations(engine, encoder, fitted_skill_resolver(engine, encoder),
                                    as_of, horizon_days=RECOMMENDATION_HORIZON_DAYS)


def log_recommendations(settings: Settings, table: pd.DataFrame, batch_run_id: str) -> str:
    """The recommendation table in MLflow (``learnerai-recommendations``); its run id."""
    from features.recommend_eval import log_recommendation_evaluation

    configure_mlflow(settings)  # unreachable MLflow: RegistryUnavailableError (retried)
    return log_recommendation_evaluation(table, settings, {"batch_run_id": batch_run_id})


@dataclass(frozen=True)
class EvaluationSteps:
    """The stages :func:`run_evaluation` composes: plain functions or Prefect tasks."""

    load_champions: Callable[..., tuple[dict[str, Champion], dict[str, str]]] = load_champions
    risk_frame: Callable[..., pd.DataFrame] = risk_frame
    measure_risk: Callable[..., dict[str, Any]] = measure_risk
    log_risk: Callable[..., str] = log_risk
    recommendations: Callable[..., pd.DataFrame] = recommendations
    log_recommendations: Callable[..., str] = log_recommendations


PLAIN_STEPS = EvaluationSteps()


# ----------------------------------------------------------------------- composition


def run_evaluation(
    engine: Engine,
    settings: Settings,
    as_of: dt.datetime | None = None,
    *,
    encoder: Any = None,
    progress: Callable[[str], None] | None = None,
    targets: Sequence[str] = TARGETS,
    wait_seconds: float = 0,
    steps: EvaluationSteps = PLAIN_STEPS,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Evaluate the champion risk models and the recommender as of ``as_of`` (default:
    today 00:00 UTC), log both to MLflow and record the run in ``batch_runs``.

    Returns the summary (also the ledger row's ``counts``): ``run_id``, ``as_of``,
    ``status``, ``risk`` (per target: ``model_version``, ``cutoff``, ``rows``,
    ``positives``, ``metrics``, ``fairness``, ``mlflow_run_id`` — or ``skipped`` with
    the reason), ``recommendations`` (``as_of``, ``split``, ``metrics`` per method,
    ``mlflow_run_id`` — or ``skipped``), ``notes`` and ``seconds``.

    Raises :class:`features.runs.RunLockedError` when another run holds the lock after
    ``wait_seconds``; any failure marks the run failed in the ledger and is re-raised.
    """
    as_of = as_of or default_as_of()
    say = progress or (lambda _message: None)
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown:
        raise ValueError(f"unknown risk targets {unknown}; choose from {TARGETS}")
    with ledgered_run(engine, FLOW, as_of, wait_seconds=wait_seconds, run_id=run_id) as entry:
        summary: dict[str, Any] = {"run_id": entry.run_id,
                                   "as_of": f"{as_of:%Y-%m-%d %H:%M}", "status": "running",
                                   "risk": {}, "recommendations": {},
                                   "notes": entry.interrupted_note, "seconds": 0.0}
        started = time.perf_counter()
        try:
            _evaluate(engine, settings, as_of, encoder, targets, steps, summary,
                      entry.model_versions, say)
            summary["status"] = "succeeded"
        except BaseException:
            summary["status"] = "failed"
            raise
        finally:
            summary["seconds"] = _seconds(started)
            entry.counts = _ledger_counts(summary)
    return summary


def _evaluate(engine: Engine, settings: Settings, as_of: dt.datetime, encoder: Any,
              targets: Sequence[str], steps: EvaluationSteps, summary: dict[str, Any],
              versions: dict[str, Any], say: Callable[[str], None]) -> None:
    say("risk: loading champions")
    champions, missing = steps.load_champions(settings, tuple(targets))
    for target in targets:
        if target in missing:
            summary["risk"][target] = {"skipped": missing[target]}
            say(f"risk {target}: skipped — {missing[target]}")
            continue
        champion = champions[target]
        versions[target] = champion.version
        summary["risk"][target] = _evaluate_target(engine, settings, as_of, champion, steps,
                                                   summary["run_id"], say)

    when = as_of - dt.timedelta(days=RECOMMENDATION_HORIZON_DAYS)
    say(f"recommendations: evaluating as of {when:%Y-%m-%d}")
    if encoder is None:
        from models.embeddings import TextEncoder

        encoder = TextEncoder(settings.embedding_model)
    table = steps.recommendations(engine, encoder, when)
    split = dict(table.attrs.get("split", {}))
    result: dict[str, Any] = {"as_of": f"{when:%Y-%m-%d %H:%M}",
                              "horizon_days": RECOMMENDATION_HORIZON_DAYS, "split": split}
    versions["recommender"] = recommender_version(encoder.model_id)
    if not split.get("positives"):
        result["skipped"] = (f"no learner enrolled in a new course in the "
                             f"{RECOMMENDATION_HORIZON_DAYS} days after {when:%Y-%m-%d}: "
                             "nothing to score the lists against")
        say(f"recommendations: skipped — {result['skipped']}")
    else:
        result["metrics"] = plain_json(table.to_dict(orient="index"))
        result["mlflow_run_id"] = steps.log_recommendations(settings, table, summary["run_id"])
        say(f"recommendations: logged to MLflow run {result['mlflow_run_id']}")
    summary["recommendations"] = result


def _evaluate_target(engine: Engine, settings: Settings, as_of: dt.datetime,
                     champion: Champion, steps: EvaluationSteps, batch_run_id: str,
                     say: Callable[[str], None]) -> dict[str, Any]:
    target = champion.target
    config = default_config(target)
    cutoff = evaluation_cutoff(as_of, config)
    base = {"model_version": champion.version, "cutoff": f"{cutoff:%Y-%m-%d %H:%M}",
            "horizon_days": config.horizon_days}
    say(f"risk {target}: rows at {cutoff:%Y-%m-%d} ({config.horizon_days}-day horizon)")
    frame = steps.risk_frame(engine, config, cutoff)
    measured = steps.measure_risk(frame, champion, config)
    if measured.get("skipped"):
        say(f"risk {target}: skipped — {measured['skipped']}")
        return {**base, "skipped": measured["skipped"]}
    mlflow_run = steps.log_risk(settings, champion, measured, as_of=as_of, cutoff=cutoff,
                                horizon_days=config.horizon_days, batch_run_id=batch_run_id)
    say(f"risk {target}: ROC-AUC {measured['metrics']['roc_auc']:.3f} on "
        f"{measured['rows']} rows, logged to MLflow run {mlflow_run}")
    return {**base, "rows": measured["rows"], "positives": measured["positives"],
            "metrics": plain_json(measured["metrics"]),
            "fairness": fairness_summary(measured["fairness"]), "mlflow_run_id": mlflow_run}


def _ledger_counts(summary: dict[str, Any]) -> dict[str, Any]:
    """``batch_runs.counts``: the metrics summary (valid JSON: NaN as null)."""
    return plain_json({k: summary[k] for k in ("risk", "recommendations", "notes", "seconds")})


def _seconds(started: float) -> float:
    return round(time.perf_counter() - started, 2)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and math.isfinite(float(value))


# ------------------------------------------------------------------------- reporting


def recommendation_table(summary: dict[str, Any]) -> pd.DataFrame:
    """The recommendation metrics of a summary as the table
    :func:`features.recommend_eval.evaluate_recommendations` returned (rows: methods);
    empty when the stage was skipped."""
    metrics = (summary.get("recommendations") or {}).get("metrics") or {}
    table = pd.DataFrame.from_dict(metrics, orient="index", dtype=float)
    table.index.name = "method"
    return table


def _number(value: Any, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if _finite(value) else "–"


def risk_lines(summary: dict[str, Any]) -> list[str]:
    """One plain line per risk target (for the terminal)."""
    lines = []
    for target, result in summary.get("risk", {}).items():
        if result.get("skipped"):
            lines.append(f"{target}: skipped — {result['skipped']}")
            continue
        m, f = result["metrics"], result["fairness"]
        lines.append(
            f"{target}: {result['model_version']} on {result['rows']:,} rows at "
            f"{result['cutoff'][:10]} ({result['positives']:,} positive): ROC-AUC "
            f"{_number(m.get('roc_auc'))} PR-AUC {_number(m.get('pr_auc'))} Brier "
            f"{_number(m.get('brier'))} ECE {_number(m.get('ece'))}; largest group AUC gap "
            f"{_number(f.get('largest_auc_gap'))}, ABROCA {_number(f.get('largest_abroca'))}"
            f"; MLflow run {result['mlflow_run_id']}")
    return lines


def evaluation_markdown(summary: dict[str, Any]) -> str:
    """The run's metrics as markdown (the Prefect artifact)."""
    lines = [f"# learnerai evaluation {summary['run_id']}", "",
             f"As of {summary['as_of']} — {summary['status']} in "
             f"{_number(summary.get('seconds'), 1)} s", "", "## Risk (champions)", "",
             "| target | model version | cutoff | rows | base rate | ROC-AUC | PR-AUC | Brier "
             "| ECE | largest group AUC gap | largest ABROCA |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    skipped = []
    for target, result in summary.get("risk", {}).items():
        if result.get("skipped"):
            skipped.append(f"- {target}: skipped — {result['skipped']}")
            continue
        m, f = result["metrics"], result["fairness"]
        lines.append(f"| {target} | {result['model_version']} | {result['cutoff'][:10]} "
                     f"| {result['rows']} | {_number(m.get('base_rate'))} "
                     f"| {_number(m.get('roc_auc'))} | {_number(m.get('pr_auc'))} "
                     f"| {_number(m.get('brier'))} | {_number(m.get('ece'))} "
                     f"| {_number(f.get('largest_auc_gap'))} "
                     f"| {_number(f.get('largest_abroca'))} |")
    lines += ["", *skipped] if skipped else []
    rec = summary.get("recommendations") or {}
    lines += ["", f"## Course recommendations (as of {str(rec.get('as_of', ''))[:10]}, "
                  f"next {rec.get('horizon_days', RECOMMENDATION_HORIZON_DAYS)} days)", ""]
    if rec.get("skipped"):
        lines.append(f"Skipped — {rec['skipped']}")
    elif rec.get("metrics"):
        from features.recommend_eval import markdown_table

        split = rec.get("split", {})
        lines += [f"{split.get('learners', 0)} learners, "
                  f"{split.get('learners_with_positives', 0)} with new enrolments "
                  f"({split.get('positives', 0)} positives), "
                  f"{split.get('candidate_courses', 0)} candidate courses", "",
                  markdown_table(recommendation_table(summary))]
    if summary.get("notes"):
        lines += ["", "## Notes", "", *[f"- {note}" for note in summary["notes"]]]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- Prefect




TASK_STEPS = EvaluationSteps(
    load_champions=task(load_champions, name="load-champions", **RETRYING),
    risk_frame=task(risk_frame, name="risk-evaluation-rows", **RETRYING),
    measure_risk=task(measure_risk, name="measure-risk", cache_policy=NO_CACHE),
    log_risk=task(log_risk, name="log-risk-evaluation", **RETRYING),
    recommendations=task(recommendations, name="evaluate-recommendations", **RETRYING),
    log_recommendations=task(log_recommendations, name="log-recommendation-evaluation",
                             **RETRYING),
)


@flow(name="learnerai-evaluate", log_prints=True)
def evaluate(
    as_of: dt.datetime | None = None,
    database_url: str | None = None,
    wait_seconds: float = 0,
) -> dict[str, Any]:
    """Evaluate the champion risk models and the recommender as of ``as_of`` (default:
    today 00:00 UTC), logged to MLflow. Leaves the metrics as a markdown artifact."""
    from prefect.artifacts import create_markdown_artifact

    settings = load_settings(database_url=database_url)
    engine = make_engine(settings.database_url)
    try:
        summary = run_evaluation(engine, settings, as_of, steps=TASK_STEPS, progress=print,
                                 wait_seconds=wait_seconds)
        create_markdown_artifact(evaluation_markdown(summary), key="learnerai-evaluate",
                                 description=f"evaluation {summary['run_id']}")
        return summary
    finally:
        engine.dispose()
