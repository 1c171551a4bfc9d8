"""The pipeline on a Dask cluster: partitioned corpora, row blocks of X, distributed HALS.

Dask (``dask.distributed``) is the engine; topicmf adds no scheduler or RPC
of its own. The corpus is read as partitions on the workers, the vocabulary
comes from document frequencies reduced across partitions, X stays on the
workers as row blocks X_i with their W_i, and each HALS iteration reduces
``X_i^T W_i`` and ``W_i^T W_i`` to update H on the client, which is broadcast
back. The same C kernels run on every worker.

- :mod:`.blocks`: :class:`RowBlocks`, X as row blocks on the workers.
- :mod:`.corpus`: partition files read on the workers; two-pass vectorizing.
- :mod:`.init`, :mod:`.nndsvd`: the single-machine starts, computed block by block.
- :mod:`.hals`: the distributed iteration, checkpoints and recovery from lost workers.
- :mod:`.fit`: :func:`fit_partitioned` -> a fitted :class:`~topicmf.TopicNMF`.
- :mod:`.executor`: :class:`DaskExecutor`, restarts of an in-memory X as tasks.
- :mod:`.pipeline`: :func:`discover_partitioned` -> a :class:`~topicmf.report.TopicReport`.
- :mod:`.cluster`: :func:`open_client`, a client for the command line.
- :mod:`.tables`: :func:`write_document_topics`, document tables written per block (Parquet).
- :mod:`.sparsity`: ``TopicNMF(sparsity=...)``'s calibration on blocks (exact distributed median).

Importing this package does not import Dask; the functions do, and say how
to install it when it is missing.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "RowBlock": "blocks",
    "RowBlocks": "blocks",
    "make_block": "blocks",
    "PartitionedCorpus": "corpus",
    "read_partitions": "corpus",
    "read_dataframe": "corpus",
    "scatter_corpus": "corpus",
    "vectorize_partitions": "corpus",
    "DistributedHals": "hals",
    "PartitionedExecutor": "hals",
    "as_row_blocks": "fit",
    "fit_estimator": "fit",
    "fit_partitioned": "fit",
    "fit_transform_partitioned": "fit",
    "transform_partitioned": "fit",
    "gather_W": "fit",
    "DaskExecutor": "executor",
    "discover_partitioned": "pipeline",
    "open_client": "cluster",
    "write_document_topics": "tables",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
