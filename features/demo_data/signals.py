"""Per-session side tables: the activity log itself, telemetry, emotions, VR logs.

Every row here hangs off a simulated session, so it shares the session's
learner, time and device: a VR activity event and its metaverse log carry
the same ``session_id`` and timestamp; bad networks show high latency in
telemetry and more frustration in emotion readings; emotions sour while a
learner slides towards disengaging or fails a quiz.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.demo_data import vocab
from features.demo_data.activity import QUIZ, VR, Events, Sessions
from features.demo_data.catalog_index import CatalogIndex
from features.demo_data.latent import Dynamics, Learners, negative_emotion_probability
from features.demo_data.vec import choice, join_str, nullable_ids, table_frame
from features.demo_data.window import Window
from features.schema import ACTIVITY_TYPES, EMOTION_DETECTORS, EMOTIONS

NEGATIVE = np.array([EMOTIONS.index(e) for e in ("Bored", "Confused", "Frustrated")])
POSITIVE = np.array([EMOTIONS.index(e) for e in ("Focused", "Engaged", "Happy")])
_DEVICE_COLS = {name: np.array([d[i] for d in vocab.DEVICES], dtype=object)
                for i, name in enumerate(("type", "model", "browser", "os", "agent"))}


def session_ids(people: Learners, sessions: Sessions) -> np.ndarray:
    """Stable, readable ids shared by a session's emotion and VR rows."""
    if len(sessions.ordinal) == 0:
        return np.array([], dtype=object)
    return join_str("S", people.learner_id[sessions.learner], "-",
                    np.char.zfill(sessions.ordinal.astype(str), 4))


def activity_log(
    events: Events, sessions: Sessions, people: Learners, cat: CatalogIndex, window: Window,
    first_id: int,
) -> pd.DataFrame:
    device = sessions.device[events.session]
    vr = events.activity == VR
    module = np.where(events.content >= 0, cat.content_titles[np.maximum(events.content, 0)],
                      None)
    forum = (events.activity == ACTIVITY_TYPES.index("Forum")) & (events.course >= 0)
    module[forum] = join_str("Discussion: ", cat.course_titles[events.course[forum]])
    return table_frame({
        "log_id": first_id + np.arange(len(events.t)),
        "learner_id": people.learner_id[events.learner],
        "course_id": nullable_ids(cat.course_ids, events.course),
        "module_name": module,
        "activity_type": np.array(ACTIVITY_TYPES, dtype=object)[events.activity],
        "duration_seconds": events.duration,
        "score": events.score,
        "device_type": np.where(vr, vocab.VR_DEVICE[0], _DEVICE_COLS["type"][device]),
        "user_agent": np.where(vr, vocab.VR_DEVICE[4], _DEVICE_COLS["agent"][device]),
        "ip_address": sessions.ip[events.session],
        "timestamp": window.timestamps(events.t),
    })


def telemetry(rng: np.random.Generator, sessions: Sessions, people: Learners, window: Window,
              first_id: int) -> pd.DataFrame:
    n = len(sessions.start_t)
    bad = people.bad_network[sessions.learner]
    speed = np.where(bad, rng.lognormal(np.log(4.0), 0.6, n), rng.lognormal(np.log(60.0), 0.5, n))
    latency = people.latency_ms[sessions.learner] * rng.lognormal(0.0, 0.3, n)
    d = sessions.device
    return table_frame({
        "telemetry_id": first_id + np.arange(n),
        "learner_id": people.learner_id[sessions.learner],
        "device_info": join_str(_DEVICE_COLS["type"][d], " (", _DEVICE_COLS["model"][d], ")"),
        "browser_info": _DEVICE_COLS["browser"][d],
        "os_info": _DEVICE_COLS["os"][d],
        "network_speed": np.round(np.clip(speed, 0.5, 999.0), 2),
        "latency_ms": np.round(latency).astype(np.int64),
        "timestamp": window.timestamps(sessions.start_t),
    })


def emotions(rng: np.random.Generator, sessions: Sessions, events: Events, people: Learners,
             dyn: Dynamics, sid: np.ndarray, window: Window, first_id: int) -> pd.DataFrame:
    """Readings for about a third of sessions; one or two each."""
    n = len(sessions.start_t)
    failed_quiz = np.bincount(events.session, weights=(events.activity == QUIZ)
                              & (events.score < 55), minlength=n) > 0
    sampled = np.flatnonzero(rng.random(n) < 0.35)
    reps = 1 + (rng.random(len(sampled)) < 0.4)
    s = np.repeat(sampled, reps)
    m = len(s)
    learner = sessions.learner[s]
    p_neg = negative_emotion_probability(dyn, learner, sessions.day_col[s],
                                         0.9 * failed_quiz[s])
    negative = rng.random(m) < p_neg
    neg_weights = np.stack([np.ones(m), 1.0 + (dyn.fit[learner] < 0),
                            1.0 + 2.0 * people.bad_network[learner]], axis=1)
    neg_pick = (rng.random(m)[:, None] * neg_weights.sum(1, keepdims=True)
                >= np.cumsum(neg_weights, axis=1)).sum(axis=1)
    pos_pick = choice(rng, [1.2, 1.0, 0.7], m)
    label = np.where(negative, NEGATIVE[np.minimum(neg_pick, 2)], POSITIVE[pos_pick])
    span = sessions.end_t[s] - sessions.start_t[s]
    t = sessions.start_t[s] + np.floor(rng.random(m) * np.maximum(span, 1)).astype(np.int64)
    return table_frame({
        "emotion_id": first_id + np.arange(m),
        "learner_id": people.learner_id[learner],
        "session_id": sid[s],
        "emotion_label": np.array(EMOTIONS, dtype=object)[label],
        "confidence": np.round(rng.uniform(0.55, 0.99, m), 2),
        "detected_by": np.array(EMOTION_DETECTORS, dtype=object)[
            choice(rng, [0.35, 0.15, 0.2, 0.3], m)],
        "recorded_on": window.timestamps(t),
    })


def metaverse(rng: np.random.Generator, events: Events, people: Learners, cat: CatalogIndex,
              sid: np.ndarray, window: Window, first_id: int) -> pd.DataFrame:
    vr = np.flatnonzero(events.activity == VR)
    env = np.array(vocab.VR_ENVIRONMENTS, dtype=object)[
        rng.integers(0, len(vocab.VR_ENVIRONMENTS), len(vr))]
    content = events.content[vr]
    topic = np.where(content >= 0, cat.content_titles[np.maximum(content, 0)], "open exploration")
    return table_frame({
        "meta_id": first_id + np.arange(len(vr)),
        "learner_id": people.learner_id[events.learner[vr]],
        "session_id": sid[events.session[vr]],
        "environment": env,
        "activity_summary": join_str("Hands-on simulation: ", topic, " in ", env),
        "duration_seconds": events.duration[vr],
        "recorded_on": window.timestamps(events.t[vr]),
    })
