"""The optimiser contract and its registry (no optimiser lives here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._backend import shared
from .._graph import Problem

__all__ = ["OPTIMIZERS", "Optimizer", "StepGraph", "get_optimizer", "register"]


@dataclass
class StepGraph:
    """The symbolic outputs of one step.

    Attributes
    ----------
    loss : symbolic scalar
        f after the step.
    accepted : symbolic int8 scalar
        Whether the step was taken (rejecting optimisers keep the old point).
    violation : symbolic scalar
        Projected-gradient violation measured during the step.
    updates : list of (shared variable, symbolic value)
    """

    loss: Any
    accepted: Any
    violation: Any
    updates: list


class Optimizer:
    """One optimisation rule: its state, the graph of one step, and how it restarts.

    Parameters
    ----------
    problem : Problem
        The shared variables of X, W, Ht and the penalties.
    dtype : str
        Float type of the state.
    """

    #: Registry key; set by :func:`register`.
    name: ClassVar[str] = ""
    #: Whether ``Solver.run(extrapolate=True)`` applies extrapolation between iterations
    #: (rules with momentum of their own, or not measured with it, say False).
    extrapolates: ClassVar[bool] = False
    #: Whether the step graph's work on W- and H-sized arrays is all in topicmf's kernels
    #: (compiled in ``KERNELS_MODE``: only the kernels in C; see ``_backend``).
    kernels_only: ClassVar[bool] = False

    def __init__(self, problem: Problem, dtype: str) -> None:
        self.problem = problem
        self.dtype = dtype

    def _scalar(self, value: float, name: str) -> Any:
        return shared(np.asarray(value, dtype=self.dtype), name=f"{self.name}_{name}")

    def _matrix(self, name: str) -> Any:
        return shared(np.zeros((1, 1), dtype=self.dtype), name=f"{self.name}_{name}", borrow=True)

    def build_step(self) -> StepGraph:
        """The symbolic graph of one iteration (never compiled here)."""
        raise NotImplementedError

    def reset(self, W: np.ndarray, Ht: np.ndarray, loss: Callable[[], float]) -> None:
        """Reset the state for a restart beginning at (W, Ht); ``loss()`` evaluates f there."""

    def release(self) -> None:
        """Drop references to large arrays held in the state."""


OPTIMIZERS: dict[str, type[Optimizer]] = {}


def register(name: str) -> Callable[[type[Optimizer]], type[Optimizer]]:
    """Class decorator: add an optimiser to :data:`OPTIMIZERS` under ``name``."""

    def decorate(cls: type[Optimizer]) -> type[Optimizer]:
        if name in OPTIMIZERS and OPTIMIZERS[name] is not cls:
            raise ValueError(f"optimizer {name!r} is registered twice.")
        cls.name = name
        OPTIMIZERS[name] = cls
        return cls

    return decorate


def get_optimizer(name: str) -> type[Optimizer]:
    """The optimiser class registered as ``name``.

    Raises
    ------
    ValueError
        No optimiser has that name (the message lists those that exist).
    """
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        known = ", ".join(repr(n) for n in sorted(OPTIMIZERS))
        raise ValueError(f"unknown optimizer {name!r}; known: {known}.") from None
