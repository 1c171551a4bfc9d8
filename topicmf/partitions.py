"""A corpus split into partition files: ``parts/part-00.jsonl``, ``part-01.jsonl``, ...

One corpus in many files is how large corpora are written (by Spark, Dask,
export jobs). :func:`topicmf.load_corpus` reads such a folder (or a glob
pattern) as one corpus in this process; :mod:`topicmf.distributed` reads the
same files on Dask workers, one task per file. Both use the rules here, so the
documents, their order and their ids are the same either way.

- Partition files are ``.jsonl``, ``.ndjson``, ``.json``, ``.csv``, ``.tsv``,
  ``.parquet``/``.pq`` and ``.txt`` (one document per line), ``.gz`` allowed on
  all but Parquet. Files and folders whose name starts with ``.`` or ``_`` are
  skipped (``.ipynb_checkpoints``, Spark's ``_temporary`` and ``_SUCCESS``).
  They are taken in sorted path order.
- A path that exists is a path, even with ``[`` or ``*`` in its name; only a
  string naming nothing is read as a glob pattern.
- A document without an id column gets ``"<file>:<row>"``, ``<file>`` the path
  relative to the folder the partitions share (``year=2020/part-00.jsonl``), so
  ids are unique across files.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .corpora import Corpus

__all__ = ["PARTITION_SUFFIXES", "is_partition_file", "is_glob", "is_partitioned", "partition_paths",
           "partition_names", "read_partition", "concat_corpora"]

#: File endings read as partitions (``.gz`` allowed on all but Parquet).
PARTITION_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".pq", ".txt")


def _skipped(name: str) -> bool:
    return name.startswith((".", "_"))


def is_partition_file(path: Path) -> bool:
    """Whether ``path`` is a file with a partition ending (not hidden, not ``_``-prefixed)."""
    name = path.name.lower()
    name = name[:-3] if name.endswith(".gz") else name
    return path.is_file() and name.endswith(PARTITION_SUFFIXES) and not _skipped(name)


def is_glob(source: Any) -> bool:
    """Whether ``source`` is a string holding a glob pattern (``*``, ``?`` or ``[``) that
    names no existing path."""
    return isinstance(source, str) and any(ch in source for ch in "*?[") and not Path(source).exists()


def _files_below(folder: Path) -> list[Path]:
    """Every file below ``folder``, sorted, skipping names that start with ``.`` or ``_``."""
    out = []
    for p in folder.rglob("*"):
        rel = p.relative_to(folder).parts
        if not any(_skipped(part) for part in rel):
            out.append(p)
    return sorted(out)


def is_partitioned(source: Any) -> bool:
    """Whether ``source`` is read as partition files: a glob pattern, or a folder holding
    partition files and no ``.txt`` file (a folder of ``.txt`` files is one document per file)."""
    if is_glob(source):
        return True
    if not isinstance(source, (str, Path)) or not Path(source).is_dir():
        return False
    found = False
    for p in _files_below(Path(source)):
        if p.suffix.lower() == ".txt" and p.is_file():
            return False
        found = found or is_partition_file(p)
    return found


def partition_paths(source: str | Path | Sequence[str | Path]) -> list[Path]:
    """The partition files of ``source``, sorted by path: a glob pattern, a folder (its
    partition files, recursively) or a list of files (kept in its order).

    Raises
    ------
    FileNotFoundError
        Nothing matches, or a listed file does not exist.
    """
    if isinstance(source, (str, Path)):
        text = str(source)
        if is_glob(text):
            paths = [Path(p) for p in sorted(glob.glob(text, recursive=True)) if is_partition_file(Path(p))]
            where = f"no partition file matches {text!r}"
        elif Path(text).is_dir():
            paths = [p for p in _files_below(Path(text)) if is_partition_file(p)]
            where = f"folder {text!r} holds no partition file ({', '.join(PARTITION_SUFFIXES)}, or .gz)"
        else:
            paths = [Path(text)]
            where = ""
    else:
        paths = [Path(p) for p in source]
        where = "the list of partition files is empty"
    if not paths:
        raise FileNotFoundError(where)
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"partition file {str(missing[0])!r} does not exist")
    return paths


def partition_names(paths: Sequence[Path]) -> list[str]:
    """Each file's path relative to the folder all of them share (its name when alone)."""
    if len(paths) == 1:
        return [Path(paths[0]).name]
    root = Path(os.path.commonpath([str(Path(p).resolve().parent) for p in paths]))
    return [Path(p).resolve().relative_to(root).as_posix() for p in paths]


def read_partition(path: str | Path, options: dict[str, Any], name: str | None = None) -> Corpus:
    """One partition file as a Corpus (``options``: :func:`topicmf.load_corpus`'s keyword
    arguments); documents without an id column get ``"<name>:<row>"`` (``name``: from
    :func:`partition_names`; default the file name)."""
    from .corpora import load_corpus
    from .readers import EmptyInputError

    prefix = f"{Path(path).name if name is None else name}:"
    try:
        return load_corpus(Path(path), **options, row_id_prefix=prefix)
    except EmptyInputError:  # writers leave empty partitions (a filter kept no row of that part)
        return Corpus(texts=[], ids=[], labels=None if options.get("label_column") is None else [],
                      metadata=pd.DataFrame(), name=str(path))


def concat_corpora(parts: Sequence[Corpus], name: str) -> Corpus:
    """Corpora one after the other, as one Corpus (ids must stay unique). Parts without
    documents add nothing (nor take away the others' labels or metadata)."""
    parts = [p for p in parts if len(p)] or list(parts[:1])
    labels = None
    if all(p.labels is not None for p in parts):
        labels = [lab for p in parts for lab in p.labels]  # type: ignore[union-attr]
    frames = [p.metadata.reset_index(drop=True) for p in parts if p.metadata.shape[1]]
    metadata = pd.concat(frames, ignore_index=True) if len(frames) == len(parts) else pd.DataFrame()
    return Corpus(texts=[t for p in parts for t in p.texts], ids=[i for p in parts for i in p.ids], labels=labels,
                  metadata=metadata, name=name, n_replaced_bytes=sum(p.n_replaced_bytes for p in parts),
                  n_non_string_texts=sum(p.n_non_string_texts for p in parts))
