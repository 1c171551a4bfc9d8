"""Topics by group of documents: over time (periods of a date column) and per class.

Pure functions of (X, W, H, group of each document). For each (group, topic) they
give how many of the group's documents the topic dominates, the topic's part of
the group's topic weight, and the topic's top terms *within the group*: each
non-zero ``X[d, j]`` is attributed to the topics in proportion to ``W[d, t] H[t, j]``
(its share of the reconstruction ``(W H)[d, j]``), and the attributions are summed
over the group's documents. The attributions of one entry sum to ``X[d, j]``, so a
topic's terms in a period are the terms its documents of that period actually use.
X stays sparse: the work is on its non-zeros, a block at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..corpora import Corpus
from ..defaults import N_TOP_TERMS
from ..model.topics import topic_shares

__all__ = [
    "GROUP_COLUMNS",
    "MAX_CLASSES",
    "attributed_terms",
    "class_values",
    "find_class_columns",
    "find_time_column",
    "group_top_terms",
    "period_values",
    "topics_by_group",
]

#: Columns after the group column (``period`` or the class column's name).
GROUP_COLUMNS = ["topic", "topic_label", "documents", "group_documents", "share", "weight_share", "top_terms"]
#: A metadata column with at most this many distinct values counts as a class column.
MAX_CLASSES = 30
#: Floats per gather of W's rows (and H's columns) when forming the reconstruction at the
#: non-zeros of X: a block is ``_BLOCK_FLOATS // n_topics`` non-zeros (8 MiB per gather).
_BLOCK_FLOATS = 1 << 20
_TIME_NAMES = ("date", "time", "timestamp", "datetime", "published", "created", "year", "month")


def _metadata_column(corpus: Corpus, column: str, caller: str) -> pd.Series:
    """The values of ``column`` (a metadata column, or ``label`` for the known classes)."""
    if column in corpus.metadata.columns:
        return corpus.metadata[column].reset_index(drop=True)
    if column == "label" and corpus.labels is not None:
        return pd.Series(corpus.labels, name="label")
    known = list(map(str, corpus.metadata.columns)) + (["label"] if corpus.labels is not None else [])
    raise KeyError(f"{caller}: {column!r} is not a metadata column of corpus {corpus.name!r}; "
                   f"its columns are {known!r}.")


def period_values(values: pd.Series, freq: str = "M") -> pd.Series:
    """Each value's period (``pandas.Period`` of ``freq``); missing or unreadable dates: NaN.

    Strings are parsed with :func:`pandas.to_datetime` (a second pass with
    ``format="mixed"`` when the first format does not fit every value); time
    zones are converted to UTC and dropped.
    """
    values = pd.Series(values).reset_index(drop=True)
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.asfreq(freq)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values
    else:
        present = values.notna()
        stamps = pd.to_datetime(values, errors="coerce", utc=True)
        if (stamps.isna() & present).any():
            stamps = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps.dt.to_period(freq)


def class_values(values: pd.Series) -> pd.Series:
    """The values as strings (missing values stay NaN), so classes sort and compare alike."""
    values = pd.Series(values).reset_index(drop=True)
    return values.where(values.isna(), values.astype(str))


def find_time_column(corpus: Corpus) -> str | None:
    """The metadata column that holds dates, or None: a datetime column, or one named like
    a date (``date``, ``time``, ``published``...) whose values mostly parse as dates."""
    meta = corpus.metadata
    for c in meta.columns:
        if pd.api.types.is_datetime64_any_dtype(meta[c].dtype):
            return str(c)
    for c in meta.columns:
        if str(c).strip().lower() in _TIME_NAMES and len(meta):
            parsed = period_values(meta[c], "D")
            if parsed.notna().mean() >= 0.5:
                return str(c)
    return None


def find_class_columns(corpus: Corpus, max_classes: int = MAX_CLASSES) -> list[str]:
    """``label`` (when the corpus has known classes) and every metadata column with 2 to
    ``max_classes`` distinct values that is not the time column."""
    out = ["label"] if corpus.labels is not None and "label" not in corpus.metadata.columns else []
    time_column = find_time_column(corpus)
    for c in corpus.metadata.columns:
        if str(c) == time_column:
            continue
        values = corpus.metadata[c]
        try:
            n = values.nunique(dropna=True)
        except TypeError:  # unhashable values (lists, dicts)
            continue
        if 2 <= n <= max_classes and n < len(values):
            out.append(str(c))
    return out


def _attribution_ratios(X: sp.csr_matrix, W: np.ndarray, H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The row of each non-zero of X and its ``X[d, j] / (W H)[d, j]`` (0 where the reconstruction is 0).

    The reconstruction is formed only at the non-zeros, a block at a time (each block's
    two ``block x n_topics`` gathers hold at most about ``_BLOCK_FLOATS`` floats).
    """
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    cols = X.indices
    nnz = X.nnz
    block = max(1, _BLOCK_FLOATS // max(1, H.shape[0]))
    recon = np.empty(nnz)
    for s in range(0, nnz, block):
        r, c = rows[s:s + block], cols[s:s + block]
        recon[s:s + block] = np.einsum("ik,ki->i", W[r], H[:, c])
    return rows, np.divide(X.data, recon, out=np.zeros(nnz), where=recon > 0)


def _attributed_parts(X: sp.csr_matrix, W: np.ndarray, H: np.ndarray, G: sp.csr_matrix) -> Iterator[sp.csr_matrix]:
    """``G @ A_t`` for t = 0, 1, ..., one topic at a time (see :func:`_attributed_totals`).

    Each result has shape (n_groups, n_terms) and is sparse (at most ``X.nnz`` non-zeros
    when no document is in two groups); consuming them one by one keeps memory O(nnz),
    whatever the number of topics or groups.
    """
    rows, ratio = _attribution_ratios(X, W, H)
    cols = X.indices
    for t in range(H.shape[0]):
        data = ratio * W[rows, t]
        data *= H[t, cols]
        A = sp.csr_matrix((data, X.indices, X.indptr), shape=X.shape)
        yield sp.csr_matrix(G @ A)


def _attributed_totals(X: sp.csr_matrix, W: np.ndarray, H: np.ndarray, G: sp.csr_matrix) -> list[sp.csr_matrix]:
    """Per topic t, ``G @ A_t`` where ``A_t[d, j] = X[d, j] W[d, t] H[t, j] / (W H)[d, j]``.

    ``G`` is the (n_groups, n_documents) indicator of each group's documents; each
    result has shape (n_groups, n_terms) and stays sparse. All topics at once: use
    :func:`_attributed_parts` (or :func:`group_top_terms`, :func:`attributed_terms`)
    to hold only one topic's at a time.
    """
    return list(_attributed_parts(X, W, H, G))


def _top_of_row(data: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
    """The columns ``idx`` of the ``n`` largest positive ``data``, heaviest first, ties by column.

    A partition finds the n-th largest value, and only the entries at least that large
    are sorted, so the work is O(len(data) + candidates log candidates).
    """
    keep = data > 0
    data, idx = data[keep], idx[keep]
    if 0 <= n < len(data):
        cut = len(data) - n
        threshold = np.partition(data, cut)[cut] if n else np.inf
        near = data >= threshold  # every entry of the top n, and all that tie with the last
        data, idx = data[near], idx[near]
    order = np.lexsort((idx, -data))[:n]  # heaviest first, ties by column
    return idx[order]


def group_top_terms(X: sp.spmatrix, W: np.ndarray, H: np.ndarray, G: sp.spmatrix, n: int) -> list[list[np.ndarray]]:
    """Each group's top ``n`` terms of each topic's attributed part of X: ``out[group][topic]``.

    The terms of group i and topic t are the columns of the largest positive entries of
    row i of ``G @ A_t`` (:func:`_attributed_totals`), heaviest first, ties broken by
    the lower column; fewer than ``n`` (none) when the topic has fewer (none) there.
    Nothing of size groups x topics x terms is formed: one topic's sparse totals at a
    time, so memory is O(nnz(X) + n_groups * n_topics * n).

    Parameters
    ----------
    X : sparse matrix, shape (n_documents, n_terms)
    W : ndarray, shape (n_documents, n_topics)
    H : ndarray, shape (n_topics, n_terms)
    G : sparse matrix, shape (n_groups, n_documents)
        Indicator (or weights) of each group's documents.
    n : int
        Terms per (group, topic).

    Returns
    -------
    list of list of ndarray of int64
    """
    X, G = sp.csr_matrix(X), sp.csr_matrix(G)
    W, H = np.asarray(W, dtype=np.float64), np.asarray(H, dtype=np.float64)
    k, g = H.shape[0], G.shape[0]
    out: list[list[np.ndarray]] = [[np.zeros(0, dtype=np.int64)] * k for _ in range(g)]
    for t, part in enumerate(_attributed_parts(X, W, H, G)):
        for i in range(g):
            lo, hi = part.indptr[i], part.indptr[i + 1]
            out[i][t] = _top_of_row(part.data[lo:hi], part.indices[lo:hi], n).astype(np.int64)
    return out


def attributed_terms(X: sp.spmatrix, W: np.ndarray, H: np.ndarray, terms: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The whole corpus' attribution to topic t of each term of ``terms[t]`` (one array per topic).

    ``out[t][i]`` is ``sum_d A_t[d, terms[t][i]]`` (:func:`_attributed_totals` with every
    document in one group; 0 for a term the topic has none of), the same numbers as
    indexing the dense topics x terms totals, without forming them: one topic's sparse
    row at a time.
    """
    X = sp.csr_matrix(X)
    W, H = np.asarray(W, dtype=np.float64), np.asarray(H, dtype=np.float64)
    n = X.shape[0]
    everyone = sp.csr_matrix((np.ones(n), (np.zeros(n, dtype=np.int64), np.arange(n))), shape=(1, n))
    out = []
    for t, part in enumerate(_attributed_parts(X, W, H, everyone)):
        part.sum_duplicates()  # canonical: sorted columns, each once
        want = np.asarray(terms[t], dtype=np.int64)
        values = np.zeros(len(want))
        if part.nnz:
            at = np.minimum(np.searchsorted(part.indices, want), part.nnz - 1)
            hit = part.indices[at] == want
            values[hit] = part.data[at[hit]]
        out.append(values)
    return out


def topics_by_group(
    X: sp.spmatrix,
    W: np.ndarray,
    H: np.ndarray,
    groups: pd.Series,
    term_labels: Sequence[str],
    topic_labels: Sequence[str],
    *,
    group_name: str,
    n_terms: int = N_TOP_TERMS,
) -> pd.DataFrame:
    """One row per (group, topic): documents, shares and the topic's top terms in the group.

    Parameters
    ----------
    X : sparse matrix, shape (n_documents, n_terms)
    W : ndarray, shape (n_documents, n_topics)
    H : ndarray, shape (n_topics, n_terms)
    groups : pandas.Series, length n_documents
        Each document's group (a period, a class); documents with a missing group
        are left out.
    term_labels, topic_labels : sequences of str
    group_name : str
        Name of the first column.
    n_terms : int, default=N_TOP_TERMS (10)

    Returns
    -------
    pandas.DataFrame
        Columns: ``group_name``; ``topic``; ``topic_label``; ``documents`` (the
        group's documents whose dominant topic it is); ``group_documents`` (the
        group's documents); ``share`` (documents / group_documents);
        ``weight_share`` (mean over the group's documents of the topic's part of
        their topic weight); ``top_terms`` (comma-separated, the heaviest terms
        of the topic's attributed part of the group's X; empty when the topic has
        none there). Every (group, topic) pair of the groups present, sorted by
        group, then topic.
    """
    X = sp.csr_matrix(X)
    W = np.asarray(W, dtype=np.float64)
    H = np.asarray(H, dtype=np.float64)
    n, k = W.shape
    groups = pd.Series(groups).reset_index(drop=True)
    if len(groups) != n:
        raise ValueError(f"topics_by_group: {len(groups)} group values for {n} documents.")
    present = groups.notna().to_numpy()
    codes, uniques = pd.factorize(groups[present], sort=True)
    g = len(uniques)
    docs = np.flatnonzero(present)
    G = sp.csr_matrix((np.ones(len(docs)), (codes, docs)), shape=(g, n))
    dominant = np.argmax(W, axis=1) if k else np.zeros(n, dtype=int)
    counts = np.zeros((g, k), dtype=np.int64)
    np.add.at(counts, (codes, dominant[docs]), 1)
    sizes = np.bincount(codes, minlength=g)
    weight = np.asarray(G @ topic_shares(W)) / np.maximum(sizes, 1)[:, None]
    top = group_top_terms(X, W, H, G, n_terms) if g else []
    terms = [[", ".join(str(term_labels[j]) for j in top[i][t]) for t in range(k)] for i in range(g)]
    frame = pd.DataFrame({
        group_name: np.repeat(np.asarray(uniques, dtype=object), k) if g else [],
        "topic": np.tile(np.arange(k, dtype=np.int64), g),
        "topic_label": [str(topic_labels[t]) for _ in range(g) for t in range(k)],
        "documents": counts.ravel(),
        "group_documents": np.repeat(sizes, k).astype(np.int64),
        "share": (counts / np.maximum(sizes, 1)[:, None]).ravel(),
        "weight_share": weight.ravel(),
        "top_terms": [s for row in terms for s in row],
    }, columns=[group_name, *GROUP_COLUMNS])
    if g and isinstance(uniques, pd.PeriodIndex):
        frame[group_name] = pd.PeriodIndex(np.repeat(uniques, k))
    return frame

