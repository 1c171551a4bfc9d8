"""The ``topicmf`` command (also ``python -m topicmf``).

``main(argv) -> int`` is what the console script and the tests call. Bad input
(missing file, unknown column, unreadable model) prints one line on stderr and
returns 2; no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class CliError(Exception):
    """A user error: reported as one line, exit code 2."""


def _add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="bundled corpus name, folder of .txt files, or .csv/.tsv/.jsonl[.gz]/.parquet file")
    p.add_argument("--text-column", default="text", help="column holding the text (default: text)")
    p.add_argument("--id-column", default=None, help="column of unique ids (default: 'id' if present)")
    p.add_argument("--label-column", default=None, help="column of known classes (optional)")
    p.add_argument("--label-from-folder", action="store_true", help="for a folder: sub-folder name is the label")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``topicmf`` command."""
    parser = argparse.ArgumentParser(
        prog="topicmf",
        description="Find topics in a text corpus by sparse non-negative matrix factorization.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars or notes on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("corpora", help="list the bundled corpora")
    p.set_defaults(handler=_cmd_corpora)

    p = sub.add_parser("vectorize", help="load a corpus and print its TF-IDF summary")
    _add_input_options(p)
    p.add_argument("--min-df", type=float, default=2, help="minimum document frequency (default: 2)")
    p.add_argument("--top", type=int, default=20, help="terms to show (default: 20)")
    p.set_defaults(handler=_cmd_vectorize)
    return parser


def _cmd_corpora(args: argparse.Namespace) -> int:
    from .corpora import list_corpora

    table = list_corpora()
    for row in table.itertuples():
        print(f"{row.name}: {row.n_documents} documents; labels: {row.labels}")
        print(f"    {row.description}")
    return EXIT_OK


def _load(args: argparse.Namespace):
    from .corpora import load_corpus

    return load_corpus(
        args.input,
        text_column=args.text_column,
        id_column=args.id_column,
        label_column=args.label_column,
        label_from_folder=args.label_from_folder,
    )


def _cmd_vectorize(args: argparse.Namespace) -> int:
    import numpy as np

    from .vectorize import TextVectorizer

    corpus = _load(args)
    print(corpus.summary())
    min_df = int(args.min_df) if args.min_df >= 1 else args.min_df
    vec = TextVectorizer(min_df=min_df)
    X = vec.fit_transform(corpus)
    print(f"TF-IDF matrix X: {X.shape[0]} documents x {X.shape[1]} terms, {X.nnz:,} non-zeros "
          f"({X.nnz / max(1, X.shape[0] * X.shape[1]):.2%} dense), {vec.n_empty_documents_} empty rows")
    weight = np.asarray(X.sum(axis=0)).ravel()
    order = np.argsort(-weight, kind="stable")[: args.top]
    print("top terms by total TF-IDF weight: " + ", ".join(vec.term_labels_[order]))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``topicmf`` command; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(f"topicmf {__version__}")
        return EXIT_OK
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.handler(args)
    except (CliError, FileNotFoundError, ValueError, LookupError, ImportError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"topicmf {args.command}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
