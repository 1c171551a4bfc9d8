"""Symbolic graphs of the objective and of one optimisation step (never compiled here).

Orientation: X (n_documents, n_terms), W (n_documents, n_topics), and the core
stores Ht = H^T (n_terms, n_topics), C-ordered, so both sparse products are
CSR x dense row sweeps: ``X @ Ht`` and ``X^T @ W`` (with a CSR copy of X^T).

The objective is expanded so that W @ H is never formed::

    f = 1/2 (||X||^2 - 2 sum(W * (X Ht)) + sum((W^T W) * (Ht^T Ht)))
        + l2_W/2 ||W||^2 + l2_H/2 ||H||^2 + l1_W sum(W) + l1_H sum(H)

Every builder takes a :class:`Problem` of symbolic variables and returns
symbolic outputs plus an ``updates`` list; ``_solver.py`` compiles them. The
steps of each optimiser live in ``optimizers/``, one file each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._backend import TensorVariable, sparse
from ._backend import tensor as at
from ._ops import csr_dot, hals_sweep

__all__ = [
    "Problem",
    "build_objective",
    "build_violation",
    "build_penalty",
    "build_loss_from_products",
    "build_half_products",
    "always",
    "build_transform_prepare",
    "build_transform_step",
]

EPS = 1e-12


def build_violation(P, G):
    """Projected-gradient violation ``sum |pg|``: pg = G where P > 0, min(G, 0) where P = 0."""
    return at.sum(abs(at.switch(at.gt(P, 0), G, at.minimum(G, 0))))


def always():
    """A symbolic int8 1: the ``accepted`` output of optimisers whose steps are always taken."""
    return at.as_tensor_variable(np.int8(1))


@dataclass
class Problem:
    """The symbolic variables one step reads (shared variables in practice).

    X_sparse is the CSR sparse variable (for autodiff); X_parts and XT_parts are
    its (data, indices, indptr) and those of the CSR copy of X^T (for the C kernels).
    """

    X_sparse: object
    X_parts: tuple[Any, Any, Any]
    XT_parts: tuple[Any, Any, Any]
    W: TensorVariable
    Ht: TensorVariable
    norm_X2: TensorVariable
    l1_W: TensorVariable
    l1_H: TensorVariable
    l2_W: TensorVariable
    l2_H: TensorVariable
    n_sweeps: TensorVariable
    openmp: bool = True


def build_penalty(p: Problem, W, Ht):
    """The L2 and L1 terms of f at (W, Ht)."""
    return (
        0.5 * p.l2_W * at.sum(W**2)
        + 0.5 * p.l2_H * at.sum(Ht**2)
        + p.l1_W * at.sum(W)
        + p.l1_H * at.sum(Ht)
    )


def build_objective(p: Problem, W=None, Ht=None):
    """f(W, Ht) through ``aesara.sparse.structured_dot`` (differentiable by ``aesara.grad``)."""
    W = p.W if W is None else W
    Ht = p.Ht if Ht is None else Ht
    XHt = sparse.structured_dot(p.X_sparse, Ht)
    fit = 0.5 * (p.norm_X2 - 2.0 * at.sum(W * XHt) + at.sum(at.dot(W.T, W) * at.dot(Ht.T, Ht)))
    f = fit + build_penalty(p, W, Ht)
    f.name = "objective"
    return f


def build_loss_from_products(p: Problem, W, Ht, XtW, WtW):
    """f(W, Ht) reusing ``XtW = X^T W`` and ``WtW = W^T W`` (no extra sparse product)."""
    fit = 0.5 * (p.norm_X2 - 2.0 * at.sum(Ht * XtW) + at.sum(WtW * at.dot(Ht.T, Ht)))
    loss = fit + build_penalty(p, W, Ht)
    loss.name = "loss"
    return loss


def build_half_products(p: Problem, W_new):
    """``X^T W_new`` (C kernel) and ``W_new^T W_new``: what an H-update needs."""
    XtW = csr_dot(*p.XT_parts, W_new, openmp=p.openmp)
    XtW.name = "XtW"
    WtW = at.dot(W_new.T, W_new)
    WtW.name = "WtW"
    return XtW, WtW


def build_transform_prepare(p: Problem, A, B):
    """Store ``A = X Ht`` and ``B = Ht^T Ht`` for the W-only problem (H fixed)."""
    XHt = csr_dot(*p.X_parts, p.Ht, openmp=p.openmp)
    return [(A, XHt), (B, at.dot(p.Ht.T, p.Ht))]


def build_transform_step(p: Problem, A, B):
    """HALS sweeps on W with H fixed; returns the largest change relative to max(W)."""
    W_new, _, _ = hals_sweep(p.W, A, B, p.l1_W, p.l2_W, p.n_sweeps, openmp=p.openmp)
    change = at.max(abs(W_new - p.W)) / (at.max(W_new) + EPS)
    return change, [(p.W, W_new)]
