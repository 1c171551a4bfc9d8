"""TopicNMF on row blocks: :func:`fit_partitioned` returns an ordinary fitted :class:`~topicmf.TopicNMF`.

The restarts, racing and stopping rules are the single-machine ones
(:func:`topicmf.factorize._restarts.run_restarts`); only the executor
differs (:class:`~topicmf.distributed.hals.PartitionedExecutor`). The fitted
model holds NumPy arrays only (H, losses, ...), so it transforms, reports and
saves as usual; W stays on the workers (:func:`fit_transform_partitioned`
returns its blocks as futures).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..defaults import N_TOPICS
from ..factorize import TopicNMF
from ..factorize._executor import Settings, choose_inner_sweeps
from ..factorize._restarts import best_restart, make_starts, run_restarts
from ..factorize.estimator import _race
from . import _dask
from .blocks import RowBlocks
from .hals import CHECKPOINT_EVERY, MAX_RECOVERIES, Callback, DistributedHals, PartitionedExecutor
from .sparsity import calibrated_l1_blocks

__all__ = ["as_row_blocks", "fit_estimator", "fit_partitioned", "fit_transform_partitioned", "transform_partitioned",
           "gather_W"]


def as_row_blocks(client: Any, X: Any, dtype: str = "float64", n_blocks: int | None = None) -> RowBlocks:
    """X as :class:`RowBlocks`: a RowBlocks (checked for ``dtype``), a list of futures of
    sparse matrices, or a matrix of this process (split into ``n_blocks`` and scattered)."""
    _dask.require()
    if isinstance(X, RowBlocks):
        if X.dtype != np.dtype(dtype).name:
            raise ValueError(f"the row blocks hold {X.dtype}; the model wants {np.dtype(dtype).name} "
                             f"(build them with dtype={np.dtype(dtype).name!r}).")
        return X
    if isinstance(X, Sequence) and not isinstance(X, (str, bytes)) and X and all(
            type(f).__name__ == "Future" for f in X):
        return RowBlocks.from_futures(client, list(X), dtype)
    if sp.issparse(X) or isinstance(X, np.ndarray):
        return RowBlocks.from_matrix(client, X, n_blocks, dtype)
    raise TypeError(f"cannot use a {type(X).__name__} as row blocks; pass RowBlocks, a list of futures of "
                    "sparse matrices or a sparse matrix.")


def _check(model: TopicNMF, blocks: RowBlocks) -> None:
    n, m = blocks.shape
    k = model._k
    if k > min(n, m):
        raise ValueError(f"'n_topics' must be at most min(n_documents, n_terms) = min({n}, {m}) = {min(n, m)}; "
                         f"got {k}.")
    if model.optimizer != "hals":
        raise ValueError(f"only optimizer='hals' runs on row blocks; got {model.optimizer!r}.")


def fit_transform_partitioned(
    client: Any,
    blocks: Any,
    n_topics: int = N_TOPICS,
    *,
    checkpoint_every: int = CHECKPOINT_EVERY,
    max_recoveries: int = MAX_RECOVERIES,
    callback: Callback | None = None,
    **params: Any,
) -> tuple[TopicNMF, list[Any]]:
    """Fit :class:`~topicmf.TopicNMF` on row blocks; return the model and W's blocks (futures).

    Parameters
    ----------
    client : distributed.Client
    blocks : RowBlocks, list of futures of sparse matrices, or a sparse matrix
        X, shape (n_documents, n_terms); a matrix is split into one block per worker.
    n_topics : int, default=N_TOPICS (10)
    checkpoint_every : int, default=CHECKPOINT_EVERY (10)
        Iterations between checkpoints of W (for recovery from a lost worker; 0: none).
    max_recoveries : int, default=MAX_RECOVERIES (3)
        Lost-worker recoveries per restart before the fit gives up.
    callback : callable(restart, iteration, loss, violation), optional
        Called on the client after every iteration.
    **params
        Any :class:`~topicmf.TopicNMF` parameter; ``optimizer`` must be
        ``"hals"`` (``sparsity`` is calibrated on the blocks as on one
        machine). ``n_jobs`` is ignored (the cluster is the parallelism);
        ``n_threads`` sets OpenMP threads per task.

    Returns
    -------
    model : TopicNMF
        Fitted: the same attributes as a single-machine fit (``components_``,
        ``loss_history_``, ``restart_losses_``, ...), and the same values from
        the same ``random_state`` up to rounding (sums over blocks are added
        in another order).
    W : list of Future
        W of the best restart, one ndarray (n_rows_i, n_topics) per block.

    Raises
    ------
    ValueError
        Invalid parameters, or a block that is not a valid X.
    RuntimeError
        Workers were lost and the fit could not recover (the message says why).
    """
    model = TopicNMF(n_topics=n_topics, **params)
    model._validate_params()  # TopicNMF's own errors, in its name
    try:
        blocks = as_row_blocks(client, blocks, np.dtype(model.dtype).name)
    except ValueError as exc:
        raise ValueError(f"fit_partitioned: {exc}") from None
    W = fit_estimator(model, blocks, checkpoint_every=checkpoint_every, max_recoveries=max_recoveries,
                      callback=callback, caller="fit_partitioned")
    return model, W


def fit_estimator(model: TopicNMF, blocks: RowBlocks, *, checkpoint_every: int = CHECKPOINT_EVERY,
                  max_recoveries: int = MAX_RECOVERIES, callback: Callback | None = None,
                  caller: str = "TopicNMF") -> list[Any]:
    """Fit ``model`` (a :class:`~topicmf.TopicNMF`, its parameters as set) on ``blocks``, in place.

    What ``TopicNMF.fit(row_blocks)`` runs (through :meth:`RowBlocks.__topicmf_fit__`):
    the fitted attributes are set on ``model``; W's blocks are returned as futures.
    Errors name ``caller``.
    """
    t0 = time.perf_counter()
    model._validate_params()
    try:
        if blocks.dtype != np.dtype(model.dtype).name:
            raise ValueError(f"the row blocks hold {blocks.dtype}; the model wants {np.dtype(model.dtype).name} "
                             f"(build them with dtype={np.dtype(model.dtype).name!r}).")
        _check(model, blocks)
    except ValueError as exc:
        raise ValueError(f"{caller}: {exc}") from None
    starts = make_starts(model._k, model.n_restarts, model.init, model.random_state, blocks.dtype)
    rel_l1_W, rel_l2_H = calibrated_l1_blocks(blocks, model._k, float(getattr(model, "sparsity", 0.0) or 0.0),
                                              model.random_state, starts=starts)
    settings = Settings(
        optimizer="hals", dtype=blocks.dtype, l1_W=float(model.l1_W) + rel_l1_W, l1_H=float(model.l1_H),
        l2_W=float(model.l2_W), l2_H=float(model.l2_H) + rel_l2_H,
        inner_sweeps=choose_inner_sweeps(model.inner_sweeps, blocks.nnz, blocks.shape[0], blocks.shape[1], model._k),
        max_iter=int(model.max_iter), tol=float(model.tol), n_threads=int(model.n_threads or 1),
        extrapolate=bool(model.extrapolate),
    )
    executor = PartitionedExecutor(checkpoint_every, max_recoveries, callback, model.n_threads)
    results = run_restarts(blocks, None, starts, settings, executor=executor, race=_race(model.race))
    W = _set_fitted(model, blocks, results, settings, executor, caller)
    model.fit_seconds_ = time.perf_counter() - t0
    return W


def fit_partitioned(client: Any, blocks: Any, n_topics: int = N_TOPICS, **params: Any) -> TopicNMF:
    """Fit :class:`~topicmf.TopicNMF` on row blocks held by a Dask cluster; return the fitted model.

    See :func:`fit_transform_partitioned` for the parameters; W's blocks are
    released (use :func:`fit_transform_partitioned` or :func:`transform_partitioned`).

    Examples
    --------
    >>> from dask.distributed import Client, LocalCluster          # doctest: +SKIP
    >>> import topicmf as tm, topicmf.distributed as td             # doctest: +SKIP
    >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
    >>> X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))  # doctest: +SKIP
    >>> model = td.fit_partitioned(client, X, n_topics=6, random_state=0)  # doctest: +SKIP
    """
    return fit_transform_partitioned(client, blocks, n_topics, **params)[0]


def _set_fitted(model: TopicNMF, blocks: RowBlocks, results: list, settings: Settings,
                executor: PartitionedExecutor, caller: str) -> list[Any]:
    """The fitted attributes of ``TopicNMF._fit`` from the restarts' results; returns the best W."""
    losses = np.array([r.loss if (np.isfinite(r.loss) and not r.diverged) else np.inf for r in results])
    for i, r in enumerate(results):
        if r.diverged or not np.isfinite(r.loss):
            warnings.warn(f"{caller}: restart {i} diverged (non-finite objective after {r.n_iter} "
                          "iterations) and was discarded; the other restarts are kept.", RuntimeWarning,
                          stacklevel=3)
    if not np.isfinite(losses).any():
        raise FloatingPointError(f"{caller}: every restart diverged (non-finite objective).")
    best = best_restart(results, losses)
    r = results[best]
    W, Ht = r.W, r.Ht
    model.components_ = np.ascontiguousarray(Ht.T)
    model.n_iter_ = int(r.n_iter)
    model.loss_history_ = np.asarray(r.loss_history, dtype=np.float64)
    model.restart_losses_ = losses
    model.restart_components_ = [np.ascontiguousarray(x.Ht.T) for x in results if x.Ht is not None]
    model.restart_converged_ = np.array([x.met_stopping_rule for x in results])
    model.restart_n_iter_ = np.array([x.n_iter for x in results], dtype=np.int64)
    model.best_restart_ = best
    model.n_features_in_ = int(blocks.shape[1])
    hals = DistributedHals(blocks, settings, n_threads=executor.n_threads)
    model.reconstruction_err_ = hals.reconstruction_err(W, Ht)
    model.n_threads_ = int(settings.n_threads)
    model.inner_sweeps_ = int(settings.inner_sweeps)
    model.l1_W_ = float(settings.l1_W)
    model.l2_H_ = float(settings.l2_H)
    model.compile_seconds_ = 0.0
    model.n_recoveries_ = int(executor.recoveries)
    return W


def _transform_block(model: TopicNMF, block: Any, max_iter: int, tol: float) -> np.ndarray:
    return model.transform(block.X, max_iter=max_iter, tol=tol)


def transform_partitioned(client: Any, model: TopicNMF, blocks: Any, *, max_iter: int = 500,
                          tol: float = 1e-6) -> list[Any]:
    """``model.transform`` on each block where it lives; W's blocks as futures."""
    blocks = as_row_blocks(client, blocks, np.dtype(model.dtype).name)
    model_f = client.scatter(model, broadcast=True, hash=False)
    where = blocks.locations()
    return [client.submit(_transform_block, model_f, b, max_iter, tol, **_dask.on(w))
            for b, w in zip(blocks.futures, where)]


def gather_W(client: Any, W: Sequence[Any]) -> np.ndarray:
    """W's blocks gathered into one array in this process, shape (n_documents, n_topics)."""
    return np.vstack(client.gather(list(W)))
