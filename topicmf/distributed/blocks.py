"""X as row blocks on a Dask cluster: :class:`RowBlocks`, the partitioned matrix the fit runs on.

Each block lives on a worker as a :class:`RowBlock`: X_i (CSR) and the CSR copy
of X_i^T, built there (the transpose never crosses the network). The client
holds futures and a few numbers per block (rows, non-zeros, squared norm,
sum), never the data. Blocks made by tasks (e.g. from partition files,
:func:`topicmf.distributed.vectorize_partitions`) can be rebuilt by Dask when
a worker is lost; blocks scattered from the client cannot.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..factorize._solver import MAX_NNZ
from . import _dask

__all__ = ["RowBlock", "RowBlocks", "make_block", "aligned_csr", "consecutive_groups", "merge_blocks"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class RowBlock:
    """One row block of X, as a worker holds it.

    Attributes
    ----------
    X : scipy.sparse.csr_matrix, shape (n_rows, n_terms)
        Sorted indices, no duplicates, 32-bit indices, the fit's float type.
    XT : scipy.sparse.csr_matrix, shape (n_terms, n_rows)
        The CSR copy of X^T (the H-update's product is a CSR x dense row sweep).
    """

    X: sp.csr_matrix
    XT: sp.csr_matrix


def make_block(X: Any, dtype: str = "float64") -> RowBlock:
    """A :class:`RowBlock` from a sparse (or dense) matrix: checked, cast, sorted, transposed.

    Raises
    ------
    ValueError
        Not 2-D, NaN or infinite values, negative values, or more non-zeros
        than 32-bit indices address.
    """
    X = sp.csr_matrix(X, dtype=np.dtype(dtype))
    if X.ndim != 2:
        raise ValueError(f"a row block must be 2-D; got shape {X.shape}.")
    if X.nnz > MAX_NNZ:
        raise ValueError(f"a row block has {X.nnz:,} non-zeros; the kernels index with 32-bit integers "
                         f"(at most {MAX_NNZ:,}); use more, smaller blocks.")
    if X.nnz and not np.all(np.isfinite(X.data)):
        raise ValueError("a row block holds NaN or infinite values.")
    if X.nnz and X.data.min() < 0:
        raise ValueError(f"a row block holds {int((X.data < 0).sum())} negative entries "
                         f"(minimum {X.data.min():.4g}); X must be non-negative.")
    X.sum_duplicates()
    X.sort_indices()
    X.indices = X.indices.astype(np.int32, copy=False)
    X.indptr = X.indptr.astype(np.int32, copy=False)
    XT = X.T.tocsr()
    XT.sort_indices()
    return RowBlock(X, XT)


def aligned_csr(X: sp.csr_matrix) -> sp.csr_matrix:
    """X itself, or a copy whose arrays are aligned (arrays rebuilt from a network buffer may not
    be, and the backend's C code refuses them)."""
    if all(a.flags.aligned and a.flags.c_contiguous for a in (X.data, X.indices, X.indptr)):
        return X
    return sp.csr_matrix((np.require(X.data, requirements=["A", "C"]), np.require(X.indices, requirements=["A", "C"]),
                          np.require(X.indptr, requirements=["A", "C"])), shape=X.shape)


def block_summary(block: RowBlock) -> tuple[int, int, int, float, float]:
    """``(n_rows, n_terms, nnz, sum of squares, sum)`` of a block, sums in float64."""
    data = block.X.data
    return (int(block.X.shape[0]), int(block.X.shape[1]), int(block.X.nnz),
            float(np.sum(np.square(data, dtype=np.float64))), float(np.sum(data, dtype=np.float64)))


def consecutive_groups(n_rows: Sequence[int], n_groups: int) -> list[list[int]]:
    """Indices of consecutive parts in ``min(n_groups, len(n_rows))`` groups of about equal rows."""
    n = len(n_rows)
    n_groups = min(int(n_groups), n)
    offsets = np.cumsum(n_rows)
    targets = np.linspace(0, offsets[-1] if n else 0, n_groups + 1)[1:]
    groups, first = [], 0
    for j in range(n_groups):
        if j == n_groups - 1:
            end = n - 1
        else:
            end = int(np.searchsorted(offsets, targets[j], side="left"))
            end = max(min(end, n - n_groups + j), first)  # leave a part for each group still to come
        groups.append(list(range(first, end + 1)))
        first = end + 1
    return groups


def home_of(group: Sequence[int], where: Sequence[str | None], n_rows: Sequence[int]) -> str | None:
    """The worker holding most of the group's rows (None if none is known)."""
    rows: dict[str | None, int] = {}
    for i in group:
        rows[where[i]] = rows.get(where[i], 0) + n_rows[i]
    known = {w: n for w, n in rows.items() if w is not None}
    return max(sorted(known), key=lambda w: known[w]) if known else None


def merge_blocks(*blocks: RowBlock) -> RowBlock:
    """Consecutive row blocks as one (X stacked by rows, X^T by columns)."""
    if len(blocks) == 1:
        return blocks[0]
    X = sp.csr_matrix(sp.vstack([b.X for b in blocks], format="csr"))
    XT = sp.csr_matrix(sp.hstack([b.XT for b in blocks], format="csr"))
    for M in (X, XT):
        M.sort_indices()
        M.indices = M.indices.astype(np.int32, copy=False)
        M.indptr = M.indptr.astype(np.int32, copy=False)
    return RowBlock(X, XT)


def block_X(block: RowBlock) -> sp.csr_matrix:
    """X_i alone (to gather a block without its transpose)."""
    return block.X


@dataclass(eq=False)
class RowBlocks:
    """X, shape (n_documents, n_terms), as row blocks held by Dask workers.

    Build it with :meth:`from_matrix` (scatter a matrix of this process),
    :meth:`from_futures` (blocks computed on the workers) or
    :func:`topicmf.distributed.vectorize_partitions` (from partition files).

    Attributes
    ----------
    client : distributed.Client
    futures : list of Future
        One :class:`RowBlock` per block, in row order.
    n_rows : tuple of int
        Rows of each block.
    n_cols : int
    nnz : int
    norm2 : float
        ||X||_F^2, block sums of squares added in block order.
    total : float
        Sum of X's entries, added in block order.
    dtype : str
    rebuildable : bool
        Whether Dask can rebuild a lost block from the tasks that made it.
    keep : list of Future
        Inputs of those tasks that have no recipe of their own (scattered);
        held here so the recipe stays whole.
    """

    client: Any
    futures: list[Any]
    n_rows: tuple[int, ...]
    n_cols: int
    nnz: int
    norm2: float
    total: float
    dtype: str
    rebuildable: bool = True
    keep: list[Any] = field(default_factory=list, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        """(n_documents, n_terms)."""
        return (int(sum(self.n_rows)), int(self.n_cols))

    @property
    def n_blocks(self) -> int:
        return len(self.futures)

    @property
    def offsets(self) -> np.ndarray:
        """First row of each block, shape (n_blocks + 1,) (the last entry is n_documents)."""
        return np.concatenate([[0], np.cumsum(self.n_rows, dtype=np.int64)])

    def __repr__(self) -> str:
        n, m = self.shape
        return f"RowBlocks({n:,} x {m:,}, {self.nnz:,} non-zeros, {self.n_blocks} blocks, {self.dtype})"

    # -- building ------------------------------------------------------------------
    @classmethod
    def from_futures(cls, client: Any, futures: Sequence[Any], dtype: str = "float64", *,
                     rebuildable: bool = True) -> RowBlocks:
        """Blocks from futures of sparse matrices (or :class:`RowBlock`) already on the workers.

        Each is checked and transposed where it lives; the originals are
        released when the caller drops them.

        Raises
        ------
        ValueError
            No block, blocks with different numbers of columns, or a block
            :func:`make_block` rejects (the message names the block).
        """
        _dask.require()
        if not futures:
            raise ValueError("no row blocks: X needs at least one block.")
        dtype = np.dtype(dtype).name
        made = [client.submit(_as_block, f, dtype, i) for i, f in enumerate(futures)]
        summaries = client.gather([client.submit(block_summary, b) for b in made])
        cols = {s[1] for s in summaries}
        if len(cols) != 1:
            raise ValueError(f"row blocks have different numbers of columns: {sorted(cols)}.")
        rows = tuple(s[0] for s in summaries)
        return cls(client, made, rows, cols.pop(), sum(s[2] for s in summaries),
                   float(sum(s[3] for s in summaries)), float(sum(s[4] for s in summaries)), dtype, rebuildable)

    @classmethod
    def from_matrix(cls, client: Any, X: Any, n_blocks: int | None = None, dtype: str = "float64") -> RowBlocks:
        """Split a matrix of this process into ``n_blocks`` row blocks (default: one per worker) and scatter them.

        Scattered blocks have no recipe: if the worker holding one is lost,
        the fit stops with an error (see :attr:`rebuildable`).
        """
        _dask.require()
        X = sp.csr_matrix(X)
        n_workers = max(1, len(_dask.worker_addresses(client)))
        n_blocks = n_workers if n_blocks is None else int(n_blocks)
        if not 1 <= n_blocks <= max(1, X.shape[0]):
            raise ValueError(f"n_blocks must be in [1, n_documents={X.shape[0]}]; got {n_blocks}.")
        bounds = np.linspace(0, X.shape[0], n_blocks + 1).round().astype(int)
        workers = _dask.worker_addresses(client)
        futures = []
        for i in range(n_blocks):
            where = [workers[i * len(workers) // n_blocks]] if workers else None
            futures.append(client.scatter(X[bounds[i]:bounds[i + 1]], workers=where, hash=False))
        return cls.from_futures(client, futures, dtype, rebuildable=False)

    # -- using ---------------------------------------------------------------------
    def locations(self) -> list[str | None]:
        """The worker holding each block now (None when lost or not computed yet)."""
        return [h[0] if h else None for h in _dask.holders(self.client, self.futures)]

    def lost(self) -> list[int]:
        """Blocks that can no longer give a result: cancelled or failed, or, for blocks
        Dask cannot rebuild, held by no worker. (A rebuildable block whose worker
        died is only "lost" until Dask has made it again.)"""
        gone = [i for i, f in enumerate(self.futures) if f.status in ("cancelled", "error")]
        if not gone and not self.rebuildable:
            gone = [i for i, h in enumerate(_dask.holders(self.client, self.futures)) if not h]
        return gone

    def regroup(self, n_blocks: int) -> RowBlocks:
        """The same X in ``n_blocks`` blocks, each the concatenation of consecutive blocks.

        Fewer, larger blocks mean fewer tasks per iteration (each costs the
        scheduler about a millisecond). Groups are fixed by the block sizes
        alone (consecutive blocks, rows as even as the boundaries allow), so
        the fit stays deterministic; a group is made where most of its rows
        live (blocks read by :func:`read_partitions` sit on consecutive
        workers, so one group per worker moves nothing).
        """
        if not 1 <= n_blocks <= self.n_blocks:
            raise ValueError(f"n_blocks must be in [1, {self.n_blocks}]; got {n_blocks}.")
        if n_blocks == self.n_blocks:
            return self
        groups = consecutive_groups(self.n_rows, n_blocks)
        where = self.locations()
        futures = [self.client.submit(merge_blocks, *[self.futures[i] for i in g],
                                      **_dask.on(home_of(g, where, self.n_rows))) for g in groups]
        _dask.require().wait(futures)  # made now, so their workers are known to the fit
        return RowBlocks(self.client, futures, tuple(sum(self.n_rows[i] for i in g) for g in groups), self.n_cols,
                         self.nnz, self.norm2, self.total, self.dtype, self.rebuildable, list(self.keep))

    def __topicmf_fit__(self, estimator: Any) -> list[Any]:
        """Fit ``estimator`` (a :class:`~topicmf.TopicNMF`) on these blocks, in place: what
        ``TopicNMF.fit(row_blocks)`` runs. Returns W's blocks (futures)."""
        from .fit import fit_estimator

        return fit_estimator(estimator, self)

    def gather_X(self) -> sp.csr_matrix:
        """The whole X in this process (vstack of the blocks; for reports on moderate corpora)."""
        parts = self.client.gather([self.client.submit(block_X, b) for b in self.futures])
        return sp.csr_matrix(sp.vstack(parts, format="csr"))


def _as_block(X: Any, dtype: str, index: int) -> RowBlock:
    if isinstance(X, RowBlock):
        if X.X.dtype == np.dtype(dtype):
            return X  # made by make_block already
        X = X.X
    try:
        return make_block(X, dtype)
    except ValueError as exc:
        raise ValueError(f"row block {index}: {exc}") from None
