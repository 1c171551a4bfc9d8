"""The ``topicmf`` command (also ``python -m topicmf``).

``main(argv) -> int`` is what the console script and the tests call. Bad input
(missing file, unknown column, unreadable model) prints one line on stderr and
returns 2, without a traceback. Progress bars go to stderr (``--quiet``
silences them); results go to stdout and to the output folder.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .defaults import N_RESTARTS, N_RESTARTS_SELECT_K

__all__ = ["build_parser", "main"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
FORMATS = ("html", "csv", "md", "xlsx")


class CliError(Exception):
    """A user error: reported as one line, exit code 2."""


def _add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="bundled corpus name, folder of .txt files, or a .csv/.tsv/.jsonl[.gz]/"
                                 ".parquet/.txt file")
    p.add_argument("--text-column", default="text", help="column holding the text (default: text)")
    p.add_argument("--id-column", default=None, help="column of unique ids (default: 'id' when present)")
    p.add_argument("--label-column", default=None, help="column of known classes, for agreement scores")
    p.add_argument("--label-from-folder", action="store_true", help="for a folder: sub-folder name is the label")


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
    return ks


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``topicmf`` command."""
    parser = argparse.ArgumentParser(
        prog="topicmf",
        description="Find topics in a text corpus by sparse non-negative matrix factorization.",
        epilog="Run 'topicmf COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bars or notes on stderr")
        return p

    p = add("demo", "run the whole pipeline on the bundled corpus and write a report")
    p.add_argument("--topics", type=int, default=6, help="number of topics (default: 6)")
    p.add_argument("--out", default="topicmf-demo", help="output folder (default: ./topicmf-demo)")
    p.set_defaults(handler=_cmd_demo)

    p = add("discover", "find topics in your corpus and write the report")
    _add_input_options(p)
    p.add_argument("--topics", type=int, required=True, help="number of topics")
    p.add_argument("--restarts", type=int, default=N_RESTARTS, help=f"random restarts (default: {N_RESTARTS})")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--out", default="topicmf-report", help="output folder (default: ./topicmf-report)")
    p.add_argument("--format", type=_formats, default=["html", "csv"],
                   help="comma list of html,csv,md,xlsx (default: html,csv)")
    p.add_argument("--save-model", default=None, metavar="PATH", help="also save the model file here")
    p.set_defaults(handler=_cmd_discover)

    p = add("transform", "assign topics to new documents with a saved model")
    p.add_argument("model", help="model file written by --save-model or topicmf.save_model")
    _add_input_options(p)
    p.add_argument("--out", required=True, help="output table: .csv, .tsv or .jsonl")
    p.set_defaults(handler=_cmd_transform)

    p = add("info", "print what a model file holds")
    p.add_argument("model", help="model file")
    p.set_defaults(handler=_cmd_info)

    p = add("select-k", "compare numbers of topics by stability, coherence and error")
    _add_input_options(p)
    p.add_argument("--topics", type=_topics_range, default=list(range(4, 31, 2)),
                   help="START:STOP[:STEP] or a comma list (default: 4:30:2)")
    p.add_argument("--restarts", type=int, default=N_RESTARTS_SELECT_K,
                   help=f"restarts per k (default: {N_RESTARTS_SELECT_K})")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: 1)")
    p.add_argument("--out", default="topicmf-select-k", help="output folder (default: ./topicmf-select-k)")
    p.set_defaults(handler=_cmd_select_k)

    p = add("corpora", "list the bundled corpora")
    p.set_defaults(handler=_cmd_corpora)
    return parser


def _note(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message, file=sys.stderr)


def _load(args: argparse.Namespace):
    from .corpora import load_corpus

    return load_corpus(args.input, text_column=args.text_column, id_column=args.id_column,
                       label_column=args.label_column, label_from_folder=args.label_from_folder)


def _print_topics(report) -> None:
    import pandas as pd

    table = report.topics[["topic", "label", "size", "coherence_npmi", "stability", "top_terms"]].copy()
    table = table.rename(columns={"coherence_npmi": "coherence", "top_terms": "top terms"})
    with pd.option_context("display.max_colwidth", 70, "display.width", 200, "display.precision", 3):
        print(table.to_string(index=False))
    s = report.summary()
    line = (f"\n{s['n_topics']} topics in {s['n_documents']:,} documents ({s['n_terms']:,} terms): "
            f"coherence {s['coherence_npmi']:.3f}, diversity {s['topic_diversity']:.3f}, "
            f"stability {s['stability']:.3f}, low-confidence documents {s['n_low_confidence']}")
    if "clustering_nmi" in s:
        line += f"; agreement with labels NMI {s['clustering_nmi']:.3f}, ARI {s['clustering_ari']:.3f}"
    print(line)


def _write(report, out: Path, formats: list[str]) -> list[str]:
    written = []
    out.mkdir(parents=True, exist_ok=True)
    if "html" in formats:
        written.append(report.to_html(out / "report.html"))
    if "csv" in formats:
        written += report.to_csv(out)
    if "md" in formats:
        path = out / "report.md"
        path.write_text(report.to_markdown(), encoding="utf-8")
        written.append(str(path))
    if "xlsx" in formats:
        written.append(report.to_excel(out / "report.xlsx"))
    return written


def _run_discover(args: argparse.Namespace, corpus, n_topics: int, restarts: int, seed: int,
                  out: Path, formats: list[str], save_model: str | None) -> int:
    from .pipeline import discover

    if n_topics < 1:
        raise CliError(f"--topics must be at least 1; got {n_topics}.")
    t0 = time.perf_counter()
    report = discover(corpus, n_topics=n_topics, n_restarts=restarts, random_state=seed,
                      progress=not args.quiet)
    _print_topics(report)
    written = _write(report, out, formats)
    if save_model:
        from .model import save_model as _save

        written.append(_save(report, save_model))
    print(f"\nwrote {len(written)} files to {out}/ in {time.perf_counter() - t0:.1f} s:")
    for path in written:
        print(f"  {path}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from .corpora import load_corpus

    corpus = load_corpus("newsroom")
    _note(args, f"topicmf demo: the bundled corpus, {corpus!r}")
    return _run_discover(args, corpus, args.topics, N_RESTARTS, 0, Path(args.out), ["html", "csv"], None)


def _cmd_discover(args: argparse.Namespace) -> int:
    if args.topics < 1 or args.restarts < 1:
        raise CliError(f"--topics and --restarts must be at least 1; got {args.topics} and {args.restarts}.")
    corpus = _load(args)
    _note(args, f"loaded {corpus!r}")
    return _run_discover(args, corpus, args.topics, args.restarts, args.seed, Path(args.out),
                         args.format, args.save_model)


def _cmd_transform(args: argparse.Namespace) -> int:
    from .model import load_model

    model = load_model(args.model)
    corpus = _load(args)
    table = model.transform_texts(corpus)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        table.to_csv(out, index=False)
    elif suffix == ".tsv":
        table.to_csv(out, index=False, sep="\t")
    elif suffix in (".jsonl", ".ndjson"):
        table.to_json(out, orient="records", lines=True, force_ascii=False)
    else:
        raise CliError(f"--out must end in .csv, .tsv or .jsonl; got {str(out)!r}.")
    counts = table["topic_label"].value_counts()
    print(f"{len(table):,} documents scored with {args.model}; "
          f"{int(table['low_confidence'].sum())} low-confidence; written to {out}")
    for label, n in counts.items():
        print(f"  {n:>6}  {label}")
    return EXIT_OK


def _cmd_info(args: argparse.Namespace) -> int:
    from .model import FORMAT_NAME, load_model

    model = load_model(args.model)  # checks the manifest; reads the file once
    nmf = model.nmf
    print(f"topicmf model file {args.model}")
    print(f"  format {FORMAT_NAME} v{model.info['format_version']}, created {model.info.get('created')}, "
          f"topicmf {model.info.get('written_by')}")
    for key in ("corpus", "n_documents", "coherence_npmi"):
        if key in model.info:
            print(f"  trained {key}: {model.info[key]}")
    print(f"  vocabulary: {len(model.vectorizer.vocabulary_):,} terms (stemmer {model.vectorizer.stemmer}, "
          f"min_df {model.vectorizer.min_df}, max_df {model.vectorizer.max_df})")
    print(f"  factorization: {model.n_topics} topics, optimizer {nmf.optimizer}, "
          f"{len(nmf.restart_losses_)} restarts (best {nmf.best_restart_}), "
          f"L1 W/H {nmf.l1_W}/{nmf.l1_H}, L2 W/H {nmf.l2_W}/{nmf.l2_H}")
    print("  topics:")
    for t, label in enumerate(model.labels):
        print(f"    {t:>3}  {label}")
    return EXIT_OK


def _cmd_select_k(args: argparse.Namespace) -> int:
    from .select import select_k

    corpus = _load(args)
    _note(args, f"loaded {corpus!r}")
    sel = select_k(corpus, args.topics, n_restarts=args.restarts, random_state=args.seed,
                   n_jobs=args.jobs, progress=not args.quiet)
    out = Path(args.out)
    written = sel.write(out)
    import pandas as pd

    with pd.option_context("display.width", 200, "display.precision", 3):
        print(sel.table.to_string(index=False))
    print()
    print(sel.explain())
    print(f"\nwrote {len(written)} files to {out}/:")
    for path in written:
        print(f"  {path}")
    return EXIT_OK


def _cmd_corpora(args: argparse.Namespace) -> int:
    from .corpora import list_corpora

    for row in list_corpora().itertuples():
        print(f"{row.name}: {row.n_documents} documents; labels: {row.labels}")
        print(f"    {row.description}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``topicmf`` command; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if args.version:
        from . import __version__

        print(f"topicmf {__version__}")
        return EXIT_OK
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    logging.basicConfig(level=logging.WARNING if not args.quiet else logging.ERROR,
                        format="topicmf: %(message)s")
    try:
        return args.handler(args)
    except (CliError, FileNotFoundError, ValueError, LookupError, ImportError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"topicmf {args.command}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"topicmf {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
