"""What the platform recorded around the learning: feedback, notifications, audit
entries and the stale AI rows of its previous model.

* Feedback follows finished enrolments; the rating follows the final score
  and the learner's mood, and the sentiment follows the rating
  (4-5 Positive, 3 Neutral, 1-2 Negative).
* Notifications: enrolment confirmations, badges, reminders, a welcome or
  policy notice, and some peer messages; disengaged learners rarely read them.
* ``learner_ai_features``: about 10% of learners carry a stale row from the
  ``seed-legacy`` model (no embeddings), which the feature pipeline replaces.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from features.demo_data import vocab
from features.demo_data.catalog_index import CatalogIndex
from features.demo_data.enrolments import COMPLETED, FAILED, WITHDRAWN, Enrolments
from features.demo_data.latent import Dynamics, Learners
from features.demo_data.vec import (
    choice,
    join_str,
    nullable_ids,
    sigmoid,
    table_frame,
    uniform_between,
)
from features.demo_data.window import DAY, HOUR, Window
from features.schema import FEEDBACK_TYPES, NOTIFICATION_FREQUENCIES, SENTIMENTS

LEGACY_MODEL = "seed-legacy"


def feedback(rng: np.random.Generator, people: Learners, dyn: Dynamics, enr: Enrolments,
             session_start: np.ndarray, session_learner: np.ndarray, session_course: np.ndarray,
             cat: CatalogIndex, window: Window, first_id: int) -> pd.DataFrame:
    ended_t = np.where(enr.status == WITHDRAWN, enr.unenrolled_t, enr.completed_t)
    p = np.select([enr.status == COMPLETED, enr.status == FAILED, enr.status == WITHDRAWN],
                  [0.55, 0.4, 0.3], 0.0)
    sel = np.flatnonzero(rng.random(len(p)) < p)
    t_course = ended_t[sel] + rng.integers(HOUR, 3 * DAY, len(sel))
    sel, t_course = sel[t_course < window.seconds - 1], t_course[t_course < window.seconds - 1]
    score = np.where(np.isnan(enr.final_score[sel]), 45.0, enr.final_score[sel])
    # A few more on the platform, features or instructors, at a random session.
    extra = np.flatnonzero(rng.random(len(session_start)) < 0.04)
    learner = np.r_[enr.learner[sel], session_learner[extra]]
    course = np.r_[enr.course[sel], session_course[extra]]
    kind = np.r_[np.zeros(len(sel), dtype=np.int64), 1 + choice(rng, [0.3, 0.4, 0.3], len(extra))]
    course = np.where(kind <= 1, course, -1)
    t = np.minimum(np.r_[t_course, session_start[extra] + 300], window.seconds - 1).astype(np.int64)
    score = np.r_[score, np.full(len(extra), 70.0)]
    mood = sigmoid(dyn.neg_logit[learner])
    rating = np.clip(np.round(3.6 + 0.04 * (score - 70) - 2.0 * (mood - 0.2)
                              + rng.normal(0, 0.8, len(learner))), 1, 5).astype(np.int64)
    sentiment = np.where(rating >= 4, 0, np.where(rating == 3, 1, 2))
    comments = np.array([np.array(vocab.FEEDBACK_COMMENTS[s], dtype=object) for s in SENTIMENTS])
    order = np.lexsort((t, learner))
    frame = table_frame({
        "learner_id": people.learner_id[learner],
        "course_id": nullable_ids(cat.course_ids, course),
        "feedback_type": np.array(FEEDBACK_TYPES, dtype=object)[kind],
        "rating": rating,
        "comments": comments[sentiment, rng.integers(0, comments.shape[1], len(learner))],
        "sentiment": np.array(SENTIMENTS, dtype=object)[sentiment],
        "submitted_on": window.timestamps(t),
    }).iloc[order].reset_index(drop=True)
    frame.insert(0, "feedback_id", first_id + np.arange(len(frame)))
    return frame


#: notification_preference -> (channel_email, channel_browser, channel_app); SMS goes via the app.
_CHANNELS = {"Email": (1, 0, 0), "Push": (0, 0, 1), "SMS": (0, 0, 1), "In-app": (0, 1, 1)}


def notifications(rng: np.random.Generator, people: Learners, dyn: Dynamics, enr: Enrolments,
                  reward_frame: pd.DataFrame, interaction_frame: pd.DataFrame,
                  channel_pref: np.ndarray, profile_t: np.ndarray, cat: CatalogIndex,
                  window: Window, first_id: int) -> pd.DataFrame:
    n = people.n
    badge = reward_frame["badge_earned_on"].notna().to_numpy()
    badge_t = (reward_frame["badge_earned_on"].to_numpy()[badge]
               - np.datetime64(window.start, "s")).astype(np.int64)
    # Reminders go out mostly once a learner has gone quiet.
    gone = dyn.disengage_t < window.seconds
    r_learner = np.repeat(np.arange(n), rng.poisson(np.where(gone, 3.0, 1.0)))
    quiet_from = np.maximum(dyn.disengage_t[r_learner], np.maximum(people.reg_t[r_learner], 0))
    r_t = np.where(gone[r_learner] & (rng.random(len(r_learner)) < 0.8),
                   uniform_between(rng, np.minimum(quiet_from, window.seconds - 120).astype(
                       np.int64), window.seconds - 60),
                   _times(rng, people, r_learner, window))
    msg = interaction_frame[interaction_frame["interaction_type"] == "Message"]
    msg = msg[rng.random(len(msg)) < 0.3]
    m_learner = np.searchsorted(people.learner_id, msg["receiver_id"].to_numpy())
    m_t = (msg["created_on"].to_numpy() - np.datetime64(window.start, "s")).astype(np.int64)
    parts = [
        (enr.learner, enr.enrolled_t + 60, 1, join_str("Enrolled: ", cat.course_titles[enr.course]),
         join_str("You're enrolled in ", cat.course_titles[enr.course],
                  ". Your first module is ready.")),
        (np.flatnonzero(badge), badge_t + 30, 2,
         join_str("New badge: ", reward_frame["badge_name"].to_numpy()[badge]),
         np.full(int(badge.sum()), "You earned a new badge. Keep going!", dtype=object)),
        (r_learner, r_t, 3,
         np.full(len(r_learner), "Time for a short lesson?", dtype=object),
         np.full(len(r_learner), "Fifteen minutes today keeps your learning streak alive.",
                 dtype=object)),
        (np.arange(n), profile_t + 300, 0,
         np.full(n, "Welcome to your learning space", dtype=object),
         np.full(n, "Set your goals and we'll suggest where to start.", dtype=object)),
        (m_learner, m_t + 60, 4, np.full(len(msg), "New message", dtype=object),
         np.full(len(msg), "A peer sent you a message.", dtype=object)),
    ]
    learner = np.concatenate([p[0] for p in parts]).astype(np.int64)
    t = np.minimum(np.concatenate([p[1] for p in parts]).astype(np.int64), window.seconds - 1)
    kind = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    title = np.concatenate([p[3] for p in parts])
    message = np.concatenate([p[4] for p in parts])
    order = np.lexsort((t, learner))
    learner, t, kind, title, message = (a[order] for a in (learner, t, kind, title, message))
    m = len(learner)
    flags = np.array([_CHANNELS.get(c, (1, 0, 0)) for c in vocab.NOTIFICATION_CHANNELS])
    pref = _channel_index(channel_pref)[learner]
    engaged = t < dyn.disengage_t[learner]
    read = rng.random(m) < np.where(engaged, 0.75, 0.15)
    updated = np.where(read, np.minimum(t + rng.integers(300, 2 * DAY, m), window.seconds - 1), t)
    frequency = choice(rng, [0.5, 0.15, 0.25, 0.1], n)
    return table_frame({
        "notification_id": first_id + np.arange(m),
        "learner_id": people.learner_id[learner],
        "title": title,
        "message": message,
        "type": np.array(["System", "Course", "Reward", "Reminder", "Message"],
                         dtype=object)[kind],
        "channel_email": flags[pref, 0],
        "channel_browser": flags[pref, 1],
        "channel_app": flags[pref, 2],
        "frequency": np.array(NOTIFICATION_FREQUENCIES, dtype=object)[frequency[learner]],
        "is_read": read.astype(np.int64),
        "created_on": window.timestamps(t),
        "updated_on": window.timestamps(updated),
    })


def _channel_index(channel_pref: np.ndarray) -> np.ndarray:
    lookup = {c: i for i, c in enumerate(vocab.NOTIFICATION_CHANNELS)}
    codes = pd.Series(channel_pref).map(lookup).fillna(0)
    return codes.to_numpy(dtype=np.int64)


def _times(rng: np.random.Generator, people: Learners, learner: np.ndarray, window: Window
           ) -> np.ndarray:
    return uniform_between(rng, np.maximum(people.reg_t[learner], 0) + 60, window.seconds - 60)


def audit_log(rng: np.random.Generator, people: Learners, prefs: pd.DataFrame,
              last_active_t: np.ndarray, window: Window, first_id: int) -> pd.DataFrame:
    n = people.n
    all_ = np.arange(n)
    new = all_[people.reg_t >= 0]
    changed = all_[rng.random(n) < 0.4]
    opted_out = all_[prefs["ai_personalization_optin"].to_numpy() == 0]
    no_consent = all_[prefs["privacy_consent"].to_numpy() == 0]
    reset = all_[rng.random(n) < 0.15]
    idle = np.nan_to_num((window.seconds - last_active_t) / DAY, nan=1e9)
    inactive = all_[(idle > 45) & (people.reg_t < window.seconds - 45 * DAY)]
    theme = prefs["theme_mode"].to_numpy(dtype=object)
    parts = [
        (new, people.reg_t[new], "Account created", "Account", None, "status=Active", "system"),
        (changed, _times(rng, people, changed, window), "Preferences updated", "Preferences",
         "theme_mode=System", join_str("theme_mode=", theme[changed]), "learner"),
        (opted_out, _times(rng, people, opted_out, window), "AI personalization opt-out",
         "Privacy", "ai_personalization_optin=1", "ai_personalization_optin=0", "learner"),
        (no_consent, _times(rng, people, no_consent, window), "Privacy consent withdrawn",
         "Privacy", "privacy_consent=1", "privacy_consent=0", "learner"),
        (reset, _times(rng, people, reset, window), "Password reset", "Security", None, None,
         "learner"),
        (inactive, np.full(len(inactive), window.seconds - DAY // 2), "Status changed",
         "Account", "status=Active", "status=Inactive", "system"),
    ]
    learner = np.concatenate([p[0] for p in parts])
    t = np.concatenate([p[1] for p in parts]).astype(np.int64)

    def column(i: int) -> np.ndarray:
        return np.concatenate([np.broadcast_to(np.asarray(p[i], dtype=object), len(p[0]))
                               for p in parts])

    order = np.lexsort((t, learner))
    return table_frame({
        "audit_id": first_id + np.arange(len(learner)),
        "learner_id": people.learner_id[learner[order]],
        "action": column(2)[order],
        "module": column(3)[order],
        "old_value": column(4)[order],
        "new_value": column(5)[order],
        "action_by": column(6)[order],
        "action_on": window.timestamps(t[order]),
    })


def legacy_ai_features(rng: np.random.Generator, people: Learners,
                       cat: CatalogIndex, window: Window) -> pd.DataFrame:
    """Stale rows of the old model for ~10% of learners, stamped at least 30 days ago
    (a third of the window ago, in windows shorter than 90 days)."""
    low = np.maximum(people.reg_t, 0) + DAY
    high = window.seconds - min(30 * DAY, window.seconds // 3)
    sel = np.flatnonzero((rng.random(people.n) < 0.10) & (low < high))
    t = uniform_between(rng, low[sel], np.full(len(sel), high))
    risk = np.round(sigmoid(-1.0 + 0.8 * people.frailty[sel] + rng.normal(0, 1, len(sel))), 3)
    band = np.where(risk >= 0.6, "high", np.where(risk >= 0.3, "medium", "low"))
    titles = np.array([json.dumps(str(title)) for title in cat.role_titles], dtype=object)
    current, goal = titles[people.current_role[sel]], titles[people.goal_role[sel]]
    return table_frame({
        "learner_id": people.learner_id[sel],
        "engagement_vector": join_str('{"active_days_28d": ', rng.integers(0, 20, len(sel)),
                                      ', "minutes_7d": ', rng.integers(0, 300, len(sel)),
                                      ', "legacy": true}'),
        "skill_vector": None,
        "recommendation_vector": None,
        "career_prediction": join_str('{"current_role": ', current, ', "next_role": ', goal,
                                      ', "probability": ',
                                      np.round(rng.uniform(0.3, 0.9, len(sel)), 2), '}'),
        "risk_prediction": join_str('{"score": ', risk, ', "band": "', band,
                                    '", "horizon_days": 30}'),
        "model_version": LEGACY_MODEL,
        "last_model_update": window.timestamps(t),
    })
