"""Offline evaluation of ranked recommendations, and the baselines they must beat.

Pure functions of frames and arrays. A list of recommendations is a frame with
``learner_id``, ``item`` and ``rank`` (1 = best); positives are ``(learner_id, item)``
pairs (in the temporal split: the courses a learner enrolled in during ``(T, T+30d]``).

Accuracy (averaged over learners that have at least one positive; a learner with
positives but no list scores 0):

- ``precision@k`` = hits in the top k / k;
- ``recall@k`` = hits in the top k / number of positives;
- ``ndcg@k`` = DCG / ideal DCG, binary relevance, ``DCG = sum(rel_i / log2(i + 1))`` over
  ranks i = 1..k, ideal = ``min(positives, k)`` hits at the top;
- ``map@k`` = ``sum_i precision@i * rel_i / min(positives, k)``.

Beyond accuracy (over every list given):

- ``coverage@k`` = distinct items in the top-k lists / size of the catalog;
- ``novelty@k`` = mean self-information ``-log2 p(i)`` of recommended items, with
  ``p(i) = (learners who took i before T + 1) / (learners + 1)``;
- ``diversity@k`` = mean over lists (with 2+ items) of ``1 - mean pairwise cosine`` of
  the items' embeddings.

Baselines, on the same candidates (the same exclusions):

- **most popular**: items by how many learners took them before T;
- **co-occurrence** (SAR-like): ``score(u, i) = sum_j in history(u) jaccard(j, i)``, the
  Jaccard similarity of the sets of learners who took i and j before T; ties (and
  learners without history) fall back to popularity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse

RANKING_METRICS = ("precision", "recall", "ndcg", "map")


# ----------------------------------------------------------------------------- accuracy


def _hits(recs: pd.DataFrame, positives: pd.DataFrame, k: int) -> pd.DataFrame:
    top = recs[recs["rank"] <= k][["learner_id", "item", "rank"]]
    pos = positives[["learner_id", "item"]].drop_duplicates().assign(hit=1)
    return top.merge(pos, on=["learner_id", "item"], how="left").fillna({"hit": 0})


def ranking_metrics(recs: pd.DataFrame, positives: pd.DataFrame, k: int) -> dict[str, float]:
    """precision, recall, NDCG and MAP at ``k`` (see the module docstring)."""
    positives = positives[["learner_id", "item"]].drop_duplicates()
    n_pos = positives.groupby("learner_id").size()
    if n_pos.empty:
        return {f"{m}@{k}": float("nan") for m in RANKING_METRICS}
    hits = _hits(recs[recs["learner_id"].isin(n_pos.index)], positives, k)
    hits = hits.sort_values(["learner_id", "rank"])
    hit = hits["hit"].to_numpy(float)
    gain = hit / np.log2(hits["rank"].to_numpy(float) + 1)
    cum_hits = hits.groupby("learner_id")["hit"].cumsum().to_numpy(float)
    precision_at_i = cum_hits / hits["rank"].to_numpy(float)
    per = pd.DataFrame({"learner_id": hits["learner_id"], "hit": hit, "gain": gain,
                        "ap": precision_at_i * hit}).groupby("learner_id").sum()
    per = per.reindex(n_pos.index, fill_value=0.0)
    cap = np.minimum(n_pos.to_numpy(float), k)
    ideal = np.array([np.sum(1.0 / np.log2(np.arange(2, int(c) + 2))) for c in cap])
    return {
        f"precision@{k}": float(np.mean(per["hit"].to_numpy() / k)),
        f"recall@{k}": float(np.mean(per["hit"].to_numpy() / n_pos.to_numpy(float))),
        f"ndcg@{k}": float(np.mean(per["gain"].to_numpy() / ideal)),
        f"map@{k}": float(np.mean(per["ap"].to_numpy() / cap)),
    }


# ----------------------------------------------------------------------------- beyond accuracy


def catalog_coverage(recs: pd.DataFrame, catalog_size: int, k: int) -> float:
    """Share of the catalog that appears in at least one top-k list."""
    return recs.loc[recs["rank"] <= k, "item"].nunique() / catalog_size if catalog_size else 0.0


def item_popularity(history: pd.DataFrame, n_learners: int) -> pd.Series:
    """``p(i) = (learners who took i + 1) / (n_learners + 1)`` for every item in history."""
    counts = history.drop_duplicates(["learner_id", "item"]).groupby("item").size()
    return (counts + 1) / (n_learners + 1)


def novelty(recs: pd.DataFrame, popularity: pd.Series, n_learners: int, k: int) -> float:
    """Mean self-information (bits) of the recommended items; unseen items get
    ``p = 1 / (n_learners + 1)``."""
    items = recs.loc[recs["rank"] <= k, "item"]
    if items.empty:
        return float("nan")
    p = popularity.reindex(items.to_numpy()).fillna(1.0 / (n_learners + 1)).to_numpy(float)
    return float(np.mean(-np.log2(p)))


def intra_list_diversity(recs: pd.DataFrame, item_ids: Sequence[int], vectors: np.ndarray,
                         k: int) -> float:
    """Mean of ``1 - mean pairwise cosine`` over top-k lists with at least two items.

    ``vectors`` are unit item embeddings, row i for ``item_ids[i]``. Vectorised: the sum
    of pairwise cosines of a list is ``(|sum v|^2 - sum |v|^2) / 2``.
    """
    top = recs[recs["rank"] <= k]
    pos = pd.Index(np.asarray(item_ids)).get_indexer(top["item"].to_numpy())
    top = top[pos >= 0]
    pos = pos[pos >= 0]
    learners, owner = np.unique(top["learner_id"].to_numpy(), return_inverse=True)
    pool = sparse.csr_matrix((np.ones(len(pos)), (owner, np.arange(len(pos)))),
                             shape=(len(learners), len(pos)))
    v = np.asarray(vectors, float)[pos]
    sums = np.asarray(pool @ v)
    squares = np.asarray(pool @ np.sum(v * v, axis=1))
    n = np.asarray(pool.sum(axis=1)).ravel()
    ok = n >= 2
    if not ok.any():
        return float("nan")
    pair_sum = (np.sum(sums * sums, axis=1) - squares) / 2.0
    mean_cos = pair_sum[ok] / (n[ok] * (n[ok] - 1) / 2.0)
    return float(np.mean(1.0 - mean_cos))


def evaluate_lists(recs: pd.DataFrame, positives: pd.DataFrame, ks: Sequence[int], *,
                   catalog_size: int, popularity: pd.Series, n_learners: int,
                   item_ids: Sequence[int], item_vectors: np.ndarray) -> dict[str, float]:
    """Every metric of the module at every k, for one method's lists."""
    out: dict[str, float] = {}
    for k in ks:
        out.update(ranking_metrics(recs, positives, k))
        out[f"coverage@{k}"] = catalog_coverage(recs, catalog_size, k)
        out[f"novelty@{k}"] = novelty(recs, popularity, n_learners, k)
        out[f"diversity@{k}"] = intra_list_diversity(recs, item_ids, item_vectors, k)
    return out


# ----------------------------------------------------------------------------- baselines


def _matrix(pairs: pd.DataFrame, learner_ids: np.ndarray, item_ids: np.ndarray
            ) -> sparse.csr_matrix:
    rows = pd.Index(learner_ids).get_indexer(pairs["learner_id"].to_numpy())
    cols = pd.Index(item_ids).get_indexer(pairs["item"].to_numpy())
    keep = (rows >= 0) & (cols >= 0)
    m = sparse.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])),
                          shape=(len(learner_ids), len(item_ids)))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def jaccard_matrix(history: pd.DataFrame, item_ids: Sequence[int]) -> np.ndarray:
    """Items x items Jaccard similarity of the sets of learners who took them (diag 0)."""
    items = np.asarray(item_ids)
    learners = np.unique(history["learner_id"].to_numpy())
    x = _matrix(history, learners, items)
    both = (x.T @ x).toarray()
    count = np.diag(both).copy()
    union = count[:, None] + count[None, :] - both
    out = np.divide(both, union, out=np.zeros_like(both), where=union > 0)
    np.fill_diagonal(out, 0.0)
    return out


def top_k_lists(scores: np.ndarray, learner_ids: np.ndarray, item_ids: np.ndarray,
                k: int) -> pd.DataFrame:
    """(learner_id, item, rank) of each row's k best finite scores (ties: item order)."""
    k = min(k, scores.shape[1])
    order = np.lexsort((np.tile(np.arange(scores.shape[1]), (len(scores), 1)), -scores),
                       axis=1)[:, :k]
    best = np.take_along_axis(scores, order, axis=1)
    rows, rank = np.nonzero(np.isfinite(best))
    return pd.DataFrame({"learner_id": learner_ids[rows], "item": item_ids[order[rows, rank]],
                         "rank": rank + 1})


def baseline_scores(method: str, learner_ids: Sequence[int], history: pd.DataFrame,
                    exclude: pd.DataFrame, item_ids: Sequence[int],
                    candidates: np.ndarray | None = None) -> np.ndarray:
    """Learners x items scores of a baseline (``"most_popular"`` or ``"cooccurrence"``).

    ``history``: (learner_id, item) taken before T by anyone; ``exclude``: (learner_id,
    item) never to recommend (-inf); ``candidates``: items that may be recommended.
    """
    learners, items = np.asarray(learner_ids), np.asarray(item_ids)
    everyone = np.unique(history["learner_id"].to_numpy())
    counts = np.asarray(_matrix(history, everyone, items).sum(axis=0)).ravel()
    popularity = counts / max(counts.max(), 1.0)
    if method == "most_popular":
        scores = np.tile(popularity, (len(learners), 1))
    elif method == "cooccurrence":
        own = _matrix(history, learners, items)
        # Popularity is a tie-break below any co-occurrence signal (Jaccard steps are > 1e-6).
        scores = np.asarray(own @ jaccard_matrix(history, items)) + 1e-6 * popularity
    else:
        raise ValueError(f"unknown baseline {method!r}: most_popular or cooccurrence")
    scores = scores.astype(float)
    if candidates is not None:
        scores[:, ~np.asarray(candidates, bool)] = -np.inf
    ex = _matrix(exclude, learners, items).tocoo()
    scores[ex.row, ex.col] = -np.inf
    return scores


def recommend_baseline(method: str, learner_ids: Sequence[int], history: pd.DataFrame,
                       exclude: pd.DataFrame, item_ids: Sequence[int], k: int,
                       candidates: np.ndarray | None = None) -> pd.DataFrame:
    """Top-k lists of a baseline: (learner_id, item, rank)."""
    scores = baseline_scores(method, learner_ids, history, exclude, item_ids, candidates)
    return top_k_lists(scores, np.asarray(learner_ids), np.asarray(item_ids), k)
