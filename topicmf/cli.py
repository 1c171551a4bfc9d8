"""The ``topicmf`` command (also ``python -m topicmf``).

``main(argv) -> int`` is what the console script and the tests call. Results go
to stdout and to the output folder; progress bars, notes and warnings go to
stderr (``--quiet`` silences them, Python warnings and log messages included).

Exit codes
    0 done; 2 a user error (bad option, unreadable input or model file, an output
    folder that cannot be written, a full disk...): one line on stderr,
    ``topicmf COMMAND: error: ...``, never a traceback; 1 an unexpected internal
    error (a bug): one line that says so, the traceback with ``--debug``;
    130 interrupted (Ctrl-C); 141 stdout was closed early (``topicmf ... | head``),
    after every file had been written.

Output files
    The output folder (and the folder of ``--save-model``) is created and
    checked with a probe file before any work starts. Outputs are first written
    to a private staging folder inside it and then moved into place with
    :func:`os.replace`, one file at a time: an interrupted or failed run leaves
    the earlier files intact and no temporary file behind, a symbolic link in the
    folder is replaced and never written through, and files the run does not
    write are never touched. Everything is on disk before anything is printed.
"""

from __future__ import annotations

import _thread
import argparse
import logging
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
import zlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from .defaults import N_RESTARTS, N_RESTARTS_SELECT_K

__all__ = ["build_parser", "entry", "main"]

EXIT_OK = 0
EXIT_INTERNAL_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a program stopped by a closed pipe
FORMATS = ("html", "csv", "md", "xlsx", "json")
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson")
#: Largest ``--stop-words`` file read.
MAX_STOP_WORDS_BYTES = 16 * 2**20


class CliError(Exception):
    """A user error: reported as one line, exit code 2."""


class _UsageError(Exception):
    """A command-line syntax error (argparse): its message is the whole line."""


class _StdoutClosed(Exception):
    """stdout was closed by the reader (``| head``)."""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line ``PROG: error: MESSAGE`` instead of usage + exit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')")


# -- option types ---------------------------------------------------------------------


def _int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer; got {value!r}") from None


def _positive_int(value: str) -> int:
    n = _int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1; got {value!r}")
    return n


def _seed(value: str) -> int:
    n = _int(value)
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0; got {value!r}")
    return n


def _jobs(value: str) -> int:
    n = _int(value)
    if n == 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, or -1 for all CPUs; got {value!r}")
    return n


def _document_frequency(value: str) -> int | float:
    """``--min-df``/``--max-df``: an int >= 1 (documents) or a float in [0, 1] (share)."""
    try:
        v: int | float = int(value)
    except ValueError:
        try:
            v = float(value)
        except ValueError:
            v = float("nan")
    if (isinstance(v, int) and v < 1) or (isinstance(v, float) and not 0.0 <= v <= 1.0):
        raise argparse.ArgumentTypeError(
            f"expected a number of documents (an integer >= 1) or a share of them (a number in [0, 1]); "
            f"got {value!r}")
    return v


def _ngrams(value: str) -> tuple[int, int]:
    """``MIN,MAX`` (``1,2``: words and pairs of words) or ``N`` (the same as ``1,N``)."""
    from .vectorize import MAX_NGRAM

    try:
        parts = [int(p) for p in value.split(",")]
    except ValueError:
        parts = []
    if len(parts) == 1:
        parts = [1, parts[0]]
    if len(parts) != 2 or not 1 <= parts[0] <= parts[1] <= MAX_NGRAM:
        raise argparse.ArgumentTypeError(
            f"expected MIN,MAX with 1 <= MIN <= MAX <= {MAX_NGRAM} (e.g. 1,2); got {value!r}")
    return parts[0], parts[1]


def _stop_words(value: str) -> str | list[str]:
    """``auto``, a language name, ``nltk``, ``none`` or the path of a UTF-8 file of one word per line."""
    from .preprocess.stopwords import STOP_WORD_NAMES

    if value.strip().lower() in (*STOP_WORD_NAMES, "none"):
        return value.strip().lower()
    path = Path(value)
    what = "expected auto, a language (english, german, ...), nltk, none or a file of one word per line"
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_STOP_WORDS_BYTES + 1)
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{_show(path)}: {_reason(exc)} ({what})") from None
    if len(data) > MAX_STOP_WORDS_BYTES:
        raise argparse.ArgumentTypeError(f"{_show(path)}: larger than {MAX_STOP_WORDS_BYTES:,} bytes ({what})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise argparse.ArgumentTypeError(f"{_show(path)}: not UTF-8 text ({what})") from None
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"{_show(path)}: binary data, not text ({what})")
    return sorted({w.strip() for w in text.split("\n") if w.strip() and not w.lstrip().startswith("#")})


def _language(value: str) -> str:
    from .preprocess import LANGUAGES

    name = value.strip().lower()
    if name not in LANGUAGES:
        raise argparse.ArgumentTypeError(f"unknown language {value!r}; choose from {', '.join(sorted(LANGUAGES))}")
    return name


def _formats(value: str) -> list[str]:
    formats = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise argparse.ArgumentTypeError(
            f"unknown format {bad[0] if bad else value!r}; choose from {','.join(FORMATS)}")
    return formats


def _topics_range(value: str) -> list[int]:
    """``START:STOP[:STEP]`` (inclusive), a comma list ``4,6,9`` or one number."""
    try:
        if "," in value:
            ks = [int(p) for p in value.split(",") if p.strip()]
        else:
            parts = [int(p) for p in value.split(":")]
            if len(parts) > 3:
                raise ValueError
            if len(parts) == 1:
                ks = parts
            else:
                start, stop = parts[0], parts[1]
                step = parts[2] if len(parts) > 2 else 1
                if step < 1 or stop < start:
                    raise argparse.ArgumentTypeError(f"expected START <= STOP and STEP >= 1; got {value!r}")
                ks = list(range(start, stop + 1, step))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected START:STOP[:STEP] or a comma list; got {value!r}") from None
    if not ks or min(ks) < 1:
        raise argparse.ArgumentTypeError(f"numbers of topics must be >= 1; got {value!r}")
    return sorted(set(ks))


# -- the parser -------------------------------------------------------------------------


def _add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="bundled corpus name, folder of .txt files, or a .csv/.tsv/.jsonl[.gz]/"
                                 ".json/.parquet/.txt file")
    p.add_argument("--text-column", default=None, help="column holding the text (default: text)")
    p.add_argument("--id-column", default=None, help="column of unique ids (default: 'id' when present)")
    p.add_argument("--label-column", default=None, help="column of known classes, for agreement scores")
    p.add_argument("--label-from-folder", action="store_true", help="for a folder: sub-folder name is the label")


def _add_vectorizer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--min-df", type=_document_frequency, default=None, metavar="N",
                   help="keep terms in at least N documents (an integer) or this share of them (0-1) "
                        "(default: 2, 3 from 1,000 documents, 5 from 10,000)")
    p.add_argument("--max-df", type=_document_frequency, default=None, metavar="N",
                   help="drop terms in more than N documents or this share of them "
                        "(default: min(0.5, max(0.125, 1/topics)))")
    p.add_argument("--ngrams", type=_ngrams, default=None, metavar="MIN,MAX",
                   help="terms of MIN to MAX words, e.g. 1,2 (default: 1,1)")
    p.add_argument("--stop-words", type=_stop_words, default=None, metavar="LIST",
                   help="auto (topicmf's list of --language, the default), a language name (that "
                        "list), nltk (NLTK's, needs its data), none, or a UTF-8 file of one word per line")
    p.add_argument("--language", type=_language, default=None, metavar="NAME",
                   help="language of the documents: its stop words and Snowball stemmer (english, "
                        "german, french, spanish, russian, ...; chinese/japanese/korean: character "
                        "bigrams) (default: english)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``topicmf`` command."""
    parser = _Parser(
        prog="topicmf",
        description="Find topics in a text corpus by sparse non-negative matrix factorization.",
        epilog="Run 'topicmf COMMAND --help' for a command's options. Exit codes: 0 done, 1 internal "
               "error (a bug), 2 bad input or options, 130 interrupted, 141 stdout closed.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--debug", action="store_true",
                        help="show the Python traceback of an error instead of one line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("-q", "--quiet", action="store_true",
                       help="no progress bars, notes or warnings on stderr (errors are still shown)")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show the Python traceback of an error instead of one line")
        return p

    guard_help = ("write text cells that start with =, +, -, @ or a control character as they are; by "
                  "default they get a leading ' so a spreadsheet does not run them as formulas")

    p = add("demo", "run the whole pipeline on the bundled corpus and write a report")
    p.add_argument("--topics", type=_positive_int, default=6, help="number of topics (default: 6)")
    p.add_argument("--out", default="topicmf-demo", help="output folder (default: ./topicmf-demo)")
    p.set_defaults(handler=_cmd_demo)

    p = add("discover", "find topics in your corpus and write the report")
    _add_input_options(p)
    p.add_argument("--topics", type=_positive_int, required=True, help="number of topics")
    p.add_argument("--restarts", type=_positive_int, default=N_RESTARTS,
                   help=f"random restarts (default: {N_RESTARTS})")
    p.add_argument("--seed", type=_seed, default=0, help="random seed, an integer >= 0 (default: 0)")
    p.add_argument("--jobs", type=_jobs, default=None,
                   help="worker processes for the restarts (-1: all CPUs; default: 1)")
    _add_vectorizer_options(p)
    cluster = p.add_mutually_exclusive_group()
    cluster.add_argument("--workers", type=_positive_int, default=None, metavar="N",
                         help="run on a local Dask cluster of N worker processes, started and stopped "
                              "for this run (needs topicmf[dask])")
    cluster.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="run on the running Dask cluster at ADDRESS (tcp://host:8786); "
                              "partition files must be readable by its workers")
    p.add_argument("--out", default="topicmf-report", help="output folder (default: ./topicmf-report)")
    p.add_argument("--format", type=_formats, default=["html", "csv"],
                   help="comma list of html,csv,md,xlsx,json (default: html,csv)")
    p.add_argument("--save-model", default=None, metavar="PATH", help="also save the model file here")
    p.add_argument("--no-formula-guard", action="store_true", help=guard_help + " (CSV and Excel files)")
    p.set_defaults(handler=_cmd_discover)

    p = add("transform", "assign topics to new documents with a saved model")
    p.add_argument("model", help="model file written by --save-model or topicmf.save_model")
    _add_input_options(p)
    p.add_argument("--out", required=True, help="output table: .csv, .tsv or .jsonl")
    p.add_argument("--no-formula-guard", action="store_true", help=guard_help + " (.csv and .tsv)")
    p.set_defaults(handler=_cmd_transform)

    p = add("info", "print what a model file holds")
    p.add_argument("model", help="model file")
    p.set_defaults(handler=_cmd_info)

    p = add("select-k", "compare numbers of topics by stability, coherence and error")
    _add_input_options(p)
    p.add_argument("--topics", type=_topics_range, default=list(range(4, 31, 2)),
                   help="START:STOP[:STEP] or a comma list (default: 4:30:2)")
    p.add_argument("--restarts", type=_positive_int, default=N_RESTARTS_SELECT_K,
                   help=f"restarts per k, at least 2 (default: {N_RESTARTS_SELECT_K})")
    p.add_argument("--seed", type=_seed, default=0, help="random seed, an integer >= 0 (default: 0)")
    p.add_argument("--jobs", type=_jobs, default=None,
                   help="worker processes (-1: all CPUs; default: 1)")
    _add_vectorizer_options(p)
    p.add_argument("--out", default="topicmf-select-k", help="output folder (default: ./topicmf-select-k)")
    p.set_defaults(handler=_cmd_select_k)

    p = add("corpora", "list the bundled corpora")
    p.set_defaults(handler=_cmd_corpora)
    return parser


# -- messages ---------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _show(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    return text if text.isprintable() else repr(text)


def _reason(exc: OSError) -> str:
    """What went wrong, without the errno number: "permission denied", "no space left on device"."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def _os_message(exc: OSError) -> str:
    where = f"{_show(exc.filename)}: " if exc.filename is not None else ""
    if exc.filename2 is not None:
        where = f"{_show(exc.filename)} -> {_show(exc.filename2)}: "
    return where + _reason(exc)


# Messages of lower layers that name a Python parameter the CLI user sets with an option.
_OPTION_NAMES = (
    ("lower min_df or raise max_df", "lower --min-df or raise --max-df"),
    ("TopicNMF: 'n_topics' must be", "--topics must be"),
    ("select_k: the largest k", "--topics: the largest k"),
    ("select_k: 'n_restarts' must be", "--restarts must be"),
    ("load_model: ", ""),
)
_COLUMN_ROLE = re.compile(r"\b(text|id|label)_column=")


def _cli_message(exc: BaseException, args: argparse.Namespace) -> str:
    """The one-line message of a user error, in the words of the command line."""
    if isinstance(exc, CliError):
        return _one_line(str(exc))
    if isinstance(exc, MemoryError):
        return "out of memory; try a smaller corpus, fewer --topics or a higher --min-df"
    if isinstance(exc, zlib.error):  # a corrupt deflate stream inside a model file's zip
        where = getattr(args, "model", None) or getattr(args, "input", None)
        return _one_line(f"{_show(where)}: corrupt compressed data ({exc})" if where else f"corrupt data ({exc})")
    if isinstance(exc, OSError) and not hasattr(exc, "problem") and exc.errno is not None:
        return _one_line(_os_message(exc))
    message = _one_line(str(exc)) or type(exc).__name__
    if message.startswith("TextVectorizer: ") and getattr(args, "input", None):
        message = f"{_show(args.input)}: {message[len('TextVectorizer: '):]}"  # about this corpus
    for old, new in _OPTION_NAMES:
        message = message.replace(old, new)
    if "max_df corresponds to < documents than min_df" in message and "--min-df" not in message:
        message += "; check --min-df and --max-df"
    if _COLUMN_ROLE.search(message):
        about_text = "text_column=" in message
        message = _COLUMN_ROLE.sub(lambda m: f"--{m.group(1)}-column ", message)
        if about_text and getattr(args, "text_column", "") is None:
            message += " Name the column of the text with --text-column."
    return message


def _is_user_error(exc: BaseException) -> bool:
    if isinstance(exc, (KeyError, IndexError)):
        return False  # LookupErrors, but bugs
    return isinstance(exc, (CliError, ValueError, OSError, LookupError, ImportError, MemoryError, zlib.error))


def _out(text: str = "") -> None:
    """Print a line of results on stdout; a reader that went away raises :class:`_StdoutClosed`."""
    try:
        print(text)
    except BrokenPipeError:
        raise _StdoutClosed from None


def _progress(args: argparse.Namespace) -> bool:
    """Progress bars: on a terminal, unless ``--quiet`` (never in a log or a pipe)."""
    return not args.quiet and sys.stderr is not None and sys.stderr.isatty()


def _note(args: argparse.Namespace, message: str) -> None:
    """A note on stderr, ``topicmf COMMAND: message`` (none with ``--quiet``)."""
    if not args.quiet:
        print(f"topicmf {args.command}: {message}", file=sys.stderr)


# -- output folders -----------------------------------------------------------------------


class _Folder:
    """An output folder made ready before the work: created, probed, cleaned up on failure.

    ``prepare()`` creates the folder (and its missing parents) and writes and
    removes a probe file, so a folder that is a file, under a file, or
    unwritable fails at once with a one-line error. ``discard()`` removes the
    folders it created if they are still empty (a failed run leaves nothing).
    """

    def __init__(self, path: Path, option: str, shown: str | os.PathLike[str] | None = None) -> None:
        self.path = path
        self.option = option
        self.shown = _show(path if shown is None else shown)
        self.created: list[Path] = []

    def _fail(self, problem: str) -> CliError:
        return CliError(f"{self.option} {self.shown}: {problem}")

    def prepare(self, names: Sequence[str] = ()) -> None:
        path = self.path
        subject = "" if self.shown == _show(path) else f"{_show(path)} "
        if path.is_symlink() and not path.exists():
            raise self._fail(f"{subject}is a broken symbolic link")
        if path.exists() and not path.is_dir():
            raise self._fail(f"{subject}is a file, not a folder")
        missing, p = [], path
        while not os.path.lexists(p) and p != p.parent:
            missing.append(p)
            p = p.parent
        try:
            path.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise self._fail("cannot create the folder: a part of its path is a file") from None
        except OSError as exc:
            raise self._fail(f"cannot create the folder ({_reason(exc)})") from None
        self.created = missing  # deepest first
        probe = path / f".topicmf-probe-{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as exc:
            self.discard()
            raise self._fail(f"cannot write in this folder ({_reason(exc)})") from None
        os.close(fd)
        os.unlink(probe)
        for name in names:
            target = path / name
            if target.is_dir() and not target.is_symlink():
                self.discard()
                raise self._fail(f"{name} is a folder; it cannot be replaced by an output file")

    def discard(self) -> None:
        for folder in self.created:
            try:
                folder.rmdir()
            except OSError:
                break
        self.created = []


class _Staging:
    """A private folder inside ``folder`` that outputs are written to before they are moved in.

    ``commit(paths)`` moves the staged files into ``folder`` with
    :func:`os.replace` (a symbolic link there is replaced, not followed) and
    returns their final paths. Used as a context manager, the staging folder
    is removed however the block ends, so no partial output is ever left.
    """

    def __init__(self, folder: Path, option: str) -> None:
        self.folder = folder
        self.option = option
        try:
            self.dir = Path(tempfile.mkdtemp(prefix=".topicmf-staging-", dir=folder))
        except OSError as exc:
            raise CliError(f"{option} {_show(folder)}: cannot write in this folder ({_reason(exc)})") from None

    def commit(self, paths: Sequence[str]) -> list[str]:
        done: list[str] = []
        for staged in paths:
            name = Path(staged).name
            try:
                os.replace(self.dir / name, self.folder / name)
            except OSError as exc:
                if not done:
                    raise  # nothing replaced yet: the caller says the old files are unchanged
                raise CliError(f"{self.option} {_show(self.folder)}: cannot move {name} into place "
                               f"({_os_message(exc)}); {len(done)} of {len(paths)} files were replaced") from None
            done.append(str(self.folder / name))
        return done

    def __enter__(self) -> _Staging:
        return self

    def __exit__(self, *exc_info: object) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def _writing(option: str, shown: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an OSError while writing outputs (a full disk, a vanished folder...) into one line."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise CliError(f"{option} {_show(shown)}: cannot write the outputs ({_os_message(exc)}); "
                       "the files already there are unchanged") from None


def _same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


# -- commands -----------------------------------------------------------------------------


def _load(args: argparse.Namespace):
    from .corpora import load_corpus

    return load_corpus(args.input, text_column=args.text_column or "text", id_column=args.id_column,
                       label_column=args.label_column, label_from_folder=args.label_from_folder)


def _vectorizer_options(args: argparse.Namespace) -> dict[str, Any]:
    """The vectorizer settings given on the command line."""
    given = {"min_df": "min_df", "max_df": "max_df", "ngram_range": "ngrams", "stop_words": "stop_words",
             "language": "language"}
    params = {k: getattr(args, a) for k, a in given.items() if getattr(args, a, None) is not None}
    if params.get("stop_words") == "none":
        params["stop_words"] = None
    return params


def _vectorizer(args: argparse.Namespace, n_documents: int, n_topics: int):
    """``default_vectorizer`` with the options given on the command line, or None when none is."""
    params = _vectorizer_options(args)
    if not params:
        return None
    from .pipeline import configured_vectorizer

    return configured_vectorizer(n_documents, n_topics, params)


def _cluster_client(args: argparse.Namespace, stack: ExitStack) -> Any:
    """The Dask client of ``--workers``/``--scheduler`` (closed with ``stack``), or None."""
    workers, scheduler = getattr(args, "workers", None), getattr(args, "scheduler", None)
    if workers is None and scheduler is None:
        return None
    option = "--workers" if workers is not None else "--scheduler"
    if getattr(args, "jobs", None) is not None:
        raise CliError(f"--jobs runs restarts in processes of this machine; with {option} the Dask "
                       "cluster runs them: drop --jobs")
    if args.label_from_folder:
        raise CliError(f"--label-from-folder is not supported with {option}; give a --label-column")
    from .distributed import open_client

    _note(args, f"starting a local Dask cluster of {workers} workers" if workers is not None
          else f"connecting to the Dask scheduler at {scheduler}")
    try:
        return stack.enter_context(open_client(scheduler, workers))
    except OSError as exc:
        shown = f"the Dask scheduler at {scheduler}" if scheduler is not None else "a local Dask cluster"
        raise CliError(f"{option}: cannot reach {shown} ({_one_line(str(exc)) or type(exc).__name__})") from None


def _check_topics(corpus, ks: Sequence[int]) -> None:
    if max(ks) > len(corpus):
        raise CliError(f"--topics {max(ks)} is more than the {len(corpus):,} documents of {corpus.name!r}.")


def _three(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _print_topics(report) -> None:
    import pandas as pd

    table = report.topics[["topic", "topic_label", "size", "coherence_npmi", "stability", "top_terms"]].copy()
    table = table.rename(columns={"topic_label": "label", "coherence_npmi": "coherence", "top_terms": "top terms"})
    with pd.option_context("display.max_colwidth", 70, "display.width", 200, "display.precision", 3):
        _out(table.to_string(index=False))
    s = report.summary()
    line = (f"\n{s['n_topics']} topics in {s['n_documents']:,} documents ({s['n_terms']:,} terms): "
            f"coherence {_three(s['coherence_npmi'])}, diversity {s['topic_diversity']:.3f}, "
            f"stability {s['stability']:.3f}, low-confidence documents {s['n_low_confidence']}")
    if "clustering_nmi" in s:
        line += f"; agreement with labels NMI {s['clustering_nmi']:.3f}, ARI {s['clustering_ari']:.3f}"
    _out(line)


_REPORT_FILES = {
    "html": ("report.html",),
    "csv": ("topics.csv", "top_terms.csv", "top_documents.csv", "document_topics.csv", "summary.json"),
    "md": ("report.md",),
    "xlsx": ("report.xlsx",),
    "json": ("report.json",),
}


def _write_report(report, stage: Path, formats: list[str], safe: bool) -> list[str]:
    """Write the report files into ``stage``; return their paths."""
    from .report import writers

    written = []
    if "html" in formats:
        written.append(report.to_html(str(stage / "report.html")))
    if "csv" in formats:
        written += writers.write_csv(report, stage, safe=safe)
    if "md" in formats:
        written.append(writers.write_markdown(report, stage / "report.md"))
    if "xlsx" in formats:
        written.append(writers.write_excel(report, stage / "report.xlsx", safe=safe))
    if "json" in formats:
        written.append(writers.write_json(report, stage / "report.json"))
    return written


def _run_discover(args: argparse.Namespace, corpus_source: Any, n_topics: int, restarts: int, seed: int,
                  formats: list[str], save_model: str | None, safe: bool = True) -> int:
    from .pipeline import discover

    t0 = time.perf_counter()
    out = _Folder(Path(args.out), "--out")
    model_folder = _Folder(Path(save_model).parent, "--save-model", save_model) if save_model else None
    if save_model and Path(save_model).is_dir():
        raise CliError(f"--save-model {_show(save_model)}: is a folder; give the path of a model file")
    if save_model and isinstance(corpus_source, str) and _same_file(save_model, corpus_source):
        raise CliError(f"--save-model {_show(save_model)}: is the input file; choose another path")
    out.prepare([name for f in formats for name in _REPORT_FILES[f]])
    try:
        if model_folder is not None:
            model_folder.prepare()
        with ExitStack() as on_cluster:
            client = _cluster_client(args, on_cluster)
            if client is not None:
                report = discover(corpus_source, n_topics=n_topics, n_restarts=restarts, random_state=seed,
                                  vectorizer_options=_vectorizer_options(args), client=client,
                                  text_column=args.text_column or "text", id_column=args.id_column,
                                  label_column=args.label_column)
            else:
                if isinstance(corpus_source, str):
                    corpus = _load(args)
                    _note(args, f"loaded {corpus!r}")
                else:
                    corpus = corpus_source
                _check_topics(corpus, [n_topics])
                options: dict[str, Any] = {}
                if getattr(args, "jobs", None) is not None:
                    options["n_jobs"] = args.jobs
                report = discover(corpus, n_topics=n_topics, n_restarts=restarts, random_state=seed,
                                  vectorizer_options=_vectorizer_options(args), progress=_progress(args),
                                  **options)
        for option in ("text_column", "id_column"):  # remembered by a saved model for `transform`
            if getattr(args, option, None):
                report.settings[option] = getattr(args, option)
        with _writing("--out", out.path), _Staging(out.path, "--out") as stage:
            staged = _write_report(report, stage.dir, formats, safe)
            if save_model:
                from .model import save_model as _save

                with _writing("--save-model", save_model):
                    model_path = _save(report, save_model)
            written = stage.commit(staged)
    except BaseException:
        out.discard()
        if model_folder is not None:
            model_folder.discard()
        raise
    if save_model:
        written.append(model_path)
    # every file is on disk: now the table (a reader that stops early loses nothing)
    _print_topics(report)
    _out(f"\nwrote {len(written)} files to {out.path}/ in {time.perf_counter() - t0:.1f} s:")
    for path in written:
        _out(f"  {path}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from .corpora import load_corpus

    corpus = load_corpus("newsroom")
    _note(args, f"the bundled corpus, {corpus!r}")
    return _run_discover(args, corpus, args.topics, N_RESTARTS, 0, ["html", "csv"], None)


def _cmd_discover(args: argparse.Namespace) -> int:
    return _run_discover(args, args.input, args.topics, args.restarts, args.seed, args.format,
                         args.save_model, safe=not args.no_formula_guard)


def _write_table(table, path: Path, safe: bool) -> None:
    """Write the transform table to ``path`` (a staged file: the caller moves it into place)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv") and safe:
        from .report.writers import neutralise_formulas

        table = neutralise_formulas(table)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        if suffix in (".csv", ".tsv"):
            table.to_csv(fh, index=False, sep="," if suffix == ".csv" else "\t", lineterminator="\r\n")
        else:  # JSON Lines is data, not a spreadsheet: written as it is
            table.to_json(fh, orient="records", lines=True, force_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())


def _cmd_transform(args: argparse.Namespace) -> int:
    from .model import load_model

    out = Path(args.out)
    if out.suffix.lower() not in TABLE_SUFFIXES:
        raise CliError(f"--out must end in .csv, .tsv or .jsonl; got {_show(out)}.")
    if out.is_dir():
        raise CliError(f"--out {_show(out)}: is a folder; give the path of a .csv, .tsv or .jsonl file")
    for other, what in ((args.input, "input"), (args.model, "model file")):
        if _same_file(out, other):
            raise CliError(f"--out {_show(out)}: is the {what}; choose another path")
    folder = _Folder(out.parent, "--out", out)
    folder.prepare()
    try:
        model = load_model(args.model)
        # the columns the model was trained with, unless given on the command line
        for option in ("text_column", "id_column"):
            remembered = model.info.get(option)
            if getattr(args, option) is None and isinstance(remembered, str):
                setattr(args, option, remembered)
        corpus = _load(args)
        table = model.transform_texts(corpus)
        with _writing("--out", out), _Staging(folder.path, "--out") as stage:
            _write_table(table, stage.dir / out.name, safe=not args.no_formula_guard)
            stage.commit([out.name])
    except BaseException:
        folder.discard()
        raise
    counts = table["topic_label"].value_counts()
    _out(f"{len(table):,} documents scored with {args.model}; "
         f"{int(table['low_confidence'].sum())} low-confidence; written to {out}")
    for label, n in counts.items():
        _out(f"  {n:>6}  {label}")
    return EXIT_OK


def _cmd_info(args: argparse.Namespace) -> int:
    from .model import FORMAT_NAME, load_model

    model = load_model(args.model)  # checks the manifest; reads the file once
    nmf = model.nmf
    _out(f"topicmf model file {args.model}")
    _out(f"  format {FORMAT_NAME} v{model.info['format_version']}, created {model.info.get('created')}, "
         f"topicmf {model.info.get('written_by')}")
    for key in ("corpus", "n_documents", "coherence_npmi"):
        if key in model.info:
            _out(f"  trained {key}: {model.info[key]}")
    _out(f"  vocabulary: {len(model.vectorizer.vocabulary_):,} terms (stemmer {model.vectorizer.stemmer}, "
         f"min_df {model.vectorizer.min_df}, max_df {model.vectorizer.max_df})")
    _out(f"  factorization: {model.n_topics} topics, optimizer {nmf.optimizer}, "
         f"{len(nmf.restart_losses_)} restarts (best {nmf.best_restart_}), "
         f"L1 W/H {nmf.l1_W}/{nmf.l1_H}, L2 W/H {nmf.l2_W}/{nmf.l2_H}")
    _out("  topics:")
    for t, label in enumerate(model.labels):
        _out(f"    {t:>3}  {label}")
    return EXIT_OK


def _cmd_select_k(args: argparse.Namespace) -> int:
    from .select import select_k

    if args.restarts < 2:
        raise CliError(f"--restarts must be at least 2 for select-k (stability compares restarts); "
                       f"got {args.restarts}.")
    out = _Folder(Path(args.out), "--out")
    out.prepare(["select_k.csv", "lineage.csv", "select_k.png", "explanation.txt"])
    try:
        corpus = _load(args)
        _note(args, f"loaded {corpus!r}")
        _check_topics(corpus, args.topics)
        vec = _vectorizer(args, len(corpus), args.topics[len(args.topics) // 2])
        sel = select_k(corpus, args.topics, n_restarts=args.restarts, random_state=args.seed,
                       n_jobs=args.jobs, vectorizer=vec, progress=_progress(args))
        with _writing("--out", out.path), _Staging(out.path, "--out") as stage:
            written = stage.commit(sel.write(stage.dir))  # written in the private folder, moved in
    except BaseException:
        out.discard()
        raise
    import pandas as pd

    with pd.option_context("display.width", 200, "display.precision", 3):
        _out(sel.table.to_string(index=False))
    _out()
    _out(sel.explain())
    _out(f"\nwrote {len(written)} files to {out.path}/:")
    for path in written:
        _out(f"  {path}")
    return EXIT_OK


def _cmd_corpora(args: argparse.Namespace) -> int:
    from .corpora import list_corpora

    for row in list_corpora().itertuples():
        _out(f"{row.name}: {row.n_documents} documents; labels: {row.labels}")
        _out(f"    {row.description}")
    return EXIT_OK


# -- main ---------------------------------------------------------------------------------


class _LevelFormatter(logging.Formatter):
    """``topicmf COMMAND: warning: message``, one line."""

    def __init__(self, command: str) -> None:
        super().__init__()
        self.command = command

    def format(self, record: logging.LogRecord) -> str:
        return f"{self.command}: {record.levelname.lower()}: {_one_line(record.getMessage())}"


@contextmanager
def _diagnostics(command: str, quiet: bool) -> Iterator[None]:
    """For the duration of a command: warnings and log messages as one line each, or none when quiet.

    Nothing is changed at import or after ``main`` returns: the ``topicmf``
    logger's handler, level and propagation, :func:`logging.disable` and the
    warning filters are restored.
    """
    logger = logging.getLogger("topicmf")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LevelFormatter(command))
    saved = (logger.level, logger.propagate, logging.root.manager.disable)
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False
    if quiet:
        logging.disable(logging.WARNING)

    def show(message: Any, category: type[Warning], filename: str, lineno: int,
             file: IO[str] | None = None, line: str | None = None) -> None:
        try:
            print(f"{command}: warning: {_one_line(str(message))}", file=sys.stderr)
        except (OSError, ValueError):
            pass

    try:
        with warnings.catch_warnings():
            if quiet:
                warnings.simplefilter("ignore")
            else:
                warnings.showwarning = show
            yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logging.disable(saved[2])


#: Ctrl-C received while a command runs (see :func:`_counting_interrupts`).
_SIGINTS = [0]


def _on_sigint(signum: int, frame: Any) -> None:
    """Python's own SIGINT handler (raise KeyboardInterrupt), counting the signal first."""
    _SIGINTS[0] += 1
    signal.default_int_handler(signum, frame)


@contextmanager
def _counting_interrupts() -> Iterator[None]:
    """While a command runs, count Ctrl-C, so an interrupt that surfaces as another error
    (a C extension whose module initialisation it broke: "initialization failed") is still
    reported as an interrupt. Only Python's default handler is replaced, in the main thread."""
    replaced = (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if replaced:
        signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        if replaced:
            signal.signal(signal.SIGINT, signal.default_int_handler)


@contextmanager
def _no_lost_interrupts() -> Iterator[None]:
    """Ctrl-C that lands in a finaliser (``__del__``, run by the garbage collector) is not lost.

    Python cannot raise an exception out of a finaliser: it prints "Exception
    ignored in ..." with a traceback and carries on, so the run would finish as
    if never interrupted. While a command runs, such a KeyboardInterrupt is
    delivered again a moment later from another thread (``_thread.interrupt_main``),
    so it surfaces in ordinary code.
    """
    previous = sys.unraisablehook
    pending: list[threading.Timer] = []

    def hook(unraisable: Any) -> None:
        if (unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt)
                and threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) in (signal.default_int_handler, _on_sigint)):
            # One Ctrl-C can reach several finalisers of one garbage collection: deliver it
            # once (a second delivery would land after the command handled the first, and
            # the process would die of SIGINT instead of exiting 130).
            if not pending:
                again = threading.Timer(0.01, _thread.interrupt_main)
                again.daemon = True
                pending.append(again)
                again.start()
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous
        for timer in pending:
            timer.cancel()


def _detach_stdout() -> None:
    """Point the stdout file descriptor at the null device, so the exit flush cannot fail again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass


def _error_line(line: str) -> None:
    try:
        print(line, file=sys.stderr)
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``topicmf`` command; return the exit code (see the module docstring)."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # named by the command they were given to, not by "topicmf"
            command = f"topicmf {args.command}" if getattr(args, "command", None) else "topicmf"
            raise _UsageError(f"{command}: error: unrecognized arguments: {' '.join(extra)} "
                              f"(see '{command} --help')")
    except _UsageError as exc:
        _error_line(str(exc))
        return EXIT_BAD_INPUT
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    try:
        if args.version:
            from . import __version__

            _out(f"topicmf {__version__}")
            return EXIT_OK
        if getattr(args, "handler", None) is None:
            parser.print_help(sys.stderr)
            return EXIT_BAD_INPUT
    except _StdoutClosed:
        _detach_stdout()
        return EXIT_BROKEN_PIPE
    command = f"topicmf {args.command}"
    interrupts_before = _SIGINTS[0]
    with _diagnostics(command, args.quiet), _no_lost_interrupts(), _counting_interrupts():
        try:
            code = args.handler(args)
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                raise _StdoutClosed from None
            return code
        except _StdoutClosed:
            _detach_stdout()
            return EXIT_BROKEN_PIPE
        except KeyboardInterrupt:
            if args.debug:
                raise
            _error_line(f"{command}: interrupted")
            return EXIT_INTERRUPTED
        except Exception as exc:
            if args.debug:
                raise
            if _SIGINTS[0] > interrupts_before:  # Ctrl-C broke something on its way (see _counting_interrupts)
                _error_line(f"{command}: interrupted")
                return EXIT_INTERRUPTED
            if _is_user_error(exc):
                _error_line(f"{command}: error: {_cli_message(exc, args)}")
                return EXIT_BAD_INPUT
            detail = _one_line(str(exc))[:300]
            _error_line(f"{command}: internal error: {type(exc).__name__}{': ' + detail if detail else ''} "
                        "(a bug in topicmf; run with --debug for the traceback)")
            return EXIT_INTERNAL_ERROR


def entry() -> None:
    """The ``topicmf`` command (and ``python -m topicmf``): :func:`main`, then exit with its code.

    After Ctrl-C (exit 130) the process ends without interpreter finalisation
    (``os._exit``, once stdout, stderr and logging are flushed). Under PyTensor a
    native library's teardown aborted an interrupted run there ("Fatal Python error:
    PyThreadState_Get: ... the GIL is released", SIGABRT) in about 1 run in 10 when
    Ctrl-C landed in the first second of a fit; every file of an interrupted run is
    already in its final state by then (outputs are staged and moved into place).
    """
    code = main()
    if code == EXIT_INTERRUPTED:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        logging.shutdown()
        os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
