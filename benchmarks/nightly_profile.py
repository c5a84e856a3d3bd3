"""Where a nightly run's time goes: wrappers around learnerai's own functions.

Used by ``benchmarks/nightly.py`` inside the process that runs the nightly batch
(benchmark-only instrumentation; nothing in the package imports it). Each wrapped
function is timed, and its time is charged to one *category* (SQL reads, the
embedding model, the embedding cache, the risk model, the recommender, publishing)
*exclusively*: time spent in a wrapped callee is charged to the callee's category,
not the caller's. What a stage spends outside every category is its Python glue
(pandas transforms, JSON building). The current stage comes from
:func:`flows.nightly.run_nightly`'s progress messages (``"features: started"``).

Every function in :data:`INCLUSIVE` is also timed inclusively (with its call
count), e.g. ``extract_engagement`` to compare with the scan floor.

Wrapping replaces the function object in every ``features``/``flows``/``models``/
``registry`` module that imported it by name (``from x import f``), and lazy
``from x import f`` inside function bodies read the patched module attribute.
Overhead: a few microseconds per call on a few thousand calls per run.
"""

from __future__ import annotations

import functools
import importlib
import resource
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

#: category -> "module:function" (or "module:Class.method"), timed exclusively.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "sql reads": ("features.reading:read_frame",),
    "model load": ("models.embeddings:_load_sentence_transformer",),
    "encode (model)": ("models.embeddings:TextEncoder.encode",),
    "embedding cache": ("features.embedding_cache:embed_texts_with_stats",
                        "features.embedding_cache:embed_unique_texts"),
    "risk model": ("models.explain:explain_risk", "models.risk:predict_risk"),
    "careers": ("models.career:predict_careers",),
    "recommender": ("models.recommend:plan_run", "models.recommend:recommend_chunk",
                    "models.recommend_space:fit_population"),
    "publish": ("features.learner_features:publish_learner_features",
                "features.publish_risk:publish_risk",
                "features.publish_recommendations:publish_recommendations",
                "features.publish_recommendations:publish_careers",
                "features.publish_recommendations:clear_opted_out",
                "features.change_detection:record_input_state"),
}

#: Timed inclusively only (they contain categorised work).
INCLUSIVE: tuple[str, ...] = (
    "features.engagement:extract_engagement",
    "features.engagement:derive_engagement",
    "features.skills:compute_skills",
    "features.skills:extract_skill_rows",
    "features.profile:compute_profile",
    "features.learner_features:compute_learner_features",
    "features.learner_features:fit_skill_resolver",
    "features.retrieval:get_features",
    "features.enrollment_features:compute_enrollment",
    "flows.risk_scoring:score_learners",
    "features.recommendation_inputs:load_recommendation_data",
    "features.recommendation_inputs:load_population",
    "features.recommendation_inputs:recommendation_data",
    "features.recommendation_inputs:population_statistics",
    "models.recommend:population_mentors",
    "features.change_detection:mentors_moved",
    "features.recommendation_inputs:catalog_space",
    "features.recommendation_inputs:mentor_frames",
    "features.recommendation_inputs:recommendation_vectors",
    "features.recommendation_data:enrollment_states",
    "features.recommendation_data:recommendation_feedback",
    "features.recommendation_data:quiz_accuracy",
    "features.skills:resolve_skill_rows",
    "models.career:skill_level_matrix",
    "features.recommend_eval:fitted_skill_resolver",
    "features.publish_recommendations:publish_recommendation_run",
    "features.change_detection:plan_scope",
    "features.change_detection:state_fingerprints",
    "features.change_detection:learners_with_new_events",
)

#: Modules imported before wrapping, so every ``from x import f`` binding exists.
MODULES = ("flows.nightly", "flows.risk_scoring", "features.recommendation_inputs",
           "features.recommend_eval", "features.publish_recommendations",
           "features.enrollment_features", "models.recommend", "models.recommend_space",
           "models.career", "models.explain", "models.risk", "features.change_detection",
           "features.retrieval", "features.learner_features", "features.recommendation_data",
           "features.skills")

OUR_PACKAGES = ("features", "flows", "models", "registry")


class RunProfile:
    """Exclusive time per (stage, category), inclusive time per function, encoded texts."""

    def __init__(self) -> None:
        self.stage = "start-up"
        self.exclusive: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.inclusive: dict[str, dict[str, float]] = defaultdict(
            lambda: {"seconds": 0.0, "calls": 0})
        self.calls: dict[str, list[float]] = defaultdict(list)
        self.exclusive_cpu: dict[str, float] = defaultdict(float)  # process CPU seconds
        self.peak_rss_mib: dict[str, float] = {}  # stage -> peak RSS when it ended
        self.encoded_texts: list[str] = []
        self._local = threading.local()
        self._lock = threading.Lock()

    # -- stage tracking (run_nightly's progress callback)

    def progress(self, message: str) -> None:
        name, _, rest = message.partition(":")
        if rest.strip() == "started":
            self.stage = name.strip()
        else:  # "<stage>: 12.3 s": the process's peak RSS so far, at the stage's end
            self.peak_rss_mib[name.strip()] = round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    # -- wrapping

    def install(self) -> RunProfile:
        for module in MODULES:
            importlib.import_module(module)
        for category, targets in CATEGORIES.items():
            for target in targets:
                self._wrap(target, category)
        for target in INCLUSIVE:
            self._wrap(target, None)
        return self

    def _wrap(self, target: str, category: str | None) -> None:
        module_name, qualname = target.split(":")
        module = importlib.import_module(module_name)
        if "." in qualname:
            owner_name, attribute = qualname.split(".")
            owner = getattr(module, owner_name)
            original = getattr(owner, attribute)
            setattr(owner, attribute, self._timed(original, qualname, category))
            return
        original = getattr(module, qualname, None)
        if original is None:  # not in this version of the code
            return
        wrapped = self._timed(original, qualname, category)
        for loaded in list(sys.modules.values()):
            name = getattr(loaded, "__name__", "") or ""
            if name.split(".")[0] not in OUR_PACKAGES:
                continue
            for attribute, value in list(vars(loaded).items()):
                if value is original:
                    setattr(loaded, attribute, wrapped)
                elif isinstance(value, dict):  # registries such as retrieval.VIEWS
                    for key, item in list(value.items()):
                        if item is original:
                            value[key] = wrapped

    def _timed(self, fn: Callable[..., Any], name: str, category: str | None) -> Any:
        profile = self

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if name == "TextEncoder.encode":
                texts = args[1] if len(args) > 1 else kwargs.get("texts", [])
                profile.encoded_texts.extend(str(t) for t in texts)
            stack = profile._stack()
            stage = profile.stage
            if category is not None:
                stack.append([0.0, 0.0])  # wall and CPU time spent in categorised callees
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                used = time.process_time() - cpu
                with profile._lock:
                    entry = profile.inclusive[name]
                    entry["seconds"] += elapsed
                    entry["calls"] += 1
                    profile.calls[name].append(round(elapsed, 4))
                    if category is not None:
                        inner_wall, inner_cpu = stack.pop()
                        profile.exclusive[stage][category] += elapsed - inner_wall
                        profile.exclusive_cpu[category] += used - inner_cpu
                        if stack:
                            stack[-1][0] += elapsed
                            stack[-1][1] += used

        return wrapper

    def _stack(self) -> list[list[float]]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    # -- results

    def summary(self, timings: dict[str, float]) -> dict[str, Any]:
        """Exclusive seconds per stage and category, with each stage's rest as
        ``python glue``; inclusive seconds and calls per function."""
        stages: dict[str, dict[str, float]] = {}
        for stage, seconds in timings.items():
            charged = dict(self.exclusive.get(stage, {}))
            glue = seconds - sum(charged.values())
            stages[stage] = {**{k: round(v, 3) for k, v in charged.items()},
                             "python glue": round(glue, 3)}
        totals: dict[str, float] = defaultdict(float)
        for charged in stages.values():
            for category, seconds in charged.items():
                totals[category] += seconds
        return {
            "stages": stages,
            "categories": {k: round(v, 3) for k, v in sorted(totals.items(),
                                                                key=lambda kv: -kv[1])},
            "categories_cpu": {k: round(v, 3) for k, v in self.exclusive_cpu.items()},
            "peak_rss_mib_after_stage": dict(self.peak_rss_mib),
            "functions": {k: {"seconds": round(v["seconds"], 3), "calls": int(v["calls"])}
                          for k, v in self.inclusive.items()},
            "calls": {k: v for k, v in self.calls.items() if len(v) <= 50},
        }
