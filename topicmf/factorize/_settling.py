"""Settling: stop a restart once its topics stop changing (pure NumPy; no solver).

A restart run only to be compared with others (topic stability, racing) need
not reach the loss tolerance: what is compared is the direction of each topic,
H's rows scaled to unit length, and those settle well before the loss does.
Every ``window`` iterations the current directions are compared with those of
``window`` iterations before; the topics have settled when every topic's
change ``1 - cosine`` has been below ``tol`` at ``patience`` checks in a row.

Measured (H recorded at every iteration of ``discover``'s fits, 3 seeds x 3
challenger restarts per corpus; "deviation" is the largest change, between
the stop and convergence, of any entry of the cosine matrix between the
restart's topics and the first restart's, which is what topic stability reads):
with ``window=1, tol=1e-4, patience=2`` challengers stopped after 47% (AG News
k=4), 51% (BBC k=5), 56% (BBC k=20), 60% (apache_jira_bugs k=8) and 65%
(arxiv_math_ap k=11) of the iterations the loss tolerance takes, with a
deviation of at most 0.019 on AG News and arxiv_math_ap, 0.012 and 0.024 on BBC
k=5 and k=20, and 0.068 on apache_jira_bugs (one restart of nine above 0.05;
90% below 0.03). On the bundled 240-document newsroom corpus (k=6, 12 seeds)
2 of 36 restarts sat on a plateau and moved again later (deviation 0.44); one
check instead of two (0.33 of the iterations) let one move by 0.86; even
waiting for the first restart's iteration count did not avoid 0.42. Topic
matching itself is not that stable: on BBC k=20 the Hungarian assignment of
two near-tied topics flips between iterations of a converged run.
One snapshot of H is kept.
"""

from __future__ import annotations

import numpy as np

from ..defaults import SETTLE_PATIENCE, SETTLE_TOL, SETTLE_WINDOW

__all__ = ["Settling"]


def _directions(Ht: np.ndarray) -> np.ndarray:
    """Columns of Ht (n_terms, n_topics) scaled to unit length; an empty topic stays zero."""
    norms = np.linalg.norm(Ht, axis=0)
    return np.divide(Ht, norms, out=np.zeros(Ht.shape, dtype=np.float64), where=norms > 0)


class Settling:
    """Watches a run's topics; :meth:`settled` says when they stopped changing.

    Parameters
    ----------
    tol : float, default=SETTLE_TOL
        Largest ``1 - cosine`` change of any topic over ``window`` iterations.
    window : int, default=SETTLE_WINDOW
        Iterations between comparisons (one snapshot of H is kept).
    patience : int, default=SETTLE_PATIENCE
        Consecutive comparisons that must find every change below ``tol``.
    """

    def __init__(self, tol: float = SETTLE_TOL, window: int = SETTLE_WINDOW,
                 patience: int = SETTLE_PATIENCE) -> None:
        self.tol = float(tol)
        self.window = int(window)
        self.patience = int(patience)
        self.calm = 0
        self.snapshot: np.ndarray | None = None
        self.last_change = np.inf
        self.done = False

    def settled(self, it: int, Ht: np.ndarray) -> bool:
        """Called after iteration ``it`` with the current Ht, shape (n_terms, n_topics)."""
        if it % self.window:
            return False
        if not np.isfinite(Ht).all():  # never "settled" on non-finite factors (the solver stops on them)
            self.calm, self.snapshot = 0, None
            return False
        U = _directions(Ht)
        previous, self.snapshot = self.snapshot, U
        if previous is None or previous.shape != U.shape:
            return False
        both_empty = ~U.any(axis=0) & ~previous.any(axis=0)
        change = np.where(both_empty, 0.0, 1.0 - np.einsum("ij,ij->j", U, previous))
        self.last_change = float(change.max()) if change.size else 0.0
        self.calm = self.calm + 1 if self.last_change < self.tol else 0
        self.done = self.calm >= self.patience
        return self.done
