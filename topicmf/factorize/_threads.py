"""How many threads the C kernels use: never more than the machine can give now.

OpenMP threads that wait for a busy core spin, so on a loaded machine a
parallel kernel can run several times slower than a single thread. The choice
(:func:`choose_threads`) is therefore the smallest of:

- the ``n_threads`` the caller asked for (an explicit int is used as it is);
- the CPUs this process may run on, divided among ``n_jobs`` worker processes;
- ``OMP_NUM_THREADS`` when set, and the OpenMP limit already in force (a
  caller's ``threadpoolctl.threadpool_limits`` or a joblib worker's);
- the CPUs idle right now (sampled from ``/proc/stat`` over a few
  milliseconds on Linux; the load average elsewhere), rounded down, at least 1;
- one thread, without sampling, for a small problem (non-zeros x topics below
  :data:`SMALL_WORK`): a second thread saves less than the 30 ms sample costs
  (BBC at k=5, 1.2 x 10^6: 1.6 -> 1.25 ms per iteration over about 40).

:func:`limit_threads` applies the choice to OpenMP for the duration of a fit
only (threadpoolctl), so the caller's setting is back afterwards.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Iterator, Mapping

__all__ = ["available_cpus", "idle_cpus", "openmp_limit", "choose_threads", "limit_threads", "SMALL_WORK"]

#: Non-zeros of X times topics below which a fit runs on one thread without measuring the machine.
SMALL_WORK = 2_000_000


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _cpu_times() -> tuple[int, int] | None:
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    values = [int(v) for v in fields[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return idle, sum(values[:8])


def _idle_sample(seconds: float) -> float | None:
    first = _cpu_times()
    if first is None:
        return None
    time.sleep(seconds)
    second = _cpu_times()
    if second is None or second[1] <= first[1]:
        return None
    share = (second[0] - first[0]) / (second[1] - first[1])
    return max(0.0, share) * (os.cpu_count() or 1)


def idle_cpus(sample_seconds: float = 0.03, recheck_after: float = 0.07) -> float | None:
    """CPUs idle over a short sample (Linux), else from the 1-minute load average; None if unknown.

    A sample that finds busy CPUs is taken again after ``recheck_after`` seconds and
    the larger count kept: the BLAS threads of a NumPy call that just ended spin for
    a moment before they sleep (the caller's own transient work), while load from
    other work lasts. Busy threads of this process count as busy (a caller's thread
    pool is real work).
    """
    n = os.cpu_count() or 1
    idle = _idle_sample(sample_seconds)
    if idle is not None and idle < n - 0.5:
        time.sleep(recheck_after)
        again = _idle_sample(sample_seconds)
        idle = idle if again is None else max(idle, again)
    if idle is not None:
        return idle
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover
        return None
    return max(0.0, (os.cpu_count() or 1) - load)


def openmp_limit() -> int | None:
    """The OpenMP thread limit in force in this process (threadpoolctl), or None."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - ships with scikit-learn
        return None
    limits = [int(p["num_threads"]) for p in threadpool_info() if p.get("user_api") == "openmp"]
    return min(limits) if limits else None


def choose_threads(
    n_threads: int | None,
    n_jobs: int = 1,
    *,
    cpus: int | None = None,
    idle: float | None = None,
    environ: Mapping[str, str] | None = None,
    current_limit: int | None = None,
    work: float | None = None,
) -> int:
    """Kernel threads for one fit (per worker process when ``n_jobs > 1``).

    Parameters
    ----------
    n_threads : int or None
        An explicit choice (used as it is), or None for the automatic rule of
        the module docstring.
    n_jobs : int, default=1
        Worker processes sharing the CPUs.
    work : float, optional
        Non-zeros of X times topics; below :data:`SMALL_WORK`, one thread.
    cpus, idle, environ, current_limit
        The machine's state; measured when None (injected by the tests).

    Returns
    -------
    int, >= 1
    """
    if n_threads is not None:
        return max(1, int(n_threads))
    if work is not None and work < SMALL_WORK:
        return 1
    cpus = available_cpus() if cpus is None else cpus
    limit = max(1, cpus // max(1, n_jobs))
    env = os.environ if environ is None else environ
    try:
        omp = int(str(env.get("OMP_NUM_THREADS", "")).split(",")[0])
        if omp >= 1:
            limit = min(limit, omp)
    except ValueError:
        pass
    if current_limit is None and environ is None:
        current_limit = openmp_limit()
    if current_limit is not None and current_limit >= 1:
        limit = min(limit, current_limit)
    if idle is None and environ is None:
        idle = idle_cpus()
    if idle is not None:
        limit = min(limit, max(1, math.floor(idle / max(1, n_jobs) + 0.25)))
    return max(1, limit)


@contextlib.contextmanager
def limit_threads(n: int) -> Iterator[None]:
    """OpenMP uses at most ``n`` threads inside the block (restored after)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(limits=max(1, int(n)), user_api="openmp"):
        yield
