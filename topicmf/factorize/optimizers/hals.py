"""``"hals"``: block coordinate descent (HALS) on the C sweep kernel; the default."""

from __future__ import annotations

from .. import _graph
from .._backend import tensor as at
from .._ops import csr_dot, hals_sweep
from .base import Optimizer, StepGraph, register


@register("hals")
class Hals(Optimizer):
    """``n_sweeps`` sweeps over W's columns, then over H's, per pair of sparse products.

    The L1/L2 terms are in the closed-form coordinate update (scikit-learn's
    ``cd``). The loss comes from statistics the sweep kernel returns (``sum``,
    ``sum of squares``, ``sum(Ht * X^T W)``), so it costs no extra pass. Steps are
    always taken (coordinate descent cannot raise f). Extrapolation between
    iterations applies (:mod:`.._extrapolation`, measured there).
    """

    extrapolates = True
    kernels_only = True

    def build_step(self) -> StepGraph:
        p = self.problem
        XHt = csr_dot(*p.X_parts, p.Ht, openmp=p.openmp)
        XHt.name = "XHt"
        HHt = at.dot(p.Ht.T, p.Ht)
        HHt.name = "HHt"
        W_new, stats_W, viol_W = hals_sweep(p.W, XHt, HHt, p.l1_W, p.l2_W, p.n_sweeps, openmp=p.openmp)
        W_new.name = "W_new"
        XtW, WtW = _graph.build_half_products(p, W_new)
        Ht_new, stats_H, viol_H = hals_sweep(p.Ht, XtW, WtW, p.l1_H, p.l2_H, p.n_sweeps, openmp=p.openmp)
        Ht_new.name = "Ht_new"
        fit = 0.5 * (p.norm_X2 - 2.0 * stats_H[2] + at.sum(WtW * at.dot(Ht_new.T, Ht_new)))
        loss = (fit + 0.5 * p.l2_W * stats_W[1] + 0.5 * p.l2_H * stats_H[1]
                + p.l1_W * stats_W[0] + p.l1_H * stats_H[0])
        loss.name = "loss"
        violation = viol_W + viol_H
        violation.name = "violation"
        return StepGraph(loss, _graph.always(), violation, [(p.W, W_new), (p.Ht, Ht_new)])
