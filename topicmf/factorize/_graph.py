"""Symbolic graphs of the objective and of one optimisation step (never compiled here).

Orientation: X (n_documents, n_terms), W (n_documents, n_topics), and the core
stores Ht = H^T (n_terms, n_topics), C-ordered, so both sparse products are
CSR x dense row sweeps: ``X @ Ht`` and ``X^T @ W`` (with a CSR copy of X^T).

The objective is expanded so that W @ H is never formed::

    f = 1/2 (||X||^2 - 2 sum(W * (X Ht)) + sum((W^T W) * (Ht^T Ht)))
        + l2_W/2 ||W||^2 + l2_H/2 ||H||^2 + l1_W sum(W) + l1_H sum(H)

Every builder takes a :class:`Problem` of symbolic variables and returns
symbolic outputs plus an ``updates`` list; ``_solver.py`` compiles them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import aesara.sparse as asp
import aesara.tensor as at
from aesara.tensor.var import TensorVariable

from ._ops import csr_dot, hals_sweep

__all__ = [
    "Problem",
    "build_objective",
    "build_violation",
    "build_penalty",
    "build_loss_from_products",
    "build_hals_step",
    "build_mu_step",
    "build_normalized_step",
    "build_apg_step",
    "build_transform_prepare",
    "build_transform_step",
]

EPS = 1e-12


def build_violation(P, G):
    """Projected-gradient violation ``sum |pg|``: pg = G where P > 0, min(G, 0) where P = 0."""
    return at.sum(abs(at.switch(at.gt(P, 0), G, at.minimum(G, 0))))


def _always():
    return at.as_tensor_variable(np.int8(1))


@dataclass
class Problem:
    """The symbolic variables one step reads (shared variables in practice).

    X_sparse is the CSR sparse variable (for autodiff); X_parts and XT_parts are
    its (data, indices, indptr) and those of the CSR copy of X^T (for the C kernels).
    """

    X_sparse: object
    X_parts: tuple
    XT_parts: tuple
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
    XHt = asp.structured_dot(p.X_sparse, Ht)
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


def _half_products(p: Problem, W_new):
    XtW = csr_dot(*p.XT_parts, W_new, openmp=p.openmp)
    XtW.name = "XtW"
    WtW = at.dot(W_new.T, W_new)
    WtW.name = "WtW"
    return XtW, WtW


def build_hals_step(p: Problem):
    """One HALS iteration: ``n_sweeps`` sweeps over W's columns, then over H's.

    Every ``build_*_step`` returns ``(loss, accepted, violation, updates)``: f
    after the step, whether the step was taken (int8), the projected-gradient
    violation measured at the start of each block update, and the updates.
    Here the loss comes from statistics the sweep kernel returns
    (``sum``, ``sum of squares``, ``sum(Ht * X^T W)``), so it costs no extra pass.
    """
    XHt = csr_dot(*p.X_parts, p.Ht, openmp=p.openmp)
    HHt = at.dot(p.Ht.T, p.Ht)
    W_new, stats_W, viol_W = hals_sweep(p.W, XHt, HHt, p.l1_W, p.l2_W, p.n_sweeps, openmp=p.openmp)
    XtW, WtW = _half_products(p, W_new)
    Ht_new, stats_H, viol_H = hals_sweep(p.Ht, XtW, WtW, p.l1_H, p.l2_H, p.n_sweeps, openmp=p.openmp)
    fit = 0.5 * (p.norm_X2 - 2.0 * stats_H[2] + at.sum(WtW * at.dot(Ht_new.T, Ht_new)))
    loss = (fit + 0.5 * p.l2_W * stats_W[1] + 0.5 * p.l2_H * stats_H[1]
            + p.l1_W * stats_W[0] + p.l1_H * stats_H[0])
    loss.name = "loss"
    return loss, _always(), viol_W + viol_H, [(p.W, W_new), (p.Ht, Ht_new)]


def build_mu_step(p: Problem):
    """One multiplicative-update iteration (Lee and Seung, with the L1/L2 terms)."""
    XHt = csr_dot(*p.X_parts, p.Ht, openmp=p.openmp)
    HHt = at.dot(p.Ht.T, p.Ht)
    WHHt = at.dot(p.W, HHt)
    viol_W = build_violation(p.W, WHHt - XHt + p.l2_W * p.W + p.l1_W)
    W_new = p.W * XHt / (WHHt + p.l2_W * p.W + p.l1_W + EPS)
    XtW, WtW = _half_products(p, W_new)
    HtWtW = at.dot(p.Ht, WtW)
    viol_H = build_violation(p.Ht, HtWtW - XtW + p.l2_H * p.Ht + p.l1_H)
    Ht_new = p.Ht * XtW / (HtWtW + p.l2_H * p.Ht + p.l1_H + EPS)
    loss = build_loss_from_products(p, W_new, Ht_new, XtW, WtW)
    return loss, _always(), viol_W + viol_H, [(p.W, W_new), (p.Ht, Ht_new)]


def build_normalized_step(p: Problem, beta_W, beta_H, f_old):
    """The original rule ``p <- max(0, p - beta g / ||g||)``, gradients from ``aesara.grad``.

    A step that would raise f is rejected and halves beta (the decaying step);
    an accepted one keeps beta. ``f_old`` is a shared scalar holding f at the
    current point.

    Returns ``(loss, accepted, violation, updates)`` as :func:`build_hals_step`.
    """
    f = build_objective(p)
    g_W, g_H = at.grad(f, [p.W, p.Ht])
    violation = build_violation(p.W, g_W) + build_violation(p.Ht, g_H)
    W_new = at.maximum(p.W - beta_W * g_W / (at.sqrt(at.sum(g_W**2)) + EPS), 0.0)
    Ht_new = at.maximum(p.Ht - beta_H * g_H / (at.sqrt(at.sum(g_H**2)) + EPS), 0.0)
    f_new = build_objective(p, W_new, Ht_new)
    accept = at.le(f_new, f_old)
    half = at.cast(0.5, beta_W.dtype)
    updates = [
        (p.W, at.switch(accept, W_new, p.W)),
        (p.Ht, at.switch(accept, Ht_new, p.Ht)),
        (beta_W, at.switch(accept, beta_W, beta_W * half)),
        (beta_H, at.switch(accept, beta_H, beta_H * half)),
        (f_old, at.switch(accept, f_new, f_old)),
    ]
    return at.switch(accept, f_new, f_old), accept, violation, updates


def build_apg_step(p: Problem, W_prev, Ht_prev, t, f_old):
    """Accelerated projected gradient, alternating W then H, gradients from ``aesara.grad``.

    Each block steps from its Nesterov-extrapolated point with step 1/L, L the
    Frobenius bound of the block's Lipschitz constant. A step that raises f is
    rejected and the momentum restarts (t = 1), so the next step is a plain
    projected-gradient step, which cannot raise f.
    """
    one = at.cast(1.0, t.dtype)
    momentum = (t - one) / (one + at.sqrt(one + 4 * t**2)) * 2  # (t_k - 1) / t_{k+1}
    Y_W = at.maximum(p.W + momentum * (p.W - W_prev), 0.0)
    f_W = build_objective(p, Y_W, p.Ht)
    g_W = at.grad(f_W, Y_W)
    L_W = at.sqrt(at.sum(at.dot(p.Ht.T, p.Ht) ** 2)) + p.l2_W + EPS
    W_new = at.maximum(Y_W - g_W / L_W, 0.0)

    Y_H = at.maximum(p.Ht + momentum * (p.Ht - Ht_prev), 0.0)
    f_H = build_objective(p, W_new, Y_H)
    g_H = at.grad(f_H, Y_H)
    L_H = at.sqrt(at.sum(at.dot(W_new.T, W_new) ** 2)) + p.l2_H + EPS
    Ht_new = at.maximum(Y_H - g_H / L_H, 0.0)

    violation = build_violation(Y_W, g_W) + build_violation(Y_H, g_H)
    f_new = build_objective(p, W_new, Ht_new)
    accept = at.le(f_new, f_old)
    t_next = (one + at.sqrt(one + 4 * t**2)) / 2
    updates = [
        (W_prev, p.W),
        (Ht_prev, p.Ht),
        (p.W, at.switch(accept, W_new, p.W)),
        (p.Ht, at.switch(accept, Ht_new, p.Ht)),
        (t, at.switch(accept, t_next, one)),
        (f_old, at.switch(accept, f_new, f_old)),
    ]
    return at.switch(accept, f_new, f_old), accept, violation, updates


def build_transform_prepare(p: Problem, A, B):
    """Store ``A = X Ht`` and ``B = Ht^T Ht`` for the W-only problem (H fixed)."""
    XHt = csr_dot(*p.X_parts, p.Ht, openmp=p.openmp)
    return [(A, XHt), (B, at.dot(p.Ht.T, p.Ht))]


def build_transform_step(p: Problem, A, B):
    """HALS sweeps on W with H fixed; returns the largest change relative to max(W)."""
    W_new, _, _ = hals_sweep(p.W, A, B, p.l1_W, p.l2_W, p.n_sweeps, openmp=p.openmp)
    change = at.max(abs(W_new - p.W)) / (at.max(W_new) + EPS)
    return change, [(p.W, W_new)]
