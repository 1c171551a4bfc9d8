"""Vectorizing speed: topicmf's default vectorizer vs scikit-learn's TfidfVectorizer.

Runs ``topicmf.pipeline.default_vectorizer`` (what ``discover`` uses: Porter
stems, words of 3+ letters, document-frequency bounds) and
``TfidfVectorizer(stop_words="english")`` on the real corpora in
../shared/data, in one process, alternating, and prints each one's median
time and the ratio (topicmf / scikit-learn). The first topicmf run on a
corpus stems every distinct word once ("cold"); later runs reuse the
process-wide stem memo ("warm"); both are reported.

Usage::

    python scripts/benchmark_vectorize.py [--data ../shared/data] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer

import topicmf as tm
from topicmf.pipeline import default_vectorizer
from topicmf.preprocess import tokenize as _tok


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'corpus':<14}{'docs':>6}{'sklearn s':>11}{'topicmf cold s':>16}{'topicmf warm s':>16}"
          f"{'ratio cold':>12}{'ratio warm':>12}")
    for name in ("bbc", "ag_news_test", "apache_jira_bugs", "arxiv_math_ap"):
        path = args.data / name / f"{name}.jsonl.gz"
        if not path.is_file():
            print(f"{name}: {path} is absent; skipped")
            continue
        texts = tm.load_corpus(path).texts

        def ours_once(texts: list[str] = texts) -> None:
            default_vectorizer(len(texts)).fit_transform(texts)

        _tok._STEM_MEMOS.clear()  # cold: nothing stemmed yet in this process
        cold = _time(ours_once)
        sk, ours = [], []
        for _ in range(args.repeats):
            sk.append(_time(lambda texts=texts: TfidfVectorizer(stop_words="english").fit_transform(texts)))
            ours.append(_time(ours_once))
        s, o = statistics.median(sk), statistics.median(ours)
        print(f"{name:<14}{len(texts):>6}{s:>11.3f}{cold:>16.3f}{o:>16.3f}{cold / s:>12.2f}{o / s:>12.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
