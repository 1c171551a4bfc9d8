"""Restarts of an X that fits one worker, as Dask tasks: :class:`DaskExecutor`.

The :class:`~topicmf.factorize._executor.Executor` protocol with a cluster
behind it: X and X^T go to every worker once, each restart advances in one
task (the single-machine solver, compiled once per worker thread), and
results come back as they finish. A restart is a pure function of (X, its
state, the settings, its budget), so results equal :class:`SerialExecutor`'s
and a task Dask re-runs after losing a worker gives the same answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import scipy.sparse as sp

from ..factorize._executor import SerialExecutor, Settings
from ..factorize._solver import RestartResult
from . import _dask
from .blocks import aligned_csr

__all__ = ["DaskExecutor"]


def _advance_one(X: sp.csr_matrix, XT: sp.csr_matrix, state: RestartResult, s: Settings,
                 until: int) -> RestartResult:
    """One restart advanced to ``until`` iterations, on a worker (a pure task)."""
    out: list[RestartResult] = []
    SerialExecutor().advance(aligned_csr(X), aligned_csr(XT), [state], [0], s, until, lambda i, st: out.append(st))
    return out[0]


@dataclass
class DaskExecutor:
    """Advance restarts as tasks on a Dask cluster (``TopicNMF``'s restarts, ``select_k``'s sweeps).

    Parameters
    ----------
    client : distributed.Client
    n_threads : int, default=1
        OpenMP threads of the kernels in each task (a worker with T threads runs
        T restarts at once, so 1 keeps it from oversubscribing its cores).

    Examples
    --------
    >>> from topicmf.factorize._restarts import make_starts, run_restarts   # doctest: +SKIP
    >>> results = run_restarts(X, X.T.tocsr(), make_starts(10, 8, "nndsvd", 0, "float64"), settings,
    ...                        executor=DaskExecutor(client))              # doctest: +SKIP
    """

    client: Any
    n_threads: int = 1
    _sent: tuple | None = field(default=None, repr=False)

    def _data(self, X: sp.csr_matrix, XT: sp.csr_matrix) -> tuple[Any, Any]:
        """X and X^T on every worker, sent once per pair of matrices."""
        if self._sent is None or self._sent[0] is not X or self._sent[1] is not XT:
            X_f, XT_f = self.client.scatter([X, XT], broadcast=True, hash=False)
            self._sent = (X, XT, X_f, XT_f)
        return self._sent[2], self._sent[3]

    def release(self) -> None:
        """Drop the matrices from the workers."""
        self._sent = None

    def advance(self, X: sp.csr_matrix, XT: sp.csr_matrix, states: Sequence[RestartResult],
                indices: Sequence[int], s: Settings, until: int,
                on_result: Callable[[int, RestartResult], None]) -> None:
        _dask.require()
        from distributed import as_completed

        todo = []
        for i in indices:
            if states[i].finished:
                on_result(i, states[i])
            else:
                todo.append(i)
        if not todo:
            return
        X_f, XT_f = self._data(X, XT)
        task_settings = dataclasses.replace(s, n_threads=int(self.n_threads))
        futures = {self.client.submit(_advance_one, X_f, XT_f, states[i], task_settings, until, pure=False): i
                   for i in todo}
        for future in as_completed(futures):
            on_result(futures[future], future.result())
