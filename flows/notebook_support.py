"""Wiring the notebooks share: the champion to audit, and the rows to audit it on.

Like the rest of ``flows/``, no logic of its own: it composes
:func:`registry.models.load_champion`, :func:`flows.train.run_training`,
:func:`flows.train.build_frame` and :func:`models.risk.temporal_split`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from features.settings import Settings
from flows.train import build_frame, default_cutoffs, find_history_start, run_training
from models.risk import InsufficientDataError, RiskModelConfig, default_config, temporal_split
from registry.models import NoChampionError, PromotionGates, load_champion
from registry.tracking import configure_mlflow

#: Gates for a demo database that has no champion yet: any model that ranks at all
#: (ROC-AUC >= 0.5) and any group gap. Never for production: there a model earns
#: ``champion`` through ``learnerai train`` and the default gates.
DEMO_GATES = PromotionGates(min_roc_auc=0.5, max_group_auc_gap=1.0)


@dataclass
class Champion:
    """The champion pipeline of a target, and whether it was trained just now."""

    pipeline: Any
    version: str
    trained_now: bool = False
    #: Why it was trained now (the registry's own message), or empty.
    note: str = ""
    training_summary: dict[str, Any] = field(default_factory=dict)


def champion_or_train(engine: Engine, settings: Settings, target: str, as_of: dt.datetime,
                      gates: PromotionGates = DEMO_GATES,
                      train: Callable[..., dict[str, Any]] = run_training) -> Champion:
    """The champion of ``target``; without one, train with ``gates`` and load the result.

    Meant for demo databases: the model trained here becomes the champion of the
    settings' MLflow registry, which the nightly scoring then uses. Raises
    :class:`NoChampionError` if training could not produce one (e.g. too little data:
    the message says why).
    """
    client = configure_mlflow(settings)
    try:
        pipeline, version = load_champion(target, client)
        return Champion(pipeline=pipeline, version=version)
    except NoChampionError as exc:
        note = str(exc)
    summary = train(engine, settings, as_of, (target,), gates=gates)
    outcome = summary.get(target, {})
    if outcome.get("skipped") or not outcome.get("promoted"):
        reason = outcome.get("skipped") or "; ".join(outcome.get("reasons", []))
        raise NoChampionError(f"{note} Training as of {as_of:%Y-%m-%d} with relaxed gates "
                              f"produced no champion either: {reason}")
    pipeline, version = load_champion(target, client)
    return Champion(pipeline=pipeline, version=version, trained_now=True, note=note,
                    training_summary=outcome)


def audit_holdout(engine: Engine, target: str, as_of: dt.datetime,
                  config: RiskModelConfig | None = None) -> pd.DataFrame:
    """The holdout rows ``learnerai train`` as of ``as_of`` evaluates on.

    Training rows at the default cutoffs, split as :func:`models.risk.train_risk_model`
    splits them: the latest cutoffs, and only the learners of the stable pseudo-random
    holdout half — a learner in it is never a training row of any model trained with
    the default split, whatever its as-of.
    """
    config = config or default_config(target)
    cutoffs = default_cutoffs(as_of, config.horizon_days, find_history_start(engine, as_of))
    if len(cutoffs) < 2:
        raise InsufficientDataError(
            f"{len(cutoffs)} cutoff(s) fit before {as_of:%Y-%m-%d} minus the "
            f"{config.horizon_days}-day horizon; need at least 2")
    frame = build_frame(engine, config, cutoffs)
    _, holdout, _ = temporal_split(frame, embargo_days=config.horizon_days)
    return holdout.reset_index(drop=True)
