"""Extrapolation between iterations (Ang and Gillis, Neural Computation 2019).

After an accepted iteration ``Y_n`` the next one starts from the extrapolated
point ``max(Y_n + beta (Y_n - Y_{n-1}), 0)`` for W and H alike. The step size
adapts ("heuristic extrapolation with restarts"): when an iteration lowers the
objective, ``beta`` grows by :data:`GROWTH` up to a cap that itself grows by
:data:`CAP_GROWTH` up to 1; when it raises the objective, that iteration is
discarded, the cap becomes the ``beta`` that failed, ``beta`` shrinks by
:data:`SHRINK`, and the next iteration starts from ``Y_n`` itself (a plain
HALS step, always kept: it cannot raise the objective beyond rounding). The
objective therefore does not rise between the iterates a fit reports, up to
the rounding of the loss (float32: about 1e-6 relative).

Measured (``scripts/benchmark_core.py``; HALS, NNDSVD start, tol 1e-4, one
thread, iterations to convergence without -> with extrapolation, same final
error to 6 digits): BBC k=5 24 -> 15, k=20 55 -> 49; AG News k=4 41 -> 22,
k=20 57 -> 32; apache_jira_bugs k=8 72 -> 28, k=20 51 -> 27; synthetic
50,000 x 30,000 k=20 13 -> 12. The extra work per iteration is a few
element-wise passes over W and H, small against the sparse products.

This module is the rule only (NumPy); the single-machine solver and the
distributed HALS driver apply it to their own storage of W.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Extrapolation", "extrapolated", "BETA0", "GROWTH", "CAP_GROWTH", "SHRINK"]

#: First extrapolation weight (Ang and Gillis' beta_0).
BETA0 = 0.5
#: Growth of beta after an iteration that lowered the objective (gamma).
GROWTH = 1.05
#: Growth of beta's cap after such an iteration (gamma bar), up to 1.
CAP_GROWTH = 1.01
#: Division of beta after an iteration that raised the objective (eta).
SHRINK = 1.5


def extrapolated(current: np.ndarray, previous: np.ndarray, beta: float) -> np.ndarray:
    """``max(current + beta (current - previous), 0)``, a new C-contiguous array."""
    out = np.subtract(current, previous)
    out *= beta
    out += current
    np.maximum(out, 0, out=out)
    return out


class Extrapolation:
    """The adaptive weight and the accept/discard decision of one restart's run.

    Use: before a step, ``extrapolate`` tells whether to start from the
    extrapolated point (with weight ``beta``); after it, ``judge(loss)`` tells
    whether to keep the new iterate or go back to the previous one.
    """

    def __init__(self) -> None:
        self.beta = BETA0
        self.cap = 1.0
        self.best = np.inf
        self._plain_next = True  # no previous iterate yet

    @property
    def extrapolate(self) -> bool:
        """Whether the next step starts from the extrapolated point."""
        return not self._plain_next

    def judge(self, loss: float) -> bool:
        """After a step: True to keep its iterate, False to discard it (a step from an
        extrapolated point that raised the objective). A plain step is always kept: it
        cannot raise the objective beyond rounding, and in float32 that rounding alone
        would otherwise discard it over and over."""
        if not self._plain_next and loss > self.best:
            self.cap = self.beta
            self.beta /= SHRINK
            self._plain_next = True
            return False
        self.best = loss
        self.beta = min(self.cap, GROWTH * self.beta)
        self.cap = min(1.0, CAP_GROWTH * self.cap)
        self._plain_next = False
        return True
