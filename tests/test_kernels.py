"""The C kernels against their NumPy ``perform`` on every specialisation boundary and dtype,
with proof that the C code (not a Python fallback) ran."""

import numpy as np
import pytest
import scipy.sparse as sp

import topicmf as tm
from topicmf.factorize import _ops
from topicmf.factorize._backend import NAME, compile_function
from topicmf.factorize._backend import tensor as at

R_VALUES = [1, _ops.MAX_SPECIALISED_R, _ops.MAX_SPECIALISED_R + 1, 64]


def _no_python(monkeypatch):
    """Make both ops' Python implementations raise: only C code can produce a result."""
    def refuse(self, node, inputs, outputs):
        raise AssertionError(f"{type(self).__name__}.perform ran: the C kernel was not used")

    monkeypatch.setattr(_ops.CSRDot, "perform", refuse)
    monkeypatch.setattr(_ops.HalsSweep, "perform", refuse)


def _csr(n, m, density, dtype, itype, seed, empty_rows=()):
    X = sp.random(n, m, density=density, format="csr", random_state=np.random.RandomState(seed), dtype=dtype)
    X = X.tolil()
    for i in empty_rows:
        X[i, :] = 0
    X = X.tocsr()
    X.sort_indices()
    return X.data.astype(dtype), X.indices.astype(itype), X.indptr.astype(itype), X


def _csr_fn(dtype, itype):
    d, i, p = at.vector(dtype=dtype), at.vector(dtype=itype), at.vector(dtype=itype)
    b = at.matrix(dtype=dtype)
    return compile_function([d, i, p, b], _ops.csr_dot(d, i, p, b))


def _perform(op, *inputs):
    node = op.make_node(*inputs)
    storage = [[None] for _ in node.outputs]
    op.perform(node, inputs, storage)
    return [s[0] for s in storage]


@pytest.mark.parametrize("r", R_VALUES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("itype", ["int32", "int64"])
def test_csr_dot_c_equals_perform(r, dtype, itype, monkeypatch):
    rng = np.random.default_rng(r)
    data, idx, ptr, X = _csr(23, 17, 0.3, dtype, itype, seed=r, empty_rows=(0, 5, 22))
    B = rng.random((17, r)).astype(dtype)
    (expected,) = _perform(_ops.CSRDot(openmp=True), data, idx, ptr, B)
    _no_python(monkeypatch)
    got = _csr_fn(dtype, itype)(data, idx, ptr, B)
    rtol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(got, (X @ B), rtol=rtol, atol=rtol)
    assert not got[[0, 5, 22]].any()  # empty rows


@pytest.mark.parametrize("bad", ["index_high", "index_negative", "indptr"])
def test_csr_dot_rejects_bad_structure(bad, monkeypatch):
    data, idx, ptr, _ = _csr(6, 5, 0.5, "float64", "int32", seed=1)
    if bad == "index_high":
        idx[-1] = 5
    elif bad == "index_negative":
        idx[0] = -1
    else:
        ptr[2], ptr[3] = ptr[3] + 1, ptr[2]
    B = np.ones((5, 3))
    fn = _csr_fn("float64", "int32")
    with pytest.raises(ValueError, match="out of range|do not agree|non-decreasing"):
        fn(data, idx, ptr, B)
    with pytest.raises(ValueError, match="out of range|do not agree|non-decreasing"):
        _perform(_ops.CSRDot(openmp=True), data, idx, ptr, B)


def _hals_fn(dtype):
    w, a, b = (at.matrix(dtype=dtype) for _ in range(3))
    l1, l2, s = at.scalar(dtype=dtype), at.scalar(dtype=dtype), at.lscalar()
    return compile_function([w, a, b, l1, l2, s], list(_ops.hals_sweep(w, a, b, l1, l2, s)))


@pytest.mark.parametrize("r", R_VALUES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_hals_sweep_c_equals_perform(r, dtype, monkeypatch):
    rng = np.random.default_rng(100 + r)
    n = 31
    W = rng.random((n, r)).astype(dtype)
    W[W < 0.3] = 0
    W[4] = 0  # an all-zero row
    A = rng.random((n, r)).astype(dtype)
    B = rng.random((r, r))
    B = (B @ B.T).astype(dtype)
    if r > 1:
        B[1, 1] = 0  # a column with zero curvature is skipped
        B[1, :] = B[:, 1] = 0
    args = (W, A, B, np.asarray(0.1, dtype), np.asarray(0.2, dtype), np.int64(2))
    W_ref, stats_ref, viol_ref = _perform(_ops.HalsSweep(openmp=True), *args)
    _no_python(monkeypatch)
    W_c, stats_c, viol_c = _hals_fn(dtype)(*args)
    rtol = 1e-10 if dtype == "float64" else 2e-4
    np.testing.assert_allclose(W_c, W_ref, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(stats_c, stats_ref, rtol=rtol)
    np.testing.assert_allclose(viol_c, viol_ref, rtol=rtol)
    assert W_c.min() >= 0 and W_c.dtype == np.dtype(dtype)


def test_hals_sweep_rejects_mismatched_shapes():
    fn = _hals_fn("float64")
    with pytest.raises(ValueError, match="shapes of W, A, B do not agree"):
        fn(np.ones((3, 2)), np.ones((3, 3)), np.eye(2), 0.0, 0.0, 1)


def test_a_whole_fit_runs_on_the_c_kernels(monkeypatch):
    """Every optimiser step and transform of a fit goes through C code on this backend."""
    _no_python(monkeypatch)
    X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))
    model = tm.TopicNMF(6, n_restarts=2, random_state=0, max_iter=30).fit(X)
    assert model.transform(X[:5]).shape == (5, 6)
    assert NAME in ("aesara", "pytensor")


def test_results_do_not_depend_on_the_thread_count():
    X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))
    runs = [tm.TopicNMF(6, n_restarts=2, random_state=3, max_iter=40, n_threads=t).fit(X) for t in (1, 2, 3)]
    for other in runs[1:]:
        np.testing.assert_array_equal(other.components_, runs[0].components_)
        np.testing.assert_array_equal(other.restart_losses_, runs[0].restart_losses_)


def test_same_topics_on_every_backend():
    """The seed gives the same topics on Aesara and PyTensor (a reference written on Aesara)."""
    import json
    from pathlib import Path

    from topicmf.metrics import top_term_indices

    ref = json.loads((Path(__file__).parent / "data" / "newsroom_k6_seed0.json").read_text())
    vec = tm.TextVectorizer(min_df=2)
    X = vec.fit_transform(tm.load_corpus("newsroom"))
    m = tm.TopicNMF(6, random_state=0).fit(X)
    labels = vec.get_term_labels()
    assert [[str(labels[j]) for j in row] for row in top_term_indices(m.components_, 10)] == ref["top_terms"]
    np.testing.assert_allclose(m.restart_losses_, ref["restart_losses"], rtol=1e-12)


def test_backend_is_the_one_asked_for():
    import os

    wanted = os.environ.get("TOPICMF_BACKEND")
    if not wanted:
        pytest.skip("TOPICMF_BACKEND is not set (the automatic choice is in use)")
    assert NAME == wanted
