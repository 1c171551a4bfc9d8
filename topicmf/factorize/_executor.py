"""Where restarts run: this process, or worker processes (joblib); later Dask.

An executor advances a batch of restarts to a number of iterations and hands
each result back as soon as it is ready (``on_result``), so the caller can drop
factors it no longer needs. Results do not depend on the executor: a restart is
a pure function of (X, its start, the settings, its iteration budget).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from ..defaults import INNER_SWEEPS, SWEEPS_COST_RATIO
from ._settling import Settling
from ._solver import RestartResult, Solver, get_solver
from ._threads import limit_threads

__all__ = ["Settings", "Executor", "SerialExecutor", "ProcessExecutor", "advance_restart", "choose_inner_sweeps",
           "make_executor", "make_watch"]

OnResult = Callable[[int, RestartResult], None]


@dataclass(frozen=True)
class Settings:
    """Everything a restart needs besides X and its start (picklable)."""

    optimizer: str
    dtype: str
    l1_W: float
    l1_H: float
    l2_W: float
    l2_H: float
    inner_sweeps: int
    max_iter: int
    tol: float
    n_threads: int = 1
    extrapolate: bool = False
    settle: bool = False  # stop once the topics stop changing (:mod:`._settling`)
    #: unit topic directions of the converged reference restart, shape (n_terms, n_topics):
    #: stop once the topics match them (:mod:`._settling`, ``MATCH_TOL``)
    reference: np.ndarray | None = field(default=None, compare=False, repr=False)


def choose_inner_sweeps(inner_sweeps: int | None, nnz: int, n_documents: int, n_terms: int,
                        n_topics: int) -> int:
    """HALS sweeps per pair of sparse products: ``inner_sweeps`` when given, else
    ``INNER_SWEEPS`` when the products cost at least ``SWEEPS_COST_RATIO`` times a sweep
    (``nnz >= ratio (n_documents + n_terms) n_topics``), else 1."""
    if inner_sweeps is not None:
        return int(inner_sweeps)
    sweep_cost = float(n_documents + n_terms) * max(n_topics, 1)
    return INNER_SWEEPS if nnz >= SWEEPS_COST_RATIO * sweep_cost else 1


def make_watch(s: Settings) -> Settling | None:
    """The stopping watcher a restart runs under: settling and/or matching, or None."""
    if not s.settle and s.reference is None:
        return None
    return Settling(settle=s.settle, reference=s.reference)


def _solver_for(X: sp.csr_matrix, XT: sp.csr_matrix, s: Settings) -> Solver:
    solver = get_solver(s.optimizer, s.dtype, openmp=True)
    solver.set_data(X, XT)
    solver.set_penalties(s.l1_W, s.l1_H, s.l2_W, s.l2_H, s.inner_sweeps)
    return solver


def advance_restart(solver: Solver, state: RestartResult, s: Settings, until: int) -> RestartResult:
    """Continue one restart from its state up to ``until`` iterations in total."""
    t0 = time.perf_counter()
    W, Ht = state.W, state.Ht
    if W is None or Ht is None:
        W, Ht = state.start.realize(solver.data())
    solver.set_factors(W, Ht)  # apg/normalized: momentum and step restart here
    history = list(state.loss_history)
    settling = make_watch(s)
    n_iter, converged, diverged, v0 = solver.run(until, s.tol, history, start_iter=state.n_iter,
                                                 violation0=state.violation0, extrapolate=s.extrapolate,
                                                 settle=settling)
    W, Ht = solver.get_factors()
    if diverged:
        loss = np.inf
    else:
        loss = history[-1] if history else solver.loss()
    return RestartResult(W, Ht, float(loss), n_iter, converged, diverged, history,
                         state.seconds + time.perf_counter() - t0, v0, state.start,
                         settled=settling is not None and settling.done and not settling.matched,
                         matched=settling is not None and settling.matched)


class Executor(Protocol):
    """Advances restarts; ``on_result(i, state)`` is called once per index, in any order."""

    def advance(self, X: sp.csr_matrix, XT: sp.csr_matrix, states: Sequence[RestartResult],
                indices: Sequence[int], s: Settings, until: int, on_result: OnResult) -> None: ...


class SerialExecutor:
    """Every restart in this process, one after the other, on one compiled solver."""

    def advance(self, X, XT, states, indices, s, until, on_result) -> None:
        solver = _solver_for(X, XT, s)
        try:
            with limit_threads(s.n_threads):
                for i in indices:
                    st = states[i]
                    on_result(i, st if st.finished else advance_restart(solver, st, s, until))
        finally:
            solver.release()


def _run_batch(X, XT, batch: list[RestartResult], s: Settings, until: int) -> list[RestartResult]:
    """Advance several restarts in one worker process (a joblib task)."""
    out: list[RestartResult] = []
    SerialExecutor().advance(X, XT, batch, range(len(batch)), s, until, lambda i, st: out.append(st))
    return out


@dataclass
class ProcessExecutor:
    """Restarts spread over ``n_jobs`` worker processes (joblib's loky backend).

    Each worker runs its share with ``Settings.n_threads`` kernel threads, so
    the processes together never ask for more threads than the fit was given.
    """

    n_jobs: int

    def advance(self, X, XT, states, indices, s, until, on_result) -> None:
        from joblib import Parallel, delayed

        batches = [b for b in (list(indices)[k::self.n_jobs] for k in range(self.n_jobs)) if b]
        if not batches:
            return
        results = Parallel(n_jobs=len(batches), backend="loky")(
            delayed(_run_batch)(X, XT, [states[i] for i in batch], s, until) for batch in batches
        )
        for batch, res in zip(batches, results):
            for i, st in zip(batch, res):
                on_result(i, st)


def make_executor(n_jobs: int) -> Any:
    """A :class:`SerialExecutor` for ``n_jobs <= 1``, else a :class:`ProcessExecutor`."""
    return SerialExecutor() if n_jobs <= 1 else ProcessExecutor(n_jobs)
