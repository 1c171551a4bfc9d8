"""Hostile files, broken inputs and faults, through the command line.

Every case runs ``topicmf.cli.main([...])`` (a few run ``python -m topicmf`` for
real exit codes) and checks the class of outcome: the exit code (2 for a user
error, 130 interrupted, 141 stdout closed, 0 done), exactly one line on stderr
naming the input and the problem, no traceback, and that earlier outputs
(a report folder, a model file, a file a symbolic link points to) are intact
with no temporary file left.

Cost: one real fit (module fixture ``base``); the other cases fail before any
fit, or reuse that fit's report through a stand-in for ``pipeline.discover``.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import topicmf.model
import topicmf.pipeline
import topicmf.select
from topicmf.cli import main
from topicmf.report import TopicReport, writers

MiB = 2**20
FAKE_FIT = ["--topics", "3", "--restarts", "1", "-q"]


# -- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # default output folders land here, never in the checkout


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The one real fit: ``discover newsroom`` into out/ with a saved model; its report is kept."""
    root = tmp_path_factory.mktemp("base")
    seen = {}
    real = topicmf.pipeline.discover

    def spy(*args, **kwargs):
        seen["report"] = real(*args, **kwargs)
        return seen["report"]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(topicmf.pipeline, "discover", spy)
        code = main(["discover", "newsroom", "--topics", "3", "--restarts", "1", "--out", str(root / "out"),
                     "--format", "html,csv,md", "--save-model", str(root / "m.topicmf"), "-q"])
    assert code == 0
    return SimpleNamespace(root=root, out=root / "out", model=root / "m.topicmf", report=seen["report"])


@pytest.fixture
def work(base, tmp_path):
    """A copy of the base report folder (``out``) and model (``m.topicmf``) in this test's folder."""
    shutil.copytree(base.out, tmp_path / "out")
    shutil.copy(base.model, tmp_path / "m.topicmf")
    (tmp_path / "docs.csv").write_text("id,text\na,Interest rates rose at the central bank.\n"
                                       "b,The team won the final in the second half.\n", encoding="utf-8")
    return SimpleNamespace(out=tmp_path / "out", model=tmp_path / "m.topicmf", docs=tmp_path / "docs.csv",
                           before=snapshot(tmp_path / "out"), model_bytes=(tmp_path / "m.topicmf").read_bytes())


@pytest.fixture
def fake_fit(base, monkeypatch):
    """``pipeline.discover`` returns the base report at once (the CLI's writing is what is tested)."""
    calls = []

    def fit(*args, **kwargs):
        calls.append(kwargs)
        return base.report

    monkeypatch.setattr(topicmf.pipeline, "discover", fit)
    return calls


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry below ``folder``: file bytes, or ``-> target`` for a symbolic link (never followed)."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = os.path.join(dirpath, name)
            key = os.path.relpath(path, folder)
            out[key] = "-> " + os.readlink(path) if os.path.islink(path) else Path(path).read_bytes()
    return out


def leftovers(folder: Path) -> list[str]:
    """Temporary files or staging folders left below ``folder``."""
    return sorted(str(p) for p in folder.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".topicmf-"))


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code: int, err: str, command: str, *needles: str, out: str = "") -> str:
    """Exit code 2 and exactly one stderr line ``topicmf COMMAND: error: ...`` holding every needle."""
    assert "Traceback" not in err + out
    lines = err.splitlines()
    assert code == 2, (code, err)
    assert len(lines) == 1, err
    assert lines[0].startswith(f"topicmf {command}: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# -- bad options (argparse and option checks; nothing is read) -------------------------------

OPTION_CASES = [
    # (argv after the command, command, needles)
    (["discover", "newsroom", "--topics", "0"], "--topics", "'0'"),
    (["discover", "newsroom", "--topics", "-3"], "--topics", "'-3'"),
    (["discover", "newsroom", "--topics", "abc"], "--topics", "'abc'"),
    (["discover", "newsroom", "--topics", "2.5"], "--topics", "'2.5'"),
    (["discover", "newsroom", "--topics", ""], "--topics", "''"),
    (["discover", "newsroom"], "--topics", "required"),
    (["discover", "newsroom", "--topics", "3", "--restarts", "0"], "--restarts", "'0'"),
    (["discover", "newsroom", "--topics", "3", "--restarts", "-1"], "--restarts", "'-1'"),
    (["discover", "newsroom", "--topics", "3", "--seed", "-1"], "--seed", ">= 0"),
    (["discover", "newsroom", "--topics", "3", "--seed", "x"], "--seed", "'x'"),
    (["discover", "newsroom", "--topics", "3", "--format", "pdf"], "--format", "'pdf'"),
    (["discover", "newsroom", "--topics", "3", "--format", "html,pdf"], "--format", "'pdf'"),
    (["discover", "newsroom", "--topics", "3", "--format", ","], "--format", "','"),
    (["discover", "newsroom", "--topics", "3", "--min-df", "-1"], "--min-df", "'-1'"),
    (["discover", "newsroom", "--topics", "3", "--min-df", "0"], "--min-df", "'0'"),
    (["discover", "newsroom", "--topics", "3", "--min-df", "abc"], "--min-df", "'abc'"),
    (["discover", "newsroom", "--topics", "3", "--min-df", "nan"], "--min-df", "'nan'"),
    (["discover", "newsroom", "--topics", "3", "--max-df", "2.5"], "--max-df", "'2.5'"),
    (["discover", "newsroom", "--topics", "3", "--max-df", "-0.1"], "--max-df", "'-0.1'"),
    (["discover", "newsroom", "--topics", "3", "--ngrams", "0,1"], "--ngrams", "'0,1'"),
    (["discover", "newsroom", "--topics", "3", "--ngrams", "1,99"], "--ngrams", "'1,99'"),
    (["discover", "newsroom", "--topics", "3", "--ngrams", "2,1"], "--ngrams", "'2,1'"),
    (["discover", "newsroom", "--topics", "3", "--ngrams", "a"], "--ngrams", "'a'"),
    (["discover", "newsroom", "--topics", "3", "--ngrams", "1,2,3"], "--ngrams", "'1,2,3'"),
    (["discover", "newsroom", "--topics", "3", "--jobs", "0"], "--jobs", "'0'"),
    (["discover", "newsroom", "--topics", "3", "--jobs", "many"], "--jobs", "'many'"),
    (["discover", "newsroom", "--topics", "3", "--stop-words", "no-such-list.txt"],
     "--stop-words", "no-such-list.txt", "no such file"),
    (["discover", "newsroom", "--topics", "3", "--frobnicate"], "--frobnicate"),
    (["discover", "newsroom", "--topics", "3", "--text-column"], "--text-column", "expected one argument"),
    (["discover"], "input", "required"),
    (["select-k", "newsroom", "--topics", "4:2"], "--topics", "'4:2'"),
    (["select-k", "newsroom", "--topics", "0:3"], "--topics", "'0:3'"),
    (["select-k", "newsroom", "--topics", "a:b"], "--topics", "'a:b'"),
    (["select-k", "newsroom", "--topics", "4:8:0"], "--topics", "'4:8:0'"),
    (["select-k", "newsroom", "--topics", "4:6:8:2"], "--topics", "'4:6:8:2'"),
    (["select-k", "newsroom", "--topics", "4,-6"], "--topics", "'4,-6'"),
    (["select-k", "newsroom", "--topics", ","], "--topics", "','"),
    (["select-k", "newsroom", "--restarts", "0"], "--restarts", "'0'"),
    (["select-k", "newsroom", "--jobs", "0"], "--jobs", "'0'"),
    (["select-k", "newsroom", "--min-df", "-2"], "--min-df", "'-2'"),
    (["demo", "--topics", "0"], "--topics", "'0'"),
    (["transform", "m.topicmf"], "input", "required"),
    (["info"], "model", "required"),
]


@pytest.mark.parametrize("argv,needles", [(c[0], c[1:]) for c in OPTION_CASES],
                         ids=[" ".join(c[0][:1] + c[0][2:])[:60] for c in OPTION_CASES])
def test_bad_option_names_the_option(argv, needles, capsys, tmp_path):
    code, out, err = run(argv, capsys)
    line = one_line_error(code, err, argv[0], *needles, out=out)
    assert "usage:" not in line and out == ""
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_stop_words_file_that_is_binary(capsys, tmp_path):
    (tmp_path / "stop.txt").write_bytes(b"the\x00and\n")
    code, out, err = run(["discover", "newsroom", "--topics", "3", "--stop-words", "stop.txt"], capsys)
    one_line_error(code, err, "discover", "--stop-words", "stop.txt", "binary")


def test_stop_words_file_that_is_not_utf8(capsys, tmp_path):
    (tmp_path / "stop.txt").write_bytes(b"caf\xe9\n")
    code, out, err = run(["discover", "newsroom", "--topics", "3", "--stop-words", "stop.txt"], capsys)
    one_line_error(code, err, "discover", "--stop-words", "stop.txt", "UTF-8")


@pytest.mark.parametrize("argv,needles", [
    (["select-k", "newsroom", "--topics", "3", "--restarts", "1", "-q"], ("--restarts", "at least 2")),
    (["select-k", "newsroom", "--topics", "4,500", "-q"], ("--topics 500", "240 documents")),
    (["discover", "newsroom", "--topics", "500", "-q"], ("--topics 500", "240 documents")),
    (["discover", "newsroom", "--topics", "3", "--min-df", "239", "-q"], ("--min-df", "--max-df", "0 terms")),
    (["discover", "newsroom", "--topics", "3", "--min-df", "0.9", "--max-df", "0.1", "-q"],
     ("--min-df", "--max-df")),
    (["select-k", "newsroom", "--topics", "4,6", "--min-df", "239", "-q"], ("--min-df", "--max-df")),
])
def test_parameters_checked_against_the_corpus(argv, needles, capsys, tmp_path):
    code, out, err = run(argv, capsys)
    one_line_error(code, err, argv[0], *needles, out=out)
    assert list(tmp_path.iterdir()) == []  # the output folder it had made is gone again


# -- top level: no arguments, unknown command, help, version ------------------------------------


def test_no_arguments_prints_help_to_stderr(capsys):
    code, out, err = run([], capsys)
    assert code == 2 and out == "" and err.startswith("usage: topicmf") and "Traceback" not in err


def test_unknown_command(capsys):
    code, out, err = run(["frobnicate"], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("topicmf: error: ") and "'frobnicate'" in err


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["discover", "--help"], ["select-k", "-h"],
                                  ["transform", "--help"]])
def test_help_goes_to_stdout_exit_0(argv, capsys):
    code, out, err = run(argv, capsys)
    assert code == 0 and out.startswith("usage: topicmf") and err == ""


def test_help_documents_the_new_options(capsys):
    _, out, _ = run(["discover", "--help"], capsys)
    for option in ("--min-df", "--max-df", "--ngrams", "--stop-words", "--jobs", "--no-formula-guard", "--debug"):
        assert option in out


def test_version(capsys):
    code, out, err = run(["--version"], capsys)
    assert code == 0 and out.startswith("topicmf ") and err == ""


# -- bad corpora (load_corpus errors, one line naming the file) ---------------------------------


def _gz_bomb(path: Path) -> Path:
    """A small .jsonl.gz whose one line inflates to 64 MiB (over the 10 MiB document limit)."""
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(b'{"text": "')
        block = b"a" * MiB
        for _ in range(64):
            fh.write(block)
        fh.write(b'"}\n')
    assert path.stat().st_size < MiB
    return path


def _write(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        return path

    return make


def _folder(name: str, files: dict[str, bytes]) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        root = tmp / name
        root.mkdir()
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        return root

    return make


def _truncated_gz(tmp: Path) -> Path:
    data = gzip.compress(b"".join(b'{"text": "document number %d about rates"}\n' % i for i in range(2000)))
    path = tmp / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    return path


def _symlink_loop(tmp: Path) -> Path:
    (tmp / "loop.csv").symlink_to(tmp / "loop.csv")
    return tmp / "loop.csv"


def _broken_link(tmp: Path) -> Path:
    (tmp / "gone.csv").symlink_to(tmp / "nowhere.csv")
    return tmp / "gone.csv"


CORPUS_CASES = [
    # (id, make(tmp) -> path, extra argv, needles besides the file name)
    ("empty-csv", _write("empty.csv", b""), [], ["empty"]),
    ("empty-jsonl", _write("empty.jsonl", b""), [], ["empty"]),
    ("header-only-csv", _write("header.csv", "id,text\n"), [], []),
    ("binary-garbage", _write("garbage.csv", bytes(range(256)) * 8), [], ["binary"]),
    ("nul-in-csv", _write("nul.csv", b"text\nabc\x00def\n"), [], ["line 2"]),
    ("zip-as-csv", _write("book.csv", b"PK\x03\x04" + b"\x00" * 200), [], ["ZIP"]),
    ("pdf-as-txt", _write("paper.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), [], ["PDF"]),
    ("png-as-jsonl", _write("image.jsonl", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50), [], ["PNG"]),
    ("missing-text-column", _write("cols.csv", "title,body\na,b\n"), [], ["--text-column", "title", "body"]),
    ("missing-named-column", _write("cols2.csv", "title,body\na,b\n"), ["--text-column", "content"],
     ["--text-column 'content'", "body"]),
    ("missing-label-column", _write("cols3.csv", "text\nrates rose\n"), ["--label-column", "section"],
     ["--label-column 'section'"]),
    ("missing-id-column", _write("cols4.csv", "text\nrates rose\n"), ["--id-column", "key"],
     ["--id-column 'key'"]),
    ("unknown-suffix", _write("notes.docx", "some text"), [], ["cannot tell the format"]),
    ("no-suffix", _write("README", "some text"), [], ["cannot tell the format"]),
    ("folder-without-txt", _folder("nodocs", {"a.md": b"# x", "sub/b.docx": b"text\nx\n"}), [], [".txt"]),
    ("empty-folder", _folder("void", {}), [], [".txt"]),
    ("nonexistent-path", lambda tmp: tmp / "no" / "such.csv", [], ["no such file"]),
    ("broken-symlink", _broken_link, [], ["broken symbolic link"]),
    ("symlink-loop", _symlink_loop, [], ["loop"]),
    ("gz-bomb", lambda tmp: _gz_bomb(tmp / "bomb.jsonl.gz"), [], ["line 1", "exceeds the limit"]),
    ("truncated-gz", _truncated_gz, [], ["gzip"]),
    ("not-gzip-gz", _write("fake.jsonl.gz", b"\x1f\x8b\x08\x00garbage that is not deflate" * 4), [], ["gzip"]),
    ("pretty-printed-jsonl", _write("pretty.jsonl", '{\n  "text": "a"\n}\n'), [], ["pretty-printed"]),
    ("bad-json-line", _write("bad.jsonl", '{"text": "a"}\n{"text": \n'), [], ["line 2"]),
    ("jsonl-array-line", _write("arr.jsonl", '["a", "b"]\n'), [], ["line 1"]),
    ("json-array-of-strings", _write("strings.json", '["a", "b"]'), [], []),
    ("json-truncated", _write("cut.json", '[{"text": "a"}, {"text": '), [], []),
    ("utf16-wrong-column", _write("utf16.csv", "\ufeffbody,title\nrates,bank\n".encode("utf-16-le")), [],
     ["--text-column", "'body'"]),
    ("parquet-garbage", _write("table.parquet", b"PAR1 this is not parquet PAR1"), [], []),
    ("all-documents-empty", _write("blank.csv", "text\n\n \n\"\"\n"), [], []),
    ("only-stop-words", _write("stop.csv", "text\nthe and of\nit is a\nto be or\n"), [], ["no term is left"]),
    ("two-documents-for-three-topics", _write("two.csv", "text\nrates rose\nteam won\n"), [],
     ["--topics 3", "2 documents"]),
    ("nul-in-path", lambda tmp: "bad\x00name.csv", [], ["NUL"]),
]


@pytest.mark.parametrize("make,extra,needles", [c[1:] for c in CORPUS_CASES], ids=[c[0] for c in CORPUS_CASES])
def test_bad_corpus_one_line(make, extra, needles, capsys, tmp_path, base):
    source = make(tmp_path)
    name = Path(source).name if "\x00" not in str(source) else "bad"
    tracemalloc.start()
    try:
        code, out, err = run(["discover", source, *FAKE_FIT, "--out", tmp_path / "rep", *extra], capsys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    one_line_error(code, err, "discover", name, *needles, out=out)
    assert peak < 48 * MiB, f"peak traced memory {peak / MiB:.0f} MiB"
    assert not (tmp_path / "rep").exists()  # the fresh output folder was removed


def test_unreadable_corpus_file(capsys, tmp_path, monkeypatch):
    path = tmp_path / "locked.csv"
    path.write_text("text\na\n", encoding="utf-8")
    real_open = open

    def deny(file, *args, **kwargs):
        if str(file).endswith("locked.csv"):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    if os.geteuid() != 0:
        path.chmod(0)
    else:  # root reads anything: simulate
        monkeypatch.setattr("builtins.open", deny)
        monkeypatch.setattr(os, "open", _deny_os_open("locked.csv", os.open))
    code, out, err = run(["discover", path, "--topics", "3", "-q"], capsys)
    one_line_error(code, err, "discover", "locked.csv", "permission denied")


def _deny_os_open(fragment: str, real: Callable, err: int = errno.EACCES) -> Callable:
    def fake(path, *args, **kwargs):
        if fragment in os.fsdecode(path):
            raise OSError(err, os.strerror(err), os.fsdecode(path)) if err != errno.EACCES else \
                PermissionError(err, os.strerror(err), os.fsdecode(path))
        return real(path, *args, **kwargs)

    return fake


# -- hostile model files (info and transform) ----------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _rebuild(src: Path, dst: Path, *, members: Callable[[dict], None] | None = None,
             manifest: Callable[[dict], None] | None = None, fix_sums: bool = True,
             raw_manifest: bytes | None = None) -> None:
    """Rewrite the model zip ``src`` as ``dst``: edit members and manifest, refresh checksums."""
    with zipfile.ZipFile(src) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    man = json.loads(files.pop("manifest.json"))
    if members:
        members(files)
    if fix_sums:
        man["sha256"] = {n: _sha(d) for n, d in files.items()}
    if manifest:
        manifest(man)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", raw_manifest if raw_manifest is not None else json.dumps(man))
        for n, d in files.items():
            zf.writestr(n, d)


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _set(key, value):
    return lambda m: m.__setitem__(key, value)


def _declare_huge(src: Path, dst: Path) -> None:
    """arrays.npz declares 4 GiB in the central directory (a zip bomb's header)."""
    data = bytearray(src.read_bytes())
    name = b"arrays.npz"
    at = data.rfind(b"PK\x01\x02")
    while at >= 0:
        n = int.from_bytes(data[at + 28: at + 30], "little")
        if data[at + 46: at + 46 + n] == name:
            data[at + 24: at + 28] = (0xFFFFFFF0).to_bytes(4, "little")
            break
        at = data.rfind(b"PK\x01\x02", 0, at)
    dst.write_bytes(bytes(data))


def _inflating(src: Path, dst: Path) -> None:
    """arrays.npz is 64 MiB of zeros (64 KiB compressed), far beyond what 3 topics need."""
    def swap(files):
        files["arrays.npz"] = b"\x00" * (64 * MiB)

    _rebuild(src, dst, members=swap)


def _duplicate_member(src: Path, dst: Path) -> None:
    shutil.copy(src, dst)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(dst, "a") as zf:
            zf.writestr("nmf.json", b"{}")


def _pickled_arrays(src: Path, dst: Path) -> None:
    def swap(files):
        with zipfile.ZipFile(io.BytesIO(files["arrays.npz"])) as z:
            arrays = {n[:-4]: np.load(io.BytesIO(z.read(n))) for n in z.namelist()}
        arrays["nmf.components_"] = np.array([{"evil": print}, None], dtype=object)
        files["arrays.npz"] = _npz(**arrays)

    _rebuild(src, dst, members=swap)


def _wrong_shape(src: Path, dst: Path) -> None:
    def swap(files):
        with zipfile.ZipFile(io.BytesIO(files["arrays.npz"])) as z:
            arrays = {n[:-4]: np.load(io.BytesIO(z.read(n))) for n in z.namelist()}
        arrays["nmf.components_"] = np.zeros((3, 7))
        files["arrays.npz"] = _npz(**arrays)

    _rebuild(src, dst, members=swap)


def _json_member(name: str, edit: Callable[[dict], object]) -> Callable[[Path, Path], None]:
    def build(src: Path, dst: Path) -> None:
        def swap(files):
            doc = json.loads(files[name])
            files[name] = json.dumps(edit(doc)).encode()

        _rebuild(src, dst, members=swap)

    return build


def _unknown_param(doc: dict) -> dict:
    doc["params"]["__class__"] = "os.system"
    return doc


MODEL_CASES = [
    # (id, build(src, dst), needles)
    ("empty-file", lambda s, d: d.write_bytes(b""), ["not a readable topicmf model"]),
    ("text-file", lambda s, d: d.write_text("id,text\n1,hello\n"), ["not a readable topicmf model"]),
    ("truncated", lambda s, d: d.write_bytes(s.read_bytes()[: s.stat().st_size // 2]), ["truncated"]),
    ("truncated-tail", lambda s, d: d.write_bytes(s.read_bytes()[:-30]), ["truncated"]),
    ("gzip-not-zip", lambda s, d: d.write_bytes(gzip.compress(s.read_bytes())), ["not a readable"]),
    ("bit-flip-in-arrays", lambda s, d: _flip(s, d, "arrays.npz"), ["arrays.npz"]),
    ("invalid-deflate-stream", lambda s, d: _flip(s, d, "nmf.json", whole=True), ["corrupt"]),
    ("extra-member", lambda s, d: _rebuild(s, d, members=lambda f: f.__setitem__("payload.pkl", b"cos\nsystem\n")),
     ["unexpected member 'payload.pkl'"]),
    ("path-traversal-member", lambda s, d: _rebuild(s, d, members=lambda f: f.__setitem__("../evil.py", b"x")),
     ["unexpected member"]),
    ("format-version-99", lambda s, d: _rebuild(s, d, manifest=_set("format_version", 99)), ["newer topicmf"]),
    ("format-version-string", lambda s, d: _rebuild(s, d, manifest=_set("format_version", "2")),
     ["format_version"]),
    ("format-version-0", lambda s, d: _rebuild(s, d, manifest=_set("format_version", 0)), ["version"]),
    ("other-format", lambda s, d: _rebuild(s, d, manifest=_set("format", "pickle")), ["not a topicmf model"]),
    ("manifest-not-json", lambda s, d: _rebuild(s, d, raw_manifest=b"{not json"), ["manifest.json", "JSON"]),
    ("manifest-array", lambda s, d: _rebuild(s, d, raw_manifest=b"[1, 2]"), ["manifest.json"]),
    ("manifest-not-utf8", lambda s, d: _rebuild(s, d, raw_manifest=b"\xff\xfe{}"), ["manifest.json"]),
    ("manifest-deep-nesting", lambda s, d: _rebuild(s, d, raw_manifest=b"[" * 100000 + b"]" * 100000),
     ["manifest.json"]),
    ("no-manifest", lambda s, d: _strip(s, d, "manifest.json"), ["no manifest"]),
    ("missing-arrays", lambda s, d: _rebuild(s, d, members=lambda f: f.pop("arrays.npz")), ["'arrays.npz'"]),
    ("missing-nmf-json", lambda s, d: _rebuild(s, d, members=lambda f: f.pop("nmf.json")), ["'nmf.json'"]),
    ("checksum-mismatch", lambda s, d: _rebuild(
        s, d, members=lambda f: f.__setitem__("model.json", b'{"low_confidence": 0.9, "info": {}}'),
        fix_sums=False), ["checksum"]),
    ("no-checksums", lambda s, d: _rebuild(s, d, manifest=lambda m: m.pop("sha256")), ["checksums"]),
    ("n-topics-zero", lambda s, d: _rebuild(s, d, manifest=_set("n_topics", 0)), ["n_topics"]),
    ("n-terms-huge", lambda s, d: _rebuild(s, d, manifest=_set("n_terms", 10**12)), ["n_terms"]),
    ("declared-size-bomb", _declare_huge, ["arrays.npz", "limit"]),
    ("inflating-arrays", _inflating, ["arrays.npz", "limit"]),
    ("duplicate-member", _duplicate_member, []),
    ("pickled-object-array", _pickled_arrays, ["components_"]),
    ("wrong-array-shape", _wrong_shape, ["components_"]),
    ("unknown-vectorizer-parameter", _json_member("vectorizer.json", _unknown_param), ["__class__"]),
    ("nmf-json-array", _json_member("nmf.json", lambda doc: [doc]), ["nmf.json"]),
    ("bad-low-confidence", _json_member("model.json", lambda doc: {**doc, "low_confidence": "high"}),
     ["low_confidence"]),
    ("model-is-folder", lambda s, d: d.mkdir(), ["not a file"]),
    ("no-such-model", lambda s, d: None, ["no such model file"]),
]


def _member_data(data: bytes, name: str) -> tuple[int, int]:
    """(offset, size) of the compressed bytes of member ``name`` in the zip ``data``."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    at = info.header_offset
    n, extra = int.from_bytes(data[at + 26: at + 28], "little"), int.from_bytes(data[at + 28: at + 30], "little")
    return at + 30 + n + extra, info.compress_size


def _flip(src: Path, dst: Path, name: str, whole: bool = False) -> None:
    """One byte in the middle of a member's compressed data inverted, or (``whole``) all of it
    set to 0xFF: a deflate block of the reserved type 3, which zlib refuses."""
    data = bytearray(src.read_bytes())
    start, size = _member_data(bytes(data), name)
    if whole:
        data[start: start + size] = b"\xff" * size
    else:
        data[start + size // 2] ^= 0xFF
    dst.write_bytes(bytes(data))


def _strip(src: Path, dst: Path, name: str) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info, zin.read(info))


@pytest.mark.parametrize("command", ["info", "transform"])
@pytest.mark.parametrize("build,needles", [c[1:] for c in MODEL_CASES], ids=[c[0] for c in MODEL_CASES])
def test_hostile_model_file(build, needles, command, capsys, tmp_path, base):
    bad = tmp_path / "bad.topicmf"
    build(base.model, bad)
    argv = ["info", bad] if command == "info" else ["transform", bad, "newsroom", "--out", tmp_path / "s.csv"]
    tracemalloc.start()
    try:
        code, out, err = run(argv, capsys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    one_line_error(code, err, command, "bad.topicmf", *needles, out=out)
    assert peak < 32 * MiB, f"peak traced memory {peak / MiB:.0f} MiB"
    assert not (tmp_path / "s.csv").exists() and not leftovers(tmp_path)


def test_every_flipped_byte_is_one_line_or_harmless(base, capsys, tmp_path):
    """Invert one byte at a time across the model file: exit 2 with one line, or (a byte
    nothing reads, such as the timestamp) exit 0; never a traceback or an internal error."""
    data = base.model.read_bytes()
    bad = tmp_path / "flip.topicmf"
    outcomes = set()
    for at in range(0, len(data), 53):
        flipped = bytearray(data)
        flipped[at] ^= 0xFF
        bad.write_bytes(bytes(flipped))
        code, out, err = run(["info", bad], capsys)
        if code != 0:
            one_line_error(code, err, "info", "flip.topicmf", out=out)
        outcomes.add(code)
    assert 2 in outcomes


# -- output folders: checked before the fit, never lost, links not followed ------------------------


def _forbid_fit(monkeypatch):
    def fit(*args, **kwargs):
        raise AssertionError("the fit must not start")

    monkeypatch.setattr(topicmf.pipeline, "discover", fit)


@pytest.mark.parametrize("setup,out,needles", [
    (lambda t: (t / "afile").write_text("keep"), "afile", ["--out afile", "is a file"]),
    (lambda t: (t / "afile").write_text("keep"), "afile/sub/rep", ["--out afile/sub/rep", "a file"]),
    (lambda t: (t / "link").symlink_to(t / "nowhere"), "link", ["--out link", "broken symbolic link"]),
    (lambda t: (t / "rep" / "report.html").mkdir(parents=True), "rep", ["report.html is a folder"]),
    (lambda t: (t / "rep" / "topics.csv").mkdir(parents=True), "rep", ["topics.csv is a folder"]),
])
def test_discover_out_unusable_fails_before_the_fit(setup, out, needles, capsys, tmp_path, monkeypatch):
    setup(tmp_path)
    before = snapshot(tmp_path)
    _forbid_fit(monkeypatch)
    code, stdout, err = run(["discover", "newsroom", *FAKE_FIT, "--out", out], capsys)
    one_line_error(code, err, "discover", *needles, out=stdout)
    assert snapshot(tmp_path) == before and not leftovers(tmp_path)


@pytest.mark.parametrize("command", [
    ["discover", "newsroom", *FAKE_FIT],
    ["select-k", "newsroom", "--topics", "4,6", "-q"],
    ["demo", "-q"],
])
def test_unwritable_out_fails_before_the_fit(command, capsys, tmp_path, monkeypatch):
    (tmp_path / "rep").mkdir()
    _forbid_fit(monkeypatch)
    monkeypatch.setattr(topicmf.select, "select_k", lambda *a, **k: pytest.fail("select_k must not start"))
    monkeypatch.setattr(os, "open", _deny_os_open(".topicmf-probe-", os.open))
    code, out, err = run([*command, "--out", "rep"], capsys)
    one_line_error(code, err, command[0], "--out rep", "permission denied", out=out)
    assert list((tmp_path / "rep").iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_out_folder_for_real(capsys, tmp_path, monkeypatch):
    (tmp_path / "rep").mkdir(mode=0o500)
    _forbid_fit(monkeypatch)
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "rep"], capsys)
    one_line_error(code, err, "discover", "--out rep", "permission denied", out=out)


@pytest.mark.parametrize("setup,model,needles", [
    (lambda t: (t / "mdir").mkdir(), "mdir", ["--save-model mdir", "is a folder"]),
    (lambda t: (t / "afile").write_text("keep"), "afile/m.topicmf", ["--save-model afile/m.topicmf", "is a file"]),
    (lambda t: (t / "afile").write_text("keep"), "afile/x/m.topicmf", ["--save-model afile/x/m.topicmf",
                                                                       "a file"]),
    (lambda t: (t / "docs.csv").write_text("text\nrates\n"), "docs.csv", ["--save-model docs.csv", "input"]),
])
def test_bad_save_model_path_fails_before_the_fit(setup, model, needles, capsys, tmp_path, monkeypatch):
    setup(tmp_path)
    before = snapshot(tmp_path)
    _forbid_fit(monkeypatch)
    source = "docs.csv" if model == "docs.csv" else "newsroom"
    code, out, err = run(["discover", source, *FAKE_FIT, "--out", "rep", "--save-model", model], capsys)
    one_line_error(code, err, "discover", *needles, out=out)
    assert snapshot(tmp_path) == before and not (tmp_path / "rep").exists()


def test_unwritable_save_model_folder(capsys, tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    _forbid_fit(monkeypatch)
    real = os.open
    monkeypatch.setattr(os, "open", lambda p, *a, **k: (_ for _ in ()).throw(
        PermissionError(errno.EACCES, "Permission denied", p)) if "models" in os.fsdecode(p) else real(p, *a, **k))
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "rep", "--save-model", "models/m.topicmf"],
                         capsys)
    one_line_error(code, err, "discover", "--save-model models/m.topicmf", "permission denied", out=out)
    assert not (tmp_path / "rep").exists()


def test_failed_run_removes_only_the_folders_it_made(capsys, tmp_path):
    (tmp_path / "keep").mkdir()
    code, out, err = run(["discover", "no-such.csv", *FAKE_FIT, "--out", "keep/a/b/c"], capsys)
    one_line_error(code, err, "discover", "no-such.csv", out=out)
    assert list((tmp_path / "keep").iterdir()) == []


def test_existing_report_rewritten_unrelated_files_kept(work, fake_fit, capsys, tmp_path):
    (work.out / "notes.txt").write_text("mine")
    (work.out / "sub").mkdir()
    (work.out / "sub" / "data.csv").write_text("a,b\n")
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "out", "--format", "csv,md"], capsys)
    assert code == 0 and err == "" and "wrote 6 files" in out
    after = snapshot(work.out)
    assert after["notes.txt"] == b"mine" and after["sub/data.csv"] == b"a,b\n"
    assert after["report.html"] == work.before["report.html"]  # not in --format: untouched
    assert not leftovers(work.out)


@pytest.mark.parametrize("name", ["topics.csv", "summary.json", "report.md", "report.html"])
def test_symlink_inside_out_is_replaced_not_followed(name, work, fake_fit, capsys, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    (work.out / name).unlink()
    (work.out / name).symlink_to(outside)
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "out", "--format", "html,csv,md"], capsys)
    assert code == 0 and err == ""
    assert outside.read_text() == "precious"
    assert not (work.out / name).is_symlink() and (work.out / name).stat().st_size > 0


def test_symlink_to_a_folder_inside_out(work, fake_fit, capsys, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.txt").write_text("keep")
    (work.out / "top_terms.csv").unlink()
    (work.out / "top_terms.csv").symlink_to(elsewhere, target_is_directory=True)
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "out", "--format", "csv"], capsys)
    assert code == 0 and err == ""
    assert snapshot(elsewhere) == {"x.txt": b"keep"} and (work.out / "top_terms.csv").is_file()


def test_save_model_symlink_is_replaced_not_followed(work, fake_fit, capsys, tmp_path):
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"precious")
    (tmp_path / "link.topicmf").symlink_to(outside)
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "out", "--format", "csv",
                          "--save-model", "link.topicmf"], capsys)
    assert code == 0 and outside.read_bytes() == b"precious"
    assert zipfile.is_zipfile(tmp_path / "link.topicmf") and not (tmp_path / "link.topicmf").is_symlink()


def _raise(exc: BaseException) -> Callable:
    def fail(*args, **kwargs):
        raise exc

    return fail


@pytest.mark.parametrize("where", ["csv", "html", "md", "xlsx"])
@pytest.mark.parametrize("code_", [errno.ENOSPC, errno.EIO, errno.EROFS, errno.EDQUOT])
def test_write_fault_keeps_the_previous_report(where, code_, work, fake_fit, capsys, monkeypatch):
    fault = OSError(code_, os.strerror(code_))
    target = {"csv": (writers, "write_csv"), "html": (TopicReport, "to_html"), "md": (writers, "write_markdown"),
              "xlsx": (writers, "write_excel")}[where]
    monkeypatch.setattr(*target, _raise(fault))
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "out", "--format", f"csv,{where}",
                          "--save-model", "m.topicmf"], capsys)
    one_line_error(code, err, "discover", "--out out", os.strerror(code_).lower(), out=out)
    assert out == ""  # nothing printed: the table comes after the files
    assert snapshot(work.out) == work.before and not leftovers(work.out)
    assert work.model.read_bytes() == work.model_bytes


def test_disk_full_while_saving_the_model(work, fake_fit, capsys, monkeypatch):
    monkeypatch.setattr(topicmf.model, "save_model", _raise(OSError(errno.ENOSPC, "No space left on device")))
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "out", "--format", "csv",
                          "--save-model", "m.topicmf"], capsys)
    one_line_error(code, err, "discover", "--save-model m.topicmf", "no space left on device", out=out)
    assert work.model.read_bytes() == work.model_bytes
    assert snapshot(work.out) == work.before and not leftovers(work.out.parent)


def test_disk_full_in_the_real_writer(work, fake_fit, capsys, monkeypatch):
    """The fault hits inside writers' atomic write (os.replace): its temporary file is removed too."""
    real = os.replace

    def full(src, dst, *args, **kwargs):
        if str(dst).endswith("top_terms.csv"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full)
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "out", "--format", "csv"], capsys)
    one_line_error(code, err, "discover", "--out out", "no space left on device", out=out)
    assert snapshot(work.out) == work.before and not leftovers(work.out)


def test_fault_while_moving_outputs_into_place_says_what_was_replaced(work, fake_fit, capsys, monkeypatch):
    real = os.replace

    def fail_second(src, dst, *args, **kwargs):
        if Path(dst).name == "top_terms.csv" and ".topicmf-staging-" not in str(dst):
            raise OSError(errno.EIO, "Input/output error", str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", fail_second)
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "out", "--format", "csv"], capsys)
    one_line_error(code, err, "discover", "--out out", "top_terms.csv", "input/output error",
                   "1 of 5 files were replaced", out=out)
    after = snapshot(work.out)
    assert after["top_terms.csv"] == work.before["top_terms.csv"] and not leftovers(work.out)


# -- interrupts -------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    (topicmf.pipeline, "discover"),
    (TopicReport, "to_html"),
    (writers, "write_csv"),
    (writers, "write_markdown"),
    (topicmf.model, "save_model"),
])
def test_interrupted_discover_leaves_the_earlier_report(target, work, fake_fit, capsys, monkeypatch):
    monkeypatch.setattr(*target, _raise(KeyboardInterrupt()))
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "out", "--format", "html,csv,md",
                          "--save-model", "m.topicmf"], capsys)
    assert code == 130 and err == "topicmf discover: interrupted\n" and out == ""
    assert snapshot(work.out) == work.before and not leftovers(work.out.parent)
    assert work.model.read_bytes() == work.model_bytes


def test_ctrl_c_inside_a_finaliser_is_not_lost(base, capsys, tmp_path, monkeypatch):
    """A KeyboardInterrupt raised in ``__del__`` (where Python only prints it) still stops the run."""

    class Finaliser:
        def __del__(self):
            raise KeyboardInterrupt

    def fit(*args, **kwargs):
        Finaliser()  # collected at once: the interrupt lands in its __del__
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.005)
        return base.report

    monkeypatch.setattr(topicmf.pipeline, "discover", fit)
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "rep"], capsys)
    assert code == 130 and err == "topicmf discover: interrupted\n" and not (tmp_path / "rep").exists()


def test_ctrl_c_that_surfaces_as_another_error_is_an_interrupt(base, capsys, tmp_path, monkeypatch):
    """Ctrl-C that breaks a C extension's module initialisation comes out as ImportError
    ("initialization failed"): still exit 130 "interrupted", not a bad-input error (seen under
    PyTensor when Ctrl-C landed early in a fit)."""
    import signal

    def fit(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.005)
        except KeyboardInterrupt:
            raise ImportError("initialization failed") from None
        return base.report

    monkeypatch.setattr(topicmf.pipeline, "discover", fit)
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "rep"], capsys)
    assert code == 130 and err == "topicmf discover: interrupted\n" and not (tmp_path / "rep").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored after the command
    monkeypatch.setattr(topicmf.pipeline, "discover", _raise(ImportError("initialization failed")))
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "rep"], capsys)
    assert code != 130 and "interrupted" not in err  # without Ctrl-C it is the error it is


def test_interrupted_select_k(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(topicmf.select, "select_k", _raise(KeyboardInterrupt()))
    code, out, err = run(["select-k", "newsroom", "--topics", "4,6", "--out", "k", "-q"], capsys)
    assert code == 130 and err == "topicmf select-k: interrupted\n"
    assert not (tmp_path / "k").exists()


def test_interrupted_transform_keeps_the_previous_table(work, capsys, tmp_path, monkeypatch):
    (tmp_path / "scored.csv").write_text("previous")
    monkeypatch.setattr(topicmf.model.TopicModel, "transform_texts", _raise(KeyboardInterrupt()))
    code, out, err = run(["transform", work.model, work.docs, "--out", "scored.csv", "-q"], capsys)
    assert code == 130 and err == "topicmf transform: interrupted\n"
    assert (tmp_path / "scored.csv").read_text() == "previous" and not leftovers(tmp_path)


# -- stdout closed early (topicmf ... | head) -------------------------------------------------------


class _ClosedPipe(io.TextIOBase):
    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def test_discover_into_a_closed_pipe_writes_every_file(work, fake_fit, capsys, monkeypatch):
    for path in work.out.iterdir():
        path.unlink()
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    code = main(["discover", "newsroom", *FAKE_FIT, "--out", "out", "--format", "html,csv,md",
                 "--save-model", "m2.topicmf"])
    err = capsys.readouterr().err
    assert code == 141 and err == ""
    assert sorted(p.name for p in work.out.iterdir()) == sorted(
        ["report.html", "report.md", "topics.csv", "top_terms.csv", "top_documents.csv", "document_topics.csv",
         "summary.json"])
    assert zipfile.is_zipfile(work.out.parent / "m2.topicmf")


@pytest.mark.parametrize("argv", [["corpora"], ["--version"], ["info", "MODEL"]])
def test_closed_pipe_on_printing_commands(argv, base, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    code = main([str(base.model) if a == "MODEL" else a for a in argv])
    assert code == 141 and capsys.readouterr().err == ""


def test_transform_into_a_closed_pipe_writes_the_table(work, capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    code = main(["transform", str(work.model), str(work.docs), "--out", "scored.jsonl", "-q"])
    assert code == 141 and capsys.readouterr().err == ""
    assert len((tmp_path / "scored.jsonl").read_text().splitlines()) == 2


# -- transform outputs ------------------------------------------------------------------------


@pytest.mark.parametrize("setup,out,needles", [
    (None, "scored.pdf", ["--out", "scored.pdf", ".csv"]),
    (None, "scored", ["--out", "got scored."]),
    (lambda t: (t / "dir.csv").mkdir(), "dir.csv", ["--out dir.csv", "is a folder"]),
    (lambda t: (t / "afile").write_text("x"), "afile/s.csv", ["--out afile/s.csv", "afile is a file"]),
    (lambda t: (t / "in.csv").write_text("text\nrates rose\n"), "in.csv", ["--out in.csv", "is the input"]),
])
def test_transform_bad_out(setup, out, needles, work, capsys, tmp_path, monkeypatch):
    if setup:
        setup(tmp_path)
    before = snapshot(tmp_path)
    monkeypatch.setattr(topicmf.model, "load_model", _raise(AssertionError("must fail before loading")))
    source = "in.csv" if out == "in.csv" else work.docs
    code, stdout, err = run(["transform", work.model, source, "--out", out], capsys)
    one_line_error(code, err, "transform", *needles, out=stdout)
    assert snapshot(tmp_path) == before


def test_transform_unwritable_out_folder(work, capsys, tmp_path, monkeypatch):
    (tmp_path / "res").mkdir()
    monkeypatch.setattr(os, "open", _deny_os_open(".topicmf-probe-", os.open))
    code, out, err = run(["transform", work.model, work.docs, "--out", "res/s.csv"], capsys)
    one_line_error(code, err, "transform", "--out res/s.csv", "permission denied", out=out)


def test_transform_missing_text_column_lists_the_columns(work, capsys, tmp_path):
    (tmp_path / "new.csv").write_text("id,body\n1,rates rose\n", encoding="utf-8")
    code, out, err = run(["transform", work.model, "new.csv", "--out", "s.csv"], capsys)
    one_line_error(code, err, "transform", "new.csv", "'body'", "--text-column", out=out)
    assert not (tmp_path / "s.csv").exists()


def test_transform_out_symlink_is_replaced_not_followed(work, capsys, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("precious")
    (tmp_path / "s.csv").symlink_to(outside)
    code, out, err = run(["transform", work.model, work.docs, "--out", "s.csv", "-q"], capsys)
    assert code == 0 and err == "" and outside.read_text() == "precious"
    assert not (tmp_path / "s.csv").is_symlink() and "topic_label" in (tmp_path / "s.csv").read_text()


def test_transform_write_fault_keeps_the_previous_table(work, capsys, tmp_path, monkeypatch):
    (tmp_path / "s.csv").write_text("previous")
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda s, d, *a, **k: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")) if str(d).endswith("s.csv") else real(s, d, *a, **k))
    code, out, err = run(["transform", work.model, work.docs, "--out", "s.csv", "-q"], capsys)
    one_line_error(code, err, "transform", "--out", "no space left on device", out=out)
    assert (tmp_path / "s.csv").read_text() == "previous" and not leftovers(tmp_path)


# -- warnings, internal errors, --debug ----------------------------------------------------------


def _undecodable(tmp: Path) -> Path:
    path = tmp / "latin1.csv"
    path.write_bytes(b"text\ncaf\xe9 rates rose\nthe team won\n")
    return path


def test_quiet_silences_warnings(capsys, tmp_path):
    source = _undecodable(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # the CLI must silence them itself
        code, out, err = run(["discover", source, "--topics", "3", "-q"], capsys)
    one_line_error(code, err, "discover", "--topics 3", "2 documents", out=out)


def test_warnings_without_quiet_are_one_line_each(capsys, tmp_path):
    source = _undecodable(tmp_path)
    code, out, err = run(["discover", source, "--topics", "3"], capsys)
    lines = err.splitlines()
    assert code == 2 and all(line.startswith("topicmf discover: ") for line in lines), err
    assert any("warning:" in line and "latin1.csv" in line for line in lines)
    assert lines[-1].startswith("topicmf discover: error: ")


def test_quiet_silences_figure_warnings(work, fake_fit, capsys, monkeypatch):
    real = TopicReport.to_html

    def noisy(self, path):
        warnings.warn("Glyph 25968 (\\N{CJK UNIFIED IDEOGRAPH-6570}) missing from font(s) DejaVu Sans.",
                      UserWarning, stacklevel=1)
        return real(self, path)

    monkeypatch.setattr(TopicReport, "to_html", noisy)
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "out", "--format", "html"], capsys)
    assert code == 0 and err == ""


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyError("topic"), TypeError("bad operand"),
                                 AttributeError("no attribute")])
def test_internal_error_is_one_line_and_points_to_debug(exc, capsys, monkeypatch):
    monkeypatch.setattr(topicmf.pipeline, "discover", _raise(exc))
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "rep"], capsys)
    lines = err.splitlines()
    assert code == 1 and len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("topicmf discover: internal error: " + type(exc).__name__) and "--debug" in lines[0]


@pytest.mark.parametrize("argv", [["--debug", "discover"], ["discover", "--debug"]])
def test_debug_reraises(argv, monkeypatch):
    monkeypatch.setattr(topicmf.pipeline, "discover", _raise(RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        main([*argv, "newsroom", *FAKE_FIT, "--out", "rep"])


def test_out_of_memory_is_a_user_error(capsys, monkeypatch):
    monkeypatch.setattr(topicmf.pipeline, "discover", _raise(MemoryError()))
    code, out, err = run(["discover", "newsroom", *FAKE_FIT, "--out", "rep"], capsys)
    one_line_error(code, err, "discover", "out of memory", out=out)


# -- select-k ranges that work ------------------------------------------------------------------


def test_select_k_comma_list_runs(capsys, tmp_path):
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / "mine.txt").write_text("keep")
    code, out, err = run(["select-k", "newsroom", "--topics", "4,6", "--restarts", "2", "--out", "k", "-q"], capsys)
    assert code == 0 and err == ""
    assert "recommended" in out.lower() or "k = " in out
    names = sorted(p.name for p in (tmp_path / "k").iterdir())
    assert names == ["explanation.txt", "lineage.csv", "mine.txt", "select_k.csv", "select_k.png"]
    import pandas as pd

    assert pd.read_csv(tmp_path / "k" / "select_k.csv")["k"].tolist() == [4, 6]


# -- the real program: exit codes, no tracebacks -------------------------------------------------


def _python_m(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "topicmf", *args], capture_output=True, text=True, timeout=180,
                          cwd=cwd, **kwargs)


@pytest.mark.parametrize("args,code,needle", [
    ((), 2, "usage: topicmf"),
    (("discover", "missing.csv", "--topics", "3"), 2, "topicmf discover: error: missing.csv: no such file"),
    (("discover", "newsroom", "--topics", "3", "--seed", "-1"), 2, "argument --seed"),
    (("info", "garbage.topicmf"), 2, "topicmf info: error: garbage.topicmf: not a readable"),
])
def test_python_dash_m_exit_codes(args, code, needle, tmp_path):
    (tmp_path / "garbage.topicmf").write_bytes(os.urandom(64))
    done = _python_m(*args, cwd=tmp_path)
    assert done.returncode == code and needle in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    if args:
        assert done.stderr.count("\n") == 1


def test_python_dash_m_closed_stdout(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "topicmf", "corpora"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stdout.close()  # the reader is gone before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=180) == 141 and err == ""


@pytest.mark.skipif(os.name != "posix", reason="SIGINT")
def test_python_dash_m_ctrl_c_during_the_fit(base, tmp_path):
    shutil.copytree(base.out, tmp_path / "out")
    before = snapshot(tmp_path / "out")
    # 40 restarts: a fit of a few seconds, so the signal lands in it however fast the machine
    proc = subprocess.Popen([sys.executable, "-m", "topicmf", "discover", "newsroom", "--topics", "3",
                             "--restarts", "40", "--out", "out"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tmp_path, text=True)
    first = proc.stderr.readline()  # "topicmf discover: loaded Corpus(...)": the fit starts now
    assert first.startswith("topicmf discover: loaded")
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=180)
    if proc.returncode == 0:  # pragma: no cover - the machine finished before the signal came
        pytest.skip("the run finished before SIGINT arrived")
    # 130, or killed by SIGINT after handling it (a shell reports both as 130): seen in about
    # 1 of 10 runs in a fresh environment, after the message was printed; cause not found yet
    assert proc.returncode in (130, -signal.SIGINT), proc.returncode
    assert err.strip().splitlines()[-1] == "topicmf discover: interrupted"
    assert "Traceback" not in err and out == ""
    assert snapshot(tmp_path / "out") == before and not leftovers(tmp_path)
