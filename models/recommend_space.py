"""What the recommender works on: the catalog as arrays, and the learners' inputs.

Pure data structures and their builders; no database access. The catalog becomes
positions ``0..n-1`` with sparse items x skills matrices and embedding matrices
(:class:`CatalogSpace`); a run's learners become aligned arrays and small frames
(:class:`LearnerInputs`); statistics over the whole population (course co-occurrence,
what learners aiming at the same role ignored) are fitted once per run
(:class:`PopulationStats`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from features.catalog import FORMATS
from models.career import RoleSpace

#: Course levels by number (0 = unknown).
COURSE_LEVEL_NUMBER = {"Beginner": 1, "Intermediate": 2, "Advanced": 3}
#: Formats that suit each learning style (a weaker signal than a stated format).
STYLE_FORMATS: dict[str, tuple[str, ...]] = {
    "Visual": ("Video", "VR"),
    "Auditory": ("Audio", "Video"),
    "Reading/Writing": ("Reading",),
    "Kinesthetic": ("Interactive", "Project", "VR"),
}
#: Format fit: the stated preferred format, a format suiting the learning style.
PREFERRED_FORMAT_FIT, STYLE_FORMAT_FIT = 1.0, 0.5


# ----------------------------------------------------------------------------- texts


def course_texts(courses: pd.DataFrame) -> list[str]:
    """What a course's embedding encodes: its title and description."""
    return [f"{t}. {d}" if isinstance(d, str) and d.strip() else str(t)
            for t, d in zip(courses["title"], courses["description"], strict=True)]


def content_texts(content: pd.DataFrame, courses: pd.DataFrame) -> list[str]:
    """A lesson's embedding text: its title within its course's title."""
    titles = content["course_id"].map(courses.set_index("course_id")["title"])
    return [f"{t} ({c})" if isinstance(c, str) else str(t)
            for t, c in zip(content["title"], titles, strict=True)]


def skill_catalog_texts(skills: pd.DataFrame) -> list[str]:
    """A catalog skill's embedding text: name and description."""
    return [f"{n}: {d}" if isinstance(d, str) and d.strip() else str(n)
            for n, d in zip(skills["name"], skills["description"], strict=True)]


# ----------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class CatalogSpace:
    """The catalog as positions, sparse skill matrices and unit embedding matrices."""

    roles: RoleSpace
    skill_vectors: np.ndarray  # (S, d)
    skill_similarity: np.ndarray  # (S, S) cosine, float32
    course_ids: np.ndarray  # (C,)
    course_titles: np.ndarray
    course_level: np.ndarray  # (C,) 0 unknown, 1..3
    course_format: np.ndarray  # (C,) index into FORMATS, -1 unknown
    course_active: np.ndarray  # (C,) bool
    course_skills: sparse.csr_matrix  # (C, S) 0/1
    course_vectors: np.ndarray  # (C, d)
    content_ids: np.ndarray  # (N,)
    content_titles: np.ndarray
    content_course: np.ndarray  # (N,) course position, -1 unknown
    content_format: np.ndarray  # (N,) index into FORMATS, -1 unknown
    content_skills: sparse.csr_matrix  # (N, S) 0/1
    content_vectors: np.ndarray  # (N, d)

    @property
    def n_courses(self) -> int:
        return len(self.course_ids)

    @property
    def n_content(self) -> int:
        return len(self.content_ids)

    def course_position(self, course_ids: Sequence[object]) -> np.ndarray:
        return pd.Index(self.course_ids).get_indexer(pd.to_numeric(
            pd.Series(list(course_ids), dtype=object), errors="coerce"))


def build_space(catalog: object, vectors: Mapping[str, np.ndarray]) -> CatalogSpace:
    """From a catalog (skills, roles, courses, content_items frames) and unit vectors.

    ``vectors`` holds ``skills``, ``courses`` and ``content_items`` matrices, row i for
    row i of the catalog frame (texts from :func:`skill_catalog_texts`,
    :func:`course_texts` and :func:`content_texts`).
    """
    skills, roles = catalog.skills.reset_index(drop=True), catalog.roles.reset_index(drop=True)
    courses = catalog.courses.reset_index(drop=True)
    content = catalog.content_items.reset_index(drop=True)
    role_space = RoleSpace.from_catalog(roles, skills)
    skill_index = pd.Index(role_space.skill_keys)
    skill_vectors = np.asarray(vectors["skills"], dtype=np.float32)
    course_ids = courses["course_id"].astype(np.int64).to_numpy()
    fmt = {f: i for i, f in enumerate(FORMATS)}
    return CatalogSpace(
        roles=role_space,
        skill_vectors=skill_vectors,
        skill_similarity=skill_vectors @ skill_vectors.T,
        course_ids=course_ids,
        course_titles=courses["title"].astype(str).to_numpy(),
        course_level=courses["level"].map(COURSE_LEVEL_NUMBER).fillna(0).astype(int).to_numpy(),
        course_format=courses["format"].map(fmt).fillna(-1).astype(int).to_numpy(),
        course_active=courses["is_active"].fillna(False).astype(bool).to_numpy(),
        course_skills=_skill_matrix(courses["skills"], skill_index),
        course_vectors=np.asarray(vectors["courses"], dtype=np.float32),
        content_ids=content["content_id"].astype(np.int64).to_numpy(),
        content_titles=content["title"].astype(str).to_numpy(),
        content_course=pd.Index(course_ids).get_indexer(content["course_id"]),
        content_format=content["format"].map(fmt).fillna(-1).astype(int).to_numpy(),
        content_skills=_skill_matrix(content["skills"], skill_index),
        content_vectors=np.asarray(vectors["content_items"], dtype=np.float32),
    )


def _skill_matrix(lists: pd.Series, skill_index: pd.Index) -> sparse.csr_matrix:
    """Items x skills 0/1 from per-item skill-key lists (unknown keys ignored)."""
    items = pd.Series([s if isinstance(s, list) else [] for s in lists]).explode().dropna()
    pos = skill_index.get_indexer(items.to_numpy())
    keep = pos >= 0
    matrix = sparse.csr_matrix(
        (np.ones(int(keep.sum()), np.float32), (items.index.to_numpy()[keep], pos[keep])),
        shape=(len(lists), len(skill_index)))
    matrix.data[:] = 1.0
    return matrix


# ----------------------------------------------------------------------------- learners


def _empty(columns: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


ENROLLMENT_COLUMNS = {"learner_id": "int64", "course_id": "int64", "state": "object"}
FEEDBACK_COLUMNS = {"learner_id": "int64", "recommendation_type": "object",
                    "reference_id": "object", "shown": "int64", "ignored": "int64",
                    "completed": "int64", "ignored_recent": "int64"}
QUIZ_COLUMNS = {"learner_id": "int64", "course_id": "int64", "quiz_accuracy": "float64",
                "quiz_attempts": "int64"}
MENTOR_COLUMNS = {"learner_id": "int64", "utc_offset_hours": "float64",
                  "mentor_groups": "int64"}
MENTOR_SKILL_COLUMNS = {"learner_id": "int64", "skill_key": "object", "level": "int64"}


@dataclass
class LearnerInputs:
    """Everything the recommender knows about the learners of a run, as of one moment.

    - ``learner_ids``: the learners to recommend for (opted-in only; the caller filters);
    - ``profile`` (index learner_id): preferred_content_format, learning_style,
      utc_offset_hours (NaN when the timezone is unknown);
    - ``levels``: learners x skills level matrix (:func:`models.career.skill_level_matrix`);
    - ``vectors``: learners x d unit recommendation vectors (zero row = no signal);
    - ``careers``: :func:`models.career.predict_careers` for ``learner_ids``;
    - ``enrollments``: learner_id, course_id, state ('active' | 'completed' | 'ended'),
      every learner's (co-occurrence and peer statistics use them all);
    - ``feedback``: past recommendations with an outcome (Clicked, Ignored, Completed) per
      (learner_id, recommendation_type, reference_id): shown, ignored, completed,
      ignored_recent (counts; every learner's, not only the run's: peers count too);
    - ``quiz``: learner_id, course_id, quiz_accuracy (0-100), quiz_attempts;
    - ``mentors``: the mentor pool (opted-in, active learners): learner_id,
      utc_offset_hours, mentor_groups (active groups where they are Mentor or Facilitator);
    - ``mentor_skills``: learner_id, skill_key, level (3 Advanced or 4 Expert) of the pool.
    """

    learner_ids: np.ndarray
    profile: pd.DataFrame
    levels: sparse.csr_matrix
    vectors: np.ndarray
    careers: pd.DataFrame
    enrollments: pd.DataFrame = field(default_factory=lambda: _empty(ENROLLMENT_COLUMNS))
    feedback: pd.DataFrame = field(default_factory=lambda: _empty(FEEDBACK_COLUMNS))
    quiz: pd.DataFrame = field(default_factory=lambda: _empty(QUIZ_COLUMNS))
    mentors: pd.DataFrame = field(default_factory=lambda: _empty(MENTOR_COLUMNS))
    mentor_skills: pd.DataFrame = field(default_factory=lambda: _empty(MENTOR_SKILL_COLUMNS))

    def __post_init__(self) -> None:
        self.learner_ids = np.asarray(self.learner_ids, dtype=np.int64)
        n = len(self.learner_ids)
        if self.levels.shape[0] != n or len(self.vectors) != n or len(self.careers) != n:
            raise ValueError("levels, vectors and careers must have one row per learner")

    @property
    def n(self) -> int:
        return len(self.learner_ids)

    def positions(self, learner_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Position of each learner id among ``learner_ids`` (-1 when absent)."""
        return pd.Index(self.learner_ids).get_indexer(np.asarray(learner_ids))


# ----------------------------------------------------------------------------- population


@dataclass(frozen=True)
class PopulationStats:
    """Statistics over every learner's history, fitted once per run.

    - ``jaccard``: courses x courses Jaccard co-occurrence of enrolments (diagonal 0);
    - ``course_ignore_excess``: roles x courses, how much more often than usual learners
      aiming at the role ignored a recommendation of the course, in [0, 1];
    - ``course_ignore_global``: per course, the same over all learners (used for learners
      without a target role);
    - ``peer_share``: roles x courses, the share of learners aiming at the role who
      enrolled in the course (what similar learners took); ``peer_count`` the learners
      aiming at each role.
    """

    jaccard: np.ndarray
    course_ignore_excess: np.ndarray
    course_ignore_global: np.ndarray
    peer_share: np.ndarray
    peer_count: np.ndarray

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays (the co-occurrence matrix as its nonzero cells: it is sparse)."""
        rows, cols = np.nonzero(self.jaccard)
        return {"jaccard_shape": np.asarray(self.jaccard.shape, np.int64),
                "jaccard_rows": rows.astype(np.int32), "jaccard_cols": cols.astype(np.int32),
                "jaccard_values": self.jaccard[rows, cols],
                "course_ignore_excess": self.course_ignore_excess,
                "course_ignore_global": self.course_ignore_global,
                "peer_share": self.peer_share, "peer_count": self.peer_count}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> PopulationStats:
        jaccard = np.zeros(tuple(arrays["jaccard_shape"]), np.float32)
        jaccard[arrays["jaccard_rows"], arrays["jaccard_cols"]] = arrays["jaccard_values"]
        return cls(jaccard=jaccard, course_ignore_excess=arrays["course_ignore_excess"],
                   course_ignore_global=arrays["course_ignore_global"],
                   peer_share=arrays["peer_share"], peer_count=arrays["peer_count"])


#: Pseudo-count pulling a role's ignore rate of a course towards the course's overall rate.
IGNORE_PRIOR = 5.0


def cooccurrence_jaccard(history: pd.DataFrame, space: CatalogSpace) -> np.ndarray:
    """Courses x courses Jaccard similarity of the sets of learners who enrolled in each."""
    pos = space.course_position(history["course_id"])
    keep = pos >= 0
    learners, inverse = np.unique(history["learner_id"].to_numpy()[keep], return_inverse=True)
    x = sparse.csr_matrix((np.ones(int(keep.sum()), np.float32), (inverse, pos[keep])),
                          shape=(len(learners), space.n_courses))
    x.data[:] = 1.0
    x.sum_duplicates()
    x.data[:] = 1.0
    both = (x.T @ x).toarray().astype(np.float64)
    count = np.diag(both).copy()
    union = count[:, None] + count[None, :] - both
    jaccard = np.divide(both, union, out=np.zeros_like(both), where=union > 0)
    np.fill_diagonal(jaccard, 0.0)
    return jaccard.astype(np.float32)


def course_ignore_rates(feedback: pd.DataFrame, target_role: pd.Series,
                        space: CatalogSpace) -> tuple[np.ndarray, np.ndarray]:
    """``(roles x courses excess, per-course excess)`` of Course recommendations ignored.

    Learners "similar" to a learner are those aiming at the same role (goal, else predicted
    next role; ``target_role`` maps learner_id to a role position, -1 none). A rate is
    smoothed towards the course's overall rate with :data:`IGNORE_PRIOR` pseudo-counts,
    and only the excess over the run's overall ignore rate counts, rescaled to [0, 1]:
    ``max(0, rate - base) / (1 - base)``.
    """
    n_roles, n_courses = space.roles.n_roles, space.n_courses
    fb = feedback[feedback["recommendation_type"] == "Course"]
    course = space.course_position(fb["reference_id"])
    role = target_role.reindex(fb["learner_id"].to_numpy()).fillna(-1).astype(int).to_numpy()
    keep = course >= 0
    shown = np.bincount(course[keep], fb["shown"].to_numpy()[keep], minlength=n_courses)
    ignored = np.bincount(course[keep], fb["ignored"].to_numpy()[keep], minlength=n_courses)
    base = ignored.sum() / shown.sum() if shown.sum() > 0 else 0.0
    course_rate = (ignored + IGNORE_PRIOR * base) / (shown + IGNORE_PRIOR)
    with_role = keep & (role >= 0)
    flat = role[with_role] * n_courses + course[with_role]
    r_shown = np.bincount(flat, fb["shown"].to_numpy()[with_role],
                          minlength=n_roles * n_courses).reshape(n_roles, n_courses)
    r_ignored = np.bincount(flat, fb["ignored"].to_numpy()[with_role],
                            minlength=n_roles * n_courses).reshape(n_roles, n_courses)
    role_rate = (r_ignored + IGNORE_PRIOR * course_rate[None, :]) / (r_shown + IGNORE_PRIOR)

    def excess(rate: np.ndarray) -> np.ndarray:
        return (np.clip(rate - base, 0.0, None) / max(1.0 - base, 1e-9)).astype(np.float32)

    return excess(role_rate), excess(course_rate)


def peer_enrolment_share(history: pd.DataFrame, target_role: pd.Series,
                         space: CatalogSpace) -> tuple[np.ndarray, np.ndarray]:
    """``(roles x courses share, learners per role)``: of the learners aiming at a role
    (``target_role``: learner_id -> role position), the share who enrolled in each course."""
    n_roles, n_courses = space.roles.n_roles, space.n_courses
    pairs = history[["learner_id", "course_id"]].drop_duplicates()
    role = target_role.reindex(pairs["learner_id"].to_numpy()).fillna(-1).astype(int).to_numpy()
    course = space.course_position(pairs["course_id"])
    keep = (role >= 0) & (course >= 0)
    counts = np.bincount(role[keep] * n_courses + course[keep],
                         minlength=n_roles * n_courses).reshape(n_roles, n_courses)
    learners = np.bincount(target_role[target_role >= 0].astype(int).to_numpy(),
                           minlength=n_roles)
    share = np.divide(counts, learners[:, None], out=np.zeros((n_roles, n_courses)),
                      where=learners[:, None] > 0)
    return share.astype(np.float32), learners


def fit_population(inputs: LearnerInputs, space: CatalogSpace,
                   history: pd.DataFrame | None = None,
                   feedback: pd.DataFrame | None = None,
                   targets: pd.Series | None = None) -> PopulationStats:
    """Co-occurrence and peer-ignore statistics from ``history``/``feedback`` (default:
    the inputs' own enrolments and feedback) and ``targets`` (learner_id -> target role
    position; default: the inputs' learners' — pass everyone's when the inputs cover
    only some learners, so the statistics do not depend on which)."""
    history = inputs.enrollments if history is None else history
    feedback = inputs.feedback if feedback is None else feedback
    target = targets if targets is not None else pd.Series(
        inputs.careers["target_pos"].to_numpy(), index=inputs.learner_ids)
    excess, global_excess = course_ignore_rates(feedback, target, space)
    share, count = peer_enrolment_share(history, target, space)
    return PopulationStats(jaccard=cooccurrence_jaccard(history, space),
                           course_ignore_excess=excess, course_ignore_global=global_excess,
                           peer_share=share, peer_count=count)
