"""The one place that compiles Aesara functions; runs restarts to convergence.

A :class:`Solver` owns shared variables for X (CSR, plus a CSR copy of X^T), W,
Ht and the penalties, and compiles each step function once. The graphs do not
depend on the matrix sizes or on n_topics, so one solver serves every restart,
every n_topics of a sweep and ``transform``: new data arrive by ``set_value``.
Solvers are cached per process and thread (a compiled function must not be
shared between threads) and hold no data between fits.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

from ._backend import aesara
import aesara.sparse as asp  # noqa: E402
import aesara.tensor as at  # noqa: E402

from . import _graph  # noqa: E402

__all__ = ["Solver", "get_solver", "RestartResult", "OPTIMIZERS"]

Optimizer = Literal["hals", "mu", "apg", "normalized"]
OPTIMIZERS: tuple[str, ...] = ("hals", "mu", "apg", "normalized")

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
    start: object = None  # how the restart began (a _restarts.Start)


class Solver:
    """Compiled steps of one optimiser for one float type.

    Parameters
    ----------
    optimizer : {"hals", "mu", "apg", "normalized"}
    dtype : {"float64", "float32"}
    openmp : bool
        Run the C kernels on all cores.
    """

    def __init__(self, optimizer: Optimizer, dtype: str = "float64", openmp: bool = True) -> None:
        self.optimizer = optimizer
        self.dtype = np.dtype(dtype).name
        self.openmp = openmp
        ft = self.dtype
        z_mat = np.zeros((1, 1), dtype=ft)
        z_csr = sp.csr_matrix((1, 1), dtype=ft)
        sc = lambda v, name: aesara.shared(np.asarray(v, dtype=ft), name=name)  # noqa: E731
        self.X_sparse = asp.shared(z_csr, name="X", borrow=True)
        self.X_parts = tuple(
            aesara.shared(np.zeros(n, dtype=t), name=f"X_{s}", borrow=True)
            for s, n, t in (("data", 0, ft), ("indices", 0, "int32"), ("indptr", 2, "int32"))
        )
        self.XT_parts = tuple(
            aesara.shared(np.zeros(n, dtype=t), name=f"XT_{s}", borrow=True)
            for s, n, t in (("data", 0, ft), ("indices", 0, "int32"), ("indptr", 2, "int32"))
        )
        self.W = aesara.shared(z_mat.copy(), name="W", borrow=True)
        self.Ht = aesara.shared(z_mat.copy(), name="Ht", borrow=True)
        self.problem = _graph.Problem(
            X_sparse=self.X_sparse,
            X_parts=self.X_parts,
            XT_parts=self.XT_parts,
            W=self.W,
            Ht=self.Ht,
            norm_X2=sc(0.0, "norm_X2"),
            l1_W=sc(0.0, "l1_W"),
            l1_H=sc(0.0, "l1_H"),
            l2_W=sc(0.0, "l2_W"),
            l2_H=sc(0.0, "l2_H"),
            n_sweeps=aesara.shared(np.int64(1), name="n_sweeps"),
            openmp=openmp,
        )
        # optimiser state (apg, normalized), and W-only (transform) buffers
        self.f_old = sc(np.inf, "f_old")
        self.beta_W = sc(1.0, "beta_W")
        self.beta_H = sc(1.0, "beta_H")
        self.t = sc(1.0, "t")
        self.W_prev = aesara.shared(z_mat.copy(), name="W_prev", borrow=True)
        self.Ht_prev = aesara.shared(z_mat.copy(), name="Ht_prev", borrow=True)
        self.A = aesara.shared(z_mat.copy(), name="A", borrow=True)
        self.B = aesara.shared(z_mat.copy(), name="B", borrow=True)
        self._fns: dict[str, object] = {}
        self.compile_seconds = 0.0

    # -- compilation: once per solver ----------------------------------------
    def _function(self, key: str):
        fn = self._fns.get(key)
        if fn is not None:
            return fn
        t0 = time.perf_counter()
        p = self.problem
        if key == "step":
            if self.optimizer == "hals":
                out = _graph.build_hals_step(p)
            elif self.optimizer == "mu":
                out = _graph.build_mu_step(p)
            elif self.optimizer == "normalized":
                out = _graph.build_normalized_step(p, self.beta_W, self.beta_H, self.f_old)
            else:
                out = _graph.build_apg_step(p, self.W_prev, self.Ht_prev, self.t, self.f_old)
            loss, accepted, violation, updates = out
            fn = aesara.function([], [loss, accepted, violation], updates=updates,
                                 name=f"{self.optimizer}_step_fn")
        elif key == "loss":
            fn = aesara.function([], _graph.build_objective(p), name="loss_fn")
        elif key == "transform_prepare":
            fn = aesara.function([], [], updates=_graph.build_transform_prepare(p, self.A, self.B),
                                 name="transform_prepare_fn")
        elif key == "transform_step":
            change, updates = _graph.build_transform_step(p, self.A, self.B)
            fn = aesara.function([], change, updates=updates, name="transform_step_fn")
        else:  # pragma: no cover
            raise KeyError(key)
        self.compile_seconds += time.perf_counter() - t0
        self._fns[key] = fn
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
        """Load X (CSR, this solver's dtype) and, for fitting, its CSR transpose (no copies)."""
        if X.nnz >= 2**31 - 1:
            raise ValueError(
                f"TopicNMF: X has {X.nnz:,} non-zeros; the kernels index with 32-bit integers "
                "(at most 2,147,483,646). Split the corpus into row blocks."
            )
        self.X_sparse.set_value(X, borrow=True)
        for var, arr in zip(self.X_parts, (X.data, X.indices, X.indptr)):
            var.set_value(arr.astype(var.dtype, copy=False), borrow=True)
        if XT is not None:
            for var, arr in zip(self.XT_parts, (XT.data, XT.indices, XT.indptr)):
                var.set_value(arr.astype(var.dtype, copy=False), borrow=True)
        self.problem.norm_X2.set_value(np.asarray(np.sum(np.square(X.data, dtype=np.float64)), dtype=self.dtype))

    def set_penalties(self, l1_W: float, l1_H: float, l2_W: float, l2_H: float, inner_sweeps: int) -> None:
        p = self.problem
        for var, v in ((p.l1_W, l1_W), (p.l1_H, l1_H), (p.l2_W, l2_W), (p.l2_H, l2_H)):
            var.set_value(np.asarray(v, dtype=self.dtype))
        p.n_sweeps.set_value(np.int64(inner_sweeps))

    def set_factors(self, W: np.ndarray, Ht: np.ndarray) -> None:
        """Start from (W, Ht); reset the optimiser's state."""
        self.W.set_value(np.array(W, dtype=self.dtype, order="C"), borrow=True)
        self.Ht.set_value(np.array(Ht, dtype=self.dtype, order="C"), borrow=True)
        if self.optimizer in ("apg", "normalized"):
            self.f_old.set_value(np.asarray(self.loss(), dtype=self.dtype))
            self.t.set_value(np.asarray(1.0, dtype=self.dtype))
            self.W_prev.set_value(self.W.get_value(), borrow=False)
            self.Ht_prev.set_value(self.Ht.get_value(), borrow=False)
            self.beta_W.set_value(np.asarray(0.1 * np.linalg.norm(W) + 1e-12, dtype=self.dtype))
            self.beta_H.set_value(np.asarray(0.1 * np.linalg.norm(Ht) + 1e-12, dtype=self.dtype))

    def get_factors(self) -> tuple[np.ndarray, np.ndarray]:
        return self.W.get_value(borrow=False), self.Ht.get_value(borrow=False)

    def release(self) -> None:
        """Drop references to the data and factors (the solver stays compiled)."""
        z = np.zeros((1, 1), dtype=self.dtype)
        self.set_data(sp.csr_matrix((1, 1), dtype=self.dtype), sp.csr_matrix((1, 1), dtype=self.dtype))
        for var in (self.W, self.Ht, self.W_prev, self.Ht_prev, self.A, self.B):
            var.set_value(z.copy())

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
            start_iter: int = 0, violation0: float | None = None) -> tuple[int, bool, bool, float | None]:
        """Iterate from the current factors.

        Stops, as scikit-learn's ``cd`` solver does, when the projected-gradient
        violation falls to ``tol`` times that of the first iteration
        (``violation0``, measured now when None); also after 20 rejected steps
        in a row, or at ``max_iter`` iterations in total. Returns
        ``(n_iter, converged, diverged, violation0)``.
        """
        history = [] if history is None else history
        rejected = 0
        it = start_iter
        while it < max_iter:
            loss, accepted, violation = self.step()
            it += 1
            if not np.isfinite(loss) or not np.isfinite(violation):
                return it, False, True, violation0
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


def get_solver(optimizer: Optimizer, dtype: str = "float64", openmp: bool = True) -> Solver:
    """The compiled solver of this thread for (optimizer, dtype, openmp), created on first use."""
    cache = getattr(_local, "solvers", None)
    if cache is None:
        cache = _local.solvers = {}
    key = (optimizer, np.dtype(dtype).name, openmp)
    solver = cache.get(key)
    if solver is None:
        solver = cache[key] = Solver(optimizer, dtype, openmp)
    return solver
