"""Who the learners are: accounts, profiles, skills, surveys, goals.

PII (names, emails, phones, addresses) is built from the small word lists in
:mod:`features.demo_data.vocab` so a privacy test can recognise it.
``learner_skills.skill_name`` is free text: half the rows use the catalog
name, the rest an alias, a case change or a typo; the truth (which catalog
skill each row means) is returned alongside for resolution benchmarks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.demo_data import vocab
from features.demo_data.catalog_index import CatalogIndex
from features.demo_data.latent import Learners
from features.demo_data.vec import (
    categorical,
    choice,
    join_str,
    pick_in_segments,
    segment_index,
    table_frame,
    uniform_between,
)
from features.demo_data.window import DAY, HOUR, Window
from features.schema import (
    CERT_STATUSES,
    GENDERS,
    LEARNING_STYLES,
    PERSONAS,
    SKILL_LEVELS,
    SKILL_SOURCES,
    THEME_MODES,
)

_PLACE = {name: np.array([p[i] for p in vocab.PLACES], dtype=object)
          for i, name in enumerate(("country", "nationality", "city", "state", "tz", "phone",
                                    "language"))}


def profile_times(rng: np.random.Generator, people: Learners, window: Window) -> np.ndarray:
    """When each learner filled in their profile: just after registering, or early in the
    window for those who registered before it (every row stays inside the window)."""
    t = np.maximum(people.reg_t, 0) + rng.integers(60, 2 * DAY, people.n)
    # Rows stamped a little after the profile (up to an hour) must still precede as_of.
    return np.minimum(t, window.seconds - 2 * HOUR)


def users(people: Learners, user_ids: np.ndarray, window: Window) -> pd.DataFrame:
    first = people.first_name.astype(str)
    last = people.last_name.astype(str)
    email_last = np.char.replace(np.char.replace(np.char.lower(last), "'", ""), "ü", "ue")
    return table_frame({
        "id": user_ids,
        "full_name": join_str(first, " ", last),
        "email": join_str(np.char.lower(first), ".", email_last, "+", people.learner_id,
                          "@example.org"),
        "created_on": window.timestamps(people.reg_t),
    })


def learners(rng: np.random.Generator, people: Learners, user_ids: np.ndarray, window: Window,
             last_active_t: np.ndarray) -> pd.DataFrame:
    """``last_active_t``: each learner's last event (NaN if none in the window)."""
    n, p = people.n, people.place
    digits = rng.integers(0, 10, (n, 10)).astype(str)
    digits[:, 0] = rng.integers(6, 10, n).astype(str)
    number = join_str(*(digits[:, i] for i in range(3)), " ", *(digits[:, i] for i in range(3, 6)),
                      " ", *(digits[:, i] for i in range(6, 10)))
    street = join_str(rng.integers(1, 400, n), " ",
                      np.array(vocab.STREETS, dtype=object)[rng.integers(0, len(vocab.STREETS), n)],
                      " ", np.array(vocab.STREET_SUFFIXES, dtype=object)[
                          rng.integers(0, len(vocab.STREET_SUFFIXES), n)])
    unit = join_str(np.array(["Apt ", "Flat ", "Suite "], dtype=object)[rng.integers(0, 3, n)],
                    rng.integers(1, 60, n))
    idle_days = (window.seconds - np.nan_to_num(last_active_t, nan=-1e12)) / DAY
    status = np.where(idle_days > 45, "Inactive", "Active").astype(object)
    status[rng.random(n) < 0.005] = "Suspended"
    dob = (np.datetime64(window.as_of.date(), "D")
           - np.round(people.age_years * 365.25).astype("timedelta64[D]"))
    photo = join_str("https://cdn.example.org/avatars/", people.learner_id, ".jpg")
    return table_frame({
        "learner_id": people.learner_id,
        "user_id": user_ids,
        "nationality": _PLACE["nationality"][p],
        "gender": np.array(GENDERS, dtype=object)[people.gender],
        "dob": dob,
        "phone": join_str(_PLACE["phone"][p], " ", number),
        "address_line1": street,
        "address_line2": np.where(rng.random(n) < 0.35, unit, None),
        "city": _PLACE["city"][p],
        "state": _PLACE["state"][p],
        "country": _PLACE["country"][p],
        "timezone": _PLACE["tz"][p],
        "language_pref": _PLACE["language"][p],
        "profile_photo": np.where(rng.random(n) < 0.6, photo, None),
        "registration_date": window.timestamps(people.reg_t),
        "last_active": window.timestamps(last_active_t),
        "status": status,
    })


def education(rng: np.random.Generator, people: Learners, cat: CatalogIndex, window: Window,
              first_id: int) -> pd.DataFrame:
    count = 1 + (rng.random(people.n) < 0.35)
    learner = segment_index(count)
    m = len(learner)
    second = np.r_[False, learner[1:] == learner[:-1]]
    year = window.as_of.year
    years_since = np.floor(rng.random(m) * np.maximum(people.age_years[learner] - 22, 1))
    end = year - years_since.astype(np.int64) - np.where(second, 0, 2 * (count[learner] - 1))
    current = (rng.random(m) < 0.08) & ~second
    end = np.where(current, year + 1, end)
    length = np.where(second, 2, rng.integers(3, 5, m))
    qual = np.where(second, "Master's Degree",
                    np.array(vocab.QUALIFICATIONS, dtype=object)[choice(rng, [6, 0, 2, 0.3, 1],
                                                                        m)])
    gpa = np.where(rng.random(m) < 0.5, rng.uniform(2.3, 4.0, m), rng.uniform(6.0, 9.8, m))
    field = np.where(rng.random(m) < 0.8, cat.field_names[cat.role_field[
        people.current_role[learner]]], cat.field_names[rng.integers(0, len(cat.field_names), m)])
    achievements = np.array([None, None, "Dean's list", "Graduated with honours",
                             "Led the student coding club", "Published a capstone paper"],
                            dtype=object)
    return table_frame({
        "edu_id": first_id + np.arange(m),
        "learner_id": people.learner_id[learner],
        "institution": np.array(vocab.INSTITUTIONS, dtype=object)[
            rng.integers(0, len(vocab.INSTITUTIONS), m)],
        "qualification": qual,
        "specialization": field,
        "start_year": end - length,
        "end_year": end,
        "is_current": current.astype(np.int64),
        "gpa": np.round(gpa, 2),
        "achievements": achievements[rng.integers(0, len(achievements), m)],
    })


def skills(
    rng: np.random.Generator, people: Learners, cat: CatalogIndex, window: Window,
    profile_t: np.ndarray, completions: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    first_id: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """learner_skills rows (profile rows, then one per course-raised skill) and the truth."""
    base_l, base_s = np.nonzero(people.skill >= 0.5)
    c_l, c_s, c_level, c_t = completions
    learner = np.r_[base_l, c_l]
    skill = np.r_[base_s, c_s]
    level = np.r_[people.skill[base_l, base_s], c_level]
    from_course = np.r_[np.zeros(len(base_l), bool), np.ones(len(c_l), bool)]
    t = np.r_[profile_t[base_l] + rng.integers(0, 3600, len(base_l)), c_t]
    order = np.lexsort((t, learner))
    learner, skill, level, from_course, t = (a[order] for a in
                                             (learner, skill, level, from_course, t))
    m = len(learner)

    canonical = rng.random(m) < 0.5
    variant = pick_in_segments(rng, cat.variant_start, cat.variant_count, skill)
    name = np.where(canonical | (variant < 0), cat.skill_names[skill],
                    cat.variant_text[np.maximum(variant, 0)])
    band = np.clip(np.round(level), 1, 4).astype(np.int64)
    # Proficiency tracks the continuous level: 25 points per level, within its band.
    proficiency = np.clip(level * 25.0 - rng.uniform(0, 6, m), (band - 1) * 25 + 0.5, band * 25)
    source = np.array(SKILL_SOURCES, dtype=object)[
        np.where(from_course, 0, choice(rng, [0, 0.25, 0.2, 0.55], m))]
    endorsers = np.array(vocab.ENDORSERS, dtype=object)
    ids = first_id + np.arange(m)
    rows = table_frame({
        "skill_id": ids,
        "learner_id": people.learner_id[learner],
        "skill_name": name,
        "skill_level": np.array(SKILL_LEVELS, dtype=object)[band - 1],
        "proficiency_score": np.round(proficiency, 2),
        "endorsed_by": np.where(rng.random(m) < 0.2,
                                endorsers[rng.integers(0, len(endorsers), m)], None),
        "source": source,
        "last_validated": window.timestamps(t),
    })
    truth = table_frame({"skill_id": ids, "learner_id": rows["learner_id"],
                          "skill_name": name, "skill_key": cat.skill_keys[skill],
                          "canonical": name == cat.skill_names[skill],
                          "level": np.round(level, 3)})
    return rows, truth


def certifications(rng: np.random.Generator, people: Learners, cat: CatalogIndex,
                   window: Window, profile_t: np.ndarray, first_id: int) -> pd.DataFrame:
    """About 40% hold one or two certificates in one of their strongest skills."""
    count = np.where(rng.random(people.n) < 0.4, 1 + (rng.random(people.n) < 0.3), 0)
    learner = segment_index(count)
    m = len(learner)
    strong = people.skill[learner] >= 2.5
    skill = categorical(rng, strong + 1e-9 * (people.skill[learner] > 0) + 1e-12)
    orgs = np.array(vocab.CERT_ORGS, dtype=object)
    org = orgs[rng.integers(0, len(orgs), m)]
    issue_t = uniform_between(rng, profile_t[learner], window.seconds - 60)
    issue = window.timestamps(issue_t).astype("datetime64[D]")
    expiry = issue + rng.choice([730, 1095], m).astype("timedelta64[D]")
    credential = join_str("CERT-", rng.integers(100000, 999999, m), "-",
                          people.learner_id[learner])
    kind = np.array([" Professional Certificate", " Associate", " Practitioner"],
                    dtype=object)[rng.integers(0, 3, m)]
    return table_frame({
        "cert_id": first_id + np.arange(m),
        "learner_id": people.learner_id[learner],
        "cert_name": join_str(org, " ", cat.skill_names[skill], kind),
        "issuing_org": org,
        "issue_date": issue,
        "expiry_date": np.where(rng.random(m) < 0.7, expiry, np.datetime64("NaT")),
        "credential_id": credential,
        "credential_url": join_str("https://verify.example.org/", credential),
        "verification_status": np.array(CERT_STATUSES, dtype=object)[
            choice(rng, [0.7, 0.2, 0.1], m)],
    })


def psychographics(rng: np.random.Generator, people: Learners, window: Window,
                   profile_t: np.ndarray, first_id: int) -> pd.DataFrame:
    """The onboarding survey: mostly truthful (85%), so it is a noisy view of the latent."""
    n = people.n
    style = np.where(rng.random(n) < 0.85, people.style, rng.integers(0, 4, n))
    persona = np.where(rng.random(n) < 0.85, people.persona, rng.integers(0, 4, n))
    engagement = np.array(["Competitive", "Exploratory", "Collaborative", "Competitive"],
                          dtype=object)[people.persona]
    engagement = np.where(rng.random(n) < 0.75, engagement,
                          np.array(vocab.ENGAGEMENT_TYPES, dtype=object)[rng.integers(0, 4, n)])
    return table_frame({
        "psychographic_id": first_id + np.arange(n),
        "learner_id": people.learner_id,
        "learning_motivation": np.array(vocab.MOTIVATIONS, dtype=object)[people.motivation],
        "learning_style": np.array(LEARNING_STYLES, dtype=object)[style],
        "cognitive_pattern": np.array(vocab.COGNITIVE_PATTERNS, dtype=object)[
            rng.integers(0, len(vocab.COGNITIVE_PATTERNS), n)],
        "engagement_type": engagement,
        "gamification_persona": np.array(PERSONAS, dtype=object)[persona],
        "confidence_score": np.round(rng.uniform(0.6, 0.95, n), 2),
        "derived_from": np.where(rng.random(n) < 0.65, "Survey", "Hybrid").astype(object),
        "last_updated": window.timestamps(profile_t + 120),
    })


#: Preferred format weights per learning style (vocab.PREFERRED_FORMATS order).
_FORMAT_BY_STYLE = np.array([
    [0.6, 0.05, 0.1, 0.25, 0.0],
    [0.35, 0.05, 0.05, 0.05, 0.5],
    [0.1, 0.7, 0.15, 0.0, 0.05],
    [0.1, 0.05, 0.5, 0.35, 0.0],
])


def preferences(rng: np.random.Generator, people: Learners, window: Window,
                profile_t: np.ndarray, first_id: int) -> pd.DataFrame:
    n = people.n
    fmt = categorical(rng, _FORMAT_BY_STYLE[people.style] + 0.02)
    access = np.array(vocab.ACCESSIBILITY_NEEDS, dtype=object)[
        rng.integers(0, len(vocab.ACCESSIBILITY_NEEDS), n)]
    return table_frame({
        "pref_id": first_id + np.arange(n),
        "learner_id": people.learner_id,
        "preferred_content_format": np.array(vocab.PREFERRED_FORMATS, dtype=object)[fmt],
        "preferred_learning_time": np.array(vocab.LEARNING_TIMES, dtype=object)[
            people.pref_time],
        "notification_preference": np.array(vocab.NOTIFICATION_CHANNELS, dtype=object)[
            choice(rng, [0.45, 0.3, 0.05, 0.2], n)],
        "privacy_consent": (rng.random(n) >= 0.10).astype(np.int64),
        "ai_personalization_optin": (rng.random(n) >= 0.05).astype(np.int64),
        "accessibility_needs": np.where(rng.random(n) < 0.08, access, None),
        "theme_mode": np.array(THEME_MODES, dtype=object)[choice(rng, [0.35, 0.3, 0.35], n)],
    })


def goals(rng: np.random.Generator, people: Learners, cat: CatalogIndex, window: Window,
          profile_t: np.ndarray, first_id: int) -> pd.DataFrame:
    """One goal per learner: the goal role, its skills they lack, and progress towards it."""
    n = people.n
    req = cat.req_level[people.goal_role]
    weight = cat.req_weight[people.goal_role]
    met = np.where(req > 0, np.minimum(people.skill / np.maximum(req, 1e-9), 1.0), 0.0)
    progress = 100.0 * (met * weight).sum(1) / np.maximum(weight.sum(1), 1e-9)
    missing = _names_per_learner(cat, _gaps_or_requirements(req, people.skill), weight, n, 5)
    title = cat.role_titles[people.goal_role]
    reviewed = uniform_between(rng, profile_t, window.seconds - 60)
    motivation = np.array(vocab.MOTIVATIONS, dtype=object)[people.motivation]
    return table_frame({
        "goal_id": first_id + np.arange(n),
        "learner_id": people.learner_id,
        "desired_role": title,
        "target_skills": missing,
        "career_motivation": join_str("Become a ", title, " (", motivation, ")"),
        "target_timeline": np.array(vocab.TIMELINES, dtype=object)[
            rng.integers(0, len(vocab.TIMELINES), n)],
        "progress_percent": np.round(np.clip(progress + rng.normal(0, 5, n), 0, 100), 2),
        "last_reviewed": window.timestamps(reviewed),
    })


def career_pathways(rng: np.random.Generator, people: Learners, cat: CatalogIndex,
                    window: Window, profile_t: np.ndarray, goal_gap_courses: np.ndarray,
                    first_id: int) -> pd.DataFrame:
    """Historical pathway rows (about a third of learners) from the platform's old advisor."""
    has = np.flatnonzero(rng.random(people.n) < 0.35)
    m = len(has)
    nxt = pick_in_segments(rng, cat.next_start, cat.next_count, people.current_role[has])
    next_role = np.where((rng.random(m) < 0.6) | (nxt < 0), people.goal_role[has],
                         cat.next_flat[np.maximum(nxt, 0)])
    keys = goal_gap_courses[has] * 1.0 + rng.random((m, goal_gap_courses.shape[1])) * 0.5
    ids = cat.course_ids[np.argsort(-keys, axis=1)[:, :3]]
    courses = join_str(ids[:, 0], ",", ids[:, 1], ",", ids[:, 2])
    req = cat.req_level[next_role]
    gaps = _names_per_learner(cat, _gaps_or_requirements(req, people.skill[has]),
                              cat.req_weight[next_role], m, 4)
    return table_frame({
        "path_id": first_id + np.arange(m),
        "learner_id": people.learner_id[has],
        "current_role": cat.role_titles[people.current_role[has]],
        "next_role": cat.role_titles[next_role],
        "recommended_courses": courses,
        "gap_analysis": join_str("Skills to build: ", gaps),
        "ai_confidence_score": np.round(rng.uniform(0.5, 0.9, m), 2),
        "last_updated": window.timestamps(uniform_between(rng, profile_t[has],
                                                          window.seconds - 60)),
    })


def _gaps_or_requirements(req: np.ndarray, skill: np.ndarray) -> np.ndarray:
    """Required skills the learner lacks; all required skills where they lack none
    (a learner who meets the bar still names what the role is about)."""
    gap = (req > 0) & (skill < req - 0.3)
    return np.where(gap.any(axis=1, keepdims=True), gap, req > 0)


def _names_per_learner(cat: CatalogIndex, mask: np.ndarray, weight: np.ndarray, n: int,
                       top: int) -> np.ndarray:
    """Comma-separated canonical names of up to ``top`` masked skills per row, heaviest first."""
    keys = np.where(mask, weight + 1.0, 0.0)  # masked skills rank above everything else
    best = np.argsort(-keys, axis=1, kind="stable")[:, :top]
    taken = np.take_along_axis(keys, best, axis=1) > 0
    out = np.full(n, "", dtype=object)
    for k in range(best.shape[1]):  # a handful of columns, not learners
        name = cat.skill_names[best[:, k]].astype(str)
        piece = join_str("" if k == 0 else ", ", name)
        out = np.where(taken[:, k], join_str(out, piece), out)
    return out
