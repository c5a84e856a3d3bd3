"""Resolve free-text learner skill names ("python3", "pyhton", "ML") to catalog skills.

Pure ML: the caller passes the catalog (a DataFrame) and the sentence vectors
(from :mod:`features.embedding_cache`); nothing here reads the database.

A name's score against each catalog skill combines, with weights that are
hyperparameters of :class:`SkillResolver`:

- **meaning** — cosine of the sentence embeddings of the name and of the
  skill's ``"name — description"`` (:func:`catalog_texts`);
- **spelling** — cosine of character 2-4-gram TF-IDF vectors of the
  normalised name and skill name (:func:`normalize_skill_name`);
- **description words** — cosine of word TF-IDF vectors of the name and the
  skill's name + description (descriptions name tools: "Workday" -> HRIS);

and three exact signals derived from the catalog itself, never from a list of
aliases: an exact normalised name (score 1), a unique acronym of a skill name
("NLP", "L&D", "JS" from JavaScript), and a one-edit typo of a skill name
("pyhton", "dokcer"). The best skill wins when its score reaches the threshold;
otherwise the name stays unresolved.

The catalog's ``skill_aliases`` are answer keys: they are used only to tune
the threshold and to measure accuracy (:func:`evaluate_resolution`), never to
look names up. ``python -m models.skill_resolution`` prints the measurement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    CountVectorizer,
    TfidfVectorizer,
)

#: Tuned on the catalog's aliases with ``python -m models.skill_resolution``
#: (all-MiniLM-L6-v2, 411 skills, 2871 aliases, JUNK_NAMES as negatives): the
#: tuner picks 0.308 = highest junk score + 0.02. At 0.31: accuracy 0.900,
#: resolved share 0.952, precision of resolved 0.946, no junk resolved; the
#: ceiling any threshold allows (top-1 accuracy) is 0.917. Tuned on half the
#: skills and measured on the other half (5 splits): accuracy 0.897-0.907.
#: Most misses need world knowledge MiniLM lacks ("TOPIK" -> Korean,
#: "Workday" -> HRIS is caught only through its description, "Epic" -> EHR).
DEFAULT_THRESHOLD = 0.31

#: Strings learners type into a skill field that are not skills. Negatives for
#: tuning the threshold (the tests check other junk, held out from tuning).
JUNK_NAMES: tuple[str, ...] = (
    "n/a", "none", "qwerty", "lorem ipsum", "stuff", "things I like", "xyz",
    "hello world", "i am a hard worker", "todo", "aaaa", "12345", "my cat", "weekend",
    "misc", "other", "yes", "good", "zzzz", "random", "???", "-", "nothing",
    "hobbies and interests", "blah blah", "asdf", "jkl;", "foo bar", "my favourite food",
    "sunny day", "dfghjk", "none of the above", "see above", "na", "nil", "idk",
    "whatever", "my family", "watching tv", "sleeping",
)

_SEPARATOR = " — "
_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)
#: Words left out of acronyms ("Infrastructure as Code" -> "iac" and "ic").
_ACRONYM_SKIP = frozenset({"and", "of", "as", "for", "the", "to", "in", "with", "a", "an", "on"})
#: Names shorter than this (compact) get no typo matching: too many near misses.
_MIN_TYPO_LEN = 5
#: Names resolved per block: bounds the (block x skills) score matrices.
_BLOCK = 4096


def catalog_texts(catalog_skills: pd.DataFrame) -> list[str]:
    """The text to embed for each catalog skill, row-aligned: ``"name — description"``.

    Measured on the aliases: the name with its description beats the name
    alone once combined with spelling (top-1 0.890 vs 0.863), mostly because
    descriptions keep junk strings further from every skill.
    """
    names = catalog_skills["name"].astype(str)
    descriptions = catalog_skills["description"].fillna("").astype(str).str.strip()
    return (names + np.where(descriptions.eq(""), "", _SEPARATOR + descriptions)).tolist()


def normalize_skill_name(names: Sequence[str] | pd.Series) -> pd.Series:
    """Lowercase, NFKC, ``&`` -> ``and``, punctuation -> space, ``python3`` -> ``python 3``.

    ``+`` and ``#`` are kept: they tell C, C++ and C# apart.
    """
    s = pd.Series(names, dtype=object).fillna("").astype(str)
    s = s.str.normalize("NFKC").str.lower().str.replace("&", " and ", regex=False)
    s = s.str.replace(r"[^a-z0-9+#]+", " ", regex=True)
    s = s.str.replace(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", regex=True)
    return s.str.split().str.join(" ")


def _compact(names: Sequence[str] | pd.Series) -> pd.Series:
    """Letters, digits and ``+#&`` only: the key for exact and acronym matches."""
    s = pd.Series(names, dtype=object).fillna("").astype(str)
    return s.str.normalize("NFKC").str.lower().str.replace(r"[^a-z0-9+#&]", "", regex=True)


def _acronyms(name: str) -> set[str]:
    """Acronyms of a multi-word skill name: all initials, initials without small
    words, and with ``&`` for "and" ("Learning and Development" -> lad, ld, l&d).
    camelCase counts as two words (JavaScript -> js, BigQuery -> bq)."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    words = [w for w in re.split(r"[^A-Za-z0-9+#]+", spaced) if w]
    if len(words) < 2:
        return set()
    variants = {
        "".join(w[0] for w in words),
        "".join(w[0] for w in words if w.lower() not in _ACRONYM_SKIP),
        "".join("&" if w.lower() == "and" else w[0] for w in words),
    }
    return {v.lower() for v in variants if len(v) >= 2}


def _deletions(text: str) -> list[str]:
    """The text and every one-character deletion of it (spaces removed).

    Two strings share a member when they are one deletion, insertion,
    substitution or adjacent swap apart (the SymSpell idea), so one sparse
    product of these indicator sets finds the typos of all pairs at once.
    """
    t = text.replace(" ", "")
    if len(t) < _MIN_TYPO_LEN:
        return []
    return [t, *(t[:i] + t[i + 1 :] for i in range(len(t)))]


class SkillResolver:
    """Maps raw skill names to catalog ``skill_key``s (scikit-learn style).

    ``__init__`` stores hyperparameters; :meth:`fit` learns the catalog's
    vectorisers and matrices (attributes ending in ``_``); :meth:`resolve`
    scores every name against every skill with matrix products.
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        embedding_weight: float = 0.70,
        spelling_weight: float = 0.20,
        description_weight: float = 0.10,
        acronym_score: float = 0.70,
        typo_floor: float = 0.60,
    ) -> None:
        self.threshold = threshold
        self.embedding_weight = embedding_weight
        self.spelling_weight = spelling_weight
        self.description_weight = description_weight
        self.acronym_score = acronym_score
        self.typo_floor = typo_floor

    # ------------------------------------------------------------------ fit

    def fit(self, catalog_skills: pd.DataFrame, catalog_vectors: np.ndarray) -> SkillResolver:
        """Learn the catalog. ``catalog_vectors[i]`` embeds ``catalog_texts(catalog_skills)[i]``."""
        missing = {"skill_key", "name"} - set(catalog_skills.columns)
        if missing:
            raise ValueError(f"catalog_skills lacks columns {sorted(missing)}")
        vectors = np.asarray(catalog_vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(catalog_skills):
            raise ValueError(
                f"catalog_vectors has shape {vectors.shape}; expected one row per skill "
                f"({len(catalog_skills)})"
            )
        if len(catalog_skills) == 0:
            raise ValueError("the catalog has no skills")
        skills = catalog_skills.reset_index(drop=True)
        names = skills["name"].astype(str)
        descriptions = skills.get("description", pd.Series("", index=skills.index))
        self.skill_keys_ = skills["skill_key"].astype(str).to_numpy(dtype=object)
        self.catalog_vectors_ = _unit_rows(vectors)

        normalised = normalize_skill_name(names)
        self.spelling_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True
        ).fit(normalised)
        self.spelling_matrix_ = self.spelling_vectorizer_.transform(normalised)

        documents = normalize_skill_name(names + " " + descriptions.fillna("").astype(str))
        self.word_vectorizer_ = TfidfVectorizer(
            analyzer="word", sublinear_tf=True, stop_words=sorted(_STOP_WORDS),
            token_pattern=r"(?u)\b[a-z0-9+#]{2,}\b",
        ).fit(documents)
        self.word_matrix_ = self.word_vectorizer_.transform(documents)

        self.typo_vectorizer_ = CountVectorizer(analyzer=_deletions, binary=True).fit(normalised)
        self.typo_matrix_ = self.typo_vectorizer_.transform(normalised)

        compact = _compact(names)
        self.exact_index_ = _unique_lookup(compact, range(len(names)))
        acronym_keys = [(a, i) for i, n in enumerate(names) for a in _acronyms(n)]
        acronyms = _unique_lookup([a for a, _ in acronym_keys], [i for _, i in acronym_keys])
        # An acronym that spells another skill's name ("go", "sql") is that skill.
        self.acronym_index_ = acronyms.drop(acronyms.index.intersection(self.exact_index_.index))
        return self

    # -------------------------------------------------------------- resolve

    def score(self, names: Sequence[str], name_vectors: np.ndarray) -> pd.DataFrame:
        """The best catalog skill for each name and its score, before the threshold.

        Columns: raw_name, skill_key, similarity. Empty names score 0.
        """
        self._check_fitted()
        names = list(names)
        vectors = np.asarray(name_vectors, dtype=np.float32)
        if vectors.shape != (len(names), self.catalog_vectors_.shape[1]):
            raise ValueError(
                f"name_vectors has shape {vectors.shape}; expected "
                f"({len(names)}, {self.catalog_vectors_.shape[1]})"
            )
        best = np.zeros(len(names), dtype=np.int64)
        similarity = np.zeros(len(names), dtype=np.float64)
        for block in _blocks(len(names)):
            scores = self._score_block([names[i] for i in block], vectors[block])
            best[block] = scores.argmax(axis=1)
            similarity[block] = scores.max(axis=1)
        return pd.DataFrame({
            "raw_name": pd.Series(names, dtype=object),
            "skill_key": self.skill_keys_[best],
            "similarity": np.clip(similarity, 0.0, 1.0),
        })

    def resolve(self, names: Sequence[str], name_vectors: np.ndarray) -> pd.DataFrame:
        """Columns raw_name, skill_key (None if unresolved), similarity, resolved — row-aligned."""
        out = self.score(names, name_vectors)
        resolved = out["similarity"].to_numpy() >= self.threshold
        keys = out["skill_key"].to_numpy(dtype=object)
        out["skill_key"] = pd.Series(np.where(resolved, keys, None), dtype=object)
        out["resolved"] = resolved
        return out

    def _score_block(self, names: list[str], vectors: np.ndarray) -> np.ndarray:
        normalised = normalize_skill_name(names)
        meaning = _unit_rows(vectors) @ self.catalog_vectors_.T
        spelling = _dense(self.spelling_vectorizer_.transform(normalised) @ self.spelling_matrix_.T)
        words = _dense(self.word_vectorizer_.transform(normalised) @ self.word_matrix_.T)
        scores = (self.embedding_weight * meaning + self.spelling_weight * spelling
                  + self.description_weight * words)
        # A one-edit typo of a skill's name is strong evidence: lift it to at
        # least typo_floor, keeping the similarity ordering among typo matches.
        typo = _dense(self.typo_vectorizer_.transform(normalised) @ self.typo_matrix_.T) > 0
        lifted = self.typo_floor + (1.0 - self.typo_floor) * np.clip(scores, 0.0, 1.0)
        scores = np.where(typo, np.maximum(scores, lifted), scores)
        compact = _compact(names)
        rows = np.arange(len(names))
        # Acronyms: "llms" also tries "llm" (plurals of acronyms are common).
        acronym = compact.map(self.acronym_index_)
        plural = compact.str.endswith("s") & acronym.isna()
        acronym[plural] = compact[plural].str[:-1].map(self.acronym_index_)
        hit = acronym.notna().to_numpy()
        cols = acronym[hit].astype(np.int64).to_numpy()
        scores[rows[hit], cols] = np.maximum(scores[rows[hit], cols], self.acronym_score)
        exact = compact.map(self.exact_index_)
        hit = exact.notna().to_numpy()
        scores[rows[hit], exact[hit].astype(np.int64).to_numpy()] = 1.0
        # Nothing left after normalisation ("", "???"): no evidence at all.
        scores[normalised.eq("").to_numpy()] = 0.0
        return scores

    def _check_fitted(self) -> None:
        if not hasattr(self, "catalog_vectors_"):
            raise RuntimeError("SkillResolver is not fitted: call fit(catalog_skills, vectors)")


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _dense(matrix: Any) -> np.ndarray:
    return matrix.toarray() if sparse.issparse(matrix) else np.asarray(matrix)


def _unique_lookup(keys: Sequence[str] | pd.Series, positions: Any) -> pd.Series:
    """key -> position, for keys that point at exactly one position (ambiguous ones dropped)."""
    frame = pd.DataFrame({"key": list(keys), "pos": list(positions)})
    frame = frame[frame["key"].ne("")].drop_duplicates()
    frame = frame[~frame["key"].duplicated(keep=False)]
    return frame.set_index("key")["pos"]


def _blocks(n: int) -> Iterator[np.ndarray]:
    for start in range(0, n, _BLOCK):
        yield np.arange(start, min(n, start + _BLOCK))


# ------------------------------------------------------------------ tuning, evaluation


def tune_threshold(
    scores: np.ndarray, correct: np.ndarray, junk_scores: np.ndarray | None = None,
    *, margin: float = 0.02,
) -> float:
    """The threshold with the most right decisions, kept above every junk score.

    A right decision is resolving a name whose best skill is correct, or
    leaving one unresolved whose best skill is wrong. ``junk_scores`` (scores
    of non-skills) force the threshold above ``max(junk) + margin``. The
    returned value sits halfway between two observed scores, so it does not
    hinge on one exact float.
    """
    scores = np.asarray(scores, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    floor = -np.inf if junk_scores is None or len(junk_scores) == 0 else (
        float(np.max(junk_scores)) + margin)
    if len(scores) == 0:
        return float(max(floor, 0.0))
    levels, inverse = np.unique(scores, return_inverse=True)  # ascending
    # Net right decisions from resolving the names at each score level, and
    # (suffix sums) from resolving every name at or above it.
    net = np.bincount(inverse, weights=np.where(correct, 1.0, -1.0), minlength=len(levels))
    suffix = np.concatenate([np.cumsum(net[::-1])[::-1], [0.0]])
    below = np.concatenate([[levels[0] - 1e-3], levels[:-1]])
    candidates = np.concatenate([(below + levels) / 2, [levels[-1] + 1e-3]])
    if np.isfinite(floor):
        candidates = np.append(candidates[candidates >= floor], floor)
    candidates = np.sort(candidates)
    gains = suffix[np.searchsorted(levels, candidates, side="left")]
    # Ties go to the highest threshold: same count of right decisions, fewer resolved.
    return float(candidates[len(gains) - 1 - np.argmax(gains[::-1])])


def evaluate_resolution(
    resolver: SkillResolver,
    aliases: pd.DataFrame,
    alias_vectors: np.ndarray,
    junk_names: Sequence[str] = (),
    junk_vectors: np.ndarray | None = None,
) -> dict[str, float]:
    """Accuracy of ``resolver`` on labelled names (``aliases``: skill_key, alias).

    accuracy: share of alias rows resolved to their skill_key (unresolved
    counts as wrong); resolved_share; precision_of_resolved; top1_accuracy
    (ignoring the threshold: the ceiling any threshold can reach);
    junk_resolved_share over ``junk_names``.
    """
    result = resolver.resolve(aliases["alias"].astype(str).tolist(), alias_vectors)
    right = result["skill_key"].to_numpy() == aliases["skill_key"].astype(str).to_numpy()
    best = resolver.score(aliases["alias"].astype(str).tolist(), alias_vectors)
    resolved = result["resolved"].to_numpy()
    metrics = {
        "n": float(len(aliases)),
        "threshold": float(resolver.threshold),
        "accuracy": float(right.mean()) if len(right) else float("nan"),
        "resolved_share": float(resolved.mean()) if len(resolved) else float("nan"),
        "precision_of_resolved": float(right.sum() / resolved.sum()) if resolved.any()
        else float("nan"),
        "top1_accuracy": float((best["skill_key"].to_numpy()
                                == aliases["skill_key"].astype(str).to_numpy()).mean()),
    }
    if len(junk_names):
        junk = resolver.resolve(list(junk_names), junk_vectors)
        metrics["junk_resolved_share"] = float(junk["resolved"].mean())
    return metrics


def tune_on_aliases(
    resolver: SkillResolver,
    aliases: pd.DataFrame,
    alias_vectors: np.ndarray,
    junk_names: Sequence[str],
    junk_vectors: np.ndarray,
) -> float:
    """The threshold :func:`tune_threshold` picks for ``resolver`` on labelled aliases."""
    best = resolver.score(aliases["alias"].astype(str).tolist(), alias_vectors)
    correct = best["skill_key"].to_numpy() == aliases["skill_key"].astype(str).to_numpy()
    junk = resolver.score(list(junk_names), junk_vectors)["similarity"].to_numpy()
    return tune_threshold(best["similarity"].to_numpy(), correct, junk)


def main() -> None:
    """Tune and measure on the shipped catalog: ``python -m models.skill_resolution``."""
    from features.catalog import load_catalog
    from models.embeddings import TextEncoder

    catalog = load_catalog()
    skills, aliases = catalog.skills, catalog.skill_aliases
    encoder = TextEncoder()
    resolver = SkillResolver().fit(skills, encoder.encode(catalog_texts(skills)))
    alias_vectors = encoder.encode(aliases["alias"].astype(str).tolist())
    junk_vectors = encoder.encode(list(JUNK_NAMES))
    tuned = tune_on_aliases(resolver, aliases, alias_vectors, JUNK_NAMES, junk_vectors)
    print(f"{len(skills)} skills, {len(aliases)} aliases, model {encoder.model_id}")
    for label, threshold in (("default", resolver.threshold), ("tuned", tuned)):
        resolver.threshold = threshold
        metrics = evaluate_resolution(resolver, aliases, alias_vectors, JUNK_NAMES, junk_vectors)
        print(f"{label:8s} " + "  ".join(f"{k}={v:.4f}" for k, v in metrics.items()))


if __name__ == "__main__":
    main()
