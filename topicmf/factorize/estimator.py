"""X -> (W, H): the :class:`TopicNMF` estimator and its function twin :func:`nmf`."""

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

from ..defaults import INIT, MAX_ITER, N_RESTARTS, N_TOPICS, TOL
from ._backend import backend_info
from ._executor import Settings, choose_inner_sweeps
from ._init import calibrated_l1
from ._restarts import best_restart, calibration_start, make_starts, run_restarts
from ._solver import get_solver
from ._threads import choose_threads
from .optimizers import names as optimizer_names

__all__ = ["TopicNMF", "nmf"]

logger = logging.getLogger(__name__)

#: Bounds on parameters read from untrusted places (model files).
_PARAM_BOUNDS = {"n_topics": 100_000, "n_restarts": 10_000, "max_iter": 10_000_000, "inner_sweeps": 1_000,
                 "n_jobs": 4096, "n_threads": 4096, "verbose": 100}
#: Fitted attributes that are arrays (saved as arrays) and scalars (saved as JSON).
_FITTED_ARRAYS = ("components_", "loss_history_", "restart_losses_", "restart_components_",
                  "restart_converged_", "restart_n_iter_")
_FITTED_SCALARS = {"n_iter_": int, "reconstruction_err_": float, "best_restart_": int, "n_features_in_": int,
                   "n_threads_": int, "l1_W_": float, "l2_H_": float, "inner_sweeps_": int}
#: Fitted scalars that older model files may lack.
_OPTIONAL_FITTED = ("n_threads_", "l1_W_", "l2_H_", "inner_sweeps_")


def _err(name: str, allowed: str, got: Any) -> ValueError:
    return ValueError(f"TopicNMF: {name!r} must be {allowed}; got {got!r}.")


def _is_int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _race(race: Any) -> bool | str:
    """``race`` as :func:`._restarts.run_restarts` takes it (True, False or "topics")."""
    return "topics" if isinstance(race, str) else bool(race)


class TopicNMF(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Sparse non-negative matrix factorization X ~ W H with L1/L2 penalties.

    Minimises, over W >= 0 and H >= 0::

        1/2 ||X - W H||^2 + l2_W/2 ||W||^2 + l2_H/2 ||H||^2 + l1_W sum(W) + l1_H sum(H)

    X stays sparse: the loss is expanded so W @ H is never formed, and each
    iteration costs two sparse-dense products (C kernels) plus small
    (n_topics x n_topics) work. Several restarts run; the one with the lowest
    final objective is kept (a restart stopped because it reached the first
    restart's optimum stands for that optimum, see ``race``).

    Parameters
    ----------
    n_topics : int, default=N_TOPICS (10)
        Number of topics r: W is (n_documents, r), H is (r, n_terms).
    n_components : int, optional
        scikit-learn's name for ``n_topics``; when given, it wins.
    l1_W, l1_H : float, default=0.0
        L1 (sparse coding) penalties: larger values give more exact zeros.
        Absolute: their effect depends on the scale of X.
    sparsity : float, default=0.0
        L1 on W relative to the data: ``sparsity`` times the typical size of
        a coordinate gradient of W, measured at the NNDSVD start (the median,
        over the start's positive entries, of ``W0_ij * (H0 H0^T)_jj``), is
        added to ``l1_W``. So 0.1 means about "a document's weight in a topic
        below a tenth of a typical weight becomes zero", whatever the corpus
        size or TF-IDF scaling. An L2 weight on H is added with it
        (``l2_H = l1_W sum(W0) / ||H0||^2``), so the fit cannot escape the
        penalty by shrinking W and growing H. The weights in force are
        ``l1_W_`` and ``l2_H_``.
    l2_W, l2_H : float, default=0.0
        L2 penalties (the original formulation's lambda1, lambda2).
    optimizer : {"hals", "mu", "apg", "normalized"}, default="hals"
        A name from :mod:`topicmf.factorize.optimizers`. ``"hals"``: block
        coordinate descent with the penalties in closed form (fastest).
        ``"mu"``: multiplicative updates. ``"apg"``: accelerated projected
        gradient on autodiff gradients. ``"normalized"``: the original rule
        ``p <- max(0, p - beta g/||g||)`` with a decaying beta, the faithful
        baseline (slow; kept for comparison). None lets the objective rise.
    n_restarts : int, default=N_RESTARTS (4)
        Restart i uses child i of ``numpy.random.default_rng(random_state)``.
    init : {"nndsvd", "random"}, default=INIT ("nndsvd")
        ``"nndsvd"`` makes restart 0 an NNDSVD start (a truncated SVD made
        non-negative: it begins close to a good solution, so fewer iterations
        are needed); the other restarts are random. ``"random"``: all random.
    max_iter : int, default=MAX_ITER (300)
        Hard limit on each restart's iterations.
    tol : float, default=TOL (1e-4)
        Stop a restart when the projected-gradient violation (the distance
        from the optimality conditions, summed over W and H) falls to ``tol``
        times its value at the first iteration: scikit-learn's ``cd`` rule.
    inner_sweeps : int, optional
        HALS sweeps per pair of sparse products. A sweep over W and H costs
        (n_documents + n_terms) x n_topics^2, the two products non-zeros x
        n_topics. Default: chosen per fit, ``INNER_SWEEPS`` (2) when the
        products cost at least ``SWEEPS_COST_RATIO`` (3) times a sweep (long
        documents, few topics: the second sweep saves iterations), else 1
        (short documents or many topics: it costs more than it saves). The
        value used is ``inner_sweeps_``.
    extrapolate : bool, default=True
        Start each HALS iteration from the extrapolated point of the last two
        (Ang and Gillis, 2019; :mod:`topicmf.factorize._extrapolation`): the
        same loss in 10-70% fewer iterations on the real corpora measured (BBC,
        AG News, apache_jira_bugs), 3-4 more on small ones that converge in about
        10 (the bundled corpus, planted ones). An iteration that would raise the
        objective is discarded, so the loss history does not rise (up to
        rounding). Only ``optimizer="hals"`` uses it.
    race : bool or "topics", default=True
        Racing between restarts (see :mod:`topicmf.factorize._racing`): one
        runs to convergence, the others get a short budget, only the most
        promising continue. Stopped restarts have ``restart_converged_``
        False. A challenger whose topics all match the first restart's
        converged topics (1 - cosine below ``MATCH_TOL``) is heading for the
        same optimum and stops there too (counted as converged).
        ``"topics"`` (what :func:`topicmf.discover` uses to measure topic
        stability across restarts): the others run until their topics
        stop changing (:mod:`topicmf.factorize._settling`), which counts as
        converged in ``restart_converged_``, and the best of those ahead of the
        first restart at equal iterations (one per ``RACE_SURVIVOR_EVERY``
        challengers, at least one) runs on to convergence. False: every
        restart runs to convergence.
    dtype : {"float64", "float32"}, default="float64"
    random_state : int, Generator, RandomState or None, default=None
    n_jobs : int, optional
        Worker processes for restarts (-1: all CPUs). The result equals the
        serial run with the same seed.
    n_threads : int, optional
        Threads of the C kernels (per worker process). Default: chosen per fit
        from the CPUs available, ``n_jobs``, ``OMP_NUM_THREADS``, an OpenMP
        limit already in force and the CPUs idle now, so a busy machine never
        makes a fit slower than one thread; one thread for a small problem
        (non-zeros x topics below 2 x 10^6) (see :mod:`topicmf.factorize._threads`).
        Results do not depend on it.
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
        Whether each restart met its stopping rule: the loss tolerance, its
        topics matching the first restart's (racing challengers), or
        (``race="topics"``, challengers) topics that stopped changing.
    restart_n_iter_ : ndarray of int, shape (n_restarts,)
    best_restart_ : int
        ``argmin(restart_losses_)`` over the restarts that did not stop by
        matching restart 0's topics (those stand for restart 0's optimum,
        where restart 0 converged).
    n_features_in_ : int
    n_threads_ : int
        Kernel threads used.
    inner_sweeps_ : int
        HALS sweeps per pair of sparse products used.
    l1_W_, l2_H_ : float
        The L1 weight on W and L2 weight on H in force: ``l1_W`` and ``l2_H``
        plus the ``sparsity`` calibration.
    compile_seconds_ : float
        Time spent compiling backend functions during this fit (0 when reused).

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
        n_topics: int = N_TOPICS,
        *,
        n_components: int | None = None,
        l1_W: float = 0.0,
        l1_H: float = 0.0,
        sparsity: float = 0.0,
        l2_W: float = 0.0,
        l2_H: float = 0.0,
        optimizer: Literal["hals", "mu", "apg", "normalized"] = "hals",
        n_restarts: int = N_RESTARTS,
        init: Literal["random", "nndsvd"] = INIT,
        max_iter: int = MAX_ITER,
        tol: float = TOL,
        inner_sweeps: int | None = None,
        extrapolate: bool = True,
        race: bool = True,
        dtype: Literal["float64", "float32"] = "float64",
        random_state: Any = None,
        n_jobs: int | None = None,
        n_threads: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_topics = n_topics
        self.n_components = n_components
        self.l1_W = l1_W
        self.l1_H = l1_H
        self.sparsity = sparsity
        self.l2_W = l2_W
        self.l2_H = l2_H
        self.optimizer = optimizer
        self.n_restarts = n_restarts
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.inner_sweeps = inner_sweeps
        self.extrapolate = extrapolate
        self.race = race
        self.dtype = dtype
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.n_threads = n_threads
        self.verbose = verbose

    # -- validation ------------------------------------------------------------
    @property
    def _k(self) -> int:
        return self.n_topics if self.n_components is None else self.n_components

    def _validate_params(self) -> None:
        """Check every parameter (the rules a model file's values are held to as well)."""
        for name in ("n_topics", "n_components"):
            v = getattr(self, name)
            if (v is not None or name == "n_topics") and (not _is_int(v) or v < 1):
                raise _err(name, "an int >= 1" + (" or None" if name == "n_components" else ""), v)
        for name in ("l1_W", "l1_H", "l2_W", "l2_H", "sparsity"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Real) or isinstance(v, bool) or not np.isfinite(float(v)) or v < 0:
                raise _err(name, "a float >= 0", v)
        known = optimizer_names()
        if not isinstance(self.optimizer, str) or self.optimizer not in known:
            raise _err("optimizer", "one of " + ", ".join(map(repr, known)), self.optimizer)
        if self.init not in ("random", "nndsvd"):
            raise _err("init", "'random' or 'nndsvd'", self.init)
        for name, lo in (("n_restarts", 1), ("max_iter", 1), ("verbose", 0)):
            v = getattr(self, name)
            if not _is_int(v) or v < lo:
                raise _err(name, f"an int >= {lo}", v)
        if self.inner_sweeps is not None and (not _is_int(self.inner_sweeps) or self.inner_sweeps < 1):
            raise _err("inner_sweeps", "None or an int >= 1", self.inner_sweeps)
        if not isinstance(self.tol, numbers.Real) or isinstance(self.tol, bool) or not self.tol >= 0:
            raise _err("tol", "a float >= 0", self.tol)
        if not isinstance(self.extrapolate, (bool, np.bool_)):
            raise _err("extrapolate", "True or False", self.extrapolate)
        if not (isinstance(self.race, (bool, np.bool_)) or (isinstance(self.race, str) and self.race == "topics")):
            raise _err("race", "True, False or 'topics'", self.race)
        try:
            dtype_name = np.dtype(self.dtype).name
        except TypeError:
            dtype_name = None
        if dtype_name not in ("float64", "float32"):
            raise _err("dtype", "'float64' or 'float32'", self.dtype)
        if self.n_jobs is not None and (not _is_int(self.n_jobs) or self.n_jobs == 0):
            raise _err("n_jobs", "None, a positive int or a negative int (-1: all CPUs)", self.n_jobs)
        if self.n_threads is not None and (not _is_int(self.n_threads) or self.n_threads < 1):
            raise _err("n_threads", "None or an int >= 1", self.n_threads)

    def _validate_X(self, X: Any, reset: bool) -> sp.csr_matrix:
        dtype = np.dtype(self.dtype)
        X = validate_data(self, X, accept_sparse="csr", dtype=[dtype], reset=reset, ensure_min_samples=1)
        X = sp.csr_matrix(X, dtype=dtype)  # dense input accepted (converted once; X is small then)
        if X.nnz and not np.all(np.isfinite(X.data)):
            raise ValueError("TopicNMF: X holds NaN or infinite values.")
        if X.nnz and (X.data.min() < 0):
            raise ValueError(
                f"TopicNMF: X must be non-negative; got {int((X.data < 0).sum())} negative entries "
                f"(minimum {X.data.min():.4g}). Negative values in data cannot be factorized."
            )
        X.sum_duplicates()
        X.sort_indices()
        return X

    # -- fitting -----------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> TopicNMF:
        """Learn W and H from X, shape (n_documents, n_terms)."""
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Learn W and H; return W, shape (n_documents, n_topics)."""
        return self._fit(X)

    def _n_jobs(self) -> int:
        from ._threads import available_cpus

        if self.n_jobs is None:
            return 1
        return self.n_jobs if self.n_jobs > 0 else max(1, available_cpus() + 1 + self.n_jobs)

    def _fit(self, X: Any) -> np.ndarray:
        # X held elsewhere (topicmf.distributed.RowBlocks on a Dask cluster) fits itself:
        # the hook keeps this layer free of any import of the distributed one.
        fit_elsewhere = getattr(X, "__topicmf_fit__", None)
        if fit_elsewhere is not None:
            return fit_elsewhere(self)
        self._validate_params()
        X = self._validate_X(X, reset=True)
        n, m = X.shape
        k = self._k
        if k > min(n, m):
            raise ValueError(
                f"TopicNMF: 'n_topics' must be at most min(n_documents, n_terms) = min({n}, {m}) "
                f"= {min(n, m)}; got {k} (X has n_samples={n}, n_features={m})."
            )
        t0 = time.perf_counter()
        XT = X.T.tocsr()
        n_jobs = min(self._n_jobs(), self.n_restarts)
        dtype_name = np.dtype(self.dtype).name
        starts = make_starts(k, self.n_restarts, self.init, self.random_state, dtype_name)
        rel_l1_W = rel_l2_H = 0.0
        if float(self.sparsity) > 0:  # calibrated on restart 0's NNDSVD start, made once for both
            start0 = calibration_start(starts, k, self.random_state)
            W0, Ht0 = start0.realize(X)
            if starts[0].kind == "nndsvd" and starts[0].dtype == "float64":
                starts[0].made = (W0, Ht0)
            rel_l1_W, rel_l2_H = calibrated_l1(X, k, float(self.sparsity), (W0, Ht0))
        settings = Settings(
            optimizer=self.optimizer, dtype=dtype_name,
            l1_W=float(self.l1_W) + rel_l1_W, l1_H=float(self.l1_H), l2_W=float(self.l2_W),
            l2_H=float(self.l2_H) + rel_l2_H,
            inner_sweeps=choose_inner_sweeps(self.inner_sweeps, X.nnz, n, m, k), max_iter=int(self.max_iter),
            tol=float(self.tol),
            n_threads=choose_threads(self.n_threads, n_jobs, work=float(X.nnz) * k),
            extrapolate=bool(self.extrapolate),
        )
        compile_seconds = get_solver(settings.optimizer, settings.dtype).compile()
        bar = None
        if self.verbose:
            from tqdm.auto import tqdm

            bar = tqdm(desc=f"TopicNMF k={k}", unit="restart", leave=False, disable=None)
        try:
            results = run_restarts(X, XT, starts, settings, n_jobs=n_jobs, race=_race(self.race),
                                   progress=(bar.update if bar is not None else None))
        finally:
            if bar is not None:
                bar.close()
        losses = np.array([r.loss if (np.isfinite(r.loss) and not r.diverged) else np.inf for r in results])
        for i, r in enumerate(results):
            if r.diverged or not np.isfinite(r.loss):
                warnings.warn(
                    f"TopicNMF: restart {i} diverged (non-finite objective after {r.n_iter} iterations) "
                    "and was discarded; the other restarts are kept.", RuntimeWarning, stacklevel=3,
                )
        if not np.isfinite(losses).any():
            raise FloatingPointError(
                "TopicNMF: every restart diverged (non-finite objective); check X for huge values "
                "or use optimizer='hals'."
            )
        best = best_restart(results, losses)
        r = results[best]
        assert r.W is not None and r.Ht is not None
        W, H = r.W, np.ascontiguousarray(r.Ht.T)
        self.components_ = H
        self.n_iter_ = int(r.n_iter)
        self.loss_history_ = np.asarray(r.loss_history, dtype=np.float64)
        self.restart_losses_ = losses
        self.restart_components_ = [np.ascontiguousarray(x.Ht.T) for x in results if x.Ht is not None]
        self.restart_converged_ = np.array([x.met_stopping_rule for x in results])
        self.restart_n_iter_ = np.array([x.n_iter for x in results], dtype=np.int64)
        self.best_restart_ = best
        self.reconstruction_err_ = float(_reconstruction_err(X, W, H))
        self.n_threads_ = int(settings.n_threads)
        self.inner_sweeps_ = int(settings.inner_sweeps)
        self.l1_W_ = float(settings.l1_W)
        self.l2_H_ = float(settings.l2_H)
        self.compile_seconds_ = float(compile_seconds)
        self.fit_seconds_ = time.perf_counter() - t0
        if self.verbose:
            logger.info("TopicNMF: k=%d, best restart %d of %d, loss %.6g, %d iterations, %.2fs",
                        k, best, self.n_restarts, losses[best], self.n_iter_, self.fit_seconds_)
        return W

    # -- using the fit -----------------------------------------------------------
    @property
    def n_components_(self) -> int:
        """Number of topics of the fit (scikit-learn's name)."""
        check_is_fitted(self, "components_")
        return int(self.components_.shape[0])

    @property
    def _n_features_out(self) -> int:
        """Columns of ``transform``'s output (for ``get_feature_names_out`` and ``set_output``)."""
        return self.n_components_

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
        l1_W = self._l1_W()
        solver.set_penalties(l1_W, self.l1_H, self.l2_W, self.l2_H, 1)
        G = H @ H.T + (self.l2_W + 1e-12) * np.eye(H.shape[0])  # l2_H plays no part with H fixed
        W0 = np.maximum(np.maximum(np.asarray(X @ H.T) - l1_W, 0) @ np.linalg.pinv(G), 0)
        try:
            return solver.transform(X, np.ascontiguousarray(H.T), W0, max_iter, tol)
        finally:
            solver.release()

    def _l1_W(self) -> float:
        """The L1 weight on W in force: ``l1_W_`` after a fit (includes ``sparsity``)."""
        return float(getattr(self, "l1_W_", self.l1_W))

    def inverse_transform(self, W: Any) -> np.ndarray:
        """W @ H, shape (n_documents, n_terms): dense, so only for a few documents."""
        check_is_fitted(self, "components_")
        return np.asarray(W, dtype=np.float64) @ self.components_

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the objective of ``transform(X)`` with H fixed (higher is better; for model selection)."""
        check_is_fitted(self, "components_")
        Xc = self._validate_X(X, reset=False)
        W = self.transform(Xc)
        H = self.components_
        err = _reconstruction_err(Xc, W, H)
        l2_H = float(getattr(self, "l2_H_", self.l2_H))
        f = (0.5 * err**2 + 0.5 * self.l2_W * float(np.sum(W**2)) + 0.5 * l2_H * float(np.sum(H**2))
             + self._l1_W() * float(W.sum()) + self.l1_H * float(H.sum()))
        return -float(f)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
        return tags

    # -- fitted state as plain data -------------------------------------------
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The estimator as plain data: ``(document, arrays)``.

        ``document`` is JSON-serialisable: ``{"params": get_params(), "fitted":
        scalar fitted attributes}`` (a ``random_state`` that is not an int is
        stored as None); ``arrays`` holds the fitted arrays by name. The model
        file stores both; :meth:`from_state` rebuilds the estimator.
        """
        check_is_fitted(self, "components_")
        params = self.get_params()
        rs = params.get("random_state")
        params["random_state"] = int(rs) if _is_int(rs) else None
        params["dtype"] = np.dtype(params["dtype"]).name
        params = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}
        fitted = {name: cast(getattr(self, name)) for name, cast in _FITTED_SCALARS.items() if hasattr(self, name)}
        arrays = {name.rstrip("_"): np.asarray(getattr(self, name)) for name in _FITTED_ARRAYS}
        arrays["restart_components"] = np.stack(self.restart_components_)
        return {"params": params, "fitted": fitted}, arrays

    @classmethod
    def from_state(cls, document: dict[str, Any], arrays: dict[str, np.ndarray]) -> TopicNMF:
        """Rebuild a fitted estimator from :meth:`to_state`'s output, checking everything.

        Parameters are held to the constructor's rules (plus bounds); arrays
        must have the dtypes and shapes the parameters imply.

        Raises
        ------
        ValueError
            Unknown or invalid parameters, missing or inconsistent arrays.
        """
        if not isinstance(document, dict) or not isinstance(document.get("params"), dict):
            raise ValueError("TopicNMF state: 'params' must be an object.")
        params = dict(document["params"])
        known = set(cls().get_params())
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(f"TopicNMF state: unknown parameter {unknown[0]!r}.")
        for name, bound in _PARAM_BOUNDS.items():
            v = params.get(name)
            if isinstance(v, numbers.Integral) and abs(int(v)) > bound:
                raise ValueError(f"TopicNMF state: {name!r} = {v!r} is beyond the limit {bound:,}.")
        if params.get("random_state") is not None and not _is_int(params["random_state"]):
            raise ValueError(f"TopicNMF state: 'random_state' must be an int or null; got {params['random_state']!r}.")
        model = cls(**params)
        model._validate_params()
        fitted = document.get("fitted", {})
        if not isinstance(fitted, dict):
            raise ValueError("TopicNMF state: 'fitted' must be an object.")
        for name, cast in _FITTED_SCALARS.items():
            if name not in fitted:
                if name in _OPTIONAL_FITTED:
                    continue
                raise ValueError(f"TopicNMF state: fitted value {name!r} is missing.")
            v = fitted[name]
            ok = _is_int(v) if cast is int else (isinstance(v, (int, float)) and not isinstance(v, bool))
            if not ok:
                raise ValueError(f"TopicNMF state: fitted value {name!r} must be {cast.__name__}; got {v!r}.")
            setattr(model, name, cast(v))
        H = _check_array(arrays, "components", 2, "f")
        k, m = H.shape
        if k != model._k or m != model.n_features_in_:
            raise ValueError(f"TopicNMF state: components of shape {H.shape} do not match n_topics={model._k} "
                             f"and n_features_in_={model.n_features_in_}.")
        n_restarts = model.n_restarts
        restart_H = _check_array(arrays, "restart_components", 3, "f")
        if restart_H.shape[1:] != H.shape or restart_H.shape[0] > n_restarts:
            raise ValueError(f"TopicNMF state: restart_components of shape {restart_H.shape} do not match "
                             f"components {H.shape} and n_restarts={n_restarts}.")
        losses = _check_array(arrays, "restart_losses", 1, "f", nonneg=False, finite=False)
        converged = _check_array(arrays, "restart_converged", 1, "b")
        n_iter = _check_array(arrays, "restart_n_iter", 1, "i")
        history = _check_array(arrays, "loss_history", 1, "f", nonneg=False)
        if not (len(losses) == len(converged) == len(n_iter) == n_restarts):
            raise ValueError(f"TopicNMF state: per-restart arrays must have n_restarts={n_restarts} entries.")
        if not 0 <= model.best_restart_ < n_restarts:
            raise ValueError(f"TopicNMF state: best_restart_ = {model.best_restart_} is out of range.")
        model.components_ = np.ascontiguousarray(H)
        model.restart_components_ = [np.ascontiguousarray(x) for x in restart_H]
        model.restart_losses_ = losses.astype(np.float64)
        model.restart_converged_ = converged.astype(bool)
        model.restart_n_iter_ = n_iter.astype(np.int64)
        model.loss_history_ = history.astype(np.float64)
        model.compile_seconds_ = 0.0
        return model


def _check_array(arrays: dict[str, np.ndarray], name: str, ndim: int, kind: str, *,
                 nonneg: bool = True, finite: bool = True) -> np.ndarray:
    """``arrays[name]`` if it has ``ndim`` dimensions and dtype kind ``kind`` (f, i, b), else ValueError."""
    if name not in arrays:
        raise ValueError(f"TopicNMF state: array {name!r} is missing.")
    a = np.asarray(arrays[name])
    kinds = {"f": "f", "i": "iu", "b": "b"}[kind]
    if a.ndim != ndim or a.dtype.kind not in kinds:
        raise ValueError(f"TopicNMF state: array {name!r} must be {ndim}-D of kind {kind!r}; "
                         f"got {a.ndim}-D {a.dtype}.")
    if kind == "f":
        if finite and not np.all(np.isfinite(a)):
            raise ValueError(f"TopicNMF state: array {name!r} holds NaN or infinite values.")
        if nonneg and a.size and np.nanmin(a) < 0:
            raise ValueError(f"TopicNMF state: array {name!r} holds negative values.")
    return a


def _reconstruction_err(X: sp.csr_matrix, W: np.ndarray, H: np.ndarray) -> float:
    """||X - W H||_F without forming W H: ||X||^2 - 2 <W, X H^T> + <W^T W, H H^T>."""
    cross = float(np.sum(W * np.asarray(X @ H.T)))
    sq = float(X.data @ X.data) - 2 * cross + float(np.sum((W.T @ W) * (H @ H.T)))
    return float(np.sqrt(max(sq, 0.0)))


def nmf(X: Any, n_topics: int, **params: Any) -> tuple[np.ndarray, np.ndarray]:
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


def backend() -> dict[str, str]:
    """The backend the core runs on: ``{"backend": "aesara"|"pytensor", "backend_version": ...}``."""
    return backend_info()
