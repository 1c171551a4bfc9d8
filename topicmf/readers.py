"""Reading corpus files safely: streamed, size-limited, with one-line errors.

The file side of :func:`topicmf.load_corpus`. Every reader here

- streams its input (plain or gzip-compressed, detected by its magic bytes) and splits
  records on ``\\n`` only (never on U+2028, U+0085 or other characters that
  ``str.splitlines`` treats as line breaks), so memory stays bounded by the limits below;
- stops at a per-document limit (``max_document_bytes``: a line of a JSON Lines, CSV/TSV
  or ``.txt`` file, an element of a JSON array, a cell of a table, a file of a folder) and
  a total limit (``max_total_bytes``: the decompressed bytes of one file, or all the files
  of one folder);
- decodes UTF-8 (a UTF-8 byte-order mark is dropped), and UTF-16/UTF-32 when a byte-order
  mark or the NUL pattern of ASCII text says so; undecodable bytes are replaced with
  U+FFFD and counted, never fatal;
- reports every problem as a :class:`CorpusInputError` (a ``ValueError``) whose message
  is one line, ``<file>: line N[, column C]: <problem>``.

This module imports nothing from topicmf; :mod:`topicmf.corpora` builds on it.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import io
import json
import os
import re
import stat
import threading
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CorpusInputError",
    "CorpusInputWarning",
    "InputNotFoundError",
    "InputPermissionError",
    "InputTooLargeError",
    "Limits",
    "ReadResult",
    "read_path",
    "show_path",
]

# ---------------------------------------------------------------------------------------
# Errors and warnings


class CorpusInputError(ValueError):
    """An input that cannot be read as documents.

    The message is one line: ``<file>: [line N[, column C]: ]<problem>``.

    Attributes
    ----------
    path : str or None
        The file or folder, as shown in the message.
    line : int or None
        The 1-based line of the file where the problem is, when known.
    problem : str or None
        The message without the file and line.
    """

    path: str | None = None
    line: int | None = None
    problem: str | None = None


class InputNotFoundError(CorpusInputError, FileNotFoundError):
    """The path does not exist (or is a broken symbolic link); also a ``FileNotFoundError``."""


class InputPermissionError(CorpusInputError, PermissionError):
    """The file or folder cannot be read for lack of permission; also a ``PermissionError``."""


class InputTooLargeError(CorpusInputError):
    """A document is larger than ``max_document_bytes``, or the input than ``max_total_bytes``."""


class EmptyInputError(CorpusInputError):
    """The file is empty or holds no documents (a header only, ``[]``)."""


class CorpusInputWarning(UserWarning):
    """Something in the input was skipped or converted; the message says what and how many."""


# The characters str.splitlines() breaks lines at.
_LINE_BREAKS = re.compile("[ \t]*[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+[ \t]*")


def _one_line(text: str) -> str:
    return _LINE_BREAKS.sub(" ", str(text)).strip()


def show_path(path: str | os.PathLike[str]) -> str:
    """``path`` as shown in messages: as is, or quoted when it holds unprintable characters."""
    text = os.fspath(path)
    return text if text.isprintable() else repr(text)


def _error(
    shown: str,
    problem: str,
    line: int | None = None,
    column: int | None = None,
    cls: type[CorpusInputError] = CorpusInputError,
) -> CorpusInputError:
    where = "" if line is None else f"line {line}: " if column is None else f"line {line}, column {column}: "
    problem = _one_line(problem)
    exc = cls(f"{shown}: {where}{problem}")
    exc.path, exc.line, exc.problem = shown, line, problem
    return exc


def _reason(exc: OSError) -> str:
    return "permission denied" if isinstance(exc, PermissionError) else str(exc.strerror or exc)


def _os_error(exc: OSError | ValueError, shown: str, line: int | None = None) -> CorpusInputError:
    """A one-line error for an OS-level failure to reach or read ``shown``."""
    if isinstance(exc, ValueError):  # os.stat/open: "embedded null byte"
        return _error(shown, "the path contains a NUL character")
    if isinstance(exc, FileNotFoundError):
        return _error(shown, "no such file or folder", line, cls=InputNotFoundError)
    if isinstance(exc, PermissionError):
        return _error(shown, _reason(exc), line, cls=InputPermissionError)
    if isinstance(exc, IsADirectoryError):
        return _error(shown, "is a folder, not a file", line)
    if exc.errno == errno.ELOOP:
        return _error(shown, "symbolic link loop", line)
    if exc.errno == errno.ENOTDIR:
        return _error(shown, "no such file or folder (a parent is a file)", line, cls=InputNotFoundError)
    return _error(shown, f"cannot read ({_reason(exc)})", line)


# ---------------------------------------------------------------------------------------
# Limits and results


@dataclass(frozen=True)
class Limits:
    """Size limits of one read, in bytes (decompressed, as UTF-8 for decoded text)."""

    max_document_bytes: int
    max_total_bytes: int


@dataclass
class ReadResult:
    """What a reader found: the table, replaced bytes and warnings to give the caller."""

    frame: pd.DataFrame
    n_replaced_bytes: int = 0
    warnings: list[tuple[type[Warning], str]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# Byte sources

_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
# Formats users pass by mistake, recognised by their first bytes (gzip is read instead).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx file or a zipped folder?), not text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 document (an old Excel .xls or Word .doc file?), not text"),
    (b"%PDF-", "a PDF file, not text"),
    (b"\xfd7zXZ\x00", "xz-compressed; only gzip (.gz) compression is read"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed; only gzip (.gz) compression is read"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive, not text"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image, not text"),
    (b"\xff\xd8\xff", "a JPEG image, not text"),
)
_BOMS = (  # longest first: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Undecodable bytes become U+FFFD; the handler counts them (per thread) so readers can
# report how many bytes were replaced, also inside io.TextIOWrapper.
_ERRORS = "topicmf.count-replace"
_TLS = threading.local()


def _count_and_replace(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _TLS.count = getattr(_TLS, "count", 0) + (exc.end - exc.start)
    return "\ufffd", exc.end


codecs.register_error(_ERRORS, _count_and_replace)


def _replaced_so_far() -> int:
    return getattr(_TLS, "count", 0)


class _CountingRaw(io.RawIOBase):
    """A raw stream over ``inner`` that counts bytes and stops past ``limit``."""

    def __init__(self, inner: Any, limit: int, on_limit: Callable[[], BaseException]) -> None:
        self._inner, self._limit, self._on_limit = inner, limit, on_limit
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._inner.readinto(buffer) or 0
        self.total += n
        if self.total > self._limit:
            raise self._on_limit()
        return n


def _binary_kind(head: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"BZh") and head[4:10] == b"1AY&SY":
        return "bzip2-compressed; only gzip (.gz) compression is read"
    return None


def _sniff_encoding(head: bytes) -> tuple[str, int]:
    """The text encoding of a stream starting with ``head`` and the length of its BOM."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, (len(bom) if encoding == "utf-8" else 0)
    if len(head) >= 4 and 0 not in (head[0], head[2]) and head[1] == head[3] == 0:
        return "utf-16-le", 0
    if len(head) >= 4 and 0 not in (head[1], head[3]) and head[0] == head[2] == 0:
        return "utf-16-be", 0
    return "utf-8", 0


def _open_file(path: Path, shown: str) -> io.BufferedReader:
    try:
        return open(path, "rb")  # closed by the caller
    except (OSError, ValueError) as exc:
        raise _os_error(exc, shown) from None


class _Source:
    """One file opened for reading text: decompressed, decoded, counted and limited.

    Parameters
    ----------
    path : Path
    shown : str
        The path as shown in messages.
    limits : Limits
    """

    def __init__(self, path: Path, shown: str, limits: Limits) -> None:
        self.shown, self.limits = shown, limits
        self.lineno = 0
        self.n_replaced = 0
        self.encoding = "utf-8"
        self._file = _open_file(path, shown)
        try:
            self._open(path)
        except BaseException:
            self._file.close()
            raise

    def _open(self, path: Path) -> None:
        head = self._guard(lambda: self._file.peek(16)[:16])
        inner: Any = self._file
        if head.startswith(_GZIP_MAGIC):
            inner = gzip.GzipFile(fileobj=self._file, mode="rb")
        elif (kind := _binary_kind(head)) is not None:
            raise _error(self.shown, f"looks like {kind}")
        elif path.name.lower().endswith(".gz"):
            raise _error(self.shown, "not a gzip file (the name ends in .gz but the content is not gzip-compressed)")
        self._raw = _CountingRaw(inner, self.limits.max_total_bytes, self._total_exceeded)
        self._stream = io.BufferedReader(self._raw, _CHUNK)
        head = self._guard(lambda: self._stream.peek(4)[:4])
        self.encoding, bom = _sniff_encoding(head)
        self._guard(lambda: self._stream.read(bom))
        self._text: io.TextIOWrapper | None = None
        if self.encoding != "utf-8":
            self._text = io.TextIOWrapper(self._stream, encoding=self.encoding, errors=_ERRORS, newline="\n")

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- errors -------------------------------------------------------------------------

    # Reads are buffered ahead, so the errors of the byte stream name no line.

    def _total_exceeded(self) -> CorpusInputError:
        limit = self.limits.max_total_bytes
        return _error(
            self.shown,
            f"more than {limit} bytes of (decompressed) input, the limit (max_total_bytes)",
            cls=InputTooLargeError,
        )

    def _guard(self, read: Any) -> Any:
        """Call ``read()``; turn decompression and OS errors into one-line errors."""
        try:
            return read()
        except CorpusInputError:
            raise
        except EOFError:
            raise _error(self.shown, "truncated gzip file (the compressed data ends early)") from None
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise _error(self.shown, f"corrupt gzip data ({exc})") from None
        except OSError as exc:
            raise _os_error(exc, self.shown) from None

    def _check_nul(self, data: str | bytes, first_line: int) -> None:
        nul, newline = ("\0", "\n") if isinstance(data, str) else (b"\0", b"\n")
        at = data.find(nul)  # type: ignore[arg-type]
        if at >= 0:
            raise _error(
                self.shown,
                "NUL byte: this looks like binary data, not text",
                first_line + data.count(newline, 0, at),  # type: ignore[arg-type]
                at - data.rfind(newline, 0, at),  # type: ignore[arg-type]
            )

    def _too_large(self, seen: int, whole: bool = False, exact: bool = False) -> CorpusInputError:
        """The error for a document over the limit, ``seen`` bytes of it read.

        Unless ``exact``, measures the rest of the line (of the file if ``whole``) in
        1 MiB pieces, up to ``max(8 * max_document_bytes, 64 MiB)``: bounded time and memory.
        """
        limit = self.limits.max_document_bytes
        n = seen
        if self._text is None and not exact:
            cap = max(8 * limit, 64 << 20)
            try:
                while n < cap:
                    size = min(1 << 20, cap - n)
                    chunk = self._stream.read(size) if whole else self._stream.readline(size)
                    if not chunk:
                        exact = True
                        break
                    n += len(chunk)
                    if not whole and chunk.endswith(b"\n"):
                        n, exact = n - 1, True
                        break
            except (CorpusInputError, OSError, EOFError, zlib.error):
                pass
        measured = f"{n} bytes" if exact else f"at least {n} bytes"
        return _error(
            self.shown,
            f"document of {measured} exceeds the limit of {limit} bytes (max_document_bytes)",
            None if whole else self.lineno,
            cls=InputTooLargeError,
        )

    # -- reading ------------------------------------------------------------------------

    def _decode(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            before = _replaced_so_far()
            text = raw.decode("utf-8", _ERRORS)
            self.n_replaced += _replaced_so_far() - before
            return text

    def lines(self) -> Iterator[tuple[int, str]]:
        """Yield ``(line number, line)`` for every line, without its ``\\n`` or ``\\r\\n``.

        Lines are split on ``\\n`` only. A line longer than ``max_document_bytes`` raises
        :class:`InputTooLargeError`; a NUL byte raises :class:`CorpusInputError`.
        """
        limit = self.limits.max_document_bytes
        while True:
            if self._text is None:
                raw = self._guard(lambda: self._stream.readline(limit + 1))
                if not raw:
                    return
                self.lineno += 1
                if b"\0" in raw:
                    self._check_nul(raw, self.lineno)
                ended = raw.endswith(b"\n")
                if len(raw) - ended > limit:
                    raise self._too_large(len(raw))
                line = self._decode(raw[:-1] if ended else raw)
            else:
                before = _replaced_so_far()
                line = self._guard(lambda: self._text.readline(limit + 1))  # type: ignore[union-attr]
                self.n_replaced += _replaced_so_far() - before
                if not line:
                    return
                self.lineno += 1
                self._check_nul(line, self.lineno)
                ended = line.endswith("\n")
                line = line[:-1] if ended else line
                if len(line) > limit or (len(line) > limit // 4 and _utf8_size(line) > limit):
                    raise self._too_large(limit + 1)
            yield self.lineno, line[:-1] if line.endswith("\r") else line

    def blocks(self) -> Iterator[str]:
        """Yield the rest of the text in pieces of whole lines (the last may lack its ``\\n``).

        The checks of :meth:`lines` (line length, NUL bytes) at the cost of a few C
        calls per 64 KiB rather than per line. Tokens never straddle two pieces.
        """
        limit = self.limits.max_document_bytes
        size = min(_CHUNK, limit)  # so a line inside one read is always within the limit
        text = self._text
        newline: Any = "\n" if text is not None else b"\n"
        nul: Any = "\0" if text is not None else b"\0"
        data: Any
        carry: list[Any] = []  # the unfinished line
        run = 0  # its length
        while True:
            if text is None:
                data = self._guard(lambda: self._stream.read1(size))
            else:
                before = _replaced_so_far()
                data = self._guard(lambda: text.read(size))
                self.n_replaced += _replaced_so_far() - before
            if not data:
                if carry:
                    self.lineno += 1
                    rest: Any = newline[:0].join(carry)
                    yield rest if text is not None else self._decode(rest)
                return
            if nul in data:
                self._check_nul(newline[:0].join(carry) + data, self.lineno + 1)
            last = data.rfind(newline)
            if last < 0:
                run += len(data)
                carry.append(data)
                if run > limit:
                    self.lineno += 1
                    raise self._too_large(run)
                continue
            first = data.find(newline)
            if run + first > limit:
                self.lineno += 1
                raise self._too_large(run + first, exact=True)
            self.lineno += data.count(newline, 0, last + 1)
            piece: Any = newline[:0].join([*carry, data[: last + 1]])
            carry, run = ([data[last + 1 :]], len(data) - last - 1) if last + 1 < len(data) else ([], 0)
            yield piece if text is not None else self._decode(piece)

    def read_all(self) -> str:
        """The whole (decoded) content, at most ``max_document_bytes`` of it."""
        limit = self.limits.max_document_bytes
        self.lineno = 1
        if self._text is None:
            chunks, size = [], 0
            while size <= limit:  # in chunks: read(limit + 1) would allocate the limit at once
                chunk = self._guard(lambda: self._stream.read(_CHUNK))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            raw = b"".join(chunks)
            self._check_nul(raw, 1)
            if len(raw) > limit:
                raise self._too_large(len(raw), whole=True)
            return self._decode(raw)
        before = _replaced_so_far()
        text = self._guard(lambda: self._text.read(limit + 1))  # type: ignore[union-attr]
        self.n_replaced += _replaced_so_far() - before
        self._check_nul(text, 1)
        if len(text) > limit or _utf8_size(text) > limit:
            raise self._too_large(limit + 1, whole=True)
        return text


# ---------------------------------------------------------------------------------------
# Records -> columns


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


class _Columns:
    """Records gathered column by column (less memory than a list of dicts).

    The table may hold at most ``max_total_bytes / 8`` cells (a pointer each), so records
    with ever new keys cannot make it grow quadratically.
    """

    def __init__(self, shown: str, limits: Limits) -> None:
        self.shown = shown
        self.columns: dict[str, list[Any]] = {}
        self.n = 0
        self._max_cells = max(limits.max_total_bytes // 8, 1)

    def _check(self, n_columns: int, n_rows: int, line: int | Callable[[], int]) -> None:
        if n_columns * n_rows > self._max_cells:
            raise _error(
                self.shown,
                f"{n_columns} distinct keys in {n_rows} records make a table of more cells than the limit "
                "allows (max_total_bytes / 8)",
                line if isinstance(line, int) else line(),
                cls=InputTooLargeError,
            )

    def add(self, record: dict[str, Any], line: int | Callable[[], int]) -> None:
        """Append one record; ``line`` (or a function giving it) is for the error message."""
        columns = self.columns
        for key, value in record.items():
            column = columns.get(key)
            if column is None:
                self._check(len(columns) + 1, self.n + 1, line)
                column = columns[key] = [np.nan] * self.n
            column.append(value)
        self.n += 1
        self._check(len(columns), self.n, line)
        if len(record) != len(columns):
            for column in columns.values():
                if len(column) < self.n:
                    column.append(np.nan)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.columns, index=range(self.n))


def _check_cells(frame: pd.DataFrame, shown: str, limits: Limits) -> None:
    """Raise :class:`InputTooLargeError` for a string cell over ``max_document_bytes``."""
    limit = limits.max_document_bytes
    for column in frame.columns:
        if frame[column].dtype.kind not in "OSUT" and not isinstance(frame[column].dtype, pd.StringDtype):
            continue
        for row, value in enumerate(frame[column].tolist()):
            if isinstance(value, str) and len(value) > limit // 4:
                size = _utf8_size(value)
                if size > limit:
                    raise _error(
                        shown,
                        f"row {row + 1}, column {str(column)!r}: document of {size} bytes exceeds the limit "
                        f"of {limit} bytes (max_document_bytes)",
                        cls=InputTooLargeError,
                    )


# ---------------------------------------------------------------------------------------
# JSON Lines and JSON arrays

_JSON_WS = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder(strict=False)  # raw control characters inside strings are accepted


def _json_line_error(shown: str, line: str, stripped: str, exc: json.JSONDecodeError, lineno: int) -> CorpusInputError:
    column = exc.pos + len(line) - len(line.lstrip()) + 1
    if exc.msg.startswith("Unterminated string"):
        problem = (
            "a string is not closed on this line (a raw line break inside a string? JSON Lines needs it escaped as \\n)"
        )
    elif stripped.startswith("{") and exc.pos >= len(stripped):
        problem = "looks like a pretty-printed JSON object, not JSON Lines (one object per line)"
    elif exc.msg == "Extra data":
        problem = "more than one JSON value on the line (JSON Lines holds one object per line)"
    else:
        problem = f"not valid JSON ({exc.msg})"
    return _error(shown, problem, lineno, column)


def _parse_json(text: str, shown: str, lineno: int) -> Any:
    """``json.loads`` with one-line errors for the failures that are not JSONDecodeError."""
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise _error(shown, "JSON nested too deeply", lineno) from None


def _read_jsonl(source: _Source) -> pd.DataFrame:
    shown = source.shown
    lines = source.lines()
    first = next(((n, text) for n, text in lines if text.strip()), None)
    if first is None:
        return pd.DataFrame()
    if first[1].lstrip(" \t\ufeff").startswith("["):
        return _read_json_array(source, first[1].lstrip("\ufeff") + "\n", first[0])
    table = _Columns(shown, source.limits)
    for lineno, line in chain([first], lines):
        stripped = line.strip(" \t\r\ufeff")
        if not stripped:
            continue
        try:
            record = _parse_json(stripped, shown, lineno)
        except json.JSONDecodeError as exc:
            raise _json_line_error(shown, line, stripped, exc, lineno) from None
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            if isinstance(exc, CorpusInputError):
                raise
            raise _error(shown, f"not valid JSON ({exc})", lineno) from None
        if not isinstance(record, dict):
            raise _error(shown, f"expected a JSON object, got {_json_type(record)}", lineno)
        table.add(record, lineno)
    return table.frame()


def _read_json_array(source: _Source, first: str, first_line: int) -> pd.DataFrame:
    """Stream the objects of one JSON array, each at most ``max_document_bytes``.

    ``first`` is the text read so far (whole lines), starting at line ``first_line``.
    The buffer always ends at the end of a line, so no token is ever cut in two.
    """
    shown, limit = source.shown, source.limits.max_document_bytes
    table = _Columns(shown, source.limits)
    blocks = source.blocks()
    buf, pos, eof = first, 0, False

    def more(min_chars: int) -> None:
        nonlocal buf, pos, first_line, eof
        if pos:
            first_line += buf.count("\n", 0, pos)
            buf, pos = buf[pos:], 0
        parts, added = [buf], 0
        while added < min_chars:
            piece = next(blocks, None)
            if piece is None:
                eof = True
                break
            parts.append(piece)
            added += len(piece)
        buf = "".join(parts)

    def next_char() -> str:
        nonlocal pos
        while True:
            pos = _JSON_WS.match(buf, pos).end()  # type: ignore[union-attr]
            if pos < len(buf):
                return buf[pos]
            if eof:
                return ""
            more(_CHUNK)

    def where(at: int) -> tuple[int, int]:
        line = first_line + buf.count("\n", 0, at)
        return line, at - (buf.rfind("\n", 0, at) + 1) + 1

    def fail(problem: str, at: int) -> CorpusInputError:
        return _error(shown, problem, *where(at))

    if next_char() != "[":
        raise fail("expected a JSON array", pos)
    pos += 1
    index = 0
    if next_char() == "]":
        pos += 1
    else:
        while True:
            char = next_char()
            if char in ("", "]"):
                raise fail("the JSON array ends early" if char == "" else "a trailing comma before ']'", pos)
            start = pos
            while True:
                try:
                    record, end = _DECODER.raw_decode(buf, start)
                    break
                except json.JSONDecodeError as exc:
                    incomplete = exc.msg.startswith("Unterminated string") or exc.pos >= len(buf.rstrip())
                    if eof or not incomplete:
                        raise fail(f"not valid JSON ({exc.msg})", exc.pos) from None
                    pending = len(buf) - start
                    if pending > limit or (pending > limit // 4 and _utf8_size(buf[start:]) > limit):
                        raise _error(
                            shown,
                            f"element {index + 1} of the JSON array: document of more than {limit} bytes exceeds "
                            f"the limit of {limit} bytes (max_document_bytes)",
                            *where(start),
                            cls=InputTooLargeError,
                        ) from None
                    more(max(pending, _CHUNK))  # compacts buf: the element now starts at pos == 0
                    start = pos
                except RecursionError:
                    raise fail("JSON nested too deeply", start) from None
                except ValueError as exc:
                    raise fail(f"not valid JSON ({exc})", start) from None
            if not isinstance(record, dict):
                raise fail(
                    f"element {index + 1} of the JSON array is {_json_type(record)}; "
                    "a JSON array of documents must hold objects only",
                    start,
                )
            if end - start > limit // 4:
                size = _utf8_size(buf[start:end])
                if size > limit:
                    raise _error(
                        shown,
                        f"element {index + 1} of the JSON array: document of {size} bytes exceeds the limit of "
                        f"{limit} bytes (max_document_bytes)",
                        *where(start),
                        cls=InputTooLargeError,
                    )
            table.add(record, partial(lambda at: where(at)[0], start))
            index += 1
            pos = end
            char = next_char()
            pos += 1
            if char == "]":
                break
            if char != ",":
                raise fail("expected ',' or ']' after an element of the JSON array", pos - 1)
    if next_char():
        raise fail("extra data after the JSON array", pos)
    return table.frame()


# ---------------------------------------------------------------------------------------
# CSV / TSV and text


class _TextStream(io.TextIOBase):
    """A readable text stream over pieces of text, for ``pandas.read_csv``."""

    def __init__(self, pieces: Iterable[str]) -> None:
        self._pieces = iter(pieces)
        self._buf = ""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        size = -1 if size is None else size
        parts, n = [self._buf], len(self._buf)
        while size < 0 or n < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            parts.append(piece)
            n += len(piece)
        text = "".join(parts)
        if size < 0:
            self._buf = ""
            return text
        self._buf = text[size:]
        return text[:size]


_PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_PANDAS_EOF = re.compile(r"EOF inside string starting at row (\d+)")


def _read_table(source: _Source, sep: str) -> pd.DataFrame:
    shown = source.shown
    kind = "TSV" if sep == "\t" else "CSV"
    lines = source.lines()
    header = next(lines, None)
    if header is None:
        return pd.DataFrame()
    if sep not in header[1]:  # Excel writes ';' in many locales; "Unicode text" is tab-separated
        counts = {s: header[1].count(s) for s in (",", ";", "\t") if s != sep}
        best = max(counts, key=counts.__getitem__)
        sep = best if counts[best] else sep
    stream = _TextStream(chain([header[1] + "\n"], source.blocks()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(stream, sep=sep, dtype=str, keep_default_na=False, index_col=False)
        except pd.errors.EmptyDataError:
            return pd.DataFrame()
        except pd.errors.ParserError as exc:
            message = str(exc)
            if m := _PANDAS_FIELDS.search(message):
                expected, line, saw = m.groups()
                raise _error(
                    shown,
                    f"{saw} fields where the header has {expected} ({kind} rows of unequal length; "
                    f"quote fields that contain {sep!r})",
                    int(line),
                ) from None
            if m := _PANDAS_EOF.search(message):
                problem = f"a quoted field starting in data row {m.group(1)} is never closed ({kind})"
                raise _error(shown, problem) from None
            raise _error(shown, f"cannot parse as {kind} ({message})") from None
    for w in caught:
        if "Length of header" in str(w.message):
            raise _error(shown, f"more fields than the header's {frame.shape[1]} ({kind} rows of unequal length)", 2)
    frame.columns = [str(c).lstrip("\ufeff") for c in frame.columns]
    if source.lineno > len(frame) + 1:  # quoted line breaks: a cell may span several lines
        _check_cells(frame, shown, source.limits)
    return frame


def _read_lines(source: _Source) -> pd.DataFrame:
    return pd.DataFrame({"text": [line for _, line in source.lines() if line.strip()]})


def _read_parquet(path: Path, shown: str, limits: Limits) -> pd.DataFrame:
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            f"{shown}: reading Parquet needs pyarrow; install it with "
            "`python -m pip install pyarrow` (or `topicmf[parquet]`)."
        ) from None
    with _open_file(path, shown) as file:
        try:
            meta = pq.ParquetFile(file).metadata
            size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        except (pyarrow.ArrowException, OSError, ValueError) as exc:
            raise _error(shown, f"not a readable Parquet file ({exc})") from None
        # Pandas holds at least 8 bytes a cell, however well the file compresses (nulls).
        size = max(size, 8 * meta.num_rows * meta.num_columns)
        if size > limits.max_total_bytes:
            raise _error(
                shown,
                f"{meta.num_rows} rows x {meta.num_columns} columns, {size} bytes uncompressed, exceed the "
                f"limit of {limits.max_total_bytes} bytes (max_total_bytes)",
                cls=InputTooLargeError,
            )
        try:
            file.seek(0)
            frame = pd.read_parquet(file)
        except (pyarrow.ArrowException, OSError, ValueError) as exc:
            raise _error(shown, f"not a readable Parquet file ({exc})") from None
    _check_cells(frame, shown, limits)
    return frame


# ---------------------------------------------------------------------------------------
# Folders


@dataclass
class _Walk:
    files: list[tuple[tuple[str, ...], Path]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _walk_txt(root: Path, shown: str) -> _Walk:
    """Every ``.txt`` file below ``root`` (symbolic links followed, loops cut).

    Sub-folders and files that cannot be reached are listed in ``skipped`` with the
    reason; a top folder that cannot be listed raises :class:`CorpusInputError`.
    """
    walk = _Walk()
    try:
        top = os.stat(root)
        entries = list(os.scandir(root))
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise _error(shown, "no such file or folder", cls=InputNotFoundError) from None
        cls = InputPermissionError if isinstance(exc, PermissionError) else CorpusInputError
        raise _error(shown, f"cannot list the folder ({_reason(exc)})", cls=cls) from None
    visited = {(top.st_dev, top.st_ino)}
    stack: list[tuple[tuple[str, ...], list[os.DirEntry[str]]]] = [((), entries)]
    while stack:
        parts, entries = stack.pop()
        for entry in entries:
            rel = (*parts, entry.name)
            try:
                if entry.is_dir():
                    info = os.stat(entry.path)
                    key = (info.st_dev, info.st_ino)
                    if key in visited:
                        walk.skipped.append(f"{'/'.join(rel)} (already read: a symbolic link loop or duplicate)")
                        continue
                    visited.add(key)
                    stack.append((rel, list(os.scandir(entry.path))))
                elif entry.name.endswith(".txt"):
                    if entry.is_file():
                        walk.files.append((rel, Path(entry.path)))
                    elif entry.is_symlink() and not os.path.exists(entry.path):
                        walk.skipped.append(f"{'/'.join(rel)} (broken symbolic link)")
                    else:
                        walk.skipped.append(f"{'/'.join(rel)} (not a regular file)")
            except OSError as exc:
                walk.skipped.append(f"{'/'.join(rel)} ({_reason(exc)})")
    walk.files.sort()
    return walk


def _skipped_text(skipped: list[str], first: int = 3) -> str:
    text = ", ".join(show_path(s) for s in skipped[:first])
    return text + (f" and {len(skipped) - first} more" if len(skipped) > first else "")


def _read_folder(root: Path, shown: str, limits: Limits, label_from_folder: bool) -> ReadResult:
    walk = _walk_txt(root, shown)
    rows: list[dict[str, str]] = []
    total, n_replaced, replaced_in = 0, 0, []
    for parts, file in walk.files:
        rel = "/".join(parts)
        try:
            size = file.stat().st_size
            source = _Source(file, show_path(file), limits)
        except OSError as exc:
            walk.skipped.append(f"{rel} ({_reason(exc)})")
            continue
        except (InputNotFoundError, InputPermissionError) as exc:
            walk.skipped.append(f"{rel} ({exc.problem})")
            continue
        with source:
            total += size
            if total > limits.max_total_bytes:
                raise _error(
                    shown,
                    f"more than {limits.max_total_bytes} bytes of .txt files, the limit (max_total_bytes)",
                    cls=InputTooLargeError,
                )
            text = source.read_all()
        if source.n_replaced:
            n_replaced += source.n_replaced
            replaced_in.append(rel)
        row = {"id": rel[: -len(".txt")], "text": text, "path": rel}
        if label_from_folder:
            row["label"] = parts[0] if len(parts) > 1 else ""
        rows.append(row)
    skipped = ""
    if walk.skipped:
        skipped = f"skipped {len(walk.skipped)} path(s) that could not be read: {_skipped_text(walk.skipped)}"
    if not rows:
        suffix = "".join(root.suffixes[-2:]).lower()
        hint = f" (its name ends in {suffix}, but it is a folder, not a file)" if suffix else ""
        problem = f"the folder holds no {'readable ' if skipped else ''}.txt files{hint}"
        raise _error(shown, problem + (f"; {skipped}" if skipped else ""))
    columns = ["id", "text", "path"] + (["label"] if label_from_folder else [])
    result = ReadResult(pd.DataFrame(rows, columns=columns), n_replaced)
    if skipped:
        result.warnings.append((CorpusInputWarning, f"{shown}: {skipped}."))
    if n_replaced:
        result.warnings.append(
            (
                UnicodeWarning,
                f"{shown}: {n_replaced} undecodable byte(s) replaced with U+FFFD in {len(replaced_in)} file(s) "
                f"({_skipped_text(replaced_in)}): not valid UTF-8.",
            )
        )
    return result


# ---------------------------------------------------------------------------------------
# Entry point

_FORMATS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
    ".parquet": "parquet", ".pq": "parquet",
    ".txt": "txt",
}  # fmt: skip


def _format_of(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _FORMATS.get(suffixes[-1]) if suffixes else None


def read_path(path: Path, *, limits: Limits, label_from_folder: bool = False) -> ReadResult:
    """Read a file or folder of documents into a table.

    Parameters
    ----------
    path : Path
        A folder of ``.txt`` files (recursive, one document each, columns ``id``,
        ``text``, ``path`` and, with ``label_from_folder``, ``label``), or a ``.jsonl``
        / ``.ndjson`` / ``.json`` (JSON Lines or one array of objects), ``.csv``,
        ``.tsv``/``.tab``, ``.parquet``/``.pq`` or ``.txt`` (one document per line) file;
        all but Parquet may be gzip-compressed (``.gz``).
    limits : Limits
    label_from_folder : bool, default=False

    Returns
    -------
    ReadResult

    Raises
    ------
    InputNotFoundError
        The path does not exist, or is a broken symbolic link (a ``FileNotFoundError``).
    InputPermissionError
        The file or top folder cannot be read for lack of permission.
    InputTooLargeError
        Past ``limits``.
    CorpusInputError
        Every other problem: unknown format, empty file, corrupt or truncated gzip
        data, binary content, invalid JSON, ragged CSV rows, a folder without readable
        ``.txt`` files, ...
    ImportError
        Parquet without pyarrow.
    """
    shown = show_path(path)
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        if isinstance(exc, FileNotFoundError) and os.path.lexists(path):
            raise _error(shown, "broken symbolic link (its target does not exist)", cls=InputNotFoundError) from None
        raise _os_error(exc, shown) from None
    if stat.S_ISDIR(info.st_mode):
        return _read_folder(path, shown, limits, label_from_folder)
    fmt = _format_of(path)
    if fmt is None:
        raise _error(
            shown,
            "cannot tell the format; expected a folder or a file ending in .jsonl, .jsonl.gz, .json, "
            ".csv, .tsv, .parquet or .txt (one document per line)",
        )
    if stat.S_ISREG(info.st_mode) and info.st_size == 0:
        raise _error(shown, "the file is empty", cls=EmptyInputError)
    if fmt == "parquet":
        result = ReadResult(_read_parquet(path, shown, limits))
    else:
        with _Source(path, shown, limits) as source:
            if fmt == "jsonl":
                frame = _read_jsonl(source)
            elif fmt == "txt":
                frame = _read_lines(source)
            else:
                frame = _read_table(source, "\t" if fmt == "tsv" else ",")
        result = ReadResult(frame, source.n_replaced)
        if source.n_replaced:
            result.warnings.append(
                (
                    UnicodeWarning,
                    f"{shown}: {source.n_replaced} undecodable byte(s) replaced with U+FFFD (not valid "
                    f"{source.encoding.upper()}; if the file uses another encoding, e.g. Windows-1252, "
                    "save it as UTF-8).",
                )
            )
    if len(result.frame) == 0:
        raise _error(shown, "the file holds no documents", cls=EmptyInputError)
    return result
