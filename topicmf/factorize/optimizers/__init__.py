"""Optimisers as a registry of small objects, one module each.

An optimiser is a subclass of :class:`~topicmf.factorize.optimizers.base.Optimizer`
decorated with :func:`register`: it creates its own state (shared variables),
builds the symbolic graph of one step (:meth:`build_step`) and resets its state
when a restart begins (:meth:`reset`). Every module of this package is imported
here, so adding an optimiser is adding one file.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

from .base import OPTIMIZERS, Optimizer, StepGraph, get_optimizer, register

__all__ = ["OPTIMIZERS", "Optimizer", "StepGraph", "get_optimizer", "register", "names"]

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base":
        import_module(f"{__name__}.{_info.name}")


def names() -> tuple[str, ...]:
    """Registered optimiser names, the default (``"hals"``) first."""
    return tuple(sorted(OPTIMIZERS, key=lambda n: (n != "hals", n)))
