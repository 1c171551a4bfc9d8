"""``TopicNMF(sparsity=...)`` on row blocks: the L1 calibration, with an exact distributed median.

:func:`topicmf.factorize._init.calibrated_l1` sets ``l1_W`` to ``sparsity`` times
the median, over the positive entries of the NNDSVD start W0, of
``W0_ij * ||H0_j||^2``, and ``l2_H = l1_W * sum(W0) / ||H0||^2``. Here W0 is
made block by block (:mod:`.nndsvd`) and the median is found without
gathering W0: each block sorts its values once, rounds of counts below a
grid of thresholds narrow the interval holding the middle rank(s), and the
few values left in it are gathered and sorted. The result is the exact
``numpy.median``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..factorize._restarts import Start, calibration_start
from .blocks import RowBlocks
from .init import random_scale
from .nndsvd import nndsvd_start

__all__ = ["calibrated_l1_blocks", "distributed_median", "GATHER_LIMIT", "GRID"]

#: Values gathered to the client at the end of the median search (at most).
GATHER_LIMIT = 1 << 16
#: Thresholds counted per round of the median search.
GRID = 1024


def _scaled_positive(W_i: np.ndarray, h2: np.ndarray, threshold: float) -> tuple[np.ndarray, float]:
    """Sorted positive ``W_ij * h2_j`` (after zeroing W below ``threshold``) and ``sum(W)`` of the block."""
    W = np.where(W_i > threshold, W_i, 0.0)
    scale = W * h2[None, :]
    return np.sort(scale[W > 0], kind="stable"), float(W.sum())


def _first(pair: tuple) -> np.ndarray:
    return pair[0]


def _second(pair: tuple) -> float:
    return pair[1]


def _count_below(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    return np.searchsorted(values, thresholds, side="left")


def _between(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return values[np.searchsorted(values, lo, side="left"):np.searchsorted(values, hi, side="left")]


def _extremes(values: np.ndarray) -> tuple[int, float, float]:
    return (len(values), float(values[0]), float(values[-1])) if len(values) else (0, np.inf, -np.inf)


def distributed_median(client: Any, sorted_parts: list[Any]) -> float:
    """``numpy.median`` of the concatenation of sorted arrays held by workers (futures); NaN if empty."""
    stats = client.gather([client.submit(_extremes, p) for p in sorted_parts])
    n = sum(s[0] for s in stats)
    if n == 0:
        return float("nan")
    lo_all = min(s[1] for s in stats)
    hi_all = np.nextafter(max(s[2] for s in stats), np.inf)

    def count_below(thresholds: np.ndarray) -> np.ndarray:
        t_f = client.scatter(thresholds, broadcast=True, hash=False)
        return np.sum(client.gather([client.submit(_count_below, p, t_f) for p in sorted_parts]), axis=0)

    def select(rank: int) -> float:
        lo, hi, below = lo_all, hi_all, 0  # the value of rank `rank` is in [lo, hi); `below` values < lo
        while True:
            inside = int(count_below(np.array([hi]))[0]) - below
            if inside <= GATHER_LIMIT:
                values = np.sort(np.concatenate(client.gather(
                    [client.submit(_between, p, lo, hi) for p in sorted_parts])), kind="stable")
                return float(values[rank - below])
            grid = np.unique(np.linspace(lo, hi, GRID + 1))
            if len(grid) <= 2:  # [lo, hi) cannot be split: every value in it is lo
                return float(lo)
            counts = count_below(grid)
            j = int(np.searchsorted(counts, rank, side="right")) - 1  # counts[j] <= rank < counts[j + 1]
            lo, hi, below = grid[j], grid[j + 1], int(counts[j])

    if n % 2:
        return select(n // 2)
    a, b = select(n // 2 - 1), select(n // 2)
    return float(np.mean([a, b]))


def calibrated_l1_blocks(blocks: RowBlocks, n_topics: int, sparsity: float, random_state: Any = None,
                         workers: list[str | None] | None = None, starts: list[Start] | None = None
                         ) -> tuple[float, float]:
    """``(l1_W, l2_H)`` of :func:`topicmf.factorize._init.calibrated_l1`, on row blocks, from the
    same NNDSVD start as on one machine (:func:`topicmf.factorize._restarts.calibration_start`)."""
    if sparsity <= 0:
        return 0.0, 0.0
    client = blocks.client
    start = calibration_start(starts or [], n_topics, random_state)
    workers = blocks.locations() if workers is None else workers
    W0, Ht0 = nndsvd_start(blocks, start, workers)
    threshold = random_scale(blocks, n_topics) * 0.01 * 1.5
    Ht = np.where(Ht0 > threshold, Ht0, 0.0)
    h2 = np.einsum("ij,ij->j", Ht, Ht)
    h2_f = client.scatter(h2, broadcast=True, hash=False)
    pairs = [client.submit(_scaled_positive, w, h2_f, threshold) for w in W0]
    del W0
    sums = client.gather([client.submit(_second, p) for p in pairs])
    median = distributed_median(client, [client.submit(_first, p) for p in pairs])
    if not np.isfinite(median):
        return 0.0, 0.0
    l1 = float(sparsity * median)
    total = 0.0
    for s in sums:  # block order
        total += s
    h2_all = float(np.sum(Ht * Ht))
    return l1, (l1 * total / h2_all if h2_all > 0 else 0.0)
