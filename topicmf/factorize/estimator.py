"""X -> (W, H): the :class:`TopicNMF` estimator and its function twin :func:`factorize`."""

from __future__ import annotations

import logging
import numbers
import time
import warnings
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._restarts import Settings, make_starts, run_restarts
from ._solver import OPTIMIZERS, get_solver

__all__ = ["TopicNMF", "factorize"]

logger = logging.getLogger(__name__)


def _err(name: str, allowed: str, got: Any) -> ValueError:
    return ValueError(f"TopicNMF: {name!r} must be {allowed}; got {got!r}.")


class TopicNMF(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Sparse non-negative matrix factorization X ~ W H with L1/L2 penalties, in Aesara.

    Minimises, over W >= 0 and H >= 0::

        1/2 ||X - W H||^2 + l2_W/2 ||W||^2 + l2_H/2 ||H||^2 + l1_W sum(W) + l1_H sum(H)

    X stays sparse: the loss is expanded so W @ H is never formed, and each
    iteration costs two sparse-dense products (C kernels on all cores) plus
    small (n_topics x n_topics) work. Several random restarts run; the one with
    the lowest final objective is kept.

    Parameters
    ----------
    n_topics : int, default=10
        Number of topics r: W is (n_documents, r), H is (r, n_terms).
    l1_W, l1_H : float, default=0.0
        L1 (sparse coding) penalties: larger values give more exact zeros.
    l2_W, l2_H : float, default=0.0
        L2 penalties (the original formulation's lambda1, lambda2).
    optimizer : {"hals", "mu", "apg", "normalized"}, default="hals"
        ``"hals"``: block coordinate descent with the penalties in closed form
        (fastest). ``"mu"``: multiplicative updates. ``"apg"``: accelerated
        projected gradient on ``aesara.grad`` gradients. ``"normalized"``: the
        original rule ``p <- max(0, p - beta g/||g||)`` with a decaying beta, the
        faithful baseline (slow; kept for comparison). Every optimiser keeps
        the objective from increasing.
    n_restarts : int, default=4
        Random starts; restart i uses child i of ``numpy.random.default_rng(random_state)``.
    init : {"random", "nndsvd"}, default="random"
        ``"nndsvd"`` makes restart 0 an NNDSVD start.
    max_iter : int, default=300
    tol : float, default=5e-5
        Stop a restart when the projected-gradient violation (the distance
        from the optimality conditions, summed over W and H) falls to ``tol``
        times its value at the first iteration. This is the rule of
        scikit-learn's ``cd`` solver with half its default, so from the same
        start a default fit ends at or below cd's loss.
    inner_sweeps : int, default=1
        HALS sweeps per pair of sparse products. 2-3 make more progress per
        product and are often faster for many topics, but they take a
        different path and may settle in a different local minimum.
    race : bool, default=True
        With 3+ restarts, run restart 0 to convergence (T iterations), give
        each other restart T / n_restarts iterations, and continue only the
        most promising of them (one per seven, at least one) for up to T
        iterations: 8 restarts cost under 3 times one. Stopped restarts have ``restart_converged_`` False.
        Set False to run every restart to convergence (e.g. to measure topic
        stability across restarts, as :func:`topicmf.discover` does).
    dtype : {"float64", "float32"}, default="float64"
    random_state : int, Generator, RandomState or None, default=None
    n_jobs : int, optional
        Worker processes for restarts (-1: all cores). The result equals the
        serial run with the same seed.
    verbose : int, default=0
        1: a progress bar over restarts (stderr) and a summary log line.

    Attributes
    ----------
    components_ : ndarray, shape (n_topics, n_terms)
        H of the best restart.
    n_iter_ : int
        Iterations of the best restart.
    reconstruction_err_ : float
        ||X - W H||_F of the best restart.
    loss_history_ : ndarray, shape (n_iter_,)
        Objective after each iteration of the best restart.
    restart_losses_ : ndarray, shape (n_restarts,)
        Final objective of every restart (inf for a diverged one).
    restart_components_ : list of ndarray, each (n_topics, n_terms)
        H of every restart (for topic stability).
    restart_converged_ : ndarray of bool, shape (n_restarts,)
    best_restart_ : int
        ``argmin(restart_losses_)``.
    n_features_in_ : int
    compile_seconds_ : float
        Time spent compiling Aesara functions during this fit (0 when reused).

    Examples
    --------
    >>> import topicmf as tm
    >>> X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))
    >>> model = tm.TopicNMF(n_topics=6, random_state=0).fit(X)
    >>> model.components_.shape[0]
    6
    """

    def __init__(
        self,
        n_topics: int = 10,
        *,
        l1_W: float = 0.0,
        l1_H: float = 0.0,
        l2_W: float = 0.0,
        l2_H: float = 0.0,
        optimizer: Literal["hals", "mu", "apg", "normalized"] = "hals",
        n_restarts: int = 4,
        init: Literal["random", "nndsvd"] = "random",
        max_iter: int = 300,
        tol: float = 5e-5,
        inner_sweeps: int = 1,
        race: bool = True,
        dtype: Literal["float64", "float32"] = "float64",
        random_state: Any = None,
        n_jobs: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_topics = n_topics
        self.l1_W = l1_W
        self.l1_H = l1_H
        self.l2_W = l2_W
        self.l2_H = l2_H
        self.optimizer = optimizer
        self.n_restarts = n_restarts
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.inner_sweeps = inner_sweeps
        self.race = race
        self.dtype = dtype
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    # -- validation ------------------------------------------------------------
    def _check_params(self, X: sp.csr_matrix) -> None:
        n, m = X.shape
        if not isinstance(self.n_topics, numbers.Integral) or isinstance(self.n_topics, bool) or self.n_topics < 1:
            raise _err("n_topics", "an int >= 1", self.n_topics)
        if self.n_topics > min(n, m):
            raise ValueError(
                f"TopicNMF: 'n_topics' must be at most min(n_documents, n_terms) = min({n}, {m}) "
                f"= {min(n, m)}; got {self.n_topics} (X has n_samples={n}, n_features={m})."
            )
        for name in ("l1_W", "l1_H", "l2_W", "l2_H"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Real) or isinstance(v, bool) or not np.isfinite(v) or v < 0:
                raise _err(name, "a float >= 0", v)
        if self.optimizer not in OPTIMIZERS:
            raise _err("optimizer", "one of " + ", ".join(map(repr, OPTIMIZERS)), self.optimizer)
        if self.init not in ("random", "nndsvd"):
            raise _err("init", "'random' or 'nndsvd'", self.init)
        for name, lo in (("n_restarts", 1), ("max_iter", 1), ("inner_sweeps", 1)):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < lo:
                raise _err(name, f"an int >= {lo}", v)
        if not isinstance(self.tol, numbers.Real) or not self.tol >= 0:
            raise _err("tol", "a float >= 0", self.tol)
        if np.dtype(self.dtype).name not in ("float64", "float32"):
            raise _err("dtype", "'float64' or 'float32'", self.dtype)
        if self.n_jobs is not None and (not isinstance(self.n_jobs, numbers.Integral) or self.n_jobs == 0):
            raise _err("n_jobs", "None, a positive int or a negative int (-1: all cores)", self.n_jobs)

    def _validate_X(self, X: Any, reset: bool) -> sp.csr_matrix:
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            raise _err("dtype", "'float64' or 'float32'", self.dtype) from None
        if dtype.name not in ("float64", "float32"):
            raise _err("dtype", "'float64' or 'float32'", self.dtype)
        X = validate_data(self, X, accept_sparse="csr", dtype=[dtype], reset=reset, ensure_min_samples=1)
        X = sp.csr_matrix(X, dtype=dtype)  # dense input accepted (converted once; X is small then)
        if X.nnz and (X.data.min() < 0):
            raise ValueError(
                f"TopicNMF: X must be non-negative; got {int((X.data < 0).sum())} negative entries "
                f"(minimum {X.data.min():.4g}). Negative values in data cannot be factorized."
            )
        X.sum_duplicates()
        X.sort_indices()
        return X

    # -- fitting -----------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> "TopicNMF":
        """Learn W and H from X, shape (n_documents, n_terms)."""
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None, W: Any = None, H: Any = None) -> np.ndarray:
        """Learn W and H; return W, shape (n_documents, n_topics)."""
        return self._fit(X)

    def _settings(self) -> Settings:
        return Settings(
            optimizer=self.optimizer, dtype=np.dtype(self.dtype).name,
            l1_W=float(self.l1_W), l1_H=float(self.l1_H), l2_W=float(self.l2_W), l2_H=float(self.l2_H),
            inner_sweeps=int(self.inner_sweeps), max_iter=int(self.max_iter), tol=float(self.tol),
        )

    def _fit(self, X: Any) -> np.ndarray:
        X = self._validate_X(X, reset=True)
        self._check_params(X)
        t0 = time.perf_counter()
        XT = X.T.tocsr()
        settings = self._settings()
        starts = make_starts(X, self.n_topics, self.n_restarts, self.init, self.random_state, settings.dtype)
        solver = get_solver(settings.optimizer, settings.dtype)
        compile_seconds = solver.compile()
        bar = None
        if self.verbose:
            from tqdm.auto import tqdm

            bar = tqdm(desc=f"TopicNMF k={self.n_topics}", unit="restart", leave=False, disable=None)
        try:
            results = run_restarts(
                X, XT, starts, settings, n_jobs=self.n_jobs,
                race=bool(self.race), progress=(bar.update if bar is not None else None),
            )
        finally:
            if bar is not None:
                bar.close()
        losses = np.array([r.loss if (np.isfinite(r.loss) and not r.diverged) else np.inf for r in results])
        for i, r in enumerate(results):
            if r.diverged or not np.isfinite(r.loss):
                warnings.warn(
                    f"TopicNMF: restart {i} diverged (non-finite objective after {r.n_iter} iterations) "
                    "and was discarded; the other restarts are kept.",
                    RuntimeWarning, stacklevel=3,
                )
        if not np.isfinite(losses).any():
            raise FloatingPointError(
                "TopicNMF: every restart diverged (non-finite objective); check X for huge values "
                "or use optimizer='hals'."
            )
        best = int(np.argmin(losses))
        r = results[best]
        W, H = r.W, np.ascontiguousarray(r.Ht.T)
        self.components_ = H
        self.n_iter_ = int(r.n_iter)
        self.loss_history_ = np.asarray(r.loss_history, dtype=np.float64)
        self.restart_losses_ = losses
        self.restart_components_ = [np.ascontiguousarray(x.Ht.T) for x in results]
        self.restart_converged_ = np.array([x.converged for x in results])
        self.restart_n_iter_ = np.array([x.n_iter for x in results])
        self.best_restart_ = best
        self.reconstruction_err_ = float(_reconstruction_err(X, W, H))
        self.n_components_ = self.n_topics
        self.compile_seconds_ = float(compile_seconds)
        self.fit_seconds_ = time.perf_counter() - t0
        self._n_terms = X.shape[1]
        if self.verbose:
            logger.info(
                "TopicNMF: k=%d, best restart %d of %d, loss %.6g, %d iterations, %.2fs",
                self.n_topics, best, self.n_restarts, losses[best], self.n_iter_, self.fit_seconds_,
            )
        return W

    # -- using the fit -----------------------------------------------------------
    def transform(self, X: Any, *, max_iter: int = 500, tol: float = 1e-6) -> np.ndarray:
        """W for X with H fixed, shape (n_documents, n_topics).

        Solves the same penalised problem for W only (HALS sweeps on the same
        C kernel), from a least-squares start, until W changes by less than
        ``tol`` relative to its largest entry.
        """
        check_is_fitted(self, "components_")
        X = self._validate_X(X, reset=False)
        H = self.components_
        solver = get_solver("hals", np.dtype(self.dtype).name)
        solver.set_penalties(self.l1_W, self.l1_H, self.l2_W, self.l2_H, 1)
        G = H @ H.T + (self.l2_W + 1e-12) * np.eye(H.shape[0])
        W0 = np.maximum(np.asarray(X @ H.T) - self.l1_W, 0) @ np.linalg.pinv(G)
        W0 = np.maximum(W0, 0)
        try:
            W = solver.transform(X, np.ascontiguousarray(H.T), W0, max_iter, tol)
        finally:
            solver.release()
        return W

    def inverse_transform(self, W: Any) -> np.ndarray:
        """W @ H, shape (n_documents, n_terms): dense, so only for a few documents."""
        check_is_fitted(self, "components_")
        W = np.asarray(W, dtype=np.float64)
        return W @ self.components_

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
        return tags


def _reconstruction_err(X: sp.csr_matrix, W: np.ndarray, H: np.ndarray) -> float:
    """||X - W H||_F without forming W H: ||X||^2 - 2 <W, X H^T> + <W^T W, H H^T>."""
    cross = float(np.sum(W * np.asarray(X @ H.T)))
    sq = float(X.data @ X.data) - 2 * cross + float(np.sum((W.T @ W) * (H @ H.T)))
    return float(np.sqrt(max(sq, 0.0)))


def factorize(X: Any, n_topics: int, **params: Any) -> tuple[np.ndarray, np.ndarray]:
    """Function twin of :class:`TopicNMF`: return ``(W, H)``.

    Parameters
    ----------
    X : sparse or dense matrix, shape (n_documents, n_terms), non-negative
    n_topics : int
    **params
        Any :class:`TopicNMF` parameter.

    Returns
    -------
    W : ndarray, shape (n_documents, n_topics)
    H : ndarray, shape (n_topics, n_terms)
    """
    model = TopicNMF(n_topics=n_topics, **params)
    W = model.fit_transform(X)
    return W, model.components_
