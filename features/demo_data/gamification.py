"""XP ledger, reward totals and the engagement summary — all derived from activity.

Consistency is the point: ``learner_rewards.xp_points`` is exactly the sum
of the learner's ``learner_xp`` rows, ``streak_days`` is the learner's
current run of active days, and ``learner_engagement`` aggregates the very
events written to the activity log.

* XP: one ledger row per session (at its Logout, which it references):
  5 for showing up, 2 per 10 minutes (capped at 2 hours), +10 per quiz or
  assignment scored 80+, +5 per one scored 50-79; 150 per completed course.
* Level ``1 + floor(sqrt(xp / 50))``; the badge is the highest XP tier
  reached, stamped when the ledger crossed it.
* ``streak_days``: consecutive active (UTC) days ending on the window's last
  day or the day before, else 0 — the same rule as the engagement feature.
* ``engagement_score`` (0-100): 35% active days in the last 28 (12+ is
  full marks), 25% minutes in the last 28 (600+), 20% mean quiz score, 10%
  posts (5+), 10% completed courses (3+).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.demo_data.activity import ASSIGNMENT, QUIZ, Events, Sessions
from features.demo_data.catalog_index import CatalogIndex
from features.demo_data.enrolments import COMPLETED, Enrolments
from features.demo_data.latent import Learners
from features.demo_data.vec import join_str, nullable_int, table_frame
from features.demo_data.window import DAY, HOUR, Window

BADGES = ((100, "Rising Learner"), (500, "Dedicated Learner"), (1500, "Knowledge Seeker"),
          (3000, "Master Learner"))
COMPLETION_XP = 150


def xp_ledger(sessions: Sessions, events: Events, enr: Enrolments, people: Learners,
              cat: CatalogIndex, window: Window, first_log_id: int, first_id: int
              ) -> pd.DataFrame:
    n_sessions = len(sessions.start_t)
    scored = (events.activity == QUIZ) | (events.activity == ASSIGNMENT)
    score = np.nan_to_num(events.score, nan=0.0)
    bonus = np.where(scored & (score >= 80), 10, np.where(scored & (score >= 50), 5, 0))
    minutes = np.minimum((sessions.end_t - sessions.start_t) // 60, 120)
    points = 5 + 2 * (minutes // 10) + np.bincount(events.session, bonus, n_sessions)
    logout = sessions.first_event + sessions.n_events - 1
    done = np.flatnonzero(enr.status == COMPLETED)
    learner = np.r_[sessions.learner, enr.learner[done]]
    t = np.r_[sessions.end_t, enr.completed_t[done].astype(np.int64)]
    frame = table_frame({
        "learner_id": people.learner_id[learner],
        "points": np.r_[points.astype(np.int64),
                        np.full(len(done), COMPLETION_XP, dtype=np.int64)],
        "reason": np.r_[join_str("Learning session (", minutes, " min)"),
                        join_str("Completed course: ", cat.course_titles[enr.course[done]])],
        "source_log_id": nullable_int(np.r_[first_log_id + logout, np.zeros(len(done))],
                                      np.r_[np.zeros(n_sessions, bool), np.ones(len(done), bool)]),
        "earned_on": window.timestamps(t),
        "_t": t,
    }).sort_values(["learner_id", "_t"], kind="stable").drop(columns="_t")
    frame.insert(0, "xp_id", first_id + np.arange(len(frame)))
    return frame.reset_index(drop=True)


def rewards(ledger: pd.DataFrame, events: Events, people: Learners, window: Window,
            first_id: int) -> pd.DataFrame:
    n = people.n
    pos = np.searchsorted(people.learner_id, ledger["learner_id"].to_numpy())
    points = ledger["points"].to_numpy()
    total = np.bincount(pos, points, n).astype(np.int64)
    running = np.cumsum(points) - _group_start_cumsum(pos, points)
    tier = np.searchsorted([b[0] for b in BADGES], total, side="right") - 1
    threshold = np.array([b[0] for b in BADGES])[np.maximum(tier, 0)]
    crossed = running >= threshold[pos]
    first_cross = np.full(n, len(points))
    np.minimum.at(first_cross, pos[crossed], np.flatnonzero(crossed))
    first_cross[first_cross == len(points)] = -1
    # index -1 (no crossing, or an empty ledger) picks the trailing NaT
    earned = np.append(ledger["earned_on"].to_numpy().astype("datetime64[s]"),
                       np.datetime64("NaT", "s"))
    has_badge = tier >= 0
    badge_time = earned[np.where(has_badge, first_cross, -1)]
    return table_frame({
        "reward_id": first_id + np.arange(n),
        "learner_id": people.learner_id,
        "xp_points": total,
        "level": 1 + np.floor(np.sqrt(total / 50.0)).astype(np.int64),
        "badge_name": np.where(has_badge, np.array([b[1] for b in BADGES], dtype=object)[
            np.maximum(tier, 0)], None),
        "badge_earned_on": badge_time.astype("datetime64[s]"),
        "streak_days": current_streaks(events, n, window),
    })


def _group_start_cumsum(pos: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Per ledger row, the running total before the learner's first row (rows grouped)."""
    csum = np.cumsum(points) - points
    first = np.r_[True, pos[1:] != pos[:-1]]
    start_of_row = np.maximum.accumulate(np.where(first, np.arange(len(pos)), 0))
    return csum[start_of_row]


def current_streaks(events: Events, n: int, window: Window) -> np.ndarray:
    active = np.zeros((n, window.days), dtype=bool)
    active[events.learner, np.clip(events.t // DAY, 0, window.days - 1)] = True
    inactive_back = ~active[:, ::-1]
    run_today = _leading_true(~inactive_back)
    run_yesterday = _leading_true(~inactive_back[:, 1:]) if window.days > 1 else run_today * 0
    return np.where(run_today > 0, run_today, run_yesterday)


def _leading_true(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True at the start of each row."""
    if flags.shape[1] == 0:
        return np.zeros(len(flags), dtype=np.int64)
    first_false = np.argmin(flags, axis=1)
    return np.where(flags.all(axis=1), flags.shape[1], first_false).astype(np.int64)


def engagement(sessions: Sessions, events: Events, enr: Enrolments, post_frame: pd.DataFrame,
               interaction_frame: pd.DataFrame, people: Learners, rng: np.random.Generator,
               window: Window, first_id: int) -> pd.DataFrame:
    n = people.n
    n_sessions = np.bincount(sessions.learner, minlength=n)
    length = np.bincount(sessions.learner, sessions.end_t - sessions.start_t, n)
    quiz = events.activity == QUIZ
    quiz_n = np.bincount(events.learner[quiz], minlength=n)
    quiz_sum = np.bincount(events.learner[quiz], events.score[quiz], n)
    quiz_acc = np.where(quiz_n > 0, quiz_sum / np.maximum(quiz_n, 1), 0.0)
    completed = np.bincount(enr.learner[enr.status == COMPLETED], minlength=n)
    post_pos = np.searchsorted(people.learner_id, post_frame["learner_id"].to_numpy())
    posts = np.bincount(post_pos, minlength=n)
    likes = np.bincount(post_pos, post_frame["likes_count"].to_numpy(), n)
    liked = interaction_frame["interaction_type"].to_numpy() == "Like"
    liked_pos = np.searchsorted(people.learner_id,
                                interaction_frame["receiver_id"].to_numpy()[liked])
    likes = likes + np.bincount(liked_pos, minlength=n)

    recent = events.t >= window.seconds - 28 * DAY
    day = events.t[recent] // DAY
    active_days = np.zeros(n, dtype=np.int64)
    pairs = np.unique(events.learner[recent] * (window.days + 1) + day)
    np.add.at(active_days, pairs // (window.days + 1), 1)
    minutes = np.bincount(events.learner[recent], events.duration[recent], n) / 60.0
    score = 100 * (0.35 * np.minimum(active_days / 12, 1) + 0.25 * np.minimum(minutes / 600, 1)
                   + 0.2 * quiz_acc / 100 + 0.1 * np.minimum(posts / 5, 1)
                   + 0.1 * np.minimum(completed / 3, 1))
    updated = np.maximum(window.seconds - rng.integers(HOUR, 20 * HOUR, n), people.reg_t + 1)
    return table_frame({
        "engagement_id": first_id + np.arange(n),
        "learner_id": people.learner_id,
        "avg_session_duration": np.round(length / np.maximum(n_sessions, 1)).astype(np.int64),
        "avg_quiz_accuracy": np.round(quiz_acc, 2),
        "courses_completed": completed,
        "discussion_posts": posts,
        "peer_likes": likes.astype(np.int64),
        "engagement_score": np.round(score, 2),
        "updated_on": window.timestamps(np.minimum(updated, window.seconds - 1)),
    })
