"""Two C kernels as backend ops: CSR x dense product, and one HALS sweep.

The backends route every sparse product through scipy (single-threaded, holds
the GIL) and have no coordinate-descent primitive, so these ops are where the
factorization spends its time. Their C++ source ships beside this module
(``kernels/csr_dot.cpp``, ``kernels/hals.cpp``) and is read once; each op's
``c_code`` is a call into it. Both work row by row, so rows run on all cores
(OpenMP) and, later, on row blocks of a cluster; results do not depend on the
number of threads (each row's sums run in a fixed order). Each op has a NumPy
``perform`` that the tests compare with the C code on every specialisation
boundary and dtype.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

import numpy as np
import scipy.sparse as sp

from ._backend import Apply, CKernelOp, tensor

__all__ = ["CSRDot", "HalsSweep", "csr_dot", "hals_sweep", "MAX_SPECIALISED_R", "kernel_source"]

_CTYPES = {"float64": "npy_float64", "float32": "npy_float32", "int32": "npy_int32", "int64": "npy_int64"}
_NPY = {"float64": "NPY_FLOAT64", "float32": "NPY_FLOAT32"}
_INTS = ("int8", "int16", "int32", "int64")

#: Row kernels are C++ templates on the number of topics r up to this value
#: (compile-time loop lengths); larger r runs the generic kernel.
MAX_SPECIALISED_R = 32
#: Bumped whenever the C++ glue in this module changes (the sources are hashed).
_GLUE_VERSION = 9


@cache
def kernel_source(name: str) -> str:
    """The shipped C++ source ``kernels/<name>`` prefixed with the specialisation limit."""
    text = resources.files(__package__).joinpath("kernels", name).read_text(encoding="utf-8")
    return f"#ifndef TOPICMF_MAX_R\n#define TOPICMF_MAX_R {MAX_SPECIALISED_R}\n#endif\n{text}"


def _cache_version(name: str) -> tuple[int, ...]:
    digest = hashlib.sha256(kernel_source(name).encode("utf-8")).hexdigest()
    return (_GLUE_VERSION, MAX_SPECIALISED_R, int(digest[:12], 16))


class CSRDot(CKernelOp):
    """``out = X @ B`` for X in CSR parts (data, indices, indptr) and dense B.

    Inputs: ``data (nnz,)``, ``indices (nnz,)`` int32/int64, ``indptr (n_rows + 1,)``
    same integer type, ``B (n_cols, r)``. Output: ``(n_rows, r)``, C-ordered.
    A column index outside ``[0, n_cols)`` or an inconsistent ``indptr`` raises
    ``ValueError``. Not differentiable: the gradient-based optimisers use the
    backend's sparse ``structured_dot``.
    """

    __props__ = ("openmp",)

    def make_node(self, data, indices, indptr, B):
        data, indices, indptr, B = map(tensor.as_tensor_variable, (data, indices, indptr, B))
        if data.ndim != 1 or indices.ndim != 1 or indptr.ndim != 1 or B.ndim != 2:
            raise TypeError("CSRDot: expected (data, indices, indptr) vectors and a matrix B.")
        if indices.dtype != indptr.dtype or indices.dtype not in ("int32", "int64"):
            raise TypeError(f"CSRDot: indices/indptr must share int32 or int64; got {indices.dtype}, {indptr.dtype}.")
        if data.dtype != B.dtype or B.dtype not in _NPY:
            raise TypeError(f"CSRDot: data and B must share float32 or float64; got {data.dtype}, {B.dtype}.")
        return Apply(self, [data, indices, indptr, B], [B.type()])

    def perform(self, node, inputs, outputs):
        data, indices, indptr, B = inputs
        n = len(indptr) - 1
        if n < 0:
            raise ValueError("CSRDot: indptr is empty")
        if len(indices) != len(data) or indptr[0] != 0 or indptr[-1] > len(data) or np.any(np.diff(indptr) < 0):
            raise ValueError("CSRDot: data, indices and indptr do not agree")
        if len(indices) and (indices.min() < 0 or indices.max() >= B.shape[0]):
            raise ValueError("CSRDot: a column index is out of range of B's rows")
        X = sp.csr_matrix((data, indices, indptr), shape=(n, B.shape[0]))
        outputs[0][0] = np.ascontiguousarray(X @ B, dtype=B.dtype)

    def c_support_code(self, **kwargs):
        return kernel_source("csr_dot.cpp")

    def c_code_cache_version(self):
        return _cache_version("csr_dot.cpp")

    def c_code(self, node, name, inputs, outputs, sub):
        data, indices, indptr, B = inputs
        (out,) = outputs
        ft = _CTYPES[node.inputs[0].dtype]
        it = _CTYPES[node.inputs[1].dtype]
        npy = _NPY[node.inputs[3].dtype]
        fail = sub["fail"]
        return (f"if (topicmf_csr_dot_apply<{ft}, {it}>({data}, {indices}, {indptr}, {B}, &{out}, {npy}) != 0)"
                f" {{ {fail}; }}")


class HalsSweep(CKernelOp):
    """Sweeps of HALS (coordinate descent) over the columns of W, with A, B fixed.

    Minimises ``1/2 tr(W B W^T) - tr(W^T A) + l2/2 ||W||^2 + l1 sum(W)`` over
    ``W >= 0``: for W-updates of NMF, ``A = X H^T`` and ``B = H H^T``; for
    H-updates (on ``H^T``), ``A = X^T W`` and ``B = W^T W``. Each coordinate
    takes the closed-form step ``w_ij <- max(0, w_ij - g_ij / (B_jj + l2))`` with
    ``g_ij = (W B)_ij - A_ij + l2 w_ij + l1``, columns in order, as scikit-learn's
    ``cd`` solver does.

    Inputs: ``W (n, r)``, ``A (n, r)``, ``B (r, r)``, scalars ``l1``, ``l2`` (same
    float type) and ``n_sweeps`` (int). Outputs: the new W ``(n, r)``, the
    statistics ``[sum(W_new), sum(W_new**2), sum(W_new * A)]`` (so the loss needs
    no further passes over the factors), and the projected-gradient violation
    of the first sweep, ``sum |pg_ij|`` with ``pg = g`` where ``w > 0`` and
    ``min(g, 0)`` where ``w = 0``, each taken just before its coordinate's
    update (the quantity scikit-learn's ``cd`` solver stops on). Per-row sums
    are added in row order, so the values do not depend on the number of threads.
    """

    __props__ = ("openmp",)

    def make_node(self, W, A, B, l1, l2, n_sweeps):
        W, A, B, l1, l2, n_sweeps = map(tensor.as_tensor_variable, (W, A, B, l1, l2, n_sweeps))
        if W.ndim != 2 or A.ndim != 2 or B.ndim != 2 or l1.ndim or l2.ndim or n_sweeps.ndim:
            raise TypeError("HalsSweep: expected matrices W, A, B and scalars l1, l2, n_sweeps.")
        if len({W.dtype, A.dtype, B.dtype, l1.dtype, l2.dtype}) != 1 or W.dtype not in _NPY:
            raise TypeError("HalsSweep: W, A, B, l1, l2 must share float32 or float64.")
        if n_sweeps.dtype not in _INTS:
            raise TypeError(f"HalsSweep: n_sweeps must be an integer; got {n_sweeps.dtype}.")
        stats = tensor.TensorType(W.dtype, shape=(None,))()
        return Apply(self, [W, A, B, l1, l2, n_sweeps], [W.type(), stats, l1.type()])

    def perform(self, node, inputs, outputs):
        W, A, B, l1, l2, n_sweeps = inputs
        if A.shape != W.shape or B.shape != (W.shape[1], W.shape[1]):
            raise ValueError("HalsSweep: shapes of W, A, B do not agree")
        if n_sweeps < 0:
            raise ValueError("HalsSweep: n_sweeps must be >= 0")
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
        total = W.dtype.type(0)
        for v in row_viol:  # row order, as the C code
            total += v
        outputs[1][0] = np.array([W.sum(), (W * W).sum(), (W * A).sum()], dtype=W.dtype)
        outputs[2][0] = np.asarray(total, dtype=W.dtype)

    def c_support_code(self, **kwargs):
        return kernel_source("hals.cpp")

    def c_code_cache_version(self):
        return _cache_version("hals.cpp")

    def c_code(self, node, name, inputs, outputs, sub):
        W, A, B, l1, l2, n_sweeps = inputs
        out, stats, viol = outputs
        ft = _CTYPES[node.inputs[0].dtype]
        st = "npy_" + node.inputs[5].dtype
        npy = _NPY[node.inputs[0].dtype]
        fail = sub["fail"]
        return (
            f"if (topicmf_hals_apply<{ft}>({W}, {A}, {B}, *({ft}*) PyArray_DATA({l1}), "
            f"*({ft}*) PyArray_DATA({l2}), (npy_intp) *({st}*) PyArray_DATA({n_sweeps}), "
            f"&{out}, &{stats}, &{viol}, {npy}) != 0) {{ {fail}; }}"
        )


def csr_dot(data, indices, indptr, B, *, openmp: bool = True):
    """Symbolic ``X @ B`` for CSR parts of X; see :class:`CSRDot`."""
    return CSRDot(openmp=openmp)(data, indices, indptr, B)


def hals_sweep(W, A, B, l1, l2, n_sweeps, *, openmp: bool = True):
    """Symbolic HALS sweeps; returns ``(W_new, stats, violation)``; see :class:`HalsSweep`."""
    return HalsSweep(openmp=openmp)(W, A, B, l1, l2, n_sweeps)
