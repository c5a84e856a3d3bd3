"""Pure functions that turn feature frames into a learner's derived profile.

- what texts describe a learner's skills and intentions, with weights, for
  the ``skill_vector`` and ``recommendation_vector`` embeddings;
- AI-derived psychographics: learning style from the format mix, gamification
  persona from behaviour, each with a confidence;
- the 0-100 ``engagement_score`` of ``learner_engagement``.

No database access: frames in, frames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Weights of the parts of the recommendation vector: the goal role says most
#: about what a learner wants next.
INTENT_WEIGHTS = {"goal_role": 3.0, "target_skill": 1.0, "motivation": 1.0,
                  "recent_course": 1.0}

#: Format-mix evidence for each learning style (shares of the last 28 days' events).
STYLE_EVIDENCE = {
    "Visual": {"video_share_28d": 1.0, "vr_share_28d": 0.5},
    "Reading/Writing": {"reading_share_28d": 1.0, "assignment_share_28d": 0.5},
    "Kinesthetic": {"vr_share_28d": 1.0, "quiz_share_28d": 0.7, "assignment_share_28d": 0.5},
    # The activity log has no audio type; video without reading is the best proxy.
    "Auditory": {"video_share_28d": 0.6},
}
#: Fewer events than this in 28 days say too little to infer a style or persona.
MIN_EVENTS_FOR_INFERENCE = 10


def skill_texts(skill_rows: pd.DataFrame, catalog_names: pd.Series) -> pd.DataFrame:
    """(learner_id, text, weight) for the skill vector.

    Resolved skills use the catalog name (so "pyhton" and "Python" embed the
    same); unresolved ones keep their own text. Weight is proficiency/100, or the
    level's share (level/4) where proficiency is missing; at least 0.05 so a
    listed skill always counts.
    """
    names = skill_rows["skill_key"].map(catalog_names)
    text = names.where(skill_rows["resolved"].fillna(False).astype(bool) & names.notna(),
                       skill_rows["skill_name"])
    weight = (skill_rows["proficiency"] / 100.0).fillna(skill_rows["level"] / 4.0)
    return pd.DataFrame({"learner_id": skill_rows["learner_id"].to_numpy(),
                         "text": text.astype(str).to_numpy(),
                         "weight": weight.clip(lower=0.05).to_numpy()})


def intent_texts(profile: pd.DataFrame, recent_courses: pd.DataFrame) -> pd.DataFrame:
    """(learner_id, text, weight) for the recommendation vector.

    ``profile`` has goal_role, target_skills (lists), learning_motivation and
    career_motivation per learner_id (index); ``recent_courses`` has
    learner_id and title of recently completed or started courses.
    """
    parts = []
    goal = profile["goal_role"].dropna().astype(str)
    goal = goal[goal.str.strip() != ""]
    parts.append(pd.DataFrame({"learner_id": goal.index, "text": goal.to_numpy(),
                               "weight": INTENT_WEIGHTS["goal_role"]}))
    skills = profile["target_skills"].explode().dropna().astype(str)
    skills = skills[skills.str.strip() != ""]
    parts.append(pd.DataFrame({"learner_id": skills.index, "text": skills.to_numpy(),
                               "weight": INTENT_WEIGHTS["target_skill"]}))
    for column in ("learning_motivation", "career_motivation"):
        if column in profile:
            text = profile[column].dropna().astype(str)
            text = text[text.str.strip() != ""]
            parts.append(pd.DataFrame({"learner_id": text.index, "text": text.to_numpy(),
                                       "weight": INTENT_WEIGHTS["motivation"] / 2}))
    if not recent_courses.empty:
        parts.append(pd.DataFrame({"learner_id": recent_courses["learner_id"].to_numpy(),
                                   "text": recent_courses["title"].astype(str).to_numpy(),
                                   "weight": INTENT_WEIGHTS["recent_course"]}))
    out = pd.concat(parts, ignore_index=True)
    out["learner_id"] = out["learner_id"].astype("int64")
    return out


def infer_learning_style(engagement: pd.DataFrame) -> pd.DataFrame:
    """Learning style and confidence (0-1) from the format mix; None when unclear."""
    scores = pd.DataFrame({
        style: sum(weight * engagement[feature] for feature, weight in evidence.items())
        for style, evidence in STYLE_EVIDENCE.items()
    }, index=engagement.index)
    return _pick(scores, engagement["events_28d"])


def infer_persona(engagement: pd.DataFrame) -> pd.DataFrame:
    """Gamification persona and confidence from behaviour; None when unclear.

    Socializers post and connect; achievers collect XP, streaks and completions;
    explorers range across formats; killers score high on quizzes while keeping
    to themselves.
    """
    e = engagement
    format_shares = e[["video_share_28d", "vr_share_28d", "reading_share_28d",
                       "quiz_share_28d", "assignment_share_28d"]].to_numpy()
    # Entropy of the format mix, 0 (one format) to 1 (all five equally).
    p = np.clip(format_shares, 1e-9, 1.0)
    diversity = -(p * np.log(p)).sum(axis=1) / np.log(format_shares.shape[1])
    scores = pd.DataFrame({
        "Socializer": _saturate(e["forum_posts_28d"], 4) + _saturate(e["social_ties_90d"], 5),
        "Achiever": _saturate(e["xp_28d"], 300) + _saturate(e["current_streak_days"], 7)
        + _saturate(e["completed_courses"], 2),
        "Explorer": 2 * diversity,
        "Killer": 2 * (e["quiz_accuracy_28d"].fillna(0) / 100.0)
        * (1 - _saturate(e["social_ties_90d"], 3)),
    }, index=e.index)
    return _pick(scores, e["events_28d"])


def engagement_score(engagement: pd.DataFrame) -> pd.Series:
    """0-100: the mean of five saturating signals, each 0-1.

    Active days (20 of 28 = full), minutes (10 h in 28 days), current streak
    (7 days), quiz accuracy (0-100) and social ties (5 peers).
    """
    e = engagement
    parts = [
        _saturate(e["active_days_28d"], 20), _saturate(e["minutes_28d"], 600),
        _saturate(e["current_streak_days"], 7),
        (e["quiz_accuracy_28d"].fillna(0) / 100.0).clip(0, 1),
        _saturate(e["social_ties_90d"], 5),
    ]
    return (100.0 * sum(parts) / len(parts)).round(2)


def _saturate(values: pd.Series, full: float) -> pd.Series:
    return (values.astype(float).fillna(0) / full).clip(0, 1)


def _pick(scores: pd.DataFrame, events: pd.Series) -> pd.DataFrame:
    """Best label per row, with confidence = its share of the total score."""
    total = scores.sum(axis=1)
    best = scores.idxmax(axis=1)
    confidence = (scores.max(axis=1) / total.where(total > 0)).fillna(0).round(2)
    unclear = (events < MIN_EVENTS_FOR_INFERENCE) | (total <= 0)
    name = "label"
    return pd.DataFrame({name: best.astype(object).where(~unclear, None),
                         "confidence": confidence.where(~unclear, 0.0)})
