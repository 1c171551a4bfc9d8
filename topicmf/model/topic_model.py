"""A fitted topic model you keep: vectorizer + factorization, for new documents.

:class:`TopicModel` bundles the fitted :class:`~topicmf.TextVectorizer` and
:class:`~topicmf.TopicNMF` so new texts map to topics exactly as the training
corpus did, and can be saved without pickle (:mod:`topicmf.model.io`). A full
report of a model on a corpus is :meth:`topicmf.report.TopicReport.from_model`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..corpora import Corpus, load_corpus
from ..defaults import LOW_CONFIDENCE
from .topics import document_topics_table, term_scores, topic_labels, unit_topics

if TYPE_CHECKING:
    from ..factorize import TopicNMF
    from ..vectorize import TextVectorizer

__all__ = ["TopicModel"]


def _given_labels(value: Any, k: int) -> list[str] | None:
    """``info["topic_labels"]`` (a JSON list of k strings) as a list, or None when absent or not that."""
    if not isinstance(value, str):
        return None
    try:
        names = json.loads(value)
    except ValueError:
        return None
    if isinstance(names, list) and len(names) == k and all(isinstance(x, str) for x in names):
        return names
    return None


class TopicModel:
    """A fitted vectorizer and factorization, ready for new documents.

    Parameters
    ----------
    vectorizer : TextVectorizer
        Fitted.
    nmf : TopicNMF
        Fitted on ``vectorizer``'s output.
    low_confidence : float, default=LOW_CONFIDENCE (0.4)
        Threshold of the ``low_confidence`` flag in :meth:`transform_texts`.
    info : dict, optional
        Provenance kept with the model (training corpus name, sizes, scores).

    Examples
    --------
    >>> import topicmf as tm
    >>> report = tm.discover("newsroom", n_topics=6)
    >>> model = report.to_model()
    >>> model.transform_texts(["Interest rates rose again at the central bank."])["topic_label"].iloc[0]
    'exporters / helped / prices'
    """

    def __init__(self, vectorizer: TextVectorizer, nmf: TopicNMF, *, low_confidence: float = LOW_CONFIDENCE,
                 info: dict[str, Any] | None = None) -> None:
        self.vectorizer = vectorizer
        self.nmf = nmf
        self.low_confidence = low_confidence
        self.info = dict(info or {})

    @property
    def n_topics(self) -> int:
        """Number of topics."""
        return int(self.nmf.components_.shape[0])

    @property
    def labels(self) -> list[str]:
        """Readable topic names, as in the report: the names given by
        ``TopicReport.relabel_topics`` (kept in ``info["topic_labels"]``), else each
        topic's top 3 surface terms."""
        H = self.nmf.components_
        auto = topic_labels(H, list(self.vectorizer.get_term_labels()), scores=term_scores(H, self.vectorizer))
        given = _given_labels(self.info.get("topic_labels"), len(auto))
        return auto if given is None else given

    def transform(self, texts: Sequence[str] | Corpus) -> np.ndarray:
        """Topic weights W of new documents, shape (n_documents, n_topics), as ``TopicNMF.transform``."""
        X = self.vectorizer.transform(texts)
        return self.nmf.transform(X)

    def transform_texts(self, texts: Any, **load_options: Any) -> pd.DataFrame:
        """The document-topic table of new documents: the columns of ``TopicReport.document_topics``.

        Parameters
        ----------
        texts : list of str, Corpus, DataFrame or path
            Anything :func:`topicmf.load_corpus` reads.
        **load_options
            ``text_column``, ``id_column``, ``label_column`` for :func:`load_corpus`.
        """
        corpus = load_corpus(texts, **load_options)
        W, _ = unit_topics(self.transform(corpus), self.nmf.components_)  # as the report does
        return document_topics_table(W, corpus, self.labels, self.low_confidence)

    def save(self, path: str | Path) -> str:
        """Write the model file (see :func:`topicmf.save_model`)."""
        from .io import save_model

        return save_model(self, path)

    def __repr__(self) -> str:
        return (f"TopicModel({self.n_topics} topics, {len(self.vectorizer.vocabulary_)} terms, "
                f"trained on {self.info.get('corpus', '?')!r})")
