"""Which courses learners take, and how each enrolment ends.

Planning comes first and does not know the future: a learner picks courses
that teach what their goal role needs and they lack (strongly) or what their
current role needs (mildly), at a level one step above their own. The
average gap between their skill and their courses' level is their ``fit``,
which drives quiz scores and, through the hazard, disengagement.

Settling comes after the disengagement time is known: an enrolment that was
running when the learner disengaged is withdrawn a few days later; poorly
fitting courses are also abandoned early now and then; the rest end
Completed or Failed at their planned end, or are still Active at ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.demo_data.catalog_index import CatalogIndex
from features.demo_data.latent import Dynamics, Learners
from features.demo_data.vec import rank_in_segment, segment_index, sigmoid, table_frame
from features.demo_data.window import DAY, Window
from features.schema import ENROLLMENT_STATUSES

MAX_ENROLMENTS = 12
ACTIVE, COMPLETED, WITHDRAWN, FAILED = (ENROLLMENT_STATUSES.index(s) for s in
                                        ("Active", "Completed", "Withdrawn", "Failed"))


@dataclass(frozen=True)
class Plan:
    """Planned enrolments, flat (one row per enrolment, grouped by learner)."""

    learner: np.ndarray  # learner position in the block
    course: np.ndarray  # course position
    start_t: np.ndarray  # seconds since window start
    planned_end_t: np.ndarray
    gap: np.ndarray  # learner's level on the course's skills minus the course level
    level_on_course: np.ndarray  # (n, C) learner level on each course's skills
    goal_gap_courses: np.ndarray  # (n, C) bool: course teaches a skill the goal role lacks


@dataclass(frozen=True)
class Enrolments:
    """Settled enrolments, flat, ordered by learner then enrolment time."""

    learner: np.ndarray
    course: np.ndarray
    enrolled_t: np.ndarray
    unenrolled_t: np.ndarray  # float, NaN if none
    completed_t: np.ndarray  # float, NaN if none
    status: np.ndarray  # index into ENROLLMENT_STATUSES
    final_score: np.ndarray  # float, NaN if none
    open_until_t: np.ndarray  # end of the period the learner works on it
    gap: np.ndarray


def plan_enrolments(
    rng: np.random.Generator, people: Learners, cat: CatalogIndex, window: Window
) -> tuple[Plan, np.ndarray]:
    """Planned enrolments and each learner's standardised fit."""
    n = people.n
    level_on = _mean_over_course_skills(people.skill, cat)
    goal_req = cat.req_level[people.goal_role]
    cur_req = cat.req_level[people.current_role]
    teaches_goal_gap = _any_over_course_skills((goal_req > 0) & (people.skill < goal_req - 0.3),
                                               cat)
    teaches_cur_gap = _any_over_course_skills((cur_req > 0) & (people.skill < cur_req - 0.3),
                                              cat)
    target = np.clip(level_on + 1.0, 1.0, 3.0)
    level_match = np.exp(-1.2 * np.abs(cat.course_level[None, :] - target))
    weight = ((0.08 + 4.0 * teaches_goal_gap + 1.0 * teaches_cur_gap) * level_match
              * cat.course_active[None, :])

    # About one new course a month for an average learner, over the whole window.
    months = window.days / 30.0
    count = np.clip(1 + rng.poisson(0.75 * months * np.exp(0.3 * people.propensity)), 1,
                    MAX_ENROLMENTS)
    count = np.minimum(count, int(cat.course_active.sum()))
    # Gumbel top-k: the k largest of log(weight) + Gumbel noise are a weighted sample
    # without replacement; only the best MAX_ENROLMENTS per learner need ordering.
    keys = np.log(weight + 1e-12) + rng.gumbel(size=weight.shape)
    width = min(MAX_ENROLMENTS, keys.shape[1])
    best = np.argpartition(-keys, width - 1, axis=1)[:, :width]
    top = np.take_along_axis(best, np.argsort(-np.take_along_axis(keys, best, axis=1), axis=1),
                             axis=1)
    learner = segment_index(count)
    course = top[learner, rank_in_segment(count)]

    start = _start_times(rng, people, count, learner)
    # Learners study about an hour or two a week (as many minutes as their sessions add up to).
    weekly_hours = np.clip(1.4 * np.exp(0.4 * people.propensity[learner]), 0.5, 6.0)
    duration = np.clip(cat.course_hours[course] / weekly_hours * 7.0, 7.0, 150.0)
    duration = duration * rng.lognormal(0.0, 0.2, len(course)) * DAY
    gap = level_on[learner, course] - cat.course_level[course]

    keep = start < window.seconds - 3600
    plan = Plan(learner=learner[keep], course=course[keep], start_t=start[keep],
                planned_end_t=(start + duration)[keep].astype(np.int64), gap=gap[keep],
                level_on_course=level_on, goal_gap_courses=teaches_goal_gap)
    mean_gap = np.bincount(learner, gap, minlength=n) / np.maximum(
        np.bincount(learner, minlength=n), 1)
    return plan, (mean_gap + 1.0) / 0.8


def _mean_over_course_skills(skill: np.ndarray, cat: CatalogIndex) -> np.ndarray:
    """(n, C): each learner's mean level over each course's skills (0 for skill-less courses)."""
    per_skill = np.ascontiguousarray(skill.T)[cat.course_skill_flat]  # (nnz, n): rows reduce fast
    sums = np.add.reduceat(per_skill, np.minimum(cat.course_skill_start,
                                                 max(len(per_skill) - 1, 0)), axis=0).T
    return np.where(cat.course_skill_count > 0, sums / np.maximum(cat.course_skill_count, 1), 0.0)


def _any_over_course_skills(mask: np.ndarray, cat: CatalogIndex) -> np.ndarray:
    """(n, C): whether any of each course's skills is flagged for the learner."""
    return _mean_over_course_skills(mask.astype(np.float32), cat) > 0


def _start_times(
    rng: np.random.Generator, people: Learners, count: np.ndarray, learner: np.ndarray
) -> np.ndarray:
    """First enrolment soon after registration (or the window start); then every few weeks."""
    first = np.maximum(people.reg_t, 0) + np.where(
        people.reg_t < 0, rng.uniform(0.0, 25.0, people.n), rng.exponential(3.0, people.n)
    ) * DAY + 60
    gaps = rng.exponential(28.0, len(learner)) * np.exp(-0.2 * people.propensity[learner]) * DAY
    gaps[np.cumsum(count) - count] = 0.0
    steps = np.cumsum(gaps)
    steps -= np.repeat(steps[np.cumsum(count) - count], count)
    return (first[learner] + steps).astype(np.int64)


def settle_enrolments(
    rng: np.random.Generator, plan: Plan, people: Learners, dyn: Dynamics, window: Window
) -> Enrolments:
    who, start, end = plan.learner, plan.start_t, plan.planned_end_t
    quit_at, back_at = dyn.disengage_t[who], dyn.comeback_t[who]
    # Nobody enrols while disengaged.
    keep = ~((start >= quit_at) & (start < back_at))
    who, start, end, course, gap = who[keep], start[keep], end[keep], plan.course[keep], plan.gap[keep]
    quit_at = quit_at[keep]
    m = len(who)
    horizon = window.seconds

    fit = (gap + 1.0) / 0.8
    gives_up = rng.random(m) < sigmoid(-2.6 - 0.8 * fit - 0.4 * people.propensity[who]
                                       + 0.5 * people.frailty[who])
    give_up_t = start + rng.uniform(0.15, 0.7, m) * (end - start)
    dropped_by_disengaging = (quit_at > start) & (quit_at < end) & ~(
        gives_up & (give_up_t < quit_at))
    withdraw_t = np.where(dropped_by_disengaging, quit_at + rng.uniform(1.0, 30.0, m) * DAY,
                          np.where(gives_up, give_up_t, np.inf))
    withdrawn = withdraw_t < horizon
    finished = ~withdrawn & np.isinf(withdraw_t) & (end < horizon)
    score = np.clip(64 + 9 * (gap + 1) + 5 * people.propensity[who] + rng.normal(0, 9, m), 0, 100)
    failed = finished & (score < 50)

    status = np.full(m, ACTIVE)
    status[finished] = COMPLETED
    status[failed] = FAILED
    status[withdrawn] = WITHDRAWN
    open_until = np.select(
        [withdrawn, finished], [np.minimum(withdraw_t, quit_at), end],
        np.minimum(horizon, np.where(quit_at > start, quit_at, horizon)))
    return Enrolments(
        learner=who, course=course, enrolled_t=start,
        unenrolled_t=np.where(withdrawn, np.floor(withdraw_t), np.nan),
        completed_t=np.where(finished, end, np.nan).astype(float),
        status=status,
        final_score=np.where(finished, np.round(score, 2), np.nan),
        open_until_t=open_until.astype(np.int64), gap=gap,
    )


def completion_skill_rows(
    enr: Enrolments, people: Learners, cat: CatalogIndex
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(learner, skill, new level, time) for every skill a completed course raised."""
    done = np.flatnonzero(enr.status == COMPLETED)
    c = enr.course[done]
    counts = cat.course_skill_count[c]
    rows = np.repeat(done, counts)
    skill = cat.course_skill_flat[np.repeat(cat.course_skill_start[c], counts)
                                  + rank_in_segment(counts)]
    learner = enr.learner[rows]
    old = people.skill[learner, skill]
    level = np.clip(np.maximum(old + 0.7, cat.course_level[enr.course[rows]] + 0.2), 0.5, 4.0)
    return learner, skill, level, enr.completed_t[rows].astype(np.int64)


def enrollment_frame(enr: Enrolments, people: Learners, cat: CatalogIndex, window: Window,
                     first_id: int) -> pd.DataFrame:
    return table_frame({
        "enrollment_id": first_id + np.arange(len(enr.learner)),
        "learner_id": people.learner_id[enr.learner],
        "course_id": cat.course_ids[enr.course],
        "enrolled_on": window.timestamps(enr.enrolled_t),
        "unenrolled_on": window.timestamps(enr.unenrolled_t),
        "completed_on": window.timestamps(enr.completed_t),
        "status": np.array(ENROLLMENT_STATUSES, dtype=object)[enr.status],
        "final_score": enr.final_score,
    })
