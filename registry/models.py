"""The model registry: champion and challenger aliases, promotion gates, loading.

Each risk target has one registered model, ``learnerai-risk-<target>``. Every
training run registers a new version and points the alias ``challenger`` at
it (:func:`registry.tracking.log_training_run`). A version becomes
``champion`` only when

(a) there is no champion yet, or it beats the current champion's ROC-AUC *on
    the same holdout* — the champion is loaded and re-scored on the new
    holdout rows, so both numbers measure the same learners and cutoffs; and
(b) it passes the gates of :class:`PromotionGates`: holdout ROC-AUC at least
    ``min_roc_auc`` (0.70) and the largest per-group ROC-AUC gap over gender,
    age band and country at most ``max_group_auc_gap`` (0.05).

Aliases only: the deprecated registry stages are never read or written.
Every decision is written on the version as tags (``learnerai.promotion``,
``learnerai.promotion_reasons``), so the registry alone tells why a version
is or is not champion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from features.errors import LearnerAIError
from models.metrics import roc_auc
from models.risk import RiskTrainingResult, predict_risk
from registry.tracking import (
    CHALLENGER,
    CHAMPION,
    RegistryUnavailableError,
    model_name,
    safe_tracking_uri,
)

__all__ = [
    "CHALLENGER", "CHAMPION", "NoChampionError", "PromotionDecision", "PromotionGates",
    "RegistryUnavailableError", "champion_version", "decide_promotion", "load_champion",
    "promote_if_better", "version_string",
]


class NoChampionError(LearnerAIError):
    """No version of a risk model carries the ``champion`` alias yet."""


@dataclass(frozen=True, kw_only=True)
class PromotionGates:
    """Quality and fairness gates a version must pass to become champion."""

    min_roc_auc: float = 0.70
    max_group_auc_gap: float = 0.05
    #: How much the new version must beat the champion's ROC-AUC by (same holdout).
    min_improvement: float = 0.0
    #: Refuse when no attribute has two groups big enough to compare.
    require_measurable_fairness: bool = False
    #: Which gap the fairness gate reads: ``"point"`` — the largest observed gap;
    #: ``"significant"`` — the largest gap among the attributes whose gap a permutation
    #: test (group labels shuffled across learners) finds beyond chance (p < 0.05),
    #: 0 when none is: refuse only a gap that is both too large and real. On a few
    #: hundred rows per group a model that treats every group alike often shows a
    #: point gap above 0.05 by chance alone.
    gap_statistic: str = "point"

    def __post_init__(self) -> None:
        if self.gap_statistic not in ("point", "significant"):
            raise ValueError("gap_statistic must be 'point' or 'significant'")

    def group_gap(self, fairness: dict) -> float:
        """The gap of a fairness report (:func:`models.metrics.fairness_report`) this
        gate compares with ``max_group_auc_gap``."""
        if self.gap_statistic == "significant":
            return float(fairness.get("largest_significant_auc_gap", float("nan")))
        return float(fairness["largest_auc_gap"])


@dataclass
class PromotionDecision:
    promoted: bool
    reasons: list[str] = field(default_factory=list)
    version: str | None = None
    previous_champion: str | None = None
    champion_holdout_auc: float | None = None
    holdout_auc: float | None = None


def version_string(target: str, version: str | int) -> str:
    """``learnerai-risk-<target>/<version>``: what outputs record as ``model_version``."""
    return f"{model_name(target)}/{version}"


def decide_promotion(holdout_auc: float, largest_group_auc_gap: float,
                     champion_auc: float | None, gates: PromotionGates,
                     champion: str | None = None) -> PromotionDecision:
    """The promotion rule, pure. ``champion_auc`` is None when there is no champion."""
    reasons: list[str] = []
    passed = True
    gap_name = ("largest group ROC-AUC gap" if gates.gap_statistic == "point"
                else "largest significant group ROC-AUC gap (permutation test)")
    if math.isnan(holdout_auc) or holdout_auc < gates.min_roc_auc:
        passed = False
        reasons.append(f"holdout ROC-AUC {holdout_auc:.4f} is below the gate "
                       f"{gates.min_roc_auc:.2f}")
    else:
        reasons.append(f"holdout ROC-AUC {holdout_auc:.4f} passes the gate "
                       f"{gates.min_roc_auc:.2f}")
    if math.isnan(largest_group_auc_gap):
        if gates.require_measurable_fairness:
            passed = False
            reasons.append("group ROC-AUC gap cannot be measured (no attribute has two "
                           "groups big enough) and the gates require it")
        else:
            reasons.append("group ROC-AUC gap cannot be measured (no attribute has two "
                           "groups big enough); fairness gate not applied")
    elif largest_group_auc_gap > gates.max_group_auc_gap:
        passed = False
        reasons.append(f"{gap_name} {largest_group_auc_gap:.4f} exceeds the "
                       f"gate {gates.max_group_auc_gap:.2f}")
    else:
        reasons.append(f"{gap_name} {largest_group_auc_gap:.4f} is within "
                       f"the gate {gates.max_group_auc_gap:.2f}")
    if champion_auc is None:
        reasons.append("no champion yet")
    elif math.isnan(champion_auc):
        reasons.append(f"champion {champion} could not be scored on this holdout; "
                       "decided on the gates alone")
    elif holdout_auc > champion_auc + gates.min_improvement:
        reasons.append(f"beats champion {champion} on the same holdout: ROC-AUC "
                       f"{holdout_auc:.4f} vs {champion_auc:.4f}")
    else:
        passed = False
        reasons.append(f"does not beat champion {champion} on the same holdout: ROC-AUC "
                       f"{holdout_auc:.4f} vs {champion_auc:.4f}")
    return PromotionDecision(promoted=passed, reasons=reasons, previous_champion=champion,
                             champion_holdout_auc=champion_auc, holdout_auc=holdout_auc)


def champion_version(client: Any, target: str) -> Any | None:
    """The ``ModelVersion`` carrying ``champion``, or None."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(model_name(target), CHAMPION)
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST" or "not found" in str(exc).lower():
            return None
        raise RegistryUnavailableError(
            f"MLflow registry: cannot read the champion of {model_name(target)} "
            f"({exc.__class__.__name__}: {exc.message[:200]})") from exc


def promote_if_better(client: Any, result: RiskTrainingResult, version: str,
                      gates: PromotionGates | None = None) -> PromotionDecision:
    """Re-score the champion on ``result``'s holdout, decide, and move ``champion`` to
    ``version`` if it wins. The decision is tagged on ``version``."""
    import mlflow.sklearn

    gates = gates or PromotionGates()
    target = result.config.target
    name = model_name(target)
    current = champion_version(client, target)
    holdout_auc = result.metrics["roc_auc"]
    if current is not None and str(current.version) == str(version):
        decision = PromotionDecision(promoted=False, reasons=["already champion"],
                                     holdout_auc=holdout_auc)
    else:
        champion_auc = champion_label = None
        if current is not None:
            champion_label = version_string(target, current.version)
            champion = mlflow.sklearn.load_model(f"models:/{name}/{current.version}")
            try:
                champion_auc = roc_auc(result.holdout_labels,
                                       predict_risk(champion, result.holdout))
            except (KeyError, ValueError):  # the champion reads columns this holdout lacks
                champion_auc = float("nan")
        decision = decide_promotion(holdout_auc, gates.group_gap(result.fairness),
                                    champion_auc, gates, champion_label)
    decision.version = version_string(target, version)
    if decision.promoted:
        client.set_registered_model_alias(name, CHAMPION, str(version))
    client.set_model_version_tag(name, str(version), "learnerai.promotion",
                                 "promoted" if decision.promoted else "refused")
    client.set_model_version_tag(name, str(version), "learnerai.promotion_reasons",
                                 "; ".join(decision.reasons)[:4000])
    return decision


def load_champion(target: str, client: Any | None = None) -> tuple[Any, str]:
    """The champion pipeline of ``target`` and its version string, e.g.
    ``"learnerai-risk-disengagement/3"``.

    Raises :class:`NoChampionError` when there is none and
    :class:`RegistryUnavailableError` when MLflow cannot be reached. Call
    :func:`registry.tracking.configure_mlflow` first (or pass its client).
    """
    import mlflow
    import mlflow.sklearn
    from mlflow import MlflowClient

    client = client or MlflowClient()
    uri = safe_tracking_uri(mlflow.get_tracking_uri())
    try:
        current = champion_version(client, target)
    except RegistryUnavailableError:
        raise
    except Exception as exc:  # noqa: BLE001 - connection failures come in many types
        raise RegistryUnavailableError(
            f"MLflow at {uri} cannot be reached ({exc.__class__.__name__}); check "
            "MLFLOW_TRACKING_URI or start the server.") from exc
    if current is None:
        raise NoChampionError(_no_champion_message(client, target, uri))
    try:
        pipeline = mlflow.sklearn.load_model(f"models:/{model_name(target)}/{current.version}")
    except Exception as exc:  # noqa: BLE001 - artifact store errors come in many types
        raise RegistryUnavailableError(
            f"MLflow at {uri}: cannot load {version_string(target, current.version)} "
            f"({exc.__class__.__name__}); check the artifact store "
            "(LEARNERAI_MLFLOW_ARTIFACTS).") from exc
    return pipeline, version_string(target, current.version)



def _no_champion_message(client: Any, target: str, uri: str) -> str:
    name = model_name(target)
    try:
        versions = list(client.search_model_versions(f"name='{name}'"))
    except Exception:  # noqa: BLE001 - the message is best effort
        versions = []
    if not versions:
        return (f"No champion {target} risk model in MLflow at {uri}: run `learnerai train` "
                "first (a version becomes champion once it passes the promotion gates).")
    latest = max(versions, key=lambda v: int(v.version))
    reasons = (latest.tags or {}).get("learnerai.promotion_reasons", "no decision recorded")
    return (f"No champion {target} risk model in MLflow at {uri}: no version has passed the "
            f"promotion gates yet (latest {name}/{latest.version}: {reasons}). Train on "
            "more data with `learnerai train`, or review the gates.")
