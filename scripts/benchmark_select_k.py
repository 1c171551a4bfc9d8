"""Choosing k on the real corpora: one select_k sweep vs separate discover calls.

For BBC (5 labelled sections) and AG News (4), in one process: ``select_k``
over 8 values of k with 5 restarts each, then ``discover`` once per k with the
same restarts, timed side by side (the ratio is printed). Writes the table,
plot, lineage and explanation of each sweep to ``--out``.

Usage::

    python scripts/benchmark_select_k.py [--data ../shared/data] [--out select-k-out]
                                         [--ks 2,3,4,5,6,7,8,10] [--restarts 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import topicmf as tm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=Path("select-k-out"))
    parser.add_argument("--ks", default="2,3,4,5,6,7,8,10")
    parser.add_argument("--restarts", type=int, default=5)
    parser.add_argument("--corpora", default="bbc,ag_news_test")
    args = parser.parse_args(argv)
    ks = [int(k) for k in args.ks.split(",")]
    for name in args.corpora.split(","):
        path = args.data / name / f"{name}.jsonl.gz"
        if not path.is_file():
            print(f"{name}: {path} is absent; skipped")
            continue
        corpus = tm.load_corpus(path, label_column="label")
        t0 = time.perf_counter()
        sel = tm.select_k(corpus, ks, n_restarts=args.restarts, random_state=0, progress=False)
        t_sweep = time.perf_counter() - t0
        written = sel.write(args.out / name)
        t0 = time.perf_counter()
        for k in ks:
            tm.discover(corpus, n_topics=k, n_restarts=args.restarts, random_state=0, progress=False)
        t_separate = time.perf_counter() - t0
        labels = len(set(corpus.labels))
        print(f"\n{name}: {len(corpus)} documents, {labels} labels; recommended k = {sel.recommended_k}")
        with pd.option_context("display.width", 200, "display.precision", 3):
            print(sel.table.to_string(index=False))
        print(f"select_k sweep {t_sweep:.1f} s; {len(ks)} separate discover calls {t_separate:.1f} s; "
              f"ratio sweep / separate = {t_sweep / t_separate:.2f}")
        print(sel.explain())
        print("wrote " + ", ".join(written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
