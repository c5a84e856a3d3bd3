"""Past recommendations from the platform's previous (``seed-legacy``) recommender.

Each row is either a good fit (teaches a skill the learner's goal role
needs, is their goal role, is content of a course they take) or not, and
the outcome follows the fit: good fits are clicked and completed far more
often, poor ones mostly ignored. Course recommendations that preceded an
actual enrolment are Clicked, or Completed when the course was completed.
Nothing is clicked while a learner is disengaged; the last week's rows are
still Pending.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.demo_data.catalog_index import CatalogIndex
from features.demo_data.enrolments import COMPLETED, Enrolments, Plan
from features.demo_data.latent import Dynamics, Learners
from features.demo_data.vec import categorical, join_str, table_frame, uniform_between
from features.demo_data.window import DAY, HOUR, Window
from features.schema import ACTION_STATUSES, RECOMMENDATION_TYPES

MODEL_VERSION = "seed-legacy"
PENDING, CLICKED, IGNORED, DONE = (ACTION_STATUSES.index(s) for s in
                                   ("Pending", "Clicked", "Ignored", "Completed"))


def recommendations(rng: np.random.Generator, people: Learners, dyn: Dynamics, plan: Plan,
                    enr: Enrolments, mentors: np.ndarray, cat: CatalogIndex, window: Window,
                    first_id: int) -> pd.DataFrame:
    parts = [
        _followed_courses(rng, people, enr, cat, window),
        _catalog_courses(rng, people, plan, cat, window),
        _skills(rng, people, cat, window),
        _careers(rng, people, cat, window),
        _mentors(rng, people, mentors, window),
        _content(rng, people, enr, cat, window),
    ]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    frame = _outcomes(rng, frame, dyn, window)
    frame = frame.sort_values(["learner", "t"], kind="stable").reset_index(drop=True)
    group = frame.groupby(["learner", "type"], sort=False).cumcount()
    return table_frame({
        "rec_id": first_id + np.arange(len(frame)),
        "learner_id": people.learner_id[frame["learner"].to_numpy()],
        "recommendation_type": np.array(RECOMMENDATION_TYPES, dtype=object)[frame["type"]],
        "reference_id": frame["ref"].astype(str).to_numpy(dtype=object),
        "recommendation_reason": frame["reason"].to_numpy(dtype=object),
        "confidence_score": np.round(frame["confidence"].to_numpy(), 2),
        "action_status": np.array(ACTION_STATUSES, dtype=object)[frame["status"]],
        "created_on": window.timestamps(frame["t"].to_numpy()),
        "run_id": None,
        "model_version": MODEL_VERSION,
        "rec_rank": group.to_numpy() + 1,
    })


def _part(kind: str, learner: np.ndarray, ref: np.ndarray, fit: np.ndarray, t: np.ndarray,
          reason: np.ndarray, status: np.ndarray | None = None) -> pd.DataFrame:
    return table_frame({
        "learner": learner, "type": RECOMMENDATION_TYPES.index(kind), "ref": ref,
        "fit": fit, "t": t.astype(np.int64), "reason": reason,
        "status": np.full(len(learner), -1) if status is None else status,
    })


def _window_times(rng: np.random.Generator, people: Learners, learner: np.ndarray,
                  window: Window) -> np.ndarray:
    return uniform_between(rng, np.maximum(people.reg_t[learner], 0) + 60, window.seconds - 60)


def _first_skill(cat: CatalogIndex, course: np.ndarray) -> np.ndarray:
    has = cat.course_skill_count[course] > 0
    first = cat.course_skill_flat[np.minimum(cat.course_skill_start[course],
                                             max(len(cat.course_skill_flat) - 1, 0))]
    return np.where(has, cat.skill_names[first], "this field")


def _followed_courses(rng, people, enr: Enrolments, cat, window) -> pd.DataFrame:
    """Half of the enrolments were preceded by a recommendation of that course."""
    sel = np.flatnonzero(rng.random(len(enr.course)) < 0.5)
    t = enr.enrolled_t[sel] - rng.integers(HOUR, 5 * DAY, len(sel))
    ok = t >= np.maximum(people.reg_t[enr.learner[sel]], 0) + 60
    sel, t = sel[ok], t[ok]
    c = enr.course[sel]
    goal = cat.role_titles[people.goal_role[enr.learner[sel]]]
    return _part("Course", enr.learner[sel], cat.course_ids[c], np.ones(len(sel), bool), t,
                 join_str("Builds ", _first_skill(cat, c), ", needed for your goal of ", goal),
                 np.where(enr.status[sel] == COMPLETED, DONE, CLICKED))


def _catalog_courses(rng, people, plan: Plan, cat, window) -> pd.DataFrame:
    learner = np.repeat(np.arange(people.n), 2)
    fit = rng.random(len(learner)) < 0.6
    # uniform among the learner's goal-gap courses: the largest random key among them
    good = np.argmax((plan.goal_gap_courses & cat.course_active)[learner]
                     * rng.random((len(learner), cat.n_courses)), axis=1)
    active = np.flatnonzero(cat.course_active)
    other = active[rng.integers(0, len(active), len(learner))]
    c = np.where(fit, good, other)
    fit = fit & plan.goal_gap_courses[learner, c]
    goal = cat.role_titles[people.goal_role[learner]]
    reason = np.where(fit, join_str("Teaches ", _first_skill(cat, c), " for ", goal),
                      join_str("Popular with learners in your field: ", cat.course_titles[c]))
    return _part("Course", learner, cat.course_ids[c], fit,
                 _window_times(rng, people, learner, window), reason)


def _skills(rng, people, cat, window) -> pd.DataFrame:
    learner = np.arange(people.n)
    req = cat.req_level[people.goal_role]
    gap = (req > 0) & (people.skill < req - 0.3)
    fit = (rng.random(people.n) < 0.7) & gap.any(axis=1)
    s = np.where(fit, categorical(rng, gap + 1e-9), rng.integers(0, cat.n_skills, people.n))
    goal = cat.role_titles[people.goal_role]
    reason = np.where(fit, join_str(cat.skill_names[s], " is required for ", goal),
                      join_str(cat.skill_names[s], " is trending on the platform"))
    return _part("Skill", learner, cat.skill_keys[s], fit,
                 _window_times(rng, people, learner, window), reason)


def _careers(rng, people, cat, window) -> pd.DataFrame:
    learner = np.flatnonzero(rng.random(people.n) < 0.4)
    fit = rng.random(len(learner)) < 0.75
    role = np.where(fit, people.goal_role[learner], rng.integers(0, cat.n_roles, len(learner)))
    fit = fit | (role == people.goal_role[learner])
    reason = np.where(fit, join_str("Your skills and goal point to ", cat.role_titles[role]),
                      join_str("Explore a new direction: ", cat.role_titles[role]))
    return _part("Career", learner, cat.role_ids[role], fit,
                 _window_times(rng, people, learner, window), reason)


def _mentors(rng, people, mentors: np.ndarray, window) -> pd.DataFrame:
    if len(mentors) == 0:
        return _part("Mentor", *(np.array([], dtype=np.int64) for _ in range(5)))
    learner = np.flatnonzero(rng.random(people.n) < 0.3)
    mentor = mentors[rng.integers(0, len(mentors), len(learner))]
    t = _window_times(rng, people, learner, window)
    ok = (mentor != learner) & (people.reg_t[mentor] < t)
    learner, mentor, t = learner[ok], mentor[ok], t[ok]
    fit = rng.random(len(learner)) < 0.5
    return _part("Mentor", learner, people.learner_id[mentor], fit, t,
                 np.where(fit, "Advanced in your current course and active in your study group",
                          "An experienced learner on the platform").astype(object))


def _content(rng, people, enr: Enrolments, cat, window) -> pd.DataFrame:
    """Content of a course the learner takes (a good fit) or anything in the catalog."""
    learner = np.arange(people.n)
    per = np.bincount(enr.learner, minlength=people.n)
    first = np.cumsum(per) - per
    own = enr.course[np.minimum(first + np.floor(rng.random(people.n) * np.maximum(per, 1))
                                .astype(np.int64), max(len(enr.course) - 1, 0))] \
        if len(enr.course) else np.zeros(people.n, dtype=np.int64)
    fit = (rng.random(people.n) < 0.65) & (per > 0) & (cat.content_count[own] > 0)
    any_item = rng.integers(0, len(cat.content_ids), people.n)
    item = np.where(fit, cat.content_start[own] + np.floor(
        rng.random(people.n) * np.maximum(cat.content_count[own], 1)).astype(np.int64), any_item)
    reason = np.where(fit, join_str("Next up in ", cat.course_titles[own], ": ",
                                    cat.content_titles[item]),
                      join_str("You might like: ", cat.content_titles[item]))
    return _part("Content", learner, cat.content_ids[item], fit,
                 _window_times(rng, people, learner, window), reason)


def _outcomes(rng: np.random.Generator, frame: pd.DataFrame, dyn: Dynamics, window: Window
              ) -> pd.DataFrame:
    fit = frame["fit"].to_numpy(dtype=bool)
    t = frame["t"].to_numpy()
    learner = frame["learner"].to_numpy()
    u = rng.random(len(frame))
    completable = frame["type"].isin([RECOMMENDATION_TYPES.index(k)
                                      for k in ("Skill", "Content")]).to_numpy()
    p_done = np.where(completable, 0.12 * fit, 0.0)
    p_click = 0.12 + 0.4 * fit
    status = np.where(u < p_done, DONE, np.where(u < p_done + p_click, CLICKED, IGNORED))
    away = (t >= dyn.disengage_t[learner]) & (t < dyn.comeback_t[learner])
    status = np.where(away, IGNORED, status)
    status = np.where(t >= window.seconds - 7 * DAY, PENDING, status)
    given = frame["status"].to_numpy()
    frame = frame.copy()
    frame["status"] = np.where(given >= 0, given, status)
    frame["confidence"] = np.where(fit, rng.uniform(0.6, 0.95, len(frame)),
                                   rng.uniform(0.3, 0.7, len(frame)))
    return frame

