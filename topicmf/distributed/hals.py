"""HALS on row blocks held by Dask workers: the single-machine iteration, split by rows.

One iteration (the same arithmetic as ``factorize/optimizers/hals.py``):

1. The client scatters Ht and HHt = Ht^T Ht (the workers fetch them from each other).
2. Each block i, on the worker holding it, sweeps W_i (``X_i Ht`` and HHt)
   and returns its partials ``(X_i^T W_i, W_i^T W_i, stats_W_i, violation_W_i)``;
   the new W_i stays there (:func:`topicmf.factorize._blocks.block_step`).
3. The partials are summed by a binary tree over block indices, always in
   the same order, so the sums do not depend on where tasks ran.
4. The client sweeps Ht (:func:`topicmf.factorize._blocks.h_step`), computes
   the loss from the reduced statistics and applies the stopping rule of
   :meth:`topicmf.factorize._solver.Solver.run`: ``violation0`` from the first
   iteration, stop at ``violation <= tol * violation0``, ``max_iter`` a hard limit.

Every task is a pure function of its inputs, so a result Dask recomputes is
the one it lost. When a worker is lost mid-fit, the iteration is repeated
from the last checkpoint (W every ``checkpoint_every`` iterations, a copy
kept on another worker; Ht on the client) or, if that is gone too, from the
restart's start; the iterations are deterministic, so the fit ends where it
would have. Blocks Dask cannot rebuild (scattered from the client, or
cancelled by ``client.restart()``) stop the fit with an error naming them.
"""

from __future__ import annotations

import contextlib
import copy as copy_module
import logging
import operator
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..factorize import _blocks
from ..factorize._executor import Settings, make_watch
from ..factorize._extrapolation import Extrapolation, extrapolated
from ..factorize._settling import Settling
from ..factorize._solver import RestartResult
from ..factorize._threads import limit_threads
from . import _dask
from .blocks import RowBlock, RowBlocks
from .init import initial_factors

__all__ = ["DistributedHals", "PartitionedExecutor", "tree_sum", "CHECKPOINT_EVERY", "MAX_RECOVERIES"]

logger = logging.getLogger(__name__)

#: Iterations between checkpoints of W (0: none; a lost worker then means a replay from the start).
CHECKPOINT_EVERY = 10
#: Lost-worker recoveries allowed per restart before the fit gives up.
MAX_RECOVERIES = 3

#: Seconds a scatter of Ht may take before it counts as a lost worker.
SCATTER_TIMEOUT = 120.0
#: Seconds to wait before recovery attempt i (times i), while the scheduler notices a dead worker.
RECOVERY_PAUSE = 1.0

#: ``callback(restart, iteration, loss, violation)``, called on the client after each iteration.
Callback = Callable[[int, int, float, float], Any]


# -- tasks (pure functions; they run on the workers) --------------------------------------

def _threads(n_threads: int | None) -> Any:
    return limit_threads(n_threads) if n_threads else contextlib.nullcontext()


def _block_task(block: RowBlock, W_i: np.ndarray, Ht: np.ndarray, HHt: np.ndarray, l1_W: float, l2_W: float,
                n_sweeps: int, n_threads: int | None) -> tuple[np.ndarray, tuple]:
    """New W_i and this block's partials ``(X_i^T W_i, W_i^T W_i, stats_W_i, violation_W_i)``."""
    with _threads(n_threads):
        W_new, stats, viol, XtW, WtW = _blocks.block_step(block.X, block.XT, Ht, W_i, HHt, l1_W, l2_W, n_sweeps)
    return W_new, (XtW, WtW, stats, viol)


def _point_task(block: RowBlock, W_i: np.ndarray, n_threads: int | None) -> tuple:
    """Partials at the current W_i, no step: ``(X_i^T W_i, W_i^T W_i, [sum, sum of squares, 0], 0)``."""
    with _threads(n_threads):
        XtW, WtW = _blocks.h_partials(block.XT, W_i)
    stats = np.array([W_i.sum(), np.square(W_i).sum(), 0.0], dtype=W_i.dtype)
    return XtW, WtW, stats, 0.0


def _add(a: tuple, b: tuple) -> tuple:
    """Element-wise sum of two partials (new arrays; the inputs stay as they are)."""
    return tuple(x + y for x, y in zip(a, b))


def tree_sum(client: Any, parts: Sequence[Any], add: Callable[[Any, Any], Any] = _add) -> Any:
    """Future of the sum of ``parts`` by a binary tree in index order: ((p0+p1)+(p2+p3))+...

    The order depends only on the number of parts, so the floating-point sum
    is the same wherever the additions run. ``add(a, b)`` must return a new
    value (the inputs are Dask's and stay as they are).
    """
    level = list(parts)
    if not level:
        raise ValueError("tree_sum: nothing to add.")
    while len(level) > 1:
        nxt = [client.submit(add, level[j], level[j + 1]) for j in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


# -- the driver (runs on the client) ------------------------------------------------------

@dataclass
class _Checkpoint:
    n_iter: int
    W: list[Any]  # W's blocks, then (with extrapolation) the previous iterate's
    copies: list[Any] | None
    Ht: np.ndarray
    n_history: int
    violation0: float | None
    previous_Ht: np.ndarray | None = None  # extrapolation: the previous iterate's Ht and the rule's state
    extrapolation: Extrapolation | None = None
    settling: Settling | None = None  # the settling rule's snapshot, so a rewound run stops where it would have

    def split(self, n_blocks: int) -> tuple[list[Any], tuple[list[Any], np.ndarray] | None]:
        """``(W, previous)`` as :meth:`DistributedHals.advance` holds them."""
        if self.previous_Ht is None:
            return list(self.W[:n_blocks]), None
        return list(self.W[:n_blocks]), (list(self.W[n_blocks:]), self.previous_Ht)


class DistributedHals:
    """Runs HALS restarts on :class:`RowBlocks`, iteration by iteration, on their cluster.

    Parameters
    ----------
    blocks : RowBlocks
    settings : topicmf.factorize._executor.Settings
        ``optimizer`` must be ``"hals"``.
    checkpoint_every : int, default=CHECKPOINT_EVERY (10)
        Keep W (and a copy on another worker) every this many iterations; 0: never.
    max_recoveries : int, default=MAX_RECOVERIES (3)
        Lost-worker recoveries per restart before giving up with ``RuntimeError``.
    callback : callable(restart, iteration, loss, violation), optional
    n_threads : int, optional
        OpenMP threads of the kernels in each task; default: the worker's setting
        (Dask's nanny sets ``OMP_NUM_THREADS=1``).
    """

    def __init__(self, blocks: RowBlocks, settings: Settings, *, checkpoint_every: int = CHECKPOINT_EVERY,
                 max_recoveries: int = MAX_RECOVERIES, callback: Callback | None = None,
                 n_threads: int | None = None) -> None:
        if settings.optimizer != "hals":
            raise ValueError(f"only optimizer='hals' runs on row blocks; got {settings.optimizer!r}.")
        self.blocks = blocks
        self.client = blocks.client
        self.s = settings
        self.checkpoint_every = int(checkpoint_every)
        self.max_recoveries = int(max_recoveries)
        self.callback = callback
        self.n_threads = n_threads
        self.norm2 = float(np.asarray(blocks.norm2, dtype=settings.dtype))
        self.recoveries = 0
        self._where: list[str | None] = blocks.locations()

    # -- one iteration ---------------------------------------------------------------
    def _submit(self, i: int, fn: Callable, *args: Any) -> Any:
        where = self._where[i]
        return self.client.submit(fn, *args, **_dask.on(where))

    def _reduce(self, parts: list[Any]) -> tuple:
        return tree_sum(self.client, parts).result()

    def iterate(self, W: list[Any], Ht: np.ndarray, HHt: np.ndarray
                ) -> tuple[list[Any], np.ndarray, np.ndarray, float, float]:
        """One HALS iteration from (W, Ht); returns ``(W_new, Ht_new, HHt_new, loss, violation)``."""
        s, c = self.s, self.client
        # to one worker, not broadcast: the others fetch it from there (peer to peer), and a
        # broadcast can wait forever on a worker that dies meanwhile
        Ht_f, HHt_f = c.scatter([Ht, HHt], hash=False, timeout=SCATTER_TIMEOUT)
        W_new, parts = [], []
        for i, (block, W_i) in enumerate(zip(self.blocks.futures, W)):
            out = self._submit(i, _block_task, block, W_i, Ht_f, HHt_f, s.l1_W, s.l2_W, s.inner_sweeps,
                               self.n_threads)
            W_new.append(self._submit(i, operator.getitem, out, 0))
            parts.append(self._submit(i, operator.getitem, out, 1))
        XtW, WtW, stats_W, viol_W = self._reduce(parts)
        Ht_new, stats_H, viol_H = _blocks.h_step(Ht, XtW, WtW, s.l1_H, s.l2_H, s.inner_sweeps)
        HHt_new = _blocks.gram(Ht_new)
        fit = 0.5 * (self.norm2 - 2.0 * float(stats_H[2]) + float(np.sum(WtW * HHt_new)))
        loss = (fit + 0.5 * s.l2_W * float(stats_W[1]) + 0.5 * s.l2_H * float(stats_H[1])
                + s.l1_W * float(stats_W[0]) + s.l1_H * float(stats_H[0]))
        return W_new, Ht_new, HHt_new, float(loss), float(viol_W) + float(viol_H)

    def products(self, W: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(X^T W, W^T W, [sum W, sum W^2, 0])`` at the given W (one pass, no step)."""
        parts = [self._submit(i, _point_task, b, W_i, self.n_threads)
                 for i, (b, W_i) in enumerate(zip(self.blocks.futures, W))]
        XtW, WtW, stats, _ = self._reduce(parts)
        return XtW, WtW, stats

    def loss(self, W: list[Any], Ht: np.ndarray) -> float:
        """f at (W, Ht)."""
        s = self.s
        XtW, WtW, stats = self.products(W)
        fit = 0.5 * (self.norm2 - 2.0 * float(np.sum(Ht * XtW)) + float(np.sum(WtW * _blocks.gram(Ht))))
        return float(fit + 0.5 * s.l2_W * stats[1] + 0.5 * s.l2_H * float(np.sum(np.square(Ht)))
                     + s.l1_W * stats[0] + s.l1_H * float(np.sum(Ht)))

    def reconstruction_err(self, W: list[Any], Ht: np.ndarray) -> float:
        """||X - W H||_F without forming W H."""
        XtW, WtW, _ = self.products(W)
        sq = self.norm2 - 2.0 * float(np.sum(Ht * XtW)) + float(np.sum(WtW * _blocks.gram(Ht)))
        return float(np.sqrt(max(sq, 0.0)))

    # -- checkpoints and recovery ---------------------------------------------------
    def _checkpoint(self, n_iter: int, W: list[Any], Ht: np.ndarray, n_history: int,
                    violation0: float | None, copy: bool = True, ex: Extrapolation | None = None,
                    previous: tuple[list[Any], np.ndarray] | None = None,
                    settling: Settling | None = None) -> _Checkpoint:
        """W (and the previous iterate's W) kept, with a copy on another worker when ``copy``."""
        if ex is not None and previous is not None:
            W = list(W) + list(previous[0])
        copies = None
        workers = _dask.worker_addresses(self.client) if copy else []
        if len(workers) >= 2:
            copies = []
            for W_i, held in zip(W, _dask.holders(self.client, W)):
                home = held[0] if held else workers[0]
                other = workers[(workers.index(home) + 1) % len(workers)] if home in workers else workers[0]
                copies.append(self.client.submit(np.copy, W_i, workers=[other], allow_other_workers=True,
                                                 pure=False))
        return _Checkpoint(n_iter, list(W), copies, Ht.copy(), n_history, violation0,
                           None if previous is None or ex is None else previous[1].copy(),
                           None if ex is None else copy_module.copy(ex), copy_module.deepcopy(settling))

    def _check_blocks(self, error: BaseException) -> None:
        gone = self.blocks.lost()
        if gone:
            shown = ", ".join(map(str, gone[:10])) + (" ..." if len(gone) > 10 else "")
            how = ("they were scattered from this process, so Dask cannot rebuild them"
                   if not self.blocks.rebuildable else "their futures were cancelled (client.restart()?)")
            raise RuntimeError(
                f"row block(s) {shown} of X were lost with a worker and {how}; build X again "
                f"(blocks made by tasks, e.g. vectorize_partitions, can be rebuilt) and fit again. "
                f"({type(error).__name__}: {error})"
            ) from error

    def _rewind(self, ck: _Checkpoint, start: Any) -> _Checkpoint:
        """The checkpoint to continue from: ``ck`` if W survives there (original or copy), else the start."""
        n = len(ck.W)
        held = _dask.holders(self.client, ck.W + (ck.copies or []))
        W = []
        for i in range(n):
            if held[i]:
                W.append(ck.W[i])
            elif ck.copies is not None and held[n + i]:
                W.append(ck.copies[i])
            else:
                break
        self._where = self.blocks.locations()
        if len(W) == n:
            logger.warning("distributed HALS: continuing from the checkpoint at iteration %d", ck.n_iter)
            return _Checkpoint(ck.n_iter, W, None, ck.Ht, ck.n_history, ck.violation0, ck.previous_Ht,
                               ck.extrapolation, ck.settling)
        logger.warning("distributed HALS: the checkpoint at iteration %d was lost too; "
                       "repeating the restart from its start", ck.n_iter)
        W0, Ht0 = initial_factors(self.blocks, start, self._where)
        return _Checkpoint(0, W0, None, Ht0, 0, None)

    # -- a restart -----------------------------------------------------------------
    def advance(self, state: RestartResult, until: int) -> RestartResult:
        """Continue one restart up to ``until`` iterations in total (as ``_executor.advance_restart``)."""
        t0 = time.perf_counter()
        s = self.s
        W: Any = state.W  # a list of futures, one per block (RestartResult.W is typed for one process)
        Ht: Any = state.Ht
        if W is None or Ht is None:
            W, Ht = initial_factors(self.blocks, state.start, self._where)
        history = list(state.loss_history)
        it, v0 = state.n_iter, state.violation0
        # extrapolation between iterations, as Solver.run: the same rule, W_i extrapolated on its worker
        ex = Extrapolation() if s.extrapolate else None
        previous: tuple[list[Any], np.ndarray] | None = None
        ck = self._checkpoint(it, W, Ht, len(history), v0, copy=False, ex=ex)
        HHt = _blocks.gram(Ht)
        converged = diverged = False
        settling = make_watch(s)
        recoveries = 0
        lost = _dask.lost_data_errors()
        while it < until:
            W_at, Ht_at, HHt_at = W, Ht, HHt
            if ex is not None and ex.extrapolate and previous is not None:
                W_at = [self._submit(i, extrapolated, W[i], previous[0][i], ex.beta) for i in range(len(W))]
                Ht_at = extrapolated(Ht, previous[1], ex.beta)
                HHt_at = _blocks.gram(Ht_at)
            try:
                W_new, Ht_new, HHt_new, loss, violation = self.iterate(W_at, Ht_at, HHt_at)
            except lost as exc:
                self._check_blocks(exc)
                recoveries += 1
                self.recoveries += 1
                if recoveries > self.max_recoveries:
                    raise RuntimeError(
                        f"distributed HALS: workers were lost {recoveries} times during restart "
                        f"{getattr(state.start, 'index', '?')} (max_recoveries={self.max_recoveries}); "
                        f"last: {type(exc).__name__}: {exc}"
                    ) from exc
                logger.warning("distributed HALS: lost results at iteration %d (%s: %s)", it + 1,
                               type(exc).__name__, exc)
                time.sleep(RECOVERY_PAUSE * recoveries)  # let the scheduler drop the dead worker
                ck = self._rewind(ck, state.start)
                (W, previous), Ht = ck.split(len(self.blocks.futures)), ck.Ht.copy()
                it, v0 = ck.n_iter, ck.violation0
                settling = (copy_module.deepcopy(ck.settling) if ck.settling is not None
                            else make_watch(s))
                del history[ck.n_history:]
                HHt = _blocks.gram(Ht)
                ex = None if not s.extrapolate else (
                    copy_module.copy(ck.extrapolation) if ck.extrapolation is not None else Extrapolation())
                continue
            it += 1
            if not np.isfinite(loss) or not np.isfinite(violation):
                W, Ht, HHt = W_new, Ht_new, HHt_new
                diverged = True
                break
            if ex is not None:
                if not ex.judge(loss):  # the objective rose: stay at the last iterate
                    history.append(ex.best)
                    continue
                previous = (W, Ht)
            W, Ht, HHt = W_new, Ht_new, HHt_new
            history.append(loss)
            if v0 is None:
                v0 = violation
            if self.callback is not None:
                self.callback(getattr(state.start, "index", 0), it, loss, violation)
            if violation <= s.tol * v0:
                converged = True
                break
            if settling is not None and settling.settled(it, Ht):
                break
            if self.checkpoint_every and it % self.checkpoint_every == 0:
                ck = self._checkpoint(it, W, Ht, len(history), v0, ex=ex, previous=previous, settling=settling)
        if diverged:
            loss = np.inf
        else:
            loss = history[-1] if history else self.loss(W, Ht)
        return RestartResult(W, Ht, float(loss), it, converged, diverged, history,
                             state.seconds + time.perf_counter() - t0, v0, state.start,
                             settled=settling is not None and settling.done and not settling.matched,
                             matched=settling is not None and settling.matched)


@dataclass
class PartitionedExecutor:
    """The :class:`~topicmf.factorize._executor.Executor` of restarts on :class:`RowBlocks`.

    Restarts run one after the other, each iteration on the whole cluster; X
    is the ``RowBlocks`` (``XT`` is unused: each block holds its transpose).
    A restart's W stays on the workers (a list of futures in ``RestartResult.W``).
    """

    checkpoint_every: int = CHECKPOINT_EVERY
    max_recoveries: int = MAX_RECOVERIES
    callback: Callback | None = None
    n_threads: int | None = None
    recoveries: int = 0

    def advance(self, X: RowBlocks, XT: Any, states: Sequence[RestartResult], indices: Sequence[int],
                s: Settings, until: int, on_result: Callable[[int, RestartResult], None]) -> None:
        hals = DistributedHals(X, s, checkpoint_every=self.checkpoint_every, max_recoveries=self.max_recoveries,
                               callback=self.callback, n_threads=self.n_threads)
        try:
            for i in indices:
                st = states[i]
                on_result(i, st if st.finished else hals.advance(st, until))
        finally:
            self.recoveries += hals.recoveries
