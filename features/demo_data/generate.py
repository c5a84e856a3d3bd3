"""One block of learners, from latent state to a DataFrame per table.

Pure: ``(catalog index, window, seed, block number, first keys) -> Block``.
The block's random stream is seeded by ``(seed, block number)`` alone, so a
block's rows never depend on how many blocks are written per transaction,
and primary keys come from the running key counters passed in, so the whole
database is a deterministic function of ``(learners, days, seed, as_of)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.demo_data import (
    activity,
    enrolments,
    gamification,
    history,
    latent,
    profile,
    recommendations,
    signals,
    social,
)
from features.demo_data.catalog_index import CatalogIndex
from features.demo_data.window import Window
from features.schema import LEARNING_STYLES, PERSONAS

#: Learners per generation block (the unit of randomness and of vectorisation).
BLOCK_SIZE = 1000

#: Every table a block writes, in an order that satisfies the foreign keys.
BLOCK_TABLES: tuple[str, ...] = (
    "users", "learners", "learner_education", "learner_skills", "learner_certifications",
    "learner_psychographics", "learner_preferences", "learner_goals",
    "learner_career_pathways", "course_enrollments", "learner_activity_log",
    "learner_system_telemetry", "learner_emotion_metrics", "learner_metaverse_logs",
    "learning_groups", "learner_group_mapping", "learner_social_interactions",
    "learner_discussion_activity", "learner_xp", "learner_rewards", "learner_engagement",
    "learner_recommendations", "learner_feedback_responses", "learner_notifications",
    "learner_audit_log", "learner_ai_features",
)


@dataclass(frozen=True)
class Block:
    tables: dict[str, pd.DataFrame]  # BLOCK_TABLES order
    skill_truth: pd.DataFrame  # learner_skills row -> catalog skill_key
    learner_truth: pd.DataFrame  # the latent state behind each learner


def block_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng([seed, 1, block])


def generate_block(cat: CatalogIndex, window: Window, seed: int, block: int, n_learners: int,
                   first_ids: Mapping[str, int]) -> Block:
    """Every table's rows for learners ``block * BLOCK_SIZE + 1 ..`` (``n_learners`` of them).

    ``first_ids[table]`` is the first primary key the block may use in each
    table with a numeric key.
    """
    rng = block_rng(seed, block)
    ids = block * BLOCK_SIZE + 1 + np.arange(n_learners, dtype=np.int64)
    people = latent.sample_learners(rng, ids, cat, window)
    plan, fit = enrolments.plan_enrolments(rng, people, cat, window)
    dyn = latent.sample_dynamics(rng, people, fit, window)
    enr = enrolments.settle_enrolments(rng, plan, people, dyn, window)
    sessions, events = activity.simulate_sessions(rng, people, dyn, enr, plan.level_on_course,
                                                  cat, window)
    sid = signals.session_ids(people, sessions)
    last_active = _last_event_times(events, people.n)
    profile_t = profile.profile_times(rng, people, window)
    k = first_ids

    t: dict[str, pd.DataFrame] = {}
    user_ids = k["users"] + np.arange(n_learners, dtype=np.int64)
    t["users"] = profile.users(people, user_ids, window)
    t["learners"] = profile.learners(rng, people, user_ids, window, last_active)
    t["learner_education"] = profile.education(rng, people, cat, window, k["learner_education"])
    completions = enrolments.completion_skill_rows(enr, people, cat)
    t["learner_skills"], skill_truth = profile.skills(rng, people, cat, window, profile_t,
                                                      completions, k["learner_skills"])
    t["learner_certifications"] = profile.certifications(rng, people, cat, window, profile_t,
                                                         k["learner_certifications"])
    t["learner_psychographics"] = profile.psychographics(rng, people, window, profile_t,
                                                         k["learner_psychographics"])
    t["learner_preferences"] = profile.preferences(rng, people, window, profile_t,
                                                   k["learner_preferences"])
    t["learner_goals"] = profile.goals(rng, people, cat, window, profile_t, k["learner_goals"])
    t["learner_career_pathways"] = profile.career_pathways(
        rng, people, cat, window, profile_t, plan.goal_gap_courses, k["learner_career_pathways"])
    t["course_enrollments"] = enrolments.enrollment_frame(enr, people, cat, window,
                                                          k["course_enrollments"])
    t["learner_activity_log"] = signals.activity_log(events, sessions, people, cat, window,
                                                     k["learner_activity_log"])
    t["learner_system_telemetry"] = signals.telemetry(rng, sessions, people, window,
                                                      k["learner_system_telemetry"])
    t["learner_emotion_metrics"] = signals.emotions(rng, sessions, events, people, dyn, sid,
                                                    window, k["learner_emotion_metrics"])
    t["learner_metaverse_logs"] = signals.metaverse(rng, events, people, cat, sid, window,
                                                    k["learner_metaverse_logs"])
    grp = social.groups(rng, people, enr, plan.level_on_course, dyn, cat, window,
                        k["learning_groups"], k["learner_group_mapping"])
    t["learning_groups"], t["learner_group_mapping"] = grp.groups, grp.members
    t["learner_social_interactions"] = social.interactions(
        rng, people, sessions, grp, cat, window, k["learner_social_interactions"])
    t["learner_discussion_activity"] = social.posts(rng, people, events, dyn, sessions, cat,
                                                    window, k["learner_discussion_activity"])
    t["learner_xp"] = gamification.xp_ledger(sessions, events, enr, people, cat, window,
                                             k["learner_activity_log"], k["learner_xp"])
    t["learner_rewards"] = gamification.rewards(t["learner_xp"], events, people, window,
                                                k["learner_rewards"])
    t["learner_engagement"] = gamification.engagement(
        sessions, events, enr, t["learner_discussion_activity"],
        t["learner_social_interactions"], people, rng, window, k["learner_engagement"])
    t["learner_recommendations"] = recommendations.recommendations(
        rng, people, dyn, plan, enr, grp.mentor, cat, window, k["learner_recommendations"])
    t["learner_feedback_responses"] = history.feedback(
        rng, people, dyn, enr, sessions.start_t, sessions.learner, sessions.course, cat, window,
        k["learner_feedback_responses"])
    t["learner_notifications"] = history.notifications(
        rng, people, dyn, enr, t["learner_rewards"], t["learner_social_interactions"],
        t["learner_preferences"]["notification_preference"].to_numpy(dtype=object), profile_t,
        cat, window, k["learner_notifications"])
    t["learner_audit_log"] = history.audit_log(rng, people, t["learner_preferences"],
                                               last_active, window, k["learner_audit_log"])
    t["learner_ai_features"] = history.legacy_ai_features(rng, people, cat, window)
    tables = {name: t[name] for name in BLOCK_TABLES}
    return Block(tables=tables, skill_truth=skill_truth,
                 learner_truth=_learner_truth(people, dyn, cat, window))


def _last_event_times(events: activity.Events, n: int) -> np.ndarray:
    last = np.full(n, -np.inf)
    np.maximum.at(last, events.learner, events.t.astype(float))
    return np.where(np.isfinite(last), last, np.nan)


def _learner_truth(people: latent.Learners, dyn: latent.Dynamics, cat: CatalogIndex,
                   window: Window) -> pd.DataFrame:
    """The hidden state, for benchmarks and tests (never written to the database)."""
    def when(t: np.ndarray) -> np.ndarray:
        inside = np.isfinite(t) & (t < window.seconds)
        return window.timestamps(np.where(inside, np.maximum(t, -window.seconds * 10), np.nan))

    return pd.DataFrame({
        "learner_id": people.learner_id,
        "current_role_id": cat.role_ids[people.current_role],
        "goal_role_id": cat.role_ids[people.goal_role],
        "learning_style": np.array(LEARNING_STYLES, dtype=object)[people.style],
        "persona": np.array(PERSONAS, dtype=object)[people.persona],
        "propensity": people.propensity.round(4),
        "fit": dyn.fit.round(4),
        "bad_network": people.bad_network,
        "lapsed": dyn.lapsed,
        "disengaged_on": when(dyn.disengage_t),
        "came_back_on": when(dyn.comeback_t),
    })
