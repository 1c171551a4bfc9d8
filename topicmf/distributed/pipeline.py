"""``discover`` on a Dask cluster: partition files -> vocabulary -> row blocks -> fit -> report.

The stages are :func:`topicmf.discover`'s, with the same defaults
(:func:`topicmf.pipeline.default_vectorizer`, restarts raced with ``race="topics"``,
``sparsity=DISCOVER_SPARSITY``), so the same documents give the same report.
Reading, vectorizing and fitting run on the workers; the report's
document-level tables are built in this process, from the corpus, X and W
gathered here (fine while they fit in this process's memory; writing each
partition's tables where it lives is the next step for larger corpora).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..corpora import Corpus, load_corpus
from ..defaults import LOW_CONFIDENCE, N_RESTARTS, N_TOP_DOCUMENTS, N_TOP_TERMS, N_TOPICS
from ..partitions import is_partitioned
from ..pipeline import check_vectorizer_choice, configured_vectorizer, discover_fit_options
from ..vectorize import TextVectorizer
from . import _dask
from .corpus import (
    PartitionedCorpus,
    check_unique_ids,
    read_dataframe,
    read_partitions,
    scatter_corpus,
    vectorize_partitions,
)
from .fit import fit_transform_partitioned, gather_W
from .hals import CHECKPOINT_EVERY, MAX_RECOVERIES

__all__ = ["discover_partitioned"]


def _partition_files(source: Any) -> bool:
    """Whether ``source`` names partition files: a glob, an existing file or folder, or a list of Paths."""
    if isinstance(source, (str, Path)):
        return is_partitioned(source) or Path(source).is_file()
    return isinstance(source, (list, tuple)) and bool(source) and all(isinstance(p, Path) for p in source)


def _is_dask_frame(source: Any) -> bool:
    return type(source).__module__.startswith("dask") and hasattr(source, "to_delayed")


def discover_partitioned(
    client: Any,
    source: PartitionedCorpus | str | Path | Sequence[Path] | Corpus | pd.DataFrame | Sequence[str],
    n_topics: int = N_TOPICS,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    label_column: str | None = None,
    vectorizer: TextVectorizer | None = None,
    vectorizer_options: dict[str, Any] | None = None,
    n_restarts: int = N_RESTARTS,
    random_state: Any = 0,
    n_top_terms: int = N_TOP_TERMS,
    n_top_documents: int = N_TOP_DOCUMENTS,
    low_confidence: float = LOW_CONFIDENCE,
    checkpoint_every: int = CHECKPOINT_EVERY,
    max_recoveries: int = MAX_RECOVERIES,
    **model_options: Any,
):
    """Find ``n_topics`` topics in partition files on a Dask cluster; return the :class:`~topicmf.report.TopicReport`.

    Parameters
    ----------
    client : distributed.Client
    source : PartitionedCorpus, partition files, or a corpus of this process
        A glob pattern, an existing file or folder, or a list of ``Path``: partition
        files read on the workers (:func:`topicmf.distributed.read_partitions`;
        the workers must be able to read them; a folder is a folder of partition
        files). A ``dask.dataframe.DataFrame`` is computed partition by partition
        on the workers (:func:`topicmf.distributed.read_dataframe`). Anything else
        :func:`topicmf.load_corpus` reads (a bundled name,
        a Corpus, a DataFrame, a list of texts) is read here and sent to the
        workers in parts (:func:`topicmf.distributed.scatter_corpus`).
    n_topics, text_column, id_column, label_column, vectorizer, n_restarts, random_state,
    n_top_terms, n_top_documents, low_confidence, **model_options
        As :func:`topicmf.discover`.
    vectorizer_options : dict, optional
        Settings for the default vectorizer (``min_df``, ``stop_words``...), applied once
        the number of documents is known; only without ``vectorizer``.
    checkpoint_every, max_recoveries
        As :func:`topicmf.distributed.fit_partitioned`.

    Returns
    -------
    TopicReport
        The same report :func:`topicmf.discover` gives for the concatenated
        documents (numbers equal up to rounding), with ``n_partitions`` and
        ``n_workers`` in its settings.
    """
    from ..report import TopicReport

    _dask.require()
    timings: dict[str, float] = {}
    check_vectorizer_choice(vectorizer, vectorizer_options)  # before any reading
    t0 = time.perf_counter()
    if isinstance(source, PartitionedCorpus):
        parts = source
    elif _is_dask_frame(source):
        parts = read_dataframe(client, source, text_column=text_column, id_column=id_column,
                               label_column=label_column)
    elif _partition_files(source):
        parts = read_partitions(client, source, text_column=text_column, id_column=id_column,  # type: ignore[arg-type]
                                label_column=label_column)
    else:  # read here (a bundled name, a DataFrame, texts, a Corpus) and sent to the workers
        parts = scatter_corpus(client, load_corpus(source, text_column=text_column, id_column=id_column,
                                                   label_column=label_column))
    check_unique_ids(parts)  # now, not after the fit when the report collects the ids
    timings["load_seconds"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    vec = vectorizer if vectorizer is not None else configured_vectorizer(len(parts), n_topics, vectorizer_options)
    vec, blocks = vectorize_partitions(parts, vec)
    timings["vectorize_seconds"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    options = discover_fit_options(model_options)
    model, W_blocks = fit_transform_partitioned(client, blocks, n_topics, n_restarts=n_restarts,
                                                random_state=random_state, checkpoint_every=checkpoint_every,
                                                max_recoveries=max_recoveries, **options)
    timings["fit_seconds"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    corpus, X, W = parts.gather(), blocks.gather_X(), gather_W(client, W_blocks)
    timings["collect_seconds"] = time.perf_counter() - t0
    settings = {"n_topics": n_topics, "n_restarts": n_restarts, "random_state": random_state,
                "n_partitions": len(parts.futures), "n_workers": len(_dask.worker_addresses(client)), **timings}
    return TopicReport(corpus, vec, model, X, W, n_top_terms=n_top_terms, n_top_documents=n_top_documents,
                       low_confidence=low_confidence, settings=settings)
