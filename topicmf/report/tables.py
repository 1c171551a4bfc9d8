"""Report tables: pure functions of (W, H, term labels, corpus) -> pandas DataFrames.

Every table has fixed, documented columns and a stable sort; none changes its
inputs. ``topic`` is always the row of H (the column of W) it describes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..corpora import Corpus
from ..metrics import top_term_indices

__all__ = [
    "TOPICS_COLUMNS",
    "TOP_TERMS_COLUMNS",
    "TOP_DOCUMENTS_COLUMNS",
    "DOCUMENT_TOPICS_COLUMNS",
    "topic_labels",
    "top_terms_table",
    "top_documents_table",
    "document_topics_table",
    "topics_table",
    "snippet",
    "unit_topics",
]

TOPICS_COLUMNS = [
    "topic", "label", "size", "share", "coherence_npmi", "coherence_umass",
    "stability", "n_reproduced", "sparsity", "top_terms",
]
TOP_TERMS_COLUMNS = ["topic", "rank", "term", "weight"]
TOP_DOCUMENTS_COLUMNS = ["topic", "rank", "document_id", "weight", "share", "snippet"]
DOCUMENT_TOPICS_COLUMNS = [
    "document_id", "topic", "topic_label", "weight", "share", "margin", "runner_up", "low_confidence",
]


def unit_topics(W: np.ndarray, H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rescale so each topic's term vector (row of H) has unit L2 norm; W H is unchanged.

    W's columns then become comparable, so a document's dominant topic does not
    depend on how the factorization split scale between W and H. Zero rows stay.
    Returns new arrays; the inputs are not changed.

    Returns
    -------
    W : ndarray, shape (n_documents, n_topics)
    H : ndarray, shape (n_topics, n_terms)
    """
    W = np.asarray(W, dtype=np.float64)
    H = np.asarray(H, dtype=np.float64)
    norms = np.linalg.norm(H, axis=1)
    norms[norms == 0] = 1.0
    return W * norms, H / norms[:, None]


def snippet(text: str, length: int = 200) -> str:
    """The first ``length`` characters of ``text`` on one line, cut at a word, with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = flat[:length].rsplit(" ", 1)[0]
    return (cut or flat[:length]) + "…"


def topic_labels(H: np.ndarray, term_labels: Sequence[str], n: int = 3) -> list[str]:
    """A readable name per topic: its ``n`` heaviest distinct surface terms joined by " / "."""
    labels = []
    order = top_term_indices(H, max(n * 3, n))
    for row in order:
        words: list[str] = []
        for j in row:
            word = str(term_labels[j])
            if word not in words:
                words.append(word)
            if len(words) == n:
                break
        labels.append(" / ".join(words))
    return labels


def top_terms_table(H: np.ndarray, term_labels: Sequence[str], n: int = 10) -> pd.DataFrame:
    """Long format: one row per (topic, rank) with the term's surface label and weight.

    Columns: ``topic``, ``rank`` (1 = heaviest), ``term``, ``weight``. Sorted by
    topic, then rank.
    """
    idx = top_term_indices(H, n)
    k, nn = idx.shape
    return pd.DataFrame({
        "topic": np.repeat(np.arange(k), nn),
        "rank": np.tile(np.arange(1, nn + 1), k),
        "term": [str(term_labels[j]) for j in idx.ravel()],
        "weight": np.take_along_axis(np.asarray(H), idx, axis=1).ravel().astype(np.float64),
    }, columns=TOP_TERMS_COLUMNS)


def _shares(W: np.ndarray) -> np.ndarray:
    totals = W.sum(axis=1, keepdims=True)
    return np.divide(W, totals, out=np.zeros_like(W, dtype=np.float64), where=totals > 0)


def _with_corpus_columns(frame: pd.DataFrame, corpus: Corpus, rows: np.ndarray) -> pd.DataFrame:
    if corpus.labels is not None:
        frame["label"] = [corpus.labels[i] for i in rows]
    if corpus.metadata.shape[1]:
        meta = corpus.metadata.iloc[rows].reset_index(drop=True)
        meta = meta.rename(columns={c: (f"meta_{c}" if c in frame.columns else c) for c in meta.columns})
        frame = pd.concat([frame.reset_index(drop=True), meta], axis=1)
    return frame


def top_documents_table(
    W: np.ndarray, corpus: Corpus, n: int | None = 5, snippet_length: int = 200
) -> pd.DataFrame:
    """Each topic's ``n`` most representative documents (all with ``n=None``).

    Documents are ranked by their weight in the topic (ties: document order);
    documents with zero weight are not listed.

    Columns: ``topic``, ``rank``, ``document_id``, ``weight``, ``share`` (the
    topic's part of the document's topic mass), ``snippet``, then ``label`` when
    the corpus has labels, then the corpus' metadata columns.
    """
    W = np.asarray(W, dtype=np.float64)
    shares = _shares(W)
    parts = []
    for t in range(W.shape[1]):
        col = W[:, t]
        order = np.argsort(-col, kind="stable")
        order = order[col[order] > 0]
        if n is not None:
            order = order[:n]
        parts.append((t, order))
    rows = np.concatenate([o for _, o in parts]) if parts else np.zeros(0, dtype=int)
    rows = rows.astype(np.int64)
    frame = pd.DataFrame({
        "topic": np.concatenate([np.full(len(o), t) for t, o in parts]) if parts else [],
        "rank": np.concatenate([np.arange(1, len(o) + 1) for _, o in parts]) if parts else [],
        "document_id": [corpus.ids[i] for i in rows],
        "weight": np.concatenate([W[o, t] for t, o in parts]) if parts else [],
        "share": np.concatenate([shares[o, t] for t, o in parts]) if parts else [],
        "snippet": [snippet(corpus.texts[i], snippet_length) for i in rows],
    }, columns=TOP_DOCUMENTS_COLUMNS)
    frame["topic"] = frame["topic"].astype(np.int64)
    frame["rank"] = frame["rank"].astype(np.int64)
    return _with_corpus_columns(frame, corpus, rows)


def document_topics_table(
    W: np.ndarray, corpus: Corpus, labels: Sequence[str], low_confidence: float = 0.4
) -> pd.DataFrame:
    """Every document once, in corpus order, with its dominant topic and a confidence.

    Columns: ``document_id``; ``topic`` (argmax of the document's W row);
    ``topic_label``; ``weight`` (its W entry); ``share`` (that weight over the
    row's total: the confidence); ``margin`` (share minus the runner-up's
    share); ``runner_up`` (second topic, -1 with a single topic);
    ``low_confidence`` (share below ``low_confidence``, or an all-zero row,
    e.g. an empty document, whose topic is then 0 by convention); then ``label``
    when known, then metadata. No document is left out.
    """
    W = np.asarray(W, dtype=np.float64)
    n, k = W.shape
    shares = _shares(W)
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
    return _with_corpus_columns(frame, corpus, np.arange(n))


def topics_table(
    W: np.ndarray,
    H: np.ndarray,
    term_labels: Sequence[str],
    *,
    npmi: np.ndarray,
    umass: np.ndarray,
    stability: np.ndarray,
    n_reproduced: np.ndarray,
    n_top_terms: int = 10,
) -> pd.DataFrame:
    """One row per topic, largest first (ties: topic number).

    Columns: ``topic``; ``label`` (top 3 surface terms); ``size`` (documents
    whose dominant topic it is); ``share`` (size / documents); ``coherence_npmi``
    and ``coherence_umass`` (top-10 terms, document co-occurrence);
    ``stability`` (mean cosine similarity to the matched topic of the other
    restarts, 1.0 = reproduced exactly); ``n_reproduced`` (restarts that
    reproduce it with similarity > 0.8); ``sparsity`` (share of exact zeros in
    the topic's row of H); ``top_terms`` (comma-separated).
    """
    W = np.asarray(W)
    H = np.asarray(H)
    k = H.shape[0]
    dominant = np.argmax(W, axis=1) if W.shape[0] else np.zeros(0, dtype=int)
    sizes = np.bincount(dominant, minlength=k)
    idx = top_term_indices(H, n_top_terms)
    frame = pd.DataFrame({
        "topic": np.arange(k, dtype=np.int64),
        "label": topic_labels(H, term_labels),
        "size": sizes.astype(np.int64),
        "share": sizes / max(W.shape[0], 1),
        "coherence_npmi": np.asarray(npmi, dtype=np.float64),
        "coherence_umass": np.asarray(umass, dtype=np.float64),
        "stability": np.asarray(stability, dtype=np.float64),
        "n_reproduced": np.asarray(n_reproduced, dtype=np.int64),
        "sparsity": (H == 0).mean(axis=1),
        "top_terms": [", ".join(str(term_labels[j]) for j in row) for row in idx],
    }, columns=TOPICS_COLUMNS)
    frame = frame.sort_values(["size", "topic"], ascending=[False, True], kind="stable")
    return frame.reset_index(drop=True)
