"""A corpus in partition files, read and vectorized on the workers: two passes, one vocabulary.

:func:`read_partitions` lists partition files (a glob, a folder or a list;
JSON Lines, CSV/TSV, Parquet or ``.txt`` with one document per line, each as
:func:`topicmf.load_corpus` reads it) and reads each on a worker. The files
must be readable from the workers (a shared or object file system).

:func:`vectorize_partitions` fits a :class:`~topicmf.TextVectorizer` without
bringing the documents together:

a. each partition counts, with the vectorizer's analyzer, the documents each
   term occurs in, each term's total count and the surface words behind each
   stem; the counts are summed over partitions;
b. the client fixes the vocabulary with scikit-learn's rules
   (``CountVectorizer._limit_features``: ``min_df``/``max_df`` as counts, or
   as shares of the number of documents; ``max_features`` keeps the most
   frequent terms by total count, ranked exactly as scikit-learn ranks them),
   the IDF ``ln((1 + n) / (1 + df)) + 1`` and each term's label (its most
   frequent surface word, ties alphabetical), and builds the fitted
   vectorizer with :meth:`TextVectorizer.from_state`, so it saves and loads
   as usual;
c. consecutive partitions become a CSR row block of X on the worker that
   read them, through that vectorizer's ``transform``.

The vocabulary, IDF, labels and X equal those of ``TextVectorizer.fit_transform``
on the concatenated documents.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..corpora import Corpus, CorpusInputError
from ..partitions import PARTITION_SUFFIXES, concat_corpora, partition_names, partition_paths, read_partition
from ..preprocess.clean import TextCleaner, merge_stats
from ..preprocess.counts import count_unigrams, limit_features, smooth_idf, surface_labels
from ..vectorize import TextVectorizer
from . import _dask
from .blocks import RowBlock, RowBlocks, consecutive_groups, home_of, make_block
from .hals import tree_sum

__all__ = ["PartitionedCorpus", "read_partitions", "read_dataframe", "scatter_corpus", "vectorize_partitions",
           "partition_paths", "PARTITION_SUFFIXES"]

logger = logging.getLogger(__name__)

def _n_documents(corpus: Corpus) -> int:
    return len(corpus)


def _id_hashes(corpus: Corpus) -> np.ndarray:
    """64-bit digests of the partition's ids (BLAKE2b: the same on every worker)."""
    return np.array([int.from_bytes(hashlib.blake2b(i.encode("utf-8"), digest_size=8).digest(), "little")
                     for i in corpus.ids], dtype=np.uint64)


def _ids_with(corpus: Corpus, hashes: np.ndarray) -> list[str]:
    wanted = set(hashes.tolist())
    return [i for i, h in zip(corpus.ids, _id_hashes(corpus).tolist()) if h in wanted]


def check_unique_ids(corpus: PartitionedCorpus) -> None:
    """Raise before any fit when two documents of the partitions share an id (8 bytes per
    document reach the client; a digest collision is checked against the ids themselves).

    Raises
    ------
    topicmf.corpora.CorpusInputError
        Names one duplicate id.
    """
    client = corpus.client
    parts = client.gather([client.submit(_id_hashes, f) for f in corpus.futures])
    hashes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    values, counts = np.unique(hashes, return_counts=True)
    suspects = values[counts > 1]
    if not len(suspects):
        return
    ids = [i for f in corpus.futures for i in client.submit(_ids_with, f, suspects).result()]
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise CorpusInputError(f"{corpus.name}: duplicate document id {i!r} in the partitions; ids must be "
                                   "unique (give an id column that is, or none: ids are then file and row)")
        seen.add(i)


@dataclass(eq=False)
class PartitionedCorpus:
    """A corpus whose partitions live on Dask workers (one :class:`~topicmf.Corpus` each).

    Attributes
    ----------
    client : distributed.Client
    paths : list of Path
    futures : list of Future
        One Corpus per partition, in ``paths`` order.
    n_documents : tuple of int
        Documents per partition.
    workers : list of str or None
        The worker each partition was read on (its block of X is made there).
    name : str
    rebuildable : bool
        Whether Dask can read a lost partition again (False for :func:`scatter_corpus`).
    """

    client: Any
    paths: list[Path]
    futures: list[Any]
    n_documents: tuple[int, ...]
    workers: list[str | None] = field(default_factory=list)
    name: str = "<partitions>"
    rebuildable: bool = True

    def __len__(self) -> int:
        return int(sum(self.n_documents))

    def __repr__(self) -> str:
        return f"PartitionedCorpus({self.name!r}, {len(self):,} documents in {len(self.futures)} partitions)"

    def gather(self) -> Corpus:
        """The whole corpus in this process (partitions concatenated in order)."""
        return concat_corpora(self.client.gather(self.futures), self.name)


def read_partitions(
    client: Any,
    source: str | Path | Sequence[str | Path],
    *,
    text_column: str = "text",
    id_column: str | None = None,
    label_column: str | None = None,
    max_document_bytes: int | None = None,
    max_total_bytes: int | None = None,
) -> PartitionedCorpus:
    """Read partition files on the workers, one task per file (consecutive files on the same worker).

    Parameters
    ----------
    client : distributed.Client
    source : glob pattern, folder or list of files
        See :func:`partition_paths`.
    text_column, id_column, label_column, max_document_bytes, max_total_bytes
        As :func:`topicmf.load_corpus`, for every partition. Without an id
        column, a document's id is ``"<file name>:<row>"``.

    Returns
    -------
    PartitionedCorpus

    Raises
    ------
    FileNotFoundError
        No partition file.
    topicmf.corpora.CorpusInputError
        A partition cannot be read (the message names the file).
    """
    _dask.require()
    paths = partition_paths(source)
    options = {"text_column": text_column, "id_column": id_column, "label_column": label_column,
               "max_document_bytes": max_document_bytes, "max_total_bytes": max_total_bytes}
    workers = _dask.worker_addresses(client)
    where = [workers[i * len(workers) // len(paths)] if workers else None for i in range(len(paths))]
    names = partition_names(paths)
    futures = [client.submit(read_partition, str(p), options, n, **_dask.on(w))
               for p, n, w in zip(paths, names, where)]
    sizes = client.gather([client.submit(_n_documents, f) for f in futures])
    return PartitionedCorpus(client, paths, futures, tuple(int(n) for n in sizes), where, str(source))


def read_dataframe(client: Any, frame: Any, *, text_column: str = "text", id_column: str | None = None,
                   label_column: str | None = None) -> PartitionedCorpus:
    """A ``dask.dataframe.DataFrame`` as a partitioned corpus: each partition is computed on a
    worker and becomes a :class:`~topicmf.Corpus` there (never collected on the client).

    Parameters
    ----------
    client : distributed.Client
    frame : dask.dataframe.DataFrame
    text_column, id_column, label_column
        As :func:`topicmf.load_corpus`. Without an id column a document's id is the
        frame's index when its divisions are known (a sorted, unique index, as
        ``dd.from_pandas`` or ``set_index`` give), otherwise ``"<partition>:<row>"``.

    Returns
    -------
    PartitionedCorpus
        Rebuildable: Dask recomputes a lost partition from the frame's graph.
    """
    _dask.require()
    options = {"text_column": text_column, "id_column": id_column, "label_column": label_column}
    keep_index = bool(frame.known_divisions)
    frames = client.compute(frame.to_delayed())
    futures = [client.submit(_frame_partition, f, i, options, keep_index) for i, f in enumerate(frames)]
    sizes = client.gather([client.submit(_n_documents, f) for f in futures])
    held = client.who_has(futures)
    where = [next(iter(held.get(f.key, ())), None) for f in futures]
    return PartitionedCorpus(client, [], futures, tuple(int(n) for n in sizes), where, "<dask DataFrame>")


def _frame_partition(frame: pd.DataFrame, index: int, options: dict[str, Any], keep_index: bool) -> Corpus:
    """One partition of a dask DataFrame as a Corpus (see :func:`read_dataframe` for the ids)."""
    from ..corpora import load_corpus

    if not keep_index and options.get("id_column") is None:
        frame = frame.set_axis([f"{index}:{row}" for row in range(len(frame))], axis=0)
    return load_corpus(frame, **options)


def scatter_corpus(client: Any, corpus: Corpus, n_partitions: int | None = None) -> PartitionedCorpus:
    """A corpus of this process sent to the workers as ``n_partitions`` consecutive parts.

    Default: one part per worker thread. Scattered parts have no recipe, so
    blocks of X made from them cannot be rebuilt after a lost worker (the fit
    then stops with an error); partition files (:func:`read_partitions`) can.
    """
    _dask.require()
    n = len(corpus)
    if n_partitions is None:
        n_partitions = max(1, sum(client.nthreads().values()))
    n_partitions = max(1, min(int(n_partitions), n))
    bounds = np.linspace(0, n, n_partitions + 1).round().astype(int)
    workers = _dask.worker_addresses(client)
    where = [workers[i * len(workers) // n_partitions] if workers else None for i in range(n_partitions)]
    futures = []
    for i, w in enumerate(where):
        a, b = int(bounds[i]), int(bounds[i + 1])
        meta = corpus.metadata.iloc[a:b].reset_index(drop=True) if corpus.metadata.shape[1] else pd.DataFrame()
        part = Corpus(texts=corpus.texts[a:b], ids=corpus.ids[a:b],
                      labels=None if corpus.labels is None else corpus.labels[a:b], metadata=meta, name=corpus.name,
                      n_replaced_bytes=corpus.n_replaced_bytes if i == 0 else 0,
                      n_non_string_texts=corpus.n_non_string_texts if i == 0 else 0)
        futures.append(client.scatter(part, workers=[w] if w else None, hash=False))
    sizes = tuple(int(bounds[i + 1] - bounds[i]) for i in range(n_partitions))
    return PartitionedCorpus(client, [], futures, sizes, where, corpus.name, rebuildable=False)


# -- pass (a): counts per partition -------------------------------------------------------

@dataclass
class TermCounts:
    """What pass (a) learns from some documents (summed over partitions by :func:`_merge`)."""

    n_documents: int
    df: Counter  # term -> documents containing it
    tf: Counter  # term -> occurrences
    surface: Counter  # (stem, surface word) -> occurrences (unigram stems only)
    n_blank: int  # documents whose text is blank
    cleaning: list = field(default_factory=list)  # each partition's TextCleaner.stats_ (clean="on")


def _surface_counts(analyzer: Any) -> Counter:
    """(stem, surface word) counts recorded by the analyzer: ``Analyzer.stop_recording``'s
    input, kept as counts so partitions can be summed (it reads the analyzer's recording)."""
    counts: Counter = analyzer._surface or Counter()
    cache: dict[str, str] = analyzer._cache
    out: Counter = Counter()
    for token, n in counts.items():
        term = cache.get(token) or ""
        if term:
            out[(term, token)] += n
    analyzer.stop_recording()
    return out


def _count_partition(corpus: Corpus, params: dict[str, Any], stop_words: frozenset[str]) -> TermCounts:
    analyzer = TextVectorizer(**params)._build_analyzer(stop_words)
    texts, cleaning = corpus.texts, []
    if params["clean"] != "off" and texts:  # mode "on" without boilerplate: the same wherever it runs
        cleaner = TextCleaner(mode=params["clean"], **(params["cleaner_options"] or {}))
        texts = cleaner.fit_transform(texts)
        cleaning = [cleaner.stats_]
    n_blank = sum(1 for t in texts if not t.strip())  # after cleaning, as TextVectorizer counts them
    if analyzer.ngram_range == (1, 1):  # counted in C, stemmed once per distinct token
        C, terms, surface = count_unigrams(texts, analyzer)
        df = Counter(dict(zip(terms, np.bincount(C.indices, minlength=len(terms)).tolist())))
        tf = Counter(dict(zip(terms, np.asarray(C.sum(axis=0)).ravel().astype(np.int64).tolist())))
        return TermCounts(len(corpus), +df, +tf, surface, n_blank, cleaning)
    analyzer.start_recording()
    df, tf = Counter(), Counter()
    for text in texts:
        counts = Counter(analyzer(text))
        tf.update(counts)
        df.update(counts.keys())
    return TermCounts(len(corpus), df, tf, _surface_counts(analyzer), n_blank, cleaning)


def _merge(a: TermCounts, b: TermCounts) -> TermCounts:
    return TermCounts(a.n_documents + b.n_documents, a.df + b.df, a.tf + b.tf, a.surface + b.surface,
                      a.n_blank + b.n_blank, a.cleaning + b.cleaning)


def _add_counts(a: tuple, b: tuple) -> tuple:
    return (_merge(a[0], b[0]),)


def _counts_task(corpus: Corpus, params: dict[str, Any], stop_words: frozenset[str]) -> tuple:
    return (_count_partition(corpus, params, stop_words),)


# -- the vocabulary (client) ------------------------------------------------------------

def _merged_cleaner(vec: TextVectorizer, counts: TermCounts) -> dict[str, Any]:
    """The fitted cleaner (``to_dict``) of the whole corpus from the partitions' statistics."""
    cleaner = TextCleaner(mode=vec.clean, **(vec.cleaner_options or {}))
    cleaner.active_rules_ = cleaner._enabled_rules()
    cleaner.boilerplate_lines_ = []
    cleaner._boilerplate_set = frozenset()
    cleaner.n_documents_ = int(counts.n_documents)
    cleaner.stats_ = merge_stats(counts.cleaning)
    return cleaner.to_dict()


def _params_document(vec: TextVectorizer) -> dict[str, Any]:
    """``get_params()`` as plain data, as ``TextVectorizer.to_state`` writes it."""
    params = vec.get_params()
    params["ngram_range"] = [int(v) for v in params["ngram_range"]]
    params["dtype"] = np.dtype(params["dtype"]).name
    for name in ("stop_words", "extra_stop_words"):
        v = params[name]
        if v is not None and not isinstance(v, str):
            params[name] = sorted(str(w) for w in v)
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}


# -- pass (b): X's blocks -----------------------------------------------------------------

def _vectorizer_state(document: dict, arrays: dict) -> tuple[dict, dict]:
    """The fitted vectorizer's state as a task result (Dask can make it again)."""
    return document, arrays


def _transform_partitions(state: tuple[dict, dict], dtype: str, *corpora: Corpus) -> RowBlock:
    """Consecutive partitions as one row block of X, through the fitted vectorizer."""
    vec = TextVectorizer.from_state(*state)
    return make_block(vec.transform([t for c in corpora for t in c.texts]), dtype)


def _n_empty(block: RowBlock) -> int:
    return int(np.count_nonzero(np.diff(block.X.indptr) == 0))


def vectorize_partitions(corpus: PartitionedCorpus, vectorizer: TextVectorizer | None = None,
                         n_blocks: int | None = None) -> tuple[TextVectorizer, RowBlocks]:
    """Fit ``vectorizer`` (unfitted; default ``TextVectorizer()``) on a partitioned corpus.

    Parameters
    ----------
    corpus : PartitionedCorpus
    vectorizer : TextVectorizer, optional
    n_blocks : int, optional
        Row blocks of X: consecutive partitions are joined into this many
        blocks of about equal rows (:func:`~topicmf.distributed.blocks.consecutive_groups`),
        each made on the worker that read most of them. Default: one block per
        worker thread of the cluster (fewer blocks, fewer tasks per HALS
        iteration), at most one per partition.

    Returns
    -------
    vectorizer : TextVectorizer
        A new fitted vectorizer (from :meth:`~topicmf.TextVectorizer.from_state`),
        the same as ``vectorizer.fit(all documents)`` would give.
    X : RowBlocks
        Made where the partitions were read; Dask can make a lost block again
        from its files.

    Raises
    ------
    ValueError
        Invalid settings, ``clean="auto"`` or boilerplate removal (corpus-wide
        decisions, not reduced across partitions yet; ``clean="on"`` without
        boilerplate, as :func:`~topicmf.pipeline.default_vectorizer` cleans, is
        supported: each partition is cleaned where it is read), no document, no term left (the messages of
        :class:`~topicmf.TextVectorizer`).
    """
    client = corpus.client
    vec = TextVectorizer() if vectorizer is None else vectorizer
    vec._validate_params()
    cleaner_options = dict(vec.cleaner_options or {})
    if vec.clean == "auto" or (vec.clean == "on" and cleaner_options.get("boilerplate", True)):
        raise ValueError("vectorize_partitions: clean='off', or clean='on' with cleaner_options "
                         "{'boilerplate': False, ...}: the decisions of clean='auto' and the boilerplate "
                         "lines are corpus-wide and not reduced across partitions yet; clean each partition "
                         "first, or leave them out.")
    params = _params_document(vec)
    dtype = np.dtype(vec.dtype)
    n_total = len(corpus)
    if n_total == 0:
        raise ValueError("TextVectorizer: the corpus is empty (0 documents); nothing to vectorize.")
    stop_words = vec._resolve_stop_words()  # language-aware, normalised like the tokens

    def here(i: int) -> str | None:
        return corpus.workers[i] if i < len(corpus.workers) else None

    parts = [client.submit(_counts_task, f, params, stop_words, **_dask.on(here(i)))
             for i, f in enumerate(corpus.futures)]
    (counts,) = tree_sum(client, parts, _add_counts).result()
    terms = sorted(counts.df)
    if not terms:
        raise ValueError(
            f"TextVectorizer: all {counts.n_documents} documents are empty ({counts.n_blank}) or contain only "
            f"stop words, numbers or tokens shorter than {vec.min_token_length} characters "
            f"(stop_words={vec.stop_words!r}, numbers={vec.numbers!r}); no term is left.")
    df = np.array([counts.df[t] for t in terms], dtype=np.int64)
    tf = np.array([counts.tf[t] for t in terms], dtype=np.int64).astype(dtype)
    try:
        mask = limit_features(terms, df, tf, counts.n_documents, vec.min_df, vec.max_df, vec.max_features)
        if not mask.any():
            raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    except ValueError as exc:
        raise ValueError(
            f"TextVectorizer: TF-IDF matrix has 0 terms after document-frequency pruning "
            f"(min_df={vec.min_df!r}, max_df={vec.max_df!r}, max_features={vec.max_features!r}, "
            f"{counts.n_documents} documents, {len(terms)} distinct terms before pruning); lower min_df or "
            f"raise max_df. (scikit-learn: {exc})") from None
    kept = [t for t, keep in zip(terms, mask) if keep]
    idf = smooth_idf(df[mask], counts.n_documents, dtype.type)
    surface = surface_labels(counts.surface)
    labels = [" ".join(surface.get(part, part) for part in term.split(" ")) for term in kept]
    fitted = {"stop_words": sorted(stop_words), "terms": kept, "term_labels": labels,
              "n_documents": int(counts.n_documents), "n_empty_documents": 0,
              "cleaner": _merged_cleaner(vec, counts) if vec.clean != "off" else None}
    arrays = {"idf": np.asarray(idf, dtype=np.float64)}
    # a task, not a scatter: the scheduler holds its input, so a worker lost with the state does
    # not take the blocks' recipe with it (a scattered copy was lost once with the only worker
    # that held it, and no block could be rebuilt)
    state_f = client.submit(_vectorizer_state, {"params": params, "fitted": fitted}, arrays, pure=False)
    if n_blocks is None:
        n_blocks = max(1, sum(client.nthreads().values()))
    groups = consecutive_groups(corpus.n_documents, n_blocks)
    where = [here(i) for i in range(len(corpus.futures))]
    made = [client.submit(_transform_partitions, state_f, dtype.name, *[corpus.futures[i] for i in g],
                          **_dask.on(home_of(g, where, corpus.n_documents))) for g in groups]
    blocks = RowBlocks.from_futures(client, made, dtype.name, rebuildable=corpus.rebuildable)
    blocks.keep.append(state_f)  # so Dask can make a lost block again from its partition
    n_empty = int(sum(client.gather([client.submit(_n_empty, b) for b in blocks.futures])))
    logger.info("vectorize_partitions: %d documents, %d terms (%d before pruning), %d blocks",
                counts.n_documents, len(kept), len(terms), blocks.n_blocks)
    return TextVectorizer.from_state({"params": params, "fitted": {**fitted, "n_empty_documents": n_empty}},
                                     arrays), blocks
