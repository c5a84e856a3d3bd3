"""How long the recommender takes for many learners, on synthetic inputs.

    .venv/bin/python benchmarks/recommend_scale.py --learners 100000

Builds learners over the shipped catalog (random skills and levels, goals, formats,
timezones, enrolments, past recommendations, quiz scores and 384-d unit vectors), then
times the career predictions, each recommendation type on its own, and all five types
in one pass (what a nightly run does: one chunk context per learner chunk), and prints a
markdown table. No database and no embedding model: the point is the ranking's cost.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from features.catalog import FORMATS, load_catalog
from features.schema import LEARNING_STYLES
from models.career import RoleSpace, predict_careers, skill_level_matrix
from models.recommend import iter_recommendations
from models.recommend_policy import RecommenderConfig
from models.recommend_space import LearnerInputs, build_space

DIM = 384


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def synthetic_inputs(n: int, seed: int = 0) -> tuple[LearnerInputs, object]:
    rng = np.random.default_rng(seed)
    catalog = load_catalog()
    space = build_space(catalog, {"skills": unit(rng, len(catalog.skills)),
                                  "courses": unit(rng, len(catalog.courses)),
                                  "content_items": unit(rng, len(catalog.content_items))})
    ids = np.arange(1, n + 1, dtype=np.int64)
    per = rng.integers(3, 15, n)
    learner = np.repeat(ids, per)
    skills = pd.DataFrame({"learner_id": learner,
                           "skill_key": space.roles.skill_keys[rng.integers(0, space.roles.n_skills,
                                                                            len(learner))],
                           "level": rng.integers(1, 5, len(learner)), "resolved": True})
    roles = RoleSpace.from_catalog(catalog.roles, catalog.skills)
    levels = skill_level_matrix(skills, ids, roles.skill_keys)
    profile = pd.DataFrame({
        "goal_role": np.where(rng.random(n) < 0.8, roles.titles[rng.integers(0, roles.n_roles, n)],
                              None),
        "current_role": np.where(rng.random(n) < 0.3,
                                 roles.titles[rng.integers(0, roles.n_roles, n)], None),
        "preferred_content_format": np.array(FORMATS)[rng.integers(0, len(FORMATS), n)],
        "learning_style": np.array(LEARNING_STYLES)[rng.integers(0, 4, n)],
        "utc_offset_hours": rng.choice([-8, -5, 0, 1, 2, 5.5, 8, 9, np.nan], n),
    }, index=pd.Index(ids, name="learner_id"))
    careers = predict_careers(levels, ids, profile, roles)
    n_enr = rng.integers(0, 6, n)
    enr = pd.DataFrame({"learner_id": np.repeat(ids, n_enr),
                        "course_id": space.course_ids[rng.integers(0, space.n_courses,
                                                                   n_enr.sum())],
                        "state": rng.choice(["active", "completed", "ended"], n_enr.sum())})
    n_fb = rng.integers(0, 10, n)
    kinds = rng.choice(["Course", "Skill", "Career", "Content", "Mentor"], n_fb.sum())
    fb = pd.DataFrame({"learner_id": np.repeat(ids, n_fb), "recommendation_type": kinds,
                       "reference_id": space.course_ids[rng.integers(0, space.n_courses,
                                                                     n_fb.sum())].astype(str),
                       "shown": 1})
    fb["ignored"] = (rng.random(len(fb)) < 0.5).astype(int)
    fb["completed"] = (rng.random(len(fb)) < 0.1).astype(int)
    fb["ignored_recent"] = fb["ignored"] * (rng.random(len(fb)) < 0.3)
    active = enr[enr["state"] == "active"]
    quiz = pd.DataFrame({"learner_id": active["learner_id"], "course_id": active["course_id"],
                         "quiz_accuracy": rng.uniform(20, 100, len(active)), "quiz_attempts": 3})
    strong = skills[skills["level"] >= 3]
    pool_ids = np.unique(strong["learner_id"])
    pool_ids = pool_ids[rng.random(len(pool_ids)) < 0.95]
    mentors = pd.DataFrame({"learner_id": pool_ids,
                            "utc_offset_hours": profile["utc_offset_hours"].reindex(pool_ids)
                            .to_numpy(),
                            "mentor_groups": rng.integers(0, 3, len(pool_ids))})
    inputs = LearnerInputs(
        learner_ids=ids, profile=profile, levels=levels, vectors=unit(rng, n), careers=careers,
        enrollments=enr, feedback=fb, quiz=quiz, mentors=mentors,
        mentor_skills=strong[strong["learner_id"].isin(pool_ids)][["learner_id", "skill_key",
                                                                    "level"]])
    return inputs, space


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--combined-only", action="store_true",
                        help="time only the one pass over all five types")
    args = parser.parse_args()
    clock = (time.perf_counter(), time.process_time())
    inputs, space = synthetic_inputs(args.learners)
    rows = [("inputs + career predictions", *_since(clock), args.learners)]
    kinds = () if args.combined_only else ("Course", "Skill", "Career", "Mentor", "Content")
    for kind in kinds:
        config = RecommenderConfig(types=(kind,), chunk_size=args.chunk_size)
        clock = (time.perf_counter(), time.process_time())
        count = sum(len(part) for part in iter_recommendations(inputs, space, config))
        rows.append((kind, *_since(clock), count))
    config = RecommenderConfig(chunk_size=args.chunk_size)
    clock = (time.perf_counter(), time.process_time())
    count = sum(len(part) for part in iter_recommendations(inputs, space, config))
    rows.append(("all five types in one pass", *_since(clock), count))
    print(f"| step ({args.learners:,} learners) | wall s | CPU s | rows |\n"
          "| --- | ---: | ---: | ---: |")
    for name, wall, cpu, count in rows:
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {count:,} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory: {peak:,.0f} MiB")


def _since(clock: tuple[float, float]) -> tuple[float, float]:
    """Wall and CPU seconds (all threads of this process) since ``clock``."""
    return time.perf_counter() - clock[0], time.process_time() - clock[1]


if __name__ == "__main__":
    main()
