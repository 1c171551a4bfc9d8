"""The inputs of ``pyLDAvis.prepare`` from a fitted NMF, and the term counts they need.

NMF gives non-negative weights, not probabilities: each row of H and of W is
divided by its total to make the distributions pyLDAvis expects (an all-zero row,
e.g. an empty document, becomes uniform). Document lengths and term frequencies
are token counts over the model's vocabulary, from the fitted vectorizer's own
analyzer (the same tokens, stop words and stems as X).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["normalize_rows", "term_counts", "pyldavis_inputs"]


def normalize_rows(M: np.ndarray) -> np.ndarray:
    """Each row divided by its sum; all-zero rows become uniform. A new array."""
    M = np.asarray(M, dtype=np.float64)
    totals = M.sum(axis=1, keepdims=True)
    out = np.divide(M, totals, out=np.zeros_like(M), where=totals > 0)
    if M.shape[1]:
        out[totals.ravel() <= 0] = 1.0 / M.shape[1]
    return out


def term_counts(vectorizer: Any, texts: Sequence[str]) -> sp.csr_matrix:
    """Token counts of ``texts`` over the fitted vocabulary, shape (n_documents, n_terms):
    the vectorizer's own cleaning stage and analyzer, so a count is non-zero exactly
    where ``vectorizer.transform(texts)`` is."""
    from sklearn.feature_extraction.text import CountVectorizer

    texts = list(texts)
    cleaner = getattr(vectorizer, "cleaner_", None)  # the cleaning stage X was built after, if any
    if cleaner is not None:
        texts = cleaner.transform(texts)
    counter = CountVectorizer(analyzer=vectorizer.tfidf_.build_analyzer(), vocabulary=vectorizer.vocabulary_)
    C = sp.csr_matrix(counter.transform(texts), dtype=np.int64)
    C.sort_indices()
    return C


def pyldavis_inputs(W: np.ndarray, H: np.ndarray, counts: sp.spmatrix, vocab: Sequence[str]) -> dict[str, Any]:
    """The keyword arguments of ``pyLDAvis.prepare``.

    Returns
    -------
    dict
        ``topic_term_dists`` (n_topics, n_terms), ``doc_topic_dists``
        (n_documents, n_topics), both with rows summing to 1; ``doc_lengths``
        (n_documents,) and ``term_frequency`` (n_terms,) as token counts;
        ``vocab`` (list of str, n_terms).
    """
    counts = sp.csr_matrix(counts)
    return {
        "topic_term_dists": normalize_rows(H),
        "doc_topic_dists": normalize_rows(W),
        "doc_lengths": np.asarray(counts.sum(axis=1)).ravel().astype(np.int64),
        "vocab": [str(v) for v in vocab],
        "term_frequency": np.asarray(counts.sum(axis=0)).ravel().astype(np.int64),
    }
