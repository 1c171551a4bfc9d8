"""What a fitted factorization says, as plain arrays: comparable topic scales, topic
names and each document's topic assignment. Pure functions; the report builds on them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..corpora import Corpus
from ..defaults import LOW_CONFIDENCE, N_LABEL_TERMS
from ..metrics import term_relevance, top_term_indices

__all__ = [
    "DOCUMENT_TOPICS_COLUMNS",
    "unit_topics",
    "topic_labels",
    "term_scores",
    "term_marginal",
    "topic_shares",
    "document_index",
    "document_topics_table",
    "degenerate_topics",
    "with_corpus_columns",
]

DOCUMENT_TOPICS_COLUMNS = [
    "document_id", "topic", "topic_label", "weight", "share", "margin", "runner_up", "low_confidence",
]


def unit_topics(W: np.ndarray, H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rescale so each topic's heaviest term weighs 1 (row maximum of H); W H is unchanged.

    W's columns then become comparable, so a document's dominant topic does not
    depend on how the factorization split scale between W and H: a document's
    weight on a topic is how much of the topic's top term it carries. Measured
    against the unit-L2 scaling of earlier versions with ``scripts/evaluate.py``
    (NMI / ARI of the dominant topic against the labels): BBC 0.854/0.885 ->
    0.862/0.890, AG News 0.454/0.459 -> 0.455/0.471, apache_jira_bugs 0.352/0.262 ->
    0.364/0.320, arxiv_math_ap 0.327/0.256 -> 0.328/0.273, planted 0.870/0.895 ->
    0.864/0.888 (unit L1 was lower on every corpus). A zero row of H
    (an empty topic) stays zero and its column of W becomes zero: a topic without
    terms explains no document (W H is unchanged by that too). Returns new arrays;
    the inputs are not changed.

    Returns
    -------
    W : ndarray, shape (n_documents, n_topics)
    H : ndarray, shape (n_topics, n_terms)
    """
    W = np.asarray(W, dtype=np.float64)
    H = np.asarray(H, dtype=np.float64)
    norms = H.max(axis=1, initial=0.0)
    scale = np.where(norms == 0, 0.0, norms)
    norms[norms == 0] = 1.0
    return W * scale, H / norms[:, None]


def degenerate_topics(H: np.ndarray, similarity: float = 0.99) -> tuple[list[int], list[tuple[int, int]]]:
    """Topics that say nothing: all-zero rows of H, and pairs of near-identical rows.

    Returns
    -------
    empty : list of int
        Topics whose term weights are all zero (e.g. an L1 penalty too strong).
    duplicates : list of (int, int)
        Pairs ``(a, b)``, ``a < b``, of non-empty topics with cosine similarity above ``similarity``.
    """
    H = np.asarray(H, dtype=np.float64)
    norms = np.linalg.norm(H, axis=1)
    empty = [int(t) for t in np.flatnonzero(norms == 0)]
    live = np.flatnonzero(norms > 0)
    U = H[live] / norms[live, None]
    S = U @ U.T
    duplicates = [(int(live[i]), int(live[j])) for i in range(len(live)) for j in range(i + 1, len(live))
                  if S[i, j] > similarity]
    return empty, duplicates


def term_marginal(vectorizer: object, n_terms: int) -> np.ndarray | None:
    """``p(w)`` of the relevance order, shape (n_terms,), summing to 1: proportional to
    ``exp(-idf_)``, i.e. to 1 + the term's document frequency for a smoothed IDF
    (``TextVectorizer``, scikit-learn's ``TfidfVectorizer``); None without ``idf_``."""
    idf = getattr(vectorizer, "idf_", None)
    if idf is None or np.shape(idf) != (n_terms,):
        return None
    idf = np.asarray(idf, dtype=np.float64)
    p = np.exp(-(idf - idf.min()))
    return p / p.sum()


def term_scores(H: np.ndarray, vectorizer: object) -> np.ndarray:
    """The score terms are shown by, shape (n_topics, n_terms): their relevance
    (:func:`topicmf.metrics.term_relevance`, ``RELEVANCE_LAMBDA``) with ``p(w)`` from
    :func:`term_marginal`; ``H`` itself (weight order) for a vectorizer without ``idf_``."""
    H = np.asarray(H)
    p = term_marginal(vectorizer, H.shape[1])
    return H if p is None else term_relevance(H, p)


def topic_labels(H: np.ndarray, term_labels: Sequence[str], n: int = N_LABEL_TERMS,
                 scores: np.ndarray | None = None) -> list[str]:
    """A readable name per topic: its ``n`` first distinct surface terms (by ``scores``,
    see :func:`term_scores`; default: weight) joined by " / " (``"(empty topic)"`` for
    a topic whose term weights are all zero)."""
    labels = []
    H = np.asarray(H)
    order = top_term_indices(H if scores is None else scores, max(n * 3, n))
    for t, row in enumerate(order):
        if not np.any(H[t]):
            labels.append("(empty topic)")
            continue
        words: list[str] = []
        for j in row:
            word = str(term_labels[j])
            if word not in words:
                words.append(word)
            if len(words) == n:
                break
        labels.append(" / ".join(words))
    return labels


def topic_shares(W: np.ndarray) -> np.ndarray:
    """Each row of W divided by its total (all-zero rows stay zero), shape (n_documents, n_topics)."""
    W = np.asarray(W, dtype=np.float64)
    totals = W.sum(axis=1, keepdims=True)
    return np.divide(W, totals, out=np.zeros_like(W, dtype=np.float64), where=totals > 0)


def with_corpus_columns(frame: pd.DataFrame, corpus: Corpus, rows: np.ndarray) -> pd.DataFrame:
    """``frame`` plus the corpus' ``label`` (its known class, when known) and metadata columns of ``rows``."""
    if corpus.labels is not None:
        frame["label"] = [corpus.labels[i] for i in rows]
    if corpus.metadata.shape[1]:
        meta = corpus.metadata.iloc[rows].reset_index(drop=True)
        meta = meta.rename(columns={c: (f"meta_{c}" if c in frame.columns else c) for c in meta.columns})
        frame = pd.concat([frame.reset_index(drop=True), meta], axis=1)
    return frame


def document_index(corpus: Corpus) -> pd.Index:
    """Row labels of the corpus' documents as the caller gave them, for ``DataFrame.join``.

    The index of the caller's DataFrame (``corpus.index``, its values, dtype and
    name) when the corpus kept it; otherwise the position of each document in the
    input, ``RangeIndex(n_documents)`` (a file, a folder, a list of strings). The
    ids are always in the ``document_id`` column.
    """
    kept = getattr(corpus, "index", None)  # the caller's DataFrame index, when the corpus keeps it
    if isinstance(kept, pd.Index) and len(kept) == len(corpus):
        return kept.copy()
    return pd.RangeIndex(len(corpus))


def document_topics_table(
    W: np.ndarray, corpus: Corpus, labels: Sequence[str], low_confidence: float = LOW_CONFIDENCE,
    *, index: pd.Index | None = None,
) -> pd.DataFrame:
    """Every document once, in corpus order, with its dominant topic and a confidence.

    Columns: ``document_id``; ``topic`` (argmax of the document's W row);
    ``topic_label`` (the topic's name, ``labels[topic]``); ``weight`` (its W
    entry); ``share`` (that weight over the row's total: the confidence);
    ``margin`` (share minus the runner-up's share); ``runner_up`` (second
    topic, -1 with a single topic); ``low_confidence`` (share below
    ``low_confidence``, default :data:`topicmf.defaults.LOW_CONFIDENCE`, or an
    all-zero row, e.g. an empty document, whose topic is then 0 by
    convention); then ``label`` (the document's known class) when the corpus
    has labels, then metadata. No document is left out.

    The index is the documents' row labels in the caller's input (``index``,
    default :func:`document_index`: a DataFrame's own index), so
    ``frame.join(table)`` pairs each row of the caller's DataFrame with its own
    document, also on a filtered frame whose index does not start at 0.
    """
    W = np.asarray(W, dtype=np.float64)
    n, k = W.shape
    shares = topic_shares(W)
    order = np.argsort(-W, axis=1, kind="stable")
    top = order[:, 0]
    second = order[:, 1] if k > 1 else np.full(n, -1)
    top_share = shares[np.arange(n), top]
    second_share = shares[np.arange(n), second] if k > 1 else np.zeros(n)
    frame = pd.DataFrame({
        "document_id": list(corpus.ids),
        "topic": top.astype(np.int64),
        "topic_label": [labels[t] for t in top],
        "weight": W[np.arange(n), top],
        "share": top_share,
        "margin": top_share - second_share,
        "runner_up": second.astype(np.int64),
        "low_confidence": (top_share < low_confidence) | (W.sum(axis=1) <= 0),
    }, columns=DOCUMENT_TOPICS_COLUMNS)
    frame = with_corpus_columns(frame, corpus, np.arange(n))
    rows = document_index(corpus) if index is None else pd.Index(index)
    if len(rows) != n:
        raise ValueError(f"document_topics_table: index has {len(rows)} entries for {n} documents.")
    frame.index = rows
    return frame
