"""``"normalized"``: the original rule ``p <- max(0, p - beta g / ||g||)``, the faithful baseline."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import _graph
from .._backend import tensor as at
from .base import Optimizer, StepGraph, register


@register("normalized")
class NormalizedGradient(Optimizer):
    """Normalised projected-gradient steps, gradients from the backend's ``grad``.

    A step that would raise f is rejected and halves beta (the decaying step);
    an accepted one keeps beta. State: ``beta_W``, ``beta_H`` and ``f_old`` (f at
    the current point); each restart starts with beta = 0.1 times the norm of
    its factor.
    """

    def __init__(self, problem: _graph.Problem, dtype: str) -> None:
        super().__init__(problem, dtype)
        self.beta_W = self._scalar(1.0, "beta_W")
        self.beta_H = self._scalar(1.0, "beta_H")
        self.f_old = self._scalar(np.inf, "f_old")

    def build_step(self) -> StepGraph:
        p = self.problem
        eps = _graph.EPS
        f = _graph.build_objective(p)
        g_W, g_H = at.grad(f, [p.W, p.Ht])
        violation = _graph.build_violation(p.W, g_W) + _graph.build_violation(p.Ht, g_H)
        violation.name = "violation"
        W_new = at.cast(at.maximum(p.W - self.beta_W * g_W / (at.sqrt(at.sum(g_W**2)) + eps), 0.0), p.W.dtype)
        Ht_new = at.cast(at.maximum(p.Ht - self.beta_H * g_H / (at.sqrt(at.sum(g_H**2)) + eps), 0.0), p.W.dtype)
        f_new = _graph.build_objective(p, W_new, Ht_new)
        accept = at.le(f_new, self.f_old)
        accept.name = "accepted"
        half = at.cast(0.5, self.beta_W.dtype)
        updates = [
            (p.W, at.switch(accept, W_new, p.W)),
            (p.Ht, at.switch(accept, Ht_new, p.Ht)),
            (self.beta_W, at.switch(accept, self.beta_W, self.beta_W * half)),
            (self.beta_H, at.switch(accept, self.beta_H, self.beta_H * half)),
            (self.f_old, at.switch(accept, f_new, self.f_old)),
        ]
        loss = at.switch(accept, f_new, self.f_old)
        loss.name = "loss"
        return StepGraph(loss, accept, violation, updates)

    def reset(self, W: np.ndarray, Ht: np.ndarray, loss: Callable[[], float]) -> None:
        self.f_old.set_value(np.asarray(loss(), dtype=self.dtype))
        self.beta_W.set_value(np.asarray(0.1 * np.linalg.norm(W) + 1e-12, dtype=self.dtype))
        self.beta_H.set_value(np.asarray(0.1 * np.linalg.norm(Ht) + 1e-12, dtype=self.dtype))
