"""Top terms per (group, topic) and the interactive report's attributed totals, without densifying.

The functions of :mod:`topicmf.report.over_time` that pick each group's top terms of each
topic, and the corpus' attribution of chosen terms to each topic, compared with a plain dense
NumPy reference (ties, empty groups, empty topics) and with the former implementation, which
formed every topic's totals at once (and, for the interactive report, densified them).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from topicmf.report import over_time


def _case(seed: int, n: int = 40, m: int = 30, k: int = 4, g: int = 5):
    """Random sparse X, W, H with exact ties, an empty topic, an empty group and empty documents.

    Terms 1, 2 and 3 are copies of term 0 (same column of X, same column of H), so their
    attributions are equal to the last bit in every group and topic: the top terms must
    list them in column order. Topic k-1 has no weight in H (it is attributed nothing);
    group g-1 has no documents; documents 0 and 1 have no terms.
    """
    rng = np.random.default_rng(seed)
    X = sp.random(n, m, density=0.3, random_state=seed, format="lil")
    X[0, :] = 0
    X[1, :] = 0
    X = sp.csr_matrix(X)
    X = sp.csr_matrix(np.round(X.toarray() * 4) / 2)  # a few distinct values: more equal attributions
    Xd = X.toarray()
    Xd[:, 1:4] = Xd[:, [0]]
    X = sp.csr_matrix(Xd)
    W = rng.random((n, k)) * (rng.random((n, k)) < 0.6)
    H = rng.random((k, m)) * (rng.random((k, m)) < 0.7)
    H[:, 1:4] = H[:, [0]]
    H[k - 1] = 0.0
    codes = rng.integers(0, g - 1, n)  # group g-1 stays empty
    G = sp.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(g, n))
    return X, W, H, G


def _dense_totals(X, W, H, G) -> np.ndarray:
    """(topics, groups, terms) attributions, densely, one element at a time (no BLAS, so equal
    columns give equal numbers): ``sum_d G[i, d] X[d, j] W[d, t] H[t, j] / (W H)[d, j]``."""
    Xd, Gd = X.toarray(), G.toarray()
    k = H.shape[0]
    R = np.zeros_like(Xd)
    for t in range(k):
        R += np.outer(W[:, t], H[t])
    ratio = np.divide(Xd, R, out=np.zeros_like(Xd), where=R > 0)
    out = np.zeros((k, Gd.shape[0], Xd.shape[1]))
    for t in range(k):
        A = ratio * W[:, [t]] * H[[t]]
        for d in range(Xd.shape[0]):  # documents in order, as the sparse product adds them
            out[t] += np.outer(Gd[:, d], A[d])
    return out


def _dense_top(row: np.ndarray, n: int) -> np.ndarray:
    cols = np.flatnonzero(row > 0)
    return cols[np.lexsort((cols, -row[cols]))][:n]


def _former_top_terms(X, W, H, G, n) -> list[list[np.ndarray]]:
    """The implementation before: every topic's sparse totals at once, each row sorted whole."""
    totals = over_time._attributed_totals(X, W, H, G)
    out = []
    for i in range(G.shape[0]):
        row_terms = []
        for t in range(H.shape[0]):
            row = totals[t][i]
            data, idx = row.data, row.indices
            keep = data > 0
            data, idx = data[keep], idx[keep]
            row_terms.append(idx[np.lexsort((idx, -data))[:n]])
        out.append(row_terms)
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [1, 3, 5, 12, 100])
def test_group_top_terms_match_a_dense_reference(seed, n):
    X, W, H, G = _case(seed)
    top = over_time.group_top_terms(X, W, H, G, n)
    dense = _dense_totals(X, W, H, G)
    former = _former_top_terms(X, W, H, G, n)
    g, k = G.shape[0], H.shape[0]
    assert len(top) == g and all(len(r) == k for r in top)
    for i in range(g):
        for t in range(k):
            np.testing.assert_array_equal(top[i][t], _dense_top(dense[t, i], n), err_msg=f"group {i} topic {t}")
            np.testing.assert_array_equal(top[i][t], former[i][t])
            assert top[i][t].dtype == np.int64
    assert all(len(top[g - 1][t]) == 0 for t in range(k))  # the empty group
    assert all(len(top[i][k - 1]) == 0 for i in range(g))  # the empty topic
    # the copies of term 0 tie exactly and come in column order wherever they are chosen
    for i in range(g - 1):
        for t in range(k - 1):
            chosen = [j for j in top[i][t] if j in (0, 1, 2, 3)]
            assert chosen == sorted(chosen)
            if dense[t, i, 0] > 0 and n >= 5 and 0 in top[i][t]:
                pos = list(top[i][t]).index(0)
                assert list(top[i][t][pos:pos + 4]) == [0, 1, 2, 3][: len(top[i][t]) - pos]


def test_top_of_row_is_a_full_sort_cut_short():
    rng = np.random.default_rng(3)
    for _ in range(300):
        size = int(rng.integers(0, 25))
        data = rng.integers(-2, 5, size).astype(np.float64)  # many ties, zeros and negatives
        data[rng.random(size) < 0.1] = np.nan
        idx = rng.permutation(100)[:size].astype(np.int32)
        for n in range(-2, size + 3):
            keep = data > 0
            d, j = data[keep], idx[keep]
            expected = j[np.lexsort((j, -d))][:n]
            np.testing.assert_array_equal(over_time._top_of_row(data, idx, n), expected)


@pytest.mark.parametrize("seed", range(4))
def test_attributed_terms_match_the_dense_totals(seed):
    X, W, H, G = _case(seed)
    k, m = H.shape
    rng = np.random.default_rng(seed)
    terms = [np.sort(rng.permutation(m)[: int(rng.integers(0, m))]) for _ in range(k)]
    got = over_time.attributed_terms(X, W, H, terms)
    everyone = sp.csr_matrix(np.ones((1, X.shape[0])))
    former = np.vstack([p.toarray().ravel() for p in over_time._attributed_totals(X, W, H, everyone)])
    dense = _dense_totals(X, W, H, everyone)[:, 0, :]
    for t in range(k):
        assert got[t].shape == (len(terms[t]),)
        np.testing.assert_array_equal(got[t], former[t, terms[t]])  # the same numbers as before, to the bit
        np.testing.assert_allclose(got[t], dense[t, terms[t]], rtol=1e-12, atol=1e-12)
    assert not np.any(got[k - 1])  # the empty topic


def test_attributed_terms_on_empty_matrices():
    X = sp.csr_matrix((3, 4))
    W, H = np.ones((3, 2)), np.ones((2, 4))
    got = over_time.attributed_terms(X, W, H, [np.array([0, 3]), np.array([], dtype=np.int64)])
    np.testing.assert_array_equal(got[0], [0.0, 0.0])
    assert got[1].shape == (0,)


def test_topics_by_group_never_densifies(monkeypatch):
    X, W, H, _ = _case(0)
    groups = pd.Series([f"p{i % 3}" if i % 7 else None for i in range(X.shape[0])])
    expected = over_time.topics_by_group(X, W, H, groups, [f"w{j}" for j in range(X.shape[1])],
                                         [f"t{t}" for t in range(H.shape[0])], group_name="period", n_terms=4)

    def refuse(*args, **kwargs):
        raise AssertionError("a sparse matrix was densified")

    for cls in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix):
        monkeypatch.setattr(cls, "toarray", refuse)
        monkeypatch.setattr(cls, "todense", refuse)
    table = over_time.topics_by_group(X, W, H, groups, [f"w{j}" for j in range(X.shape[1])],
                                      [f"t{t}" for t in range(H.shape[0])], group_name="period", n_terms=4)
    over_time.attributed_terms(X, W, H, [np.arange(X.shape[1])] * H.shape[0])
    pd.testing.assert_frame_equal(table, expected)


def test_memory_does_not_grow_with_topics_times_groups_times_terms():
    """k=30 topics x 20 groups x 30,000 terms would be 144 MB dense (every group's totals of
    every topic); the work holds one topic's sparse totals at a time."""
    n, m, k, g = 3000, 30_000, 30, 20
    rng = np.random.default_rng(0)
    X = sp.random(n, m, density=30 / m, random_state=0, format="csr")
    W = rng.random((n, k)) * (rng.random((n, k)) < 0.2)
    W[np.arange(n), rng.integers(0, k, n)] += 0.5
    H = rng.random((k, m))
    G = sp.csr_matrix((np.ones(n), (np.arange(n) % g, np.arange(n))), shape=(g, n))
    tracemalloc.start()
    try:
        top = over_time.group_top_terms(X, W, H, G, 10)
        over_time.attributed_terms(X, W, H, [np.arange(0, m, 7)] * k)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert all(len(top[i][t]) == 10 for i in range(g) for t in range(k))
    dense = k * g * m * 8
    assert peak < dense / 4, (peak, dense)


@pytest.mark.parametrize("floats", [1, 7, 64, 1 << 20])
def test_block_size_does_not_change_a_bit(monkeypatch, floats):
    """The reconstruction at the non-zeros is formed a block at a time; the numbers (and so
    the order of equal-looking terms) must not depend on the block's size."""
    X, W, H, G = _case(1)
    expected = over_time._attributed_totals(X, W, H, G)
    monkeypatch.setattr(over_time, "_BLOCK_FLOATS", floats)
    for a, b in zip(over_time._attributed_totals(X, W, H, G), expected):
        assert (a != b).nnz == 0
        np.testing.assert_array_equal(a.data.view(np.int64), b.data.view(np.int64))
