"""HALS on one row block of X: the kernels a cluster worker runs (no cluster code here).

X split by rows into blocks X_i (with W_i, the same rows of W) factorizes
block by block, because both halves of a HALS iteration decompose by rows:

- the W-update of block i needs only ``X_i Ht`` and ``HHt = Ht^T Ht``, and
  each row of W is swept on its own (:func:`w_step`);
- the H-update needs ``X^T W = sum_i X_i^T W_i`` and ``W^T W = sum_i W_i^T W_i``
  (:func:`h_partials`, summed over blocks), then one sweep over Ht
  (:func:`h_step`, on whoever holds the sums).

:func:`block_step` fuses :func:`w_step` and :func:`h_partials`: one call per
block per iteration. The kernels are the C ops of :mod:`._ops`, so a block's
rows get the same values as the same rows of a single-machine fit
(``optimizers/hals.py``); only the sums over blocks are added in another
order. Each function is compiled once per process and thread (a compiled
function must not be shared between threads) and per float type.

Arrays: ``Xi``, ``XiT`` CSR (``XiT`` the CSR copy of ``X_i^T``); ``Ht``
(n_terms, r); ``W_i`` (n_rows_i, r); all C-ordered in the block's float type.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._backend import compile_function
from ._backend import tensor as at
from ._ops import csr_dot, hals_sweep

__all__ = ["w_step", "h_partials", "block_step", "h_step", "gram", "compiled_functions"]

_local = threading.local()


def _csr_inputs(dtype: str, prefix: str) -> tuple[Any, Any, Any]:
    return (at.vector(f"{prefix}_data", dtype=dtype), at.ivector(f"{prefix}_indices"),
            at.ivector(f"{prefix}_indptr"))


def _w_graph(dtype: str) -> tuple[list, list]:
    X_parts = _csr_inputs(dtype, "Xi")
    Ht = at.matrix("Ht", dtype=dtype)
    W_i = at.matrix("W_i", dtype=dtype)
    HHt = at.matrix("HHt", dtype=dtype)
    l1_W = at.scalar("l1_W", dtype=dtype)
    l2_W = at.scalar("l2_W", dtype=dtype)
    n_sweeps = at.lscalar("n_sweeps")
    XHt_i = csr_dot(*X_parts, Ht)
    XHt_i.name = "XHt_i"
    W_i_new, stats_W, viol_W = hals_sweep(W_i, XHt_i, HHt, l1_W, l2_W, n_sweeps)
    W_i_new.name, stats_W.name, viol_W.name = "W_i_new", "stats_W", "viol_W"
    return [*X_parts, Ht, W_i, HHt, l1_W, l2_W, n_sweeps], [W_i_new, stats_W, viol_W]


def _partials_graph(XT_parts: tuple[Any, Any, Any], W_i: Any) -> list:
    XtW_i = csr_dot(*XT_parts, W_i)
    XtW_i.name = "XtW_i"
    WtW_i = at.dot(W_i.T, W_i)
    WtW_i.name = "WtW_i"
    return [XtW_i, WtW_i]


def _build(name: str, dtype: str) -> Any:
    if name == "w_step":
        inputs, outputs = _w_graph(dtype)
        return compile_function(inputs, outputs, name="block_w_step_fn")
    if name == "h_partials":
        XT_parts = _csr_inputs(dtype, "XiT")
        W_i = at.matrix("W_i", dtype=dtype)
        return compile_function([*XT_parts, W_i], _partials_graph(XT_parts, W_i), name="block_h_partials_fn")
    if name == "block_step":
        inputs, outputs = _w_graph(dtype)
        XT_parts = _csr_inputs(dtype, "XiT")
        return compile_function([*inputs, *XT_parts], outputs + _partials_graph(XT_parts, outputs[0]),
                                name="block_step_fn")
    if name == "h_step":
        Ht = at.matrix("Ht", dtype=dtype)
        XtW = at.matrix("XtW", dtype=dtype)
        WtW = at.matrix("WtW", dtype=dtype)
        l1_H = at.scalar("l1_H", dtype=dtype)
        l2_H = at.scalar("l2_H", dtype=dtype)
        n_sweeps = at.lscalar("n_sweeps")
        Ht_new, stats_H, viol_H = hals_sweep(Ht, XtW, WtW, l1_H, l2_H, n_sweeps)
        Ht_new.name, stats_H.name, viol_H.name = "Ht_new", "stats_H", "viol_H"
        return compile_function([Ht, XtW, WtW, l1_H, l2_H, n_sweeps], [Ht_new, stats_H, viol_H],
                                name="block_h_step_fn")
    if name == "gram":
        M = at.matrix("M", dtype=dtype)
        MtM = at.dot(M.T, M)
        MtM.name = "MtM"
        return compile_function([M], MtM, name="gram_fn")
    raise KeyError(name)


def _fn(name: str, dtype: Any) -> Callable[..., Any]:
    """The compiled function ``name`` for ``dtype`` of this thread, compiled on first use."""
    cache = getattr(_local, "fns", None)
    if cache is None:
        cache = _local.fns = {}
    key = (name, np.dtype(dtype).name)
    fn = cache.get(key)
    if fn is None:
        fn = cache[key] = _build(name, key[1])
    return fn


def compiled_functions() -> list[tuple[str, str]]:
    """(name, dtype) of the functions this thread has compiled (for tests and diagnostics)."""
    return sorted(getattr(_local, "fns", {}))


def _parts(X: sp.csr_matrix, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not sp.isspmatrix_csr(X) and not (sp.issparse(X) and X.format == "csr"):
        raise TypeError(f"expected a CSR matrix; got {type(X).__name__}.")
    return _dense(X.data, dtype), _dense(X.indices, np.int32), _dense(X.indptr, np.int32)


def _dense(A: np.ndarray, dtype: Any) -> np.ndarray:
    """C-contiguous and aligned (arrays deserialized from a network buffer may not be aligned)."""
    return np.require(A, dtype=dtype, requirements=["C_CONTIGUOUS", "ALIGNED"])


def _scalar(v: float, dtype: np.dtype) -> np.ndarray:
    return np.asarray(v, dtype=dtype)


def w_step(Xi: sp.csr_matrix, Ht: np.ndarray, W_i: np.ndarray, HHt: np.ndarray,
           l1_W: float, l2_W: float, n_sweeps: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The W-update of one block: ``XHt_i = X_i Ht``, then ``n_sweeps`` HALS sweeps over W_i.

    Returns
    -------
    W_i_new : ndarray, shape (n_rows_i, r)
    stats_W : ndarray, shape (3,)
        ``[sum(W_i_new), sum(W_i_new**2), sum(W_i_new * XHt_i)]``.
    viol_W : float
        Projected-gradient violation of the first sweep over this block.
    """
    dtype = np.dtype(Ht.dtype)
    W_new, stats, viol = _fn("w_step", dtype)(*_parts(Xi, dtype), _dense(Ht, dtype), _dense(W_i, dtype),
                                              _dense(HHt, dtype), _scalar(l1_W, dtype), _scalar(l2_W, dtype),
                                              np.int64(n_sweeps))
    return W_new, stats, float(viol)


def h_partials(XiT: sp.csr_matrix, W_i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """This block's share of the H-update: ``(X_i^T W_i, W_i^T W_i)``, shapes (n_terms, r), (r, r)."""
    dtype = np.dtype(W_i.dtype)
    XtW, WtW = _fn("h_partials", dtype)(*_parts(XiT, dtype), _dense(W_i, dtype))
    return XtW, WtW


def block_step(Xi: sp.csr_matrix, XiT: sp.csr_matrix, Ht: np.ndarray, W_i: np.ndarray, HHt: np.ndarray,
               l1_W: float, l2_W: float, n_sweeps: int
               ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, np.ndarray]:
    """:func:`w_step` then :func:`h_partials` on the new W_i, in one compiled call.

    Returns ``(W_i_new, stats_W, viol_W, XtW_i, WtW_i)``.
    """
    dtype = np.dtype(Ht.dtype)
    W_new, stats, viol, XtW, WtW = _fn("block_step", dtype)(
        *_parts(Xi, dtype), _dense(Ht, dtype), _dense(W_i, dtype), _dense(HHt, dtype),
        _scalar(l1_W, dtype), _scalar(l2_W, dtype), np.int64(n_sweeps), *_parts(XiT, dtype))
    return W_new, stats, float(viol), XtW, WtW


def h_step(Ht: np.ndarray, XtW: np.ndarray, WtW: np.ndarray, l1_H: float, l2_H: float,
           n_sweeps: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The H-update from the summed partials: ``n_sweeps`` HALS sweeps over Ht.

    Returns
    -------
    Ht_new : ndarray, shape (n_terms, r)
    stats_H : ndarray, shape (3,)
        ``[sum(Ht_new), sum(Ht_new**2), sum(Ht_new * XtW)]``.
    viol_H : float
    """
    dtype = np.dtype(Ht.dtype)
    Ht_new, stats, viol = _fn("h_step", dtype)(_dense(Ht, dtype), _dense(XtW, dtype), _dense(WtW, dtype),
                                               _scalar(l1_H, dtype), _scalar(l2_H, dtype), np.int64(n_sweeps))
    return Ht_new, stats, float(viol)


def gram(M: np.ndarray) -> np.ndarray:
    """``M^T M`` through the backend (the product the single-machine step uses for ``Ht^T Ht``)."""
    dtype = np.dtype(M.dtype)
    return _fn("gram", dtype)(_dense(M, dtype))
