"""``"mu"``: multiplicative updates (Lee and Seung), with the L1/L2 terms."""

from __future__ import annotations

from .. import _graph
from .._backend import tensor as at
from .._ops import csr_dot
from .base import Optimizer, StepGraph, register


@register("mu")
class MultiplicativeUpdates(Optimizer):
    """``W <- W * (X Ht) / (W Ht^T Ht + l2 W + l1)``, then the same for Ht; always taken."""

    def build_step(self) -> StepGraph:
        p = self.problem
        eps = _graph.EPS
        XHt = csr_dot(*p.X_parts, p.Ht, openmp=p.openmp)
        HHt = at.dot(p.Ht.T, p.Ht)
        WHHt = at.dot(p.W, HHt)
        viol_W = _graph.build_violation(p.W, WHHt - XHt + p.l2_W * p.W + p.l1_W)
        W_new = at.cast(p.W * XHt / (WHHt + p.l2_W * p.W + p.l1_W + eps), p.W.dtype)
        W_new.name = "W_new"
        XtW, WtW = _graph.build_half_products(p, W_new)
        HtWtW = at.dot(p.Ht, WtW)
        viol_H = _graph.build_violation(p.Ht, HtWtW - XtW + p.l2_H * p.Ht + p.l1_H)
        Ht_new = at.cast(p.Ht * XtW / (HtWtW + p.l2_H * p.Ht + p.l1_H + eps), p.W.dtype)
        Ht_new.name = "Ht_new"
        loss = _graph.build_loss_from_products(p, W_new, Ht_new, XtW, WtW)
        violation = viol_W + viol_H
        violation.name = "violation"
        return StepGraph(loss, _graph.always(), violation, [(p.W, W_new), (p.Ht, Ht_new)])
