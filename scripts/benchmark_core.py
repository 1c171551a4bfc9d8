"""Factorization speed and memory: topicmf's Aesara core vs scikit-learn's NMF, side by side.

For each dataset and k, in one process, from the same random start:

- scikit-learn ``NMF(solver="cd")`` and ``NMF(solver="mu")`` with their defaults
  (``init="custom"`` from that start); cd's final loss is the bar;
- topicmf (one restart, default settings) from the same start, timing every
  iteration, so "seconds to reach cd's final loss" is read off its trace.

Printed per row: topicmf's compile time (this process; warm cache when the
Aesara cache already holds the kernels), seconds per iteration (topicmf / cd),
seconds to cd's loss and the ratio to cd's time, final-loss ratios
(topicmf / cd and mu / cd), topicmf's peak memory of a default fit relative to
X + factors, and the cost of 8 restarts relative to 1 (default ``TopicNMF``).

Usage::

    python scripts/benchmark_core.py [--data ../shared/data] [--quick] [--rows bbc:5,bbc:20,...]
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfTransformer

import topicmf as tm
from topicmf.factorize._init import random_init
from topicmf.factorize._solver import get_solver
from topicmf.metrics import reconstruction_error


def _tfidf_real(data: Path, name: str) -> sp.csr_matrix | None:
    path = data / name / f"{name}.jsonl.gz"
    if not path.is_file():
        print(f"{name}: {path} is absent; skipped")
        return None
    corpus = tm.load_corpus(path, label_column="label")
    return tm.TextVectorizer(min_df=2, max_df=0.5, sublinear_tf=True).fit_transform(corpus)


def _tfidf_synthetic(n_docs: int, n_terms: int) -> sp.csr_matrix:
    sc = tm.make_planted_corpus(n_docs, 20, n_terms, 100, seed=0, with_texts=False)
    return sp.csr_matrix(TfidfTransformer(sublinear_tf=True).fit_transform(sc.counts))


def _loss(X: sp.csr_matrix, W: np.ndarray, H: np.ndarray) -> float:
    return 0.5 * reconstruction_error(X, W, H) ** 2


def _sklearn(X, W0, H0, solver: str) -> tuple[float, float, int]:
    model = NMF(W0.shape[1], solver=solver, init="custom", random_state=0)
    t0 = time.perf_counter()
    W = model.fit_transform(X, W=W0.copy(), H=H0.copy())
    seconds = time.perf_counter() - t0
    return seconds, _loss(X, W, model.components_), model.n_iter_


def _topicmf_trace(X, XT, W0, Ht0, max_iter: int, tol: float, inner_sweeps: int):
    solver = get_solver("hals")
    compile_s = solver.compile()
    solver.set_data(X, XT)
    solver.set_penalties(0.0, 0.0, 0.0, 0.0, inner_sweeps)
    solver.set_factors(W0, Ht0)
    times, losses = [], []
    t0 = time.perf_counter()
    v0 = None
    for _ in range(max_iter):  # the loop of Solver.run, timing each iteration
        loss, _, violation = solver.step()
        times.append(time.perf_counter() - t0)
        losses.append(loss)
        v0 = violation if v0 is None else v0
        if violation <= tol * v0:
            break
    solver.release()
    return compile_s, np.array(times), np.array(losses)


def _peak_fit(X: sp.csr_matrix, k: int) -> tuple[float, float]:
    """Peak traced memory of a default fit (MB) and X + factors (MB)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    model = tm.TopicNMF(k, random_state=0).fit(X)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    factor_bytes = (X.shape[0] + X.shape[1]) * k * 8
    del model
    return peak / 2**20, (x_bytes + factor_bytes) / 2**20


def _restart_cost(X: sp.csr_matrix, k: int, n_jobs: int | None) -> tuple[float, float]:
    t0 = time.perf_counter()
    tm.TopicNMF(k, n_restarts=1, random_state=0, n_jobs=n_jobs).fit(X)
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    tm.TopicNMF(k, n_restarts=8, random_state=0, n_jobs=n_jobs).fit(X)
    eight = time.perf_counter() - t0
    return one, eight


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--rows", default="bbc:5,bbc:20,ag_news_test:4,ag_news_test:20,synthetic:20",
                        help="dataset:k list (datasets: bbc, ag_news_test, synthetic)")
    parser.add_argument("--synthetic-shape", default="50000x30000")
    parser.add_argument("--quick", action="store_true", help="skip the memory and 8-restart columns")
    parser.add_argument("--n-jobs", type=int, default=None, help="n_jobs for the 8-restart column")
    args = parser.parse_args(argv)
    print(f"cores: {os.cpu_count()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    head = (f"{'data':<14}{'k':>3}{'shape':>15}{'compile s':>10}{'s/it tmf':>10}{'s/it cd':>9}"
            f"{'cd s':>8}{'tmf->cd s':>10}{'ratio':>7}{'loss tmf/cd':>12}{'loss mu/cd':>11}"
            f"{'peak/(X+WH)':>12}{'8r/1r':>7}")
    print(head)
    cache: dict[str, sp.csr_matrix | None] = {}
    for row in args.rows.split(","):
        name, k = row.split(":")
        k = int(k)
        if name not in cache:
            if name == "synthetic":
                n, m = map(int, args.synthetic_shape.split("x"))
                cache[name] = _tfidf_synthetic(n, m)
            else:
                cache[name] = _tfidf_real(args.data, name)
        X = cache[name]
        if X is None:
            continue
        XT = X.T.tocsr()
        W0, Ht0 = random_init(X, k, np.random.default_rng(0))
        H0 = np.ascontiguousarray(Ht0.T)
        cd_s, cd_loss, cd_iter = _sklearn(X, W0, H0, "cd")
        mu_s, mu_loss, _ = _sklearn(X, W0, H0, "mu")
        defaults = tm.TopicNMF()
        compile_s, times, losses = _topicmf_trace(X, XT, W0, Ht0, defaults.max_iter, defaults.tol,
                                                  defaults.inner_sweeps)
        reached = np.flatnonzero(losses <= cd_loss)
        to_cd = times[reached[0]] if reached.size else float("nan")
        peak_ratio = eight_ratio = float("nan")
        if not args.quick:
            peak, base = _peak_fit(X, k)
            peak_ratio = peak / base
            one, eight = _restart_cost(X, k, args.n_jobs)
            eight_ratio = eight / one
        print(f"{name:<14}{k:>3}{f'{X.shape[0]}x{X.shape[1]}':>15}{compile_s:>10.2f}"
              f"{times[-1] / len(times):>10.4f}{cd_s / cd_iter:>9.4f}{cd_s:>8.2f}"
              f"{to_cd:>10.2f}{to_cd / cd_s:>7.2f}{losses[-1] / cd_loss:>12.5f}{mu_loss / cd_loss:>11.5f}"
              f"{peak_ratio:>12.2f}{eight_ratio:>7.2f}", flush=True)
        if not reached.size:
            print(f"    topicmf stopped ({len(losses)} iterations) above cd's loss: "
                  f"{losses[-1]:.6g} vs {cd_loss:.6g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
