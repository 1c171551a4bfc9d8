"""Factorization speed as users see it: default TopicNMF vs default scikit-learn NMF, side by side.

For each row (corpus, k), in one process: X is built once (topicmf's
``default_vectorizer`` for real corpora; sublinear TF-IDF of a planted corpus
for the synthetic rows); then scikit-learn ``NMF(k)`` with all its defaults
(cd, nndsvda, tol 1e-4) and ``TopicNMF(k)`` with all its defaults are fitted
from scratch, end to end, and timed. Printed per row: seconds, iterations
(topicmf: summed over its restarts), relative error ``||X - WH|| / ||X||``,
and the ratios topicmf / scikit-learn of time and of error. Then the cost of
8 restarts relative to 1 restart (``TopicNMF(k, n_restarts=8)`` vs
``n_restarts=1``).

The whole table runs twice: with the machine as it is (``idle``), and with a
competing load started by this script (one process per core: half
multi-threaded numpy matrix products, half a pure Python loop).

Usage::

    python scripts/benchmark_core.py [--rows bbc:5,apache_jira_bugs:8,synthetic50k:20]
                                     [--load idle,busy] [--backend aesara|pytensor]

Rows: bbc:5, bbc:20, ag_news_test:4, ag_news_test:20, apache_jira_bugs:8,
apache_jira_bugs:20, synthetic50k:20 (50,000 x 30,000), synthetic100k:50 and
synthetic100k:100 (100,000 x 50,000; slow: minutes per fit).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

DEFAULT_ROWS = ("bbc:5,bbc:20,ag_news_test:4,ag_news_test:20,apache_jira_bugs:8,apache_jira_bugs:20,"
                "synthetic50k:20")
SYNTHETIC = {"synthetic50k": (50_000, 30_000), "synthetic100k": (100_000, 50_000)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=DEFAULT_ROWS, help=f"comma list of corpus:k (default: {DEFAULT_ROWS})")
    parser.add_argument("--load", default="idle,busy", help="idle, busy or both (default: idle,busy)")
    parser.add_argument("--backend", choices=("aesara", "pytensor"), default=None,
                        help="factorization backend (default: topicmf's automatic choice)")
    parser.add_argument("--no-restarts", action="store_true", help="skip the 8-vs-1 restarts column")
    args = parser.parse_args(argv)
    if args.backend:
        os.environ["TOPICMF_BACKEND"] = args.backend  # before topicmf.factorize is imported
    sys.path.insert(0, os.path.dirname(__file__))
    from _bench_common import CompetingLoad, real_texts, synthetic_tfidf
    from sklearn.decomposition import NMF

    import topicmf as tm
    from topicmf.factorize import backend
    from topicmf.metrics import reconstruction_error
    from topicmf.pipeline import default_vectorizer

    print(f"backend: {backend()}")
    rows = []
    for spec in args.rows.split(","):
        name, k = spec.split(":")
        k = int(k)
        if name in SYNTHETIC:
            X = synthetic_tfidf(*SYNTHETIC[name])
        else:
            got = real_texts(name)
            if got is None:
                continue
            X = default_vectorizer(len(got[0]), k).fit_transform(got[0])
        rows.append((spec, k, X))
    tm.TopicNMF(2, n_restarts=1, max_iter=2).fit(rows[0][2])  # compile once, outside the timings

    def fit_sklearn(X, k):
        t0 = time.perf_counter()
        m = NMF(k)
        W = m.fit_transform(X)
        return time.perf_counter() - t0, m.n_iter_, reconstruction_error(X, W, m.components_, relative=True)

    def fit_topicmf(X, k, **kw):
        t0 = time.perf_counter()
        m = tm.TopicNMF(k, random_state=0, **kw)
        W = m.fit_transform(X)
        return (time.perf_counter() - t0, int(m.restart_n_iter_.sum()),
                reconstruction_error(X, W, m.components_, relative=True), m.n_threads_)

    for load in args.load.split(","):
        context = CompetingLoad() if load == "busy" else None
        if context is not None:
            context.__enter__()
            time.sleep(2.0)  # let the load settle
        try:
            print(f"\n== {load}" + (f" (competing load: {context.n} processes)" if context else ""))
            print(f"{'row':<22}{'shape':>16}{'sk s':>8}{'sk it':>7}{'sk err':>9}{'tm s':>8}{'tm it':>7}"
                  f"{'tm err':>9}{'thr':>4}{'time x':>8}{'err x':>9}{'8r/1r':>7}")
            for spec, k, X in rows:
                ts, its, es = fit_sklearn(X, k)
                tt, itt, et, thr = fit_topicmf(X, k)
                ratio8 = float("nan")
                if not args.no_restarts:
                    t1 = fit_topicmf(X, k, n_restarts=1)[0]
                    t8 = fit_topicmf(X, k, n_restarts=8)[0]
                    ratio8 = t8 / t1
                shape = f"{X.shape[0]}x{X.shape[1]}"
                print(f"{spec:<22}{shape:>16}{ts:>8.2f}{its:>7}{es:>9.5f}{tt:>8.2f}{itt:>7}{et:>9.5f}{thr:>4}"
                      f"{tt / ts:>8.2f}{et / es:>9.5f}{ratio8:>7.2f}", flush=True)
        finally:
            if context is not None:
                context.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
