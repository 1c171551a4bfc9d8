"""Initial W and H in NumPy: scaled random starts and an NNDSVD-style start."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import randomized_svd

__all__ = ["random_init", "nndsvd_init"]


def _scale(X: sp.csr_matrix, n_topics: int) -> float:
    n, m = X.shape
    mean = X.sum() / (n * m) if n * m else 0.0
    return float(np.sqrt(max(mean, 0.0) / n_topics)) or 1e-3


def random_init(X: sp.csr_matrix, n_topics: int, rng: np.random.Generator, dtype=np.float64):
    """Uniform random W, Ht scaled so that W @ H has X's mean.

    Returns
    -------
    W : ndarray, shape (n_documents, n_topics), C-ordered
    Ht : ndarray, shape (n_terms, n_topics), C-ordered (H transposed)
    """
    n, m = X.shape
    s = _scale(X, n_topics)
    W = (2 * s) * rng.random((n, n_topics))
    Ht = (2 * s) * rng.random((m, n_topics))
    return np.ascontiguousarray(W, dtype=dtype), np.ascontiguousarray(Ht, dtype=dtype)


def nndsvd_init(X: sp.csr_matrix, n_topics: int, rng: np.random.Generator, dtype=np.float64):
    """NNDSVD start (Boutsidis and Gallopoulos, 2008) from a randomized truncated SVD.

    Zeros are filled with a small fraction of the mean (the "a" variant), so
    multiplicative updates can move them. Returns ``(W, Ht)`` as :func:`random_init`.
    """
    n, m = X.shape
    seed = int(rng.integers(0, 2**31 - 1))
    U, S, Vt = randomized_svd(X, n_topics, n_iter=4, random_state=seed)
    W = np.zeros((n, n_topics))
    H = np.zeros((n_topics, m))
    W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0])
    H[0, :] = np.sqrt(S[0]) * np.abs(Vt[0, :])
    for j in range(1, n_topics):
        x, y = U[:, j], Vt[j, :]
        xp, xn = np.maximum(x, 0), np.maximum(-x, 0)
        yp, yn = np.maximum(y, 0), np.maximum(-y, 0)
        xpn, ypn = np.linalg.norm(xp), np.linalg.norm(yp)
        xnn, ynn = np.linalg.norm(xn), np.linalg.norm(yn)
        if xpn * ypn >= xnn * ynn:
            u, v, sigma = xp / (xpn or 1), yp / (ypn or 1), xpn * ypn
        else:
            u, v, sigma = xn / (xnn or 1), yn / (ynn or 1), xnn * ynn
        lam = np.sqrt(S[j] * sigma)
        W[:, j] = lam * u
        H[j, :] = lam * v
    fill = _scale(X, n_topics) * 0.01
    W[W < 1e-12] = fill
    H[H < 1e-12] = fill
    return np.ascontiguousarray(W, dtype=dtype), np.ascontiguousarray(H.T, dtype=dtype)


def calibrated_l1(X: sp.csr_matrix, n_topics: int, sparsity: float,
                  start: tuple[np.ndarray, np.ndarray]) -> tuple[float, float]:
    """``(l1_W, l2_H)`` for a relative sparsity, from the NNDSVD start ``start = (W0, Ht0)``.

    HALS sets ``w_ij <- max(0, w_ij - (g_ij + l1) / B_jj)`` with ``B = H H^T``, so an
    L1 weight compares with ``w_ij * B_jj``: ``l1_W`` is ``sparsity`` times the
    median of that product over the start's positive entries (fill values
    excluded). An L1 penalty on W alone would let the fit shrink W and grow H
    until the penalty vanishes; ``l2_H = l1_W * sum(W0) / ||H0||^2`` makes the
    start's balance of scale between W and H the optimal one, so the penalty
    keeps its meaning. ``(0, 0)`` when ``sparsity`` is 0. ``start`` is in float64
    (``TopicNMF`` passes restart 0's, see ``_restarts.calibration_start``).
    """
    if sparsity <= 0:
        return 0.0, 0.0
    W, Ht = start
    fill = _scale(X, n_topics) * 0.01
    W = np.where(W > fill * 1.5, W, 0.0)
    Ht = np.where(Ht > fill * 1.5, Ht, 0.0)
    scale = W * np.einsum("ij,ij->j", Ht, Ht)[None, :]
    positive = scale[W > 0]
    if not positive.size:
        return 0.0, 0.0
    l1 = float(sparsity * np.median(positive))
    h2 = float(np.sum(Ht * Ht))
    return l1, (l1 * float(W.sum()) / h2 if h2 > 0 else 0.0)
