"""Sessions and their activity events, from the day-by-day session rates.

A session is ``Login``, one or more content events, ``Logout``. It starts at
a local hour shaped by the learner's preferred learning time, on a local day
drawn from the Poisson session rate, and works on one course the learner has
open at that moment. Content types follow the learner's mix (learning style,
persona); quiz and assignment scores follow the learner's level on the
course's skills and sink during the pre-disengagement slide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.demo_data import vocab
from features.demo_data.catalog_index import CatalogIndex
from features.demo_data.enrolments import Enrolments
from features.demo_data.latent import CONTENT_TYPES, Dynamics, Learners
from features.demo_data.vec import (
    categorical,
    choice,
    join_str,
    rank_in_segment,
    segment_index,
)
from features.demo_data.window import DAY, HOUR, Window
from features.schema import ACTIVITY_TYPES

LOGIN, LOGOUT = ACTIVITY_TYPES.index("Login"), ACTIVITY_TYPES.index("Logout")
#: CONTENT_TYPES position -> ACTIVITY_TYPES position.
CONTENT_TO_ACTIVITY = np.array([ACTIVITY_TYPES.index(t) for t in CONTENT_TYPES])
QUIZ, ASSIGNMENT, FORUM, VR, VIEW = (ACTIVITY_TYPES.index(t) for t in
                                     ("Quiz", "Assignment", "Forum", "VR", "View"))
#: Median seconds and log-sd of each activity type's duration (ACTIVITY_TYPES order).
DURATION = {
    "View": (420, 0.6), "Quiz": (600, 0.4), "Assignment": (1500, 0.5), "Forum": (240, 0.7),
    "Video": (720, 0.5), "VR": (1200, 0.45), "Login": (8, 0.5), "Logout": (1, 0.0),
}
#: Centre and spread (hours) of the local start time per preferred learning time.
START_HOURS = np.array([[8.5, 1.5], [14.5, 1.7], [20.0, 1.3], [23.3, 1.2]])


@dataclass(frozen=True)
class Sessions:
    """One row per session, ordered by learner then start."""

    learner: np.ndarray
    start_t: np.ndarray
    end_t: np.ndarray
    day_col: np.ndarray  # column into Dynamics.rate / decline
    course: np.ndarray  # course position or -1
    device: np.ndarray  # index into vocab.DEVICES
    ip: np.ndarray  # str
    ordinal: np.ndarray  # 1, 2, ... per learner
    first_event: np.ndarray  # position of the Login event
    n_events: np.ndarray


@dataclass(frozen=True)
class Events:
    """One row per activity event, ordered by learner then time (the log's order)."""

    session: np.ndarray
    learner: np.ndarray
    course: np.ndarray  # -1 for none
    activity: np.ndarray  # index into ACTIVITY_TYPES
    t: np.ndarray
    duration: np.ndarray
    score: np.ndarray  # float, NaN for non-scored types
    content: np.ndarray  # content item flat position, -1 for none


def simulate_sessions(
    rng: np.random.Generator, people: Learners, dyn: Dynamics, enr: Enrolments,
    plan_level_on: np.ndarray, cat: CatalogIndex, window: Window,
) -> tuple[Sessions, Events]:
    counts = rng.poisson(dyn.rate)
    rows, cols = np.nonzero(counts)
    reps = counts[rows, cols]
    s_learner, s_col = np.repeat(rows, reps), np.repeat(cols, reps)
    s_start = _start_times(rng, people, s_learner, s_col - dyn.day_offset)
    order = np.lexsort((s_start, s_learner))
    s_learner, s_col, s_start = s_learner[order], s_col[order], s_start[order]

    n_content = 1 + rng.poisson(np.maximum(people.content_per_session[s_learner] - 1, 0.05))
    n_events = n_content + 2
    e_session = segment_index(n_events)
    e_rank = rank_in_segment(n_events)
    e_learner = s_learner[e_session]
    content_type = categorical(rng, people.type_mix[e_learner])
    activity = CONTENT_TO_ACTIVITY[content_type]
    activity[e_rank == 0] = LOGIN
    activity[e_rank == n_events[e_session] - 1] = LOGOUT
    slide = dyn.decline[s_learner, s_col]
    duration = _durations(rng, activity) * (1.0 - 0.4 * slide[e_session])
    duration = np.maximum(np.round(duration), 0).astype(np.int64)
    duration[activity == LOGOUT] = 0
    step = duration + rng.integers(5, 90, len(duration))
    offset = np.cumsum(step) - step
    offset -= np.repeat(offset[np.cumsum(n_events) - n_events], n_events)
    length = offset[np.cumsum(n_events) - 1]

    s_start = _avoid_overlaps(s_learner, s_start, length)
    ok = (s_start >= np.maximum(people.reg_t[s_learner], 0) + 60) & (
        s_start + length < window.seconds - 1)
    s_course = _session_courses(rng, people.n, s_learner, s_start, enr, ok)

    keep_event = ok[e_session]
    kept = np.flatnonzero(ok)
    new_session = np.full(len(ok), -1)
    new_session[kept] = np.arange(len(kept))
    e_session = new_session[e_session[keep_event]]
    activity, duration = activity[keep_event], duration[keep_event]
    t = s_start[kept][e_session] + offset[keep_event]
    e_learner = s_learner[kept][e_session]
    e_course = s_course[kept][e_session]
    framing = (activity == LOGIN) | (activity == LOGOUT)
    # Without an open course, a session is browsing: no forum threads, quizzes or assignments.
    browsing = (e_course < 0) & np.isin(activity, (FORUM, QUIZ, ASSIGNMENT))
    activity[browsing] = VIEW
    e_course = np.where(framing, -1, e_course)
    content = _content_items(rng, cat, e_course, activity)
    score = _scores(rng, people, dyn, plan_level_on, cat, e_learner, e_course, activity,
                    s_col[kept][e_session])

    sessions = Sessions(
        learner=s_learner[kept], start_t=s_start[kept], end_t=(s_start + length)[kept],
        day_col=s_col[kept], course=s_course[kept],
        device=_session_devices(rng, people, s_learner[kept]),
        ip=_session_ips(rng, people, s_learner[kept]),
        ordinal=rank_in_segment(np.bincount(s_learner[kept], minlength=people.n)) + 1,
        first_event=np.cumsum(n_events[kept]) - n_events[kept], n_events=n_events[kept],
    )
    events = Events(session=e_session, learner=e_learner, course=e_course, activity=activity,
                    t=t, duration=duration, score=score, content=content)
    return sessions, events


def _start_times(rng: np.random.Generator, people: Learners, learner: np.ndarray,
                 local_day: np.ndarray) -> np.ndarray:
    """UTC start: local day + an hour near the preferred time (25% anywhere 7-23h)."""
    centre = START_HOURS[people.pref_time[learner]]
    hour = rng.normal(centre[:, 0], centre[:, 1])
    anywhere = rng.random(len(learner)) < 0.25
    hour = np.where(anywhere, rng.uniform(7.0, 23.0, len(learner)), hour)
    local = local_day * DAY + np.clip(hour, 0.0, 26.0) * HOUR
    return np.floor(local - people.tz_offset[learner]).astype(np.int64)


def _durations(rng: np.random.Generator, activity: np.ndarray) -> np.ndarray:
    median = np.array([DURATION[a][0] for a in ACTIVITY_TYPES], dtype=float)[activity]
    spread = np.array([DURATION[a][1] for a in ACTIVITY_TYPES])[activity]
    return median * np.exp(spread * rng.standard_normal(len(activity)))


def _avoid_overlaps(learner: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Push a session that starts before the learner's previous one ended (sessions are
    sorted by learner and start so the few overlaps are fixed in a few vectorised passes)."""
    out = start.copy()
    for _ in range(4):
        prev_end = np.r_[np.iinfo(np.int64).min // 2, (out + length)[:-1]]
        same = np.r_[False, learner[1:] == learner[:-1]]
        clash = same & (out < prev_end + 600)
        if not clash.any():
            break
        out[clash] = prev_end[clash] + 1800
    return out


def _session_courses(rng: np.random.Generator, n_learners: int, learner: np.ndarray,
                     start: np.ndarray, enr: Enrolments, ok: np.ndarray) -> np.ndarray:
    """A random open enrolment's course; else the latest started one (revision); else -1."""
    per = np.bincount(enr.learner, minlength=n_learners)
    width = int(per.max()) if len(per) else 0
    out = np.full(len(learner), -1)
    if width == 0:
        return out
    slot = rank_in_segment(per)
    course = np.full((n_learners, width), -1)
    begin = np.full((n_learners, width), np.iinfo(np.int64).max)
    until = np.zeros((n_learners, width), dtype=np.int64)
    course[enr.learner, slot] = enr.course
    begin[enr.learner, slot] = enr.enrolled_t
    until[enr.learner, slot] = enr.open_until_t
    started = begin[learner] <= start[:, None]
    is_open = started & (start[:, None] < until[learner])
    pick_open = np.argmax(is_open * rng.random(is_open.shape), axis=1)
    latest = np.argmax(np.where(started, begin[learner], -1), axis=1)
    out = np.where(is_open.any(axis=1), course[learner, pick_open],
                   np.where(started.any(axis=1), course[learner, latest], -1))
    return np.where(ok, out, -1)


def _content_items(rng: np.random.Generator, cat: CatalogIndex, course: np.ndarray,
                   activity: np.ndarray) -> np.ndarray:
    has = (course >= 0) & (activity != FORUM)
    c = np.maximum(course, 0)
    count = cat.content_count[c]
    pos = cat.content_start[c] + np.floor(rng.random(len(course)) * count).astype(np.int64)
    return np.where(has & (count > 0), pos, -1)


def _scores(rng: np.random.Generator, people: Learners, dyn: Dynamics, level_on: np.ndarray,
            cat: CatalogIndex, learner: np.ndarray, course: np.ndarray, activity: np.ndarray,
            day_col: np.ndarray) -> np.ndarray:
    """Quiz/assignment scores: +9 points per level the learner is above the course."""
    scored = ((activity == QUIZ) | (activity == ASSIGNMENT)) & (course >= 0)
    gap = level_on[learner, np.maximum(course, 0)] - cat.course_level[np.maximum(course, 0)]
    mean = (71 + 9 * (gap + 1) + 3 * people.propensity[learner]
            - 14 * dyn.decline[learner, day_col] + 3 * (activity == ASSIGNMENT))
    score = np.round(np.clip(rng.normal(mean, 11), 0, 100), 2)
    return np.where(scored, score, np.nan)


def _session_devices(rng: np.random.Generator, people: Learners, learner: np.ndarray
                     ) -> np.ndarray:
    other = choice(rng, [d[-1] for d in vocab.DEVICES], len(learner))
    return np.where(rng.random(len(learner)) < 0.8, people.device[learner], other)


def _session_ips(rng: np.random.Generator, people: Learners, learner: np.ndarray
                 ) -> np.ndarray:
    """Home address most of the time; elsewhere (mobile, office) now and then."""
    home = (people.learner_id[learner] * 37) % 250 + 2
    last = np.where(rng.random(len(learner)) < 0.8, home, rng.integers(2, 254, len(learner)))
    return join_str(people.ip_prefix[learner], last)
