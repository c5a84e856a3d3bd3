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
    _stem,
    _typo_allowed,
    catalog_texts,
    evaluate_resolution,
    held_out_accuracy,
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
    """Measured 0.925 at the default threshold (0.31), top-1 0.933, precision
    0.958; see DEFAULT_THRESHOLD."""
    metrics = evaluate_resolution(fitted.resolver, fitted.aliases, fitted.alias_vectors)
    assert metrics["threshold"] == DEFAULT_THRESHOLD
    assert metrics["accuracy"] >= 0.92, metrics
    assert metrics["precision_of_resolved"] >= 0.95, metrics
    assert metrics["top1_accuracy"] >= 0.93, metrics


def test_accuracy_on_held_out_skills(fitted: Fixture) -> None:
    """Threshold tuned on half the skills, measured on the other: 0.914-0.930."""
    junk_vectors = fitted.encoder.encode(list(JUNK_NAMES))
    held_out = held_out_accuracy(fitted.resolver, fitted.aliases, fitted.alias_vectors,
                                 JUNK_NAMES, junk_vectors)
    assert len(held_out) == 10
    assert held_out.mean() >= 0.915, held_out
    assert held_out.min() >= 0.90, held_out


@pytest.mark.xfail(strict=True, reason="target 0.95 not reached: 0.925 (0.923 held out) with "
                   "MiniLM and no alias lookup; most misses need synonyms or world knowledge "
                   "(data wrangling -> Data Cleaning, TOPIK -> Korean)")
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
    ("airlfow", "airflow"), ("ilustrator", "illustrator"), ("Rsut", "rust"), ("hml", "html"),
    ("cplusplus", "cpp"), ("FP and A", "fpa"), ("algo", "algorithms"), ("GenAI", "generative_ai"),
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


def test_normalize_spells_symbols_and_drops_accents() -> None:
    got = normalize_skill_name(["cplusplus", "C plus plus", "csharp", "C-sharp", "dot net",
                                "Português", "sharp skills"])
    assert got.tolist() == ["c++", "c++", "c#", "c#", "net", "portugues", "sharp skills"]


@pytest.mark.parametrize(("a", "b"), [
    ("accessibility", "accessible"), ("concurrency", "concurrent"), ("programming", "programme"),
    ("planning", "plans"), ("management", "managing"), ("illustration", "illustrator"),
    ("databases", "database"), ("statistics", "statistical"),
])
def test_stem_joins_forms_of_a_word(a: str, b: str) -> None:
    assert _stem(a) == _stem(b)


@pytest.mark.parametrize(("a", "b"), [
    ("general", "generative"), ("product", "program"), ("business", "busy"),
])
def test_stem_keeps_different_words_apart(a: str, b: str) -> None:
    assert _stem(a) != _stem(b)


@pytest.mark.parametrize(("typed", "word", "allowed"), [
    ("airlfow", "airflow", True),      # swap, long word
    ("forcasting", "forecasting", True),
    ("rsut", "rust", True),            # swap, short word
    ("gti", "git", True),
    ("hml", "html", True),             # dropped letter, longer word has 4
    ("javva", "java", True),           # doubled letter
    ("ajva", "java", True),            # the first two letters swapped
    ("jave", "java", False),           # short substitution ("nope" would be "node")
    ("nope", "node", False),
    ("psql", "sql", False),            # first letter differs
    ("rstudio", "studio", False),
    ("ml", "mla", False),              # too short
    ("algorithms", "algorithm", True),
    ("design", "dezing", False),       # two edits
])
def test_typo_allowed(typed: str, word: str, allowed: bool) -> None:
    assert _typo_allowed(typed, word) is allowed
    assert _typo_allowed(word, typed) is allowed


# A small catalog scored with zero sentence vectors, so that only the catalog-
# derived rules decide: what each rule resolves, exactly.
TINY = pd.DataFrame([
    ("java", "Java", "Object-oriented language for enterprise backends."),
    ("rust", "Rust", "Systems language with memory safety."),
    ("html", "HTML", "Markup for web pages."),
    ("node", "Node.js", "JavaScript on the server."),
    ("c", "C", "Low-level systems language."),
    ("cpp", "C++", "Language with classes and templates."),
    ("csharp", "C#", "Language of the .NET platform."),
    ("sql", "SQL", "Querying relational databases."),
    ("airflow", "Apache Airflow", "Scheduling data pipelines as code."),
    ("concurrency", "Concurrent Programming", "Threads, locks and async code."),
    ("algorithms", "Algorithms", "Sorting, searching and graph methods."),
    ("ecommerce", "E-commerce", "Selling products online."),
    ("elearning", "E-Learning Development", "Building online courses."),
    ("fpa", "Financial Planning and Analysis", "Budgets and forecasts for the business."),
    ("nlp", "Natural Language Processing", "Text classification and parsing."),
    ("go", "Go", "Compiled language for network services."),
    ("gtm", "Go-to-Market Strategy", "Launching products to customers."),
    ("react", "React", "Component library for user interfaces."),
    ("react_native", "React Native", "Mobile apps with React."),
    ("generative_ai", "Generative AI", "Models that create text and images."),
    ("ai_ethics", "AI Ethics", "Fairness and accountability of models."),
    ("lms", "LMS Administration", "Running learning management systems such as Moodle."),
    ("blended", "Blended Learning", "Mixing online and classroom teaching."),
    ("modeling_3d", "3D Modeling", "Modelling objects with Blender and Maya."),
    ("bls", "Basic Life Support", "CPR and first response."),
    ("acls", "Advanced Cardiac Life Support", "Resuscitation for cardiac arrest."),
    ("php", "PHP", "Server-side scripting for websites."),
    ("helm", "Helm", "Packaging Kubernetes applications as charts."),
    ("cloud_networking", "Cloud Networking", "Virtual networks in the cloud."),
    ("accessible", "Accessible Design", "Designing for everyone."),
    ("statistics", "Statistics", "Describing and inferring from data."),
    ("bayes", "Bayesian Statistics", "Priors and posteriors."),
], columns=["skill_key", "name", "description"])


def _tiny(names: list[str]) -> pd.DataFrame:
    resolver = SkillResolver(threshold=0.3).fit(TINY, np.zeros((len(TINY), 8), np.float32))
    return resolver.resolve(names, np.zeros((len(names), 8), np.float32))


@pytest.mark.parametrize(("raw", "expected"), [
    # one-edit typos of short names and of one word of a longer name
    ("Rsut", "rust"), ("hml", "html"), ("Javva", "java"), ("aJva", "java"),
    ("airlfow", "airflow"),
    # a typo of a name word's stem
    ("concurency", "concurrency"),
    # spelled-out symbols; "and" as "&" in an acronym; a doubled keystroke
    ("cplusplus", "cpp"), ("csharp", "csharp"), ("C sharp", "csharp"), ("FP and A", "fpa"),
    ("NLPP", "nlp"), ("Goo", "go"),
    # unique prefixes, and two run-together name words
    ("algo", "algorithms"), ("ecomm", "ecommerce"), ("GenAI", "generative_ai"),
    # word coverage: qualifiers dropped, fullest name preferred, qualifiers kept
    # when a name holds them, other forms of a word
    ("C programming", "c"), ("Go - advanced", "go"), ("reat", "react"),
    ("statistics skills", "statistics"), ("advanced life support", "acls"),
    ("accessibility", "accessible"),
    # tools a description names, exactly ("Blender" is not "Blended")
    ("Moodle", "lms"), ("Blender", "modeling_3d"),
    # misplaced and missing spaces
    ("clou dnetwork", "cloud_networking"), ("e learning", "elearning"),
    # known words confirm the best skill when the rest is unknown, or in its description
    ("Laravel PHP", "php"), ("helm charts", "helm"),
])
def test_catalog_rules_resolve(raw: str, expected: str) -> None:
    out = _tiny([raw])
    assert out["skill_key"].iloc[0] == expected, out
    assert out["resolved"].iloc[0]


@pytest.mark.parametrize("raw", [
    "nope",       # not "node": no short substitutions
    "psql",       # not "sql": the first letter is kept
    "jave",
    "my dog", "lol", "asdfgh", "xyz", "",
])
def test_catalog_rules_leave_non_matches_unresolved(raw: str) -> None:
    out = _tiny([raw])
    assert not out["resolved"].iloc[0], out


def test_partial_coverage_only_confirms_the_best_skill() -> None:
    """A known word next to an unknown one ("Laravel PHP") lifts PHP when it leads
    already, but does not override a sentence vector that points elsewhere."""
    catalog = np.eye(len(TINY), 40, dtype=np.float32)
    resolver = SkillResolver(threshold=0.3).fit(TINY, catalog)
    php, helm = (int(TINY.index[TINY.skill_key == k][0]) for k in ("php", "helm"))
    elsewhere = 0.6 * catalog[helm] + 0.3 * catalog[php]
    elsewhere[-1] = np.sqrt(1 - 0.6**2 - 0.3**2)  # a direction no skill has
    vectors = np.stack([np.zeros(40, np.float32), elsewhere]).astype(np.float32)
    out = resolver.resolve(["Laravel PHP", "Laravel PHP"], vectors)
    assert out["skill_key"].tolist() == ["php", "helm"]
    assert out["similarity"].iloc[0] >= resolver.partial_floor


def test_score_keeps_equal_names_with_different_vectors_apart() -> None:
    resolver = SkillResolver(threshold=0.3).fit(TINY, np.eye(len(TINY), 40, dtype=np.float32))
    rows = [TINY.index[TINY.skill_key == k][0] for k in ("java", "rust", "java")]
    out = resolver.score(["zzqq", "zzqq", "zzqq"], np.eye(len(TINY), 40, dtype=np.float32)[rows])
    assert out["skill_key"].tolist() == ["java", "rust", "java"]
    assert out["raw_name"].tolist() == ["zzqq"] * 3


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
