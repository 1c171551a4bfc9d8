"""Initial (W, Ht) on row blocks: the same start a single-machine restart takes.

A restart's start (:class:`topicmf.factorize._restarts.Start`) draws W, then
Ht, from one generator. Here Ht is drawn on the client and each W_i on the
worker holding block i: the generator is advanced past the rows before the
block (PCG64 ``advance``: one 64-bit draw per float64), so W_i equals the
same rows of the single-machine W. The tasks are pure functions of plain
numbers, so Dask can redo them anywhere.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from . import _dask
from .blocks import RowBlocks

__all__ = ["initial_factors", "random_scale"]

#: Bit generators whose ``advance(delta)`` skips exactly ``delta`` float64 draws.
_ADVANCEABLE = ("PCG64", "PCG64DXSM")


def random_scale(blocks: RowBlocks, n_topics: int) -> float:
    """The scale of a random start: ``sqrt(mean(X) / n_topics)`` (as ``factorize._init``; 1e-3 for X = 0)."""
    n, m = blocks.shape
    mean = blocks.total / (n * m) if n * m else 0.0
    return float(np.sqrt(max(mean, 0.0) / n_topics)) or 1e-3


def _uniform_rows(state: dict, skip: int, n_rows: int, n_topics: int, scale: float, dtype: str) -> np.ndarray:
    """Rows of ``(2 scale) * rng.random((n, n_topics))`` from draw ``skip`` on (a pure task)."""
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    bit_generator.advance(skip)
    W = (2 * scale) * np.random.Generator(bit_generator).random((n_rows, n_topics))
    return np.ascontiguousarray(W, dtype=dtype)


def _random_start(blocks: RowBlocks, start: Any, workers: list[str | None]) -> tuple[list[Any], np.ndarray]:
    client = blocks.client
    k = start.n_topics
    n, m = blocks.shape
    scale = random_scale(blocks, k)
    rng = copy.deepcopy(start.rng)
    name = type(rng.bit_generator).__name__
    if name in _ADVANCEABLE:
        state = rng.bit_generator.state
        offsets = blocks.offsets
        W = [client.submit(_uniform_rows, state, int(offsets[i]) * k, rows, k, scale, start.dtype,
                           **_dask.on(w))
             for i, (rows, w) in enumerate(zip(blocks.n_rows, workers))]
        rng.bit_generator.advance(n * k)
    else:  # other generators: draw W here and send each block its rows
        W_all = np.ascontiguousarray((2 * scale) * rng.random((n, k)), dtype=start.dtype)
        bounds = blocks.offsets
        W = [client.scatter(W_all[bounds[i]:bounds[i + 1]], workers=[w] if w else None, hash=False)
             for i, w in enumerate(workers)]
        del W_all
    Ht = np.ascontiguousarray((2 * scale) * rng.random((m, k)), dtype=start.dtype)
    return W, Ht


def initial_factors(blocks: RowBlocks, start: Any, workers: list[str | None] | None = None
                    ) -> tuple[list[Any], np.ndarray]:
    """The start ``(W blocks as futures, Ht)`` of one restart on row blocks.

    Parameters
    ----------
    blocks : RowBlocks
    start : topicmf.factorize._restarts.Start
        ``kind`` "random" or "nndsvd".
    workers : list of str or None, optional
        Where each block lives (W_i is made there); default: asked from the scheduler.

    Returns
    -------
    W : list of Future, one ndarray (n_rows_i, n_topics) per block
    Ht : ndarray, shape (n_terms, n_topics)
    """
    _dask.require()
    workers = blocks.locations() if workers is None else workers
    if start.kind == "nndsvd":
        from .nndsvd import nndsvd_start

        return nndsvd_start(blocks, start, workers)
    return _random_start(blocks, start, workers)
