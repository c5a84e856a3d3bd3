"""The shipped catalog: valid, big enough, sensible career ladders, and a validator
that really catches broken catalogs."""

from __future__ import annotations

import dataclasses
import importlib.util
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from features import catalog as cat
from features.catalog import (
    COURSE_LEVELS,
    FORMATS,
    LEVELS,
    SENIORITIES,
    Catalog,
    load_catalog,
    validate_catalog,
)

ROOT = Path(__file__).resolve().parents[1]
RANK = {s: i for i, s in enumerate(SENIORITIES)}
LEVEL_RANK = {lv: i for i, lv in enumerate(LEVELS)}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent swaps)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


# ----------------------------------------------------------------------------- the shipped catalog


def test_shipped_catalog_validates(catalog: Catalog) -> None:
    assert validate_catalog(catalog) == []


def test_load_catalog_is_cached(catalog: Catalog) -> None:
    assert load_catalog() is catalog


def test_constants_match_the_schema() -> None:
    from features import schema

    assert LEVELS == schema.SKILL_LEVELS
    assert COURSE_LEVELS == schema.COURSE_LEVELS
    assert FORMATS == ("Video", "Reading", "Interactive", "VR", "Audio", "Project")


def test_minimum_counts(catalog: Catalog) -> None:
    assert len(catalog.skills) >= 300
    assert len(catalog.roles) >= 40
    assert len(catalog.courses) >= 300
    assert len(catalog.content_items) >= 1000
    assert len(catalog.skill_aliases) >= 600
    assert len(catalog.skill_aliases) >= 2 * len(catalog.skills)
    inactive = int((~catalog.courses["is_active"]).sum())
    assert inactive > 0
    assert inactive / len(catalog.courses) <= 0.06


def test_parsed_types(catalog: Catalog) -> None:
    roles, courses, content = catalog.roles, catalog.courses, catalog.content_items
    assert list(roles.columns) == cat.ROLE_COLUMNS
    assert list(courses.columns) == cat.COURSE_COLUMNS
    assert list(content.columns) == cat.CONTENT_COLUMNS
    assert roles["role_id"].dtype == "int64"
    assert courses["course_id"].dtype == "int64"
    assert courses["is_active"].dtype == bool
    assert courses["duration_hours"].dtype == "float64"
    assert content["course_id"].dtype == "int64"
    for required in roles["required_skills"]:
        assert isinstance(required, list)
        for req in required:
            assert set(req) == {"skill", "level", "weight"}
            assert isinstance(req["weight"], float)
    assert all(isinstance(n, list) and all(isinstance(i, int) for i in n) for n in roles["next_roles"])
    assert all(isinstance(s, list) and s for s in courses["skills"])
    assert all(isinstance(s, list) and s for s in content["skills"])


def test_ids_are_stable_integers_from_one(catalog: Catalog) -> None:
    assert sorted(catalog.roles["role_id"]) == list(range(1, len(catalog.roles) + 1))
    assert catalog.courses["course_id"].min() == 1
    assert catalog.courses["course_id"].is_unique
    assert catalog.content_items["content_id"].min() == 1
    assert catalog.content_items["content_id"].is_unique


def test_skills_are_categorised_slugs(catalog: Catalog) -> None:
    skills = catalog.skills
    assert skills["skill_key"].str.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*").all()
    assert skills["description"].str.len().min() > 20
    categories = set(skills["category"])
    for expected in ("programming", "data", "cloud", "devops", "security", "design", "business",
                     "marketing", "finance", "project management", "soft skills", "healthcare",
                     "teaching", "languages", "writing", "hr"):
        assert expected in categories
    for key in ("python", "sql", "machine_learning", "patient_assessment", "spanish"):
        assert key in set(skills["skill_key"])


def test_aliases_are_messy_enough(catalog: Catalog) -> None:
    aliases = catalog.skill_aliases
    names = dict(zip(catalog.skills["skill_key"], catalog.skills["name"], strict=True))
    by_skill = aliases.groupby("skill_key")["alias"].apply(list)
    assert set(by_skill.index) == set(names)
    assert {"pyhton", "python3"} <= set(by_skill["python"])
    assert "ML" in by_skill["machine_learning"]
    assert {"JS", "java script"} <= set(by_skill["javascript"])

    def has_typo(key: str) -> bool:
        name = names[key].casefold()
        return any(0 < _edit_distance(a.casefold(), name) <= 2 for a in by_skill[key]
                   if a.casefold() != name)

    with_typo = sum(has_typo(k) for k in names)
    assert with_typo / len(names) >= 0.75


def test_every_course_has_two_to_six_items(catalog: Catalog) -> None:
    per_course = catalog.content_items.groupby("course_id").size()
    assert set(per_course.index) == set(catalog.courses["course_id"])
    assert per_course.between(2, 6).all()


def test_course_titles_and_durations_are_plausible(catalog: Catalog) -> None:
    courses = catalog.courses
    assert courses["title"].is_unique
    assert not courses["title"].str.fullmatch(r"Course \d+").any()
    assert courses["duration_hours"].between(1, 60).all()
    assert courses["skills"].map(len).between(1, 4).all()
    assert set(courses["format"]) == set(FORMATS)
    assert set(courses["level"]) == set(COURSE_LEVELS)


def test_popular_skills_have_several_courses(catalog: Catalog) -> None:
    demand = Counter(req["skill"] for reqs in catalog.roles["required_skills"] for req in reqs)
    active = catalog.courses[catalog.courses["is_active"]]
    for skill, n_roles in demand.items():
        if n_roles < 4:
            continue
        teaching = active[active["skills"].map(lambda s, k=skill: k in s)]
        assert len(teaching) >= 2, skill
        assert teaching["level"].nunique() >= 2, skill
        assert teaching["format"].nunique() >= 2, skill


def test_roles_have_four_to_ten_weighted_skills(catalog: Catalog) -> None:
    for row in catalog.roles.itertuples(index=False):
        assert 4 <= len(row.required_skills) <= 10, row.title
        assert all(0 < req["weight"] <= 1 for req in row.required_skills), row.title
        assert row.description.endswith(".")


def _ladder_length(roles: pd.DataFrame) -> dict[str, int]:
    """Longest chain per field along next_roles with strictly rising seniority."""
    by_id = {r.role_id: r for r in roles.itertuples(index=False)}
    memo: dict[int, int] = {}

    def longest(rid: int) -> int:
        if rid not in memo:
            role = by_id[rid]
            memo[rid] = 1 + max((longest(t) for t in role.next_roles
                                 if t in by_id and by_id[t].field == role.field
                                 and RANK[by_id[t].seniority] > RANK[role.seniority]), default=0)
        return memo[rid]

    best: dict[str, int] = {}
    for rid, role in by_id.items():
        best[role.field] = max(best.get(role.field, 0), longest(rid))
    return best


def test_career_ladders_exist(catalog: Catalog) -> None:
    ladders = _ladder_length(catalog.roles)
    assert sum(length >= 3 for length in ladders.values()) >= 5, ladders
    assert sum(length == 4 for length in ladders.values()) >= 5, ladders  # Junior -> ... -> Lead


def test_required_levels_rise_up_the_ladder(catalog: Catalog) -> None:
    by_id = {r.role_id: r for r in catalog.roles.itertuples(index=False)}
    promotions = 0
    for role in by_id.values():
        mine = {req["skill"]: LEVEL_RANK[req["level"]] for req in role.required_skills}
        for target in (by_id[t] for t in role.next_roles):
            if target.field != role.field or RANK[target.seniority] <= RANK[role.seniority]:
                continue
            promotions += 1
            for req in target.required_skills:
                if req["skill"] in mine:
                    assert LEVEL_RANK[req["level"]] >= mine[req["skill"]], (role.title, target.title, req)
    assert promotions >= 20


def test_cross_field_moves(catalog: Catalog) -> None:
    roles = catalog.roles
    by_title = {r.title: r for r in roles.itertuples(index=False)}
    by_id = {r.role_id: r for r in roles.itertuples(index=False)}
    cross = [(r.title, by_id[t].title) for r in by_title.values() for t in r.next_roles
             if by_id[t].field != r.field]
    assert len(cross) >= 5
    for src, dst in [("Data Analyst", "Product Analyst"), ("Software Engineer", "DevOps Engineer"),
                     ("Registered Nurse", "Clinical Educator")]:
        assert (src, dst) in cross


def test_every_role_is_reachable_from_an_entry_role(catalog: Catalog) -> None:
    """Stronger than the validator's rule: walking next_roles from the Junior roles
    reaches every role."""
    by_id = {r.role_id: r for r in catalog.roles.itertuples(index=False)}
    frontier = [rid for rid, r in by_id.items() if r.seniority == "Junior"]
    seen = set(frontier)
    while frontier:
        for target in by_id[frontier.pop()].next_roles:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(by_id)


def test_build_script_reproduces_the_committed_files() -> None:
    spec = importlib.util.spec_from_file_location("build_catalog", ROOT / "tools" / "build_catalog.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data_dir = ROOT / "features" / "catalog_data"
    files = module.build(data_dir)
    assert set(files) == {"skill_aliases.csv", "courses.csv", "content_items.csv"}
    for name, text in files.items():
        assert (data_dir / name).read_text(encoding="utf-8") == text, f"{name} is stale: run tools/build_catalog.py"
    assert module.build(data_dir) == files  # deterministic


# ----------------------------------------------------------------------------- the validator catches breakage


def _roles_with(catalog: Catalog, *new_rows: dict) -> pd.DataFrame:
    return pd.concat([catalog.roles, pd.DataFrame(list(new_rows))], ignore_index=True)


def _role(role_id: int, title: str, seniority: str, skills: list[str], next_roles: list[int] | None = None) -> dict:
    return {"role_id": role_id, "title": title, "field": "Testing", "seniority": seniority,
            "description": "A test role.", "next_roles": next_roles or [],
            "required_skills": [{"skill": s, "level": "Intermediate", "weight": 0.5} for s in skills]}


def test_validator_catches_a_dangling_role_skill(catalog: Catalog) -> None:
    broken = dataclasses.replace(catalog, roles=_roles_with(
        catalog, _role(9001, "Test Junior", "Junior", ["python", "no_such_skill", "sql", "git"])))
    problems = validate_catalog(broken)
    assert "roles: role 9001 (Test Junior) requires unknown skill 'no_such_skill'" in problems


def test_validator_catches_dangling_skills_in_courses_content_and_aliases(catalog: Catalog) -> None:
    courses = catalog.courses.copy()
    courses["skills"] = [list(s) for s in courses["skills"]]
    courses.at[0, "skills"] = courses.at[0, "skills"] + ["ghost_skill"]
    content = catalog.content_items.copy()
    content["skills"] = [list(s) for s in content["skills"]]
    own = set(courses.loc[courses["course_id"] == content.at[0, "course_id"], "skills"].iloc[0])
    outsider = next(k for k in catalog.skills["skill_key"] if k not in own)
    content.at[0, "skills"] = [outsider]
    aliases = pd.concat([catalog.skill_aliases, pd.DataFrame([{"skill_key": "nope", "alias": "Nope"}])],
                        ignore_index=True)
    broken = dataclasses.replace(catalog, courses=courses, content_items=content, skill_aliases=aliases)
    problems = validate_catalog(broken)
    cid, title = courses.at[0, "course_id"], courses.at[0, "title"]
    assert f"courses: course {cid} ({title}) teaches unknown skill 'ghost_skill'" in problems
    item = content.iloc[0]
    assert (f"content_items: content item {item['content_id']} ({item['title']}) teaches skill "
            f"'{outsider}' that its course {item['course_id']} does not teach") in problems
    assert "skill_aliases: alias 'Nope' refers to unknown skill 'nope'" in problems


def test_validator_catches_an_unreachable_role(catalog: Catalog) -> None:
    broken = dataclasses.replace(catalog, roles=_roles_with(
        catalog, _role(9002, "Orphan Senior", "Senior", ["python", "sql", "git", "docker"])))
    problems = validate_catalog(broken)
    assert any(p.startswith("roles: role 9002 (Orphan Senior) is unreachable") for p in problems)
    # Pointing a role at it makes it reachable; an entry-level role needs nobody.
    fixed = dataclasses.replace(catalog, roles=_roles_with(
        catalog,
        _role(9002, "Orphan Senior", "Senior", ["python", "sql", "git", "docker"]),
        _role(9003, "Test Junior", "Junior", ["python", "sql", "git", "docker"], next_roles=[9002])))
    assert validate_catalog(fixed) == []


def test_validator_catches_bad_next_roles(catalog: Catalog) -> None:
    broken = dataclasses.replace(catalog, roles=_roles_with(
        catalog, _role(9004, "Loop Junior", "Junior", ["python", "sql", "git", "docker"], next_roles=[9004, 777777])))
    problems = validate_catalog(broken)
    assert "roles: role 9004 (Loop Junior) lists itself in next_roles" in problems
    assert "roles: role 9004 (Loop Junior) next_roles points to unknown role_id 777777" in problems


def test_validator_catches_a_course_teaching_nothing(catalog: Catalog) -> None:
    extra = pd.DataFrame([
        {"course_id": 990001, "title": "Empty Course", "description": "Nothing.", "skills": [],
         "level": "Beginner", "format": "Video", "duration_hours": 3.0, "is_active": True},
        {"course_id": 990002, "title": "Ghost Course", "description": "Nothing real.", "skills": ["ghost"],
         "level": "Beginner", "format": "Video", "duration_hours": 3.0, "is_active": True},
    ])
    broken = dataclasses.replace(catalog, courses=pd.concat([catalog.courses, extra], ignore_index=True))
    problems = validate_catalog(broken)
    assert "courses: course 990001 (Empty Course) teaches no catalog skill" in problems
    assert "courses: course 990002 (Ghost Course) teaches no catalog skill" in problems


def test_validator_catches_orphan_content(catalog: Catalog) -> None:
    extra = pd.DataFrame([{"content_id": 990001, "course_id": 424242, "title": "Lost lesson",
                           "format": "Video", "skills": ["python"]}])
    broken = dataclasses.replace(
        catalog, content_items=pd.concat([catalog.content_items, extra], ignore_index=True))
    assert ("content_items: content item 990001 (Lost lesson) points to unknown course_id 424242"
            in validate_catalog(broken))


def test_validator_catches_a_required_skill_without_active_course(catalog: Catalog) -> None:
    courses = catalog.courses.copy()
    teaches_sql = courses["skills"].map(lambda s: "sql" in s)
    courses.loc[teaches_sql, "is_active"] = False
    problems = validate_catalog(dataclasses.replace(catalog, courses=courses))
    assert any(p.startswith("coverage: skill 'sql' required by role(s) ")
               and p.endswith("is not taught by any active course") for p in problems)


def test_validator_catches_duplicates_and_bad_enums(catalog: Catalog) -> None:
    skills = pd.concat([catalog.skills, catalog.skills.iloc[[0]]], ignore_index=True)
    courses = catalog.courses.copy()
    courses.at[0, "level"] = "Expert"  # a skill level, not a course level
    courses.at[1, "format"] = "Hologram"
    courses.at[2, "duration_hours"] = 0.0
    roles = catalog.roles.copy()
    roles.at[0, "seniority"] = "Intern"
    roles.at[1, "required_skills"] = [{**r, "level": "Guru"} for r in roles.at[1, "required_skills"]]
    roles.at[2, "title"] = roles.at[3, "title"].upper()  # MySQL's unique index ignores case
    broken = dataclasses.replace(catalog, skills=skills, courses=courses, roles=roles)
    problems = validate_catalog(broken)
    first_key = catalog.skills.at[0, "skill_key"]
    assert f"skills: duplicate skill_key '{first_key}'" in problems
    assert any(p.startswith("skills: duplicate name") for p in problems)
    assert any(f"course {courses.at[0, 'course_id']} " in p and "has level 'Expert'" in p for p in problems)
    assert any("has format 'Hologram'" in p for p in problems)
    assert any(f"course {courses.at[2, 'course_id']} " in p and "lasts 0.0 hours" in p for p in problems)
    assert any("has seniority 'Intern'" in p for p in problems)
    assert any("at level 'Guru'" in p for p in problems)
    assert f"roles: duplicate title '{roles.at[2, 'title']}'" in problems


def test_validator_catches_ambiguous_aliases(catalog: Catalog) -> None:
    aliases = pd.concat([catalog.skill_aliases, pd.DataFrame([
        {"skill_key": "sql", "alias": "pyhton"},          # already python's typo
        {"skill_key": "sql", "alias": "Machine Learning"},  # another skill's name
    ])], ignore_index=True)
    problems = validate_catalog(dataclasses.replace(catalog, skill_aliases=aliases))
    assert "skill_aliases: alias 'pyhton' is ambiguous: it belongs to python, sql" in problems
    assert "skill_aliases: alias 'Machine Learning' of 'sql' is the name of skill 'machine_learning'" in problems


def test_broken_copies_leave_the_cached_catalog_intact(catalog: Catalog) -> None:
    # Runs after the tests above (file order): none of them may have mutated it.
    assert load_catalog() is catalog
    assert validate_catalog(catalog) == []
