"""The catalog as dense arrays, built once per seeding run.

The generators never look anything up by key: skills, roles, courses and
content items become positions ``0..n-1``, role requirements a
``roles x skills`` matrix, course contents a ``courses x skills`` matrix and
ragged lists (next roles, content items per course, spellings per skill) CSR
arrays. Loops here run over the catalog (hundreds of rows), never learners.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.schema import COURSE_LEVELS, SKILL_LEVELS

SENIORITY = ("Junior", "Mid", "Senior", "Lead")


@dataclass(frozen=True)
class CatalogIndex:
    # skills
    skill_keys: np.ndarray  # (S,) str
    skill_names: np.ndarray  # (S,) str
    variant_text: np.ndarray  # flat: every non-canonical spelling of every skill
    variant_start: np.ndarray  # (S,)
    variant_count: np.ndarray  # (S,)
    # roles
    role_ids: np.ndarray  # (R,) int
    role_titles: np.ndarray  # (R,) str
    role_field: np.ndarray  # (R,) int code of the field
    field_names: np.ndarray  # field name per code
    role_rank: np.ndarray  # (R,) 0 Junior .. 3 Lead
    req_level: np.ndarray  # (R, S) required level 1..4, 0 = not required
    req_weight: np.ndarray  # (R, S)
    next_flat: np.ndarray  # role positions
    next_start: np.ndarray  # (R,)
    next_count: np.ndarray  # (R,)
    # courses
    course_ids: np.ndarray  # (C,) int
    course_titles: np.ndarray  # (C,) str
    course_level: np.ndarray  # (C,) 1 Beginner .. 3 Advanced
    course_hours: np.ndarray  # (C,) float
    course_active: np.ndarray  # (C,) bool
    course_skills: np.ndarray  # (C, S) float32 0/1
    course_skill_flat: np.ndarray  # skill positions, course-major
    course_skill_start: np.ndarray  # (C,)
    course_skill_count: np.ndarray  # (C,)
    # content items, grouped by course
    content_ids: np.ndarray  # (N,) int, course-major
    content_titles: np.ndarray  # (N,) str
    content_start: np.ndarray  # (C,)
    content_count: np.ndarray  # (C,)

    @property
    def n_skills(self) -> int:
        return len(self.skill_keys)

    @property
    def n_roles(self) -> int:
        return len(self.role_ids)

    @property
    def n_courses(self) -> int:
        return len(self.course_ids)


def build_index(catalog: Any, rng: np.random.Generator) -> CatalogIndex:
    """Arrays for the generators from a :class:`features.catalog.Catalog`."""
    skills = catalog.skills.reset_index(drop=True)
    keys = skills["skill_key"].astype(str).to_numpy()
    pos = {k: i for i, k in enumerate(keys)}
    names = skills["name"].astype(str).to_numpy()
    v_text, v_start, v_count = _spelling_variants(keys, names, catalog.skill_aliases, rng)

    roles = catalog.roles.reset_index(drop=True)
    role_ids = roles["role_id"].astype(np.int64).to_numpy()
    role_pos = {int(r): i for i, r in enumerate(role_ids)}
    req_level = np.zeros((len(roles), len(keys)), dtype=float)
    req_weight = np.zeros_like(req_level)
    for r, required in enumerate(roles["required_skills"]):
        for item in _as_list(required):
            s = pos.get(str(item.get("skill")))
            if s is not None:
                req_level[r, s] = _level_number(item.get("level"))
                req_weight[r, s] = float(item.get("weight") or 1.0)
    nexts = [[role_pos[int(n)] for n in _as_list(v) if int(n) in role_pos]
             for v in roles["next_roles"]]
    next_flat, next_start, next_count = _csr(nexts)
    fields = pd.Categorical(roles["field"].astype(str))
    rank = roles["seniority"].map({s: i for i, s in enumerate(SENIORITY)}).fillna(1)

    courses = catalog.courses.sort_values("course_id").reset_index(drop=True)
    course_ids = courses["course_id"].astype(np.int64).to_numpy()
    course_pos = {int(c): i for i, c in enumerate(course_ids)}
    per_course = [[pos[str(k)] for k in dict.fromkeys(_as_list(v)) if str(k) in pos]
                  for v in courses["skills"]]
    cs_flat, cs_start, cs_count = _csr(per_course)
    course_skills = np.zeros((len(courses), len(keys)), dtype=np.float32)
    course_skills[np.repeat(np.arange(len(courses)), cs_count), cs_flat] = 1.0
    levels = courses["level"].map({lv: i + 1 for i, lv in enumerate(COURSE_LEVELS)}).fillna(2)

    content = catalog.content_items.copy()
    content["_c"] = content["course_id"].map(course_pos)
    content = content.dropna(subset=["_c"]).sort_values(["_c", "content_id"])
    c_count = np.bincount(content["_c"].astype(np.int64), minlength=len(courses))

    return CatalogIndex(
        skill_keys=keys, skill_names=names,
        variant_text=v_text, variant_start=v_start, variant_count=v_count,
        role_ids=role_ids, role_titles=roles["title"].astype(str).to_numpy(dtype=object),
        role_field=np.asarray(fields.codes, dtype=np.int64),
        field_names=np.asarray(fields.categories, dtype=object),
        role_rank=rank.to_numpy(dtype=np.int64),
        req_level=req_level, req_weight=req_weight,
        next_flat=next_flat, next_start=next_start, next_count=next_count,
        course_ids=course_ids,
        course_titles=courses["title"].astype(str).to_numpy(dtype=object),
        course_level=levels.to_numpy(dtype=np.int64),
        course_hours=courses["duration_hours"].astype(float).fillna(10.0).to_numpy(),
        course_active=courses["is_active"].fillna(True).astype(bool).to_numpy(),
        course_skills=course_skills,
        course_skill_flat=cs_flat, course_skill_start=cs_start, course_skill_count=cs_count,
        content_ids=content["content_id"].astype(np.int64).to_numpy(),
        content_titles=content["title"].astype(str).to_numpy(dtype=object),
        content_start=np.cumsum(c_count) - c_count, content_count=c_count,
    )


def _as_list(value: Any) -> list[Any]:
    """JSON-ish list cells: lists, tuples, numpy arrays, or missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return list(value)


def _level_number(level: Any) -> float:
    """A required level as 1..4, from a skill-level name or a number."""
    if isinstance(level, str):
        return float(SKILL_LEVELS.index(level) + 1) if level in SKILL_LEVELS else 2.0
    if level is None:
        return 2.0
    return float(np.clip(float(level), 1, 4))


def _csr(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = np.array([len(x) for x in lists], dtype=np.int64)
    flat = np.array([v for x in lists for v in x], dtype=np.int64)
    return flat, np.cumsum(counts) - counts, counts


def _spelling_variants(
    keys: np.ndarray, names: np.ndarray, aliases: pd.DataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every way a learner might type each skill, other than its canonical name.

    Aliases from the catalog, case changes and one-keystroke typos. A spelling
    that is another skill's name or alias is dropped, so each free-text name
    written has exactly one right answer.
    """
    by_key: dict[str, list[str]] = {k: [] for k in keys}
    for key, alias in zip(aliases["skill_key"].astype(str), aliases["alias"].astype(str),
                          strict=True):
        if key in by_key and alias.strip():
            by_key[key].append(alias.strip())
    owner: dict[str, set[str]] = {}
    for key, name in zip(keys, names, strict=True):
        for text in [name, *by_key[key]]:
            owner.setdefault(text.casefold(), set()).add(key)
    variants: list[list[str]] = []
    for key, name in zip(keys, names, strict=True):
        pool = [*by_key[key], name.lower(), name.upper() if len(name) <= 6 else name.title(),
                _typo(name, rng), _typo(name, rng)]
        pool += [_typo(a, rng) for a in by_key[key][:2]]
        seen: dict[str, None] = {}
        for text in pool:
            folded = text.casefold()
            if (text and text != name and len(text) <= 150
                    and owner.get(folded, {key}) == {key}):
                seen.setdefault(text, None)
        variants.append(list(seen) or [name.lower()])
    flat = np.array([v for vs in variants for v in vs], dtype=object)
    counts = np.array([len(vs) for vs in variants], dtype=np.int64)
    return flat, np.cumsum(counts) - counts, counts


def _typo(text: str, rng: np.random.Generator) -> str:
    """One keystroke slip: a dropped, doubled or swapped letter."""
    if len(text) < 4:
        return text + text[-1]
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
