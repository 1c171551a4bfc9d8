"""The :class:`TopicReport`: every table, score and figure of one fitted model.

It is built from the corpus, the fitted vectorizer, the fitted TopicNMF, X and
W; it computes its numbers once, copies nothing it does not own and never
changes the model's arrays.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .. import metrics
from ..corpora import Corpus, load_corpus
from ..defaults import LOW_CONFIDENCE, N_DIVERSITY_TERMS, N_TOP_DOCUMENTS, N_TOP_TERMS
from ..model import TopicModel
from ..model.topics import degenerate_topics, term_scores
from ..provenance import library_versions
from ..vectorize import binary_document_term
from . import display, over_time, pyldavis, shaping, tables, writers
from . import figures as _figures

if TYPE_CHECKING:
    from ..factorize import TopicNMF
    from ..vectorize import TextVectorizer

__all__ = ["TopicReport"]


def _plain(v: Any) -> Any:
    return v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)


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
    n_top_terms : int, default=N_TOP_TERMS (10)
        Terms per topic in tables and coherence.
    n_top_documents : int, default=N_TOP_DOCUMENTS (5)
        Documents per topic in ``top_documents``.
    low_confidence : float, default=LOW_CONFIDENCE (0.4)
        A document whose dominant topic holds less than this share of its
        topic weight is flagged ``low_confidence``.
    settings : dict, optional
        Extra settings to show in the summary (e.g. what ``discover`` chose).
    topic_labels : list of str or None, optional
        A name per topic; None (the default, or an entry) means its top 3 surface
        terms. See :meth:`relabel_topics`.

    Attributes
    ----------
    topics, top_terms, top_documents, document_topics : pandas.DataFrame
        See :mod:`topicmf.report.tables` for their columns. In every table
        ``topic_label`` is a topic's name and ``label`` a document's known class.
    X : sparse matrix, shape (n_documents, n_terms)
        The TF-IDF matrix the report describes (kept by reference, never densified).
    """

    def __init__(
        self,
        corpus: Corpus,
        vectorizer: TextVectorizer,
        model: TopicNMF,
        X: sp.spmatrix,
        W: np.ndarray | None = None,
        *,
        n_top_terms: int = N_TOP_TERMS,
        n_top_documents: int = N_TOP_DOCUMENTS,
        low_confidence: float = LOW_CONFIDENCE,
        settings: dict[str, Any] | None = None,
        topic_labels: Sequence[str | None] | None = None,
    ) -> None:
        if X.shape[0] != len(corpus):
            raise ValueError(f"TopicReport: X has {X.shape[0]} rows but the corpus has {len(corpus)} documents.")
        k = model.components_.shape[0]
        if topic_labels is not None and len(topic_labels) != k:
            raise ValueError(f"TopicReport: {len(topic_labels)} topic_labels for {k} topics.")
        self.corpus = corpus
        self.X = X
        self.vectorizer = vectorizer
        self.model = model
        self.W, self.H = tables.unit_topics(model.transform(X) if W is None else W, model.components_)
        self.n_top_terms = n_top_terms
        self.n_top_documents = n_top_documents
        self.low_confidence = low_confidence
        self.settings = dict(settings or {})
        self._names = None if topic_labels is None else [None if x is None else str(x) for x in topic_labels]
        self._other_runs: list[np.ndarray] | None = None  # set for merged topics (see merge_topics)
        self.merged_from: list[list[int]] = [[t] for t in range(k)]
        # any scikit-learn vectorizer works: TextVectorizer gives readable labels, others their terms
        labels = getattr(vectorizer, "get_term_labels", None)
        self.term_labels = [str(t) for t in (labels() if labels is not None else vectorizer.get_feature_names_out())]
        self._B = binary_document_term(X)
        self._relative_error = metrics.reconstruction_error(X, self.W, self.H, relative=True)
        empty, duplicates = degenerate_topics(self.H)
        if empty or duplicates:
            parts = ([f"{len(empty)} empty topic(s) {empty} (all term weights zero)"] if empty else []) + (
                [f"{len(duplicates)} pair(s) of near-identical topics {duplicates}"] if duplicates else [])
            warnings.warn(f"TopicReport: {'; '.join(parts)}: the penalties may be too strong or n_topics too "
                          "large; the report shows them as they are.", RuntimeWarning, stacklevel=2)
        self._n_terms = X.shape[1]

    @classmethod
    def from_model(cls, model: TopicModel, corpus: Any, **load_options: Any) -> TopicReport:
        """A full report of a fitted :class:`~topicmf.TopicModel` on a corpus (e.g. new documents).

        Parameters
        ----------
        model : TopicModel
        corpus : anything :func:`topicmf.load_corpus` reads
        **load_options
            ``text_column``, ``id_column``, ``label_column`` for :func:`load_corpus`.
        """
        corpus = load_corpus(corpus, **load_options)
        X = model.vectorizer.transform(corpus)
        trained = {f"trained_{k}": v for k, v in model.info.items() if isinstance(v, (str, int, float))}
        return cls(corpus, model.vectorizer, model.nmf, X, low_confidence=model.low_confidence,
                   settings={"applied_to": corpus.name, **trained})

    # -- scores ---------------------------------------------------------------
    @cached_property
    def term_scores(self) -> np.ndarray:
        """The order terms are shown in, shape (n_topics, n_terms): relevance
        (``RELEVANCE_LAMBDA``; see :func:`topicmf.model.topics.term_scores`)."""
        return term_scores(self.H, self.vectorizer)

    @cached_property
    def _top_idx(self) -> np.ndarray:
        return metrics.top_term_indices(self.term_scores, self.n_top_terms)

    def _mean_npmi(self) -> float | None:
        """Mean NPMI of the topics that have terms (None when every topic is empty)."""
        live = np.asarray(self.H).max(axis=1, initial=0.0) > 0
        return float(np.mean(self.npmi[live])) if live.any() else None

    @cached_property
    def npmi(self) -> np.ndarray:
        """NPMI coherence per topic (top ``n_top_terms`` terms)."""
        return metrics.npmi_coherence(self._top_idx, self._B)

    @cached_property
    def umass(self) -> np.ndarray:
        """UMass coherence per topic."""
        return metrics.umass_coherence(self._top_idx, self._B)

    def _runs(self) -> list[np.ndarray]:
        """H of the other restarts that finished: converged, stopped once their topics
        settled (``race="topics"``) or once they matched the first restart's converged
        topics (racing); a restart cut by the iteration budget of
        ``race=True`` has unfinished topics and would understate stability. For merged
        topics, those restarts merged the same way."""
        if self._other_runs is not None:
            return self._other_runs
        m = self.model
        comps = m.restart_components_
        losses = np.asarray(m.restart_losses_)
        finished = np.asarray(m.restart_converged_) | (np.asarray(m.restart_n_iter_) >= m.max_iter)
        return [H for i, H in enumerate(comps)
                if i != m.best_restart_ and i < len(losses) and np.isfinite(losses[i]) and finished[i]]

    @cached_property
    def _stability(self) -> tuple[np.ndarray, np.ndarray]:
        return metrics.topic_stability(self.H, self._runs())

    @cached_property
    def topic_labels(self) -> list[str]:
        """Name of each topic: its top 3 surface terms, unless renamed by :meth:`relabel_topics`."""
        auto = tables.topic_labels(self.H, self.term_labels, scores=self.term_scores)
        if self._names is None:
            return auto
        return [a if name is None else name for a, name in zip(auto, self._names)]

    @property
    def labels(self) -> list[str]:
        """The topic names, :attr:`topic_labels` (kept for existing callers)."""
        return self.topic_labels

    # -- tables ---------------------------------------------------------------
    @cached_property
    def topics(self) -> pd.DataFrame:
        """One row per topic; see :func:`topicmf.report.tables.topics_table`."""
        stability, reproduced = self._stability
        return tables.topics_table(
            self.W, self.H, self.term_labels, npmi=self.npmi, umass=self.umass,
            stability=stability, n_reproduced=reproduced, n_top_terms=self.n_top_terms,
            names=self.topic_labels, scores=self.term_scores,
        )

    @cached_property
    def top_terms(self) -> pd.DataFrame:
        """(topic, rank, term, weight), long format."""
        return tables.top_terms_table(self.H, self.term_labels, self.n_top_terms, scores=self.term_scores)

    @cached_property
    def top_documents(self) -> pd.DataFrame:
        """Each topic's ``n_top_documents`` best documents, near-duplicates skipped.

        A candidate whose TF-IDF cosine similarity with a document already chosen for
        the topic exceeds :data:`topicmf.report.tables.NEAR_DUPLICATE_SIMILARITY`
        (0.9) is passed over, so two copies of one article do not fill two places
        (it comes back, last, only if the topic has fewer distinct documents than places).
        """
        return tables.top_documents_table(self.W, self.corpus, self.n_top_documents, X=self.X)

    def top_documents_for(self, n: int | None = None, *, skip_near_duplicates: bool = True) -> pd.DataFrame:
        """Each topic's ``n`` best documents; ``n=None`` lists every document with weight (none skipped)."""
        return tables.top_documents_table(self.W, self.corpus, n, X=self.X if skip_near_duplicates else None)

    @cached_property
    def document_topics(self) -> pd.DataFrame:
        """Every document once with its dominant topic and confidence.

        Indexed like the caller's input rows (a DataFrame's own index, otherwise
        0..n-1; see :func:`topicmf.model.topics.document_index`), so
        ``frame.join(report.document_topics)`` lines up with the DataFrame the
        corpus came from.
        """
        return tables.document_topics_table(self.W, self.corpus, self.topic_labels, self.low_confidence)

    # -- topics by group of documents -------------------------------------------
    def topics_over_time(self, time_column: str = "date", freq: str = "M", *,
                         n_terms: int | None = None) -> pd.DataFrame:
        """Each topic per period of a date column: documents, shares and the period's top terms.

        Parameters
        ----------
        time_column : str, default="date"
            A column of ``corpus.metadata`` holding dates (strings are parsed;
            documents with a missing or unreadable date are left out).
        freq : str, default="M"
            A pandas period frequency: "D", "W", "M", "Q", "Y"...
        n_terms : int, optional
            Top terms per (period, topic); default ``n_top_terms``.

        Returns
        -------
        pandas.DataFrame
            Columns ``period`` (pandas Period) then
            :data:`topicmf.report.over_time.GROUP_COLUMNS`: ``topic``, ``topic_label``,
            ``documents`` (the period's documents the topic dominates),
            ``group_documents``, ``share``, ``weight_share``, ``top_terms`` (the
            topic's heaviest terms in that period's documents, from the non-zeros of X
            attributed to the topic). Sorted by period, then topic.

        Examples
        --------
        >>> import topicmf as tm
        >>> report = tm.discover("newsroom", n_topics=6)
        >>> report.topics_over_time("date", freq="Q").columns[:4].tolist()
        ['period', 'topic', 'topic_label', 'documents']
        """
        periods = over_time.period_values(
            over_time._metadata_column(self.corpus, time_column, "topics_over_time"), freq)
        return over_time.topics_by_group(self.X, self.W, self.H, periods, self.term_labels, self.topic_labels,
                                         group_name="period", n_terms=n_terms or self.n_top_terms)

    def topics_per_class(self, column: str = "label", *, n_terms: int | None = None) -> pd.DataFrame:
        """Each topic per class of a categorical column: documents, shares, class-specific top terms.

        Parameters
        ----------
        column : str, default="label"
            A column of ``corpus.metadata`` (values compared as strings; missing
            values are left out), or ``"label"`` for the corpus' known classes.
        n_terms : int, optional
            Top terms per (class, topic); default ``n_top_terms``.

        Returns
        -------
        pandas.DataFrame
            Columns ``column``, then those of :meth:`topics_over_time` after ``period``.
        """
        values = over_time.class_values(over_time._metadata_column(self.corpus, column, "topics_per_class"))
        return over_time.topics_by_group(self.X, self.W, self.H, values, self.term_labels, self.topic_labels,
                                         group_name=column, n_terms=n_terms or self.n_top_terms)

    def plot_topics_over_time(self, time_column: str = "date", freq: str = "M", *,
                              value: str = "share") -> Any:
        """:func:`~topicmf.report.figures.topics_over_time_figure` of :meth:`topics_over_time`."""
        return _figures.topics_over_time_figure(self.topics_over_time(time_column, freq), value)

    def plot_topics_per_class(self, column: str = "label", *, value: str = "share") -> Any:
        """:func:`~topicmf.report.figures.topics_per_class_figure` of :meth:`topics_per_class`."""
        return _figures.topics_per_class_figure(self.topics_per_class(column), column, value)

    # -- shaping without refitting ------------------------------------------------
    def _derive(self, **changes: Any) -> TopicReport:
        """A shallow copy with ``changes`` applied and every cached number dropped.

        Arrays are shared, never written: reports do not change arrays."""
        new = copy.copy(self)
        for name in [n for n, v in type(self).__dict__.items() if isinstance(v, cached_property)]:
            new.__dict__.pop(name, None)
        new.__dict__.update(changes)
        return new

    def relabel_topics(self, names: Mapping[int, str]) -> TopicReport:
        """A new report whose topics ``t`` are named ``names[t]`` (others keep their names).

        The original report is not changed. The names reach every table, figure
        and writer, and :meth:`to_model` keeps them.

        Examples
        --------
        >>> import topicmf as tm
        >>> report = tm.discover("newsroom", n_topics=6)
        >>> report.relabel_topics({0: "tech"}).topic_labels[0]
        'tech'
        """
        k = self.H.shape[0]
        current: list[str | None] = list(self._names) if self._names is not None else [None] * k
        for t, name in dict(names).items():
            if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= int(t) < k:
                raise ValueError(f"relabel_topics: topics are ints from 0 to {k - 1}; got {t!r}.")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"relabel_topics: a name must be a non-empty str; got {name!r} for topic {t}.")
            current[int(t)] = name
        return self._derive(_names=current)

    def merge_topics(self, groups: Sequence[Sequence[int]]) -> TopicReport:
        """A new report in which each group of topics is one topic; W is re-solved, H is not refit.

        Each group's rows of H become one row: the members' unit term vectors
        weighted by their total weight in W (see :mod:`topicmf.report.shaping`).
        The merged model is a fitted :class:`~topicmf.TopicNMF` (one restart) whose
        W comes from ``transform`` with the new H fixed; it saves and loads with
        :func:`topicmf.save_model`. A merged topic takes the number of its first
        member, the others follow in order; ``merged_from[t]`` lists the original
        topics of new topic ``t``. Stability compares with the other restarts merged
        the same way. The original report is not changed.

        Parameters
        ----------
        groups : list of lists of int
            e.g. ``[[0, 3], [1, 4, 5]]``; topics in no group are kept.

        Examples
        --------
        >>> import topicmf as tm
        >>> report = tm.discover("newsroom", n_topics=6)
        >>> report.merge_topics([[0, 1]]).H.shape[0]
        5
        """
        partition = shaping.merge_partition(self.H.shape[0], groups)
        return self._merged(partition)

    def reduce_topics(self, n: int) -> TopicReport:
        """A new report with ``n`` topics: the most similar topics merged until ``n`` remain.

        Similarity is the cosine of the topics' document centroids ``W^T X``
        (:func:`topicmf.report.shaping.reduce_partition`), so two halves of one
        theme (sharing documents, splitting its words) are merged first. See
        :meth:`merge_topics`.
        """
        k = self.H.shape[0]
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= k:
            raise ValueError(f"reduce_topics: n must be an int from 1 to {k}; got {n!r}.")
        partition = shaping.reduce_partition(shaping.topic_centroids(self.X, self.W), int(n))
        return self._merged(partition)

    def _merged(self, partition: list[list[int]]) -> TopicReport:
        masses = self.W.sum(axis=0) * np.linalg.norm(self.H, axis=1)  # W's weight with unit-L2 rows of H
        components = shaping.merged_components(self.model.components_, masses, partition)
        model, W = shaping.merged_estimator(self.model, components, self.X)
        merged_from = [sorted(o for t in group for o in self.merged_from[t]) for group in partition]
        names = None
        if self._names is not None:  # a renamed topic kept alone keeps its name
            names = [self._names[group[0]] if len(group) == 1 else None for group in partition]
        new = TopicReport(self.corpus, self.vectorizer, model, self.X, W, n_top_terms=self.n_top_terms,
                          n_top_documents=self.n_top_documents, low_confidence=self.low_confidence,
                          settings={**self.settings, "merged_from": repr(merged_from)}, topic_labels=names)
        new.merged_from = merged_from
        new._other_runs = shaping.merged_runs(self.H, self._runs(), masses, partition)
        return new

    def find_topics(self, query: str, n: int = 5) -> pd.DataFrame:
        """The ``n`` topics closest to a query text, best first.

        The query goes through the fitted vectorizer (same tokens, stems and
        IDF); similarity is the cosine between its TF-IDF row and each row of H.

        Returns
        -------
        pandas.DataFrame
            Columns ``rank``, ``topic``, ``topic_label``, ``similarity``, ``top_terms``.

        Raises
        ------
        ValueError
            The query has no term of the model's vocabulary after preprocessing.

        Examples
        --------
        >>> import topicmf as tm
        >>> report = tm.discover("newsroom", n_topics=6)
        >>> report.find_topics("vaccine clinics", n=1)["topic_label"].iloc[0]
        'health / clinics / patients'
        """
        if not isinstance(query, str):
            raise TypeError(f"find_topics: query must be a str; got {type(query).__name__}.")
        q = self.vectorizer.transform([query])
        if q.nnz == 0:
            raise ValueError(f"find_topics: no term of the query {query[:60]!r} is in the model's vocabulary "
                             f"({self._n_terms} terms) after preprocessing.")
        return shaping.find_topics_table(q, self.H, self.topic_labels, self.term_labels,
                                         max(1, int(n)), self.n_top_terms, scores=self.term_scores)

    # -- model-level numbers ---------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Model-level numbers, settings and library versions (JSON-serialisable)."""
        m = self.model
        live = np.flatnonzero(np.asarray(self.H).max(axis=1, initial=0.0) > 0)  # empty topics have no terms
        top_div = metrics.top_term_indices(self.term_scores[live], N_DIVERSITY_TERMS)
        stability, _ = self._stability
        empty, duplicates = degenerate_topics(self.H)
        cleaner = getattr(self.vectorizer, "cleaner_", None)
        cleaning = None
        if cleaner is not None:
            st = cleaner.stats_
            cleaning = {
                "characters_removed_share": float(st["characters_removed_share"]),
                "rules": {r: {"documents": v["documents"], "character_share": float(v["character_share"])}
                          for r, v in st["rules"].items() if v["active"]},
                "boilerplate_lines": int(st["boilerplate"]["lines"]),
                "boilerplate_documents": int(st["boilerplate"]["documents"]),
                "top_boilerplate_lines": st["boilerplate"]["top_lines"][:10],
            }
        out: dict[str, Any] = {
            "cleaning": cleaning,
            "empty_topics": empty,
            "duplicate_topics": [list(p) for p in duplicates],
            "corpus": self.corpus.name,
            "n_documents": int(len(self.corpus)),
            "n_terms": int(self._n_terms),
            "n_topics": int(self.H.shape[0]),
            "n_restarts": int(len(m.restart_losses_)),
            "restart_losses": [float(x) for x in m.restart_losses_],
            "best_restart": int(m.best_restart_),
            "n_iter": int(m.n_iter_),
            "reconstruction_error": float(m.reconstruction_err_),
            "relative_error": float(self._relative_error),
            "coherence_npmi": self._mean_npmi(),
            "coherence_umass": float(np.mean(self.umass)),
            "topic_diversity": metrics.topic_diversity(top_div),
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
        out["model_settings"] = {k: _plain(v) for k, v in m.get_params().items()}
        out["vectorizer_settings"] = {k: _plain(v) for k, v in self.vectorizer.get_params().items()}
        out["seed"] = out["model_settings"].get("random_state")
        out["settings"] = {k: _plain(v) for k, v in self.settings.items()}
        from ..factorize import backend  # the backend that fitted it (loaded with the model)

        out["versions"] = {**library_versions(), **backend()}
        return out

    def to_model(self) -> TopicModel:
        """The fitted vectorizer and factorization as a :class:`~topicmf.TopicModel`."""
        info: dict[str, Any] = {"corpus": str(self.corpus.name), "n_documents": len(self.corpus),
                                "coherence_npmi": self._mean_npmi()}
        for key in ("text_column", "id_column"):  # so ``topicmf transform`` reads new files alike
            if isinstance(self.settings.get(key), str):
                info[key] = self.settings[key]
        if self._names is not None:  # names given by relabel_topics travel with the model
            info["topic_labels"] = json.dumps(self.topic_labels)
        if any(len(m) > 1 for m in self.merged_from):
            info["merged_from"] = json.dumps(self.merged_from)
        return TopicModel(self.vectorizer, self.model, low_confidence=self.low_confidence, info=info)

    # -- figures and writers -----------------------------------------------------
    def figures(self) -> display.FigureSet:
        """The report's matplotlib Figures by name (a dict; in Jupyter it shows them all).

        Each is a :class:`~topicmf.report.figures.ReportFigure`, which displays in a
        notebook without pyplot; ``fig.savefig(path)`` writes it.
        """
        return display.FigureSet({
            "top_terms": _figures.top_terms_figure(self.top_terms, self.topic_labels),
            "topic_sizes": _figures.topic_sizes_figure(self.topics),
            "topic_similarity": _figures.topic_similarity_figure(self.H, self.topic_labels),
            "confidence": _figures.confidence_figure(self.document_topics, self.low_confidence),
        })

    def _repr_html_(self) -> str:
        """A compact summary (model numbers and the topic table) for Jupyter."""
        return display.summary_html(self)

    @cached_property
    def term_counts(self) -> sp.csr_matrix:
        """Token counts per document over the vocabulary, shape (n_documents, n_terms)
        (tokenized again with the fitted vectorizer's analyzer; computed once)."""
        return pyldavis.term_counts(self.vectorizer, self.corpus.texts)

    def to_pyldavis(self) -> dict[str, Any]:
        """The keyword arguments of ``pyLDAvis.prepare(**report.to_pyldavis())``.

        ``topic_term_dists`` (rows of H) and ``doc_topic_dists`` (rows of W) are
        divided by their totals (all-zero rows become uniform); ``doc_lengths`` and
        ``term_frequency`` are token counts over the vocabulary; ``vocab`` holds the
        readable term labels (made unique). pyLDAvis is not needed to build it.
        """
        vocab: list[str] = []
        seen: set[str] = set()
        stems = self.vectorizer.get_feature_names_out()
        for label, stem in zip(self.term_labels, stems):
            name = str(label) if str(label) not in seen else f"{label} ({stem})"
            seen.add(name)
            vocab.append(name)
        return pyldavis.pyldavis_inputs(self.W, self.H, self.term_counts, vocab)

    def to_csv(self, directory: str) -> list[str]:
        """Write topics, top_terms, top_documents, document_topics and summary; return paths."""
        return writers.write_csv(self, directory)

    def to_markdown(self) -> str:
        """The summary and the topic table as Markdown."""
        return writers.to_markdown(self)

    def to_excel(self, path: str) -> str:
        """One workbook, a sheet per table (needs openpyxl)."""
        return writers.write_excel(self, path)

    def to_html(self, path: str, *, interactive: bool = False) -> str:
        """One self-contained HTML file (text escaped, no network); returns the path.

        ``interactive=False``: the static report (figures as embedded PNGs, no
        script). ``interactive=True``: :meth:`to_interactive_html`.
        """
        if interactive:
            return self.to_interactive_html(path)
        return writers.write_html(self, path)

    def to_interactive_html(self, path: str) -> str:
        """The interactive report in one self-contained file; returns the path.

        A map of the topics (placed by similarity, sized by share), each topic's
        terms with an LDAvis-style relevance slider, topics over time and per class
        when the corpus has a date column or class columns, and a sortable,
        searchable table of each topic's best documents. Plain SVG and a small
        script written for it; no library, no network; all text escaped. See
        :mod:`topicmf.report.interactive`.
        """
        from .interactive import write_interactive_html

        return write_interactive_html(self, path)

    def __repr__(self) -> str:
        return (f"TopicReport({self.H.shape[0]} topics, {len(self.corpus)} documents, "
                f"corpus {self.corpus.name!r})")
