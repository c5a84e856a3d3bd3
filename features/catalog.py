"""The curated catalog: skills, their aliases, career roles, courses and course content.

The catalog ships as package data of ``features`` (``features/catalog_data/``) and is
read with :mod:`importlib.resources`, so it works from a checkout and from an
installed wheel alike.

Files
-----
``skills.csv`` (hand-written) — ``skill_key,name,category,description``
    The canonical skills. ``skill_key`` is a lowercase slug (``python``,
    ``machine_learning``, ``patient_assessment``); ``name`` is the display name; both
    are unique (names case-insensitively). Free-text ``learner_skills.skill_name`` is
    resolved to these.

``skill_aliases.csv`` (generated) — ``skill_key,alias``
    How learners actually type skills: abbreviations, spellings, case variants,
    typos, qualified forms ("ML", "pyhton", "basic sql"). Each alias belongs to
    exactly one skill. Used ONLY by the demo-data generator (to produce messy
    names) and by tests that measure resolution accuracy — never by the resolver,
    which would otherwise be graded on its own answer key.

``roles.yaml`` (hand-written) — top-level ``roles:`` list
    ``role_id`` (stable int from 1), ``title`` (unique), ``field``, ``seniority``
    (Junior | Mid | Senior | Lead), ``description``, ``required_skills`` (4-10 of
    ``{skill, level, weight}``: a skill_key, the proficiency the role expects, and the
    skill's importance to the role in [0, 1]; a role's gap score is the weighted
    share of its required skills a learner lacks) and ``next_roles`` (role_ids of the
    usual next moves: promotions up the ladder of the same field and cross-field
    moves). Ladders run Junior -> Mid -> Senior -> Lead inside a field, with required
    levels never dropping on a promotion. A role is *reachable* when it is an entry
    (Junior) role or some other role lists it in ``next_roles``.

``courses.csv`` (generated) — ``course_id,title,description,skills,level,format,duration_hours,is_active``
    ``skills`` is a ``|``-separated list of skill_keys the course teaches; ``level``
    one of :data:`COURSE_LEVELS`; ``format`` one of :data:`FORMATS`; ``is_active``
    1/0 (about 3% are retired). Every skill a role requires is taught by an active
    course.

``content_items.csv`` (generated) — ``content_id,course_id,title,format,skills``
    Modules and lessons, 2-6 per course; ``skills`` is a subset of the course's.

The generated files are produced deterministically by ``tools/build_catalog.py``
from the hand-written files and its templates; ids of existing rows never change.

:func:`load_catalog` parses the files into a :class:`Catalog` of DataFrames (cached:
every call returns the same object, which callers must treat as read-only — copy a
frame before changing it). :func:`validate_catalog` lists every consistency problem
as a readable sentence; an empty list means the catalog is valid.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd
import yaml

__all__ = [
    "COURSE_LEVELS",
    "FORMATS",
    "LEVELS",
    "SENIORITIES",
    "Catalog",
    "CatalogError",
    "load_catalog",
    "validate_catalog",
]

#: Proficiency levels of skills (required role levels, learner skill levels).
LEVELS: tuple[str, ...] = ("Beginner", "Intermediate", "Advanced", "Expert")
#: Levels a course can have.
COURSE_LEVELS: tuple[str, ...] = ("Beginner", "Intermediate", "Advanced")
#: Delivery formats of courses and content items.
FORMATS: tuple[str, ...] = ("Video", "Reading", "Interactive", "VR", "Audio", "Project")
#: Seniority of career roles, in ladder order.
SENIORITIES: tuple[str, ...] = ("Junior", "Mid", "Senior", "Lead")
#: Bounds of ``courses.duration_hours``.
MIN_DURATION_HOURS, MAX_DURATION_HOURS = 1.0, 60.0

DATA_PACKAGE = "features"
DATA_DIR = "catalog_data"

_SLUG = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")

SKILL_COLUMNS = ["skill_key", "name", "category", "description"]
ALIAS_COLUMNS = ["skill_key", "alias"]
ROLE_COLUMNS = ["role_id", "title", "field", "seniority", "description", "required_skills", "next_roles"]
COURSE_COLUMNS = ["course_id", "title", "description", "skills", "level", "format", "duration_hours",
                  "is_active"]
CONTENT_COLUMNS = ["content_id", "course_id", "title", "format", "skills"]


class CatalogError(ValueError):
    """A catalog file cannot be parsed (missing column, non-numeric id, bad YAML)."""


@dataclass(frozen=True, eq=False)
class Catalog:
    """The parsed catalog. Frames keep file order and a default RangeIndex.

    - ``skills``: skill_key, name, category, description (str)
    - ``skill_aliases``: skill_key, alias (str)
    - ``roles``: role_id (int), title, field, seniority, description (str),
      required_skills (list of ``{"skill": str, "level": str, "weight": float}``),
      next_roles (list[int])
    - ``courses``: course_id (int), title, description (str), skills (list[str]),
      level, format (str), duration_hours (float), is_active (bool)
    - ``content_items``: content_id (int), course_id (int), title, format (str),
      skills (list[str])

    The instance returned by :func:`load_catalog` is shared: never mutate its frames
    (or the lists inside them); copy first. Equality is identity.
    """

    skills: pd.DataFrame
    skill_aliases: pd.DataFrame
    roles: pd.DataFrame
    courses: pd.DataFrame
    content_items: pd.DataFrame


# ----------------------------------------------------------------------------- loading


def _resource(name: str) -> Any:
    return resources.files(DATA_PACKAGE).joinpath(DATA_DIR, name)


def _read_csv(name: str, columns: list[str]) -> pd.DataFrame:
    with _resource(name).open("r", encoding="utf-8", newline="") as f:
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CatalogError(f"{name}: missing column(s) {', '.join(missing)}")
    return frame[columns].copy()


def _to_int(values: Iterable[Any], name: str, column: str) -> list[int]:
    out = []
    for row, value in enumerate(values, start=2):  # line 1 is the header
        try:
            out.append(int(str(value).strip()))
        except ValueError:
            raise CatalogError(f"{name} line {row}: {column} {value!r} is not an integer") from None
    return out


def _split_skills(value: str) -> list[str]:
    return [s.strip() for s in str(value).split("|") if s.strip()]


def _parse_flag(value: str, name: str, row: int) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    raise CatalogError(f"{name} line {row}: is_active {value!r} is not 1/0")


def _load_roles() -> pd.DataFrame:
    with _resource("roles.yaml").open("r", encoding="utf-8") as f:
        try:
            doc = yaml.safe_load(f)
        except yaml.YAMLError as exc:
            raise CatalogError(f"roles.yaml: invalid YAML: {exc}") from None
    entries = doc.get("roles") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise CatalogError("roles.yaml: expected a top-level 'roles:' list")
    rows = []
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise CatalogError(f"roles.yaml: role #{i} is not a mapping")
        try:
            role_id = int(entry.get("role_id"))
        except (TypeError, ValueError):
            raise CatalogError(f"roles.yaml: role #{i} has no integer role_id") from None
        required = []
        for req in entry.get("required_skills") or []:
            req = req if isinstance(req, dict) else {"skill": req}
            weight = req.get("weight")
            try:
                weight = float(weight) if weight is not None else float("nan")
            except (TypeError, ValueError):
                weight = float("nan")
            required.append({"skill": str(req.get("skill", "")), "level": str(req.get("level", "")),
                             "weight": weight})
        next_roles = []
        for target in entry.get("next_roles") or []:
            try:
                next_roles.append(int(target))
            except (TypeError, ValueError):
                raise CatalogError(f"roles.yaml: role {role_id} next_roles entry {target!r} "
                                   "is not a role_id") from None
        rows.append({
            "role_id": role_id,
            "title": str(entry.get("title") or ""),
            "field": str(entry.get("field") or ""),
            "seniority": str(entry.get("seniority") or ""),
            "description": str(entry.get("description") or ""),
            "required_skills": required,
            "next_roles": next_roles,
        })
    frame = pd.DataFrame(rows, columns=ROLE_COLUMNS)
    frame["role_id"] = frame["role_id"].astype("int64")
    return frame


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """Read and parse the shipped catalog files (cached: always the same object).

    The returned :class:`Catalog` is shared by every caller: treat it as read-only.
    Raises :class:`CatalogError` when a file cannot be parsed; semantic problems are
    reported by :func:`validate_catalog`, not here.
    """
    skills = _read_csv("skills.csv", SKILL_COLUMNS)
    aliases = _read_csv("skill_aliases.csv", ALIAS_COLUMNS)

    courses = _read_csv("courses.csv", COURSE_COLUMNS)
    courses["course_id"] = pd.Series(_to_int(courses["course_id"], "courses.csv", "course_id"), dtype="int64")
    courses["skills"] = [_split_skills(v) for v in courses["skills"]]
    try:
        courses["duration_hours"] = courses["duration_hours"].astype("float64")
    except ValueError as exc:
        raise CatalogError(f"courses.csv: duration_hours: {exc}") from None
    courses["is_active"] = pd.Series(
        [_parse_flag(v, "courses.csv", i) for i, v in enumerate(courses["is_active"], start=2)], dtype=bool)

    content = _read_csv("content_items.csv", CONTENT_COLUMNS)
    content["content_id"] = pd.Series(_to_int(content["content_id"], "content_items.csv", "content_id"),
                                      dtype="int64")
    content["course_id"] = pd.Series(_to_int(content["course_id"], "content_items.csv", "course_id"),
                                     dtype="int64")
    content["skills"] = [_split_skills(v) for v in content["skills"]]

    return Catalog(skills=skills, skill_aliases=aliases, roles=_load_roles(), courses=courses,
                   content_items=content)


# ----------------------------------------------------------------------------- validation


def _duplicates(values: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    dups: list[Any] = []
    for v in values:
        if v in seen and v not in dups:
            dups.append(v)
        seen.add(v)
    return dups


def _duplicates_ci(values: Iterable[Any]) -> list[str]:
    """Values repeated case-insensitively (as MySQL's default collation compares
    unique columns), in their first spelling."""
    first: dict[str, str] = {}
    dups: list[str] = []
    for v in values:
        folded = str(v).casefold()
        if folded in first and first[folded] not in dups:
            dups.append(first[folded])
        first.setdefault(folded, str(v))
    return dups


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _check_skills(catalog: Catalog, problems: list[str]) -> set[str]:
    skills = catalog.skills
    for key in _duplicates(skills["skill_key"]):
        problems.append(f"skills: duplicate skill_key '{key}'")
    for name in _duplicates_ci(skills["name"]):
        problems.append(f"skills: duplicate name '{name}' (names are compared case-insensitively)")
    for key, name, category in zip(skills["skill_key"], skills["name"], skills["category"], strict=True):
        if not _SLUG.match(str(key)):
            problems.append(f"skills: skill_key '{key}' is not a lowercase slug (a-z, 0-9, single underscores)")
        if not str(name).strip():
            problems.append(f"skills: skill '{key}' has an empty name")
        if not str(category).strip():
            problems.append(f"skills: skill '{key}' has no category")
    return set(skills["skill_key"])


def _check_aliases(catalog: Catalog, keys: set[str], problems: list[str]) -> None:
    aliases = catalog.skill_aliases
    name_owner = {str(n).casefold(): k for k, n in zip(catalog.skills["skill_key"], catalog.skills["name"],
                                                       strict=True)}
    owners: dict[str, set[str]] = {}
    for key, alias in zip(aliases["skill_key"], aliases["alias"], strict=True):
        if key not in keys:
            problems.append(f"skill_aliases: alias '{alias}' refers to unknown skill '{key}'")
            continue
        if not str(alias).strip():
            problems.append(f"skill_aliases: empty alias for skill '{key}'")
            continue
        folded = str(alias).casefold()
        owners.setdefault(folded, set()).add(key)
        other = name_owner.get(folded)
        if other is not None and other != key:
            problems.append(f"skill_aliases: alias '{alias}' of '{key}' is the name of skill '{other}'")
    for folded, owner_keys in owners.items():
        if len(owner_keys) > 1:
            problems.append(f"skill_aliases: alias '{folded}' is ambiguous: it belongs to "
                            f"{', '.join(sorted(owner_keys))}")


def _check_roles(catalog: Catalog, keys: set[str], problems: list[str]) -> None:
    roles = catalog.roles
    for rid in _duplicates(roles["role_id"]):
        problems.append(f"roles: duplicate role_id {rid}")
    for title in _duplicates_ci(roles["title"]):
        problems.append(f"roles: duplicate title '{title}'")
    ids = set(roles["role_id"])
    pointed_to: set[int] = set()
    for row in roles.itertuples(index=False):
        label = f"role {row.role_id} ({row.title})"
        if not str(row.title).strip():
            problems.append(f"roles: role {row.role_id} has an empty title")
        if row.seniority not in SENIORITIES:
            problems.append(f"roles: {label} has seniority '{row.seniority}', expected one of "
                            f"{', '.join(SENIORITIES)}")
        required = _as_list(row.required_skills)
        if not required:
            problems.append(f"roles: {label} has no required_skills")
            required = []
        seen: set[str] = set()
        for req in required:
            if not isinstance(req, dict):
                problems.append(f"roles: {label} has a malformed required skill {req!r}")
                continue
            skill, level, weight = req.get("skill"), req.get("level"), req.get("weight")
            if skill not in keys:
                problems.append(f"roles: {label} requires unknown skill '{skill}'")
            if skill in seen:
                problems.append(f"roles: {label} lists skill '{skill}' twice")
            seen.add(skill)
            if level not in LEVELS:
                problems.append(f"roles: {label} requires '{skill}' at level '{level}', expected one of "
                                f"{', '.join(LEVELS)}")
            if not isinstance(weight, (int, float)) or not 0.0 <= float(weight) <= 1.0:
                problems.append(f"roles: {label} gives '{skill}' weight {weight!r}, expected a number in [0, 1]")
        next_roles = _as_list(row.next_roles)
        if next_roles is None:
            problems.append(f"roles: {label} next_roles is not a list")
            next_roles = []
        for target in next_roles:
            if target == row.role_id:
                problems.append(f"roles: {label} lists itself in next_roles")
            elif target not in ids:
                problems.append(f"roles: {label} next_roles points to unknown role_id {target}")
            else:
                pointed_to.add(target)
    for row in roles.itertuples(index=False):
        if row.seniority != "Junior" and row.role_id not in pointed_to:
            problems.append(f"roles: role {row.role_id} ({row.title}) is unreachable: it is not an entry "
                            "(Junior) role and no other role lists it in next_roles")


def _check_courses(catalog: Catalog, keys: set[str], problems: list[str]) -> dict[Any, list[str]]:
    courses = catalog.courses
    for cid in _duplicates(courses["course_id"]):
        problems.append(f"courses: duplicate course_id {cid}")
    for title in _duplicates_ci(courses["title"]):
        problems.append(f"courses: duplicate title '{title}'")
    skills_of: dict[Any, list[str]] = {}
    for row in courses.itertuples(index=False):
        label = f"course {row.course_id} ({row.title})"
        taught = _as_list(row.skills) or []
        skills_of[row.course_id] = taught
        for skill in taught:
            if skill not in keys:
                problems.append(f"courses: {label} teaches unknown skill '{skill}'")
        if not any(skill in keys for skill in taught):
            problems.append(f"courses: {label} teaches no catalog skill")
        if row.level not in COURSE_LEVELS:
            problems.append(f"courses: {label} has level '{row.level}', expected one of "
                            f"{', '.join(COURSE_LEVELS)}")
        if row.format not in FORMATS:
            problems.append(f"courses: {label} has format '{row.format}', expected one of {', '.join(FORMATS)}")
        hours = row.duration_hours
        if not isinstance(hours, (int, float)) or not MIN_DURATION_HOURS <= float(hours) <= MAX_DURATION_HOURS:
            problems.append(f"courses: {label} lasts {hours!r} hours, expected "
                            f"{MIN_DURATION_HOURS:g}-{MAX_DURATION_HOURS:g}")
        if not pd.api.types.is_bool(row.is_active):
            problems.append(f"courses: {label} is_active {row.is_active!r} is not a boolean")
    return skills_of


def _check_content(catalog: Catalog, keys: set[str], skills_of: dict[Any, list[str]],
                   problems: list[str]) -> None:
    content = catalog.content_items
    for cid in _duplicates(content["content_id"]):
        problems.append(f"content_items: duplicate content_id {cid}")
    for row in content.itertuples(index=False):
        label = f"content item {row.content_id} ({row.title})"
        if row.format not in FORMATS:
            problems.append(f"content_items: {label} has format '{row.format}', expected one of "
                            f"{', '.join(FORMATS)}")
        if row.course_id not in skills_of:
            problems.append(f"content_items: {label} points to unknown course_id {row.course_id}")
            continue
        taught = _as_list(row.skills) or []
        if not taught:
            problems.append(f"content_items: {label} teaches no skill")
        course_skills = set(skills_of[row.course_id])
        for skill in taught:
            if skill not in keys:
                problems.append(f"content_items: {label} teaches unknown skill '{skill}'")
            elif skill not in course_skills:
                problems.append(f"content_items: {label} teaches skill '{skill}' that its course "
                                f"{row.course_id} does not teach")


def _check_coverage(catalog: Catalog, keys: set[str], problems: list[str]) -> None:
    courses = catalog.courses
    active_skills: set[str] = set()
    for taught, active in zip(courses["skills"], courses["is_active"], strict=True):
        if active is True or active == 1:
            active_skills.update(_as_list(taught) or [])
    needed_by: dict[str, list[int]] = {}
    for rid, required in zip(catalog.roles["role_id"], catalog.roles["required_skills"], strict=True):
        for req in _as_list(required) or []:
            if isinstance(req, dict) and req.get("skill") in keys:
                needed_by.setdefault(req["skill"], []).append(int(rid))
    for skill, role_ids in needed_by.items():
        if skill not in active_skills:
            problems.append(f"coverage: skill '{skill}' required by role(s) "
                            f"{', '.join(map(str, role_ids))} is not taught by any active course")


def validate_catalog(catalog: Catalog) -> list[str]:
    """Every consistency problem of ``catalog`` as a readable sentence; [] when valid.

    Checks: duplicate keys, names, ids and titles; skill keys that are not slugs;
    aliases of unknown skills or claimed by several skills; roles requiring unknown
    skills, bad levels, seniorities or weights; next_roles pointing to unknown roles
    or to the role itself; unreachable roles; courses teaching no or unknown skills,
    bad levels, formats or durations; content items of unknown courses or teaching
    skills their course does not; skills a role requires that no active course teaches.
    Each message starts with the part it concerns (``skills:``, ``roles:``, ...).
    """
    problems: list[str] = []
    keys = _check_skills(catalog, problems)
    _check_aliases(catalog, keys, problems)
    _check_roles(catalog, keys, problems)
    skills_of = _check_courses(catalog, keys, problems)
    _check_content(catalog, keys, skills_of, problems)
    _check_coverage(catalog, keys, problems)
    return problems
