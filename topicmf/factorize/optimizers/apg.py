"""``"apg"``: accelerated projected gradient (Nesterov) on autodiff gradients."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import _graph
from .._backend import tensor as at
from .base import Optimizer, StepGraph, register


@register("apg")
class AcceleratedProjectedGradient(Optimizer):
    """Alternating W then H, each from its Nesterov-extrapolated point with step 1/L.

    L is the Frobenius bound of the block's Lipschitz constant. A step that
    raises f is rejected and the momentum restarts (t = 1), so the next step is
    a plain projected-gradient step, which cannot raise f. State: the previous
    factors, the momentum counter ``t`` and ``f_old``.
    """

    def __init__(self, problem: _graph.Problem, dtype: str) -> None:
        super().__init__(problem, dtype)
        self.W_prev = self._matrix("W_prev")
        self.Ht_prev = self._matrix("Ht_prev")
        self.t = self._scalar(1.0, "t")
        self.f_old = self._scalar(np.inf, "f_old")

    def build_step(self) -> StepGraph:
        p = self.problem
        eps = _graph.EPS
        t = self.t
        one = at.cast(1.0, t.dtype)
        momentum = (t - one) / (one + at.sqrt(one + 4 * t**2)) * 2  # (t_k - 1) / t_{k+1}
        Y_W = at.maximum(p.W + momentum * (p.W - self.W_prev), 0.0)
        g_W = at.grad(_graph.build_objective(p, Y_W, p.Ht), Y_W)
        L_W = at.sqrt(at.sum(at.dot(p.Ht.T, p.Ht) ** 2)) + p.l2_W + eps
        W_new = at.cast(at.maximum(Y_W - g_W / L_W, 0.0), p.W.dtype)

        Y_H = at.maximum(p.Ht + momentum * (p.Ht - self.Ht_prev), 0.0)
        g_H = at.grad(_graph.build_objective(p, W_new, Y_H), Y_H)
        L_H = at.sqrt(at.sum(at.dot(W_new.T, W_new) ** 2)) + p.l2_H + eps
        Ht_new = at.cast(at.maximum(Y_H - g_H / L_H, 0.0), p.W.dtype)

        violation = _graph.build_violation(Y_W, g_W) + _graph.build_violation(Y_H, g_H)
        violation.name = "violation"
        f_new = _graph.build_objective(p, W_new, Ht_new)
        accept = at.le(f_new, self.f_old)
        accept.name = "accepted"
        t_next = (one + at.sqrt(one + 4 * t**2)) / 2
        updates = [
            (self.W_prev, p.W),
            (self.Ht_prev, p.Ht),
            (p.W, at.switch(accept, W_new, p.W)),
            (p.Ht, at.switch(accept, Ht_new, p.Ht)),
            (t, at.switch(accept, t_next, one)),
            (self.f_old, at.switch(accept, f_new, self.f_old)),
        ]
        loss = at.switch(accept, f_new, self.f_old)
        loss.name = "loss"
        return StepGraph(loss, accept, violation, updates)

    def reset(self, W: np.ndarray, Ht: np.ndarray, loss: Callable[[], float]) -> None:
        self.f_old.set_value(np.asarray(loss(), dtype=self.dtype))
        self.t.set_value(np.asarray(1.0, dtype=self.dtype))
        self.W_prev.set_value(np.array(W, dtype=self.dtype, order="C"), borrow=True)
        self.Ht_prev.set_value(np.array(Ht, dtype=self.dtype, order="C"), borrow=True)

    def release(self) -> None:
        z = np.zeros((1, 1), dtype=self.dtype)
        self.W_prev.set_value(z.copy())
        self.Ht_prev.set_value(z.copy())
