"""Shared helpers of the benchmark scripts: data, a competing CPU load, table printing.

Not part of the package. The competing load is what a shared server or a laptop
running other work looks like: one process per core, half of them running
multi-threaded BLAS (numpy matrix products), half a pure Python loop.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _blas_loop(stop) -> None:  # pragma: no cover - runs in a child process
    a = np.random.default_rng(0).random((600, 600))
    while not stop.is_set():
        a = a @ a
        a /= np.abs(a).max()


def _python_loop(stop) -> None:  # pragma: no cover - runs in a child process
    x = 0
    while not stop.is_set():
        for i in range(100_000):
            x = (x + i * i) % 1_000_003


class CompetingLoad:
    """``with CompetingLoad(): ...`` keeps every core busy (BLAS on half, Python on the rest)."""

    def __init__(self, processes: int | None = None) -> None:
        self.n = processes or (os.cpu_count() or 1)
        self.ctx = mp.get_context("spawn")
        self.stop = self.ctx.Event()
        self.procs: list = []

    def __enter__(self) -> CompetingLoad:
        for i in range(self.n):
            target = _blas_loop if i % 2 == 0 else _python_loop
            p = self.ctx.Process(target=target, args=(self.stop,), daemon=True)
            p.start()
            self.procs.append(p)
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for p in self.procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()


def real_texts(name: str) -> tuple[list[str], list[str]] | None:
    """Texts and labels of a corpus in ../shared/data, or None (with a message) when absent."""
    import topicmf as tm

    path = DATA / name / f"{name}.jsonl.gz"
    if not path.is_file():
        print(f"{name}: {path} is absent; skipped")
        return None
    corpus = tm.load_corpus(path, label_column="label")
    return corpus.texts, list(corpus.labels or [])


def synthetic_tfidf(n_docs: int, n_terms: int, k: int = 20, doc_length: int = 100) -> sp.csr_matrix:
    """A planted corpus' sublinear TF-IDF matrix (no texts: counts straight to X)."""
    from sklearn.feature_extraction.text import TfidfTransformer

    import topicmf as tm

    sc = tm.make_planted_corpus(n_docs, k, n_terms, doc_length, seed=0, with_texts=False)
    return sp.csr_matrix(TfidfTransformer(sublinear_tf=True).fit_transform(sc.counts))
