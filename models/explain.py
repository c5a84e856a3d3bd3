"""Why a risk score is what it is: model-agnostic, consistent attributions.

For every row and every input feature of a fitted risk pipeline,

    effect = score(row) - score(row with that one feature set to its reference)

where the reference is what a *typical* learner has: the median (numeric) or
most common value (categorical) of a reference population — the learners
scored alongside, or, per course, the other learners of the same course. The
effect is therefore exactly what a tutor would see change if that one thing
were typical: ``direction`` is ``"raises"`` when the learner's own value makes
the risk higher than the typical value would, ``"lowers"`` otherwise. The
effects are not additive across features (interactions are not split); each
one is exact on its own, which is what the consistency test checks.

Vectorised: one ``predict_proba`` per feature over the whole batch.

The JSON published in ``learner_ai_features.risk_prediction``
(:func:`risk_prediction_json`)::

    {
      "score": 0.62,                 # calibrated P(disengaged within horizon_days), 0-1
      "band": "high",                # low < 0.25 <= medium < 0.5 <= high
      "horizon_days": 30,
      "model_version": "learnerai-risk-disengagement/3",
      "factors": [                   # up to 3 that raise the risk most (else the largest)
        {"feature": "days_since_last_activity", "value": 12.0, "reference": 3.0,
         "direction": "raises", "effect": 0.21,
         "sentence": "No activity for 12 days — typical active learners were active
                      3 days ago"}
      ],
      "enrollments": [               # course-dropout risk of each active enrolment
        {"course_id": 7, "score": 0.35, "band": "medium"}
      ],
      "enrollments_horizon_days": 60,
      "enrollments_model_version": "learnerai-risk-dropout/2"
    }

Bands use the thresholds of :class:`models.risk.RiskBands` (defaults 0.25 and
0.5) for both targets; ``high`` is the alerting threshold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from features.enrollment_features import ENROLLMENT
from features.profile import PROFILE
from features.schema import COURSE_LEVELS
from features.views import ENGAGEMENT, Feature
from models.risk import MISSING, model_columns, predict_risk
from models.tree_attribution import tree_explainer

#: Effects smaller than this are treated as no effect at all.
EPSILON = 1e-6
#: Rows a single attribution predict call scores at most (bounds the swapped frames).
ATTRIBUTION_BATCH_ROWS = 200_000

FEATURES: dict[str, Feature] = {
    f.name: f for view in (ENGAGEMENT, PROFILE, ENROLLMENT) for f in view.features
}

#: Tutor-facing sentences; ``{value}``/``{reference}`` are formatted with units,
#: ``{peers}`` names the reference population.
TEMPLATES: dict[str, str] = {
    "days_since_last_activity": "No activity for {value} — {peers} were active {reference} ago",
    "active_days_7d": "Active on {value} of the last 7 days — {peers}: {reference}",
    "active_days_28d": "Active on {value} of the last 28 days — {peers}: {reference}",
    "minutes_7d": "{value} of learning in the last 7 days — {peers} spent {reference}",
    "minutes_28d": "{value} of learning in the last 28 days — {peers} spent {reference}",
    "events_28d": "{value} learning activities in the last 28 days — {peers}: {reference}",
    "sessions_28d": "Logged in {value} in the last 28 days — {peers}: {reference}",
    "current_streak_days": "Current learning streak of {value} — {peers}: {reference}",
    "longest_streak_63d": "Longest streak in the last 9 weeks: {value} — {peers}: "
                          "{reference}",
    "trend_7d_vs_28d": "Study time this week is {value} compared with the three weeks "
                       "before — {peers}: {reference}",
    "quiz_attempts_28d": "{value} quizzes taken in the last 28 days — {peers}: {reference}",
    "quiz_accuracy_28d": "Quiz scores average {value} over the last 28 days — {peers}: "
                         "{reference}",
    "assignment_score_28d": "Assignment scores average {value} over the last 28 days — "
                            "{peers}: {reference}",
    "forum_posts_28d": "{value} forum posts in the last 28 days — {peers}: {reference}",
    "social_ties_90d": "Interacted with {value} in the last 90 days — {peers}: "
                       "{reference}",
    "xp_28d": "Earned {value} in the last 28 days — {peers}: {reference}",
    "active_enrollments": "Enrolled in {value} right now — {peers}: {reference}",
    "course_days_since_last_activity": "No activity in this course for {value} — {peers} "
                                       "were active {reference} ago",
    "course_events_7d": "{value} activities in this course in the last 7 days — {peers}: "
                        "{reference}",
    "course_events_28d": "{value} activities in this course in the last 28 days — {peers}: "
                         "{reference}",
    "course_minutes_28d": "{value} spent on this course in the last 28 days — {peers} "
                          "spent {reference}",
    "course_mean_score": "Quiz and assignment scores in this course average {value} — "
                         "{peers}: {reference}",
    "assessed_module_share": "Has submitted work for {value} of the course's assessed "
                             "modules — {peers}: {reference}",
    "course_quizzes": "{value} quizzes submitted in this course — {peers}: {reference}",
    "course_assignments": "{value} assignments submitted in this course — {peers}: "
                          "{reference}",
    "days_to_first_course_activity": "Took {value} from enrolling to a first activity in "
                                     "this course — {peers}: {reference}",
    "concurrent_enrollments": "Taking {value} other courses at the same time — {peers}: "
                              "{reference}",
    "previous_attempts": "Attempted this course {value} before — {peers}: {reference}",
    "previous_withdrawals": "Withdrew from {value} before — {peers}: {reference}",
    "previous_failures": "Failed {value} before — {peers}: {reference}",
    "course_min_score": "Lowest quiz or assignment score in this course: {value} — "
                        "{peers}: {reference}",
    "cohort_modules_missed": "Has not handed in {value} that most of the class has — "
                             "{peers}: {reference}",
    "cohort_module_score": "Scores {value} on the modules most of the class has handed in "
                           "(a missed one counts 0) — {peers}: {reference}",
    "course_cohort_modules": "The class has handed in work for {value} so far — {peers}: "
                             "{reference}",
    "submission_delay_days": "Hands in work {value} compared with the rest of the class — "
                             "{peers}: {reference}",
    "course_withdrawal_rate": "{value} of this course's learners have withdrawn so far — "
                              "{peers}: {reference}",
    "course_level": "Course level {value} — {peers}: {reference}",
    "course_duration_hours": "Course length {value} — {peers}: {reference}",
    "learning_style": "Learning style {value} — {peers}: {reference}",
    "gamification_persona": "Gamification persona {value} — {peers}: {reference}",
    "preferred_content_format": "Prefers {value} content — {peers}: {reference}",
    "preferred_learning_time": "Prefers to learn in the {value} — {peers}: {reference}",
    "goal_progress": "Goal progress at {value}% — {peers}: {reference}%",
    "target_timeline_months": "Goal timeline of {value} months — {peers}: {reference}",
    "tenure_days": "Registered {value} ago — {peers}: {reference}",
    "completed_courses": "Completed {value} so far — {peers}: {reference}",
}

#: ``course_level`` numbers (the enrolment view's encoding) back to their names.
_COURSE_LEVEL_NAMES = {i + 1.0: name for i, name in enumerate(COURSE_LEVELS)}
#: Features whose values are shares in [0, 1], shown as percentages.
_SHARE_WORDS = ("share", "rate")
_UNIT_NOUNS = {"courses": "course", "days": "day", "minutes": "minute", "events": "event",
               "sessions": "session", "quizzes": "quiz", "posts": "post", "peers": "peer",
               "likes": "like", "attempts": "attempt", "modules": "module",
               "assignments": "assignment", "hours": "hour"}


# ----------------------------------------------------------------------- references


def reference_values(frame: pd.DataFrame, numeric: Sequence[str],
                     categorical: Sequence[str] = ()) -> pd.Series:
    """The typical learner of ``frame``: medians of numeric, modes of categorical columns."""
    values: dict[str, Any] = {}
    for column in numeric:
        series = pd.to_numeric(frame[column], errors="coerce")
        values[column] = float(series.median()) if series.notna().any() else float("nan")
    for column in categorical:
        series = frame[column].dropna().astype(str)
        values[column] = series.mode().iloc[0] if len(series) else MISSING
    return pd.Series(values, dtype=object)


def group_reference_table(population: pd.DataFrame, numeric: Sequence[str],
                          categorical: Sequence[str], by: str,
                          min_rows: int = 10) -> pd.DataFrame:
    """Medians/modes of each ``by`` group (e.g. a course) of ``population`` with at
    least ``min_rows`` rows, indexed by the group key."""
    sizes = population.groupby(by).size()
    big = sizes[sizes >= min_rows].index
    pop = population[population[by].isin(big)]
    table = pd.DataFrame(index=pd.Index(big, name=by), columns=[*numeric, *categorical],
                         dtype=object)
    if not len(pop):
        return table
    if numeric:
        medians = pop[list(numeric)].apply(pd.to_numeric, errors="coerce").groupby(pop[by]) \
            .median()
        for column in numeric:
            table[column] = medians[column].reindex(big).to_numpy(dtype=object)
    for column in categorical:
        modes = pop[column].dropna().astype(str).groupby(pop[by]).agg(
            lambda s: s.mode().iloc[0])
        table[column] = modes.reindex(big).to_numpy(dtype=object)
    return table


def references_for_rows(frame: pd.DataFrame, table: pd.DataFrame, overall: pd.Series,
                        by: str) -> pd.DataFrame:
    """Per-row references: the row's group in ``table`` where it has a value, else
    ``overall``. Aligned with ``frame.index``."""
    columns = list(overall.index)
    out = pd.DataFrame(index=frame.index, columns=columns, dtype=object)
    keys = frame[by]
    for column in columns:
        mapped = keys.map(table[column]) if column in table else \
            pd.Series(np.nan, index=frame.index, dtype=object)
        out[column] = mapped.where(mapped.notna(), overall[column]).to_numpy(dtype=object)
    return out


def group_references(frame: pd.DataFrame, numeric: Sequence[str],
                     categorical: Sequence[str], by: str, min_rows: int = 10,
                     population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-row references: medians/modes within the row's ``by`` group (e.g. its
    course) of ``population`` (default ``frame``); groups smaller than ``min_rows``
    get the whole population's reference. Aligned with ``frame.index``."""
    population = frame if population is None else population
    overall = reference_values(population, numeric, categorical)
    table = group_reference_table(population, numeric, categorical, by, min_rows)
    return references_for_rows(frame, table, overall, by)


def _reference_frame(reference: pd.Series | pd.DataFrame | Mapping[str, Any],
                     index: pd.Index, columns: Sequence[str]) -> pd.DataFrame:
    if isinstance(reference, pd.DataFrame):
        missing = [c for c in columns if c not in reference.columns]
        if missing:
            raise ValueError(f"reference lacks columns: {missing}")
        return reference.loc[index, list(columns)]
    ref = pd.Series(reference, dtype=object)
    missing = [c for c in columns if c not in ref.index]
    if missing:
        raise ValueError(f"reference lacks columns: {missing}")
    return pd.DataFrame({c: [ref[c]] * len(index) for c in columns}, index=index)


# --------------------------------------------------------------------- attributions


def attributions(pipeline: Any, X: pd.DataFrame,
                 reference: pd.Series | pd.DataFrame | Mapping[str, Any],
                 batch_rows: int = ATTRIBUTION_BATCH_ROWS) -> tuple[np.ndarray, pd.DataFrame]:
    """Scores and, per row and input feature, ``score - score_with_feature_at_reference``.

    ``reference``: one value per feature (a Series/mapping) or one per row and
    feature (a DataFrame aligned with ``X``).

    A row whose value already is the reference has an effect of exactly 0 and is not
    scored again (most learners post nothing, have no streak, ...: about half the
    cells). The swapped rows of all features go to the model together, up to
    ``batch_rows`` at a time: a tree ensemble's predict costs a fixed overhead per
    call and per tree, so a few large calls beat one call per feature.

    Gradient-boosted pipelines take :mod:`models.tree_attribution`'s path: the same
    effects, re-scoring only the trees that read the swapped feature.
    """
    columns = model_columns(pipeline)
    rows = X[columns].reset_index(drop=True)
    ref = _reference_frame(reference, X.index, columns).reset_index(drop=True)
    differs = [
        np.flatnonzero(~_same_values(rows[column].to_numpy(dtype=object),
                                     ref[column].to_numpy(dtype=object)))
        for column in columns]
    explainer = tree_explainer(pipeline, columns)
    if explainer is not None and len(rows):
        scores, effects = explainer.effects(rows, ref, differs, batch_rows)
        return scores, pd.DataFrame(effects, index=X.index, columns=columns)
    scores = predict_risk(pipeline, rows)
    effects = np.zeros((len(rows), len(columns)), dtype=float)
    pending: list[tuple[int, np.ndarray, pd.DataFrame]] = []
    pending_rows = 0

    def flush() -> None:
        nonlocal pending, pending_rows
        if not pending:
            return
        swapped = predict_risk(pipeline, pd.concat([p[2] for p in pending], ignore_index=True))
        start = 0
        for j, positions, _ in pending:
            end = start + len(positions)
            effects[positions, j] = scores[positions] - swapped[start:end]
            start = end
        pending, pending_rows = [], 0

    for j, column in enumerate(columns):
        typical = ref[column].to_numpy(dtype=object)
        for part in np.array_split(differs[j], max(1, -(-len(differs[j]) // batch_rows))):
            if not len(part):
                continue
            swapped = rows.iloc[part].copy()
            swapped[column] = pd.Series(typical[part], index=swapped.index, dtype=object)
            pending.append((j, part, swapped))
            pending_rows += len(part)
            if pending_rows >= batch_rows:
                flush()
    flush()
    return scores, pd.DataFrame(effects, index=X.index, columns=columns)


def _same_values(values: np.ndarray, typical: np.ndarray) -> np.ndarray:
    """Elementwise: the value is its reference (equal, or both missing)."""
    missing_value, missing_typical = pd.isna(values), pd.isna(typical)
    equal = np.zeros(len(values), dtype=bool)
    both = ~missing_value & ~missing_typical
    equal[both] = values[both] == typical[both]
    return equal | (missing_value & missing_typical)


def top_factors(X: pd.DataFrame, reference: pd.Series | pd.DataFrame | Mapping[str, Any],
                effects: pd.DataFrame, k: int = 3, peers: str = "typical learners"
                ) -> list[list[dict[str, Any]]]:
    """Per row, up to ``k`` factors that raise the risk most; if none raises it, the
    ``k`` largest by absolute effect. Each factor is a JSON-ready dict."""
    columns = list(effects.columns)
    ref = _reference_frame(reference, X.index, columns)
    E = effects.to_numpy(dtype=float)
    by_effect = np.argsort(-E, axis=1, kind="stable")[:, :k]
    by_size = np.argsort(-np.abs(E), axis=1, kind="stable")[:, :k]
    values = X[columns].to_numpy(dtype=object)
    refs = ref.to_numpy(dtype=object)
    out = []
    for i in range(len(E)):
        chosen = [j for j in by_effect[i] if E[i, j] > EPSILON] or \
                 [j for j in by_size[i] if abs(E[i, j]) > EPSILON]
        out.append([factor(columns[j], values[i, j], refs[i, j], float(E[i, j]), peers)
                    for j in chosen])
    return out


def explain_risk(pipeline: Any, X: pd.DataFrame,
                 reference: pd.Series | pd.DataFrame | Mapping[str, Any],
                 k: int = 3, peers: str = "typical learners"
                 ) -> tuple[np.ndarray, pd.DataFrame, list[list[dict[str, Any]]]]:
    """Scores, the full effect matrix, and each row's top factors."""
    scores, effects = attributions(pipeline, X, reference)
    return scores, effects, top_factors(X, reference, effects, k=k, peers=peers)


# ------------------------------------------------------------------------ rendering


def factor(feature: str, value: Any, reference: Any, effect: float,
           peers: str = "typical learners") -> dict[str, Any]:
    """One JSON-ready factor with its tutor-facing sentence."""
    return {
        "feature": feature,
        "value": _json_value(value),
        "reference": _json_value(reference),
        "direction": "raises" if effect > 0 else "lowers",
        "effect": round(float(effect), 4),
        "sentence": sentence(feature, value, reference, peers),
    }


def sentence(feature: str, value: Any, reference: Any, peers: str = "typical learners"
             ) -> str:
    """A plain sentence about ``feature``: the learner's value against the reference."""
    if feature in ("days_since_last_activity", "course_days_since_last_activity") \
            and _is_missing(value):
        where = " in this course" if feature.startswith("course_") else ""
        return (f"No activity recorded yet{where} — {peers} were active "
                f"{format_value(feature, reference)} ago")
    template = TEMPLATES.get(feature)
    if template is None:
        info = FEATURES.get(feature)
        label = info.description if info else feature.replace("_", " ")
        template = label[:1].upper() + label[1:] + ": {value} — {peers}: {reference}"
    return template.format(value=format_value(feature, value),
                           reference=format_value(feature, reference), peers=peers)


def format_value(feature: str, value: Any) -> str:
    """``value`` in words with its unit: "12 days", "45 minutes", "72%", "none"."""
    if _is_missing(value):
        return "none"
    if isinstance(value, str):
        return value
    number = float(value)
    if feature.startswith("trend_"):
        word = "falling" if number < -0.2 else "rising" if number > 0.2 else "steady"
        return f"{word} ({number:+.2f})"
    if feature == "submission_delay_days":
        days = round(abs(number))
        if days == 0:
            return "on time"
        return f"{days} day{'s' if days != 1 else ''} {'late' if number > 0 else 'early'}"
    if feature == "course_level" and number in _COURSE_LEVEL_NAMES:
        return _COURSE_LEVEL_NAMES[number]
    info = FEATURES.get(feature)
    unit = info.unit if info else ""
    if unit == "%":
        return f"{number:.0f}%"
    if not unit and any(w in feature for w in _SHARE_WORDS):
        return f"{number * 100:.0f}%"
    if unit == "minutes" and number >= 120:
        return f"{number / 60:.1f} hours"
    shown = f"{number:.0f}" if abs(number) >= 2 or number == int(number) else f"{number:.1f}"
    if not unit:
        return shown
    noun = _UNIT_NOUNS.get(unit, unit) if shown in ("1", "1.0", "-1") else unit
    return f"{shown} {noun}"


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(float(value))
    return isinstance(value, str) and value == MISSING


def _json_value(value: Any) -> Any:
    if _is_missing(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    number = float(value)
    return int(number) if number == int(number) and abs(number) < 2**53 else round(number, 3)


# ----------------------------------------------------------------------------- JSON


def risk_prediction_json(
    score: float,
    band: str,
    horizon_days: int,
    factors: Iterable[Mapping[str, Any]],
    enrolment_scores: Iterable[Mapping[str, Any]] = (),
    *,
    model_version: str | None = None,
    enrollments_model_version: str | None = None,
    enrollments_horizon_days: int | None = None,
) -> dict[str, Any]:
    """The documented ``learner_ai_features.risk_prediction`` object (module docstring).

    ``enrolment_scores``: mappings with ``course_id``, ``score`` and ``band``
    (extra keys such as ``factors`` are kept).
    """
    enrollments = []
    for entry in enrolment_scores:
        item = dict(entry)
        item["course_id"] = int(item["course_id"])
        item["score"] = round(float(item["score"]), 4)
        item["band"] = str(item["band"])
        enrollments.append(item)
    return {
        "score": round(float(score), 4),
        "band": str(band),
        "horizon_days": int(horizon_days),
        "model_version": model_version,
        "factors": [dict(f) for f in factors],
        "enrollments": enrollments,
        "enrollments_horizon_days": enrollments_horizon_days,
        "enrollments_model_version": enrollments_model_version,
    }
