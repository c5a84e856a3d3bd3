"""Scoring with the champion risk models, and ``learnerai explain LEARNER_ID``.

:func:`score_learners` composes the layers: features as of the run date
(features/), the two champion pipelines (registry/), scores and attributions
(models/). It returns one row per learner with the documented
``risk_prediction`` JSON (:func:`models.explain.risk_prediction_json`):
the learner's disengagement risk with its top factors, and the dropout risk
of each enrolment active at ``as_of``.

References for the factors are the *typical* learner: for disengagement, the
median of the learners active in the last 28 days (the population the model
was trained on); for dropout, the median of the other active enrolments in
the same course (the whole population where a course has fewer than 10).
They are fitted by :func:`fit_risk_references`; the nightly run keeps them in a
population snapshot (:mod:`features.population_snapshot`) so that every run of
a refit period explains against the same typical learner.

Learners who opted out of AI personalisation get no row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from features.enrollment_features import ENROLLMENT_FEATURES, compute_enrollment, course_titles
from features.errors import LearnerAIError
from features.learner_features import FEATURE_SET_VERSION
from features.population_snapshot import (
    REFIT_DAYS,
    Snapshot,
    find_snapshot,
    from_json_bytes,
    json_bytes,
    snapshot_for,
)
from features.retrieval import get_features
from features.settings import Settings
from models.explain import (
    explain_risk,
    group_reference_table,
    reference_values,
    references_for_rows,
    risk_prediction_json,
)
from models.risk import RiskBands, feature_kinds, model_columns, predict_risk
from registry.models import NoChampionError, load_champion
from registry.tracking import configure_mlflow

DISENGAGEMENT_PEERS = "typical active learners"
DROPOUT_PEERS = "typical learners in this course"
#: Horizons the champions were trained for (the defaults of models.risk).
DISENGAGEMENT_HORIZON_DAYS = 30
DROPOUT_HORIZON_DAYS = 60
#: Learners active within this many days form the disengagement reference population.
ACTIVE_DAYS = 28
#: Courses with fewer active enrolments than this use the overall reference.
MIN_COURSE_PEERS = 10


class LearnerNotFoundError(LearnerAIError):
    """The learner does not exist (or registered after as-of, or opted out)."""


@dataclass(frozen=True)
class RiskChampions:
    """The champion pipelines a scoring uses, loaded once before anything is written."""

    disengagement: Any
    disengagement_version: str
    dropout: Any = None
    dropout_version: str | None = None

    @property
    def versions(self) -> dict[str, str | None]:
        return {"disengagement": self.disengagement_version, "dropout": self.dropout_version}


def load_risk_champions(settings: Settings, client: Any = None) -> RiskChampions:
    """Both champions (the dropout one optional). Raises
    :class:`registry.models.NoChampionError` without a disengagement champion and
    :class:`registry.tracking.RegistryUnavailableError` when MLflow cannot be reached."""
    client = client or configure_mlflow(settings)
    disengagement, disengagement_version = load_champion("disengagement", client)
    try:
        dropout, dropout_version = load_champion("dropout", client)
    except NoChampionError:
        dropout, dropout_version = None, None
    return RiskChampions(disengagement, disengagement_version, dropout, dropout_version)


@dataclass(frozen=True)
class RiskReferences:
    """The typical learner each explanation compares against."""

    disengagement: pd.Series  # feature -> median/mode of the active learners
    dropout: pd.Series | None = None  # feature -> median/mode of all active enrolments
    dropout_by_course: pd.DataFrame | None = None  # course_id x feature, big courses only

    def to_json(self) -> dict[str, Any]:
        def plain(series: pd.Series | None) -> dict[str, Any] | None:
            return None if series is None else {k: _plain(v) for k, v in series.items()}

        by_course = None if self.dropout_by_course is None else {
            str(course): plain(row) for course, row in self.dropout_by_course.iterrows()}
        return {"disengagement": plain(self.disengagement), "dropout": plain(self.dropout),
                "dropout_by_course": by_course,
                "columns": None if self.dropout_by_course is None
                else list(self.dropout_by_course.columns)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RiskReferences:
        def series(values: dict[str, Any] | None) -> pd.Series | None:
            return None if values is None else pd.Series(values, dtype=object)

        by_course = None
        if data.get("dropout_by_course") is not None:
            by_course = pd.DataFrame.from_dict(data["dropout_by_course"], orient="index",
                                               dtype=object).reindex(columns=data["columns"])
            by_course.index = pd.Index(by_course.index.astype("int64"), name="course_id")
        return cls(series(data["disengagement"]), series(data.get("dropout")), by_course)


def _plain(value: Any) -> Any:
    if isinstance(value, (np.floating, float)):
        return float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def references_compatibility(champions: RiskChampions) -> str:
    """What a stored set of references is valid for: the feature set and the columns
    the champions read (a retrained champion on the same features keeps them)."""
    import hashlib

    kinds = [feature_kinds(champions.disengagement)]
    if champions.dropout is not None:
        kinds.append(feature_kinds(champions.dropout))
    digest = hashlib.sha256(repr(kinds).encode()).hexdigest()[:16]
    return f"risk-references|{FEATURE_SET_VERSION}|{digest}"


def fit_risk_references(engine: Engine, as_of: dt.datetime, champions: RiskChampions,
                        learners: pd.DataFrame | None = None,
                        active_enrolments: pd.DataFrame | None = None) -> RiskReferences:
    """The typical learners as of ``as_of`` for the champions' features.

    ``learners`` (every learner's views as of ``as_of``) and ``active_enrolments`` (every
    active enrolment's view, :func:`features.enrollment_features.compute_enrollment`): when the
    caller has them already (a full nightly run), else computed here."""
    learners = _opted_in(_scoring_features(engine, as_of, None, champions, learners))
    numeric, categorical = feature_kinds(champions.disengagement)
    active = learners[learners["days_since_last_activity"] < ACTIVE_DAYS]
    overall = reference_values(active if len(active) else learners, numeric, categorical)
    if champions.dropout is None:
        return RiskReferences(overall)
    view = _enrolment_view(engine, as_of, learners, active_enrolments=active_enrolments)
    numeric, categorical = feature_kinds(champions.dropout)
    return RiskReferences(
        overall, reference_values(view, numeric, categorical),
        group_reference_table(view, numeric, categorical, by="course_id",
                              min_rows=MIN_COURSE_PEERS))


#: ``population_snapshots.kind`` of the explanation references.
REFERENCES_KIND = "risk-references"


def risk_references(engine: Engine, as_of: dt.datetime, champions: RiskChampions, *,
                    refit: bool = False, refit_days: int = REFIT_DAYS,
                    run_id: str | None = None, learners: pd.DataFrame | None = None,
                    active_enrolments: pd.DataFrame | None = None
                    ) -> tuple[RiskReferences, Snapshot]:
    """The refit period's references (fitted and stored when it has none yet; see
    :func:`fit_risk_references` for ``learners`` and ``active_enrolments``)."""
    snapshot = snapshot_for(
        engine, REFERENCES_KIND, references_compatibility(champions), as_of,
        lambda: json_bytes(fit_risk_references(engine, as_of, champions, learners,
                                               active_enrolments).to_json()),
        refit=refit, refit_days=refit_days, run_id=run_id)
    return RiskReferences.from_json(from_json_bytes(snapshot.payload)), snapshot


def _opted_in(learners: pd.DataFrame) -> pd.DataFrame:
    return learners[learners["ai_personalization_optin"].astype(bool)]


def _enrolment_view(engine: Engine, as_of: dt.datetime, learners: pd.DataFrame,
                    learner_ids: Sequence[int] | None = None,
                    active_enrolments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Active enrolments as of ``as_of`` (``active_enrolments`` when given, else computed for
    ``learner_ids``) joined with their learner's features."""
    view = compute_enrollment(engine, as_of, learner_ids) if active_enrolments is None \
        else active_enrolments
    learner_columns = learners.drop(columns=[c for c in learners.columns if c in view.columns])
    return view.join(learner_columns, on="learner_id", how="inner")


def score_learners(
    engine: Engine,
    settings: Settings,
    as_of: dt.datetime,
    learner_ids: Sequence[int] | None = None,
    *,
    client: Any = None,
    k: int = 3,
    enrollment_factors: bool = False,
    bands: RiskBands | None = None,
    champions: RiskChampions | None = None,
    references: RiskReferences | None = None,
    features: pd.DataFrame | None = None,
    active_enrolments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per learner: ``score``, ``band``, ``risk_prediction`` (dict) and the two model
    version strings (``disengagement_model_version``, ``dropout_model_version``).

    ``references``: the typical learners to explain against (default: fitted on
    everyone as of ``as_of`` now, :func:`fit_risk_references`).

    ``features``: the same learners' view columns as of ``as_of`` when the caller has
    them (the nightly features stage); used when they hold every column the champions
    read, else the views are computed here as at training. ``active_enrolments``: the
    scope's active enrolments (:func:`features.enrollment_features.compute_enrollment`)
    when the caller has them, else computed here.

    The disengagement champion is required (:class:`registry.models.NoChampionError`
    otherwise); without a dropout champion the ``enrollments`` list is empty.
    """
    bands = bands or RiskBands()
    champions = champions or load_risk_champions(settings, client)
    disengagement, disengagement_version = (champions.disengagement,
                                            champions.disengagement_version)
    dropout, dropout_version = champions.dropout, champions.dropout_version

    references = references or fit_risk_references(engine, as_of, champions)
    chosen = _opted_in(_scoring_features(engine, as_of, learner_ids, champions, features))
    if chosen.empty:
        return _empty_scores()
    scores, _, factors = explain_risk(disengagement, chosen, references.disengagement, k=k,
                                      peers=DISENGAGEMENT_PEERS)

    enrolments = _score_enrolments(engine, as_of, chosen, learner_ids, dropout, bands,
                                   k if enrollment_factors else 0, references,
                                   active_enrolments)
    by_learner: dict[int, list[dict[str, Any]]] = {}
    for entry in enrolments:
        by_learner.setdefault(entry.pop("learner_id"), []).append(entry)

    learner_bands = bands.bands(scores)
    predictions = [
        risk_prediction_json(
            score, band, DISENGAGEMENT_HORIZON_DAYS, row_factors,
            by_learner.get(int(learner_id), []),
            model_version=disengagement_version,
            enrollments_model_version=dropout_version,
            enrollments_horizon_days=DROPOUT_HORIZON_DAYS if dropout is not None else None)
        for learner_id, score, band, row_factors in zip(
            chosen.index, scores, learner_bands, factors, strict=True)
    ]
    return pd.DataFrame({
        "learner_id": chosen.index.astype("int64"),
        "score": np.round(scores, 4),
        "band": learner_bands,
        "risk_prediction": predictions,
        "disengagement_model_version": disengagement_version,
        "dropout_model_version": dropout_version,
    })


def _scoring_features(engine: Engine, as_of: dt.datetime, learner_ids: Sequence[int] | None,
                      champions: RiskChampions, features: pd.DataFrame | None) -> pd.DataFrame:
    if features is not None:
        needed = set(model_columns(champions.disengagement)) | (
            set(model_columns(champions.dropout)) - set(ENROLLMENT_FEATURES)
            if champions.dropout is not None else set())
        if needed | {"ai_personalization_optin"} <= set(features.columns):
            return features
    return get_features(engine, as_of, learner_ids)


def _score_enrolments(engine: Engine, as_of: dt.datetime, chosen: pd.DataFrame,
                      learner_ids: Sequence[int] | None, dropout: Any, bands: RiskBands,
                      k: int, references: RiskReferences,
                      active_enrolments: pd.DataFrame | None) -> list[dict[str, Any]]:
    if dropout is None:
        return []
    # The scope (None: everyone, one pass); the join keeps only the chosen learners.
    rows = _enrolment_view(engine, as_of, chosen, learner_ids, active_enrolments)
    if rows.empty:
        return []
    factors: list[list[dict[str, Any]]] = [[] for _ in range(len(rows))]
    if k and references.dropout is not None:
        table = references.dropout_by_course
        per_row = references_for_rows(
            rows, table if table is not None else pd.DataFrame(), references.dropout,
            by="course_id")
        scores, _, factors = explain_risk(dropout, rows, per_row, k=k, peers=DROPOUT_PEERS)
    else:
        scores = predict_risk(dropout, rows)
    out = []
    for (learner_id, course_id), score, band, row_factors in zip(
            rows[["learner_id", "course_id"]].itertuples(index=False, name=None), scores,
            bands.bands(scores), factors, strict=True):
        entry: dict[str, Any] = {"learner_id": int(learner_id), "course_id": int(course_id),
                                 "score": float(score), "band": str(band)}
        if k:
            entry["factors"] = row_factors
        out.append(entry)
    return out


def _empty_scores() -> pd.DataFrame:
    return pd.DataFrame({"learner_id": pd.Series(dtype="int64"),
                         "score": pd.Series(dtype="float64"), "band": pd.Series(dtype=object),
                         "risk_prediction": pd.Series(dtype=object),
                         "disengagement_model_version": pd.Series(dtype=object),
                         "dropout_model_version": pd.Series(dtype=object)})


# ----------------------------------------------------------------------------- explain


def explain_learner(engine: Engine, settings: Settings, learner_id: int,
                    as_of: dt.datetime, *, k: int = 3) -> dict[str, Any]:
    """The learner's risk JSON with per-enrolment factors and course titles added,
    explained against the same typical learners as the nightly run of that week (a
    read-only look: a week without a snapshot is explained against everyone now)."""
    champions = load_risk_champions(settings)
    stored = find_snapshot(engine, REFERENCES_KIND, references_compatibility(champions), as_of)
    references = (RiskReferences.from_json(from_json_bytes(stored.payload)) if stored
                  else None)
    scored = score_learners(engine, settings, as_of, [learner_id], k=k,
                            enrollment_factors=True, champions=champions,
                            references=references)
    if scored.empty:
        raise LearnerNotFoundError(
            f"Learner {learner_id} has no risk score as of {as_of:%Y-%m-%d}: no such learner, "
            "registered later, or opted out of AI personalisation.")
    prediction = dict(scored.iloc[0]["risk_prediction"])
    titles = course_titles(engine, [e["course_id"] for e in prediction["enrollments"]])
    for entry in prediction["enrollments"]:
        entry["title"] = titles.get(entry["course_id"])
    return {"learner_id": int(learner_id), "as_of": as_of.isoformat(), **prediction}


def format_explanation(explanation: dict[str, Any]) -> str:
    """A terminal-friendly rendering of :func:`explain_learner`'s result."""
    lines = [
        f"Learner {explanation['learner_id']} as of {explanation['as_of'][:10]}",
        f"Disengagement risk {explanation['score']:.2f} ({explanation['band']}) — chance of no "
        f"activity in the next {explanation['horizon_days']} days  "
        f"[{explanation.get('model_version') or 'no model'}]",
    ]
    lines += _factor_lines(explanation.get("factors", []), indent="  ")
    enrollments = explanation.get("enrollments") or []
    if enrollments:
        lines.append(
            f"Course dropout risk within {explanation.get('enrollments_horizon_days')} days  "
            f"[{explanation.get('enrollments_model_version')}]")
        for entry in sorted(enrollments, key=lambda e: -e["score"]):
            name = entry.get("title") or f"course {entry['course_id']}"
            lines.append(f"  {name} (course {entry['course_id']}): {entry['score']:.2f} "
                         f"({entry['band']})")
            lines += _factor_lines(entry.get("factors", []), indent="      ")
    elif explanation.get("enrollments_model_version") is None:
        lines.append("Course dropout risk: no champion dropout model yet.")
    else:
        lines.append("No course enrolment active.")
    return "\n".join(lines)


def _factor_lines(factors: list[dict[str, Any]], indent: str) -> list[str]:
    return [f"{indent}{'+' if f['direction'] == 'raises' else '-'}{abs(f['effect']):.2f}  "
            f"{f['sentence']}" for f in factors]
