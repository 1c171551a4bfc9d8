"""Shaping topics without refitting from scratch: merge, reduce, find.

Merging keeps H's other rows and replaces each group of topics by one row: the
mass-weighted sum of the group's unit term vectors (mass = the topic's total weight
in W), rescaled to the members' mass-weighted norm in the model's own scale. The new
H makes a fitted :class:`~topicmf.TopicNMF` (the original's parameters, one restart,
fitted attributes consistent with it), so W is re-solved with H fixed by
``TopicNMF.transform`` (the same solver as the fit) and the model saves and loads
like any other. Pure functions: nothing here changes its inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..metrics import cosine_rows, match_topics, top_term_indices

if TYPE_CHECKING:
    from ..factorize import TopicNMF

__all__ = [
    "find_topics_table",
    "merge_partition",
    "merged_components",
    "merged_estimator",
    "merged_runs",
    "reduce_partition",
    "topic_centroids",
]


def merge_partition(n_topics: int, groups: Iterable[Sequence[int]]) -> list[list[int]]:
    """Every topic in exactly one group: the given groups plus singletons, ordered by their
    smallest topic (so a merged topic takes the place of its first member).

    Raises
    ------
    ValueError
        A topic out of range, not an int, or in two groups; an empty group.
    """
    seen: dict[int, int] = {}
    out: list[list[int]] = []
    for g, group in enumerate(groups):
        members = list(group)
        if not members:
            raise ValueError(f"merge_topics: group {g} is empty.")
        for t in members:
            if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= int(t) < n_topics:
                raise ValueError(f"merge_topics: topics are ints from 0 to {n_topics - 1}; got {t!r} in group {g}.")
            if int(t) in seen:
                raise ValueError(f"merge_topics: topic {int(t)} is in group {seen[int(t)]} and group {g}; "
                                 "each topic may be merged once.")
            seen[int(t)] = g
        out.append(sorted({int(t) for t in members}))
    out += [[t] for t in range(n_topics) if t not in seen]
    return sorted(out, key=min)


def merged_components(H: np.ndarray, masses: np.ndarray, partition: Sequence[Sequence[int]]) -> np.ndarray:
    """One row per group: the members' unit rows weighted by mass, scaled to their
    mass-weighted norm (a singleton group gives back its row unchanged).

    Parameters
    ----------
    H : ndarray, shape (n_topics, n_terms)
        In the model's scale (``components_``).
    masses : ndarray, shape (n_topics,)
        Each topic's total weight in W when H has unit rows.
    partition : list of lists of int
    """
    H = np.asarray(H, dtype=np.float64)
    norms = np.linalg.norm(H, axis=1)
    unit = np.divide(H, norms[:, None], out=np.zeros_like(H), where=norms[:, None] > 0)
    masses = np.asarray(masses, dtype=np.float64)
    out = np.zeros((len(partition), H.shape[1]))
    for g, members in enumerate(partition):
        m = masses[list(members)]
        m = m if m.sum() > 0 else np.ones(len(members))
        row = m @ unit[list(members)]
        size = np.linalg.norm(row)
        out[g] = row / size * float(m @ norms[list(members)] / m.sum()) if size > 0 else 0.0
    return out


def topic_centroids(X: sp.spmatrix, W: np.ndarray) -> np.ndarray:
    """``W^T X``, shape (n_topics, n_terms): each topic's documents' TF-IDF, weighted by
    the topic's weight in them (X stays sparse)."""
    return np.asarray((sp.csr_matrix(X).T @ np.asarray(W, dtype=np.float64)).T)


def reduce_partition(centroids: np.ndarray, n: int) -> list[list[int]]:
    """Merge the two most similar groups until ``n`` remain (agglomerative).

    Similarity is the cosine of the groups' centroids (:func:`topic_centroids`; a
    merged group's centroid is the sum of its members'), so two topics that share
    their documents merge even when they split the vocabulary between them. Ties:
    the lowest topic numbers first.
    """
    C = [np.asarray(row, dtype=np.float64) for row in centroids]
    groups = [[t] for t in range(len(C))]
    if not 1 <= n <= len(groups):
        raise ValueError(f"reduce_topics: n must be from 1 to the number of topics ({len(groups)}); got {n!r}.")
    while len(groups) > n:
        S = cosine_rows(np.array(C), np.array(C))
        np.fill_diagonal(S, -np.inf)
        i, j = np.unravel_index(int(np.argmax(S)), S.shape)
        i, j = min(i, j), max(i, j)
        groups[i] = sorted(groups[i] + groups[j])
        C[i] = C[i] + C[j]
        del groups[j], C[j]
    return sorted(groups, key=min)


def merged_runs(H_ref: np.ndarray, runs: Sequence[np.ndarray], masses: np.ndarray,
                partition: Sequence[Sequence[int]]) -> list[np.ndarray]:
    """The other restarts merged the same way: each run's topics matched to ``H_ref``'s
    (Hungarian, cosine) and the matched rows merged by ``partition``, so the merged
    topics' stability can be measured against them."""
    out = []
    for H in runs:
        perm, _ = match_topics(H_ref, H)
        out.append(merged_components(np.asarray(H)[perm], masses, partition))
    return out


def merged_estimator(model: TopicNMF, components: np.ndarray, X: sp.spmatrix) -> tuple[TopicNMF, np.ndarray]:
    """A fitted TopicNMF with ``components`` as H and W re-solved for X with H fixed.

    The estimator is ``sklearn.base.clone(model)`` with ``n_topics`` set to the new
    number of topics and one restart; its fitted attributes describe that single
    solution (``restart_components_ = [H]``, ``best_restart_ = 0``,
    ``n_iter_ = 0``: H was not iterated), so it saves, loads and transforms like a fit.

    Returns
    -------
    model : TopicNMF
    W : ndarray, shape (n_documents, n_topics)
    """
    from sklearn.base import clone

    from ..factorize import TopicNMF

    k = components.shape[0]
    new = clone(model)
    params: dict[str, Any] = {"n_topics": k, "n_components": None, "n_restarts": 1}
    new.set_params(**params)
    assert isinstance(new, TopicNMF)
    H = np.ascontiguousarray(components, dtype=np.asarray(model.components_).dtype)
    new.components_ = H
    new.n_features_in_ = int(model.n_features_in_)
    if hasattr(model, "feature_names_in_"):
        new.feature_names_in_ = model.feature_names_in_
    for name in ("n_threads_",):
        if hasattr(model, name):
            setattr(new, name, getattr(model, name))
    new.compile_seconds_ = 0.0
    new.fit_seconds_ = 0.0
    W = new.transform(X)
    Hd = H.astype(np.float64)
    Xc = sp.csr_matrix(X, dtype=np.float64)
    cross = float(np.sum(W * np.asarray(Xc @ Hd.T)))
    err = float(np.sqrt(max(float(Xc.data @ Xc.data) - 2 * cross + float(np.sum((W.T @ W) * (Hd @ Hd.T))), 0.0)))
    loss = (0.5 * err**2 + 0.5 * new.l2_W * float(np.sum(W**2)) + 0.5 * new.l2_H * float(np.sum(Hd**2))
            + new.l1_W * float(W.sum()) + new.l1_H * float(Hd.sum()))
    new.reconstruction_err_ = err
    new.n_iter_ = 0
    new.loss_history_ = np.array([loss])
    new.restart_losses_ = np.array([loss])
    new.restart_components_ = [H.copy()]
    new.restart_converged_ = np.array([True])
    new.restart_n_iter_ = np.array([0], dtype=np.int64)
    new.best_restart_ = 0
    return new, W


def find_topics_table(query_vector: sp.spmatrix, H: np.ndarray, topic_labels: Sequence[str],
                      term_labels: Sequence[str], n: int, n_terms: int,
                      scores: np.ndarray | None = None) -> pd.DataFrame:
    """Topics by cosine similarity between a query's TF-IDF row and H's rows, best first.

    Columns: ``rank``, ``topic``, ``topic_label``, ``similarity``, ``top_terms``.
    Ties: topic number.
    """
    q = sp.csr_matrix(query_vector, dtype=np.float64)
    H = np.asarray(H, dtype=np.float64)
    qn = float(np.sqrt(q.data @ q.data))
    hn = np.linalg.norm(H, axis=1)
    dots = np.asarray(q @ H.T).ravel()
    sims = np.divide(dots, qn * hn, out=np.zeros_like(dots), where=hn > 0) if qn > 0 else np.zeros(H.shape[0])
    order = np.lexsort((np.arange(len(sims)), -sims))[:n]
    idx = top_term_indices(H if scores is None else scores, n_terms)
    return pd.DataFrame({
        "rank": np.arange(1, len(order) + 1, dtype=np.int64),
        "topic": order.astype(np.int64),
        "topic_label": [str(topic_labels[t]) for t in order],
        "similarity": sims[order],
        "top_terms": [", ".join(str(term_labels[j]) for j in idx[t]) for t in order],
    })
