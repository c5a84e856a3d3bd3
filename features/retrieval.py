"""Point-in-time retrieval: the same functions serve the nightly run, training
and notebooks, so there is no train/serve skew.

``get_features(engine, as_of)`` is what the batch scores and what a data
scientist explores; ``build_training_frame`` calls it at several past cutoffs
and labels each row from what happened after its cutoff.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

import pandas as pd
from sqlalchemy import Connection, Engine

from features.engagement import compute_engagement
from features.profile import compute_profile
from features.skills import SkillResolverFn, compute_skills

#: A label function: (bind, cutoff, features as of cutoff) -> label per learner_id.
#: Learners that are not eligible at this cutoff are absent (or NaN).
LabelFunction = Callable[[Engine | Connection, dt.datetime, pd.DataFrame], pd.Series]

VIEWS: dict[str, Callable[..., pd.DataFrame]] = {
    "engagement": compute_engagement,
    "profile": compute_profile,
    "skills": compute_skills,
}
DEFAULT_VIEWS = ("engagement", "skills", "profile")


def get_features(
    engine: Engine | Connection,
    as_of: dt.datetime,
    learner_ids: Sequence[int] | None = None,
    views: Iterable[str] = DEFAULT_VIEWS,
    skill_resolver: SkillResolverFn | None = None,
) -> pd.DataFrame:
    """Every feature of the chosen views as of ``as_of``, one row per learner.

    Reads only rows stamped before ``as_of``; learners registered later are
    absent. ``skill_resolver`` maps free-text skill names to the catalog; without
    one, every skill name counts as unresolved.
    """
    frames = []
    for name in views:
        if name not in VIEWS:
            raise ValueError(f"unknown feature view {name!r}; choose from {sorted(VIEWS)}")
        if name == "skills":
            frames.append(compute_skills(engine, as_of, learner_ids, resolve=skill_resolver))
        else:
            frames.append(VIEWS[name](engine, as_of, learner_ids))
    # The engagement and profile views list every registered learner; the skills
    # view only those with skills, credentials or education.
    features = frames[0]
    for frame in frames[1:]:
        features = features.join(frame, how="left")
    features = fill_skill_defaults(features)
    features.index.name = "learner_id"
    return features


def build_training_frame(
    engine: Engine | Connection,
    cutoffs: Sequence[dt.datetime],
    label: LabelFunction,
    learner_ids: Sequence[int] | None = None,
    views: Iterable[str] = DEFAULT_VIEWS,
    skill_resolver: SkillResolverFn | None = None,
) -> pd.DataFrame:
    """Features at each cutoff plus the label observed after it.

    One row per (learner, cutoff) that the label function finds eligible, with
    columns ``learner_id``, ``cutoff``, the features, and ``label``.
    """
    rows = []
    for cutoff in sorted(cutoffs):
        features = get_features(engine, cutoff, learner_ids, views, skill_resolver)
        labels = label(engine, cutoff, features).dropna()
        frame = features.loc[features.index.intersection(labels.index)].copy()
        frame["label"] = labels.loc[frame.index].astype(int)
        frame.insert(0, "cutoff", pd.Timestamp(cutoff))
        rows.append(frame.reset_index())
    if not rows:
        return pd.DataFrame(columns=["learner_id", "cutoff", "label"])
    return pd.concat(rows, ignore_index=True)


def fill_skill_defaults(features: pd.DataFrame) -> pd.DataFrame:
    """Learners with no skill rows have zero skills, not unknown ones."""
    for column, default in (("skill_count", 0), ("advanced_skill_count", 0),
                            ("verified_certifications", 0), ("education_level", -1)):
        if column in features:
            features[column] = features[column].fillna(default).astype("int64")
    return features
