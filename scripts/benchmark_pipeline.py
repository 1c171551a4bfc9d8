"""End to end as users see it: ``topicmf.discover`` vs ``TfidfVectorizer + NMF``, time split by stage.

For each corpus, in one process, from the raw texts: scikit-learn
``TfidfVectorizer(stop_words="english")`` then ``NMF(k)`` (defaults), and
``tm.discover(texts, n_topics=k)`` (defaults: cleaning, vectorizing, restarts,
scores), each timed by stage. Printed: seconds per stage and in total, and
the ratio topicmf / scikit-learn. Runs once idle and once with a competing
load (one process per core: half multi-threaded numpy products, half a
Python loop), started by this script.

Usage::

    python scripts/benchmark_pipeline.py [--corpora bbc:5,ag_news_test:4,...] [--load idle,busy]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

DEFAULT = "bbc:5,ag_news_test:4,apache_jira_bugs:8,arxiv_math_ap:11"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default=DEFAULT, help=f"comma list of corpus:k (default: {DEFAULT})")
    parser.add_argument("--load", default="idle,busy", help="idle, busy or both (default: idle,busy)")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.dirname(__file__))
    from _bench_common import CompetingLoad, real_texts
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    import topicmf as tm

    data = []
    for spec in args.corpora.split(","):
        name, k = spec.split(":")
        got = real_texts(name)
        if got is not None:
            data.append((name, int(k), got[0]))
    tm.discover(data[0][2][:300], n_topics=2, n_restarts=1)  # compile once, outside the timings
    for load in args.load.split(","):
        context = CompetingLoad() if load == "busy" else None
        if context is not None:
            context.__enter__()
            time.sleep(2.0)
        try:
            print(f"\n== {load}")
            print(f"{'corpus':<18}{'k':>3}{'sk vec':>8}{'sk fit':>8}{'sk all':>8}{'tm vec':>8}{'tm fit':>8}"
                  f"{'tm rest':>8}{'tm all':>8}{'ratio':>7}")
            for name, k, texts in data:
                t0 = time.perf_counter()
                X = TfidfVectorizer(stop_words="english").fit_transform(texts)
                t1 = time.perf_counter()
                NMF(k).fit(X)
                t2 = time.perf_counter()
                report = tm.discover(texts, n_topics=k)
                report.topics  # noqa: B018 - the scores are part of the job
                t3 = time.perf_counter()
                s = report.settings
                sk_all, tm_all = t2 - t0, t3 - t2
                rest = tm_all - s["vectorize_seconds"] - s["fit_seconds"]
                print(f"{name:<18}{k:>3}{t1 - t0:>8.2f}{t2 - t1:>8.2f}{sk_all:>8.2f}{s['vectorize_seconds']:>8.2f}"
                      f"{s['fit_seconds']:>8.2f}{rest:>8.2f}{tm_all:>8.2f}{tm_all / sk_all:>7.2f}", flush=True)
        finally:
            if context is not None:
                context.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
