"""Settling: stop a restart once its topics stop changing, or once they match a
reference's (pure NumPy and SciPy; no solver).

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
One copy of H is kept.

Matching (``reference``): a challenger restart whose topics all match the
converged reference restart's topics within ``MATCH_TOL`` (1 - cosine, after
a one-to-one assignment) is on its way to the optimum the reference already
reached, so it stops too (``matched``; run on, it would end at the same topics,
at most a rounding hair lower in loss). Measured at ``MATCH_TOL``: every
challenger either ended at the reference's optimum or never came within 1e-2.
(:func:`topicmf.metrics.match_topics` does the same assignment one layer up;
this module keeps its own three lines so ``factorize`` imports nothing above it.)
"""

from __future__ import annotations

import copy

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..defaults import MATCH_TOL, SETTLE_PATIENCE, SETTLE_TOL, SETTLE_WINDOW

__all__ = ["Settling", "reference_directions"]


def _directions(Ht: np.ndarray) -> np.ndarray:
    """Columns of Ht (n_terms, n_topics) scaled to unit length; an empty topic stays zero."""
    norms = np.linalg.norm(Ht, axis=0)
    return np.divide(Ht, norms, out=np.zeros(Ht.shape, dtype=np.float64), where=norms > 0)


def reference_directions(Ht: np.ndarray | None) -> np.ndarray | None:
    """The topic directions a challenger is matched against (:class:`Settling`'s
    ``reference``), from the reference restart's Ht, shape (n_terms, n_topics);
    None when there is none or it is not finite (then nothing is matched)."""
    if Ht is None or not np.isfinite(Ht).all():
        return None
    return _directions(np.asarray(Ht))


class Settling:
    """Watches a run's topics; :meth:`settled` says when they stopped changing
    (``settle``) or match the reference's (``reference``).

    Parameters
    ----------
    tol : float, default=SETTLE_TOL
        Largest ``1 - cosine`` change of any topic over ``window`` iterations.
    window : int, default=SETTLE_WINDOW
        Iterations between comparisons (one snapshot of H is kept).
    patience : int, default=SETTLE_PATIENCE
        Consecutive comparisons that must find every change below ``tol``.
    settle : bool, default=True
        Stop once the topics stop changing; False: only match the reference.
    reference : ndarray of shape (n_terms, n_topics), optional
        Unit-length topic directions (:func:`reference_directions`); checked
        at every iteration.
    match_tol : float, default=MATCH_TOL
        Largest ``1 - cosine`` of any matched pair for the run to count as matched.
    """

    def __init__(self, tol: float = SETTLE_TOL, window: int = SETTLE_WINDOW,
                 patience: int = SETTLE_PATIENCE, *, settle: bool = True,
                 reference: np.ndarray | None = None, match_tol: float = MATCH_TOL) -> None:
        self.tol = float(tol)
        self.window = int(window)
        self.patience = int(patience)
        self.settle = bool(settle)
        self.reference = reference
        self.match_tol = float(match_tol)
        self.calm = 0
        self.snapshot: tuple[np.ndarray, np.ndarray] | None = None  # (Ht, 1 / column norms)
        self.last_change = np.inf
        self.last_match = np.inf
        self.done = False
        self.matched = False

    def settled(self, it: int, Ht: np.ndarray) -> bool:
        """Called after iteration ``it`` with the current Ht, shape (n_terms, n_topics);
        True when the run should stop (``done``; ``matched`` says which rule fired)."""
        watch_settling = self.settle and it % self.window == 0
        if self.reference is None and not watch_settling:
            return False
        if not np.isfinite(Ht).all():  # never "settled" on non-finite factors (the solver stops on them)
            self.calm, self.snapshot = 0, None
            return False
        # column norms once; directions are never formed (an (n_terms, n_topics) pass saved)
        norms = np.sqrt(np.einsum("ij,ij->j", Ht, Ht, dtype=np.float64))
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        if self.reference is not None and self._matches(Ht, inv):
            self.matched = self.done = True
            return True
        if not watch_settling:
            return False
        previous, self.snapshot = self.snapshot, (np.array(Ht, dtype=np.float64), inv)
        if previous is None or previous[0].shape != Ht.shape:
            return False
        before, inv_before = previous
        cosine = np.einsum("ij,ij->j", Ht, before, dtype=np.float64) * inv * inv_before
        both_empty = (inv == 0) & (inv_before == 0)
        change = np.where(both_empty, 0.0, 1.0 - cosine)
        self.last_change = float(change.max()) if change.size else 0.0
        self.calm = self.calm + 1 if self.last_change < self.tol else 0
        self.done = self.calm >= self.patience
        return self.done

    def __deepcopy__(self, memo: dict) -> Settling:
        """A copy for a checkpoint: its own state, the reference (read-only) shared."""
        new = copy.copy(self)
        if self.snapshot is not None:
            new.snapshot = (self.snapshot[0].copy(), self.snapshot[1].copy())
        return new

    def _matches(self, Ht: np.ndarray, inv_norms: np.ndarray) -> bool:
        reference = self.reference
        assert reference is not None
        if reference.shape != Ht.shape:
            return False
        C = (np.asarray(Ht).T @ reference) * inv_norms[:, None]  # (n_topics, n_topics) cosines
        rows, cols = linear_sum_assignment(C, maximize=True)
        self.last_match = float(1.0 - C[rows, cols].min()) if C.size else 0.0
        return self.last_match < self.match_tol
