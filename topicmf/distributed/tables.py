"""Document-level tables written where the documents are, one Parquet file per row block.

For corpora too large to collect on the client (100 M documents), the report's
``document_topics`` table is written by the workers instead: each row block's
documents, with the same columns and values as
:attr:`topicmf.report.TopicReport.document_topics` gives for them. Nothing
document-sized reaches the client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..defaults import LOW_CONFIDENCE
from ..model.topics import document_topics_table, term_scores, topic_labels, unit_topics
from ..partitions import concat_corpora
from . import _dask
from .corpus import PartitionedCorpus

__all__ = ["write_document_topics"]


def _block_groups(partition_rows: tuple[int, ...], block_rows: tuple[int, ...]) -> list[list[int]]:
    """The partitions of each row block (blocks join consecutive partitions; an empty
    partition goes with the block where it falls)."""
    bounds = np.cumsum(block_rows)
    groups: list[list[int]] = [[] for _ in block_rows]
    end = 0
    for p, rows in enumerate(partition_rows):
        start, end = end, end + rows
        j = min(int(np.searchsorted(bounds, start, side="right")), len(block_rows) - 1)
        if end > bounds[j]:
            raise ValueError(f"partition {p} straddles row blocks: the blocks were not made from these partitions.")
        groups[j].append(p)
    if end != (bounds[-1] if len(bounds) else 0):
        raise ValueError(f"the partitions hold {end} documents, the blocks {bounds[-1] if len(bounds) else 0}.")
    return groups


def _write_block(path: str, W: np.ndarray, H: np.ndarray, labels: list[str], low_confidence: float, offset: int,
                 *parts: Any) -> int:
    corpus = concat_corpora(list(parts), "block")
    W_unit, _ = unit_topics(W, H)
    table = document_topics_table(W_unit, corpus, labels, low_confidence,
                                  index=pd.RangeIndex(offset, offset + len(corpus)))
    table.to_parquet(path)
    return len(table)


def write_document_topics(client: Any, corpus: PartitionedCorpus, W_blocks: list[Any], model: Any,
                          vectorizer: Any, folder: str | Path, *,
                          low_confidence: float = LOW_CONFIDENCE) -> list[str]:
    """Write ``document_topics`` of every row block as ``folder/part-NNNNN.parquet``, on its worker.

    Parameters
    ----------
    client : distributed.Client
    corpus : PartitionedCorpus
        The documents the blocks were vectorized from (:func:`vectorize_partitions`).
    W_blocks : list of futures
        W's blocks, as :func:`fit_transform_partitioned` or :func:`transform_partitioned` return.
    model : TopicNMF
        The fitted model (its ``components_`` scale W and name the topics).
    vectorizer : TextVectorizer
        The fitted vectorizer (topic names from its term labels, in relevance order).
    folder : str or Path
        Created if needed; the workers must be able to write there (a shared path).
    low_confidence : float, default=LOW_CONFIDENCE

    Returns
    -------
    list of str
        The files written, in document order. Read them back with
        ``pandas.read_parquet(folder)``; the index is each document's position in the corpus.

    Raises
    ------
    ImportError
        pyarrow is not installed on the workers (``pip install "topicmf[parquet]"``).
    ValueError
        The blocks do not match the partitions.
    """
    H = np.asarray(model.components_)
    labels = topic_labels(H, list(vectorizer.get_term_labels()), scores=term_scores(H, vectorizer))
    block_rows = tuple(int(r) for r in client.gather([client.submit(len, w) for w in W_blocks]))
    groups = _block_groups(corpus.n_documents, block_rows)
    Path(folder).mkdir(parents=True, exist_ok=True)
    paths, futures, offset = [], [], 0
    for j, (group, w) in enumerate(zip(groups, W_blocks)):
        path = str(Path(folder) / f"part-{j:05d}.parquet")
        where = _dask.holders(client, [w])[0]
        futures.append(client.submit(_write_block, path, w, H, labels, float(low_confidence), offset,
                                     *[corpus.futures[p] for p in group], **_dask.on(where[0] if where else None)))
        paths.append(path)
        offset += sum(corpus.n_documents[p] for p in group)
    client.gather(futures)
    return paths
