"""Racing: the rule that decides how long each restart runs (pure; no solver, no data).

With 3+ restarts, restart 0 (the reference) runs to convergence: T
iterations. The other restarts (challengers) then share a budget of T / 2
iterations: each runs ``b = max(min_iter, ceil(T / (2 (n_restarts - 1))))``.
A challenger continues (up to T iterations) only if, after b iterations, its
loss is below the reference's loss after the same b iterations (the
reference's trace is known), and only the best of those (one per
``survivor_every``, at least one); the others stop there (``converged=False``).
No phase exceeds ``max_iter``, a hard limit. So restarts cost about 1.5 times
one restart when no challenger is ahead, and under 2.5 times in the worst
case, however many there are. Comparing at equal iteration counts is what
makes a short budget fair: a restart behind the reference after b iterations
rarely ends ahead of it (the reference is the NNDSVD start by default, which
starts close to a good solution).

``race="topics"`` (what :func:`topicmf.discover` runs, for topic stability)
replaces the budget: each challenger runs until its topics stop changing
(:mod:`._settling`), so every restart's topics can be compared with the
reference's; the same comparison at equal iteration counts then picks the
survivors, which run on to convergence (``max_iter``).

In both, a challenger whose topics all match the reference's converged topics
(1 - cosine below ``MATCH_TOL`` after a one-to-one assignment,
:mod:`._settling`) stops at once (``matched``): it is heading for the
reference's optimum, so running it on would only reach the same topics (it
never counts as a survivor, and a fit never keeps its factors: the lowest loss
among the other restarts wins, restart 0 standing for that optimum). The
reference is matched against only when it converged. This docstring is the
one statement of the rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..defaults import RACE_MIN_ITER, RACE_SURVIVOR_EVERY

__all__ = ["RacePlan"]


@dataclass(frozen=True)
class RacePlan:
    """The racing rule (see the module docstring) with its named parameters.

    Parameters
    ----------
    max_iter : int
        Hard limit on any restart's iterations.
    min_iter : int, default=RACE_MIN_ITER
        The fewest iterations a challenger gets before it is judged.
    survivor_every : int, default=RACE_SURVIVOR_EVERY
        One challenger continues per this many (at least one).
    """

    max_iter: int
    min_iter: int = RACE_MIN_ITER
    survivor_every: int = RACE_SURVIVOR_EVERY

    @staticmethod
    def applies(n_restarts: int) -> bool:
        """Racing needs a reference and at least two challengers."""
        return n_restarts >= 3

    def reference_budget(self) -> int:
        """Iterations of the reference restart: to convergence or ``max_iter``."""
        return self.max_iter

    def challenger_budget(self, reference_iter: int, n_restarts: int) -> int:
        """Iterations each challenger gets before the cut (together about half the reference's)."""
        budget = max(self.min_iter, math.ceil(reference_iter / (2 * max(n_restarts - 1, 1))))
        return min(budget, self.max_iter)

    def survivors(self, losses: Sequence[float], reference_history: Sequence[float] = (),
                  budget: int | Sequence[int] | None = None) -> list[int]:
        """Positions (in ``losses``) of the challengers that continue, best first.

        A challenger must be ahead of the reference at the same iteration count
        (``reference_history[budget - 1]``; when the reference stopped earlier,
        its final loss); ``budget`` is one count for all, or one per challenger
        (``race="topics"``: each stopped when its topics settled). Non-finite
        losses (diverged restarts) never continue; ties go to the earlier restart.
        """
        values = np.asarray([v if np.isfinite(v) else np.inf for v in losses], dtype=np.float64)
        counts = [budget] * len(values) if budget is None or isinstance(budget, int) else list(budget)
        bars = np.full(len(values), np.inf)
        if len(reference_history):
            for j, n in enumerate(counts):
                if n is not None and n > 0:
                    bars[j] = float(reference_history[min(n, len(reference_history)) - 1])
        keep = max(1, len(values) // self.survivor_every)
        order = [int(j) for j in np.argsort(values, kind="stable") if values[j] < bars[j]]
        return order[:keep]

    def final_budget(self, reference_iter: int, challenger_budget: int) -> int:
        """Total iterations a surviving challenger may reach: the reference's, within ``max_iter``."""
        return min(max(reference_iter, challenger_budget), self.max_iter)
