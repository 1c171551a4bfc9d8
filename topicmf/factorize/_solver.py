"""The one place that compiles backend functions; runs one restart to convergence.

A :class:`Solver` owns shared variables for X (CSR, plus a CSR copy of X^T), W,
Ht and the penalties, and one optimiser from the registry (``optimizers/``),
and compiles each step function once. The graphs do not depend on the matrix
sizes or on n_topics, so one solver serves every restart, every n_topics of a
sweep and ``transform``: new data arrive by ``set_value``. Solvers are cached
per process and thread (a compiled function must not be shared between
threads) and hold no data between fits.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import _graph
from ._backend import compile_function, shared, sparse
from ._extrapolation import Extrapolation, extrapolated
from ._settling import Settling
from .optimizers import get_optimizer

__all__ = ["Solver", "get_solver", "RestartResult", "MAX_NNZ"]

#: The kernels index X with 32-bit integers.
MAX_NNZ = 2**31 - 2

_local = threading.local()


@dataclass
class RestartResult:
    """One restart's outcome (NumPy only)."""

    W: np.ndarray | None  # dropped (None) once the restart cannot be the best
    Ht: np.ndarray | None
    loss: float
    n_iter: int
    converged: bool
    diverged: bool
    loss_history: list[float] = field(default_factory=list)
    seconds: float = 0.0
    violation0: float | None = None
    start: Any = None  # how the restart began (a _restarts.Start)
    settled: bool = False  # stopped because its topics stopped changing (``Settling``), not converged
    matched: bool = False  # stopped because its topics matched the reference restart's (``Settling``)

    @property
    def met_stopping_rule(self) -> bool:
        """Converged, or stopped by a rule that stands for convergence: its topics settled or
        matched the reference's (what ``TopicNMF.restart_converged_`` reports)."""
        return self.converged or self.settled or self.matched

    @property
    def finished(self) -> bool:
        """Converged, diverged or matched the reference: nothing more to run."""
        return self.converged or self.diverged or self.matched


class Solver:
    """Compiled steps of one optimiser for one float type.

    Parameters
    ----------
    optimizer : str
        A name registered in :mod:`topicmf.factorize.optimizers`.
    dtype : {"float64", "float32"}
    openmp : bool
        Run the C kernels on several threads.
    """

    def __init__(self, optimizer: str, dtype: str = "float64", openmp: bool = True) -> None:
        optimizer_cls = get_optimizer(optimizer)
        self.optimizer = optimizer
        self.dtype = np.dtype(dtype).name
        self.openmp = openmp
        ft = self.dtype
        z_mat = np.zeros((1, 1), dtype=ft)

        def scalar(v: float, name: str) -> Any:
            return shared(np.asarray(v, dtype=ft), name=name)

        def parts(prefix: str) -> tuple[Any, Any, Any]:
            return (shared(np.zeros(0, dtype=ft), name=f"{prefix}_data", borrow=True),
                    shared(np.zeros(0, dtype="int32"), name=f"{prefix}_indices", borrow=True),
                    shared(np.zeros(2, dtype="int32"), name=f"{prefix}_indptr", borrow=True))

        self.X_sparse = sparse.shared(sp.csr_matrix((1, 1), dtype=ft), name="X", borrow=True)
        self.X_parts = parts("X")
        self.XT_parts = parts("XT")
        self.W = shared(z_mat.copy(), name="W", borrow=True)
        self.Ht = shared(z_mat.copy(), name="Ht", borrow=True)
        self.problem = _graph.Problem(
            X_sparse=self.X_sparse, X_parts=self.X_parts, XT_parts=self.XT_parts, W=self.W, Ht=self.Ht,
            norm_X2=scalar(0.0, "norm_X2"), l1_W=scalar(0.0, "l1_W"), l1_H=scalar(0.0, "l1_H"),
            l2_W=scalar(0.0, "l2_W"), l2_H=scalar(0.0, "l2_H"),
            n_sweeps=shared(np.int64(1), name="n_sweeps"), openmp=openmp,
        )
        self.rule = optimizer_cls(self.problem, ft)
        # W-only (transform) buffers
        self.A = shared(z_mat.copy(), name="A", borrow=True)
        self.B = shared(z_mat.copy(), name="B", borrow=True)
        self._fns: dict[str, Any] = {}
        self.compile_seconds = 0.0

    # -- compilation: once per solver ----------------------------------------
    def _build(self, key: str) -> Any:
        p = self.problem
        if key == "step":
            g = self.rule.build_step()
            return compile_function([], [g.loss, g.accepted, g.violation], updates=g.updates,
                                    name=f"{self.optimizer}_step_fn", kernels_only=self.rule.kernels_only)
        if key == "loss":
            return compile_function([], _graph.build_objective(p), name="loss_fn")
        if key == "transform_prepare":
            return compile_function([], [], updates=_graph.build_transform_prepare(p, self.A, self.B),
                                    name="transform_prepare_fn")
        if key == "transform_step":
            change, updates = _graph.build_transform_step(p, self.A, self.B)
            return compile_function([], change, updates=updates, name="transform_step_fn")
        raise KeyError(key)

    def _function(self, key: str) -> Any:
        fn = self._fns.get(key)
        if fn is None:
            t0 = time.perf_counter()
            fn = self._fns[key] = self._build(key)
            self.compile_seconds += time.perf_counter() - t0
        return fn

    def compile(self, transform: bool = False) -> float:
        """Compile the step (and transform) functions now; return seconds spent."""
        before = self.compile_seconds
        self._function("step")
        if transform:
            self._function("transform_prepare")
            self._function("transform_step")
        return self.compile_seconds - before

    # -- data -------------------------------------------------------------------
    def set_data(self, X: sp.csr_matrix, XT: sp.csr_matrix | None = None) -> None:
        """Load X (CSR, this solver's dtype) and, for fitting, its CSR transpose (no copies).

        Raises
        ------
        ValueError
            X has more non-zeros than 32-bit indices address (:data:`MAX_NNZ`).
        """
        if X.nnz > MAX_NNZ:
            raise ValueError(
                f"X has {X.nnz:,} non-zeros; the kernels index with 32-bit integers "
                f"(at most {MAX_NNZ:,}). Split the corpus into row blocks."
            )
        self.X_sparse.set_value(X, borrow=True)
        for var, arr in zip(self.X_parts, (X.data, X.indices, X.indptr)):
            var.set_value(arr.astype(var.dtype, copy=False), borrow=True)
        if XT is not None:
            for var, arr in zip(self.XT_parts, (XT.data, XT.indices, XT.indptr)):
                var.set_value(arr.astype(var.dtype, copy=False), borrow=True)
        self.problem.norm_X2.set_value(np.asarray(np.sum(np.square(X.data, dtype=np.float64)), dtype=self.dtype))

    def set_penalties(self, l1_W: float, l1_H: float, l2_W: float, l2_H: float, inner_sweeps: int) -> None:
        """Set the penalty weights and the HALS sweeps per step."""
        p = self.problem
        for var, v in ((p.l1_W, l1_W), (p.l1_H, l1_H), (p.l2_W, l2_W), (p.l2_H, l2_H)):
            var.set_value(np.asarray(v, dtype=self.dtype))
        p.n_sweeps.set_value(np.int64(inner_sweeps))

    def set_factors(self, W: np.ndarray, Ht: np.ndarray) -> None:
        """Start from (W, Ht); reset the optimiser's state."""
        self.W.set_value(np.array(W, dtype=self.dtype, order="C"), borrow=True)
        self.Ht.set_value(np.array(Ht, dtype=self.dtype, order="C"), borrow=True)
        self.rule.reset(W, Ht, self.loss)

    def get_factors(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the current (W, Ht)."""
        return self.W.get_value(borrow=False), self.Ht.get_value(borrow=False)

    def data(self) -> sp.csr_matrix:
        """The X this solver holds (to build a start where the data already are)."""
        return self.X_sparse.get_value(borrow=True)

    def release(self) -> None:
        """Drop references to the data and factors (the solver stays compiled)."""
        z = np.zeros((1, 1), dtype=self.dtype)
        empty = sp.csr_matrix((1, 1), dtype=self.dtype)
        self.set_data(empty, empty)
        for var in (self.W, self.Ht, self.A, self.B):
            var.set_value(z.copy())
        self.rule.release()

    # -- running ----------------------------------------------------------------
    def loss(self) -> float:
        """f at the current (W, Ht), through the differentiable graph."""
        return float(self._function("loss")())

    def step(self) -> tuple[float, bool, float]:
        """One iteration; returns f after it, whether the step was taken, and the
        projected-gradient violation measured during it."""
        loss, accepted, violation = self._function("step")()
        return float(loss), bool(accepted), float(violation)

    def run(self, max_iter: int, tol: float, history: list[float] | None = None,
            start_iter: int = 0, violation0: float | None = None,
            extrapolate: bool = False, settle: Settling | None = None) -> tuple[int, bool, bool, float | None]:
        """Iterate from the current factors.

        Stops, as scikit-learn's ``cd`` solver does, when the projected-gradient
        violation falls to ``tol`` times that of the first iteration
        (``violation0``, measured now when None); also after 20 rejected steps
        in a row, or at ``max_iter`` iterations in total (a hard limit).
        ``extrapolate``: start each step from the extrapolated point of the last
        two iterates (:mod:`._extrapolation`; optimisers whose ``extrapolates``
        is False ignore it); a discarded step counts as an iteration and repeats
        the previous loss in ``history``. The factors left are always an iterate.
        ``settle``: also stop once the topics stop changing (:mod:`._settling`;
        then ``settle.done`` is True and ``converged`` False).
        Returns ``(n_iter, converged, diverged, violation0)``.
        """
        history = [] if history is None else history
        rejected = 0
        it = start_iter
        ex = Extrapolation() if extrapolate and self.rule.extrapolates else None
        previous = current = None
        if ex is not None:
            current = self.get_factors()
        while it < max_iter:
            if ex is not None and ex.extrapolate and previous is not None and current is not None:
                self.W.set_value(extrapolated(current[0], previous[0], ex.beta), borrow=True)
                self.Ht.set_value(extrapolated(current[1], previous[1], ex.beta), borrow=True)
            loss, accepted, violation = self.step()
            it += 1
            if not np.isfinite(loss) or not np.isfinite(violation):
                return it, False, True, violation0
            if ex is not None and current is not None:
                if not ex.judge(loss):  # the objective rose: back to the last iterate
                    self.W.set_value(current[0].copy(), borrow=True)
                    self.Ht.set_value(current[1].copy(), borrow=True)
                    history.append(ex.best)
                    continue
                previous, current = current, self.get_factors()
            history.append(loss)
            if violation0 is None:
                violation0 = violation
            if not accepted:
                rejected += 1
                if rejected >= 20:
                    return it, True, False, violation0
                continue
            rejected = 0
            if violation <= tol * violation0:
                return it, True, False, violation0
            if settle is not None and settle.settled(it, self.Ht.get_value(borrow=True)):
                return it, False, False, violation0
        return it, False, False, violation0

    def transform(self, X: sp.csr_matrix, Ht: np.ndarray, W0: np.ndarray, max_iter: int, tol: float) -> np.ndarray:
        """W for X with H fixed: HALS sweeps until W changes by less than ``tol``."""
        self.set_data(X)
        self.W.set_value(np.array(W0, dtype=self.dtype, order="C"), borrow=True)
        self.Ht.set_value(np.array(Ht, dtype=self.dtype, order="C"), borrow=True)
        self._function("transform_prepare")()
        step = self._function("transform_step")
        for _ in range(max_iter):
            if float(step()) <= tol:
                break
        return self.W.get_value(borrow=False)


def get_solver(optimizer: str, dtype: str = "float64", openmp: bool = True) -> Solver:
    """The compiled solver of this thread for (optimizer, dtype, openmp), created on first use."""
    cache = getattr(_local, "solvers", None)
    if cache is None:
        cache = _local.solvers = {}
    key = (optimizer, np.dtype(dtype).name, openmp)
    solver = cache.get(key)
    if solver is None:
        solver = cache[key] = Solver(optimizer, dtype, openmp)
    return solver
