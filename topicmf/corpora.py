"""Documents in: the :class:`Corpus` container and :func:`load_corpus`.

The first stage of the data flow (documents -> tokens -> X -> W, H -> reports).
``load_corpus`` accepts a bundled corpus name, a list of strings, a pandas
DataFrame, a folder of ``.txt`` files, CSV/TSV, JSON Lines (plain or ``.gz``) and
Parquet (when pyarrow is installed). The caller names the text column and,
optionally, the id and label columns; every other column is kept as metadata.

Files are read by :mod:`topicmf.readers`: streamed, within :data:`MAX_DOCUMENT_BYTES`
per document and :data:`MAX_TOTAL_BYTES` per file or folder, and every problem with an
input is a one-line :class:`CorpusInputError` naming the file (and line).
"""

from __future__ import annotations

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

from .readers import (
    CorpusInputError,
    CorpusInputWarning,
    EmptyInputError,
    InputNotFoundError,
    InputPermissionError,
    InputTooLargeError,
    Limits,
    read_path,
)

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_TOTAL_BYTES",
    "Corpus",
    "CorpusInputError",
    "CorpusInputWarning",
    "EmptyInputError",
    "InputNotFoundError",
    "InputPermissionError",
    "InputTooLargeError",
    "bundled_corpora_dir",
    "list_corpora",
    "load_corpus",
]

logger = logging.getLogger(__name__)

#: Largest document :func:`load_corpus` reads from a file, in bytes (10 MiB): a line of a
#: JSON Lines, CSV/TSV or ``.txt`` file, an element of a JSON array, a cell of a table
#: or one ``.txt`` file of a folder. Override per call with ``max_document_bytes``.
MAX_DOCUMENT_BYTES = 10 * 2**20

#: Largest input :func:`load_corpus` reads, in bytes (2 GiB): the decompressed content of
#: one file, the uncompressed data of a Parquet file or all the ``.txt`` files of a folder.
#: Override per call with ``max_total_bytes``.
MAX_TOTAL_BYTES = 2 * 2**30


@dataclass(frozen=True, eq=False)
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
    n_non_string_texts : int
        Texts that were not strings in the input (numbers, lists, objects) and were
        converted with ``str()``.
    index : pandas.Index or None
        The caller's DataFrame index (row labels), kept so report tables join back
        onto that frame; None for files, folders and lists. A DataFrame without an
        id column gives its (unique) row labels as document ids.

    Notes
    -----
    Two corpora are equal (``==``) when their texts, ids, labels, metadata
    (``DataFrame.equals``: same values and dtypes), name and counts are equal. A corpus
    holds lists and a DataFrame, so it is not hashable: ``hash(corpus)`` raises
    ``TypeError``; use ``id(corpus)`` or ``tuple(corpus.ids)`` as a key.
    """

    texts: list[str]
    ids: list[str]
    labels: list[str] | None = None
    metadata: pd.DataFrame = field(default_factory=pd.DataFrame)
    name: str = "<memory>"
    n_replaced_bytes: int = 0
    n_non_string_texts: int = 0
    index: pd.Index | None = None

    __hash__ = None  # type: ignore[assignment]  # lists and a DataFrame inside: unhashable

    def __post_init__(self) -> None:
        n = len(self.texts)
        if len(self.ids) != n:
            raise ValueError(f"Corpus: {len(self.ids)} ids for {n} texts.")
        if self.labels is not None and len(self.labels) != n:
            raise ValueError(f"Corpus: {len(self.labels)} labels for {n} texts.")
        rows, columns = self.metadata.shape
        if rows != n and (rows, columns) != (0, 0):
            raise ValueError(f"Corpus: metadata has {len(self.metadata)} rows for {n} texts.")
        if self.index is not None and len(self.index) != n:
            raise ValueError(f"Corpus: index has {len(self.index)} labels for {n} texts.")
        seen: dict[str, int] = {}
        for i, doc_id in enumerate(self.ids):
            if doc_id in seen:
                name = self.name if self.name.isprintable() else repr(self.name)
                raise CorpusInputError(
                    f"{name}: duplicate document id {_short(doc_id)} "
                    f"(documents {seen[doc_id]} and {i}); ids must be unique."
                )
            seen[doc_id] = i

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Corpus):
            return NotImplemented
        return (
            self.texts == other.texts
            and self.ids == other.ids
            and self.labels == other.labels
            and self.name == other.name
            and self.n_replaced_bytes == other.n_replaced_bytes
            and self.n_non_string_texts == other.n_non_string_texts
            and list(self.metadata.columns) == list(other.metadata.columns)
            and self.metadata.reset_index(drop=True).equals(other.metadata.reset_index(drop=True))
            and ((self.index is None and other.index is None)
                 or (self.index is not None and other.index is not None and self.index.equals(other.index)))
        )

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
        if self.n_non_string_texts:
            lines.append(f"texts that were not strings (converted with str()): {self.n_non_string_texts}")
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


def _short(value: Any, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters, for messages."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 4] + "...'"


def _limit(value: int | None, default: int, name: str) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"load_corpus: {name} must be a positive number of bytes; got {value!r}.")
    return int(value)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and bool(np.isnan(value))


def _to_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _columns_text(columns: list[str], first: int = 20) -> str:
    if len(columns) <= first:
        return repr(columns)
    return repr(columns[:first])[:-1] + f", ... ({len(columns)} columns)]"


def _from_frame(
    frame: pd.DataFrame,
    text_column: str,
    id_column: str | None,
    label_column: str | None,
    name: str,
    n_bad: int,
    notes: list[tuple[type[Warning], str]],
    keep_index: bool = False,
    row_id_prefix: str = "",
) -> Corpus:
    shown = name if name.isprintable() else repr(name)
    columns = list(map(str, frame.columns))
    for role, col in (("text_column", text_column), ("id_column", id_column), ("label_column", label_column)):
        if col is not None and col not in frame.columns:
            hint = ""
            close = [c for c in columns if c.strip().lower() == str(col).strip().lower()]
            if close:
                hint = f" (did you mean {close[0]!r}?)"
            elif len(columns) == 1 and any(sep in columns[0] for sep in ";\t|,"):
                hint = " (one column only: is the separator right?)"
            raise CorpusInputError(
                f"{shown}: {role}={col!r} is not a column; its columns are {_columns_text(columns)}{hint}."
            )
    index = frame.index.copy() if keep_index else None
    frame = frame.reset_index(drop=True)
    texts: list[str] = []
    n_other, first_other = 0, (0, "")
    for i, value in enumerate(frame[text_column].tolist()):
        if isinstance(value, str):
            texts.append(value)
        elif _missing(value):
            texts.append("")
        else:
            n_other += 1
            if n_other == 1:
                first_other = (i, type(value).__name__)
            texts.append(_to_text(value))
    if n_other:
        notes.append(
            (
                CorpusInputWarning,
                f"{shown}: {n_other} text(s) in column {text_column!r} were not strings (the first, document "
                f"{first_other[0]}, is {first_other[1]}); converted with str().",
            )
        )
    if texts and all(not t.strip() for t in texts):
        notes.append((CorpusInputWarning, f"{shown}: all {len(texts)} texts in column {text_column!r} are empty."))
    if id_column is not None:
        values = frame[id_column].tolist()
        gaps = [i for i, v in enumerate(values) if _missing(v)]
        if gaps:
            raise CorpusInputError(
                f"{shown}: id column {id_column!r} has no value for {len(gaps)} document(s), the first is "
                f"document {gaps[0]}; every document needs an id."
            )
        ids = [_to_text(v) for v in values]
    elif index is not None and index.is_unique:
        ids = [str(v) for v in index]  # a DataFrame's own row labels are its documents' identity
    else:
        ids = [f"{row_id_prefix}{i}" for i in range(len(frame))]
    labels = None
    if label_column is not None:
        labels = ["" if _missing(v) else _to_text(v) for v in frame[label_column].tolist()]
    used = {c for c in (text_column, id_column, label_column) if c is not None}
    metadata = frame[[c for c in frame.columns if c not in used]].copy()
    return Corpus(
        texts=texts,
        ids=ids,
        labels=labels,
        metadata=metadata,
        name=name,
        n_replaced_bytes=n_bad,
        n_non_string_texts=n_other,
        index=index,
    )


def load_corpus(
    source: str | Path | pd.DataFrame | Sequence[str] | Corpus,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    label_column: str | None = None,
    label_from_folder: bool = False,
    max_document_bytes: int | None = None,
    max_total_bytes: int | None = None,
    row_id_prefix: str = "",
) -> Corpus:
    """Load documents from a bundled name, a file, a folder, a DataFrame or a list.

    Parameters
    ----------
    source : str, Path, DataFrame, sequence of str or Corpus
        - a bundled corpus name (see :func:`list_corpora`), e.g. ``"newsroom"``;
        - a folder: every ``.txt`` file below it (recursive, symbolic links followed
          once), one document each, its relative path (without ``.txt``) as id;
        - a folder without ``.txt`` files but with partition files (``part-00.jsonl``,
          ``part-01.jsonl``, ... of any format below), or a glob pattern
          (``"parts/*.csv.gz"``): one corpus, the files read one after the other in
          sorted path order (see :mod:`topicmf.partitions`); without an id column a
          document's id is ``"<file name>:<row>"``. The limits apply per file;
        - a ``.csv``/``.tsv`` file (header row; a ``.csv`` whose header has no comma
          but semicolons or tabs is read with that separator), ``.jsonl``/``.jsonl.gz``
          (one JSON object per line), ``.json`` (one array of objects, or JSON Lines),
          ``.parquet`` (needs pyarrow) or ``.txt`` (one document per non-empty line).
          Text files are UTF-8 (a byte-order mark is dropped) or UTF-16/UTF-32 with a
          byte-order mark; they may be gzip-compressed (``.gz``); lines end at ``\n``
          (``\r\n`` too) and nowhere else;
        - a pandas DataFrame; a list of strings (ids ``"0"``, ``"1"``, ...).
    text_column : str, default="text"
        Column holding the document text. Values that are not strings (numbers,
        lists, objects) are converted with ``str()``, counted in
        :attr:`Corpus.n_non_string_texts` and reported by one warning; missing values
        become empty texts.
    id_column : str, optional
        Column of unique document ids. Default: ``"id"`` when such a column
        exists, otherwise the row number.
    label_column : str, optional
        Column of known classes. Default: ``"label"`` for bundled corpora and
        folders read with ``label_from_folder``; otherwise none.
    label_from_folder : bool, default=False
        For a folder: the first sub-folder name becomes each document's label.
    max_document_bytes : int, optional
        Largest document read from a file, in bytes (default :data:`MAX_DOCUMENT_BYTES`,
        10 MiB): a line of a JSON Lines, CSV/TSV or ``.txt`` file, an element of a JSON
        array, a table cell, or one ``.txt`` file of a folder. Lines are read up to this
        size, so it also bounds memory.
    row_id_prefix : str, default=""
        Ids of documents without an id column (nor a DataFrame index) are this
        prefix and the row number (``"part-00.jsonl:0"``; partition files use it).
    max_total_bytes : int, optional
        Largest input read, in bytes (default :data:`MAX_TOTAL_BYTES`, 2 GiB): the
        decompressed content of a file, the uncompressed data of a Parquet file or all
        the ``.txt`` files of a folder. The limits apply to files only, not to a
        DataFrame or list already in memory.

    Returns
    -------
    Corpus

    Raises
    ------
    CorpusInputError
        A ``ValueError``; the base of the errors below. The input cannot be read as
        documents: unknown format, empty file, a file without documents, a folder
        without readable ``.txt`` files, corrupt or truncated gzip data, binary
        content, invalid JSON (a pretty-printed object in a ``.jsonl`` file is named
        as such), a JSON line that is not an object, CSV rows of unequal length, an
        unreadable Parquet file, a missing column (the message lists the columns that
        exist), duplicate or missing ids. The message is one line naming the file (and
        line and column when they are known); the error has ``path`` and ``line``
        attributes.
    EmptyInputError
        The file is empty or holds no documents (in a folder or glob of partition
        files, such a file adds nothing; all of them empty is this error's parent).
    InputNotFoundError
        Also a ``FileNotFoundError``: the path does not exist (and is not a bundled
        corpus name), or is a broken symbolic link.
    InputPermissionError
        Also a ``PermissionError``: the file or the top folder cannot be read.
    InputTooLargeError
        A document is larger than ``max_document_bytes``, or the input than
        ``max_total_bytes``.
    ImportError
        A Parquet file without pyarrow installed.
    ValueError
        ``max_document_bytes`` or ``max_total_bytes`` is not a positive integer.
    TypeError
        ``source`` is none of the types above.

    Warns
    -----
    UnicodeWarning
        Undecodable bytes were replaced with U+FFFD (never fatal); the count is
        :attr:`Corpus.n_replaced_bytes`.
    CorpusInputWarning
        Sub-folders or files of a folder could not be read and were skipped (the
        message gives their number and the first paths); texts were not strings; every
        text is empty.

    Examples
    --------
    >>> import topicmf as tm
    >>> corpus = tm.load_corpus("newsroom")
    >>> len(corpus), sorted(set(corpus.labels))[:2]
    (240, ['culture', 'economy'])
    """
    if isinstance(source, Corpus):
        return source
    limits = Limits(
        max_document_bytes=_limit(max_document_bytes, MAX_DOCUMENT_BYTES, "max_document_bytes"),
        max_total_bytes=_limit(max_total_bytes, MAX_TOTAL_BYTES, "max_total_bytes"),
    )
    name = "<memory>"
    n_bad = 0
    notes: list[tuple[type[Warning], str]] = []
    if isinstance(source, pd.DataFrame):
        frame = source
        name = "DataFrame"
    elif isinstance(source, (str, Path)) and _is_partitioned(source):
        if label_from_folder:
            raise CorpusInputError(f"{source}: label_from_folder names the sub-folder of each .txt document; "
                                   "this folder holds partition files: give label_column instead")
        return _load_partitions(source, text_column=text_column, id_column=id_column, label_column=label_column,
                                max_document_bytes=max_document_bytes, max_total_bytes=max_total_bytes)
    elif isinstance(source, (str, Path)):
        entry = _bundled_entry(str(source)) if isinstance(source, str) else None
        path = bundled_corpora_dir() / entry["file"] if entry is not None else Path(source)
        result = read_path(path, limits=limits, label_from_folder=label_from_folder)
        frame, n_bad, notes = result.frame, result.n_replaced_bytes, result.warnings
        if entry is not None:
            name = entry["name"]
            text_column = entry["text_column"] if text_column == "text" else text_column
            id_column = id_column or entry["id_column"]
            label_column = label_column or entry["label_column"]
        else:
            name = str(path)
            if label_from_folder and path.is_dir():
                label_column = label_column or "label"
    elif isinstance(source, Iterable):
        texts = list(source)
        bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
        if bad:
            raise ValueError(
                f"load_corpus: a list of documents must hold str; item {bad[0]} is {type(texts[bad[0]]).__name__}."
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
    keep_index = isinstance(source, pd.DataFrame)
    corpus = _from_frame(frame, text_column, id_column, label_column, name, n_bad, notes, keep_index,
                         row_id_prefix)
    for category, message in notes:
        warnings.warn(message, category, stacklevel=2)
    logger.info("loaded %s", corpus)
    return corpus


def _is_partitioned(source: str | Path) -> bool:
    from .partitions import is_partitioned

    return not (isinstance(source, str) and _bundled_entry(source) is not None) and is_partitioned(source)

def _load_partitions(source: str | Path, **options: Any) -> Corpus:
    from .partitions import concat_corpora, partition_names, partition_paths, read_partition

    try:
        paths = partition_paths(source)
    except FileNotFoundError as exc:
        raise InputNotFoundError(f"{source}: {exc}") from None
    names = partition_names(paths)
    corpus = concat_corpora([read_partition(p, options, n) for p, n in zip(paths, names)], str(source))
    if not len(corpus):
        raise CorpusInputError(f"{source}: the {len(paths)} partition file(s) hold no documents")
    logger.info("loaded %s from %d partition files", corpus, len(paths))
    return corpus
