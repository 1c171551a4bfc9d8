"""Tokens -> counts: the document-term count matrix and scikit-learn's vocabulary rules.

:func:`count_tokens` counts each document's tokens with ``collections.Counter``
(C code) and gives every distinct token a column, so the Python work per token
is one call to the tokenizer; stemming and stop words are then applied once
per distinct token (:func:`term_counts`), not once per occurrence, and the
token columns are summed into term columns by one sparse product. What it
returns equals scikit-learn's ``CountVectorizer(analyzer=...)`` on the same
analyzer for unigrams; :func:`limit_features` and :func:`smooth_idf` are
scikit-learn's ``min_df``/``max_df``/``max_features`` and IDF rules, shared
with the partitioned (Dask) vectorizing.
"""

from __future__ import annotations

import numbers
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["count_tokens", "count_unigrams", "limit_features", "smooth_idf", "surface_labels", "term_counts"]


def count_tokens(texts: Iterable[str], tokens_of: Callable[[str], list[str]]) -> tuple[sp.csr_matrix, list[str]]:
    """Occurrences of every distinct token in every document.

    Parameters
    ----------
    texts : iterable of str, length n_documents
    tokens_of : callable
        str -> list of tokens (an :class:`~topicmf.preprocess.Analyzer`'s ``tokens``).

    Returns
    -------
    T : scipy.sparse.csr_matrix of int64, shape (n_documents, n_tokens)
        ``T[d, j]`` = occurrences of ``tokens[j]`` in document d; within a row
        the columns are in order of first occurrence in the corpus.
    tokens : list of str, length n_tokens
        The distinct tokens, in order of first occurrence.
    """
    index: defaultdict[str, int] = defaultdict()
    index.default_factory = index.__len__  # a new token gets the next column (all in C)
    column = index.__getitem__
    indices = array("q")
    counts = array("q")
    indptr = array("q", [0])
    for text in texts:
        c = Counter(tokens_of(text))
        indices.extend(map(column, c))
        counts.extend(c.values())
        indptr.append(len(indices))
    T = sp.csr_matrix(
        (np.frombuffer(counts, dtype=np.int64), np.frombuffer(indices, dtype=np.int64),
         np.frombuffer(indptr, dtype=np.int64)),
        shape=(len(indptr) - 1, len(index)),
    )
    return T, list(index)


def term_counts(T: sp.csr_matrix, token_terms: Sequence[str], dtype: Any = np.float64
                ) -> tuple[sp.csr_matrix, list[str], np.ndarray]:
    """Token counts -> term counts, columns in alphabetical order of the terms.

    Parameters
    ----------
    T : csr_matrix, shape (n_documents, n_tokens)
        From :func:`count_tokens`.
    token_terms : sequence of str, length n_tokens
        Each token's term (its stem); ``""`` for a dropped token (stop word,
        too short, a number).
    dtype : numpy float type of the counts (scikit-learn's ``dtype``)

    Returns
    -------
    C : csr_matrix of ``dtype``, shape (n_documents, n_terms), sorted indices
        Occurrences of each term (the sum over its tokens).
    terms : list of str, length n_terms
        Sorted, as ``CountVectorizer`` orders its columns.
    token_column : ndarray of int64, shape (n_tokens,)
        Each token's column of C, -1 for a dropped token.
    """
    terms = sorted({t for t in token_terms if t})
    column = {t: j for j, t in enumerate(terms)}
    token_column = np.fromiter((column.get(t, -1) for t in token_terms), dtype=np.int64, count=len(token_terms))
    kept = np.flatnonzero(token_column >= 0)
    M = sp.csr_matrix((np.ones(len(kept), dtype=dtype), (kept, token_column[kept])),
                      shape=(T.shape[1], len(terms)))
    C = sp.csr_matrix(T.astype(dtype) @ M)
    C.sum_duplicates()
    C.eliminate_zeros()
    C.sort_indices()
    return C, terms, token_column


def count_unigrams(texts: Iterable[str], analyzer: Any, dtype: Any = np.float64
                   ) -> tuple[sp.csr_matrix, list[str], Counter]:
    """Term counts of single words and the surface words behind each term.

    Parameters
    ----------
    texts : iterable of str, length n_documents
    analyzer : :class:`~topicmf.preprocess.Analyzer`
        Its ``tokens`` (document -> tokens) and ``terms_of`` (tokens -> stems).
    dtype : numpy float type of the counts

    Returns
    -------
    C, terms
        As :func:`term_counts`.
    surface : Counter
        ``(term, token) -> occurrences`` (the labels come from it:
        :func:`surface_labels`).
    """
    T, tokens = count_tokens(texts, analyzer.tokens)
    token_terms = analyzer.terms_of(tokens)
    C, terms, token_column = term_counts(T, token_terms, dtype)
    occurrences = np.bincount(T.indices, weights=T.data, minlength=len(tokens))
    surface = Counter({(token_terms[j], tokens[j]): int(occurrences[j]) for j in np.flatnonzero(token_column >= 0)})
    return C, terms, surface


def limit_features(terms: list[str], df: np.ndarray, tf: np.ndarray, n_documents: int, min_df: Any,
                   max_df: Any, max_features: int | None) -> np.ndarray:
    """Mask over ``terms`` (sorted) of the kept ones: scikit-learn's ``CountVectorizer`` rules.

    ``df``: documents per term; ``tf``: total count per term (in the
    vectorizer's float type, as scikit-learn sums its count matrix).
    ``max_features`` ranks by ``(-tf[mask]).argsort()`` exactly as
    scikit-learn does (its default sort is not stable: ties follow NumPy's
    quicksort, not term order; the same array gives the same answer).

    Raises
    ------
    ValueError
        ``max_df`` means fewer documents than ``min_df`` (scikit-learn's message).
    """
    max_doc_count = max_df if isinstance(max_df, numbers.Integral) else max_df * n_documents
    min_doc_count = min_df if isinstance(min_df, numbers.Integral) else min_df * n_documents
    if max_doc_count < min_doc_count:
        raise ValueError("max_df corresponds to < documents than min_df")
    mask = np.ones(len(terms), dtype=bool)
    mask &= df <= max_doc_count
    mask &= df >= min_doc_count
    if max_features is not None and mask.sum() > max_features:
        mask_inds = (-tf[mask]).argsort()[:max_features]
        new_mask = np.zeros(len(terms), dtype=bool)
        new_mask[np.where(mask)[0][mask_inds]] = True
        mask = new_mask
    return mask


def smooth_idf(df: np.ndarray, n_documents: int, dtype: Any) -> np.ndarray:
    """``ln((1 + n) / (1 + df)) + 1`` computed as ``TfidfTransformer.fit`` computes it, in ``dtype``."""
    df = df.astype(dtype, copy=False)
    df += 1.0
    idf = np.full_like(df, fill_value=n_documents + 1, dtype=dtype)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def surface_labels(surface: Counter) -> dict[str, str]:
    """Stem -> most frequent surface word (ties: alphabetical), from (stem, word) counts."""
    best: dict[str, tuple[int, str]] = {}
    for (term, token), n in surface.items():
        cur = best.get(term)
        if cur is None or n > cur[0] or (n == cur[0] and token < cur[1]):
            best[term] = (n, token)
    return {term: token for term, (_, token) in best.items()}
