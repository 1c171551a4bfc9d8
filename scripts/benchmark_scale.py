"""Scale benchmark: the pipeline in one process vs on a local Dask cluster, on planted corpora.

For each corpus size a planted corpus (``topicmf.make_planted_corpus``) is
written as JSON Lines partition files; then each configuration runs in a
fresh process, so the peak memory it reports is its own:

- ``single``: ``load_corpus`` on every partition, ``TextVectorizer.fit_transform``
  on the concatenated documents, ``TopicNMF.fit`` (one restart; its kernels
  use the threads ``TopicNMF`` chooses, printed as ``cores``);
- ``dask-N``: a ``LocalCluster`` of N worker processes x 1 thread;
  ``read_partitions``, ``vectorize_partitions``, ``fit_partitioned`` (one restart).

Both fits run exactly ``--iterations`` HALS iterations (``tol=0``) from the
NNDSVD start with k = ``--topics``. Printed per run: seconds to read,
vectorize and fit, seconds per iteration (single: the fit minus its NNDSVD
start, over the iterations; Dask: the median interval between iterations),
peak resident memory of the process running the pipeline (the client, for
Dask) and of each worker. Times on a shared machine are noisy.

Usage::

    nice -n 10 python scripts/benchmark_scale.py --documents 20000 100000 --workers 1 2
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def _peak_mb() -> float:
    """Peak resident memory of this process, MB: ``VmHWM`` (``ru_maxrss`` would carry the parent's
    peak across fork and exec), else ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def write_partitions(n_documents: int, n_partitions: int, folder: Path, *, n_topics: int, vocabulary: int,
                     document_length: int, seed: int = 0) -> list[Path]:
    """A planted corpus as ``n_partitions`` JSON Lines files in ``folder``."""
    import topicmf as tm

    folder.mkdir(parents=True, exist_ok=True)
    sc = tm.make_planted_corpus(n_documents, n_topics=n_topics, vocabulary_size=vocabulary,
                                document_length=document_length, seed=seed)
    frame = sc.to_corpus().to_frame()
    bounds = np.linspace(0, n_documents, n_partitions + 1).round().astype(int)
    paths = []
    for i in range(n_partitions):
        path = folder / f"part-{i:03d}.jsonl"
        frame.iloc[bounds[i]:bounds[i + 1]].to_json(path, orient="records", lines=True)
        paths.append(path)
    return paths


def _vectorizer() -> Any:
    import topicmf as tm

    return tm.TextVectorizer(min_df=5, max_df=0.5, sublinear_tf=True)


def run_single(folder: Path, n_topics: int, iterations: int) -> dict[str, Any]:
    """The whole pipeline in this process."""
    import topicmf as tm
    from topicmf.factorize._init import nndsvd_init
    from topicmf.partitions import concat_corpora, partition_paths

    t0 = time.perf_counter()
    corpus = concat_corpora([tm.load_corpus(p, label_column="label") for p in partition_paths(folder)],
                            str(folder))
    t1 = time.perf_counter()
    X = _vectorizer().fit_transform(corpus.texts)
    t2 = time.perf_counter()
    model = tm.TopicNMF(n_topics=n_topics, n_restarts=1, max_iter=iterations, tol=0.0, random_state=0).fit(X)
    t3 = time.perf_counter()
    nndsvd_init(X, n_topics, np.random.default_rng(0), "float64")
    t4 = time.perf_counter()
    return {"read_s": t1 - t0, "vectorize_s": t2 - t1, "fit_s": t3 - t2, "n_iter": int(model.n_iter_),
            "s_per_iter": (t3 - t2 - (t4 - t3)) / max(model.n_iter_, 1), "n_terms": X.shape[1], "nnz": X.nnz,
            "loss": float(model.loss_history_[-1]), "process_peak_mb": _peak_mb(), "worker_peak_mb": [],
            "threads": int(model.n_threads_)}


def run_dask(folder: Path, n_topics: int, iterations: int, n_workers: int) -> dict[str, Any]:
    """The pipeline on a fresh LocalCluster of ``n_workers`` processes x 1 thread."""
    from dask.distributed import Client, LocalCluster

    from topicmf.distributed import fit_partitioned, read_partitions, vectorize_partitions

    stamps: list[float] = []
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=0) as cluster, Client(cluster) as client:
        t0 = time.perf_counter()
        parts = read_partitions(client, folder, label_column="label")
        t1 = time.perf_counter()
        vec, blocks = vectorize_partitions(parts, _vectorizer())
        t2 = time.perf_counter()
        model = fit_partitioned(client, blocks, n_topics, n_restarts=1, max_iter=iterations, tol=0.0,
                                random_state=0, callback=lambda r, it, loss, v: stamps.append(time.perf_counter()))
        t3 = time.perf_counter()
        workers = sorted(client.run(_peak_mb).values())
        steps = np.diff(stamps)
        return {"read_s": t1 - t0, "vectorize_s": t2 - t1, "fit_s": t3 - t2, "n_iter": int(model.n_iter_),
                "s_per_iter": float(np.median(steps)) if len(steps) else float("nan"),
                "n_terms": int(blocks.shape[1]), "nnz": int(blocks.nnz), "loss": float(model.loss_history_[-1]),
                "process_peak_mb": _peak_mb(), "worker_peak_mb": workers, "threads": n_workers}


def _run_one(spec: dict[str, Any]) -> dict[str, Any]:
    folder = Path(spec["folder"])
    if spec["mode"] == "single":
        out = run_single(folder, spec["topics"], spec["iterations"])
    else:
        out = run_dask(folder, spec["topics"], spec["iterations"], spec["workers"])
    return {**spec, **out}


def _in_fresh_process(spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--run-one", json.dumps(spec)], capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {**spec, "error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def _row(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"{r['documents']:>9,} {r['label']:>8}  failed: {r['error']}"
    workers = "/".join(f"{w:.0f}" for w in r["worker_peak_mb"]) or "-"
    return (f"{r['documents']:>9,} {r['label']:>8} {r['n_terms']:>7,} {r['nnz']:>11,} {r['read_s']:>7.1f} "
            f"{r['vectorize_s']:>8.1f} {r['fit_s']:>7.1f} {r['s_per_iter']:>8.3f} {r['n_iter']:>5} {r['threads']:>5} "
            f"{r['process_peak_mb']:>10.0f} {workers:>13}  {r['loss']:.6g}")


HEADER = (f"{'documents':>9} {'run':>8} {'terms':>7} {'nnz':>11} {'read_s':>7} {'vector_s':>8} {'fit_s':>7} "
          f"{'s/iter':>8} {'iters':>5} {'cores':>5} {'client_MB':>10} {'worker_MB':>13}  final loss")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="client_MB: peak RSS of the process running the pipeline (single) or of "
                                       "the Dask client; worker_MB: peak RSS of each worker process.")
    p.add_argument("--documents", type=int, nargs="+", default=[20000, 100000], help="corpus sizes")
    p.add_argument("--partitions", type=int, default=16, help="partition files per corpus (default 16)")
    p.add_argument("--topics", type=int, default=50, help="k of the fit and of the planted corpus (default 50)")
    p.add_argument("--vocabulary", type=int, default=20000, help="planted vocabulary size (default 20000)")
    p.add_argument("--document-length", type=int, default=80, help="mean words per document (default 80)")
    p.add_argument("--iterations", type=int, default=20, help="HALS iterations per fit (default 20)")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Dask worker counts (default 1 2)")
    p.add_argument("--single-max", type=int, default=None,
                   help="skip the single-process run above this many documents")
    p.add_argument("--folder", type=Path, default=None, help="where partitions are written (default: a temp dir)")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    p.add_argument("--run-one", default=None, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.run_one:
        print(json.dumps(_run_one(json.loads(args.run_one))))
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="topicmf-scale-") as tmp:
        root = args.folder or Path(tmp)
        print(HEADER, flush=True)
        for n in args.documents:
            folder = root / f"planted-{n}"
            t0 = time.perf_counter()
            write_partitions(n, args.partitions, folder, n_topics=args.topics, vocabulary=args.vocabulary,
                             document_length=args.document_length)
            print(f"# {n:,} documents in {args.partitions} partitions written in {time.perf_counter() - t0:.1f}s",
                  flush=True)
            base = {"documents": n, "folder": str(folder), "topics": args.topics, "iterations": args.iterations}
            runs = [] if args.single_max is not None and n > args.single_max else [{**base, "mode": "single",
                                                                                      "label": "single"}]
            runs += [{**base, "mode": "dask", "workers": w, "label": f"dask-{w}"} for w in args.workers]
            for spec in runs:
                r = _in_fresh_process(spec)
                results.append(r)
                print(_row(r), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
