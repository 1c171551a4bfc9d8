"""Hostile and broken inputs to ``load_corpus``: each case builds its file in tmp_path.

Every case states the exact class of outcome:

- ``Raises``: the exact exception type; the message is one line, starts with the file
  (as shown) and says the problem (a regular expression);
- ``Warns``: the corpus loads, with a warning of the category whose message says what
  and how many, plus a check of the corpus;
- ``Loads``: the corpus loads without any warning, and a check of the corpus passes.

Nothing here touches the network or uses binary fixtures; the whole module runs in a
few seconds.
"""

from __future__ import annotations

import builtins
import codecs
import gzip
import json
import os
import random
import re
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import topicmf as tm
from topicmf.corpora import (
    MAX_DOCUMENT_BYTES,
    Corpus,
    CorpusInputError,
    CorpusInputWarning,
    InputNotFoundError,
    InputPermissionError,
    InputTooLargeError,
)
from topicmf.preprocess import normalize_text
from topicmf.readers import EmptyInputError, show_path

# ---------------------------------------------------------------------------------------
# Expected outcomes


@dataclass
class Raises:
    """Loading raises exactly ``cls``; the one-line message starts with the file."""

    cls: type[BaseException]
    pattern: str


@dataclass
class Warns:
    """Loading warns once with ``category`` matching ``pattern``; ``check(corpus)`` holds."""

    category: type[Warning]
    pattern: str
    check: Callable[[Corpus], Any] = lambda corpus: None


@dataclass
class Loads:
    """Loading gives no warning; ``check(corpus)`` holds."""

    check: Callable[[Corpus], Any]


@dataclass
class Case:
    id: str
    build: Callable[[Path], Any]  # tmp_path -> the source (the file is written)
    expect: Raises | Warns | Loads
    options: dict[str, Any] = field(default_factory=dict)
    patch: Callable[[pytest.MonkeyPatch, Path], None] | None = None


# ---------------------------------------------------------------------------------------
# Builders


def _write(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    return build


def _jsonl(records: list[Any], sep: str = "\n") -> str:
    return sep.join(json.dumps(r, ensure_ascii=False) for r in records) + sep


DOCS = [{"id": "a", "text": "rates rise"}, {"id": "b", "text": "goal scored"}, {"id": "c", "text": "new vaccine"}]
CSV = "id,text\na,rates rise\nb,goal scored\nc,new vaccine\n"


def _texts(*expected: str) -> Callable[[Corpus], None]:
    def check(corpus: Corpus) -> None:
        assert corpus.texts == list(expected)

    return check


def _three_docs(corpus: Corpus) -> None:
    assert corpus.ids == ["a", "b", "c"]
    assert corpus.texts == ["rates rise", "goal scored", "new vaccine"]
    assert corpus.n_replaced_bytes == 0


def _gz(name: str, data: bytes | str) -> Callable[[Path], Path]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return _write(name, gzip.compress(raw, mtime=0))


def _truncated_gz(tmp: Path) -> Path:
    data = gzip.compress(_jsonl([{"text": f"document {i} " * 20} for i in range(200)]).encode(), mtime=0)
    path = tmp / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    return path


def _corrupt_gz(tmp: Path) -> Path:
    data = bytearray(gzip.compress(_jsonl([{"text": f"document {i}"} for i in range(500)]).encode(), mtime=0))
    for i in range(20, 60):  # scramble the deflate stream after the 10-byte header
        data[i] ^= 0x5A
    path = tmp / "corrupt.jsonl.gz"
    path.write_bytes(bytes(data))
    return path


def _parquet_bytes() -> bytes:
    pytest.importorskip("pyarrow")
    import io

    buffer = io.BytesIO()
    pd.DataFrame(DOCS).to_parquet(buffer)
    return buffer.getvalue()


def _parquet_file(tmp: Path, frame: pd.DataFrame) -> Path:
    pytest.importorskip("pyarrow")
    path = tmp / "docs.parquet"
    frame.to_parquet(path)
    return path


def _corrupt_parquet(tmp: Path) -> Path:
    data = _parquet_bytes()
    path = tmp / "docs.parquet"
    path.write_bytes(data[: len(data) // 2] + b"\x00" * 16 + data[-8:])  # footer length now lies
    return path


def _truncated_parquet(tmp: Path) -> Path:
    data = _parquet_bytes()
    path = tmp / "docs.parquet"
    path.write_bytes(data[: len(data) // 2])
    return path


def _folder(files: dict[str, str | bytes]) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        root = tmp / "docs"
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        root.mkdir(exist_ok=True)
        return root

    return build


def _folder_120(tmp: Path) -> Path:
    root = tmp / "docs"
    for i in range(120):
        sub = root / f"part{i // 20}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{i}.txt").write_text(f"document {i}", encoding="utf-8")
    return root


def _symlink_loop_folder(tmp: Path) -> Path:
    root = _folder({"a/1.txt": "one", "b/2.txt": "two"})(tmp)
    os.symlink("..", root / "a" / "up")  # a/up -> docs: a loop
    os.symlink(root / "a", root / "b" / "again")  # b/again -> a: a duplicate
    return root


def _broken_symlink(tmp: Path) -> Path:
    path = tmp / "gone.jsonl"
    os.symlink(tmp / "missing-target.jsonl", path)
    return path


def _self_loop(tmp: Path) -> Path:
    path = tmp / "loop.jsonl"
    os.symlink(path, path)
    return path


def _directory_named_jsonl(tmp: Path) -> Path:
    path = tmp / "x.jsonl"
    path.mkdir()
    (path / "notes.md").write_text("not a document")
    return path


def _deny(*, scandir: str | None = None, open_: str | None = None, error: type[OSError] = PermissionError):
    """A patch: ``os.scandir`` of the folder ``scandir`` or ``open`` of the file ``open_``
    (both relative to tmp_path) raises ``error`` (root ignores chmod 000)."""

    def patch(monkeypatch: pytest.MonkeyPatch, tmp: Path) -> None:
        if scandir is not None:
            real_scandir, denied = os.scandir, os.path.normpath(tmp / scandir)

            def fake_scandir(path: Any = ".") -> Any:
                if os.path.normpath(os.fspath(path)) == denied:
                    raise error(13, os.strerror(13), os.fspath(path))
                return real_scandir(path)

            monkeypatch.setattr(os, "scandir", fake_scandir)
        if open_ is not None:
            real_open, denied_file = builtins.open, os.path.normpath(tmp / open_)

            def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
                if isinstance(file, (str, os.PathLike)) and os.path.normpath(os.fspath(file)) == denied_file:
                    raise error(13, os.strerror(13), os.fspath(file))
                return real_open(file, *args, **kwargs)

            monkeypatch.setattr(builtins, "open", fake_open)

    return patch


def _many_columns(tmp: Path) -> Path:
    n = 3000
    header = ",".join(["id", "text"] + [f"c{i}" for i in range(n)])
    rows = [",".join([str(r), f"doc {r}"] + [str(i) for i in range(n)]) for r in range(5)]
    path = tmp / "wide.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _new_keys_every_line(tmp: Path) -> Path:
    lines = [json.dumps({"text": "x", **{f"k{r}_{i}": 1 for i in range(20)}}) for r in range(400)]
    path = tmp / "sparse.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _metadata_shape(n_docs: int, n_meta: int) -> Callable[[Corpus], None]:
    def check(corpus: Corpus) -> None:
        assert len(corpus) == n_docs and corpus.metadata.shape == (n_docs, n_meta)

    return check


def _non_strings(corpus: Corpus) -> None:
    assert corpus.n_non_string_texts == 3
    assert corpus.texts == ["fine", "['a', 'b']", "{'k': 1}", "42", ""]
    assert "not strings" in corpus.summary()


def _replaced(n: int, text: str | None = None) -> Callable[[Corpus], None]:
    def check(corpus: Corpus) -> None:
        assert corpus.n_replaced_bytes == n
        if text is not None:
            assert text in corpus.texts

    return check


def _folder_ids(*ids: str) -> Callable[[Corpus], None]:
    def check(corpus: Corpus) -> None:
        assert corpus.ids == list(ids)

    return check


def _n_docs(n: int) -> Callable[[Corpus], None]:
    def check(corpus: Corpus) -> None:
        assert len(corpus) == n

    return check


BIG = 1000  # max_document_bytes of the size cases
SMALL = {"max_document_bytes": BIG}

# ---------------------------------------------------------------------------------------
# The cases

CASES = [
    # -- empty and blank
    Case("empty-file", _write("e.jsonl", b""), Raises(EmptyInputError, r"the file is empty")),
    Case("whitespace-only-jsonl", _write("w.jsonl", " \n\t\n\r\n  "), Raises(EmptyInputError, r"holds no documents")),
    Case("whitespace-only-csv", _write("w.csv", "\n\n  \n"), Raises(EmptyInputError, r"holds no documents")),
    Case("header-only-csv", _write("h.csv", "id,text\n"), Raises(EmptyInputError, r"holds no documents")),
    Case("empty-gzip", _gz("e.jsonl.gz", b""), Raises(EmptyInputError, r"holds no documents")),
    Case("trailing-blank-lines", _write("t.jsonl", _jsonl(DOCS) + "\n\n   \n\n"), Loads(_three_docs)),
    Case("object-without-fields", _write("o.jsonl", "{}\n{}\n"),
         Raises(CorpusInputError, r"text_column='text' is not a column; its columns are \[\]")),
    # -- binary content
    Case("binary-garbage", _write("g.csv", random.Random(0).randbytes(4096)),
         Raises(CorpusInputError, r"line \d+, column \d+: NUL byte: this looks like binary data")),
    Case("nul-byte-in-line", _write("n.jsonl", '{"text": "ok"}\n{"text": "a\0b"}\n'),
         Raises(CorpusInputError, r"line 2, column 12: NUL byte")),
    Case("zip-renamed-csv", _write("book.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40),
         Raises(CorpusInputError, r"looks like a ZIP archive \(an Excel \.xlsx")),
    Case("pdf-renamed-txt", _write("paper.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
         Raises(CorpusInputError, r"looks like a PDF file")),
    Case("xz-without-suffix", _write("docs.jsonl", b"\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4F"),
         Raises(CorpusInputError, r"xz-compressed; only gzip")),
    # -- encodings
    Case("invalid-utf8-jsonl", _write("bad.jsonl", b'{"text": "caf\xe9"}\n{"text": "ok \xff\xfe"}\n'),
         Warns(UnicodeWarning, r"3 undecodable byte\(s\) replaced", _replaced(3, "caf\ufffd"))),
    Case("invalid-utf8-txt", _write("bad.txt", b"line one \x80\nline two\n"),
         Warns(UnicodeWarning, r"1 undecodable byte", _replaced(1, "line one \ufffd"))),
    Case("invalid-utf8-folder", _folder({"a.txt": b"caf\xe9", "b.txt": b"fine", "c.txt": b"\xff\xff"}),
         Warns(UnicodeWarning, r"3 undecodable byte\(s\) replaced with U\+FFFD in 2 file\(s\) \(a.txt, c.txt\)",
               _replaced(3))),
    Case("utf8-bom-excel-csv", _write("excel.csv", codecs.BOM_UTF8 + CSV.replace("\n", "\r\n").encode()),
         Loads(_three_docs)),
    Case("utf8-bom-excel-semicolon-csv", _write("excel.csv", codecs.BOM_UTF8 + CSV.replace(",", ";").encode()),
         Loads(_three_docs)),
    Case("utf8-bom-jsonl", _write("bom.jsonl", codecs.BOM_UTF8 + _jsonl(DOCS).encode()), Loads(_three_docs)),
    Case("bom-on-every-line", _write("cat.jsonl", "".join("\ufeff" + json.dumps(d) + "\n" for d in DOCS)),
         Loads(_three_docs)),
    Case("utf16-le-bom-csv", _write("u16.csv", CSV.encode("utf-16")), Loads(_three_docs)),
    Case("utf16-be-bom-jsonl", _write("u16.jsonl", codecs.BOM_UTF16_BE + _jsonl(DOCS).encode("utf-16-be")),
         Loads(_three_docs)),
    Case("utf16-le-no-bom-jsonl", _write("u16.jsonl", _jsonl(DOCS).encode("utf-16-le")), Loads(_three_docs)),
    Case("utf16-excel-unicode-text-tab", _write("u16.csv", CSV.replace(",", "\t").encode("utf-16")),
         Loads(_three_docs)),
    Case("utf32-bom-txt", _write("u32.txt", "rates rise\ngoal scored\n".encode("utf-32")),
         Loads(_texts("rates rise", "goal scored"))),
    Case("u2028-u0085-inside-strings",
         _write("sep.jsonl", _jsonl([{"id": "a", "text": "one\u2028two"}, {"id": "b", "text": "three\x85four\u2029"}])),
         Loads(_texts("one\u2028two", "three\x85four\u2029"))),
    Case("u2028-in-txt", _write("sep.txt", "first\u2028still first\nsecond\x85still second\x0c\r\n"),
         Loads(_texts("first\u2028still first", "second\x85still second\x0c"))),
    Case("crlf-jsonl", _write("crlf.jsonl", _jsonl(DOCS, "\r\n")), Loads(_three_docs)),
    Case("crlf-csv", _write("crlf.csv", CSV.replace("\n", "\r\n")), Loads(_three_docs)),
    # -- JSON shapes
    Case("pretty-printed-jsonl", _write("pretty.jsonl", json.dumps(DOCS[0], indent=2) + "\n"),
         Raises(CorpusInputError, r"line 1, column 2: looks like a pretty-printed JSON object, not JSON Lines "
                                  r"\(one object per line\)")),
    Case("pretty-printed-json-object", _write("pretty.json", json.dumps({"text": "a", "id": 1}, indent=4)),
         Raises(CorpusInputError, r"line 1, column 2: looks like a pretty-printed JSON object")),
    Case("json-array", _write("docs.json", json.dumps(DOCS)), Loads(_three_docs)),
    Case("json-array-pretty-gz", _gz("docs.json.gz", json.dumps(DOCS, indent=2)), Loads(_three_docs)),
    Case("json-array-utf16", _write("u16.json", json.dumps(DOCS, indent=2).encode("utf-16")), Loads(_three_docs)),
    Case("json-array-nul", _write("nul.json", '[\n {"text": "a"},\n {"text": "b\0"}\n]'),
         Raises(CorpusInputError, r"line 3, column 13: NUL byte")),
    Case("csv-nul-in-line-4", _write("nul.csv", CSV.replace("new vaccine", "new\0vaccine")),
         Raises(CorpusInputError, r"line 4, column 6: NUL byte")),
    Case("json-array-of-numbers", _write("nums.json", "[\n  1,\n  2\n]"),
         Raises(CorpusInputError, r"line 2, column 3: element 1 of the JSON array is a number; a JSON array of "
                                  r"documents must hold objects only")),
    Case("json-array-truncated", _write("cut.json", json.dumps(DOCS, indent=2)[:-30]),
         Raises(CorpusInputError, r"line \d+, column \d+: not valid JSON")),
    Case("json-array-bad-element-early",
         _write("early.json", '[\n{"text": oops},\n' + '{"text": "ok"},\n' * 3000 + "{}]"),
         Raises(CorpusInputError, r"line 2, column 10: not valid JSON \(Expecting value\)"), SMALL),
    Case("json-array-string-across-lines", _write("nl.json", '[{"id": "a", "text": "line one\nline two"}]'),
         Loads(_texts("line one\nline two"))),
    Case("json-array-trailing-comma", _write("comma.json", '[{"text": "a"},\n {"text": "b"},\n]'),
         Raises(CorpusInputError, r"line 3, column 1: a trailing comma before '\]'")),
    Case("json-array-extra-data", _write("extra.json", '[{"text": "a"}]\n{"text": "b"}\n'),
         Raises(CorpusInputError, r"line 2, column 1: extra data after the JSON array")),
    Case("json-array-huge-element", _write("big.json", json.dumps([{"id": "a", "text": "x" * 600, "more": "y" * 600}],
                                                                  indent=1)),
         Raises(InputTooLargeError, r"line 2, column 2: element 1 of the JSON array: document of 1244 "
                                    r"bytes exceeds the limit of 1000 bytes \(max_document_bytes\)"), SMALL),
    Case("json-array-one-huge-line", _write("big.json", json.dumps([{"text": "x" * 3000}])),
         Raises(InputTooLargeError, r"line 1: document of 3014 bytes exceeds the limit of 1000 bytes"), SMALL),
    Case("jsonl-non-object-line", _write("arr.jsonl", '{"text": "a"}\n["not", "an object"]\n'),
         Raises(CorpusInputError, r"line 2: expected a JSON object, got an array")),
    Case("jsonl-invalid-json", _write("bad.jsonl", '{"text": "ok"}\n{"text": "ok"}\n{"text": oops}\n'),
         Raises(CorpusInputError, r"line 3, column 10: not valid JSON \(Expecting value\)")),
    Case("jsonl-raw-newline-in-string", _write("split.jsonl", '{"text": "first half\nsecond half"}\n'),
         Raises(CorpusInputError, r"line 1, column 10: a string is not closed on this line")),
    Case("jsonl-two-objects-one-line", _write("two.jsonl", '{"text": "a"}{"text": "b"}\n'),
         Raises(CorpusInputError, r"line 1, column 14: more than one JSON value on the line")),
    Case("jsonl-deep-nesting", _write("deep.jsonl", '{"text": "a", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n"),
         Raises(CorpusInputError, r"line 1: JSON nested too deeply")),
    Case("jsonl-huge-integer", _write("int.jsonl", '{"text": "a", "n": ' + "7" * 5000 + "}\n"),
         Raises(CorpusInputError, r"line 1: not valid JSON \(Exceeds the limit \(4300 digits\)")),
    Case("jsonl-new-keys-every-line", _new_keys_every_line,
         Raises(InputTooLargeError, r"line \d+: \d+ distinct keys in \d+ records make a table of more cells than "
                                    r"the limit allows \(max_total_bytes / 8\)"), {"max_total_bytes": 400_000}),
    Case("jsonl-many-keys-then-many-rows", _write("late.jsonl", json.dumps({f"k{i}": 1 for i in range(500)}) + "\n"
                                                  + '{"text": "a"}\n' * 2000),
         Raises(InputTooLargeError, r"line 100: 501 distinct keys in 100 records make a table of more cells"),
         {"max_total_bytes": 400_000}),
    Case("parquet-too-many-cells", lambda tmp: _parquet_file(tmp, pd.DataFrame({"text": ["a"] * 2000,
                                                                                 **{f"c{i}": [None] * 2000
                                                                                    for i in range(30)}})),
         Raises(InputTooLargeError, r"2000 rows x 31 columns, 496000 bytes uncompressed, exceed the limit of "
                                    r"400000 bytes \(max_total_bytes\)"), {"max_total_bytes": 400_000}),
    # -- columns, ids, texts
    Case("missing-text-column", _write("cols.csv", "id,body,section\n1,x,y\n"),
         Raises(CorpusInputError, r"text_column='text' is not a column; its columns are \['id', 'body', 'section'\]")),
    Case("text-column-other-case", _write("cols.jsonl", '{"Text": "a"}\n'),
         Raises(CorpusInputError, r"its columns are \['Text'\] \(did you mean 'Text'\?\)")),
    Case("empty-text-column", _write("empty.csv", "id,text\na,\nb,\n"),
         Warns(CorpusInputWarning, r"all 2 texts in column 'text' are empty", _n_docs(2))),
    Case("duplicate-ids", _write("dup.jsonl", _jsonl([{"id": 1, "text": "a"}, {"id": 1, "text": "b"}])),
         Raises(CorpusInputError, r"duplicate document id '1' \(documents 0 and 1\)")),
    Case("ids-nan", _write("nan.jsonl", _jsonl([{"id": "a", "text": "x"}, {"id": None, "text": "y"},
                                                {"id": float("nan"), "text": "z"}])),
         Raises(CorpusInputError, r"id column 'id' has no value for 2 document\(s\), the first is document 1")),
    Case("non-string-texts", _write("types.jsonl", _jsonl([{"text": "fine"}, {"text": ["a", "b"]}, {"text": {"k": 1}},
                                                           {"text": 42}, {"text": None}])),
         Warns(CorpusInputWarning, r"3 text\(s\) in column 'text' were not strings \(the first, document 1, is list\)",
               _non_strings)),
    Case("very-many-columns", _many_columns, Loads(_metadata_shape(5, 3000))),
    # -- sizes
    Case("huge-single-line-jsonl", _write("huge.jsonl", '{"text": "a"}\n{"text": "' + "x" * 5000 + '"}\n'),
         Raises(InputTooLargeError, r"line 2: document of 5012 bytes exceeds the limit of 1000 bytes "
                                    r"\(max_document_bytes\)"), SMALL),
    Case("huge-line-txt", _write("huge.txt", "short\n" + "y" * 20_000),
         Raises(InputTooLargeError, r"line 2: document of 20000 bytes exceeds the limit of 1000 bytes"), SMALL),
    Case("huge-line-csv", _write("huge.csv", "id,text\na,ok\nb," + "x" * 5000 + "\nc,ok\n"),
         Raises(InputTooLargeError, r"line 3: document of 5002 bytes exceeds the limit of 1000 bytes"), SMALL),
    Case("huge-line-csv-gz-no-newline", _gz("huge.csv.gz", "id,text\n" + "x" * 50_000),
         Raises(InputTooLargeError, r"line 2: document of 50000 bytes exceeds the limit of 1000 bytes"), SMALL),
    Case("huge-multiline-csv-cell", _write("huge.csv", 'id,text\na,"' + ("z" * 400 + "\n") * 10 + '"\n'),
         Raises(InputTooLargeError, r"row 1, column 'text': document of 4010 bytes exceeds the limit of 1000 bytes"),
         SMALL),
    Case("huge-file-in-folder", _folder({"ok.txt": "fine", "sub/big.txt": "w\n" * 2500}),
         Raises(InputTooLargeError, r"sub/big.txt: document of 5000 bytes exceeds the limit of 1000 bytes"), SMALL),
    Case("folder-over-total", _folder({f"{i}.txt": "v" * 500 for i in range(10)}),
         Raises(InputTooLargeError, r"more than 3000 bytes of \.txt files, the limit \(max_total_bytes\)"),
         {"max_total_bytes": 3000}),
    Case("line-at-the-limit", _write("edge.txt", "e" * BIG + "\n" + "f" * BIG), Loads(_n_docs(2)), SMALL),
    # -- gzip
    Case("jsonl-gz", _gz("docs.jsonl.gz", _jsonl(DOCS)), Loads(_three_docs)),
    Case("gzip-without-gz-suffix", _gz("docs.jsonl", _jsonl(DOCS)), Loads(_three_docs)),
    Case("multi-member-gz", _write("two.jsonl.gz", gzip.compress(_jsonl(DOCS[:1]).encode(), mtime=0)
                                   + gzip.compress(_jsonl(DOCS[1:]).encode(), mtime=0)), Loads(_three_docs)),
    Case("truncated-gz", _truncated_gz,
         Raises(CorpusInputError, r"cut.jsonl.gz: truncated gzip file \(the compressed data ends early\)")),
    Case("corrupt-gz", _corrupt_gz,
         Raises(CorpusInputError, r"corrupt.jsonl.gz: corrupt gzip data \(Error -3 while decompressing")),
    Case("gz-trailing-garbage", _write("tail.jsonl.gz", gzip.compress(_jsonl(DOCS).encode(), mtime=0) + b"garbage!"),
         Raises(CorpusInputError, r"corrupt gzip data \(Not a gzipped file")),
    Case("not-gzip-with-gz-suffix", _write("plain.jsonl.gz", _jsonl(DOCS)),
         Raises(CorpusInputError, r"not a gzip file \(the name ends in \.gz")),
    # -- CSV / TSV
    Case("csv-ragged-row", _write("ragged.csv", "id,text\na,one\nb,two,extra\n"),
         Raises(CorpusInputError, r"line 3: 3 fields where the header has 2 \(CSV rows of unequal length")),
    Case("csv-ragged-first-row", _write("ragged.csv", "id,text\na,one,extra\nb,two\n"),
         Raises(CorpusInputError, r"line 2: more fields than the header's 2 \(CSV rows of unequal length\)")),
    Case("csv-short-rows", _write("short.csv", "id,text,source\na,one\nb,two,x\n"),
         Loads(lambda c: c.metadata["source"].tolist() == ["", "x"])),
    Case("csv-embedded-newlines", _write("nl.csv", 'id,text\na,"line one\nline two"\nb,"x, y"\n'),
         Loads(_texts("line one\nline two", "x, y"))),
    Case("csv-unterminated-quote", _write("quote.csv", 'id,text\na,"never closed\nb,two\n'),
         Raises(CorpusInputError, r"a quoted field starting in data row 1 is never closed \(CSV\)")),
    Case("tsv", _write("docs.tsv", CSV.replace(",", "\t")), Loads(_three_docs)),
    Case("csv-that-is-tab-separated", _write("docs.csv", CSV.replace(",", "\t")), Loads(_three_docs)),
    # -- Parquet
    Case("parquet-corrupt", _corrupt_parquet, Raises(CorpusInputError, r"not a readable Parquet file")),
    Case("parquet-truncated", _truncated_parquet, Raises(CorpusInputError, r"not a readable Parquet file")),
    Case("parquet-not-parquet", _write("text.parquet", CSV), Raises(CorpusInputError, r"not a readable Parquet file")),
    # -- paths
    Case("nonexistent-path", lambda tmp: tmp / "nope.jsonl", Raises(InputNotFoundError, r"no such file or folder")),
    Case("broken-symlink", _broken_symlink, Raises(InputNotFoundError, r"broken symbolic link")),
    Case("self-loop-symlink", _self_loop, Raises(CorpusInputError, r"symbolic link loop")),
    Case("directory-named-x-jsonl", _directory_named_jsonl,
         Raises(CorpusInputError, r"the folder holds no \.txt files \(its name ends in \.jsonl, but it is a folder")),
    Case("unknown-suffix", _write("notes.docx", "text"), Raises(CorpusInputError, r"cannot tell the format")),
    Case("newline-in-file-name", _write("bad\nname.jsonl", "[1]\n"),
         Raises(CorpusInputError, r"objects only")),
    Case("nul-in-path", lambda tmp: str(tmp / "a\0b.jsonl"), Raises(CorpusInputError, r"the path contains a NUL")),
    Case("file-permission-denied", _write("secret.jsonl", _jsonl(DOCS)),
         Raises(InputPermissionError, r"permission denied"), patch=_deny(open_="secret.jsonl")),
    Case("is-a-directory-on-open", _write("racy.jsonl", _jsonl(DOCS)),
         Raises(CorpusInputError, r"is a folder, not a file"),
         patch=_deny(open_="racy.jsonl", error=IsADirectoryError)),
    # -- folders
    Case("folder-symlink-loop", _symlink_loop_folder,
         Warns(CorpusInputWarning, r"skipped 2 path\(s\) that could not be read: .*already read: a symbolic link loop",
               _folder_ids("a/1", "b/2"))),
    Case("folder-unreadable-subfolder", _folder_120,
         Warns(CorpusInputWarning, r"skipped 1 path\(s\) that could not be read: part3 \(permission denied\)",
               _n_docs(100)), patch=_deny(scandir="docs/part3")),
    Case("folder-unreadable-file", _folder({"a.txt": "one", "b.txt": "two", "c.txt": "three"}),
         Warns(CorpusInputWarning, r"skipped 1 path\(s\) that could not be read: b.txt \(permission denied\)",
               _folder_ids("a", "c")), patch=_deny(open_="docs/b.txt")),
    Case("folder-unreadable-top", _folder({"a.txt": "one"}),
         Raises(InputPermissionError, r"cannot list the folder \(permission denied\)"), patch=_deny(scandir="docs")),
    Case("folder-all-unreadable", _folder({"x/a.txt": "one"}),
         Raises(CorpusInputError, r"holds no readable \.txt files; skipped 1 path\(s\) that could not be read: x"),
         patch=_deny(scandir="docs/x")),
    Case("folder-nul-file", _folder({"a.txt": "fine", "b.txt": b"ok\nbin\0ary"}),
         Raises(CorpusInputError, r"b.txt: line 2, column 4: NUL byte")),
]


def _shown(source: Any) -> str:
    return show_path(source) if isinstance(source, (str, Path)) else str(source)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = case.build(tmp_path)
    if case.patch is not None:
        case.patch(monkeypatch, tmp_path)
    expect = case.expect
    if isinstance(expect, Raises):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(BaseException) as info:
                tm.load_corpus(source, **case.options)
        exc = info.value
        assert type(exc) is expect.cls, f"{type(exc).__name__}: {exc}"
        message = str(exc)
        assert len(message.splitlines()) == 1 and "\n" not in message, message
        assert "Traceback" not in message
        if isinstance(exc, CorpusInputError) and exc.path is not None:  # errors of reading a file
            assert message.startswith(exc.path)
        assert _shown(source) in message or (isinstance(source, Path) and source.name in message), message
        assert re.search(expect.pattern, message), message
        if isinstance(exc, CorpusInputError):
            assert exc.__suppress_context__ or exc.__context__ is None  # no chained raw traceback
    elif isinstance(expect, Warns):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            corpus = tm.load_corpus(source, **case.options)
        ours = [w for w in caught if issubclass(w.category, expect.category)]
        assert len(ours) == 1, [str(w.message) for w in caught]
        message = str(ours[0].message)
        assert len(message.splitlines()) == 1, message
        assert _shown(source) in message, message
        assert re.search(expect.pattern, message), message
        assert expect.check(corpus) is not False
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            corpus = tm.load_corpus(source, **case.options)
        assert expect.check(corpus) is not False


def test_at_least_forty_cases() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


# ---------------------------------------------------------------------------------------
# Input bombs: bounded memory


@pytest.fixture(scope="module")
def gzip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1 MB .jsonl.gz that inflates to 200 MiB: one JSON line that never ends."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.jsonl.gz"
    chunk = b"a" * (1 << 20)
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as f:
        f.write(b'{"text": "')
        for _ in range(200):
            f.write(chunk)
    assert path.stat().st_size < 2 << 20
    return path


def _peak_bytes(call: Callable[[], Any]) -> tuple[int, BaseException | None]:
    tracemalloc.start()
    try:
        call()
        error = None
    except BaseException as exc:  # returned to the test
        error = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, error


@pytest.mark.parametrize("max_document_bytes", [1 << 20, None], ids=["1MiB", "default"])
def test_gzip_bomb_one_line_bounded_memory(gzip_bomb: Path, max_document_bytes: int | None) -> None:
    limit = max_document_bytes or MAX_DOCUMENT_BYTES
    peak, error = _peak_bytes(lambda: tm.load_corpus(gzip_bomb, max_document_bytes=max_document_bytes))
    assert type(error) is InputTooLargeError
    assert re.search(rf"line 1: document of at least \d+ bytes exceeds the limit of {limit} bytes", str(error))
    assert peak < 2 * limit + (8 << 20), f"peak {peak / 2**20:.1f} MiB for a limit of {limit / 2**20:.0f} MiB"


def test_gzip_bomb_of_zeros_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "zeros.csv.gz"
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as f:
        for _ in range(64):
            f.write(bytes(1 << 20))
    peak, error = _peak_bytes(lambda: tm.load_corpus(path))
    assert type(error) is CorpusInputError and "line 1, column 1: NUL byte" in str(error)
    assert peak < 3 * MAX_DOCUMENT_BYTES


def test_gzip_bomb_many_lines_stops_at_total(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl.gz"
    line = b'{"text": "' + b"word " * 50 + b'"}\n'
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as f:
        f.write(line * 200_000)  # 52 MB inflated
    peak, error = _peak_bytes(lambda: tm.load_corpus(path, max_total_bytes=4 << 20))
    assert type(error) is InputTooLargeError
    pattern = r"lines.jsonl.gz: more than 4194304 bytes of \(decompressed\) input, the limit \(max_total_bytes\)"
    assert re.search(pattern, str(error))
    assert peak < 32 << 20


# ---------------------------------------------------------------------------------------
# Limits and error classes


def test_limits_are_validated() -> None:
    for bad in (0, -1, 1.5, "10", True):
        with pytest.raises(ValueError, match="max_document_bytes must be a positive number of bytes"):
            tm.load_corpus(["a"], max_document_bytes=bad)


def test_error_classes_keep_their_builtin_families(tmp_path: Path) -> None:
    assert issubclass(InputNotFoundError, FileNotFoundError) and issubclass(InputNotFoundError, ValueError)
    assert issubclass(InputPermissionError, PermissionError) and issubclass(InputTooLargeError, CorpusInputError)
    with pytest.raises(FileNotFoundError):
        tm.load_corpus(tmp_path / "missing.csv")


# ---------------------------------------------------------------------------------------
# Corpus equality and hashing


def test_corpus_equality_is_by_content() -> None:
    frame = pd.DataFrame({"id": ["a", "b"], "text": ["x", "y"], "label": ["p", "q"], "date": ["d1", "d2"]})
    one = tm.load_corpus(frame, label_column="label")
    two = tm.load_corpus(frame.copy(), label_column="label")
    assert one == two and not (one != two)
    assert one != tm.load_corpus(frame.assign(date=["d1", "other"]), label_column="label")
    assert one != tm.load_corpus(frame, label_column=None)
    assert one != Corpus(texts=one.texts, ids=one.ids, labels=one.labels, metadata=one.metadata, name="other")
    assert one != "not a corpus"
    assert tm.load_corpus(["a", "b"]) == tm.load_corpus(["a", "b"])
    assert tm.load_corpus(["a", "b"]) != tm.load_corpus(["a", "c"])


def test_corpus_is_explicitly_unhashable(newsroom: Corpus) -> None:
    assert Corpus.__hash__ is None
    with pytest.raises(TypeError, match="unhashable"):
        hash(newsroom)
    assert newsroom == tm.load_corpus("newsroom")


# ---------------------------------------------------------------------------------------
# Accent stripping keeps other scripts whole


@pytest.mark.parametrize(
    "text,expected",
    [
        ("データ", "データ"),
        ("ﾃﾞｰﾀ", "データ"),  # half-width kana: NFKD folds, NFC recomposes the voiced mark
        ("ガギグゲゴ", "ガギグゲゴ"),
        ("café", "cafe"),
        ("Crème BRÛLÉE", "creme brulee"),
        ("Ελληνικά", "ελληνικα"),
        ("Ἀθῆναι", "αθηναι"),
        ("ёлка", "елка"),
        ("한국어 텍스트", "한국어 텍스트"),
        ("中文文本", "中文文本"),
        ("हिन्दी", "हिन्दी"),
    ],
)
def test_normalize_strips_accents_only_where_right(text: str, expected: str) -> None:
    out = normalize_text(text)
    assert out == expected
    assert out == __import__("unicodedata").normalize("NFC", out)
