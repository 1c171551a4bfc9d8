"""The NNDSVD start on row blocks: scikit-learn's randomized SVD, one pass over the blocks per product.

:func:`topicmf.factorize._init.nndsvd_init` takes ``randomized_svd(X, k,
n_iter=4, random_state=seed)`` and makes its factors non-negative. Here the
same algorithm runs with X in row blocks: the same random matrix (drawn on
the client from the same seed, in the same orientation: scikit-learn works
on X^T when n_documents < n_terms), the same power iterations with LU
normalisation of the small (n_terms x l) side on the client, and every
product with X as a map over blocks and a fixed-order tree sum. Two steps
differ in form, not in result: the tall (n_documents x l) side is not
normalised between the two products of a power iteration (the next LU
normalises their product; the range is the same), and its final QR is
a Cholesky QR of the reduced Gram matrix (after orthonormalising the small
side). The singular triplets agree with scikit-learn's to about 1e-14.

NNDSVD's W and H do not depend on the signs of the singular vectors (a
flipped pair picks the other half), so no sign convention is needed. W_i is
a pure task of X_i and a few small arrays, made where block i lives.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import scipy.linalg as la
from sklearn.utils import check_random_state

from . import _dask
from .blocks import RowBlock, RowBlocks
from .hals import tree_sum
from .init import random_scale

__all__ = ["nndsvd_start", "randomized_svd_blocks", "N_OVERSAMPLES", "N_POWER_ITER"]

#: scikit-learn's ``randomized_svd`` defaults, as ``nndsvd_init`` calls it.
N_OVERSAMPLES = 10
N_POWER_ITER = 4


# -- tasks -----------------------------------------------------------------------------

def _gram_times(block: RowBlock, Q: np.ndarray) -> tuple[np.ndarray]:
    """``(X_i^T X_i Q,)``."""
    return (np.asarray(block.XT @ np.asarray(block.X @ Q)),)


def _t_times(block: RowBlock, Omega_i: np.ndarray) -> tuple[np.ndarray]:
    """``(X_i^T Omega_i,)``."""
    return (np.asarray(block.XT @ Omega_i),)


def _times(block: RowBlock, Q: np.ndarray) -> np.ndarray:
    """``X_i Q``."""
    return np.asarray(block.X @ Q)


def _final_products(block: RowBlock, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(Y_i^T Y_i, X_i^T Y_i)`` with ``Y_i = X_i Q``."""
    Y = np.asarray(block.X @ Q)
    return Y.T @ Y, np.asarray(block.XT @ Y)


def _part_norms(block: RowBlock, M: np.ndarray) -> tuple[np.ndarray]:
    """``([sum max(U_i, 0)^2; sum max(-U_i, 0)^2],)`` per column, with ``U_i = X_i M``."""
    U = np.asarray(block.X @ M)
    return (np.stack([np.sum(np.maximum(U, 0) ** 2, axis=0), np.sum(np.maximum(-U, 0) ** 2, axis=0)]),)


def _nndsvd_columns(U: np.ndarray, S: np.ndarray, positive: np.ndarray, norms: np.ndarray,
                    lam: np.ndarray, fill: float, dtype: str) -> np.ndarray:
    """NNDSVD's W (or H^T) from the singular vectors U, as ``nndsvd_init`` builds it."""
    W = np.zeros(U.shape)
    W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0])
    for j in range(1, U.shape[1]):
        part = np.maximum(U[:, j], 0) if positive[j] else np.maximum(-U[:, j], 0)
        W[:, j] = lam[j] * (part / (norms[j] or 1))
    W[W < 1e-12] = fill
    return np.ascontiguousarray(W, dtype=dtype)


def _W_block(block: RowBlock, M: np.ndarray, S: np.ndarray, positive: np.ndarray, norms: np.ndarray,
             lam: np.ndarray, fill: float, dtype: str) -> np.ndarray:
    return _nndsvd_columns(np.asarray(block.X @ M), S, positive, norms, lam, fill, dtype)


# -- the SVD -------------------------------------------------------------------------------

def _sum(blocks: RowBlocks, task: Any, *args: Any, per_block: list | None = None,
         workers: list[str | None] | None = None) -> tuple:
    client = blocks.client
    workers = workers or [None] * blocks.n_blocks
    parts = [client.submit(task, b, *(args if per_block is None else (per_block[i],)),
                           **_dask.on(w))
             for i, (b, w) in enumerate(zip(blocks.futures, workers))]
    return tree_sum(client, parts).result()


def randomized_svd_blocks(blocks: RowBlocks, n_components: int, random_state: int,
                          workers: list[str | None] | None = None) -> tuple[Any, np.ndarray, np.ndarray, bool]:
    """``randomized_svd(X, n_components, n_iter=4, random_state=random_state)`` on row blocks.

    Returns
    -------
    U : ndarray (n_documents, k), or ndarray M (n_terms, k) with ``U_i = X_i M``
        The left factor: in full when scikit-learn transposes (n_documents <
        n_terms, so it is the small side), else as M (the flag tells which).
    S : ndarray, shape (k,)
    Vt : ndarray, shape (k, n_terms)
    and ``transposed`` (bool) as the fourth value.
    """
    client = blocks.client
    n, m = blocks.shape
    k, size = n_components, n_components + N_OVERSAMPLES
    dtype = np.float32 if blocks.dtype == "float32" else np.float64
    rs = check_random_state(random_state)
    workers = workers or [None] * blocks.n_blocks

    def lu(Z: np.ndarray) -> np.ndarray:
        return la.lu(Z, permute_l=True, check_finite=False)[0]

    if n < m:  # scikit-learn factorizes X^T: the random matrix has a row per document
        Omega = rs.normal(size=(n, size))
        if dtype == np.float32:
            Omega = Omega.astype(np.float32, copy=False)
        bounds = blocks.offsets
        pieces = [client.scatter(Omega[bounds[i]:bounds[i + 1]], workers=[w] if w else None, hash=False)
                  for i, w in enumerate(workers)]
        (Z,) = _sum(blocks, _t_times, per_block=pieces, workers=workers)
        del pieces
        for _ in range(N_POWER_ITER):
            (Z,) = _sum(blocks, _gram_times, lu(Z), workers=workers)
        Qm, _ = la.qr(Z, mode="economic", check_finite=False)
        Qm_f = client.scatter(Qm, hash=False)
        B = np.vstack(client.gather([client.submit(_times, b, Qm_f, **_dask.on(w))
                                     for b, w in zip(blocks.futures, workers)])).T
        Uhat, s, Vt = la.svd(B, full_matrices=False, lapack_driver="gesdd")
        U = Qm @ Uhat
        return Vt[:k].T, s[:k], U[:, :k].T, True
    Q = rs.normal(size=(m, size))
    if dtype == np.float32:
        Q = Q.astype(np.float32, copy=False)
    for _ in range(N_POWER_ITER):
        (Z,) = _sum(blocks, _gram_times, Q, workers=workers)
        Q = lu(Z)
    Q, _ = la.qr(Q, mode="economic", check_finite=False)
    G, C = _sum(blocks, _final_products, Q, workers=workers)
    R = _cholesky(G)
    B = la.solve_triangular(R, C.T, trans="T", lower=False, check_finite=False)
    Uhat, s, Vt = la.svd(B, full_matrices=False, lapack_driver="gesdd")
    M = Q @ la.solve_triangular(R, Uhat[:, :k], lower=False, check_finite=False)
    return M, s[:k], Vt[:k], False


def _cholesky(G: np.ndarray) -> np.ndarray:
    """Upper Cholesky factor of the Gram matrix ``G``; when X has a lower rank than the
    sketch (a tiny or degenerate corpus), ``G`` is singular and a jitter of
    1e-12..1e-6 of its mean diagonal is added so the start can be made at all. When
    the rank of X is below k, the jittered directions are among the k kept and the
    start (and so the fit) differs from the single-machine one; at rank >= k it is
    the same."""
    try:
        return la.cholesky(G, lower=False, check_finite=False)
    except la.LinAlgError:
        scale = max(float(np.trace(G)) / max(len(G), 1), float(np.finfo(G.dtype).tiny))
        for jitter in (1e-12, 1e-9, 1e-6):
            try:
                return la.cholesky(G + jitter * scale * np.eye(len(G), dtype=G.dtype), lower=False,
                                   check_finite=False)
            except la.LinAlgError:
                continue
        raise


def _choices(x_norms: np.ndarray, Vt: np.ndarray, S: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per column: take the positive part?, the norm it is divided by, lambda; and H's rows."""
    k = len(S)
    positive = np.ones(k, dtype=bool)
    w_norms, lam = np.ones(k), np.zeros(k)
    H = np.zeros((k, Vt.shape[1]))
    H[0] = np.sqrt(S[0]) * np.abs(Vt[0])
    for j in range(1, k):
        y = Vt[j]
        yp, yn = np.maximum(y, 0), np.maximum(-y, 0)
        xpn, xnn = x_norms[0, j], x_norms[1, j]
        ypn, ynn = np.linalg.norm(yp), np.linalg.norm(yn)
        if xpn * ypn >= xnn * ynn:
            v, sigma, w_norms[j] = yp / (ypn or 1), xpn * ypn, xpn
        else:
            v, sigma, w_norms[j], positive[j] = yn / (ynn or 1), xnn * ynn, xnn, False
        lam[j] = np.sqrt(S[j] * sigma)
        H[j] = lam[j] * v
    return positive, w_norms, lam, H


def nndsvd_start(blocks: RowBlocks, start: Any, workers: list[str | None]) -> tuple[list[Any], np.ndarray]:
    """NNDSVD ``(W blocks as futures, Ht)`` of a restart, as ``nndsvd_init`` makes it on the whole X."""
    client = blocks.client
    k, dtype = start.n_topics, start.dtype
    rng = copy.deepcopy(start.rng)
    seed = int(rng.integers(0, 2**31 - 1))
    U, S, Vt, transposed = randomized_svd_blocks(blocks, k, seed, workers)
    fill = random_scale(blocks, k) * 0.01
    if transposed:  # U is the whole (n_documents, k) left factor, here
        x_norms = np.stack([np.linalg.norm(np.maximum(U, 0), axis=0), np.linalg.norm(np.maximum(-U, 0), axis=0)])
    else:
        (sq,) = _sum(blocks, _part_norms, U, workers=workers)
        x_norms = np.sqrt(sq)
    positive, w_norms, lam, H = _choices(x_norms, Vt, S)
    H[H < 1e-12] = fill
    Ht = np.ascontiguousarray(H.T, dtype=dtype)
    if transposed:
        W_all = _nndsvd_columns(U, S, positive, w_norms, lam, fill, dtype)
        bounds = blocks.offsets
        W = [client.scatter(W_all[bounds[i]:bounds[i + 1]], workers=[w] if w else None, hash=False)
             for i, w in enumerate(workers)]
        return W, Ht
    M_f = client.scatter(U, hash=False)
    W = [client.submit(_W_block, b, M_f, S, positive, w_norms, lam, fill, dtype, **_dask.on(w))
         for b, w in zip(blocks.futures, workers)]
    return W, Ht
