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
from aesara.tensor import as_tensor_variable

__all__ = ["CSRDot", "HalsSweep", "csr_dot", "hals_sweep"]

_CTYPES = {"float64": "npy_float64", "float32": "npy_float32", "int32": "npy_int32", "int64": "npy_int64"}
_NPY = {"float64": "NPY_FLOAT64", "float32": "NPY_FLOAT32"}


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

    def c_code_cache_version(self):
        return (4,)

    def c_code(self, node, name, inputs, outputs, sub):
        data, indices, indptr, B = inputs
        (out,) = outputs
        ft = _CTYPES[node.inputs[0].dtype]
        it = _CTYPES[node.inputs[1].dtype]
        npy = _NPY[node.inputs[3].dtype]
        fail = sub["fail"]
        omp = "#pragma omp parallel for schedule(guided)" if self.openmp else ""
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
        int bad = 0;
        {omp}
        for (npy_intp i = 0; i < n; ++i) {{
            {ft}* o = Od + i * r;
            for (npy_intp j = 0; j < r; ++j) o[j] = 0;
            for ({it} p = Xp[i]; p < Xp[i + 1]; ++p) {{
                const {it} c = Xi[p];
                if (c < 0 || c >= m) {{ bad = 1; continue; }}
                const {ft} v = Xd[p];
                const {ft}* b = Bd + (npy_intp) c * r;
                for (npy_intp j = 0; j < r; ++j) o[j] += v * b[j];
            }}
        }}
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
    float type) and ``n_sweeps`` (int). Output: the new W ``(n, r)``.
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
        return Apply(self, [W, A, B, l1, l2, n_sweeps], [W.type()])

    def perform(self, node, inputs, outputs):
        W, A, B, l1, l2, n_sweeps = inputs
        W = np.array(W, dtype=W.dtype, order="C", copy=True)
        WB = W @ B  # kept current: each column change updates it by an outer product
        for _ in range(int(n_sweeps)):
            for j in range(W.shape[1]):
                hess = B[j, j] + l2
                if hess <= 0:
                    continue
                grad = WB[:, j] - A[:, j] + l2 * W[:, j] + l1
                new = np.maximum(W[:, j] - grad * (1 / hess), 0)
                WB += np.outer(new - W[:, j], B[j, :])
                W[:, j] = new
        outputs[0][0] = W

    def c_code_cache_version(self):
        return (5,)

    def c_code(self, node, name, inputs, outputs, sub):
        W, A, B, l1, l2, n_sweeps = inputs
        (out,) = outputs
        ft = _CTYPES[node.inputs[0].dtype]
        st = "npy_" + node.inputs[5].dtype
        npy = _NPY[node.inputs[0].dtype]
        fail = sub["fail"]
        omp_region = "#pragma omp parallel" if self.openmp else ""
        omp_for = "#pragma omp for schedule(static)" if self.openmp else ""
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
        if (!{out}) {{ Py_DECREF(Ac); Py_DECREF(Bc); {fail}; }}
        const {ft}* __restrict__ Ad = (const {ft}*) PyArray_DATA(Ac);
        const {ft}* __restrict__ Bd = (const {ft}*) PyArray_DATA(Bc);
        {ft}* __restrict__ Wd = ({ft}*) PyArray_DATA({out});
        const {ft} l1v = *({ft}*) PyArray_DATA({l1});
        const {ft} l2v = *({ft}*) PyArray_DATA({l2});
        const npy_intp sweeps = (npy_intp) *({st}*) PyArray_DATA({n_sweeps});
        int nomem = 0;
        /* 1 / (B_jj + l2) once per column; 0 marks a column to skip */
        {ft}* inv = ({ft}*) malloc((r > 0 ? r : 1) * sizeof({ft}));
        if (!inv) {{ Py_DECREF(Ac); Py_DECREF(Bc); PyErr_NoMemory(); {fail}; }}
        for (npy_intp j = 0; j < r; ++j) {{
            const {ft} hess = Bd[j * r + j] + l2v;
            inv[j] = hess > 0 ? 1 / hess : 0;
        }}
        {omp_region}
        {{
        /* wb = w B for the current row, kept current by an axpy per changed w_j */
        {ft}* wb = ({ft}*) malloc((r > 0 ? r : 1) * sizeof({ft}));
        if (!wb) nomem = 1;
        {omp_for}
        for (npy_intp i = 0; i < n; ++i) {{
            if (!wb) continue;
            {ft}* w = Wd + i * r;
            const {ft}* a = Ad + i * r;
            for (npy_intp l = 0; l < r; ++l) wb[l] = 0;
            for (npy_intp j = 0; j < r; ++j) {{
                const {ft} wj = w[j];
                if (wj == 0) continue;
                const {ft}* __restrict__ brow = Bd + j * r;
                for (npy_intp l = 0; l < r; ++l) wb[l] += wj * brow[l];
            }}
            for (npy_intp s = 0; s < sweeps; ++s) {{
                for (npy_intp j = 0; j < r; ++j) {{
                    if (inv[j] == 0) continue;
                    const {ft} g = wb[j] - a[j] + l2v * w[j] + l1v;
                    {ft} v = w[j] - g * inv[j];
                    v = v > 0 ? v : 0;
                    const {ft} delta = v - w[j];
                    if (delta != 0) {{
                        const {ft}* __restrict__ brow = Bd + j * r;
                        for (npy_intp l = 0; l < r; ++l) wb[l] += delta * brow[l];
                        w[j] = v;
                    }}
                }}
            }}
        }}
        free(wb);
        }}
        free(inv);
        Py_DECREF(Ac); Py_DECREF(Bc);
        if (nomem) {{ PyErr_NoMemory(); {fail}; }}
        }}
        """


def csr_dot(data, indices, indptr, B, *, openmp: bool = True):
    """Symbolic ``X @ B`` for CSR parts of X; see :class:`CSRDot`."""
    return CSRDot(openmp=openmp)(data, indices, indptr, B)


def hals_sweep(W, A, B, l1, l2, n_sweeps, *, openmp: bool = True):
    """Symbolic HALS sweeps; see :class:`HalsSweep`."""
    return HalsSweep(openmp=openmp)(W, A, B, l1, l2, n_sweeps)
