"""MLflow tracking for the risk models: configuration, experiments, one run per training.

Nothing happens at import. :func:`configure_mlflow` points MLflow at the
tracking store of :class:`features.settings.Settings` and returns a client;
:func:`log_training_run` records one :class:`models.risk.RiskTrainingResult`:

- parameters: the model configuration (features, estimator, calibration,
  bands), the split (rows, learners, first/last cutoffs) and the training-data
  fingerprint — never a row of data;
- metrics: ours and the two baselines on the holdout, and the fairness audit
  (per-group ROC-AUC, gaps, ABROCA, TPR/FPR gaps);
- artifacts: ROC curves (ours vs baselines), calibration curve, permutation
  feature importance, per-group ROC curves, the fairness report and split as
  JSON (aggregates only), the fingerprint (sha256 + row count + cutoffs);
- the pipeline, via ``mlflow.sklearn.log_model`` with a signature and an
  input example made of feature quantiles (no learner's row, no fairness
  column, no PII), registered as ``learnerai-risk-<target>`` and given the
  alias ``challenger``.

One experiment per target (``learnerai-risk-disengagement``,
``learnerai-risk-dropout``), created with an explicit artifact location under
``settings.mlflow_artifact_location``.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.metrics import roc_curve

from features.errors import LearnerAIError
from features.jsonable import plain_json
from features.settings import Settings, artifact_uri, mask_url
from models.metrics import FAIRNESS_ATTRIBUTES, calibration_table, eligible_groups
from models.risk import RiskTrainingResult, cast_features

#: Types inside a risk pipeline that skops (MLflow's default, safe serialization)
#: does not trust out of the box; all are ours or scikit-learn's own.
SKOPS_TRUSTED_TYPES = [
    "models.risk.FrameCaster",
    "numpy.dtype",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
]

#: Registered model aliases (never the deprecated stages).
CHALLENGER = "challenger"
CHAMPION = "champion"


class RegistryUnavailableError(LearnerAIError):
    """The MLflow tracking store or model registry cannot be reached."""


def experiment_name(target: str) -> str:
    return f"learnerai-risk-{target}"


def model_name(target: str) -> str:
    """The registered model of ``target`` (same name as its experiment)."""
    return f"learnerai-risk-{target}"


def safe_tracking_uri(uri: str) -> str:
    """The tracking URI with any password hidden (safe to print)."""
    if "://" not in uri:
        return uri
    return mask_url(uri) if "@" in uri else uri


def configure_mlflow(settings: Settings) -> Any:
    """Point MLflow at ``settings.mlflow_tracking_uri`` (tracking and registry) and
    return an ``MlflowClient`` that has been shown to reach it."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow
    from mlflow import MlflowClient

    uri = settings.mlflow_tracking_uri
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        client.search_experiments(max_results=1)
    except Exception as exc:  # noqa: BLE001 - any failure here means "cannot reach"
        raise RegistryUnavailableError(
            f"MLflow at {safe_tracking_uri(uri)} cannot be reached "
            f"({exc.__class__.__name__}); check MLFLOW_TRACKING_URI or start the server."
        ) from exc
    return client


def ensure_experiment(client: Any, settings: Settings, target: str) -> str:
    """The id of ``target``'s experiment, created (or restored) with an explicit
    artifact location ``<mlflow_artifact_location>/<experiment name>``."""
    name = experiment_name(target)
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        location = f"{artifact_uri(settings.mlflow_artifact_location).rstrip('/')}/{name}"
        return client.create_experiment(name, artifact_location=location,
                                        tags={"learnerai.target": target})
    if experiment.lifecycle_stage == "deleted":
        client.restore_experiment(experiment.experiment_id)
    return experiment.experiment_id


# ------------------------------------------------------------------------- logging


@dataclass(frozen=True)
class LoggedModel:
    target: str
    run_id: str
    experiment_id: str
    model_uri: str
    version: str  # the registered model version number

    @property
    def version_string(self) -> str:
        return f"{model_name(self.target)}/{self.version}"


def metric_key(*parts: str) -> str:
    """A valid MLflow metric name from free parts (group names may hold any character)."""
    return ".".join(re.sub(r"[^\w\-]+", "_", str(p)).strip("_") or "_" for p in parts)


def result_metrics(result: RiskTrainingResult) -> dict[str, float]:
    """Every number of a training result, flat, NaNs left out."""
    out: dict[str, float] = {}
    for name, value in result.metrics.items():
        out[metric_key("holdout", name)] = value
    for baseline, values in result.baselines.items():
        for name, value in values.items():
            out[metric_key("baseline", baseline, name)] = value
    fairness = result.fairness
    out["fairness.largest_auc_gap"] = fairness["largest_auc_gap"]
    if "largest_significant_auc_gap" in fairness:
        out["fairness.largest_significant_auc_gap"] = fairness["largest_significant_auc_gap"]
    for attribute, report in fairness["attributes"].items():
        if report.get("missing"):
            continue
        for name in ("auc_gap", "auc_gap_p_value", "auc_gap_null_median", "abroca",
                     "tpr_gap", "fpr_gap"):
            if name in report:
                out[metric_key("fairness", attribute, name)] = report[name]
        for group, value in report["auc"].items():
            out[metric_key("fairness", attribute, "auc", group)] = value
        out[metric_key("fairness", attribute, "skipped_groups")] = len(report["skipped"])
    out["split.train_rows"] = result.split.train_rows
    out["split.holdout_rows"] = result.split.holdout_rows
    return {k: float(v) for k, v in out.items()
            if v is not None and not (isinstance(v, float) and math.isnan(v))}


def result_params(result: RiskTrainingResult, as_of: Any = None) -> dict[str, str]:
    split = result.split
    params = {
        **result.config.params(),
        "split.train_cutoffs": f"{len(split.train_cutoffs)}: "
                               f"{_day(split.train_cutoffs[0])}..{_day(split.train_cutoffs[-1])}",
        "split.holdout_cutoffs": f"{len(split.holdout_cutoffs)}: "
                                 f"{_day(split.holdout_cutoffs[0])}.."
                                 f"{_day(split.holdout_cutoffs[-1])}",
        "split.train_learners": str(split.train_learners),
        "split.holdout_learners": str(split.holdout_learners),
        "data.train_sha256": result.train_fingerprint["sha256"],
        "data.train_rows": str(result.train_fingerprint["rows"]),
    }
    if as_of is not None:
        params["as_of"] = str(pd.Timestamp(as_of).isoformat())
    return params


def input_example(result: RiskTrainingResult) -> pd.DataFrame:
    """Three synthetic rows — the 10th, 50th and 90th percentile of each numeric
    feature over the holdout, the most common value of each categorical one.
    No learner's row, and only model features (no keys, no fairness columns)."""
    config = result.config
    X = cast_features(result.holdout, config.numeric_features, config.categorical_features)
    rows = {}
    for column in config.numeric_features:
        values = X[column].dropna()
        rows[column] = (values.quantile([0.1, 0.5, 0.9]).to_numpy() if len(values)
                        else np.zeros(3))
    for column in config.categorical_features:
        mode = X[column].mode()
        rows[column] = [mode.iloc[0] if len(mode) else "missing"] * 3
    return pd.DataFrame(rows)[config.features].astype(
        {c: "float64" for c in config.numeric_features})


def log_training_run(client: Any, settings: Settings, result: RiskTrainingResult, *,
                     as_of: Any = None, run_name: str | None = None,
                     register: bool = True) -> LoggedModel:
    """Log ``result`` as a run of its target's experiment, register the pipeline as a
    new version of ``learnerai-risk-<target>`` and point ``challenger`` at it."""
    import mlflow
    import mlflow.sklearn
    import sklearn
    from mlflow.models import infer_signature

    target = result.config.target
    experiment_id = ensure_experiment(client, settings, target)
    example = input_example(result)
    signature = infer_signature(example, result.pipeline.predict_proba(example))
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
        mlflow.set_tags({"learnerai.target": target, "learnerai.kind": "risk"})
        mlflow.log_params(result_params(result, as_of))
        mlflow.log_metrics(result_metrics(result))
        mlflow.log_dict(plain_json(result.fairness), "evaluation/fairness.json")
        mlflow.log_dict(plain_json({"metrics": result.metrics, "baselines": result.baselines}),
                        "evaluation/metrics.json")
        mlflow.log_dict(plain_json(_split_dict(result)), "data/split.json")
        mlflow.log_dict(result.train_fingerprint, "data/fingerprint.json")
        mlflow.log_text(result.importances.to_csv(index=False),
                        "evaluation/feature_importance.csv")
        for path, figure in evaluation_figures(result).items():
            mlflow.log_figure(figure, path)
        info = mlflow.sklearn.log_model(
            result.pipeline,
            name="model",
            signature=signature,
            input_example=example,
            pip_requirements=[f"scikit-learn=={sklearn.__version__}",
                              f"pandas=={pd.__version__}", f"numpy=={np.__version__}"],
            registered_model_name=model_name(target) if register else None,
            skops_trusted_types=SKOPS_TRUSTED_TYPES,
        )
    version = str(info.registered_model_version) if register else ""
    if register:
        name = model_name(target)
        client.set_registered_model_alias(name, CHALLENGER, version)
        client.set_model_version_tag(name, version, "learnerai.run_id", run.info.run_id)
        client.set_model_version_tag(name, version, "learnerai.holdout_roc_auc",
                                     f"{result.metrics['roc_auc']:.4f}")
        client.set_model_version_tag(name, version, "learnerai.train_sha256",
                                     result.train_fingerprint["sha256"])
    return LoggedModel(target=target, run_id=run.info.run_id, experiment_id=experiment_id,
                       model_uri=info.model_uri, version=version)


def _split_dict(result: RiskTrainingResult) -> dict[str, Any]:
    split = result.split
    return {"train_cutoffs": [_day(c) for c in split.train_cutoffs],
            "holdout_cutoffs": [_day(c) for c in split.holdout_cutoffs],
            "train_rows": split.train_rows, "holdout_rows": split.holdout_rows,
            "train_learners": split.train_learners,
            "holdout_learners": split.holdout_learners,
            "holdout_base_rate": float(result.holdout_labels.mean())}


def _day(stamp: Any) -> str:
    return pd.Timestamp(stamp).date().isoformat()


# -------------------------------------------------------------------------- figures


def evaluation_figures(result: RiskTrainingResult) -> dict[str, Figure]:
    """Artifact path -> figure: ROC, calibration, importance, per-group ROC."""
    y, scores = result.holdout_labels, result.holdout_scores
    figures = {
        "plots/roc.png": roc_figure(y, {"model": scores, **result.baseline_scores}),
        "plots/calibration.png": calibration_figure(y, scores),
        "plots/feature_importance.png": importance_figure(result.importances),
    }
    for attribute in FAIRNESS_ATTRIBUTES:
        if attribute in result.holdout:
            figures[f"plots/roc_by_{attribute}.png"] = group_roc_figure(
                y, scores, result.holdout[attribute].to_numpy(), attribute,
                result.fairness["min_rows"])
    return figures


def _figure(width: float = 5.5, height: float = 4.5) -> tuple[Figure, Any]:
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot(1, 1, 1)


def roc_figure(y: np.ndarray, curves: dict[str, np.ndarray]) -> Figure:
    figure, ax = _figure()
    for name, scores in curves.items():
        fpr, tpr, _ = roc_curve(y, scores)
        ax.plot(fpr, tpr, label=name)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (holdout)")
    ax.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    return figure


def calibration_figure(y: np.ndarray, probability: np.ndarray) -> Figure:
    figure, ax = _figure()
    table = calibration_table(y, probability)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.plot(table["predicted"], table["observed"], marker="o")
    for row in table.itertuples():
        ax.annotate(str(row.rows), (row.predicted, row.observed), fontsize=7,
                    textcoords="offset points", xytext=(3, -9))
    ax.set(xlabel="mean predicted risk", ylabel="observed rate", xlim=(0, 1), ylim=(0, 1),
           title="Calibration (10 equal-width bins)")
    figure.tight_layout()
    return figure


def importance_figure(importances: pd.DataFrame, top: int = 20) -> Figure:
    table = importances.head(top).iloc[::-1]
    figure, ax = _figure(6.5, max(3.0, 0.28 * len(table) + 1.2))
    ax.barh(table["feature"], table["importance"], xerr=table["std"], color="tab:blue")
    ax.set(xlabel="drop in ROC-AUC when permuted", title="Permutation importance (holdout)")
    ax.tick_params(axis="y", labelsize=7)
    figure.tight_layout()
    return figure


def group_roc_figure(y: np.ndarray, scores: np.ndarray, groups: np.ndarray, attribute: str,
                     min_rows: int) -> Figure:
    figure, ax = _figure()
    labels = pd.Series(groups, dtype=object).fillna("unknown").astype(str).to_numpy()
    kept, skipped = eligible_groups(y, labels, min_rows)
    for group in kept:
        in_group = labels == group
        fpr, tpr, _ = roc_curve(y[in_group], scores[in_group])
        ax.plot(fpr, tpr, label=f"{group} (n={int(in_group.sum())})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    title = f"ROC by {attribute}"
    if skipped:
        title += f" ({len(skipped)} small group(s) skipped)"
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=title)
    if kept:
        ax.legend(loc="lower right", fontsize=7)
    figure.tight_layout()
    return figure

