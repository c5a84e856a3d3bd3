"""``learnerai nightly``: the batch that keeps every AI table current.

Stages, each a function of another layer (this module only composes them):

1. ``load_models`` — the champion risk pipelines (registry/), loaded *before*
   anything is written: MLflow unreachable fails the run with nothing changed;
   no champion yet skips risk scoring with a note in the ledger;
2. ``plan`` — which learners to recompute (:func:`features.change_detection.plan_scope`:
   everyone with ``full``, else those whose inputs changed);
3. ``features`` — views, skill resolution and embeddings
   (:func:`features.learner_features.compute_learner_features`) published to
   ``learner_ai_features``, ``learner_engagement`` and AI psychographics;
4. ``risk`` — scores and explanations (:func:`flows.risk_scoring.score_learners`)
   published with ``AI_Nudge`` notifications and the risk audit
   (:func:`features.publish_risk.publish_risk`);
5. ``recommendations`` — careers and all five recommendation types
   (:func:`features.publish_recommendation_run`), each learner's Pending list
   replaced in one transaction with its audit row;
6. ``record`` — the computed learners' input fingerprints, for the next
   incremental run.

:func:`run_nightly` holds the database-wide lock (one run at a time), writes the
run ledger (``batch_runs``: running -> succeeded/failed, with counts, timings,
model versions and data-quality exclusions) and marks runs that died without
finishing (SIGKILL, power loss) as failed. The Prefect flow :func:`nightly`
composes the same stages as tasks that retry transient database/MLflow errors
and leaves the run summary as a markdown artifact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from prefect import flow, task
from sqlalchemy import Engine

from features.change_detection import (
    Scope,
    mentors_moved,
    plan_scope,
    record_input_state,
    scope_ids,
)
from features.engine import make_engine
from features.enrollment_features import compute_enrollment
from features.heap import release_freed_memory
from features.learner_features import (
    FEATURE_SET_VERSION,
    LearnerFeatureSet,
    compute_learner_features,
    publish_learner_features,
)
from features.publish import remove_orphaned_ai_rows
from features.publish_recommendations import publish_recommendation_run
from features.publish_risk import publish_risk
from features.run_report import nightly_markdown
from features.runs import RunLockedError, latest_successful_run, ledgered_run
from features.settings import Settings, load_settings
from flows.retry import RETRYING
from flows.risk_scoring import (
    RiskChampions,
    load_risk_champions,
    risk_references,
    score_learners,
)
from flows.train import default_as_of
from models.recommend import RECOMMENDER_VERSION
from registry.models import NoChampionError

FLOW = "nightly"


@dataclass
class NightlyResult:
    """What a nightly run did: the ledger row's content plus the markdown summary."""

    run_id: str
    as_of: dt.datetime
    mode: str
    status: str = "running"
    scope: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    model_versions: dict[str, Any] = field(default_factory=dict)
    data_quality: dict[str, int] = field(default_factory=dict)
    risk_bands: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    watermarks: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "as_of": f"{self.as_of:%Y-%m-%d %H:%M}",
                "mode": self.mode, "status": self.status, "scope": self.scope,
                "timings": {k: round(v, 2) for k, v in self.timings.items()},
                "counts": self.counts, "model_versions": self.model_versions,
                "data_quality": self.data_quality, "risk_bands": self.risk_bands,
                "notes": self.notes, "seconds": round(self.seconds, 2)}

    def markdown(self) -> str:
        return nightly_markdown(self.summary())

    def ledger_counts(self) -> dict[str, Any]:
        """``batch_runs.counts``: the summary's numbers and the event watermarks the
        next incremental run starts from."""
        return {**self.counts, "scope": self.scope, "timings": self.summary()["timings"],
                "data_quality": self.data_quality, "risk_bands": self.risk_bands,
                "notes": self.notes, "watermarks": self.watermarks}


# ----------------------------------------------------------------------------- stages


def load_models(settings: Settings) -> tuple[RiskChampions | None, list[str]]:
    """The champions, or None with a note when none is registered yet."""
    try:
        return load_risk_champions(settings), []
    except NoChampionError as exc:
        return None, [f"risk not scored: {exc}"]


def plan(engine: Engine, as_of: dt.datetime, full: bool) -> Scope:
    return plan_scope(engine, as_of, latest_successful_run(engine, FLOW), full=full)


@dataclass(frozen=True)
class FeatureSummary:
    """What later stages need of the features stage (the frames stay where computed)."""

    model_version: str
    data_quality: dict[str, int]
    days_since_last_activity: pd.Series  # learner_id -> days (NaN: never active)
    #: The engagement and profile views of the computed learners, which the risk models
    #: read: computed once here, not again by the risk stage.
    risk_inputs: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: When everyone was computed: the profile view and the unresolved skill rows, which
    #: the recommendations stage reads for everyone too (not read twice).
    profile: pd.DataFrame | None = None
    skill_rows: pd.DataFrame | None = None

    @classmethod
    def of(cls, feature_set: LearnerFeatureSet, everyone: bool = False) -> FeatureSummary:
        days = feature_set.features.get("days_since_last_activity", pd.Series(dtype=float))
        return cls(feature_set.model_version,
                   {k: int(v) for k, v in feature_set.data_quality.items() if v},
                   days.astype(float), feature_set.risk_inputs,
                   feature_set.profile if everyone else None,
                   feature_set.raw_skill_rows if everyone else None)

    @classmethod
    def combine(cls, parts: list[FeatureSummary]) -> FeatureSummary:
        quality: dict[str, int] = {}
        for part in parts:
            for key, value in part.data_quality.items():
                quality[key] = quality.get(key, 0) + value
        days = pd.concat([p.days_since_last_activity for p in parts]) if parts else \
            pd.Series(dtype=float)
        inputs = pd.concat([p.risk_inputs for p in parts]).sort_index() if parts else \
            pd.DataFrame()
        return cls(parts[0].model_version if parts else "", quality, days, inputs)




def features_stage(engine: Engine, encoder: Any, as_of: dt.datetime,
                   scope: Scope) -> tuple[FeatureSummary, dict[str, int]]:
    return _features_for(engine, encoder, as_of, scope_ids(scope))


def _features_for(engine: Engine, encoder: Any, as_of: dt.datetime,
                  learner_ids: list[int] | None) -> tuple[FeatureSummary, dict[str, int]]:
    feature_set = compute_learner_features(engine, as_of, encoder, learner_ids)
    return (FeatureSummary.of(feature_set, everyone=learner_ids is None),
            publish_learner_features(engine, feature_set))


def features_partition(database_url: str, embedding_model: str, as_of: dt.datetime,
                       learner_ids: list[int]) -> tuple[FeatureSummary, dict[str, int]]:
    """The features stage for one partition of learners, on whichever process runs it
    (a Dask worker): its own engine and encoder, the same functions."""
    from models.embeddings import TextEncoder

    engine = make_engine(database_url)
    try:
        return _features_for(engine, TextEncoder(embedding_model), as_of, learner_ids)
    finally:
        engine.dispose()


def partitions_of(scope: Scope, count: int) -> list[list[int]]:
    """The scope's learners in ``count`` contiguous, nearly equal partitions."""
    ids = np.sort(scope.fingerprints.index.to_numpy(np.int64) if scope.learner_ids is None
                  else scope.learner_ids)
    return [part.tolist() for part in np.array_split(ids, max(1, min(count, len(ids))))
            if len(part)]


def partitioned_features_stage(settings: Settings, partitions: int, submit: Callable[..., Any],
                               engine: Engine, encoder: Any, as_of: dt.datetime,
                               scope: Scope) -> tuple[FeatureSummary, dict[str, int]]:
    """The features stage with each partition submitted to the flow's task runner (Dask)."""
    from features.recommendation_inputs import warm_catalog_embeddings

    # Every partition reads the catalog's vectors: encode them once, here, first.
    warm_catalog_embeddings(engine, encoder)
    futures = [submit(settings.database_url, settings.embedding_model, as_of, part)
               for part in partitions_of(scope, partitions)]
    results = [future.result() for future in futures]
    counts: dict[str, int] = {}
    for _, part_counts in results:
        for key, value in part_counts.items():
            counts[key] = counts.get(key, 0) + int(value)
    return FeatureSummary.combine([summary for summary, _ in results]), counts


def risk_stage(engine: Engine, settings: Settings, as_of: dt.datetime, scope: Scope,
               champions: RiskChampions, model_version: str,
               audit_by: str, refit: bool = False,
               features: pd.DataFrame | None = None) -> tuple[dict[str, int], dict[str, int]]:
    learner_ids = scope_ids(scope)
    # A full run scores everyone: the references (when refitted) read the same views.
    everyone = learner_ids is None and features is not None
    active_enrolments = compute_enrollment(engine, as_of) \
        if everyone and champions.dropout is not None else None
    references, snapshot = risk_references(
        engine, as_of, champions, refit=refit, run_id=audit_by,
        learners=features if everyone else None, active_enrolments=active_enrolments)
    scores = score_learners(engine, settings, as_of, learner_ids, champions=champions,
                            references=references, features=features,
                            active_enrolments=active_enrolments)
    counts = publish_risk(engine, scores, as_of=as_of, model_version=model_version,
                          audit_by=audit_by)
    counts["population_snapshots"] = int(not snapshot.reused)
    bands = scores["band"].value_counts().reindex(["low", "medium", "high"], fill_value=0)
    return counts, {band: int(n) for band, n in bands.items()}


@dataclass(frozen=True)
class RecommendationsOutcome:
    """Rows written, and what the record stage stores of the run's mentor assignment."""

    counts: dict[str, int]
    mentor_fingerprints: pd.Series
    mentors: Any  # features.mentor_state.RunMentors
    notes: list[str] = field(default_factory=list)


def recommendations_stage(engine: Engine, encoder: Any, as_of: dt.datetime, scope: Scope,
                          run_id: str, model_version: str, audit_by: str,
                          config: Any = None, refit: bool = False,
                          features: FeatureSummary | None = None) -> RecommendationsOutcome:
    """Careers and recommendations for the scope's learners, plus everyone whose mentors
    moved because of someone else's change (mentors are assigned population-wide).
    An incremental run whose learners' mentor inputs did not move reuses the stored
    assignment and reads no one else (:mod:`features.mentor_state`).
    ``features``: the features stage's summary, whose reads of everyone are reused."""
    from features.mentor_state import assigned_mentors, reused_mentors
    from features.recommend_eval import fitted_skill_resolver
    from features.recommendation_inputs import (
        load_population,
        population_statistics,
        recommendation_data,
    )
    from models.recommend import mentor_fingerprints, population_mentors
    from models.recommend_policy import RecommenderConfig

    config = config or RecommenderConfig()
    learner_ids, moved = scope_ids(scope), 0
    resolver = fitted_skill_resolver(engine, encoder)
    mentors = reason = None
    if learner_ids is not None and not refit:
        mentors, reason = reused_mentors(engine, encoder, resolver, as_of, learner_ids,
                                         config, model_version)
    if mentors is None:
        # A run for some learners reads only their enrolments and feedback (and
        # everyone's Mentor feedback), unless the period's statistics must be fitted first.
        population = load_population(
            engine, encoder, resolver, as_of,
            profile=None if features is None else features.profile,
            skill_rows=None if features is None else features.skill_rows,
            full_histories=learner_ids is None)
        mentors = assigned_mentors(
            engine, population, population_mentors(population.everyone, population.space,
                                                   config),
            as_of, config, encoder.model_id, model_version, reason)
    population = mentors.population
    stats, snapshot = population_statistics(engine, population, as_of, refit=refit,
                                            run_id=run_id)
    fingerprints = mentor_fingerprints(mentors.assigned, population.everyone.learner_ids)
    if learner_ids is not None and not mentors.reused:
        extra = np.setdiff1d(mentors_moved(engine, fingerprints), learner_ids)
        learner_ids, moved = sorted({*learner_ids, *extra.tolist()}), len(extra)
    data = recommendation_data(engine, encoder, population, as_of, learner_ids, stats,
                               mentors.assigned)
    counts = publish_recommendation_run(engine, data, run_id=run_id, model_version=model_version,
                                        as_of=as_of, audit_by=audit_by, config=config)
    counts |= {"mentors_moved": moved, "population_snapshots": int(not snapshot.reused),
               "mentor_assignment_reused": int(mentors.reused)}
    notes = [] if scope.learner_ids is None or mentors.reused else \
        [f"mentors assigned over everyone: {mentors.reason}"]
    return RecommendationsOutcome(counts, fingerprints.reindex(data.inputs.learner_ids),
                                  mentors, notes)


def record_stage(engine: Engine, scope: Scope, features: FeatureSummary,
                 as_of: dt.datetime, run_id: str,
                 outcome: RecommendationsOutcome) -> int:
    recorded = scope.fingerprints.index.union(outcome.mentor_fingerprints.index)
    return record_input_state(engine, scope.fingerprints, features.days_since_last_activity,
                              as_of, run_id, outcome.mentor_fingerprints,
                              mentor_inputs=outcome.mentors.inputs,
                              mentor_assignment=outcome.mentors.texts(recorded),
                              mentor_state=outcome.mentors.state)


@dataclass(frozen=True)
class NightlySteps:
    """The stages :func:`run_nightly` composes: plain functions or Prefect tasks."""

    load_models: Callable[..., tuple[RiskChampions | None, list[str]]] = load_models
    plan: Callable[..., Scope] = plan
    features: Callable[..., tuple[FeatureSummary, dict[str, int]]] = features_stage
    risk: Callable[..., tuple[dict[str, int], dict[str, int]]] = risk_stage
    recommendations: Callable[..., RecommendationsOutcome] = recommendations_stage
    record: Callable[..., int] = record_stage


PLAIN_STEPS = NightlySteps()


# ----------------------------------------------------------------------- composition


def short_version(version: str | None) -> str:
    """``learnerai-risk-disengagement/3`` -> ``disengagement/3``."""
    return (version or "none").removeprefix("learnerai-risk-")


def ai_features_version(feature_set: FeatureSummary | LearnerFeatureSet,
                        champions: RiskChampions | None) -> str:
    """``learner_ai_features.model_version`` (50 characters): the feature set and
    embedding model, then the risk versions (abbreviated: the JSON has them in full)."""
    if champions is None:
        return feature_set.model_version
    risk = (f"d{short_version(champions.disengagement_version).rsplit('/', 1)[-1]}"
            f".o{short_version(champions.dropout_version).rsplit('/', 1)[-1]}")
    return f"{feature_set.model_version}|risk:{risk}"[:50]


def recommender_version(embedding_model: str) -> str:
    return f"{RECOMMENDER_VERSION}+{FEATURE_SET_VERSION}+{embedding_model}"[:100]


@contextmanager
def _stage(result: NightlyResult, name: str,
           say: Callable[[str], None]) -> Iterator[None]:
    say(f"{name}: started")
    start = time.perf_counter()
    try:
        yield
    finally:
        result.timings[name] = time.perf_counter() - start
        say(f"{name}: {result.timings[name]:.1f} s")
        # What the stage freed goes back now, not under the next stage's peak.
        release_freed_memory()


def run_nightly(
    engine: Engine,
    settings: Settings,
    as_of: dt.datetime | None = None,
    *,
    full: bool = False,
    wait_seconds: float = 0,
    encoder: Any = None,
    steps: NightlySteps = PLAIN_STEPS,
    progress: Callable[[str], None] | None = None,
    run_id: str | None = None,
    recommender: Any = None,
    refit: bool = False,
) -> NightlyResult:
    """Run the nightly batch as of ``as_of`` (default: today 00:00 UTC).

    Raises :class:`features.runs.RunLockedError` when another run holds the lock
    after ``wait_seconds``; any failure marks the run failed in the ledger and is
    re-raised. ``recommender``: a :class:`models.recommend_policy.RecommenderConfig`
    (default: the standard one). ``refit``: fit new population statistics even when
    the refit period has some (:mod:`features.population_snapshot`).
    """
    from models.embeddings import TextEncoder

    as_of = as_of or default_as_of()
    say = progress or (lambda _message: None)
    encoder = encoder or TextEncoder(settings.embedding_model)
    with ledgered_run(engine, FLOW, as_of, wait_seconds=wait_seconds, run_id=run_id) as entry:
        result = NightlyResult(run_id=entry.run_id, as_of=as_of,
                               mode="full" if full else "incremental",
                               notes=entry.interrupted_note)
        started = time.perf_counter()
        try:
            _run_stages(engine, settings, as_of, full, encoder, steps, result, say,
                        recommender, refit)
            result.status = "succeeded"
        except BaseException:
            result.status = "failed"
            raise
        finally:
            result.seconds = time.perf_counter() - started
            entry.counts, entry.model_versions = result.ledger_counts(), result.model_versions
    return result


def _run_stages(engine: Engine, settings: Settings, as_of: dt.datetime, full: bool,
                encoder: Any, steps: NightlySteps, result: NightlyResult,
                say: Callable[[str], None], recommender: Any = None,
                refit: bool = False) -> None:
    with _stage(result, "models", say):
        champions, notes = steps.load_models(settings)
        result.notes += notes
        result.model_versions.update(champions.versions if champions else
                                     {"disengagement": None, "dropout": None})
    with _stage(result, "plan", say):
        scope = steps.plan(engine, as_of, full)
        result.mode = scope.mode
        result.watermarks = scope.watermarks
        recomputed = None if scope.learner_ids is None else len(scope.learner_ids)
        result.scope = {"learners": len(scope.fingerprints) if recomputed is None
                        else recomputed, "reasons": scope.reasons}
    if scope.learner_ids is not None and len(scope.learner_ids) == 0:
        # Nobody to recompute; AI rows of learners deleted since the last run that no
        # foreign key reaches are still removed (the features stage does it otherwise).
        with engine.begin() as conn:
            result.counts.update(remove_orphaned_ai_rows(conn))
        result.notes.append("no learner's inputs changed since the last successful run")
        return
    with _stage(result, "features", say):
        feature_set, counts = steps.features(engine, encoder, as_of, scope)
        result.counts.update(counts)
        result.data_quality = dict(feature_set.data_quality)
        result.model_versions["features"] = feature_set.model_version
    audit_by = f"{result.run_id}"
    if champions is not None:
        with _stage(result, "risk", say):
            version = ai_features_version(feature_set, champions)
            counts, result.risk_bands = steps.risk(engine, settings, as_of, scope, champions,
                                                   version, audit_by, refit,
                                                   feature_set.risk_inputs)
            _add_counts(result.counts, counts)
    with _stage(result, "recommendations", say):
        version = recommender_version(encoder.model_id)
        result.model_versions["recommender"] = version
        outcome = steps.recommendations(engine, encoder, as_of, scope, result.run_id,
                                        version, audit_by, recommender, refit, feature_set)
        _add_counts(result.counts, outcome.counts)
        result.notes += outcome.notes
    with _stage(result, "record", say):
        result.counts["input_state"] = steps.record(engine, scope, feature_set, as_of,
                                                    result.run_id, outcome)


def _add_counts(total: dict[str, Any], counts: dict[str, Any]) -> None:
    for key, value in counts.items():
        total[key] = total.get(key, 0) + value if isinstance(value, int) else value


# ---------------------------------------------------------------------------- Prefect




TASK_STEPS = NightlySteps(
    load_models=task(load_models, name="load-champions", **RETRYING),
    plan=task(plan, name="plan-scope", **RETRYING),
    features=task(features_stage, name="features-and-embeddings", **RETRYING),
    risk=task(risk_stage, name="risk-scoring", **RETRYING),
    recommendations=task(recommendations_stage, name="careers-and-recommendations",
                         **RETRYING),
    record=task(record_stage, name="record-input-state", **RETRYING),
)


features_partition_task = task(features_partition, name="features-partition", **RETRYING)


@flow(name="learnerai-nightly", log_prints=True)
def nightly(
    as_of: dt.datetime | None = None,
    full: bool = False,
    database_url: str | None = None,
    wait_seconds: float = 0,
    partitions: int = 0,
    refit: bool = False,
) -> dict[str, Any]:
    """The nightly batch as of ``as_of`` (default: today 00:00 UTC): incremental
    unless ``full``; ``refit`` fits new population statistics even inside a refit
    period. Leaves the run summary as a markdown artifact.

    ``partitions`` > 0 splits the features stage into that many learner partitions
    submitted to the flow's task runner — run it with a Dask task runner
    (:func:`nightly_on_dask`) to spread them over a cluster.
    """
    from prefect.artifacts import create_markdown_artifact
    from prefect.states import Cancelled

    settings = load_settings(database_url=database_url)
    engine = make_engine(settings.database_url)
    steps = TASK_STEPS if partitions <= 0 else dataclasses.replace(
        TASK_STEPS, features=functools.partial(partitioned_features_stage, settings,
                                               partitions, features_partition_task.submit))
    try:
        result = run_nightly(engine, settings, as_of, full=full, wait_seconds=wait_seconds,
                             steps=steps, progress=print, refit=refit)
    except RunLockedError as exc:
        # Another run is doing the work: not a failure of this one, and no traceback.
        return Cancelled(message=str(exc))
    finally:
        engine.dispose()
    create_markdown_artifact(result.markdown(), key="learnerai-nightly",
                             description=f"nightly {result.run_id}")
    return result.summary()


def nightly_on_dask(address: str, *, partitions: int | None = None, **parameters: Any) -> Any:
    """Run :func:`nightly` with its learner partitions on the Dask scheduler at
    ``address`` (``prefect-dask``); ``partitions`` defaults to twice the workers.
    Returns the flow's final state."""
    from distributed import Client
    from prefect_dask import DaskTaskRunner

    if partitions is None:
        with Client(address, timeout=30) as client:
            partitions = 2 * max(1, len(client.scheduler_info()["workers"]))
    runner = DaskTaskRunner(address=address)
    return nightly.with_options(task_runner=runner)(partitions=partitions, return_state=True,
                                                    **parameters)
