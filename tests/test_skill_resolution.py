"""Skill-name resolution against the shipped catalog, graded on its aliases."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from features.catalog import load_catalog
from models.embeddings import TextEncoder
from models.skill_resolution import (
    DEFAULT_THRESHOLD,
    JUNK_NAMES,
    SkillResolver,
    catalog_texts,
    evaluate_resolution,
    normalize_skill_name,
    tune_on_aliases,
    tune_threshold,
)

#: Not in JUNK_NAMES (which tuned the threshold): held out.
HELD_OUT_JUNK = ["asdfgh", "my hobbies", "", "   ", "lol", "hjkl", "ok thanks", "my dog",
                 "nope", "qwertyuiop", "my weekend plans", "I like pizza", "xxxxx", "???!!"]


@dataclass
class Fixture:
    skills: pd.DataFrame
    aliases: pd.DataFrame
    resolver: SkillResolver
    alias_vectors: np.ndarray
    encoder: TextEncoder


@pytest.fixture(scope="session")
def encoder() -> TextEncoder:
    return TextEncoder()


@pytest.fixture(scope="session")
def fitted(encoder: TextEncoder) -> Fixture:
    catalog = load_catalog()
    skills, aliases = catalog.skills, catalog.skill_aliases
    resolver = SkillResolver().fit(skills, encoder.encode(catalog_texts(skills)))
    alias_vectors = encoder.encode(aliases["alias"].tolist())
    return Fixture(skills, aliases, resolver, alias_vectors, encoder)


def _resolve(fx: Fixture, names: list[str]) -> pd.DataFrame:
    return fx.resolver.resolve(names, fx.encoder.encode(names))


# ------------------------------------------------------------------ accuracy


def test_accuracy_on_catalog_aliases(fitted: Fixture) -> None:
    """Measured 0.900 at the default threshold (0.31); see DEFAULT_THRESHOLD."""
    metrics = evaluate_resolution(fitted.resolver, fitted.aliases, fitted.alias_vectors)
    assert metrics["threshold"] == DEFAULT_THRESHOLD
    assert metrics["accuracy"] >= 0.89, metrics
    assert metrics["precision_of_resolved"] >= 0.93, metrics
    assert metrics["top1_accuracy"] >= 0.91, metrics


@pytest.mark.xfail(strict=True, reason="target 0.95 not reached: ~0.90 with MiniLM and no "
                   "alias lookup; most misses need world knowledge (TOPIK -> Korean)")
def test_accuracy_target(fitted: Fixture) -> None:
    metrics = evaluate_resolution(fitted.resolver, fitted.aliases, fitted.alias_vectors)
    assert metrics["accuracy"] >= 0.95


def test_tuned_threshold_matches_the_hard_coded_default(fitted: Fixture) -> None:
    junk_vectors = fitted.encoder.encode(list(JUNK_NAMES))
    tuned = tune_on_aliases(fitted.resolver, fitted.aliases, fitted.alias_vectors,
                            JUNK_NAMES, junk_vectors)
    assert tuned == pytest.approx(DEFAULT_THRESHOLD, abs=0.01)


def test_junk_stays_unresolved(fitted: Fixture) -> None:
    out = _resolve(fitted, HELD_OUT_JUNK)
    assert not out["resolved"].any(), out[out["resolved"]]
    assert out["skill_key"].isna().all()
    assert out["skill_key"].map(lambda k: k is None).all()  # None, not NaN


def test_canonical_names_resolve_to_themselves(fitted: Fixture) -> None:
    names = fitted.skills["name"].tolist()
    out = _resolve(fitted, names)
    assert out["resolved"].all()
    assert (out["skill_key"] == fitted.skills["skill_key"]).all()
    np.testing.assert_allclose(out["similarity"], 1.0)


@pytest.mark.parametrize(("raw", "expected"), [
    ("python3", "python"), ("Python programming", "python"), ("pyhton", "python"),
    ("ML", "machine_learning"), ("Javascript", "javascript"), ("NLP", "nlp"),
    ("dokcer", "docker"), ("LLMs", "large_language_models"), ("c++", "cpp"), ("C#", "csharp"),
])
def test_examples(fitted: Fixture, raw: str, expected: str) -> None:
    assert _resolve(fitted, [raw])["skill_key"].iloc[0] == expected


def test_resolve_is_vectorised(fitted: Fixture) -> None:
    sample = fitted.aliases.sample(40, random_state=3)
    names = sample["alias"].tolist()
    vectors = fitted.alias_vectors[sample.index.to_numpy()]
    batch = fitted.resolver.resolve(names, vectors)
    single = pd.concat([fitted.resolver.resolve([n], vectors[i : i + 1])
                        for i, n in enumerate(names)], ignore_index=True)
    pd.testing.assert_frame_equal(batch, single)
    assert list(batch.columns) == ["raw_name", "skill_key", "similarity", "resolved"]


def test_empty_input(fitted: Fixture) -> None:
    out = fitted.resolver.resolve([], np.empty((0, 384), np.float32))
    assert out.empty and list(out.columns) == ["raw_name", "skill_key", "similarity", "resolved"]


# ------------------------------------------------------------------- units


def test_normalize_skill_name() -> None:
    got = normalize_skill_name(["Python3", "  Node.js ", "C++", "R&D", "ES6", None])
    assert got.tolist() == ["python 3", "node js", "c++", "r and d", "es 6", ""]


def test_fit_checks_vector_rows() -> None:
    skills = pd.DataFrame({"skill_key": ["a", "b"], "name": ["A", "B"], "description": ["", ""]})
    with pytest.raises(ValueError, match="one row per skill"):
        SkillResolver().fit(skills, np.zeros((3, 4)))
    with pytest.raises(RuntimeError, match="not fitted"):
        SkillResolver().resolve(["x"], np.zeros((1, 4)))


def test_catalog_texts_join_name_and_description() -> None:
    skills = pd.DataFrame({"skill_key": ["a", "b"], "name": ["Alpha", "Beta"],
                           "description": ["First letter.", None]})
    assert catalog_texts(skills) == ["Alpha — First letter.", "Beta"]


def test_tune_threshold_exact() -> None:
    scores = np.array([0.9, 0.8, 0.6, 0.5, 0.4])
    correct = np.array([True, True, False, True, False])
    # Cuts: resolving the top 2 gives 2 right + 2 right rejections = net +2; top 4
    # also +2 (1 wrong, 1 right); ties go to the higher threshold.
    assert tune_threshold(scores, correct) == pytest.approx(0.7)
    # Junk at 0.85 pushes the threshold above it (+ margin 0.02).
    assert tune_threshold(scores, correct, np.array([0.85])) == pytest.approx(0.87)
