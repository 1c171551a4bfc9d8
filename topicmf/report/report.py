"""The :class:`TopicReport`: every table, score and figure of one fitted model.

It is built from the corpus, the fitted vectorizer, the fitted TopicNMF, X and
W; it computes its numbers once, copies nothing it does not own and never
changes the model's arrays.
"""

from __future__ import annotations

import platform
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .. import metrics
from ..corpora import Corpus
from ..vectorize import binary_document_term
from . import figures as _figures
from . import tables
from . import writers

__all__ = ["TopicReport"]


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("topicmf", "aesara", "numpy", "scipy", "scikit-learn", "nltk", "pandas", "matplotlib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


class TopicReport:
    """Topics, documents, scores and figures of one fitted model.

    Parameters
    ----------
    corpus : Corpus
        The documents, in the order of X's rows.
    vectorizer : TextVectorizer
        Fitted; gives the readable term labels.
    model : TopicNMF
        Fitted on X.
    X : sparse matrix, shape (n_documents, n_terms)
    W : ndarray, shape (n_documents, n_topics), optional
        Document-topic weights (default: ``model.transform(X)``). The report
        works on a rescaled copy: each row of H divided by its L2 norm and each
        column of W multiplied by it (``W H`` is unchanged), so topic weights
        are comparable across topics.
    n_top_terms : int, default=10
        Terms per topic in tables and coherence.
    n_top_documents : int, default=5
        Documents per topic in ``top_documents``.
    low_confidence : float, default=0.4
        A document whose dominant topic holds less than this share of its
        topic weight is flagged ``low_confidence``.
    settings : dict, optional
        Extra settings to show in the summary (e.g. what ``discover`` chose).

    Attributes
    ----------
    topics, top_terms, top_documents, document_topics : pandas.DataFrame
        See :mod:`topicmf.report.tables` for their columns.
    """

    def __init__(
        self,
        corpus: Corpus,
        vectorizer: Any,
        model: Any,
        X: sp.spmatrix,
        W: np.ndarray | None = None,
        *,
        n_top_terms: int = 10,
        n_top_documents: int = 5,
        low_confidence: float = 0.4,
        settings: dict[str, Any] | None = None,
    ) -> None:
        if X.shape[0] != len(corpus):
            raise ValueError(f"TopicReport: X has {X.shape[0]} rows but the corpus has {len(corpus)} documents.")
        self.corpus = corpus
        self.vectorizer = vectorizer
        self.model = model
        self.W, self.H = tables.unit_topics(model.transform(X) if W is None else W, model.components_)
        self.n_top_terms = n_top_terms
        self.n_top_documents = n_top_documents
        self.low_confidence = low_confidence
        self.settings = dict(settings or {})
        self.term_labels = list(vectorizer.get_term_labels())
        self._B = binary_document_term(X)
        self._relative_error = metrics.reconstruction_error(X, self.W, self.H, relative=True)
        self._n_terms = X.shape[1]

    # -- scores ---------------------------------------------------------------
    @cached_property
    def _top_idx(self) -> np.ndarray:
        return metrics.top_term_indices(self.H, self.n_top_terms)

    @cached_property
    def npmi(self) -> np.ndarray:
        """NPMI coherence per topic (top ``n_top_terms`` terms)."""
        return metrics.npmi_coherence(self._top_idx, self._B)

    @cached_property
    def umass(self) -> np.ndarray:
        """UMass coherence per topic."""
        return metrics.umass_coherence(self._top_idx, self._B)

    @cached_property
    def _stability(self) -> tuple[np.ndarray, np.ndarray]:
        # compare with the other restarts that ran to convergence (a restart stopped
        # early by racing has unfinished topics and would understate stability)
        comps = getattr(self.model, "restart_components_", [])
        best = getattr(self.model, "best_restart_", 0)
        losses = getattr(self.model, "restart_losses_", np.zeros(len(comps)))
        converged = np.asarray(getattr(self.model, "restart_converged_", np.ones(len(comps), dtype=bool)))
        n_iter = np.asarray(getattr(self.model, "restart_n_iter_", np.zeros(len(comps))))
        finished = converged | (n_iter >= getattr(self.model, "max_iter", np.inf))
        others = [H for i, H in enumerate(comps) if i != best and np.isfinite(losses[i]) and finished[i]]
        return metrics.topic_stability(self.H, others)

    @cached_property
    def labels(self) -> list[str]:
        """Readable name of each topic (its top 3 surface terms)."""
        return tables.topic_labels(self.H, self.term_labels)

    # -- tables ---------------------------------------------------------------
    @cached_property
    def topics(self) -> pd.DataFrame:
        """One row per topic; see :func:`topicmf.report.tables.topics_table`."""
        stability, reproduced = self._stability
        return tables.topics_table(
            self.W, self.H, self.term_labels, npmi=self.npmi, umass=self.umass,
            stability=stability, n_reproduced=reproduced, n_top_terms=self.n_top_terms,
        )

    @cached_property
    def top_terms(self) -> pd.DataFrame:
        """(topic, rank, term, weight), long format."""
        return tables.top_terms_table(self.H, self.term_labels, self.n_top_terms)

    @cached_property
    def top_documents(self) -> pd.DataFrame:
        """Each topic's ``n_top_documents`` best documents."""
        return tables.top_documents_table(self.W, self.corpus, self.n_top_documents)

    def top_documents_for(self, n: int | None = None) -> pd.DataFrame:
        """Each topic's ``n`` best documents; ``n=None`` lists every document with weight."""
        return tables.top_documents_table(self.W, self.corpus, n)

    @cached_property
    def document_topics(self) -> pd.DataFrame:
        """Every document once with its dominant topic and confidence."""
        return tables.document_topics_table(self.W, self.corpus, self.labels, self.low_confidence)

    # -- model-level numbers ---------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Model-level numbers, settings and library versions (JSON-serialisable)."""
        m = self.model
        top25 = metrics.top_term_indices(self.H, 25)
        stability, reproduced = self._stability
        out: dict[str, Any] = {
            "corpus": self.corpus.name,
            "n_documents": int(len(self.corpus)),
            "n_terms": int(self._n_terms),
            "n_topics": int(self.H.shape[0]),
            "n_restarts": int(len(getattr(m, "restart_losses_", [0]))),
            "restart_losses": [float(x) for x in getattr(m, "restart_losses_", [])],
            "best_restart": int(getattr(m, "best_restart_", 0)),
            "n_iter": int(getattr(m, "n_iter_", 0)),
            "reconstruction_error": float(getattr(m, "reconstruction_err_", np.nan)),
            "relative_error": float(self._relative_error),
            "coherence_npmi": float(np.mean(self.npmi)),
            "coherence_umass": float(np.mean(self.umass)),
            "topic_diversity": metrics.topic_diversity(top25),
            "stability": float(np.mean(stability)),
            "zero_share_W": metrics.zero_share(self.W),
            "zero_share_H": metrics.zero_share(self.H),
            "hoyer_W": float(np.mean(metrics.hoyer_sparseness(self.W, axis=0))),
            "hoyer_H": float(np.mean(metrics.hoyer_sparseness(self.H, axis=1))),
            "low_confidence_threshold": float(self.low_confidence),
            "n_low_confidence": int(self.document_topics["low_confidence"].sum()),
            "n_empty_documents": int(np.count_nonzero(np.diff(self._B.indptr) == 0)),
        }
        if self.corpus.labels is not None:
            out.update({f"clustering_{k}": v for k, v in metrics.clustering_scores(
                self.corpus.labels, self.document_topics["topic"].to_numpy()).items()})
        params = m.get_params() if hasattr(m, "get_params") else {}
        out["model_settings"] = {k: (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v))
                                 for k, v in params.items()}
        vparams = self.vectorizer.get_params() if hasattr(self.vectorizer, "get_params") else {}
        out["vectorizer_settings"] = {k: (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v))
                                      for k, v in vparams.items()}
        out["seed"] = out["model_settings"].get("random_state")
        out["settings"] = {k: (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v))
                           for k, v in self.settings.items()}
        out["versions"] = _versions()
        return out

    def to_model(self):
        """The fitted vectorizer and factorization as a :class:`~topicmf.TopicModel`."""
        from ..model import TopicModel

        info = {"corpus": str(self.corpus.name), "n_documents": len(self.corpus),
                "coherence_npmi": float(np.mean(self.npmi))}
        return TopicModel(self.vectorizer, self.model, low_confidence=self.low_confidence, info=info)

    # -- figures and writers -----------------------------------------------------
    def figures(self) -> dict[str, Any]:
        """The report's matplotlib Figures by name."""
        return {
            "top_terms": _figures.top_terms_figure(self.top_terms, self.labels),
            "topic_sizes": _figures.topic_sizes_figure(self.topics),
            "topic_similarity": _figures.topic_similarity_figure(self.H, self.labels),
            "confidence": _figures.confidence_figure(self.document_topics, self.low_confidence),
        }

    def to_csv(self, directory: str) -> list[str]:
        """Write topics, top_terms, top_documents, document_topics and summary; return paths."""
        return writers.write_csv(self, directory)

    def to_markdown(self) -> str:
        """The summary and the topic table as Markdown."""
        return writers.to_markdown(self)

    def to_excel(self, path: str) -> str:
        """One workbook, a sheet per table (needs openpyxl)."""
        return writers.write_excel(self, path)

    def to_html(self, path: str) -> str:
        """One self-contained HTML file (figures embedded, text escaped); returns the path."""
        return writers.write_html(self, path)

    def __repr__(self) -> str:
        return (f"TopicReport({self.H.shape[0]} topics, {len(self.corpus)} documents, "
                f"corpus {self.corpus.name!r})")
