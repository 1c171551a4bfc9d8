"""A Dask client for the command line: connect to a scheduler, or start a local cluster.

``topicmf discover ... --scheduler tcp://host:8786`` connects to a running
cluster; ``--workers N`` starts N local worker processes of one thread each
(the kernels' threads are the workers' business) and closes them afterwards.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from . import _dask

__all__ = ["open_client"]

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def open_client(scheduler: str | None = None, n_workers: int | None = None, *,
                timeout: float = 60.0) -> Iterator[Any]:
    """A ``distributed.Client`` for the duration of the block.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); the cluster is left running.
    n_workers : int, optional
        Start a local cluster of this many worker processes (1 thread each);
        it is closed at the end of the block.
    timeout : float, default=60
        Seconds to wait for the scheduler.

    Raises
    ------
    ValueError
        Both or neither of ``scheduler`` and ``n_workers``, or ``n_workers < 1``.
    OSError
        The scheduler cannot be reached (``distributed`` raises ``OSError`` on timeouts).
    ImportError
        Dask is not installed (the message says how to install it).
    """
    if (scheduler is None) == (n_workers is None):
        raise ValueError("give either a scheduler address or a number of local workers.")
    if n_workers is not None and n_workers < 1:
        raise ValueError(f"the number of workers must be >= 1; got {n_workers}.")
    distributed = _dask.require()
    if scheduler is not None:
        client = distributed.Client(scheduler, timeout=timeout)
        try:
            yield client
        finally:
            client.close()
        return
    with distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        logger.info("started a local Dask cluster of %d workers", n_workers)
        yield client
