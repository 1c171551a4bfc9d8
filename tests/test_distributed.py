"""The pipeline on Dask: block kernels, distributed HALS, partitioned vectorizing, restarts on a cluster.

Cluster tests share one LocalCluster of 2 worker processes x 1 thread (module
fixture); data are small. Every distributed result is compared with the
single-machine code from the same start.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from topicmf.factorize import _blocks
from topicmf.factorize._solver import get_solver


def _rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def _random_X(n=300, m=120, density=0.05, seed=0) -> sp.csr_matrix:
    X = sp.random(n, m, density=density, format="csr", random_state=np.random.RandomState(seed))
    X.sort_indices()
    return X


# -- 1. block kernels -----------------------------------------------------------------------

@pytest.mark.parametrize("n_sweeps", [1, 2])
def test_one_iteration_on_two_blocks_equals_the_solver(n_sweeps):
    X = _random_X()
    rng = np.random.default_rng(1)
    k = 5
    W0, Ht0 = rng.random((X.shape[0], k)), rng.random((X.shape[1], k))
    l1_W, l1_H, l2_W, l2_H = 0.01, 0.02, 0.03, 0.04
    solver = get_solver("hals")
    solver.set_data(X, X.T.tocsr())
    solver.set_penalties(l1_W, l1_H, l2_W, l2_H, n_sweeps)
    solver.set_factors(W0, Ht0)
    loss, _, violation = solver.step()
    W1, Ht1 = solver.get_factors()
    solver.release()

    HHt = _blocks.gram(Ht0)
    W_blocks, stats_W, viol_W, XtW, WtW = [], np.zeros(3), 0.0, 0.0, 0.0
    for rows in (slice(0, 130), slice(130, None)):
        Xi = X[rows]
        W_i, st, v, XtW_i, WtW_i = _blocks.block_step(Xi, Xi.T.tocsr(), Ht0, W0[rows], HHt, l1_W, l2_W, n_sweeps)
        W_blocks.append(W_i)
        stats_W, viol_W, XtW, WtW = stats_W + st, viol_W + v, XtW + XtW_i, WtW + WtW_i
    Ht_new, stats_H, viol_H = _blocks.h_step(Ht0, XtW, WtW, l1_H, l2_H, n_sweeps)
    fit = 0.5 * (X.data @ X.data - 2 * stats_H[2] + np.sum(WtW * _blocks.gram(Ht_new)))
    block_loss = (fit + 0.5 * l2_W * stats_W[1] + 0.5 * l2_H * stats_H[1]
                  + l1_W * stats_W[0] + l1_H * stats_H[0])

    assert _rel(np.vstack(W_blocks), W1) <= 1e-10
    assert _rel(Ht_new, Ht1) <= 1e-10
    assert abs(block_loss - loss) <= 1e-10 * abs(loss)
    assert abs(viol_W + viol_H - violation) <= 1e-10 * violation


def test_block_functions_agree_with_each_other_and_with_numpy():
    X = _random_X(80, 40, seed=2)
    rng = np.random.default_rng(2)
    W, Ht = rng.random((80, 3)), rng.random((40, 3))
    HHt = _blocks.gram(Ht)
    np.testing.assert_allclose(HHt, Ht.T @ Ht, rtol=1e-13)
    XT = X.T.tocsr()
    fused = _blocks.block_step(X, XT, Ht, W, HHt, 0.1, 0.2, 1)
    W_new, stats, viol = _blocks.w_step(X, Ht, W, HHt, 0.1, 0.2, 1)
    XtW, WtW = _blocks.h_partials(XT, W_new)
    assert np.array_equal(fused[0], W_new) and np.array_equal(fused[1], stats) and fused[2] == viol
    assert np.array_equal(fused[3], XtW) and np.array_equal(fused[4], WtW)
    np.testing.assert_allclose(XtW, X.T @ W_new, rtol=1e-12)
    np.testing.assert_allclose(WtW, W_new.T @ W_new, rtol=1e-12)
    np.testing.assert_allclose(stats, [W_new.sum(), (W_new**2).sum(), (W_new * (X @ Ht)).sum()], rtol=1e-12)
    assert (W_new >= 0).all()


def test_block_outputs_are_not_overwritten_by_the_next_call():
    X = _random_X(50, 30, seed=3)
    rng = np.random.default_rng(3)
    W, Ht = rng.random((50, 2)), rng.random((30, 2))
    first = _blocks.w_step(X, Ht, W, _blocks.gram(Ht), 0.0, 0.0, 1)[0]
    kept = first.copy()
    _blocks.w_step(X, 2 * Ht, W, _blocks.gram(2 * Ht), 0.0, 0.0, 1)
    assert np.array_equal(first, kept)


def test_block_functions_compile_once_per_thread_and_dtype():
    X = _random_X(20, 10, seed=4).astype(np.float32)
    rng = np.random.default_rng(4)
    W, Ht = rng.random((20, 2), dtype=np.float32), rng.random((10, 2), dtype=np.float32)
    out = _blocks.w_step(X, Ht, W, _blocks.gram(Ht), 0.0, 0.0, 1)[0]
    assert out.dtype == np.float32
    before = _blocks._fn("w_step", "float32")
    _blocks.w_step(X, Ht, W, _blocks.gram(Ht), 0.0, 0.0, 1)
    assert _blocks._fn("w_step", "float32") is before
    assert ("w_step", "float32") in _blocks.compiled_functions()
