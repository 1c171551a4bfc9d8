"""Report tables: pure functions of (W, H, term labels, corpus) -> pandas DataFrames.

Every table has fixed, documented columns and a stable sort; none changes its
inputs. ``topic`` is always the row of H (the column of W) it describes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..corpora import Corpus
from ..defaults import N_TOP_DOCUMENTS, N_TOP_TERMS, SNIPPET_LENGTH
from ..metrics import top_term_indices
from ..model.topics import (
    DOCUMENT_TOPICS_COLUMNS,
    document_topics_table,
    topic_labels,
    topic_shares,
    unit_topics,
    with_corpus_columns,
)

__all__ = [
    "TOPICS_COLUMNS",
    "TOP_TERMS_COLUMNS",
    "TOP_DOCUMENTS_COLUMNS",
    "DOCUMENT_TOPICS_COLUMNS",
    "NEAR_DUPLICATE_SIMILARITY",
    "topic_labels",
    "top_terms_table",
    "top_documents_table",
    "document_topics_table",
    "topics_table",
    "snippet",
    "unit_topics",
]

TOPICS_COLUMNS = [
    "topic", "topic_label", "size", "share", "coherence_npmi", "coherence_umass",
    "stability", "n_reproduced", "sparsity", "top_terms",
]
TOP_TERMS_COLUMNS = ["topic", "rank", "term", "weight"]
TOP_DOCUMENTS_COLUMNS = ["topic", "rank", "document_id", "weight", "share", "snippet"]
#: ``top_documents`` passes over a candidate whose TF-IDF cosine similarity with a
#: document already chosen for the same topic is above this (a near-duplicate).
NEAR_DUPLICATE_SIMILARITY = 0.9


def snippet(text: str, length: int = SNIPPET_LENGTH) -> str:
    """The first ``length`` characters of ``text`` on one line, cut at a word, with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = flat[:length].rsplit(" ", 1)[0]
    return (cut or flat[:length]) + "…"


def top_terms_table(H: np.ndarray, term_labels: Sequence[str], n: int = N_TOP_TERMS,
                    scores: np.ndarray | None = None) -> pd.DataFrame:
    """Long format: one row per (topic, rank) with the term's surface label and weight.

    Columns: ``topic``, ``rank`` (1 = first by ``scores``, see
    :func:`topicmf.model.topics.term_scores`; default: heaviest), ``term``,
    ``weight`` (its weight in H). Sorted by topic, then rank.
    """
    idx = top_term_indices(H if scores is None else scores, n)
    k, nn = idx.shape
    frame = pd.DataFrame({
        "topic": np.repeat(np.arange(k), nn),
        "rank": np.tile(np.arange(1, nn + 1), k),
        "term": [str(term_labels[j]) for j in idx.ravel()],
        "weight": np.take_along_axis(np.asarray(H), idx, axis=1).ravel().astype(np.float64),
    }, columns=TOP_TERMS_COLUMNS)
    return frame[frame["weight"] > 0].reset_index(drop=True)  # a term of weight zero is no top term


class _NearDuplicates:
    """Cosine similarity of rows of a sparse X, for skipping near-duplicate documents."""

    def __init__(self, X: sp.spmatrix, threshold: float) -> None:
        self.X = sp.csr_matrix(X)
        rows = np.repeat(np.arange(self.X.shape[0]), np.diff(self.X.indptr))
        self.norms = np.sqrt(np.bincount(rows, weights=self.X.data ** 2, minlength=self.X.shape[0]))
        self.threshold = threshold

    def pick(self, order: np.ndarray, n: int) -> np.ndarray:
        """The first ``n`` of ``order`` that are not near-duplicates of one picked before;
        when fewer than ``n`` are, the skipped ones fill the remaining places in order."""
        chosen: list[int] = []
        skipped: list[int] = []
        for i in order:
            if len(chosen) == n:
                break
            if chosen and self.norms[i] > 0:
                dots = (self.X[chosen] @ self.X[i].T).toarray().ravel()  # dense-ok: chosen x 1
                sims = dots / np.maximum(self.norms[chosen] * self.norms[i], 1e-300)
                if sims.max() > self.threshold:
                    skipped.append(int(i))
                    continue
            chosen.append(int(i))
        return np.asarray(chosen + skipped[: n - len(chosen)], dtype=np.int64)


def top_documents_table(
    W: np.ndarray, corpus: Corpus, n: int | None = N_TOP_DOCUMENTS, snippet_length: int = SNIPPET_LENGTH,
    *, X: sp.spmatrix | None = None, near_duplicate: float = NEAR_DUPLICATE_SIMILARITY,
) -> pd.DataFrame:
    """Each topic's ``n`` most representative documents (all with ``n=None``).

    Documents are ranked by their weight in the topic (ties: document order);
    documents with zero weight are not listed. With ``X`` (the TF-IDF matrix) and
    ``n`` given, a candidate whose cosine similarity with a document already
    chosen for the topic is above ``near_duplicate`` (default
    :data:`NEAR_DUPLICATE_SIMILARITY`, 0.9) is skipped and the next one taken;
    skipped documents are listed (after the others) only when the topic has fewer
    than ``n`` documents that are not near-duplicates.

    Columns: ``topic``, ``rank``, ``document_id``, ``weight``, ``share`` (the
    topic's part of the document's topic mass), ``snippet``, then ``label`` when
    the corpus has labels, then the corpus' metadata columns.
    """
    W = np.asarray(W, dtype=np.float64)
    shares = topic_shares(W)
    dedup = _NearDuplicates(X, near_duplicate) if X is not None and n is not None else None
    parts = []
    for t in range(W.shape[1]):
        col = W[:, t]
        order = np.argsort(-col, kind="stable")
        order = order[col[order] > 0]
        if dedup is not None and n is not None:
            order = dedup.pick(order, n)
        elif n is not None:
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
    return with_corpus_columns(frame, corpus, rows)


def topics_table(
    W: np.ndarray,
    H: np.ndarray,
    term_labels: Sequence[str],
    *,
    npmi: np.ndarray,
    umass: np.ndarray,
    stability: np.ndarray,
    n_reproduced: np.ndarray,
    n_top_terms: int = N_TOP_TERMS,
    names: Sequence[str] | None = None,
    scores: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per topic, largest first (ties: topic number).

    Columns: ``topic``; ``topic_label`` (the topic's name: its top 3 surface
    terms, or the name given by ``TopicReport.relabel_topics``); ``size`` (documents
    whose dominant topic it is; a document without topic weight counts nowhere); ``share``
    (size / documents); ``coherence_npmi``
    and ``coherence_umass`` (top-10 terms, document co-occurrence);
    ``stability`` (mean cosine similarity to the matched topic of the other
    restarts, 1.0 = reproduced exactly); ``n_reproduced`` (restarts that
    reproduce it with similarity above
    :data:`topicmf.defaults.REPRODUCED_SIMILARITY`); ``sparsity`` (share of
    exact zeros in the topic's row of H); ``top_terms`` (comma-separated, in the
    order of ``scores``: relevance, see :func:`topicmf.model.topics.term_scores`;
    default: weight).
    """
    W = np.asarray(W)
    H = np.asarray(H)
    k = H.shape[0]
    dominant = np.argmax(W, axis=1) if W.shape[0] else np.zeros(0, dtype=int)
    sizes = np.bincount(dominant[W.max(axis=1, initial=0.0) > 0], minlength=k)  # a document of no topic counts nowhere
    idx = top_term_indices(H if scores is None else scores, n_top_terms)
    empty = H.max(axis=1, initial=0.0) <= 0  # all term weights zero: no terms, no coherence
    frame = pd.DataFrame({
        "topic": np.arange(k, dtype=np.int64),
        "topic_label": list(topic_labels(H, term_labels, scores=scores) if names is None else names),
        "size": sizes.astype(np.int64),
        "share": sizes / max(W.shape[0], 1),
        "coherence_npmi": np.where(empty, np.nan, np.asarray(npmi, dtype=np.float64)),
        "coherence_umass": np.where(empty, np.nan, np.asarray(umass, dtype=np.float64)),
        "stability": np.asarray(stability, dtype=np.float64),
        "n_reproduced": np.asarray(n_reproduced, dtype=np.int64),
        "sparsity": (H == 0).mean(axis=1),
        "top_terms": [", ".join(str(term_labels[j]) for j in row if H[t, j] > 0) for t, row in enumerate(idx)],
    }, columns=TOPICS_COLUMNS)
    frame = frame.sort_values(["size", "topic"], ascending=[False, True], kind="stable")
    return frame.reset_index(drop=True)
