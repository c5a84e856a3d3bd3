"""``learnerai train``: build point-in-time training frames, fit, evaluate, log, promote.

A thin Prefect flow. Every step is a function of another layer:

1. ``history_start`` — the first activity/enrolment (features, SQL);
2. ``build_frame`` — features at past cutoffs + the label observed after each
   (:func:`features.retrieval.build_training_frame` with
   :func:`features.labels.disengagement_label`, or
   :func:`features.enrollment_features.build_enrollment_training_frame` with
   :func:`features.enrollment_labels.dropout_label`);
3. ``fit_and_evaluate`` — temporal split, calibrated pipeline, baselines,
   fairness audit (:func:`models.risk.train_risk_model`, pure);
4. ``log_and_register`` — one MLflow run, a new registered version with the
   ``challenger`` alias (:func:`registry.tracking.log_training_run`);
5. ``promote`` — ``champion`` only if it beats the champion on the same
   holdout and passes the gates (:func:`registry.models.promote_if_better`).

Cutoffs default to every 14 days from ``as_of - horizon`` back to 28 days
after the first recorded activity, so every label window closes before
``as_of`` and every cutoff has a full 28-day look-back.

:func:`run_training` composes the steps as plain functions (CLI, notebooks,
tests); the flow :func:`train` composes the same steps as Prefect tasks.
Retries sit only on the tasks that touch the database or MLflow, and only
for transient errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Connection, Engine, func, select

from features.engine import make_engine
from features.enrollment_features import build_enrollment_training_frame
from features.enrollment_labels import dropout_label
from features.labels import disengagement_label
from features.reading import read_frame
from features.retrieval import build_training_frame
from features.runs import ledgered_run
from features.schema import CourseEnrollment, LearnerActivityLog
from features.settings import Settings, load_settings
from flows.retry import RETRYING
from models.risk import (
    TARGETS,
    InsufficientDataError,
    RiskModelConfig,
    RiskTrainingResult,
    default_config,
    train_risk_model,
)
from registry.models import PromotionDecision, PromotionGates, promote_if_better
from registry.tracking import (
    LoggedModel,
    configure_mlflow,
    log_training_run,
)

#: Days between training cutoffs, and the look-back a cutoff needs behind it.
CUTOFF_EVERY_DAYS = 14
LOOKBACK_DAYS = 28


def default_as_of() -> dt.datetime:
    """Today 00:00 UTC, naive (every stored timestamp is naive UTC)."""
    now = dt.datetime.now(dt.UTC)
    return dt.datetime(now.year, now.month, now.day)


def default_cutoffs(as_of: dt.datetime, horizon_days: int, history_start: dt.datetime | None,
                    every_days: int = CUTOFF_EVERY_DAYS,
                    lookback_days: int = LOOKBACK_DAYS) -> list[dt.datetime]:
    """Cutoffs ``as_of - horizon``, then every ``every_days`` back to
    ``history_start + lookback_days``; oldest first. Empty without history."""
    if history_start is None:
        return []
    last = as_of - dt.timedelta(days=horizon_days)
    first = history_start + dt.timedelta(days=lookback_days)
    cutoffs = []
    cutoff = last
    while cutoff >= first:
        cutoffs.append(cutoff)
        cutoff -= dt.timedelta(days=every_days)
    return sorted(cutoffs)


# ------------------------------------------------------------------------- steps


def find_history_start(bind: Engine | Connection, as_of: dt.datetime) -> dt.datetime | None:
    """The first activity or enrolment before ``as_of`` (None on an empty database)."""
    a, e = LearnerActivityLog.__table__.c, CourseEnrollment.__table__.c
    frame = read_frame(bind, select(
        select(func.min(a.timestamp)).where(a.timestamp < as_of).scalar_subquery()
        .label("activity"),
        select(func.min(e.enrolled_on)).where(e.enrolled_on < as_of).scalar_subquery()
        .label("enrolment"),
    ))
    stamps = pd.to_datetime(frame.iloc[0], errors="coerce").dropna()
    return stamps.min().to_pydatetime() if len(stamps) else None


def build_frame(bind: Engine | Connection, config: RiskModelConfig,
                cutoffs: Sequence[dt.datetime]) -> pd.DataFrame:
    """Point-in-time training rows of ``config.target`` at ``cutoffs``."""
    if config.target == "disengagement":
        return build_training_frame(
            bind, cutoffs, disengagement_label(LOOKBACK_DAYS, config.horizon_days))
    if config.target == "dropout":
        return build_enrollment_training_frame(bind, cutoffs,
                                               dropout_label(config.horizon_days))
    raise ValueError(f"unknown risk target {config.target!r}")


def fit_and_evaluate(frame: pd.DataFrame, config: RiskModelConfig) -> RiskTrainingResult:
    return train_risk_model(frame, config)


def log_and_register(settings: Settings, result: RiskTrainingResult,
                     as_of: dt.datetime) -> LoggedModel:
    client = configure_mlflow(settings)
    return log_training_run(client, settings, result, as_of=as_of,
                            run_name=f"{result.config.target}-{as_of:%Y-%m-%d}")


def promote(settings: Settings, result: RiskTrainingResult, version: str,
            gates: PromotionGates) -> PromotionDecision:
    client = configure_mlflow(settings)
    return promote_if_better(client, result, version, gates)


@dataclass(frozen=True)
class TrainingSteps:
    """The steps :func:`run_training` composes: plain functions or Prefect tasks."""

    history_start: Callable[..., dt.datetime | None]
    build_frame: Callable[..., pd.DataFrame]
    fit_and_evaluate: Callable[..., RiskTrainingResult]
    log_and_register: Callable[..., LoggedModel]
    promote: Callable[..., PromotionDecision]


PLAIN_STEPS = TrainingSteps(find_history_start, build_frame, fit_and_evaluate,
                            log_and_register, promote)


# ---------------------------------------------------------------------- composition


def run_training(
    engine: Engine,
    settings: Settings,
    as_of: dt.datetime | None = None,
    targets: Sequence[str] = TARGETS,
    cutoffs: Sequence[dt.datetime] | None = None,
    *,
    gates: PromotionGates | None = None,
    configs: Mapping[str, RiskModelConfig] | None = None,
    every_days: int = CUTOFF_EVERY_DAYS,
    steps: TrainingSteps = PLAIN_STEPS,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Train, evaluate, log, register and maybe promote each target's risk model.

    Returns ``{target: summary}``; a summary holds ``version``, ``run_id``,
    ``metrics``, ``baselines``, ``fairness``, ``rows``, ``cutoffs``,
    ``top_features``, ``promoted`` and ``reasons`` — or ``skipped`` with the
    reason when the data cannot support a model (too few rows or outcomes).
    """
    as_of = as_of or default_as_of()
    gates = gates or PromotionGates()
    say = progress or (lambda _message: None)
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown:
        raise ValueError(f"unknown risk targets {unknown}; choose from {TARGETS}")
    start = steps.history_start(engine, as_of)
    summary: dict[str, Any] = {}
    for target in targets:
        config = (configs or {}).get(target) or default_config(target)
        target_cutoffs = list(cutoffs) if cutoffs is not None else default_cutoffs(
            as_of, config.horizon_days, start, every_days)
        say(f"{target}: building training rows at {len(target_cutoffs)} cutoffs")
        try:
            if len(target_cutoffs) < 2:
                raise InsufficientDataError(
                    f"{len(target_cutoffs)} cutoff(s) fit between the first activity and "
                    f"as-of minus the {config.horizon_days}-day horizon; need at least 2")
            frame = steps.build_frame(engine, config, target_cutoffs)
            say(f"{target}: fitting on {len(frame)} rows")
            result = steps.fit_and_evaluate(frame, config)
        except InsufficientDataError as exc:
            summary[target] = {"skipped": str(exc), "cutoffs": len(target_cutoffs)}
            say(f"{target}: skipped — {exc}")
            continue
        say(f"{target}: logging to MLflow and registering")
        logged = steps.log_and_register(settings, result, as_of)
        decision = steps.promote(settings, result, logged.version, gates)
        summary[target] = target_summary(result, logged, decision)
        say(f"{target}: {logged.version_string} "
            f"{'promoted to champion' if decision.promoted else 'not promoted'}")
    return summary


def run_training_ledgered(engine: Engine, settings: Settings, as_of: dt.datetime | None = None,
                          targets: Sequence[str] = TARGETS, *, wait_seconds: float = 0,
                          **options: Any) -> dict[str, Any]:
    """:func:`run_training` under the batch lock, recorded in ``batch_runs`` (flow
    ``train``): per target its version, ROC-AUC and whether it was promoted."""
    as_of = as_of or default_as_of()
    with ledgered_run(engine, "train", as_of, wait_seconds=wait_seconds) as entry:
        summary = run_training(engine, settings, as_of, targets, **options)
        for target, result in summary.items():
            entry.counts[target] = ({"skipped": result["skipped"]} if result.get("skipped")
                                    else {"rows": result["rows"],
                                          "roc_auc": round(result["metrics"]["roc_auc"], 4),
                                          "promoted": result["promoted"]})
            if result.get("version"):
                entry.model_versions[target] = result["version"]
    return summary


def target_summary(result: RiskTrainingResult, logged: LoggedModel,
                   decision: PromotionDecision) -> dict[str, Any]:
    fairness = result.fairness
    return {
        "version": logged.version_string,
        "run_id": logged.run_id,
        "rows": {"train": result.split.train_rows, "holdout": result.split.holdout_rows},
        "cutoffs": {"train": len(result.split.train_cutoffs),
                    "holdout": len(result.split.holdout_cutoffs)},
        "metrics": dict(result.metrics),
        "baselines": {name: dict(values) for name, values in result.baselines.items()},
        "fairness": {
            "largest_auc_gap": fairness["largest_auc_gap"],
            "largest_significant_auc_gap": fairness.get("largest_significant_auc_gap"),
            **{attribute: {k: report[k] for k in ("auc_gap", "auc_gap_p_value", "abroca",
                                                  "tpr_gap", "fpr_gap") if k in report}
               for attribute, report in fairness["attributes"].items()
               if not report.get("missing")},
        },
        "top_features": result.importances["feature"].head(5).tolist(),
        "promoted": decision.promoted,
        "reasons": list(decision.reasons),
        "champion_holdout_auc": decision.champion_holdout_auc,
    }


# ---------------------------------------------------------------------------- Prefect




history_start_task = task(find_history_start, name="history-start", **RETRYING)
build_frame_task = task(build_frame, name="build-training-frame", **RETRYING)
fit_task = task(fit_and_evaluate, name="fit-and-evaluate", cache_policy=NO_CACHE)
log_task = task(log_and_register, name="log-and-register", **RETRYING)
promote_task = task(promote, name="promote", **RETRYING)

TASK_STEPS = TrainingSteps(history_start_task, build_frame_task, fit_task, log_task,
                           promote_task)


@flow(name="learnerai-train", log_prints=True)
def train(
    as_of: dt.datetime | None = None,
    database_url: str | None = None,
    targets: Sequence[str] = TARGETS,
    cutoffs: Sequence[dt.datetime] | None = None,
    fairness_gate: str = "point",
) -> dict[str, Any]:
    """Train the risk models as of ``as_of`` (default: today) and promote the winners.

    ``fairness_gate``: ``"point"`` or ``"significant"`` (see
    :class:`registry.models.PromotionGates`); the other gates keep their defaults.
    """
    settings = load_settings(database_url=database_url)
    engine = make_engine(settings.database_url)
    try:
        return run_training_ledgered(engine, settings, as_of, tuple(targets), cutoffs=cutoffs,
                                     gates=PromotionGates(gap_statistic=fairness_gate),
                                     steps=TASK_STEPS, progress=print)
    finally:
        engine.dispose()
