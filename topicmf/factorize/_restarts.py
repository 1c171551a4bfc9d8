"""Restarts: seeded starts, and running them under a racing plan on an executor.

Each restart is a pure function of (X, its start, the settings), so restarts
run anywhere (:mod:`._executor`); how long each runs is the racing rule
(:mod:`._racing`); this module only composes the two and decides which
factors to keep in memory.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._executor import Executor, Settings, make_executor
from ._init import nndsvd_init, random_init
from ._racing import RacePlan
from ._settling import reference_directions
from ._solver import RestartResult

__all__ = ["Settings", "Start", "best_restart", "calibration_start", "make_starts", "run_restarts"]

logger = logging.getLogger(__name__)


@dataclass
class Start:
    """How to build restart ``index``'s initial (W, Ht): cheap to keep and to ship."""

    index: int
    kind: str
    rng: np.random.Generator
    n_topics: int
    dtype: str
    #: factors already made (by :func:`calibration_start`'s caller), handed out once
    made: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def realize(self, X: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """The initial ``(W, Ht)``: the same draws however often and wherever it runs."""
        if self.made is not None:
            made, self.made = self.made, None
            return made
        rng = copy.deepcopy(self.rng)
        init = nndsvd_init if self.kind == "nndsvd" else random_init
        return init(X, self.n_topics, rng, self.dtype)


def calibration_start(starts: Sequence[Start], n_topics: int, random_state: Any) -> Start:
    """The NNDSVD start the L1 calibration reads (``sparsity``): restart 0's own when it is
    NNDSVD, so one randomized SVD serves both, else one seeded by ``random_state``."""
    if starts and starts[0].kind == "nndsvd":
        return Start(0, "nndsvd", starts[0].rng, n_topics, "float64")
    seed = int(random_state) if isinstance(random_state, (int, np.integer)) else 0
    return Start(0, "nndsvd", np.random.default_rng(seed), n_topics, "float64")


def make_starts(n_topics: int, n_restarts: int, init: str, random_state: Any, dtype: str) -> list[Start]:
    """The start of each restart, from child generators of one seeded generator.

    ``init="random"``: all random; ``"nndsvd"``: restart 0 is NNDSVD, the others
    random. Restart i uses ``rng.spawn`` child i, so it is reproducible alone.
    Starts are built when a restart first runs (:meth:`Start.realize`), so
    only the restarts in progress hold factors.
    """
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(0, 2**31 - 1)
    root = np.random.default_rng(random_state)
    return [
        Start(i, "nndsvd" if (init == "nndsvd" and i == 0) else "random", child, n_topics, dtype)
        for i, child in enumerate(root.spawn(n_restarts))
    ]


class _Keeper:
    """Holds every restart's state; keeps W only for restarts that can still be the best."""

    def __init__(self, starts: Sequence[Start]) -> None:
        self.states = [RestartResult(None, None, math.inf, 0, False, False, [], 0.0, None, st) for st in starts]
        self.open: set[int] = set(range(len(starts)))

    def close(self, i: int) -> None:
        """Restart i will not run again: drop its W unless it is the best closed one (H stays).
        A restart that matched the reference is never kept, as :func:`best_restart` never picks one."""
        self.open.discard(i)
        closed = [j for j in range(len(self.states)) if j not in self.open and self.states[j].W is not None]
        keepable = [j for j in closed if not self.states[j].matched]
        best = min(keepable, key=lambda j: self.states[j].loss) if keepable else None
        for j in closed:
            if j != best:
                self.states[j].W = None


def best_restart(results: Sequence[RestartResult], losses: np.ndarray) -> int:
    """The restart whose factors a fit keeps: the lowest loss among the restarts that did not
    stop by matching the reference's topics (``matched``: such a restart stands for the
    reference's optimum, which restart 0 reached and converged at; :class:`_Keeper` keeps W by
    the same rule)."""
    eligible = np.where([r.matched for r in results], np.inf, np.asarray(losses, dtype=np.float64))
    return int(np.argmin(eligible)) if np.isfinite(eligible).any() else int(np.argmin(losses))


def _reference(state: RestartResult) -> np.ndarray | None:
    """What challengers are matched against: the reference restart's topics, only when it
    converged (a diverged or cut-off reference is no optimum to stand for)."""
    if not state.converged or state.diverged:
        return None
    return reference_directions(state.Ht)


def _ranked(plan: RacePlan, states: list[RestartResult], challengers: list[int],
            budget: int | list[int]) -> list[int]:
    """Challengers that continue (:meth:`RacePlan.survivors`); one that matched the reference is done."""
    losses = [math.inf if states[i].matched else states[i].loss for i in challengers]
    return [challengers[j] for j in plan.survivors(losses, states[0].loss_history, budget)]


def run_restarts(
    X: sp.csr_matrix,
    XT: sp.csr_matrix,
    starts: list[Start],
    s: Settings,
    *,
    executor: Executor | None = None,
    n_jobs: int = 1,
    race: bool | str = True,
    progress: Callable[[int], Any] | None = None,
) -> list[RestartResult]:
    """Run every restart; return their results in restart order.

    Parameters
    ----------
    X, XT : CSR matrices, shapes (n_documents, n_terms) and (n_terms, n_documents)
    starts : list of Start
    s : Settings
    executor : Executor, optional
        Where restarts run; default: this process, or ``n_jobs`` worker
        processes. Results do not depend on it.
    n_jobs : int, default=1
    race : bool or "topics", default=True
        Follow :class:`~topicmf.factorize._racing.RacePlan` (3+ restarts);
        ``"topics"``: challengers run until their topics settle (2+ restarts);
        in both, a challenger stops once its topics match the converged
        reference's (``matched``, see :mod:`._racing`); False: every restart
        runs to convergence or ``max_iter``.
    progress : callable(int), optional
        Called with 1 each time a restart finishes a phase.
    """
    executor = executor if executor is not None else make_executor(min(n_jobs, len(starts)))
    keeper = _Keeper(starts)
    states = keeper.states

    def store(close: bool) -> Callable[[int, RestartResult], None]:
        def on_result(i: int, st: RestartResult) -> None:
            states[i] = st
            if close:
                keeper.close(i)
            if progress is not None:
                progress(1)
        return on_result

    everyone = list(range(len(states)))
    plan = RacePlan(max_iter=s.max_iter)
    if race == "topics" and len(states) >= 2:
        return _race_topics(X, XT, states, s, executor, keeper, store, plan)
    if not (race is True and plan.applies(len(states))):
        executor.advance(X, XT, states, everyone, s, s.max_iter, store(close=True))
        return states
    executor.advance(X, XT, states, [0], s, plan.reference_budget(), store(close=True))
    reference_iter = states[0].n_iter
    budget = plan.challenger_budget(reference_iter, len(states))
    challengers = everyone[1:]
    s = dataclasses.replace(s, reference=_reference(states[0]))
    executor.advance(X, XT, states, challengers, s, budget, store(close=False))
    ranked = _ranked(plan, states, challengers, budget)
    for i in challengers:
        if i not in ranked:
            keeper.close(i)
    logger.info("racing: restarts %s continue after %d iterations; %d stop", ranked, budget,
                len(challengers) - len(ranked))
    if ranked:
        executor.advance(X, XT, states, ranked, s, plan.final_budget(reference_iter, budget), store(close=True))
    return states


def _race_topics(X: sp.csr_matrix, XT: sp.csr_matrix, states: list[RestartResult], s: Settings, executor: Executor,
                 keeper: _Keeper, store: Callable[[bool], Callable[[int, RestartResult], None]],
                 plan: RacePlan) -> list[RestartResult]:
    """``race="topics"``: the reference to convergence, challengers until their topics settle
    (or match the reference's), the best of those ahead of the reference (at equal iterations)
    on to convergence (or a match)."""
    executor.advance(X, XT, states, [0], s, s.max_iter, store(True))
    challengers = list(range(1, len(states)))
    s = dataclasses.replace(s, reference=_reference(states[0]))
    executor.advance(X, XT, states, challengers, dataclasses.replace(s, settle=True), s.max_iter, store(False))
    ranked = _ranked(plan, states, challengers, [states[i].n_iter for i in challengers])
    for i in challengers:
        if i not in ranked:
            keeper.close(i)
    logger.info("racing (topics): restarts settled after %s iterations (matched the reference: %s); "
                "%s continue", [states[i].n_iter for i in challengers],
                [i for i in challengers if states[i].matched], ranked)
    if ranked:
        executor.advance(X, XT, states, ranked, s, s.max_iter, store(True))
    return states
