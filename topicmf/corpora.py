"""Documents in: the :class:`Corpus` container and :func:`load_corpus`.

The first stage of the data flow (documents -> tokens -> X -> W, H -> reports).
``load_corpus`` accepts a bundled corpus name, a list of strings, a pandas
DataFrame, a folder of ``.txt`` files, CSV/TSV, JSON Lines (plain or ``.gz``) and
Parquet (when pyarrow is installed). The caller names the text column and,
optionally, the id and label columns; every other column is kept as metadata.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Corpus", "load_corpus", "list_corpora", "bundled_corpora_dir"]

logger = logging.getLogger(__name__)

_TEXT_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}


@dataclass(frozen=True)
class Corpus:
    """A collection of documents with ids, optional labels and metadata.

    Parameters
    ----------
    texts : list of str, length n_documents
    ids : list of str, length n_documents
        Unique document identifiers.
    labels : list of str or None
        Known class of each document (e.g. the theme), or None.
    metadata : pandas.DataFrame, shape (n_documents, n_metadata)
        Every other column the input had, in input order, indexed 0..n-1.
    name : str
        Where the corpus came from (bundled name, file or "<memory>").
    n_replaced_bytes : int
        Undecodable bytes that were replaced with U+FFFD while reading.
    """

    texts: list[str]
    ids: list[str]
    labels: list[str] | None = None
    metadata: pd.DataFrame = field(default_factory=pd.DataFrame)
    name: str = "<memory>"
    n_replaced_bytes: int = 0

    def __post_init__(self) -> None:
        n = len(self.texts)
        if len(self.ids) != n:
            raise ValueError(f"Corpus: {len(self.ids)} ids for {n} texts.")
        if self.labels is not None and len(self.labels) != n:
            raise ValueError(f"Corpus: {len(self.labels)} labels for {n} texts.")
        if len(self.metadata) not in (0, n) or (len(self.metadata) == 0 and self.metadata.shape[1]):
            raise ValueError(f"Corpus: metadata has {len(self.metadata)} rows for {n} texts.")
        seen: dict[str, int] = {}
        for i, doc_id in enumerate(self.ids):
            if doc_id in seen:
                raise ValueError(
                    f"Corpus {self.name!r}: duplicate document id {doc_id!r} "
                    f"(documents {seen[doc_id]} and {i}); ids must be unique."
                )
            seen[doc_id] = i

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        labels = "no labels" if self.labels is None else f"{len(set(self.labels))} labels"
        meta = ", ".join(map(str, self.metadata.columns)) or "none"
        return f"Corpus({self.name!r}, {len(self)} documents, {labels}, metadata: {meta})"

    @property
    def n_empty(self) -> int:
        """Number of documents whose text is empty or whitespace only."""
        return sum(1 for t in self.texts if not t.strip())

    def to_frame(self) -> pd.DataFrame:
        """One row per document: ``id``, ``text``, ``label`` (if any), then metadata."""
        frame = pd.DataFrame({"id": self.ids, "text": self.texts})
        if self.labels is not None:
            frame["label"] = self.labels
        if self.metadata.shape[1]:
            frame = pd.concat([frame, self.metadata.reset_index(drop=True)], axis=1)
        return frame

    def summary(self) -> str:
        """A few human-readable lines: size, labels, lengths, metadata."""
        words = np.array([len(t.split()) for t in self.texts]) if self.texts else np.zeros(1)
        lines = [
            f"corpus {self.name}: {len(self)} documents, {int(words.sum()):,} words "
            f"(median {int(np.median(words))} per document), {self.n_empty} empty",
        ]
        if self.labels is not None:
            counts = pd.Series(self.labels).value_counts().sort_index()
            lines.append("labels: " + ", ".join(f"{k} ({v})" for k, v in counts.items()))
        if self.metadata.shape[1]:
            lines.append("metadata: " + ", ".join(map(str, self.metadata.columns)))
        if self.n_replaced_bytes:
            lines.append(f"undecodable bytes replaced: {self.n_replaced_bytes}")
        return "\n".join(lines)


def bundled_corpora_dir() -> Path:
    """The folder holding the bundled corpora and their ``index.json``."""
    try:
        path = Path(str(resources.files("topicmf._bundled")))
        if (path / "index.json").is_file():
            return path
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - broken install
        pass
    return Path(__file__).resolve().parents[1] / "corpora"  # pragma: no cover


def list_corpora() -> pd.DataFrame:
    """The bundled corpora: one row each with name, description, size and labels.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``n_documents``, ``labels``, ``metadata_columns``,
        ``description``, ``file``.
    """
    index = json.loads((bundled_corpora_dir() / "index.json").read_text(encoding="utf-8"))
    rows = [
        {
            "name": c["name"],
            "n_documents": c["n_documents"],
            "labels": ", ".join(c["labels"]),
            "metadata_columns": ", ".join(c["metadata_columns"]),
            "description": c["description"],
            "file": c["file"],
        }
        for c in index["corpora"]
    ]
    return pd.DataFrame(rows)


def _bundled_entry(name: str) -> dict[str, Any] | None:
    index = json.loads((bundled_corpora_dir() / "index.json").read_text(encoding="utf-8"))
    for entry in index["corpora"]:
        if entry["name"] == name:
            return entry
    return None


def _decode(raw: bytes, source: str) -> tuple[str, int]:
    """Decode UTF-8 (BOM tolerated), replacing undecodable bytes; return text and count."""
    try:
        return raw.decode("utf-8-sig"), 0
    except UnicodeDecodeError:
        text = raw.decode("utf-8-sig", errors="replace")
        n_bad = text.count("\ufffd") - raw.decode("utf-8-sig", errors="ignore").count("\ufffd")
        warnings.warn(
            f"{source}: {n_bad} undecodable byte(s) replaced with U+FFFD (not valid UTF-8).",
            UnicodeWarning,
            stacklevel=3,
        )
        return text, n_bad


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path}: not a readable gzip file ({exc}).") from None
    return raw


def _read_jsonl(path: Path) -> tuple[pd.DataFrame, int]:
    text, n_bad = _decode(_read_bytes(path), str(path))
    if text.lstrip().startswith("["):  # a .json file holding one array of objects
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno}).") from None
        if not all(isinstance(r, dict) for r in rows):
            raise ValueError(f"{path}: a JSON array of documents must hold objects only.")
        return pd.DataFrame.from_records(rows), n_bad
    records = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}, line {lineno}: not valid JSON ({exc.msg}).") from None
        if not isinstance(rec, dict):
            raise ValueError(f"{path}, line {lineno}: expected a JSON object, got {type(rec).__name__}.")
        records.append(rec)
    return pd.DataFrame.from_records(records), n_bad


def _read_table(path: Path, sep: str) -> tuple[pd.DataFrame, int]:
    text, n_bad = _decode(_read_bytes(path), str(path))
    if not text.strip():
        return pd.DataFrame(), n_bad
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise ValueError(f"{path}: cannot parse as {'TSV' if sep == chr(9) else 'CSV'} ({exc}).") from None
    return frame, n_bad


def _read_parquet(path: Path) -> tuple[pd.DataFrame, int]:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{path}: reading Parquet needs pyarrow; install it with "
            "`python -m pip install pyarrow` (or `topicmf[parquet]`)."
        ) from None
    return pd.read_parquet(path), 0


def _read_folder(path: Path, label_from_folder: bool) -> tuple[pd.DataFrame, int]:
    files = sorted(p for p in path.rglob("*.txt") if p.is_file())
    rows, n_bad_total = [], 0
    for file in files:
        text, n_bad = _decode(file.read_bytes(), str(file))
        n_bad_total += n_bad
        rel = file.relative_to(path)
        row = {"id": rel.with_suffix("").as_posix(), "text": text, "path": rel.as_posix()}
        if label_from_folder:
            row["label"] = rel.parts[0] if len(rel.parts) > 1 else ""
        rows.append(row)
    return pd.DataFrame(rows, columns=["id", "text", "path"] + (["label"] if label_from_folder else [])), n_bad_total


def _read_path(path: Path, label_from_folder: bool) -> tuple[pd.DataFrame, int]:
    if not path.exists():
        raise FileNotFoundError(f"load_corpus: no such file or folder: {str(path)!r}.")
    if path.is_dir():
        frame, n_bad = _read_folder(path, label_from_folder)
        if frame.empty:
            raise ValueError(f"load_corpus: folder {str(path)!r} holds no .txt files.")
        return frame, n_bad
    if path.stat().st_size == 0:
        raise ValueError(f"load_corpus: file {str(path)!r} is empty.")
    suffixes = [s.lower() for s in path.suffixes]
    last = suffixes[-2] if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if last in (".jsonl", ".ndjson", ".json"):
        frame, n_bad = _read_jsonl(path)
    elif last in _TEXT_SUFFIXES:
        frame, n_bad = _read_table(path, _TEXT_SUFFIXES[last])
    elif last in (".parquet", ".pq"):
        frame, n_bad = _read_parquet(path)
    elif last == ".txt":
        text, n_bad = _decode(_read_bytes(path), str(path))
        frame = pd.DataFrame({"text": [line for line in text.splitlines() if line.strip()]})
    else:
        raise ValueError(
            f"load_corpus: cannot tell the format of {str(path)!r}; expected a folder or a file "
            "ending in .jsonl, .jsonl.gz, .csv, .tsv, .parquet or .txt (one document per line)."
        )
    if frame.empty:
        raise ValueError(f"load_corpus: file {str(path)!r} holds no documents.")
    return frame, n_bad


def _from_frame(
    frame: pd.DataFrame,
    text_column: str,
    id_column: str | None,
    label_column: str | None,
    name: str,
    n_bad: int,
) -> Corpus:
    columns = list(map(str, frame.columns))
    for role, col in (("text_column", text_column), ("id_column", id_column), ("label_column", label_column)):
        if col is not None and col not in frame.columns:
            raise ValueError(
                f"load_corpus: {role}={col!r} is not a column of {name}; its columns are {columns}."
            )
    frame = frame.reset_index(drop=True)
    texts = ["" if _missing(t) else str(t) for t in frame[text_column].tolist()]
    if id_column is not None:
        ids = [str(v) for v in frame[id_column].tolist()]
    else:
        ids = [str(i) for i in range(len(frame))]
    labels = None
    if label_column is not None:
        labels = ["" if _missing(v) else str(v) for v in frame[label_column].tolist()]
    used = {c for c in (text_column, id_column, label_column) if c is not None}
    metadata = frame[[c for c in frame.columns if c not in used]].copy()
    return Corpus(texts=texts, ids=ids, labels=labels, metadata=metadata, name=name, n_replaced_bytes=n_bad)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def load_corpus(
    source: str | Path | pd.DataFrame | Sequence[str] | Corpus,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    label_column: str | None = None,
    label_from_folder: bool = False,
) -> Corpus:
    """Load documents from a bundled name, a file, a folder, a DataFrame or a list.

    Parameters
    ----------
    source : str, Path, DataFrame, sequence of str or Corpus
        - a bundled corpus name (see :func:`list_corpora`), e.g. ``"newsroom"``;
        - a folder: every ``.txt`` file below it (recursive), one document each,
          its relative path (without ``.txt``) as id;
        - a ``.csv``/``.tsv`` file (header row), ``.jsonl``/``.jsonl.gz`` (one JSON
          object per line), ``.json`` (one array of objects, or JSON Lines),
          ``.parquet`` (needs pyarrow) or ``.txt`` (one document per non-empty line);
        - a pandas DataFrame; a list of strings (ids ``"0"``, ``"1"``, ...).
    text_column : str, default="text"
        Column holding the document text.
    id_column : str, optional
        Column of unique document ids. Default: ``"id"`` when such a column
        exists, otherwise the row number.
    label_column : str, optional
        Column of known classes. Default: ``"label"`` for bundled corpora and
        folders read with ``label_from_folder``; otherwise none.
    label_from_folder : bool, default=False
        For a folder: the first sub-folder name becomes each document's label.

    Returns
    -------
    Corpus

    Raises
    ------
    FileNotFoundError
        The path does not exist (and is not a bundled corpus name).
    ValueError
        Missing column (the message lists the columns that exist), duplicate
        ids, an empty file or folder, unparseable JSON/CSV.

    Examples
    --------
    >>> import topicmf as tm
    >>> corpus = tm.load_corpus("newsroom")
    >>> len(corpus), sorted(set(corpus.labels))[:2]
    (240, ['culture', 'economy'])
    """
    if isinstance(source, Corpus):
        return source
    name = "<memory>"
    n_bad = 0
    if isinstance(source, pd.DataFrame):
        frame = source
        name = "DataFrame"
    elif isinstance(source, (str, Path)):
        entry = _bundled_entry(str(source)) if isinstance(source, str) else None
        if entry is not None:
            frame, n_bad = _read_jsonl(bundled_corpora_dir() / entry["file"])
            name = entry["name"]
            text_column = entry["text_column"] if text_column == "text" else text_column
            id_column = id_column or entry["id_column"]
            label_column = label_column or entry["label_column"]
        else:
            path = Path(source)
            frame, n_bad = _read_path(path, label_from_folder)
            name = str(path)
            if label_from_folder and path.is_dir():
                label_column = label_column or "label"
    elif isinstance(source, Iterable):
        texts = list(source)
        bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
        if bad:
            raise ValueError(
                f"load_corpus: a list of documents must hold str; item {bad[0]} is "
                f"{type(texts[bad[0]]).__name__}."
            )
        frame = pd.DataFrame({"text": texts})
        text_column = "text"
    else:
        raise TypeError(
            f"load_corpus: cannot load a {type(source).__name__}; pass a path, a bundled "
            "corpus name, a DataFrame or a list of strings."
        )
    if id_column is None and "id" in frame.columns and text_column != "id":
        id_column = "id"
    corpus = _from_frame(frame, text_column, id_column, label_column, name, n_bad)
    logger.info("loaded %s", corpus)
    return corpus
