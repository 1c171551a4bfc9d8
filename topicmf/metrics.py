"""Quality of topics: coherence, diversity, sparsity, error, stability, clustering scores.

All functions are pure, deterministic and never return NaN or inf: degenerate
cases have defined values (stated per function). Orientation as everywhere:
W (n_documents, n_topics), H (n_topics, n_terms), B (n_documents, n_terms) the
binary document-term matrix of the corpus the topics are scored on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

from .defaults import N_TOP_TERMS, RELEVANCE_LAMBDA, REPRODUCED_SIMILARITY

__all__ = [
    "top_term_indices",
    "term_relevance",
    "npmi_coherence",
    "umass_coherence",
    "topic_diversity",
    "zero_share",
    "hoyer_sparseness",
    "reconstruction_error",
    "cosine_rows",
    "match_topics",
    "topic_stability",
    "clustering_scores",
    "purity",
]


def term_relevance(H: np.ndarray, term_frequency: np.ndarray, lam: float = RELEVANCE_LAMBDA) -> np.ndarray:
    """Relevance of each term to each topic (Sievert and Shirley, 2014), shape (n_topics, n_terms).

    ``lam log p(w|t) + (1 - lam) log(p(w|t) / p(w))`` with ``p(w|t)`` the topic's row of
    ``H`` normalised to sum 1 and ``p(w)`` ``term_frequency`` normalised likewise:
    ``lam = 1`` ranks by weight, smaller values favour terms particular to the topic.
    Terms of weight zero get ``-inf`` (never ranked above a term of the topic).
    """
    H = np.asarray(H, dtype=np.float64)
    p = np.asarray(term_frequency, dtype=np.float64)
    p = p / (p.sum() or 1.0)
    phi = H / np.maximum(H.sum(axis=1, keepdims=True), np.finfo(np.float64).tiny)
    out = np.full(H.shape, -np.inf)
    pos = phi > 0
    lp = np.log(phi[pos])
    out[pos] = lam * lp + (1.0 - lam) * (lp - np.log(np.broadcast_to(np.maximum(p, 1e-300), H.shape)[pos]))
    return out


def top_term_indices(H: np.ndarray, n: int = N_TOP_TERMS) -> np.ndarray:
    """Column indices of each topic's ``n`` highest-scoring terms, highest first.

    ``H`` is the topics' term weights or any score of the same shape (e.g.
    :func:`term_relevance`). Ties are broken by column index (stable), so the
    result is deterministic.

    Returns
    -------
    ndarray of int, shape (n_topics, min(n, n_terms))
    """
    H = np.asarray(H)
    n = min(n, H.shape[1])
    return np.argsort(-H, axis=1, kind="stable")[:, :n]


def _cooccurrence(B: sp.spmatrix, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Document frequencies and co-document frequencies of ``terms`` (sparse, exact)."""
    B = sp.csc_matrix(B)
    sub = B[:, terms]
    sub.data = np.ones_like(sub.data)
    sub = sub.astype(np.float64)
    df = np.asarray(sub.sum(axis=0)).ravel()
    co = np.asarray((sub.T @ sub).todense())  # dense-ok: (n_terms_scored x n_terms_scored), small
    return df, co, B.shape[0]


def npmi_coherence(top_terms: np.ndarray, B: sp.spmatrix) -> np.ndarray:
    """NPMI coherence of each topic: mean over pairs of its top terms.

    ``NPMI(a, b) = log(P(a, b) / (P(a) P(b))) / -log P(a, b)`` with probabilities
    from document co-occurrence in ``B``. Defined values: pairs that never
    co-occur score -1; pairs that occur in every document together score 1; a
    topic with fewer than two terms scores 0.

    Parameters
    ----------
    top_terms : ndarray of int, shape (n_topics, n)
        Column indices into B (e.g. :func:`top_term_indices`).
    B : sparse matrix, shape (n_documents, n_terms)
        Binary (or count) document-term matrix.

    Returns
    -------
    ndarray, shape (n_topics,), values in [-1, 1]
    """
    top_terms = np.atleast_2d(np.asarray(top_terms, dtype=np.int64))
    uniq, inv = np.unique(top_terms, return_inverse=True)
    inv = inv.reshape(top_terms.shape)
    df, co, n_docs = _cooccurrence(B, uniq)
    scores = np.zeros(len(top_terms))
    if n_docs == 0:
        return scores
    for t, row in enumerate(inv):
        vals = []
        for a in range(len(row)):
            for b in range(a + 1, len(row)):
                i, j = row[a], row[b]
                pij = co[i, j] / n_docs
                if pij <= 0:
                    vals.append(-1.0)
                    continue
                if pij >= 1:
                    vals.append(1.0)
                    continue
                pmi = np.log(pij / ((df[i] / n_docs) * (df[j] / n_docs)))
                vals.append(float(np.clip(pmi / -np.log(pij), -1.0, 1.0)))
        scores[t] = float(np.mean(vals)) if vals else 0.0
    return scores


def umass_coherence(top_terms: np.ndarray, B: sp.spmatrix) -> np.ndarray:
    """UMass coherence (Mimno et al., 2011) of each topic, averaged over pairs.

    ``mean over m > l of log((D(w_m, w_l) + 1) / D(w_l))`` where terms are in rank
    order and D counts documents. A term that occurs in no document gets
    D = 1 in the denominator, so the value is always finite; a topic with fewer
    than two terms scores 0. Values are <= log(n_documents + 1); higher is better.

    Returns
    -------
    ndarray, shape (n_topics,)
    """
    top_terms = np.atleast_2d(np.asarray(top_terms, dtype=np.int64))
    uniq, inv = np.unique(top_terms, return_inverse=True)
    inv = inv.reshape(top_terms.shape)
    df, co, _ = _cooccurrence(B, uniq)
    scores = np.zeros(len(top_terms))
    for t, row in enumerate(inv):
        vals = [np.log((co[row[m], row[j]] + 1.0) / max(df[row[j]], 1.0))
                for m in range(1, len(row)) for j in range(m)]
        scores[t] = float(np.mean(vals)) if vals else 0.0
    return scores


def topic_diversity(top_terms: np.ndarray) -> float:
    """Share of unique terms among all topics' top terms (1.0: no term shared).

    Parameters
    ----------
    top_terms : array, shape (n_topics, n)
        Term indices or strings (e.g. the top 25 of each topic).
    """
    top_terms = np.asarray(top_terms)
    if top_terms.size == 0:
        return 0.0
    return float(len(np.unique(top_terms)) / top_terms.size)


def zero_share(M: np.ndarray) -> float:
    """Share of exact zeros in M (0.0 for an empty array)."""
    M = np.asarray(M)
    return float(np.mean(M == 0)) if M.size else 0.0


def hoyer_sparseness(M: np.ndarray, axis: int = 1) -> np.ndarray:
    """Hoyer's sparseness of each vector along ``axis``: 0 (flat) to 1 (one non-zero).

    ``(sqrt(n) - ||v||_1 / ||v||_2) / (sqrt(n) - 1)``; a zero vector scores 1 and
    a vector of length 1 scores 1.

    Returns
    -------
    ndarray: one value per row (axis=1) or column (axis=0)
    """
    M = np.abs(np.asarray(M, dtype=np.float64))
    n = M.shape[axis]
    l1 = M.sum(axis=axis)
    l2 = np.sqrt((M * M).sum(axis=axis))
    if n <= 1:
        return np.ones_like(l1)
    ratio = np.divide(l1, l2, out=np.ones_like(l1), where=l2 > 0)
    return np.clip((np.sqrt(n) - ratio) / (np.sqrt(n) - 1), 0.0, 1.0)


def reconstruction_error(X: sp.spmatrix, W: np.ndarray, H: np.ndarray, relative: bool = False) -> float:
    """``||X - W H||_F`` (or divided by ``||X||_F``) without forming W H.

    Uses ``||X||^2 - 2 <W, X H^T> + <W^T W, H H^T>``; X may be sparse.
    """
    X = sp.csr_matrix(X)
    W = np.asarray(W, dtype=np.float64)
    H = np.asarray(H, dtype=np.float64)
    nx2 = float(X.data @ X.data)
    sq = nx2 - 2.0 * float(np.sum(W * np.asarray(X @ H.T))) + float(np.sum((W.T @ W) * (H @ H.T)))
    err = float(np.sqrt(max(sq, 0.0)))
    if relative:
        return err / np.sqrt(nx2) if nx2 > 0 else 0.0
    return err


def cosine_rows(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of A with every row of B (zero rows: 0)."""
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    na = np.linalg.norm(A, axis=1, keepdims=True)
    nb = np.linalg.norm(B, axis=1, keepdims=True)
    A = np.divide(A, na, out=np.zeros_like(A), where=na > 0)
    B = np.divide(B, nb, out=np.zeros_like(B), where=nb > 0)
    return A @ B.T


def match_topics(H_ref: np.ndarray, H_other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match the topics of ``H_other`` to those of ``H_ref`` (Hungarian method on cosine).

    Returns
    -------
    match : ndarray of int, shape (n_topics_ref,)
        For each reference topic, the index of its partner in H_other (-1 if
        H_other has fewer topics and this one is left unmatched).
    similarity : ndarray, shape (n_topics_ref,)
        Cosine similarity of each pair (0 when unmatched).
    """
    S = cosine_rows(H_ref, H_other)
    rows, cols = linear_sum_assignment(-S)
    match = np.full(S.shape[0], -1, dtype=np.int64)
    sim = np.zeros(S.shape[0])
    match[rows] = cols
    sim[rows] = S[rows, cols]
    return match, sim


def topic_stability(
    H_ref: np.ndarray, H_others: Sequence[np.ndarray], threshold: float = REPRODUCED_SIMILARITY
) -> tuple[np.ndarray, np.ndarray]:
    """How well each reference topic is reproduced by other runs (restarts).

    Each run's topics are matched to the reference by :func:`match_topics`.

    Returns
    -------
    mean_similarity : ndarray, shape (n_topics,)
        Mean cosine similarity to the matched topic over the runs (1.0 when
        there are no other runs: nothing contradicts the topic).
    n_reproduced : ndarray of int, shape (n_topics,)
        Runs whose matched topic has similarity above ``threshold``.
    """
    k = np.asarray(H_ref).shape[0]
    if len(H_others) == 0:
        return np.ones(k), np.zeros(k, dtype=np.int64)
    sims = np.array([match_topics(H_ref, H)[1] for H in H_others])
    return sims.mean(axis=0), (sims > threshold).sum(axis=0).astype(np.int64)


def purity(labels_true: Sequence, labels_pred: Sequence) -> float:
    """Share of documents whose cluster's majority label is their own label."""
    C = contingency_matrix(labels_true, labels_pred)
    total = C.sum()
    return float(C.max(axis=0).sum() / total) if total else 0.0


def clustering_scores(labels_true: Sequence, labels_pred: Sequence) -> dict[str, float]:
    """NMI, ARI and purity of a clustering against known labels (scikit-learn)."""
    return {
        "nmi": float(normalized_mutual_info_score(labels_true, labels_pred)),
        "ari": float(adjusted_rand_score(labels_true, labels_pred)),
        "purity": purity(labels_true, labels_pred),
    }
