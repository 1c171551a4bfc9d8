"""The one place that imports Dask (lazily): the client API, lost-data errors, worker lists.

topicmf's other modules import without Dask installed; a function that needs
a cluster calls :func:`require` first and gets an ImportError that says how
to install it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["require", "lost_data_errors", "worker_addresses", "holders", "on"]

INSTALL_HINT = "pip install 'topicmf[dask]' (or pip install 'dask[distributed]')"


def require() -> Any:
    """The ``distributed`` module, or ImportError with the install command."""
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - exercised without Dask installed
        raise ImportError(f"topicmf.distributed needs Dask's distributed scheduler: {INSTALL_HINT}.") from exc
    return distributed


def lost_data_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean results were lost with a worker (not an error of the computation);
    a scatter that times out counts (it waits on a worker that died)."""
    from concurrent.futures import CancelledError

    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    return (CancelledError, KilledWorker, CommClosedError, TimeoutError)


def worker_addresses(client: Any) -> list[str]:
    """Addresses of the workers connected now, sorted."""
    try:
        info = client.scheduler_info(n_workers=-1)
    except TypeError:  # Dask before 2025: every worker is listed
        info = client.scheduler_info()
    return sorted(info["workers"])


def holders(client: Any, futures: list[Any]) -> list[list[str]]:
    """For each future, the workers holding its result now (empty when lost or not computed)."""
    gone = ("cancelled", "error", "lost")
    live = [f for f in futures if f.status not in gone]
    try:
        who = client.who_has(live) if live else {}
    except lost_data_errors():  # one was cancelled meanwhile: count only those still finished
        who = {f.key: ("?",) for f in live if f.status == "finished"}
    return [list(who.get(f.key, ())) if f.status not in gone else [] for f in futures]


def on(worker: str | None) -> dict[str, Any]:
    """``submit``/``scatter`` keywords preferring ``worker`` (any worker if it is gone); none for None."""
    return {"workers": [worker], "allow_other_workers": True} if worker else {}
