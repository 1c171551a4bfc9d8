"""Two C kernels as Aesara ops: CSR x dense product, and one HALS sweep.

Aesara 2.9.4 routes every sparse product through scipy (single-threaded, holds
the GIL) and has no coordinate-descent primitive, so these ops are where the
factorization spends its time. Both work row by row, so rows can run on all
cores (OpenMP) and, later, on row blocks of a cluster; results do not depend on
the number of threads (each row's sums run in a fixed order). Each op has a
NumPy ``perform`` used when no C compiler is available; the tests check that
both implementations agree.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from aesara.graph.basic import Apply
from aesara.link.c.op import OpenMPOp
import aesara.tensor as at
from aesara.tensor import as_tensor_variable

__all__ = ["CSRDot", "HalsSweep", "csr_dot", "hals_sweep"]

_CTYPES = {"float64": "npy_float64", "float32": "npy_float32", "int32": "npy_int32", "int64": "npy_int64"}
_NPY = {"float64": "NPY_FLOAT64", "float32": "NPY_FLOAT32"}

# Row kernels are C++ templates on the number of topics R: for R <= 32 the
# inner loops have a compile-time length, so they unroll and vectorize; R = 0
# is the generic kernel for any r. Without -fopenmp the pragmas are ignored.
_MAX_SPECIALISED_R = 32
_CASES = "\n".join(f"        case {r}: return K<{r}>::run(ARGS);" for r in range(1, _MAX_SPECIALISED_R + 1))

_CSR_SUPPORT = """
template <typename F, typename I, int R>
struct topicmf_csr_dot_kernel {
    static int run(npy_intp n, npy_intp m, npy_intp r_rt, const F* __restrict__ Xd,
                   const I* __restrict__ Xi, const I* __restrict__ Xp,
                   const F* __restrict__ B, F* __restrict__ O) {
        const npy_intp r = R > 0 ? R : r_rt;
        int bad = 0;
        #pragma omp parallel for schedule(guided)
        for (npy_intp i = 0; i < n; ++i) {
            F acc[R > 0 ? R : 1];
            F* __restrict__ o = R > 0 ? acc : O + i * r;
            for (npy_intp j = 0; j < r; ++j) o[j] = 0;
            for (I p = Xp[i]; p < Xp[i + 1]; ++p) {
                const I c = Xi[p];
                if (c < 0 || c >= m) { bad = 1; continue; }
                const F v = Xd[p];
                const F* __restrict__ b = B + (npy_intp) c * r;
                for (npy_intp j = 0; j < r; ++j) o[j] += v * b[j];
            }
            if (R > 0) for (npy_intp j = 0; j < r; ++j) O[i * r + j] = acc[j];
        }
        return bad;
    }
};

template <typename F, typename I>
static int topicmf_csr_dot(npy_intp n, npy_intp m, npy_intp r, const F* Xd, const I* Xi,
                           const I* Xp, const F* B, F* O) {
    #define ARGS n, m, r, Xd, Xi, Xp, B, O
    #define K(RR) topicmf_csr_dot_kernel<F, I, RR>
    switch (r) {
CASES
        default: return topicmf_csr_dot_kernel<F, I, 0>::run(ARGS);
    }
    #undef K
    #undef ARGS
}
""".replace("CASES", _CASES.replace("K<", "K(").replace(">::run", ")::run"))

_HALS_SUPPORT = """
template <typename F, int R>
struct topicmf_hals_kernel {
    /* Sweeps over each row of W (rows are independent); returns 0 or 1 (no memory). */
    static int run(npy_intp n, npy_intp r_rt, const F* __restrict__ A, const F* __restrict__ B,
                   F* __restrict__ W, const F* __restrict__ inv, F l1, F l2, npy_intp sweeps,
                   F* __restrict__ row_viol, F* __restrict__ row_stats) {
        const npy_intp r = R > 0 ? R : r_rt;
        int nomem = 0;
        #pragma omp parallel
        {
        F fixed[R > 0 ? R : 1];
        /* wb = w B for the current row, kept current by an axpy per changed w_j */
        F* wb = R > 0 ? fixed : (F*) malloc((r > 0 ? r : 1) * sizeof(F));
        if (!wb) nomem = 1;
        #pragma omp for schedule(static)
        for (npy_intp i = 0; i < n; ++i) {
            row_viol[i] = 0;
            if (!wb) continue;
            F* __restrict__ w = W + i * r;
            const F* __restrict__ a = A + i * r;
            for (npy_intp l = 0; l < r; ++l) wb[l] = 0;
            for (npy_intp j = 0; j < r; ++j) {
                const F wj = w[j];
                if (wj == 0) continue;
                const F* __restrict__ brow = B + j * r;
                for (npy_intp l = 0; l < r; ++l) wb[l] += wj * brow[l];
            }
            F rv = 0;
            for (npy_intp s = 0; s < sweeps; ++s) {
                for (npy_intp j = 0; j < r; ++j) {
                    if (inv[j] == 0) continue;
                    const F g = wb[j] - a[j] + l2 * w[j] + l1;
                    if (s == 0) rv += w[j] > 0 ? (g < 0 ? -g : g) : (g < 0 ? -g : 0);
                    F v = w[j] - g * inv[j];
                    v = v > 0 ? v : 0;
                    const F delta = v - w[j];
                    if (delta != 0) {
                        const F* __restrict__ brow = B + j * r;
                        for (npy_intp l = 0; l < r; ++l) wb[l] += delta * brow[l];
                        w[j] = v;
                    }
                }
            }
            row_viol[i] = rv;
            F s1 = 0, s2 = 0, s3 = 0;
            for (npy_intp j = 0; j < r; ++j) {
                s1 += w[j]; s2 += w[j] * w[j]; s3 += w[j] * a[j];
            }
            row_stats[3 * i] = s1; row_stats[3 * i + 1] = s2; row_stats[3 * i + 2] = s3;
        }
        if (R == 0) free(wb);
        }
        return nomem;
    }
};

template <typename F>
static int topicmf_hals(npy_intp n, npy_intp r, const F* A, const F* B, F* W, const F* inv,
                        F l1, F l2, npy_intp sweeps, F* row_viol, F* row_stats) {
    #define ARGS n, r, A, B, W, inv, l1, l2, sweeps, row_viol, row_stats
    #define K(RR) topicmf_hals_kernel<F, RR>
    switch (r) {
CASES
        default: return topicmf_hals_kernel<F, 0>::run(ARGS);
    }
    #undef K
    #undef ARGS
}
""".replace("CASES", _CASES.replace("K<", "K(").replace(">::run", ")::run"))


class CSRDot(OpenMPOp):
    """``out = X @ B`` for X in CSR parts (data, indices, indptr) and dense B.

    Inputs: ``data (nnz,)``, ``indices (nnz,)`` int32/int64, ``indptr (n_rows + 1,)``
    same integer type, ``B (n_cols, r)``. Output: ``(n_rows, r)``, C-ordered.
    Not differentiable: the gradient-based optimisers use ``aesara.sparse``.
    """

    __props__ = ("openmp",)

    def make_node(self, data, indices, indptr, B):
        data, indices, indptr, B = map(as_tensor_variable, (data, indices, indptr, B))
        if data.ndim != 1 or indices.ndim != 1 or indptr.ndim != 1 or B.ndim != 2:
            raise TypeError("CSRDot: expected (data, indices, indptr) vectors and a matrix B.")
        if indices.dtype != indptr.dtype or indices.dtype not in ("int32", "int64"):
            raise TypeError(f"CSRDot: indices/indptr must share int32 or int64; got {indices.dtype}, {indptr.dtype}.")
        if data.dtype != B.dtype or B.dtype not in _NPY:
            raise TypeError(f"CSRDot: data and B must share float32 or float64; got {data.dtype}, {B.dtype}.")
        return Apply(self, [data, indices, indptr, B], [B.type()])

    def perform(self, node, inputs, outputs):
        data, indices, indptr, B = inputs
        X = sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, B.shape[0]))
        outputs[0][0] = np.ascontiguousarray(X @ B, dtype=B.dtype)

    def c_support_code(self, **kwargs):
        return _CSR_SUPPORT

    def c_code_cache_version(self):
        return (5,)

    def c_code(self, node, name, inputs, outputs, sub):
        data, indices, indptr, B = inputs
        (out,) = outputs
        ft = _CTYPES[node.inputs[0].dtype]
        it = _CTYPES[node.inputs[1].dtype]
        npy = _NPY[node.inputs[3].dtype]
        fail = sub["fail"]
        return f"""
        {{
        PyArrayObject* Bc = PyArray_GETCONTIGUOUS({B});
        PyArrayObject* dc = PyArray_GETCONTIGUOUS({data});
        PyArrayObject* ic = PyArray_GETCONTIGUOUS({indices});
        PyArrayObject* pc = PyArray_GETCONTIGUOUS({indptr});
        if (!Bc || !dc || !ic || !pc) {{
            Py_XDECREF(Bc); Py_XDECREF(dc); Py_XDECREF(ic); Py_XDECREF(pc); {fail};
        }}
        const npy_intp n = PyArray_DIMS(pc)[0] - 1;
        const npy_intp m = PyArray_DIMS(Bc)[0];
        const npy_intp r = PyArray_DIMS(Bc)[1];
        if (n < 0) {{
            PyErr_SetString(PyExc_ValueError, "CSRDot: indptr is empty");
            Py_DECREF(Bc); Py_DECREF(dc); Py_DECREF(ic); Py_DECREF(pc); {fail};
        }}
        if (!{out} || PyArray_NDIM({out}) != 2 || PyArray_DIMS({out})[0] != n
            || PyArray_DIMS({out})[1] != r || !PyArray_IS_C_CONTIGUOUS({out})) {{
            Py_XDECREF({out});
            npy_intp dims[2] = {{n, r}};
            {out} = (PyArrayObject*) PyArray_EMPTY(2, dims, {npy}, 0);
            if (!{out}) {{ Py_DECREF(Bc); Py_DECREF(dc); Py_DECREF(ic); Py_DECREF(pc); {fail}; }}
        }}
        const {ft}* __restrict__ Xd = (const {ft}*) PyArray_DATA(dc);
        const {it}* __restrict__ Xi = (const {it}*) PyArray_DATA(ic);
        const {it}* __restrict__ Xp = (const {it}*) PyArray_DATA(pc);
        const {ft}* __restrict__ Bd = (const {ft}*) PyArray_DATA(Bc);
        {ft}* __restrict__ Od = ({ft}*) PyArray_DATA({out});
        int bad = topicmf_csr_dot<{ft}, {it}>(n, m, r, Xd, Xi, Xp, Bd, Od);
        Py_DECREF(Bc); Py_DECREF(dc); Py_DECREF(ic); Py_DECREF(pc);
        if (bad) {{
            PyErr_SetString(PyExc_ValueError, "CSRDot: a column index is out of range of B's rows");
            {fail};
        }}
        }}
        """


class HalsSweep(OpenMPOp):
    """Sweeps of HALS (coordinate descent) over the columns of W, with A, B fixed.

    Minimises ``1/2 tr(W B W^T) - tr(W^T A) + l2/2 ||W||^2 + l1 sum(W)`` over
    ``W >= 0``: for W-updates of NMF, ``A = X H^T`` and ``B = H H^T``; for
    H-updates (on ``H^T``), ``A = X^T W`` and ``B = W^T W``. Each coordinate
    takes the closed-form step ``w_ij <- max(0, w_ij - g_ij / (B_jj + l2))`` with
    ``g_ij = (W B)_ij - A_ij + l2 w_ij + l1``, columns in order, as scikit-learn's
    ``cd`` solver does. Rows are independent, so they run in parallel; each row
    keeps ``w B`` current with one axpy per changed coordinate (B symmetric),
    which vectorizes and skips the work for coordinates that stay at zero.

    Inputs: ``W (n, r)``, ``A (n, r)``, ``B (r, r)``, scalars ``l1``, ``l2`` (same
    float type) and ``n_sweeps`` (int). Outputs: the new W ``(n, r)``, the
    statistics ``[sum(W_new), sum(W_new**2), sum(W_new * A)]`` (so the loss needs
    no further passes over the factors), and the projected-gradient violation
    of the first sweep, ``sum |pg_ij|`` with
    ``pg = g`` where ``w > 0`` and ``min(g, 0)`` where ``w = 0``, each taken just
    before its coordinate's update (the quantity scikit-learn's ``cd`` solver
    stops on). Per-row sums are added in row
    order, so the value does not depend on the number of threads.
    """

    __props__ = ("openmp",)

    def make_node(self, W, A, B, l1, l2, n_sweeps):
        W, A, B, l1, l2, n_sweeps = map(as_tensor_variable, (W, A, B, l1, l2, n_sweeps))
        if W.ndim != 2 or A.ndim != 2 or B.ndim != 2 or l1.ndim or l2.ndim or n_sweeps.ndim:
            raise TypeError("HalsSweep: expected matrices W, A, B and scalars l1, l2, n_sweeps.")
        if len({W.dtype, A.dtype, B.dtype, l1.dtype, l2.dtype}) != 1 or W.dtype not in _NPY:
            raise TypeError("HalsSweep: W, A, B, l1, l2 must share float32 or float64.")
        if n_sweeps.dtype not in ("int8", "int16", "int32", "int64"):
            raise TypeError(f"HalsSweep: n_sweeps must be an integer; got {n_sweeps.dtype}.")
        stats = at.TensorType(W.dtype, shape=(None,))()
        return Apply(self, [W, A, B, l1, l2, n_sweeps], [W.type(), stats, l1.type()])

    def perform(self, node, inputs, outputs):
        W, A, B, l1, l2, n_sweeps = inputs
        W = np.array(W, dtype=W.dtype, order="C", copy=True)
        row_viol = np.zeros(W.shape[0], dtype=W.dtype)
        WB = W @ B  # kept current: each column change updates it by an outer product
        for sweep in range(int(n_sweeps)):
            for j in range(W.shape[1]):
                hess = B[j, j] + l2
                if hess <= 0:
                    continue
                grad = WB[:, j] - A[:, j] + l2 * W[:, j] + l1
                if sweep == 0:
                    row_viol += np.abs(np.where(W[:, j] > 0, grad, np.minimum(grad, 0)))
                new = np.maximum(W[:, j] - grad * (1 / hess), 0)
                WB += np.outer(new - W[:, j], B[j, :])
                W[:, j] = new
        outputs[0][0] = W
        total = 0.0
        for v in row_viol:  # row order, as the C code
            total += float(v)
        outputs[1][0] = np.array([W.sum(), (W * W).sum(), (W * A).sum()], dtype=W.dtype)
        outputs[2][0] = np.asarray(total, dtype=W.dtype)

    def c_support_code(self, **kwargs):
        return _HALS_SUPPORT

    def c_code_cache_version(self):
        return (8,)

    def c_code(self, node, name, inputs, outputs, sub):
        W, A, B, l1, l2, n_sweeps = inputs
        out, stats, viol = outputs
        ft = _CTYPES[node.inputs[0].dtype]
        st = "npy_" + node.inputs[5].dtype
        npy = _NPY[node.inputs[0].dtype]
        fail = sub["fail"]
        return f"""
        {{
        PyArrayObject* Ac = PyArray_GETCONTIGUOUS({A});
        PyArrayObject* Bc = PyArray_GETCONTIGUOUS({B});
        if (!Ac || !Bc) {{ Py_XDECREF(Ac); Py_XDECREF(Bc); {fail}; }}
        const npy_intp n = PyArray_DIMS({W})[0];
        const npy_intp r = PyArray_DIMS({W})[1];
        if (PyArray_DIMS(Ac)[0] != n || PyArray_DIMS(Ac)[1] != r
            || PyArray_DIMS(Bc)[0] != r || PyArray_DIMS(Bc)[1] != r) {{
            PyErr_SetString(PyExc_ValueError, "HalsSweep: shapes of W, A, B do not agree");
            Py_DECREF(Ac); Py_DECREF(Bc); {fail};
        }}
        Py_XDECREF({out});
        {out} = (PyArrayObject*) PyArray_NewCopy({W}, NPY_CORDER);
        if (!{viol}) {{
            {viol} = (PyArrayObject*) PyArray_EMPTY(0, NULL, {npy}, 0);
        }}
        if (!{stats}) {{
            npy_intp three = 3;
            {stats} = (PyArrayObject*) PyArray_EMPTY(1, &three, {npy}, 0);
        }}
        {ft}* inv = ({ft}*) malloc((r > 0 ? r : 1) * sizeof({ft}));
        {ft}* row_viol = ({ft}*) malloc((n > 0 ? n : 1) * sizeof({ft}));
        {ft}* row_stats = ({ft}*) malloc((n > 0 ? 3 * n : 3) * sizeof({ft}));
        if (!{out} || !{viol} || !{stats} || !inv || !row_viol || !row_stats) {{
            free(inv); free(row_viol); free(row_stats); Py_DECREF(Ac); Py_DECREF(Bc);
            if (!PyErr_Occurred()) PyErr_NoMemory();
            {fail};
        }}
        const {ft}* __restrict__ Ad = (const {ft}*) PyArray_DATA(Ac);
        const {ft}* __restrict__ Bd = (const {ft}*) PyArray_DATA(Bc);
        {ft}* __restrict__ Wd = ({ft}*) PyArray_DATA({out});
        const {ft} l1v = *({ft}*) PyArray_DATA({l1});
        const {ft} l2v = *({ft}*) PyArray_DATA({l2});
        const npy_intp sweeps = (npy_intp) *({st}*) PyArray_DATA({n_sweeps});
        /* 1 / (B_jj + l2) once per column; 0 marks a column to skip */
        for (npy_intp j = 0; j < r; ++j) {{
            const {ft} hess = Bd[j * r + j] + l2v;
            inv[j] = hess > 0 ? 1 / hess : 0;
        }}
        int nomem = topicmf_hals<{ft}>(n, r, Ad, Bd, Wd, inv, l1v, l2v, sweeps, row_viol, row_stats);
        {ft} total = 0, t1 = 0, t2 = 0, t3 = 0;
        for (npy_intp i = 0; i < n; ++i) {{
            total += row_viol[i];
            t1 += row_stats[3 * i]; t2 += row_stats[3 * i + 1]; t3 += row_stats[3 * i + 2];
        }}
        *({ft}*) PyArray_DATA({viol}) = total;
        {ft}* sd = ({ft}*) PyArray_DATA({stats});
        sd[0] = t1; sd[1] = t2; sd[2] = t3;
        free(inv); free(row_viol); free(row_stats);
        Py_DECREF(Ac); Py_DECREF(Bc);
        if (nomem) {{ PyErr_NoMemory(); {fail}; }}
        }}
        """


def csr_dot(data, indices, indptr, B, *, openmp: bool = True):
    """Symbolic ``X @ B`` for CSR parts of X; see :class:`CSRDot`."""
    return CSRDot(openmp=openmp)(data, indices, indptr, B)


def hals_sweep(W, A, B, l1, l2, n_sweeps, *, openmp: bool = True):
    """Symbolic HALS sweeps; returns ``(W_new, stats, violation)``; see :class:`HalsSweep`."""
    return HalsSweep(openmp=openmp)(W, A, B, l1, l2, n_sweeps)
