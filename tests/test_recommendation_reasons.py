"""A whole nightly run on the demo learners, read back from the database: every opted-in
learner gets all five types where candidates exist, and every clause of every reason is
checked against the tables it claims to describe (on SQLite and MariaDB).

The checks re-derive each claim from the raw catalog, enrolment, activity, group and
preference tables. Two inputs come from the package's own feature views, because they
are the data as the product defines it: the learner profile (latest goal, learning style,
timezone) and the resolution of free-text skill names to catalog skills.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from recommend_fixtures import HashEncoder
from sqlalchemy import Engine, text

from features.profile import compute_profile
from features.recommend_eval import fitted_skill_resolver
from features.recommendation_data import read_catalog
from features.recommendation_inputs import resolver_function, utc_offset_hours
from features.skills import extract_skill_rows, resolve_skill_rows
from flows.nightly import run_nightly
from models.career import LEVEL_NUMBER
from models.recommend_policy import RecommenderConfig
from tests.nightly_fixtures import AS_OF

LEVELS = ("Beginner", "Intermediate", "Advanced", "Expert")
CONFIG = RecommenderConfig()


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _frame(engine: Engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text(sql), conn)


@dataclass
class World:
    """What the database says, indexed for the checks."""

    recs: pd.DataFrame
    skill_name: dict[str, str]
    courses: pd.DataFrame  # by course_id (int)
    content: pd.DataFrame  # by content_id (int)
    roles: pd.DataFrame  # by role_id (int)
    role_by_title: dict[str, int]
    profile: pd.DataFrame
    levels: dict[int, dict[str, int]]  # learner -> skill_key -> level (1..4)
    enrolled: dict[int, dict[int, str]]  # learner -> course -> state at AS_OF
    quiz: dict[tuple[int, int], float]  # (learner, course) -> mean quiz score
    mentor_groups: dict[int, int]
    opted_in: set[int]
    excluded: dict[tuple[int, str], set[str]]  # (learner, type) -> completed/ignored lately
    predicted: dict[int, str | None]  # the run's career prediction: next role
    current: dict[int, str | None]  # ... and current role
    active: set[int]  # learners.status = 'Active' (the mentor pool's condition)

    def requirements(self, title: str) -> dict[str, tuple[int, float]]:
        role = self.roles.loc[self.role_by_title[title]]
        return {r["skill"]: (LEVEL_NUMBER[r["level"]], float(r["weight"]))
                for r in role["required_skills"]}

    def missing(self, learner: int, title: str) -> dict[str, float]:
        """skill_key -> weight of the role's skills the learner lacks or holds too low."""
        have = self.levels.get(learner, {})
        return {k: w for k, (req, w) in self.requirements(title).items()
                if have.get(k, 0) < req}

    def target(self, learner: int) -> str | None:
        goal = self.profile.at[learner, "goal_role"]
        by_lower = {t.casefold(): t for t in self.role_by_title}
        if isinstance(goal, str) and goal.strip().casefold() in by_lower:
            return by_lower[goal.strip().casefold()]
        return self.predicted.get(learner)

    def names(self, keys: Any) -> set[str]:
        return {self.skill_name[k] for k in keys}


def load_world(engine: Engine, run_id: str) -> World:
    encoder = HashEncoder()
    catalog = read_catalog(engine)
    recs = _frame(engine, "SELECT learner_id, recommendation_type, reference_id, "
                          "recommendation_reason, confidence_score, rec_rank, run_id "
                          "FROM learner_recommendations WHERE action_status = 'Pending'")
    recs = recs[recs["run_id"] == run_id].reset_index(drop=True)
    courses = _frame(engine, "SELECT * FROM courses").set_index("course_id")
    courses["skills"] = courses["skills"].map(_json)
    content = _frame(engine, "SELECT * FROM content_items").set_index("content_id")
    content["skills"] = content["skills"].map(_json)
    roles = _frame(engine, "SELECT * FROM career_roles").set_index("role_id")
    roles["required_skills"] = roles["required_skills"].map(_json)
    roles["next_roles"] = roles["next_roles"].map(_json)
    profile = compute_profile(engine, AS_OF)
    prefs = _frame(engine, "SELECT learner_id, ai_personalization_optin FROM learner_preferences")
    opted_in = set(prefs.loc[prefs["ai_personalization_optin"] == 1, "learner_id"].astype(int))
    opted_in &= set(profile.index[profile["ai_personalization_optin"].astype(bool)])

    resolve = resolver_function(engine, encoder, fitted_skill_resolver(engine, encoder),
                                catalog.skills)
    rows = resolve_skill_rows(extract_skill_rows(engine, AS_OF), resolve)
    rows = rows[rows["resolved"].astype(bool)]
    levels: dict[int, dict[str, int]] = defaultdict(dict)
    for learner, key, level in rows[["learner_id", "skill_key", "level"]].itertuples(index=False):
        levels[int(learner)][key] = max(levels[int(learner)].get(key, 0), int(level))

    as_of = AS_OF.strftime("%Y-%m-%d %H:%M:%S")
    enrol = _frame(engine, "SELECT learner_id, course_id, enrolled_on, completed_on, "
                           "unenrolled_on, status FROM course_enrollments "
                           f"WHERE enrolled_on < '{as_of}'")
    enrolled: dict[int, dict[int, str]] = defaultdict(dict)
    for r in enrol.itertuples(index=False):
        ended = pd.notna(r.completed_on) and pd.Timestamp(r.completed_on) < pd.Timestamp(AS_OF)
        left = pd.notna(r.unenrolled_on) and pd.Timestamp(r.unenrolled_on) < pd.Timestamp(AS_OF)
        kept_on = pd.isna(r.unenrolled_on) or (
            pd.notna(r.completed_on) and r.unenrolled_on >= r.completed_on)
        state = ("completed" if ended and r.status == "Completed" and kept_on
                 else "left" if ended or left else "active")
        # A learner enrolled more than once keeps the strongest state: active > completed.
        previous = enrolled[int(r.learner_id)].get(int(r.course_id))
        if previous not in ("active", "completed") or state == "active":
            enrolled[int(r.learner_id)][int(r.course_id)] = state
    quiz = _frame(engine, "SELECT learner_id, course_id, AVG(score) AS accuracy "
                          "FROM learner_activity_log WHERE activity_type = 'Quiz' "
                          f"AND timestamp < '{as_of}' AND score BETWEEN 0 AND 100 "
                          "AND course_id IS NOT NULL GROUP BY learner_id, course_id")
    groups = _frame(engine, "SELECT learner_id, COUNT(DISTINCT group_id) AS n "
                            "FROM learner_group_mapping WHERE role IN ('Mentor', 'Facilitator') "
                            f"AND status = 'Active' AND (join_date < '{as_of}' "
                            "OR join_date IS NULL) GROUP BY learner_id")
    history = _frame(engine, "SELECT learner_id, recommendation_type, reference_id, "
                             "action_status, created_on FROM learner_recommendations "
                             "WHERE action_status IN ('Completed', 'Ignored')")
    recent = pd.Timestamp(AS_OF) - pd.Timedelta(days=30)
    excluded: dict[tuple[int, str], set[str]] = defaultdict(set)
    for r in history.itertuples(index=False):
        if r.action_status == "Completed" or pd.Timestamp(r.created_on) >= recent:
            excluded[(int(r.learner_id), r.recommendation_type)].add(str(r.reference_id))
    careers = _frame(engine, "SELECT learner_id, career_prediction FROM learner_ai_features")
    career = {int(r.learner_id): _json(r.career_prediction) or {}
              for r in careers.itertuples(index=False)}
    active = _frame(engine, "SELECT learner_id FROM learners WHERE status = 'Active'")
    return World(
        recs=recs, skill_name=dict(zip(catalog.skills["skill_key"], catalog.skills["name"],
                                       strict=True)),
        courses=courses, content=content, roles=roles,
        role_by_title={t: int(i) for i, t in roles["title"].items()},
        profile=profile, levels=levels, enrolled=enrolled,
        quiz={(int(a), int(b)): float(c) for a, b, c in quiz.itertuples(index=False)},
        mentor_groups=dict(zip(groups["learner_id"].astype(int), groups["n"].astype(int),
                               strict=True)),
        opted_in=opted_in, excluded=excluded,
        predicted={k: v.get("predicted_next_role") for k, v in career.items()},
        current={k: v.get("current_role") for k, v in career.items()},
        active=set(active["learner_id"].astype(int)))


def test_a_nightly_run_gives_true_reasons_and_every_type_with_candidates(demo) -> None:
    engine, settings = demo
    result = run_nightly(engine, settings, AS_OF, encoder=HashEncoder(), full=True)
    world = load_world(engine, result.run_id)
    assert_every_clause_is_true_of_the_data(world)
    assert_rows_respect_the_policy(world)
    assert_every_type_with_candidates(world)


# ------------------------------------------------------------------------- reasons


def clauses(reason: str) -> list[str]:
    """The reason's clauses ('; ' joins them; a career's 'still to build' belongs to the
    clause before it)."""
    assert reason.endswith("."), reason
    parts = reason[:-1].split("; ")
    out: list[str] = []
    for part in parts:
        inside = out and out[-1].count("(") > out[-1].count(")")  # "(importance 0.9; new…)"
        if inside or (part.startswith("still to build: ") and out):
            out[-1] += "; " + part
        else:
            out.append(part)
    return out


def names_in(listing: str, candidates: set[str]) -> set[str]:
    """The candidate names ``listing`` (a join_names list) consists of, asserting that
    nothing else is in it."""
    found = {n for n in candidates if re.search(rf"(^|, | and ){re.escape(n)}(,| and |$)",
                                                 listing)}
    rest = listing
    for name in sorted(found, key=len, reverse=True):
        rest = rest.replace(name, "")
    assert re.fullmatch(r"[, ]*(and[, ]*)*", rest), (listing, found)
    return found


def check_skills_needed(w: World, learner: int, listing: str, k: int | None, m: int,
                        role: str, taught: set[str]) -> None:
    assert role in (w.target(learner), w.profile.at[learner, "goal_role"]), (learner, role)
    missing = w.missing(learner, role)
    assert m == len(missing), (learner, role, m, missing)
    named = names_in(listing, w.names(missing))
    assert named and named <= w.names(taught), (listing, taught)
    if k is not None:
        assert k == len(named)


def check_format(w: World, learner: int, clause: str, item_format: str) -> bool:
    found = re.fullmatch(r"(.+) format, which you prefer", clause)
    if found:
        assert found.group(1) == item_format == w.profile.at[learner, "preferred_content_format"]
        return True
    found = re.fullmatch(r"(.+) format suits your (.+) learning style", clause)
    if found:
        assert found.group(1) == item_format
        assert found.group(2) == w.profile.at[learner, "learning_style"]
        return True
    return False


def check_similarity(clause: str) -> bool:
    found = re.fullmatch(r"close to your goals and recent learning \(similarity (\d\.\d\d)\)",
                         clause)
    if found:
        assert 0 < float(found.group(1)) <= 1
    return bool(found)


def check_course(w: World, learner: int, ref: str, clause: str) -> None:
    low = clause[:1].lower() + clause[1:]  # the first clause is capitalised
    course = w.courses.loc[int(ref)]
    taught = set(course["skills"])
    if found := re.fullmatch(r"teaches (.+) — (\d+) of the (\d+) skills? you still need "
                             r"for (.+)", low):
        check_skills_needed(w, learner, found.group(1), int(found.group(2)),
                            int(found.group(3)), found.group(4), taught)
    elif found := re.fullmatch(r"(\w+) level, (a good start|close to a first step) for "
                               r"skills (mostly )?new to you", clause):
        assert found.group(1) == course["level"]
        have = [w.levels.get(learner, {}).get(k, 0) for k in taught]
        assert (np.rint(np.mean(have)) == 0 < np.mean(have)) if found.group(3) else not any(have), (have, clause)
    elif found := re.fullmatch(r"(\w+) level, (the next step|close to the next step) from "
                               r"your (\w+) level in its skills", clause):
        assert found.group(1) == course["level"]
        have = [w.levels.get(learner, {}).get(k, 0) for k in taught]
        assert LEVELS[int(np.rint(np.mean(have))) - 1] == found.group(3), (have, clause)
    elif found := re.fullmatch(r"often taken by learners who took (.+), as you did", low):
        mine = {w.courses.at[c, "title"] for c in w.enrolled.get(learner, {})}
        assert found.group(1) in mine
    elif found := re.fullmatch(r"taken by (\d+)% of learners aiming at (.+)", low):
        peers = [lid for lid in w.opted_in if w.target(lid) == found.group(2)]
        share = np.mean([int(ref) in w.enrolled.get(lid, {}) for lid in peers])
        assert abs(100 * share - int(found.group(1))) <= 1, (clause, share, len(peers))
    elif not (check_format(w, learner, clause, course["format"]) or check_similarity(low)):
        pytest.fail(f"unknown Course clause: {clause!r}")


def check_skill(w: World, learner: int, ref: str, clause: str) -> None:
    low = clause[:1].lower() + clause[1:]  # the first clause is capitalised
    have = w.levels.get(learner, {})
    if found := re.fullmatch(r"needed at (\w+) level for (.+) \(importance (\d\.\d); "
                             r"(new to you|you are at (\w+))\)", low):
        level, weight = w.requirements(found.group(2))[ref]
        assert LEVELS[level - 1] == found.group(1) and round(weight, 1) == float(found.group(3))
        current = have.get(ref, 0)
        assert (found.group(5) == LEVELS[current - 1]) if current else (
            found.group(4) == "new to you")
        assert current < level
    elif found := re.fullmatch(r"close to (.+), which you already have \(similarity "
                               r"(\d\.\d\d)\)", low):
        assert found.group(1) in w.names(k for k, v in have.items() if v > 0)
    else:
        pytest.fail(f"unknown Skill clause: {clause!r}")


def check_career(w: World, learner: int, ref: str, clause: str) -> None:
    low = clause[:1].lower() + clause[1:]  # the first clause is capitalised
    role = w.roles.loc[int(ref)]
    if low == "your goal role":
        assert role["title"].casefold() == str(w.profile.at[learner, "goal_role"]).casefold()
    elif found := re.fullmatch(r"a usual next step from (.+)", low):
        assert found.group(1) == w.current[learner]
        assert int(ref) in w.roles.at[w.role_by_title[found.group(1)], "next_roles"]
    elif found := re.fullmatch(r"two steps from (.+), via (.+)", low):
        assert found.group(1) == w.current[learner]
        via = w.role_by_title[found.group(2)]
        assert via in w.roles.at[w.role_by_title[found.group(1)], "next_roles"]
        assert int(ref) in w.roles.at[via, "next_roles"]
    elif found := re.fullmatch(r"your skills already cover (\d+)% of what it requires"
                               r"(; still to build: (.+))?", low):
        need = w.requirements(role["title"])
        have = w.levels.get(learner, {})
        fit = sum(wt * min(have.get(k, 0), req) / req for k, (req, wt) in need.items()) \
            / sum(wt for _, wt in need.values())
        assert abs(round(100 * fit) - int(found.group(1))) <= 1, (clause, fit)
        missing = w.missing(learner, role["title"])
        if found.group(3):
            listing, more = found.group(3), 0
            if tail := re.search(r" and (\d+) more$", listing):
                listing, more = listing[:tail.start()], int(tail.group(1))
                named = {n for n in w.names(missing) if n in listing}
            else:
                named = names_in(listing, w.names(missing))
            assert named and len(named) + more == len(missing), (clause, missing)
    else:
        pytest.fail(f"unknown Career clause: {clause!r}")


def check_mentor(w: World, learner: int, ref: str, clause: str) -> None:
    low = clause[:1].lower() + clause[1:]  # the first clause is capitalised
    mentor = int(ref)
    assert mentor != learner and mentor in w.opted_in
    if found := re.fullmatch(r"(.+) — (\d+) of the (\d+) skills? you still need for (.+)",
                             clause):
        role = found.group(4)
        missing = w.missing(learner, role)
        assert int(found.group(3)) == len(missing)
        named = 0
        for level, listing in re.findall(r"(Expert|Advanced) in (.+?)(?= and (?:Expert|"
                                         r"Advanced) in |$)", found.group(1)):
            keys = {k for k in missing if w.levels.get(mentor, {}).get(k, 0)
                    == LEVELS.index(level) + 1}
            named += len(names_in(listing, w.names(keys)))
        assert named == int(found.group(2)) > 0, clause
    elif found := re.fullmatch(r"mentors in (\d+) study groups?", low):
        assert w.mentor_groups.get(mentor, 0) == int(found.group(1))
    elif low == "in your timezone" or re.fullmatch(r"[\d.]+ hours? from your timezone",
                                                       clause):
        zones = w.profile.loc[[learner, mentor], "timezone"]
        a, b = utc_offset_hours(zones, AS_OF)
        hours = 0.0 if low == "in your timezone" else float(clause.split(" ")[0])
        assert abs(a - b) == pytest.approx(hours, abs=0.05), (clause, zones.tolist())
    else:
        pytest.fail(f"unknown Mentor clause: {clause!r}")


def check_content(w: World, learner: int, ref: str, clause: str) -> None:
    low = clause[:1].lower() + clause[1:]  # the first clause is capitalised
    item = w.content.loc[int(ref)]
    title = w.courses.at[int(item["course_id"]), "title"]
    if found := re.fullmatch(r"practice for (.+), where your quiz average is (\d+)%", low):
        assert found.group(1) == title
        accuracy = w.quiz[(learner, int(item["course_id"]))]
        assert abs(accuracy - int(found.group(2))) <= 0.5 + 1e-9 and accuracy < 70
    elif found := re.fullmatch(r"part of (.+), which you are taking", low):
        assert found.group(1) == title
        assert w.enrolled[learner][int(item["course_id"])] == "active"
    elif found := re.fullmatch(r"covers (.+), which you still need for (.+)", low):
        check_skills_needed(w, learner, found.group(1), None,
                            len(w.missing(learner, found.group(2))), found.group(2),
                            set(item["skills"]))
    elif not (check_format(w, learner, clause, item["format"]) or check_similarity(low)):
        pytest.fail(f"unknown Content clause: {clause!r}")


CHECKS = {"Course": check_course, "Skill": check_skill, "Career": check_career,
          "Mentor": check_mentor, "Content": check_content}


def assert_every_clause_is_true_of_the_data(world: World) -> None:
    checked = defaultdict(int)
    for row in world.recs.itertuples(index=False):
        for clause in clauses(row.recommendation_reason):
            CHECKS[row.recommendation_type](world, int(row.learner_id), row.reference_id,
                                            clause)
            checked[row.recommendation_type] += 1
    # Every type was checked, with more than one clause a row on average for most.
    counts = world.recs["recommendation_type"].value_counts()
    assert set(checked) == set(CHECKS), checked
    assert all(checked[k] >= counts[k] for k in CHECKS), (checked, counts.to_dict())


def assert_rows_respect_the_policy(world: World) -> None:
    recs = world.recs
    assert set(recs["learner_id"]) <= world.opted_in
    for (learner, kind), group in recs.groupby(["learner_id", "recommendation_type"]):
        assert group["rec_rank"].tolist() == list(range(1, len(group) + 1))
        assert len(group) <= CONFIG.top_n
        assert not set(group["reference_id"]) & world.excluded.get((learner, kind), set())
    courses = recs[recs["recommendation_type"] == "Course"]
    for row in courses.itertuples(index=False):
        assert world.courses.at[int(row.reference_id), "is_active"] == 1
        # Never completed, not being taken; one failed or left may be offered again.
        state = world.enrolled.get(int(row.learner_id), {}).get(int(row.reference_id))
        assert state not in ("completed", "active"), (row, state)
    assert recs["confidence_score"].between(0, 1).all()
    mentors = recs[recs["recommendation_type"] == "Mentor"]
    assert mentors.groupby("reference_id").size().max() <= CONFIG.mentor_cap


def assert_every_type_with_candidates(world: World) -> None:
    recs, w = world.recs, world
    have = recs.groupby("recommendation_type")["learner_id"].agg(set).to_dict()
    scored = set(w.predicted)  # learners the run wrote features for
    learners = w.opted_in & scored
    assert len(learners) > 150
    assert have["Course"] == learners  # hundreds of active courses: always candidates

    load = recs[recs["recommendation_type"] == "Mentor"]["reference_id"].astype(int) \
        .value_counts()
    pool = w.opted_in & w.active
    strong = {m: {k for k, v in levels.items() if v >= 3} for m, levels in w.levels.items()
              if m in pool}
    for learner in learners:
        target = w.target(learner)
        missing = w.missing(learner, target) if target else {}
        open_skills = set(missing) - w.excluded.get((learner, "Skill"), set())
        if learner not in have["Skill"]:
            assert not open_skills, (learner, open_skills)
        if learner not in have["Career"]:
            next_role = w.predicted.get(learner)
            assert next_role is None or str(w.role_by_title[next_role]) in \
                w.excluded.get((learner, "Career"), set()), learner
        if learner not in have["Content"]:
            needed = set(missing)
            teaching = [c for c, skills in w.content["skills"].items() if set(skills) & needed]
            weak = [c for (lid, c), acc in w.quiz.items() if lid == learner and acc < 70]
            assert not teaching and not weak, learner
        if learner not in have["Mentor"]:
            heaviest = sorted(missing, key=lambda k: (-missing[k], k))[:CONFIG.mentor_skills]
            ignored = {int(x) for x in w.excluded.get((learner, "Mentor"), set())}
            helpers = {m for m, keys in strong.items() if m != learner and keys & set(heaviest)
                       and load.get(m, 0) < CONFIG.mentor_cap and m not in ignored}
            assert not helpers, (learner, helpers)
    shares = {k: len(have.get(k, set())) / len(learners) for k in CHECKS}
    assert min(shares.values()) > 0.9, shares

