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

and exact signals derived from the catalog itself, never from a list of
aliases: an exact normalised name (score 1), a unique acronym of a skill name
("NLP", "L&D", "JS" from JavaScript, "FP and A"), a one-edit typo of a skill
name ("pyhton", "dokcer"), and **word coverage**: every word of the name is a
word of one skill's name (stems compared: "accessibility" ~ "Accessible") or
of at most a few, after dropping level and credential words ("Go - advanced",
"ACLS certification"), correcting typos of single words against the catalog's
vocabulary ("airlfow", "rsut", "hml") and completing unique prefixes ("algo",
"ecomm"). A name whose words are all tools that one skill's description
names ("Moodle", "DMAIC", "AML/KYC") gets a lower floor. The best skill wins
when its score reaches the threshold; otherwise the name stays unresolved.

The catalog's ``skill_aliases`` are answer keys: they are used only to tune
the threshold and to measure accuracy (:func:`evaluate_resolution`,
:func:`held_out_accuracy`), never to look names up. ``python -m
models.skill_resolution`` prints the measurement.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
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
#: tuner picks 0.3095, just above the junk floor (highest junk score 0.288 +
#: 0.02). At 0.31: accuracy 0.925, resolved share 0.966, precision of
#: resolved 0.958, no junk resolved; the ceiling any threshold allows (top-1
#: accuracy) is 0.933. Tuned on half the skills and measured on the other
#: half (:func:`held_out_accuracy`, 5 splits both ways): accuracy 0.914-0.930,
#: mean 0.923 (about the same when the three signal weights are tuned on the
#: half too). Before word coverage and the short-typo, symbol, prefix and
#: doubled-letter rules: 0.900 (top-1 0.917, held out 0.898). Most misses left need
#: synonyms or world knowledge MiniLM lacks ("data wrangling" -> Data
#: Cleaning, "TOPIK" -> Korean, "FaaS" -> Serverless Computing).
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
#: Names shorter than this (compact) get no whole-name typo matching: too many
#: near misses. Single words have their own, stricter rules (:func:`_typo_allowed`).
_MIN_TYPO_LEN = 5
#: Names resolved per block: bounds the (block x skills) score matrices.
_BLOCK = 4096
#: Words that carry no skill in word coverage. Deliberately short:
#: scikit-learn's stop words include "go", "system", "first" and "six".
_FUNCTION_WORDS = frozenset({
    "a", "an", "the", "and", "or", "of", "for", "to", "in", "on", "with", "at", "by", "from",
    "into", "about", "via", "using", "i", "me", "my", "we", "our", "you", "your", "its",
    "is", "am", "are", "be", "this", "that", "etc",
})
#: Words people add to a skill name without changing the skill: levels,
#: credentials and kinds of thing ("Go - advanced", "ACLS certification",
#: "CRM software", "C programming"). Ignored in word coverage unless a name
#: has nothing else.
_QUALIFIER_WORDS = frozenset({
    "advanced", "basic", "basics", "beginner", "beginners", "intermediate", "expert",
    "expertise", "fundamentals", "intro", "introduction", "skill", "skills", "knowledge",
    "experience", "proficiency", "proficient", "certification", "certified", "certificate",
    "course", "level", "programming", "language", "software", "tools", "tool", "apps", "app",
})
#: Suffixes :func:`_stem` strips, longest first.
_SUFFIXES = tuple(sorted((
    "ibilities", "abilities", "ibility", "ability", "ication", "ization", "isation", "ations",
    "ation", "ments", "ment", "ities", "ity", "ings", "ing", "ible", "able", "ency", "ancy",
    "ence", "ance", "ating", "ated", "ate", "ators", "ator", "ions", "ion", "ors", "or", "ers",
    "er", "ies", "ied", "ical", "ic", "ive", "ed", "es", "al", "ent", "ant", "ly", "y", "e",
), key=len, reverse=True))
#: After these suffixes a doubled final consonant is undoubled ("planning" -> "plan").
_UNDOUBLE_AFTER = frozenset({"ing", "ings", "ed", "er", "ers", "e"})
#: Spelled-out symbols, applied before punctuation is dropped ("cplusplus",
#: "C sharp", "dot net").
_SPELLED_SYMBOLS = (
    (r"\b([a-z])[\s_-]*plus[\s_-]*plus\b", r"\1++"),
    (r"\b([a-z])[\s_-]*sharp\b", r"\1#"),
    (r"\bdot[\s_-]*net\b", ".net"),
)


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
    """Lowercase, NFKD without accents, ``&`` -> ``and``, punctuation -> space,
    ``python3`` -> ``python 3``.

    ``+`` and ``#`` are kept: they tell C, C++ and C# apart; spelled out, they
    are put back ("cplusplus", "C plus plus" -> ``c++``; "csharp" -> ``c#``;
    "dot net" -> ``net`` like ".NET").
    """
    s = pd.Series(names, dtype=object).fillna("").astype(str)
    s = _fold(s)
    for pattern, replacement in _SPELLED_SYMBOLS:
        s = s.str.replace(pattern, replacement, regex=True)
    s = s.str.replace("&", " and ", regex=False)
    s = s.str.replace(r"[^a-z0-9+#]+", " ", regex=True)
    s = s.str.replace(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", regex=True)
    return s.str.split().str.join(" ")


def _compact(names: Sequence[str] | pd.Series) -> pd.Series:
    """Letters, digits and ``+#&`` only: the key for exact and acronym matches."""
    s = pd.Series(names, dtype=object).fillna("").astype(str)
    return _fold(s).str.replace(r"[^a-z0-9+#&]", "", regex=True)


def _fold(s: pd.Series) -> pd.Series:
    """Compatibility forms folded, accents dropped, lowercase ("Português" -> portugues)."""
    return s.str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True).str.lower()


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


@functools.lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    """A light suffix stripper, so that forms of one word compare equal.

    Strips suffixes (:data:`_SUFFIXES`) until none applies, keeping at least
    four letters (three for a plural ``s``): "accessibility" and "Accessible"
    -> ``access``, "concurrency" and "Concurrent" -> ``concurr``,
    "programming" -> ``program``. Not a linguist's stemmer, only consistent.
    """
    if word.endswith("s") and len(word) >= 4 and word[-2] not in "siu":
        word = word[:-1]  # a plural, once: "databases" -> "database"
    while True:
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                stem = word[: -len(suffix)]
                if (suffix in _UNDOUBLE_AFTER and stem[-1] == stem[-2]
                        and stem[-1] not in "lsz" and len(stem) > 4):
                    stem = stem[:-1]
                word = stem
                break
        else:
            return word


def _edit_kind(a: str, b: str) -> str | None:
    """How two different strings are one edit apart: ``"sub"``stitution,
    adjacent ``"swap"``, ``"indel"`` (one insertion/deletion); else None."""
    if a == b:
        return None
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return "sub"
        if (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]):
            return "swap"
        return None
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(long) - len(short) != 1:
        return None
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return "indel" if short[i:] == long[i + 1 :] else None


def _typo_allowed(a: str, b: str) -> bool:
    """Whether one word is a plausible typo of the other.

    The first letter must agree, unless the first two letters are swapped
    ("aJva"): people rarely mistype it ("psql" is not "sql", "rstudio" not
    "studio"). Long words (5+ letters) then allow any one edit. Short ones allow only the typos that rarely turn one real word
    into another: an adjacent swap ("rsut" -> rust, "gti" -> git) or one
    letter dropped or doubled when the longer word has 4+ letters ("hml" ->
    html, "javva" -> java). A short substitution ("nope" -> node) is not a
    typo here.
    """
    kind = _edit_kind(a, b)
    if a[:1] != b[:1] and not (kind == "swap" and a[1:2] == b[:1]):
        return False
    shortest, longest = min(len(a), len(b)), max(len(a), len(b))
    if kind == "sub":
        return shortest >= 5
    if kind == "swap":
        return shortest >= 3
    if kind == "indel":
        return shortest >= 3 and longest >= 4
    return False


class _TypoIndex:
    """Words reachable from a word by one edit, found with deletion keys
    (the SymSpell idea) and confirmed by :func:`_typo_allowed`."""

    def __init__(self, words: Iterable[str], min_len: int) -> None:
        self.min_len = min_len
        self.keys: dict[str, set[str]] = {}
        for word in words:
            if len(word) >= min_len:
                for key in _one_deletions(word):
                    self.keys.setdefault(key, set()).add(word)

    def matches(self, word: str) -> set[str]:
        if len(word) < self.min_len - 1:
            return set()
        found = set().union(*(self.keys.get(k, ()) for k in _one_deletions(word)))
        return {w for w in found if _typo_allowed(word, w)}


def _one_deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def _description_tools(description: str) -> set[str]:
    """Proper names in a description, lowercase: capitalised words that do not
    start a sentence, and words with inner capitals or digits ("Moodle",
    "DMAIC", "MoSCoW", "SwiftUI") — the tools and methods a skill uses."""
    tools = set()
    for sentence in re.split(r"(?<=[.!?:;])\s+", description):
        words = re.findall(r"[A-Za-z][A-Za-z0-9+#]*", re.sub(r"'s\b", "", sentence))
        for position, word in enumerate(words):
            if (re.search(r"[A-Z0-9]", word[1:]) or (position > 0 and word[0].isupper())):
                tools.add(word.lower())
    return tools


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

    Hyperparameters: ``threshold``; the weights of the three similarities;
    the score an acronym gets (``acronym_score``); the floors that exact
    evidence lifts a score to, keeping the order among lifted skills
    (:func:`_lift`): a whole-name typo (``typo_floor``), word coverage of one
    skill's name or of at most ``coverage_max_skills`` names
    (``coverage_floor``), of a name and its description's tools
    (``tool_floor``), and the weaker coverage that only confirms the best
    skill (``partial_floor``). All sit well above the threshold, so their
    exact values matter little; the weights and threshold were tuned on the
    aliases (see :data:`DEFAULT_THRESHOLD`).
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        embedding_weight: float = 0.70,
        spelling_weight: float = 0.10,
        description_weight: float = 0.10,
        acronym_score: float = 0.70,
        typo_floor: float = 0.60,
        coverage_floor: float = 0.60,
        coverage_max_skills: int = 2,
        tool_floor: float = 0.45,
        partial_floor: float = 0.40,
    ) -> None:
        self.threshold = threshold
        self.embedding_weight = embedding_weight
        self.spelling_weight = spelling_weight
        self.description_weight = description_weight
        self.acronym_score = acronym_score
        self.typo_floor = typo_floor
        self.coverage_floor = coverage_floor
        self.coverage_max_skills = coverage_max_skills
        self.tool_floor = tool_floor
        self.partial_floor = partial_floor

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
        self._fit_vocabulary(normalised, compact, descriptions.fillna("").astype(str))
        return self

    def _fit_vocabulary(self, normalised: pd.Series, compact: pd.Series,
                        descriptions: pd.Series) -> None:
        """Word coverage: each skill's terms, and the words typos are corrected to.

        A skill's name terms are the stems of its name's words (``~stem``) and
        its whole-name keys (``=key``): the compact name, its unique acronyms
        and adjacent word pairs run together ("e learning" -> ``=elearning``).
        Its tool terms (``@word``) are the proper names its description alone
        mentions; its description terms, the stems of its description's words.
        Typos are corrected to name words and compact names; description
        words are known words, never corrected.
        """
        words = normalised.str.split()
        acronyms = self.acronym_index_.groupby(self.acronym_index_).groups
        name_terms: list[set[str]] = []
        for i, tokens in enumerate(words):
            terms = {"~" + _stem(w) for w in tokens} | {"=" + compact[i]}
            terms |= {"=" + a for a in acronyms.get(i, ())}
            terms |= {"=" + a + b for a, b in zip(tokens, tokens[1:], strict=False)}
            name_terms.append(terms)
        all_name_terms = set().union(*name_terms)
        # For preferring the skill whose name the words explain most fully.
        word_terms = [{"~" + _stem(w) for w in tokens if w not in _FUNCTION_WORDS}
                      for tokens in words]
        whole_terms = [{"=" + compact[i]} | {"=" + a for a in acronyms.get(i, ())}
                       for i in range(len(words))]
        name_words = {w for ts in words for w in ts if w.isalpha() and w not in _FUNCTION_WORDS}
        tools = [{t for t in _description_tools(d)
                  if len(t) >= 3 and t.isalpha() and t not in _FUNCTION_WORDS
                  and t not in _QUALIFIER_WORDS and t not in name_words
                  and t[:-1] not in name_words} for d in descriptions]
        counts = pd.Series([t for ts in tools for t in ts], dtype=object).value_counts()
        tool_terms = [{"@" + t for t in ts if counts[t] == 1} for ts in tools]
        described = [{"~" + _stem(w) for w in d.split() if len(w) >= 3 and w.isalpha()
                      and w not in _FUNCTION_WORDS} for d in normalize_skill_name(descriptions)]
        vocabulary = {t: j for j, t in enumerate(sorted(
            all_name_terms.union(*tool_terms, *described)))}
        self.term_vocabulary_ = vocabulary
        self.name_vocabulary_ = frozenset(all_name_terms.union(*tool_terms))
        self.name_terms_ = _incidence(name_terms, vocabulary)
        self.tool_terms_ = _incidence(tool_terms, vocabulary)
        self.description_terms_ = _incidence(described, vocabulary)
        self.word_terms_ = _incidence(word_terms, vocabulary)
        self.whole_terms_ = _incidence(whole_terms, vocabulary)
        self.word_counts_ = np.array([max(len(ts), 1) for ts in word_terms], dtype=np.float64)

        # Typos are corrected to name words and whole names ("okrrs" -> okrs),
        # not to acronyms: too many short strings are one edit from one.
        keys = {t[1:] for t in all_name_terms if t.startswith("=") and t[1:].isalpha()}
        targets = {w for w in name_words | set(compact) if len(w) >= 3 and w.isalpha()}
        tool_words = {t[1:] for ts in tool_terms for t in ts}
        self.tool_words_ = frozenset(tool_words)
        other = set(" ".join(normalize_skill_name(descriptions)).split()) - targets
        self.name_words_ = frozenset(name_words)
        self.join_words_ = frozenset(name_words | keys)
        self.known_words_ = frozenset(
            targets | name_words | keys | other | _FUNCTION_WORDS | _QUALIFIER_WORDS)
        self.name_typos_ = _TypoIndex(targets, min_len=3)
        self.other_typos_ = _TypoIndex({w for w in other | tool_words if w.isalpha()}, min_len=5)
        stems: dict[str, str] = {}
        for w in sorted(targets):
            stems.setdefault(_stem(w), w)
        self.stem_words_ = stems
        self.stem_typos_ = _TypoIndex([s for s in stems if len(s) >= 6], min_len=6)
        prefixes: dict[str, set[str]] = {}
        for w in targets:
            for end in range(3, len(w)):
                prefixes.setdefault(w[:end], set()).add(w)
        self.prefixes_ = prefixes

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
        # Learners type the same few names: score each distinct (name, vector) once.
        distinct, inverse = _distinct_rows(names, vectors)
        unique_names = [names[i] for i in distinct]
        unique_vectors = vectors[distinct]
        best = np.zeros(len(distinct), dtype=np.int64)
        similarity = np.zeros(len(distinct), dtype=np.float64)
        normalised = normalize_skill_name(unique_names)
        words = self._words(normalised)
        for start, stop in _blocks(len(distinct)):
            first, last = np.searchsorted(words.rows, [start, stop])
            scores = self._score_block(
                unique_names[start:stop], unique_vectors[start:stop],
                normalised.iloc[start:stop].reset_index(drop=True),
                words.text.iloc[start:stop].reset_index(drop=True),
                words.rows[first:last] - start, words.codes[first:last], words)
            best[start:stop] = scores.argmax(axis=1)
            similarity[start:stop] = scores.max(axis=1)
        return pd.DataFrame({
            "raw_name": pd.Series(names, dtype=object),
            "skill_key": self.skill_keys_[best[inverse]],
            "similarity": np.clip(similarity[inverse], 0.0, 1.0),
        })

    def resolve(self, names: Sequence[str], name_vectors: np.ndarray) -> pd.DataFrame:
        """Columns raw_name, skill_key (None if unresolved), similarity, resolved — row-aligned."""
        out = self.score(names, name_vectors)
        resolved = out["similarity"].to_numpy() >= self.threshold
        keys = out["skill_key"].to_numpy(dtype=object)
        out["skill_key"] = pd.Series(np.where(resolved, keys, None), dtype=object)
        out["resolved"] = resolved
        return out

    def _words(self, normalised: pd.Series) -> _Words:
        """The names' words after :meth:`_respace` and :meth:`_correct`, and what
        each distinct word matches."""
        normalised = self._respace(normalised)
        tokens = normalised.str.split().explode().dropna()
        codes, unique = pd.factorize(tokens)
        fixed = np.array([self._correct(t) for t in unique], dtype=object)
        changed = (fixed != np.asarray(unique, dtype=object))[codes]
        text = normalised.copy()
        if changed.any():
            rows = np.isin(tokens.index, np.unique(tokens.index[changed]))
            text.loc[np.unique(tokens.index[rows])] = (
                pd.Series(fixed[codes[rows]], index=tokens.index[rows], dtype=object)
                .groupby(level=0).agg(" ".join))
        # Corrections may split a word in two ("genai" -> "generative ai").
        tokens = text.str.split().explode().dropna()
        codes, unique = pd.factorize(tokens)
        unique = np.asarray(unique, dtype=object)
        vocabulary = self.term_vocabulary_
        term_rows, term_cols = [], []
        for u, token in enumerate(unique):
            # A tool a description names is that tool, not a word with its stem
            # ("Blender" is not "Blended Learning"). A single letter is only a
            # whole name ("C programming"), never a word of a longer one ("A&E"
            # is not "E-commerce").
            terms = ({"@" + token} if token in self.tool_words_ else
                     set() if len(token) == 1 else {"~" + _stem(token)})
            terms.add("=" + token)
            if token.endswith("s") and len(token) >= 3:
                terms.add("=" + token[:-1])
            cols = [vocabulary[t] for t in terms if t in vocabulary]
            term_rows += [u] * len(cols)
            term_cols += cols
        token_terms = sparse.csr_matrix((np.ones(len(term_rows)), (term_rows, term_cols)),
                                        shape=(len(unique), len(vocabulary)))
        kind = pd.Series(unique, dtype=object)
        qualifier = kind.isin(_QUALIFIER_WORDS).to_numpy()
        return _Words(
            text=text,
            rows=tokens.index.to_numpy(dtype=np.int64),
            codes=codes,
            in_name=((token_terms @ self.name_terms_.T) > 0).astype(np.float64).tocsr(),
            in_words=((token_terms @ self.word_terms_.T) > 0).astype(np.float64).tocsr(),
            in_whole=((token_terms @ self.whole_terms_.T) > 0).astype(np.float64).tocsr(),
            word_counts=self.word_counts_,
            in_either=((token_terms @ (self.name_terms_ + self.tool_terms_).T) > 0)
            .astype(np.float64).tocsr(),
            in_any=((token_terms @ (self.name_terms_ + self.tool_terms_
                                    + self.description_terms_).T) > 0)
            .astype(np.float64).tocsr(),
            qualifier=qualifier,
            content=~(kind.isin(_FUNCTION_WORDS) | kind.str.isdigit()).to_numpy() & ~qualifier,
            unknown=np.array([t not in self.known_words_
                              and "~" + _stem(t) not in self.name_vocabulary_
                              for t in unique], dtype=bool),
        )

    def _respace(self, normalised: pd.Series) -> pd.Series:
        """Spaces put right between two adjacent words, where that makes both known.

        A letter on the wrong side of a space ("clou dnetwork", "researc
        hwriting") moves across it when both words were not already known and
        both become known; two pieces of a word of a skill's name are joined
        ("git hub", "big query", "java script"), and so are a single letter and
        the rest of a name ("e learning").
        """
        tokens = normalised.str.split().explode().dropna()
        if tokens.empty:
            return normalised
        row = tokens.index.to_numpy()
        word = pd.Series(tokens.to_numpy(), dtype=object)
        after = word.shift(-1).fillna("")
        same = np.r_[row[1:] == row[:-1], False]
        known = word.isin(self.known_words_).to_numpy()
        known_after = np.r_[known[1:], True]
        single = ((word.str.len() == 1) | (after.str.len() == 1)).to_numpy()
        joined = word + after
        join = same & (joined.isin(self.name_words_).to_numpy()
                       | single & joined.isin(self.join_words_).to_numpy())
        left, right = joined.where(join), pd.Series("", index=word.index, dtype=object)
        for new_left, new_right in ((word.str[:-1], word.str[-1:] + after),
                                    (word + after.str[:1], after.str[1:])):
            move = (same & ~join & ~(known & known_after) & left.isna().to_numpy()
                    & (new_left.str.len() > 0).to_numpy() & (new_right.str.len() > 0).to_numpy()
                    & new_left.isin(self.known_words_).to_numpy()
                    & new_right.isin(self.known_words_).to_numpy())
            left[move], right[move] = new_left[move], new_right[move]
        rewrite = left.notna().to_numpy()
        take = rewrite & ~np.r_[False, rewrite[:-1]]  # no two rewrites share a word
        if not take.any():
            return normalised
        out = word.copy()
        out[take] = left[take]
        out[np.r_[False, take[:-1]]] = right[take].to_numpy()
        rows = np.unique(row[take])
        keep = np.isin(row, rows)
        fixed = normalised.copy()
        fixed.loc[rows] = (pd.Series(out[keep].to_numpy(), index=row[keep], dtype=object)
                           .groupby(level=0).agg(lambda w: " ".join(x for x in w if x)))
        return fixed

    def _score_block(self, names: list[str], vectors: np.ndarray, normalised: pd.Series,
                     text: pd.Series, rows: np.ndarray, codes: np.ndarray,
                     words: _Words) -> np.ndarray:
        meaning = _unit_rows(vectors) @ self.catalog_vectors_.T
        spelling = _dense(self.spelling_vectorizer_.transform(text) @ self.spelling_matrix_.T)
        described = _dense(self.word_vectorizer_.transform(text) @ self.word_matrix_.T)
        scores = (self.embedding_weight * meaning + self.spelling_weight * spelling
                  + self.description_weight * described)
        # A one-edit typo of a skill's name is strong evidence: lift it to at
        # least typo_floor, keeping the similarity ordering among typo matches.
        typo = _dense(self.typo_vectorizer_.transform(normalised) @ self.typo_matrix_.T) > 0
        scores = _lift(scores, typo, self.typo_floor)
        compact = _compact(names)
        positions = np.arange(len(names))
        # Acronyms: "llms" also tries "llm" (plurals of acronyms are common),
        # and "FP and A" tries "fp&a".
        acronym = compact.map(self.acronym_index_)
        plural = compact.str.endswith("s") & acronym.isna()
        acronym[plural] = compact[plural].str[:-1].map(self.acronym_index_)
        ampersand = acronym.isna()
        acronym[ampersand] = (normalised[ampersand].str.replace(r"\band\b", "&", regex=True)
                              .str.replace(" ", "", regex=False).map(self.acronym_index_))
        exact = compact.map(self.exact_index_)
        # Spelled-out symbols: "cplusplus" is C++ ("c++" once normalised).
        exact = exact.fillna(normalised.str.replace(" ", "", regex=False).map(self.exact_index_))
        # A doubled keystroke in a short name ("NLPP", "Goo", "RR"): the name
        # or acronym it leaves, as strong as an acronym.
        undoubled = compact.str.replace(r"(.)\1", r"\1", n=1, regex=True)
        retry = (acronym.isna() & exact.isna() & (compact.str.len() <= 6)
                 & undoubled.ne(compact))
        acronym[retry] = undoubled[retry].map(self.exact_index_).fillna(
            undoubled[retry].map(self.acronym_index_))
        plural = retry & acronym.isna() & undoubled.str.endswith("s")
        acronym[plural] = undoubled[plural].str[:-1].map(self.acronym_index_)
        # Word coverage, for names that are not a skill's name or acronym:
        # every word of the name is a word of at most a few skills' names ...
        by_name, by_tool, by_description, by_known = _coverage(len(names), rows, codes, words)
        open_rows = (acronym.isna() & exact.isna()).to_numpy()[:, None]
        matches = by_name.sum(axis=1, keepdims=True)
        by_name &= open_rows & (matches <= self.coverage_max_skills)
        scores = _lift(scores, by_name, self.coverage_floor)
        # ... or of one skill's name and the tools its description names.
        by_tool &= open_rows & (by_tool.sum(axis=1, keepdims=True) == 1) & (matches == 0)
        scores = _lift(scores, by_tool, self.tool_floor)
        # Weaker evidence only confirms the best skill so far: every word is in
        # one skill's name or description ("helm charts"), or every word the
        # catalog knows is in its name and the others are unknown to it
        # ("Laravel PHP", "IT helpdesk").
        best = open_rows & (matches == 0) & (scores >= scores.max(axis=1, keepdims=True))
        by_description &= best & (by_description.sum(axis=1, keepdims=True) == 1)
        by_known &= best & (by_known.sum(axis=1, keepdims=True) <= self.coverage_max_skills)
        scores = _lift(scores, by_description | by_known, self.partial_floor)
        hit = acronym.notna().to_numpy()
        cols = acronym[hit].astype(np.int64).to_numpy()
        scores[positions[hit], cols] = np.maximum(scores[positions[hit], cols], self.acronym_score)
        hit = exact.notna().to_numpy()
        scores[positions[hit], exact[hit].astype(np.int64).to_numpy()] = 1.0
        # Nothing left after normalisation ("", "???"): no evidence at all.
        scores[normalised.eq("").to_numpy()] = 0.0
        return scores

    def _correct(self, token: str) -> str:
        """A word of the catalog's vocabulary that ``token`` is a typo or prefix of.

        Tried in order, the first unique answer wins (an ambiguous one stops
        the search): a one-edit typo of a word or whole name of a skill
        (:func:`_typo_allowed`), a prefix of one ("algo", "ecomm"), a typo of a
        name word's stem ("concurency" ~ concurrent), a typo of a description
        word, two name words run together, each whole or a unique prefix
        ("genai" -> "generative ai"). Known words are never corrected.
        """
        stem = _stem(token)
        if (token in self.known_words_ or not token.isalpha()
                or "~" + stem in self.name_vocabulary_):
            return token
        for found in (
            self.name_typos_.matches(token),
            self.prefixes_.get(token, set()) if len(token) >= 3 else set(),
            {self.stem_words_[s] for s in self.stem_typos_.matches(stem)} if len(stem) >= 6
            else set(),
            self.other_typos_.matches(token),
        ):
            # A word and a whole name that starts with it ("penetration",
            # "penetrationtesting") are one answer: the word.
            found = {w for w in found if not any(w != v and w.startswith(v) for v in found)}
            if len({_stem(w) for w in found}) == 1:
                return min(found)
            if found:
                return token
        return self._split(token) or token

    def _split(self, token: str) -> str | None:
        """``token`` as two name words run together, if exactly one split works."""
        found = set()
        for cut in range(2, len(token) - 1):
            parts = [self._complete(token[:cut]), self._complete(token[cut:])]
            if all(parts):
                found.add(" ".join(parts))
        return found.pop() if len(found) == 1 else None

    def _complete(self, part: str) -> str | None:
        """A name word that is ``part`` or that ``part`` uniquely begins (3+ letters)."""
        if part in self.name_words_:
            return part
        found = self.prefixes_.get(part, set()) if len(part) >= 3 else set()
        found = {w for w in found if w in self.name_words_}
        stems = {_stem(w) for w in found}
        return min(found) if len(stems) == 1 else None

    def _check_fitted(self) -> None:
        if not hasattr(self, "catalog_vectors_"):
            raise RuntimeError("SkillResolver is not fitted: call fit(catalog_skills, vectors)")


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _lift(scores: np.ndarray, where: np.ndarray, floor: float) -> np.ndarray:
    """Scores lifted to at least ``floor`` where ``where``, keeping their order."""
    lifted = floor + (1.0 - floor) * np.clip(scores, 0.0, 1.0)
    return np.where(where, np.maximum(scores, lifted), scores)


@dataclass(frozen=True)
class _Words:
    """Words of a list of names, corrected: ``text`` per name, and one entry per
    word occurrence (``rows``: the name's position, ascending; ``codes``: the
    distinct word). Per distinct word: (words x skills) 0/1 matrices of the
    skills whose name (``in_name``), name or description tools
    (``in_either``), or name or description (``in_any``) hold it, and what
    kind of word it is."""

    text: pd.Series
    rows: np.ndarray
    codes: np.ndarray
    in_name: sparse.csr_matrix
    in_words: sparse.csr_matrix
    in_whole: sparse.csr_matrix
    word_counts: np.ndarray
    in_either: sparse.csr_matrix
    in_any: sparse.csr_matrix
    qualifier: np.ndarray
    content: np.ndarray
    unknown: np.ndarray


def _coverage(n: int, rows: np.ndarray, codes: np.ndarray,
              words: _Words) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(names x skills) booleans: every counted word of the name is in the
    skill's name; in its name or its description's tools; in its name or
    description, one at least in its name; every counted word the catalog
    knows is in its name, and some others are unknown to it.

    Counted words: all but function words, digits and qualifiers; the
    qualifiers count when a name has nothing else ("programming"), and
    skills whose names hold the qualifiers too are preferred ("advanced life
    support" is Advanced Cardiac Life Support, not Basic Life Support).
    """
    qualifier, content, unknown = words.qualifier[codes], words.content[codes], words.unknown[codes]
    has_content = np.bincount(rows, weights=content, minlength=n) > 0
    counted = content | (qualifier & ~has_content[rows])
    loose = _covered(n, rows, codes, counted, words.in_name)
    strict = _covered(n, rows, codes, content | qualifier, words.in_name)
    by_name = np.where(strict.any(axis=1, keepdims=True), strict, loose)
    # Prefer the skills whose names the words explain most fully ("reat" is
    # React rather than React Native; "statistics" is not Bayesian Statistics).
    weights = sparse.csr_matrix(((content | qualifier).astype(np.float64), (rows, codes)),
                                shape=(n, words.in_name.shape[0]))
    complete = np.minimum(1.0, _dense(weights @ words.in_words) / words.word_counts
                          + _dense(weights @ words.in_whole))
    complete = np.where(by_name, complete, -1.0)
    by_name &= complete >= complete.max(axis=1, keepdims=True) - 1e-9
    # Words the catalog never uses (brands, local jargon: "Laravel PHP", "IT
    # helpdesk") leave the words it does use to decide.
    has_unknown = np.bincount(rows, weights=counted & unknown, minlength=n) > 0
    by_known = _covered(n, rows, codes, counted & ~unknown, words.in_name) & has_unknown[:, None]
    named = _dense(sparse.csr_matrix((counted.astype(np.float64), (rows, codes)),
                                     shape=(n, words.in_name.shape[0])) @ words.in_name) > 0
    by_description = _covered(n, rows, codes, counted, words.in_any) & named
    return by_name, _covered(n, rows, codes, counted, words.in_either), by_description, by_known


def _covered(n: int, rows: np.ndarray, codes: np.ndarray, counted: np.ndarray,
             token_in_skill: sparse.csr_matrix) -> np.ndarray:
    """(n x skills) booleans: every counted token of a name (token occurrences
    ``rows``/``codes``) is in the skill; False for names with none counted."""
    weights = sparse.csr_matrix((counted.astype(np.float64), (rows, codes)),
                                shape=(n, token_in_skill.shape[0]))
    total = np.asarray(weights.sum(axis=1)).ravel()[:, None]
    found = _dense(weights @ token_in_skill)
    return (found >= total - 1e-9) & (total > 0)


def _incidence(term_sets: Sequence[set[str]], vocabulary: dict[str, int]) -> sparse.csr_matrix:
    """(len(term_sets) x len(vocabulary)) 0/1 matrix of which terms each set holds."""
    rows = [i for i, terms in enumerate(term_sets) for _ in terms]
    cols = [vocabulary[t] for terms in term_sets for t in terms]
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                             shape=(len(term_sets), len(vocabulary)))


def _dense(matrix: Any) -> np.ndarray:
    return matrix.toarray() if sparse.issparse(matrix) else np.asarray(matrix)


def _unique_lookup(keys: Sequence[str] | pd.Series, positions: Any) -> pd.Series:
    """key -> position, for keys that point at exactly one position (ambiguous ones dropped)."""
    frame = pd.DataFrame({"key": list(keys), "pos": list(positions)})
    frame = frame[frame["key"].ne("")].drop_duplicates()
    frame = frame[~frame["key"].duplicated(keep=False)]
    return frame.set_index("key")["pos"]


def _distinct_rows(names: list[str], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the first of each distinct (name, vector) row, and for every
    row the index of its distinct row (``rows == distinct[inverse]`` in content).

    Vectors are compared through two fixed projections, so that equal names
    with different vectors stay apart without comparing whole vectors.
    """
    if len(names) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    dim = vectors.shape[1]
    projection = np.stack([np.cos(np.arange(dim) * 0.7), np.sin(np.arange(dim) * 1.3 + 0.5)], 1)
    keys = vectors.astype(np.float64) @ projection
    frame = pd.DataFrame({"name": pd.Series(names, dtype=object).fillna("").astype(str),
                          "a": keys[:, 0], "b": keys[:, 1]})
    inverse = frame.groupby(["name", "a", "b"], sort=False, dropna=False).ngroup().to_numpy()
    _, distinct = np.unique(inverse, return_index=True)
    return distinct.astype(np.int64), inverse.astype(np.int64)


def _blocks(n: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, _BLOCK):
        yield start, min(n, start + _BLOCK)


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


def held_out_accuracy(
    resolver: SkillResolver,
    aliases: pd.DataFrame,
    alias_vectors: np.ndarray,
    junk_names: Sequence[str],
    junk_vectors: np.ndarray,
    *,
    repeats: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """Accuracy on aliases of skills the threshold was not tuned on.

    ``repeats`` times, the skills are split into random halves; the
    threshold is tuned (:func:`tune_threshold`) on one half's aliases and the
    accuracy measured on the other's, both ways round: ``2 * repeats``
    accuracies. The resolver's other hyperparameters stay as they are.
    """
    best = resolver.score(aliases["alias"].astype(str).tolist(), alias_vectors)
    keys = aliases["skill_key"].astype(str).to_numpy()
    correct = best["skill_key"].to_numpy() == keys
    similarity = best["similarity"].to_numpy()
    junk = resolver.score(list(junk_names), junk_vectors)["similarity"].to_numpy()
    skills = np.unique(keys)
    rng = np.random.default_rng(seed)
    accuracies = []
    for _ in range(repeats):
        half = np.isin(keys, rng.permutation(skills)[: len(skills) // 2])
        for tune, test in ((half, ~half), (~half, half)):
            threshold = tune_threshold(similarity[tune], correct[tune], junk)
            accuracies.append(float((correct[test] & (similarity[test] >= threshold)).mean()))
    return np.array(accuracies)


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
    held_out = held_out_accuracy(resolver, aliases, alias_vectors, JUNK_NAMES, junk_vectors)
    print(f"held-out (threshold tuned on the other half of the skills, {len(held_out)} halves): "
          f"accuracy mean {held_out.mean():.4f}, min {held_out.min():.4f}, "
          f"max {held_out.max():.4f}")


if __name__ == "__main__":
    main()
