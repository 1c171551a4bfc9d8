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

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..corpora import Corpus
from ..defaults import N_TOP_TERMS
from ..model.topics import topic_shares

__all__ = [
    "GROUP_COLUMNS",
    "MAX_CLASSES",
    "class_values",
    "find_class_columns",
    "find_time_column",
    "period_values",
    "topics_by_group",
]

#: Columns after the group column (``period`` or the class column's name).
GROUP_COLUMNS = ["topic", "topic_label", "documents", "group_documents", "share", "weight_share", "top_terms"]
#: A metadata column with at most this many distinct values counts as a class column.
MAX_CLASSES = 30
#: Non-zeros of X handled per block when attributing them to topics (bounds memory to
#: about ``block * n_topics`` floats).
_NNZ_BLOCK = 1 << 18
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


def _attributed_totals(X: sp.csr_matrix, W: np.ndarray, H: np.ndarray, G: sp.csr_matrix) -> list[sp.csr_matrix]:
    """Per topic t, ``G @ A_t`` where ``A_t[d, j] = X[d, j] W[d, t] H[t, j] / (W H)[d, j]``.

    ``G`` is the (n_groups, n_documents) indicator of each group's documents; each
    result has shape (n_groups, n_terms) and stays sparse.
    """
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    cols = X.indices
    nnz = X.nnz
    recon = np.empty(nnz)
    for s in range(0, nnz, _NNZ_BLOCK):
        r, c = rows[s:s + _NNZ_BLOCK], cols[s:s + _NNZ_BLOCK]
        recon[s:s + _NNZ_BLOCK] = np.einsum("ik,ki->i", W[r], H[:, c])
    ratio = np.divide(X.data, recon, out=np.zeros(nnz), where=recon > 0)
    out = []
    for t in range(H.shape[0]):
        data = ratio * W[rows, t] * H[t, cols]
        A = sp.csr_matrix((data, X.indices, X.indptr), shape=X.shape)
        out.append(sp.csr_matrix(G @ A))
    return out


def _top_terms(row: sp.csr_matrix, term_labels: Sequence[str], n: int) -> str:
    data, idx = row.data, row.indices
    keep = data > 0
    data, idx = data[keep], idx[keep]
    order = np.lexsort((idx, -data))[:n]  # heaviest first, ties by column
    return ", ".join(str(term_labels[j]) for j in idx[order])


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
    totals = _attributed_totals(X, W, H, G) if g else []
    terms = [[_top_terms(totals[t][i], term_labels, n_terms) for t in range(k)] for i in range(g)]
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

