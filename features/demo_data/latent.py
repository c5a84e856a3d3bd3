"""The hidden state of each learner: who they are and how their engagement evolves.

Two stages, both vectorised over a block of learners:

* :func:`sample_learners` draws the static profile — place and timezone,
  roles, a continuous skill level per catalog skill, learning style,
  gamification persona, preferred learning time, and four standardised
  traits: ``propensity`` (how much they learn), ``drive`` (motivation),
  ``sociability`` and ``frailty`` (unobserved risk).
* :func:`sample_dynamics` turns those traits, plus ``fit`` (how well the
  learner's skills match the courses they enrolled in), into a day-by-day
  session rate and a disengagement time.

Disengagement is drawn from a proportional hazard whose drivers are exactly
the things the platform can observe: a slowly wandering activity level (low
activity raises the hazard), poor fit (low quiz scores), a high share of
negative emotions (poor fit, bad network), few social ties, low propensity
(fewer completions) — plus frailty nobody observes, so no feature separates
learners perfectly. For the ``decline`` days before disengaging, activity
ramps down and scores and emotions worsen; afterwards only rare sporadic
sessions remain, and a few learners come back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.demo_data import vocab
from features.demo_data.catalog_index import CatalogIndex
from features.demo_data.vec import categorical, choice, pick_in_segments, sigmoid
from features.demo_data.window import DAY, Window, utc_offsets
from features.schema import PERSONAS

#: Content activity types a session mixes (Login/Logout frame every session).
CONTENT_TYPES = ("View", "Quiz", "Assignment", "Forum", "Video", "VR")
#: Base content mix per learning style, in CONTENT_TYPES order.
STYLE_MIX = np.array([
    [0.13, 0.15, 0.08, 0.07, 0.40, 0.17],  # Visual: videos and VR
    [0.15, 0.15, 0.08, 0.17, 0.40, 0.05],  # Auditory: videos (audio) and discussion
    [0.40, 0.16, 0.22, 0.10, 0.09, 0.03],  # Reading/Writing: reading and assignments
    [0.12, 0.22, 0.20, 0.08, 0.13, 0.25],  # Kinesthetic: VR, quizzes, assignments
])
STYLE_WEIGHTS = (0.35, 0.15, 0.25, 0.25)
PERSONA_WEIGHTS = (0.35, 0.25, 0.25, 0.15)
#: Interactions per session by persona (Achiever, Explorer, Socializer, Killer).
PERSONA_SOCIAL_RATE = np.array([0.35, 0.30, 0.95, 0.10])
#: Forum weight multiplier by persona.
PERSONA_FORUM = np.array([0.9, 1.0, 2.2, 0.5])
SENIORITY_WEIGHTS = np.array([0.45, 0.35, 0.15, 0.05])
TIME_WEIGHTS = (0.2, 0.2, 0.45, 0.15)

#: Sessions per day of an average, fully engaged learner (calibrated so that a
#: learner produces about 100 activity rows per 180 days, all learners counted).
BASE_SESSION_RATE = 0.137
#: Hazard scale and how strongly the wandering activity level drives it.
HAZARD_BASE = np.log(0.0017)
HAZARD_ACTIVITY = -0.9
LAPSED_SHARE = 0.06
COMEBACK_SHARE = 0.08
SPORADIC = 0.012  # activity multiplier after disengaging


@dataclass(frozen=True)
class Learners:
    """Static hidden profile of ``n`` learners (one row per learner)."""

    learner_id: np.ndarray
    reg_t: np.ndarray  # registration, seconds since window start (may be negative)
    place: np.ndarray  # index into vocab.PLACES
    tz_offset: np.ndarray  # seconds east of UTC
    gender: np.ndarray  # index into features.schema.GENDERS
    age_years: np.ndarray
    first_name: np.ndarray  # str
    last_name: np.ndarray  # str
    style: np.ndarray  # index into features.schema.LEARNING_STYLES
    persona: np.ndarray  # index into PERSONAS
    pref_time: np.ndarray  # index into vocab.LEARNING_TIMES
    motivation: np.ndarray  # index into vocab.MOTIVATIONS
    propensity: np.ndarray  # z: how much they learn
    drive: np.ndarray  # z: motivation strength
    sociability: np.ndarray  # z
    frailty: np.ndarray  # z: unobserved risk
    bad_network: np.ndarray  # bool
    latency_ms: np.ndarray  # typical latency
    device: np.ndarray  # index into vocab.DEVICES (primary device)
    ip_prefix: np.ndarray  # str "a.b.c."
    current_role: np.ndarray  # role position
    goal_role: np.ndarray  # role position
    skill: np.ndarray  # (n, S) continuous level 0..4 (0 = none, 1 Beginner .. 4 Expert)
    type_mix: np.ndarray  # (n, 6) content-type probabilities (CONTENT_TYPES)
    dow_weight: np.ndarray  # (n, 7) Monday-first weekday multipliers
    content_per_session: np.ndarray  # mean content events per session
    base_rate: np.ndarray  # sessions per day when fully engaged

    @property
    def n(self) -> int:
        return len(self.learner_id)

    @property
    def social_rate(self) -> np.ndarray:
        """Social interactions per session."""
        return PERSONA_SOCIAL_RATE[self.persona] * np.exp(0.5 * self.sociability)


@dataclass(frozen=True)
class Dynamics:
    """How each learner's engagement unfolds over the local days ``-1..days``."""

    fit: np.ndarray  # z: skill level vs the level of their courses
    neg_logit: np.ndarray  # baseline log-odds of a negative emotion reading
    disengage_t: np.ndarray  # seconds since window start; inf = never, < 0 = lapsed before
    comeback_t: np.ndarray  # seconds; inf = no comeback
    lapsed: np.ndarray  # bool: already disengaged when the window opens
    rate: np.ndarray  # (n, days + 2) expected sessions per local day
    decline: np.ndarray  # (n, days + 2) 0..1, how far into the pre-disengagement slide

    @property
    def day_offset(self) -> int:
        """Column ``j`` of ``rate``/``decline`` is local day ``j - day_offset``."""
        return 1


# --------------------------------------------------------------------------- static


def sample_learners(
    rng: np.random.Generator, learner_ids: np.ndarray, cat: CatalogIndex, window: Window
) -> Learners:
    n = len(learner_ids)
    place = choice(rng, [p[-1] for p in vocab.PLACES], n)
    zones = tuple(p[4] for p in vocab.PLACES)
    gender = choice(rng, [0.48, 0.48, 0.04], n)
    first = _first_names(rng, gender)
    last = np.array(vocab.LAST_NAMES, dtype=object)[rng.integers(0, len(vocab.LAST_NAMES), n)]
    style = choice(rng, STYLE_WEIGHTS, n)
    persona = choice(rng, PERSONA_WEIGHTS, n)
    propensity, drive, sociability, frailty = rng.standard_normal((4, n))
    bad_network = rng.random(n) < 0.15
    latency = np.where(bad_network, rng.lognormal(np.log(320), 0.35, n),
                       rng.lognormal(np.log(60), 0.4, n))
    current = _current_roles(rng, cat, n)
    skill = _skills(rng, cat, current)
    goal = _goal_roles(rng, cat, current)
    skill = _some_goal_skills(rng, cat, skill, goal)
    return Learners(
        learner_id=learner_ids,
        reg_t=_registration(rng, n, window),
        place=place,
        tz_offset=utc_offsets(zones, window.as_of)[place],
        gender=gender,
        age_years=np.clip(rng.normal(31, 8, n), 18, 64),
        first_name=first,
        last_name=last,
        style=style,
        persona=persona,
        pref_time=choice(rng, TIME_WEIGHTS, n),
        motivation=rng.integers(0, len(vocab.MOTIVATIONS), n),
        propensity=propensity, drive=drive, sociability=sociability, frailty=frailty,
        bad_network=bad_network,
        latency_ms=latency,
        device=choice(rng, [d[-1] for d in vocab.DEVICES], n),
        ip_prefix=_ip_prefixes(rng, place),
        current_role=current,
        goal_role=goal,
        skill=skill,
        type_mix=_type_mix(rng, style, persona),
        dow_weight=_weekday_weights(rng, n),
        content_per_session=np.exp(rng.normal(np.log(2.4), 0.3, n)),
        base_rate=BASE_SESSION_RATE
        * np.exp(0.45 * propensity + 0.25 * drive + rng.normal(0, 0.3, n)),
    )


def _registration(rng: np.random.Generator, n: int, window: Window) -> np.ndarray:
    """75% registered before the window (mostly within the last year), 25% inside it.

    In-window registrations stop a day before ``as_of`` so every learner has
    room for rows after registering.
    """
    before = -(DAY + np.minimum(rng.exponential(300 * DAY, n), 4 * 365 * DAY))
    inside = rng.random(n) * max(window.seconds - DAY, 1)
    reg = np.where(rng.random(n) < 0.75, before, inside)
    return np.floor(reg).astype(np.int64)


def _first_names(rng: np.random.Generator, gender: np.ndarray) -> np.ndarray:
    lists = {0: vocab.FIRST_NAMES_MALE, 1: vocab.FIRST_NAMES_FEMALE, 2: vocab.FIRST_NAMES_OTHER}
    out = np.empty(len(gender), dtype=object)
    for g, names in lists.items():  # three genders, not learners
        mask = gender == g
        out[mask] = np.array(names, dtype=object)[rng.integers(0, len(names), mask.sum())]
    return out


def _ip_prefixes(rng: np.random.Generator, place: np.ndarray) -> np.ndarray:
    countries = np.array([p[0] for p in vocab.PLACES], dtype=object)[place]
    octets = np.array([vocab.IP_FIRST_OCTETS[c] for c in countries]).reshape(len(place), 3)
    first = octets[np.arange(len(place)), rng.integers(0, 3, len(place))]
    second, third = rng.integers(0, 256, (2, len(place)))
    return np.char.add(np.char.add(np.char.add(first.astype(str), "."),
                                   np.char.add(second.astype(str), ".")),
                       np.char.add(third.astype(str), ".")).astype(object)


def _current_roles(rng: np.random.Generator, cat: CatalogIndex, n: int) -> np.ndarray:
    """Mostly Junior and Mid roles, uniform within a seniority."""
    per_rank = np.bincount(cat.role_rank, minlength=4).astype(float)
    w = SENIORITY_WEIGHTS[cat.role_rank] / np.maximum(per_rank[cat.role_rank], 1)
    return choice(rng, w, n)


def _skills(rng: np.random.Generator, cat: CatalogIndex, role: np.ndarray) -> np.ndarray:
    """The current role's skills near the required level, a few dropped, a few extras."""
    req = cat.req_level[role]
    noise = rng.normal(-0.35, 0.6, req.shape)
    level = np.where(req > 0, req + noise, 0.0)
    level[(req > 0) & (rng.random(req.shape) < 0.12)] = 0.0
    extra = (level == 0) & (rng.random(req.shape) < 3.0 / max(cat.n_skills, 1))
    level[extra] = rng.uniform(0.6, 2.6, int(extra.sum()))
    return np.clip(level, 0.0, 4.0)


def _goal_roles(rng: np.random.Generator, cat: CatalogIndex, current: np.ndarray) -> np.ndarray:
    """A next role (65%), two steps up (15%), else a role in another field at least as senior."""
    n = len(current)
    step1 = pick_in_segments(rng, cat.next_start, cat.next_count, current)
    nxt = np.where(step1 >= 0, cat.next_flat[np.maximum(step1, 0)], -1)
    step2 = pick_in_segments(rng, cat.next_start, cat.next_count, np.maximum(nxt, 0))
    nxt2 = np.where((nxt >= 0) & (step2 >= 0), cat.next_flat[np.maximum(step2, 0)], nxt)
    # Cross-field: weights over roles, one row per learner (roles are few).
    other_field = cat.role_field[None, :] != cat.role_field[current][:, None]
    senior_enough = cat.role_rank[None, :] >= cat.role_rank[current][:, None]
    w = (other_field & senior_enough).astype(float) + 1e-9
    cross = categorical(rng, w)
    u = rng.random(n)
    goal = np.where(u < 0.65, nxt, np.where(u < 0.80, nxt2, cross))
    return np.where(goal >= 0, goal, cross)


def _some_goal_skills(
    rng: np.random.Generator, cat: CatalogIndex, skill: np.ndarray, goal: np.ndarray
) -> np.ndarray:
    """Learners already know a little of a quarter of their goal role's other skills."""
    req = cat.req_level[goal]
    start = (req > 0) & (skill == 0) & (rng.random(req.shape) < 0.25)
    out = skill.copy()
    out[start] = rng.uniform(0.5, 1.5, int(start.sum()))
    return out


def _type_mix(rng: np.random.Generator, style: np.ndarray, persona: np.ndarray) -> np.ndarray:
    mix = STYLE_MIX[style] * rng.lognormal(0.0, 0.35, (len(style), len(CONTENT_TYPES)))
    mix[:, CONTENT_TYPES.index("Forum")] *= PERSONA_FORUM[persona]
    mix[persona == PERSONAS.index("Achiever"), CONTENT_TYPES.index("Quiz")] *= 1.3
    return mix / mix.sum(axis=1, keepdims=True)


def _weekday_weights(rng: np.random.Generator, n: int) -> np.ndarray:
    """Weekend learners (30%) study mostly on Saturdays and Sundays, the rest on weekdays."""
    weekend = rng.random(n) < 0.3
    base = np.where(weekend[:, None], [0.8] * 5 + [2.0] * 2, [1.1] * 5 + [0.6] * 2)
    return base * rng.lognormal(0.0, 0.2, (n, 7))


# -------------------------------------------------------------------------- dynamics


def sample_dynamics(
    rng: np.random.Generator, people: Learners, fit: np.ndarray, window: Window
) -> Dynamics:
    """Session rate per local day and the disengagement time, from traits and fit.

    ``fit`` is the standardised mean (skill level - course level) over the
    learner's planned enrolments: it sets quiz scores, so the hazard's
    dependence on it is what makes scores predictive.
    """
    n, n_days = people.n, window.days + 2
    day = np.arange(n_days) - 1  # local day number
    day_start_t = day[None, :] * DAY - people.tz_offset[:, None]
    alive = day_start_t + DAY > people.reg_t[:, None]

    neg_logit = (-1.7 + 1.1 * people.bad_network - 0.45 * fit
                 + rng.normal(0.0, 0.35, n))
    social = np.log(people.social_rate / 0.3)
    risk = (-0.5 * people.propensity - 0.5 * fit + 0.45 * (neg_logit + 1.7)
            - 0.35 * social - 0.3 * people.drive + 0.5 * people.frailty)
    walk = _activity_walk(rng, n, n_days)
    hazard = np.exp(HAZARD_BASE + risk[:, None] + HAZARD_ACTIVITY * walk) * alive
    tau = _first_passage(rng, hazard) - 1.0  # in local days

    lapsed = (people.reg_t < -DAY) & (rng.random(n) < LAPSED_SHARE)
    tau = np.where(lapsed, -rng.uniform(0.0, 60.0, n), tau)
    decline_days = rng.uniform(8.0, 21.0, n)
    comes_back = np.isfinite(tau) & ~lapsed & (rng.random(n) < COMEBACK_SHARE)
    tau_back = np.where(comes_back, tau + rng.uniform(20.0, 60.0, n), np.inf)

    mid = day[None, :] + 0.5
    slide = np.clip((mid - (tau - decline_days)[:, None]) / decline_days[:, None], 0.0, 1.0)
    before = mid < tau[:, None]
    returned = mid >= tau_back[:, None]
    multiplier = np.where(before, 1.0 - 0.8 * slide, np.where(returned, 0.5, SPORADIC))
    decline = np.where(before, slide, np.where(returned, 0.2, 1.0))
    weekday = (window.start_weekday() + day) % 7
    rate = (people.base_rate[:, None] * np.exp(walk) * people.dow_weight[:, weekday]
            * multiplier * alive)
    to_t = DAY * 1.0

    return Dynamics(
        fit=fit,
        neg_logit=neg_logit,
        disengage_t=tau * to_t - people.tz_offset,
        comeback_t=tau_back * to_t - people.tz_offset,
        lapsed=lapsed,
        rate=rate,
        decline=decline,
    )


def _activity_walk(rng: np.random.Generator, n: int, n_days: int) -> np.ndarray:
    """A slowly wandering log-activity level per learner: AR(1), daily, sd about 0.38."""
    phi, sigma = 0.95, 0.12
    walk = rng.normal(0.0, sigma, (n, n_days))
    walk[:, 0] /= np.sqrt(1 - phi**2)  # start from the stationary distribution
    for day in range(1, n_days):  # days, not learners: each step is one vector operation
        walk[:, day] += phi * walk[:, day - 1]
    return walk


def _first_passage(rng: np.random.Generator, hazard: np.ndarray) -> np.ndarray:
    """Continuous day index at which the cumulative hazard first exceeds an Exp(1) draw."""
    cumulative = np.cumsum(hazard, axis=1)
    threshold = rng.exponential(1.0, len(hazard))
    crossed = cumulative >= threshold[:, None]
    any_crossed = crossed.any(axis=1)
    j = np.argmax(crossed, axis=1)
    rows = np.arange(len(hazard))
    before = np.where(j > 0, cumulative[rows, np.maximum(j - 1, 0)], 0.0)
    frac = (threshold - before) / np.maximum(hazard[rows, j], 1e-12)
    return np.where(any_crossed, j + np.clip(frac, 0.0, 1.0), np.inf)


def negative_emotion_probability(dyn: Dynamics, rows: np.ndarray, cols: np.ndarray,
                                 low_score: np.ndarray | float = 0.0) -> np.ndarray:
    """P(a reading is Bored/Confused/Frustrated) for learner rows on day columns."""
    return sigmoid(dyn.neg_logit[rows] + 1.8 * dyn.decline[rows, cols] + low_score)

