"""Writers of a :class:`~topicmf.report.report.TopicReport`: CSV, Markdown, Excel, HTML.

Every writer is safe to point at an untrusted corpus: document ids, text,
labels, metadata (names and values) and the corpus name all reach the output,
so each format escapes them in its own way.

Spreadsheets (CSV and Excel)
    A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab, a carriage
    return or another control character (or a full-width ``＝ ＋ － ＠``) is
    read as a formula by Excel, LibreOffice and Google Sheets ("CSV/formula
    injection"). With ``safe=True``, the default of :func:`write_csv` and
    :func:`write_excel`, such a *text* cell gets a leading single quote
    ``'`` (the OWASP recommendation; see :func:`neutralise_formula`), in the
    header row too. Numbers, booleans and dates are never changed: a negative
    number is a numeric cell, not text. ``safe=False`` writes the text as it
    is. Either way the Excel workbook stores text as text cells, never as
    formulas or error values, and drops the control characters XML cannot
    hold. ``summary.json`` is not a spreadsheet and is written unchanged.
Markdown
    Every table cell is escaped by :func:`escape_markdown_cell`: ``|`` and
    other inline Markdown punctuation are backslash-escaped, ``<``, ``>`` and
    ``&`` become HTML entities, and line breaks become spaces, so a cell can
    neither split the table nor inject HTML, links or images.
HTML
    The report is one self-contained file: figures are embedded as PNG data
    URIs, there are no scripts and no network assets, and every piece of
    document text, metadata, label and the corpus name is HTML-escaped.

Files are written atomically: each output goes to a new temporary file in
its destination folder, which then replaces the destination with
:func:`os.replace`. A failed write leaves the previous file intact and no
temporary file behind, and a destination that is a symbolic link is replaced
by a regular file: the writers never write through a link to a place outside
the output folder.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
import math
import numbers
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .report import TopicReport

__all__ = [
    "escape_markdown_cell",
    "neutralise_formula",
    "neutralise_formulas",
    "to_markdown",
    "write_csv",
    "write_excel",
    "write_html",
    "write_markdown",
]

_TABLES = ("topics", "top_terms", "top_documents", "document_topics")

# -- atomic, symlink-safe files ---------------------------------------------------


def _create_temp(dest: Path) -> tuple[int, Path]:
    """A new, empty regular file beside ``dest``: (open descriptor, path).

    ``O_CREAT | O_EXCL`` never opens an existing file or follows a symbolic
    link, and mode 0o666 lets the umask decide the permissions, as for any
    file the user creates.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = dest.parent / f".{dest.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file beside {dest}")  # pragma: no cover


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file for writing; on success it replaces ``path``.

    Parameters
    ----------
    path : str or Path
        The destination; its folder is created if needed. If it is a symbolic
        link, the link itself is replaced, never its target.
    mode : {"w", "wb"}
        Text (UTF-8, newlines untranslated) or binary.

    Yields
    ------
    file object
        Write the whole content to it. When the ``with`` block raises, the
        temporary file is removed and the destination is left as it was.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(dest)
    try:
        kwargs: dict[str, Any] = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


#: The old private name (kept for callers inside the package).
_atomic_open = atomic_open


def _write_text(path: str | Path, text: str) -> str:
    with atomic_open(path, "w") as fh:
        fh.write(text)
    return str(path)


# -- spreadsheet formulas ------------------------------------------------------------

# OWASP's list (= + - @ tab CR), every other control character (a line feed or
# NUL in front of "=" must not hide it) and the full-width forms some
# spreadsheets (East Asian input) also accept as formula starts.
_FORMULA_START = re.compile("[=+\\-@\x00-\x1f\x7f\uff1d\uff0b\uff0d\uff20]")


def neutralise_formula(value: str) -> str:
    """``value`` made inert in a spreadsheet: a leading ``'`` if it could start a formula.

    A string that begins with ``=``, ``+``, ``-``, ``@``, a tab, a carriage
    return, any other control character or a full-width ``＝ ＋ － ＠`` is
    returned with a single quote in front (the OWASP recommendation against
    CSV/formula injection); any other string is returned unchanged.

    Parameters
    ----------
    value : str

    Returns
    -------
    str

    Examples
    --------
    >>> neutralise_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("bank / rates")
    'bank / rates'
    """
    if value and _FORMULA_START.match(value):
        return "'" + value
    return value


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _neutralise_object(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise_formula(value)
    if _is_missing(value) or isinstance(value, (numbers.Number, np.generic, _dt.date, _dt.time, _dt.timedelta)):
        return value
    return neutralise_formula(str(value))  # lists, dicts, ...: written as their str anyway


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are inert in a spreadsheet.

    Applies :func:`neutralise_formula` to every string in the column names
    and in the text (object, string or categorical) columns; numeric, boolean
    and date columns, and the input, are left unchanged.

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
    """
    out = frame.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
                or pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_timedelta64_dtype(col)):
            continue
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
        out.isetitem(i, col.map(_neutralise_object))
    out.columns = [neutralise_formula(c) if isinstance(c, str) else c for c in out.columns]
    return out


# -- CSV ------------------------------------------------------------------------------


def write_csv(report: TopicReport, directory: str | Path, *, safe: bool = True) -> list[str]:
    """Write the report's tables as CSV files and its summary as JSON.

    Writes ``topics.csv``, ``top_terms.csv``, ``top_documents.csv``,
    ``document_topics.csv`` (UTF-8, comma-separated, a header row, CRLF line
    ends as in RFC 4180, so a cell holding a line break is quoted and stays one
    cell) and ``summary.json``. Each file is written atomically (see the module
    docstring); a file that is a symbolic link is replaced, not followed.

    Parameters
    ----------
    report : TopicReport
    directory : str or Path
        Created if needed.
    safe : bool, default=True
        Prefix every text cell (and column name) that a spreadsheet would
        read as a formula with ``'`` (see :func:`neutralise_formula`).
        ``False`` writes text exactly as it is in the tables.

    Returns
    -------
    list of str
        The paths written, in the order above.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in _TABLES:
        frame = getattr(report, name)
        if safe:
            frame = neutralise_formulas(frame)
        path = out / f"{name}.csv"
        with atomic_open(path, "w") as fh:
            # CRLF rows (RFC 4180): a field holding a bare CR or LF is then quoted, not split
            frame.to_csv(fh, index=False, lineterminator="\r\n")
        paths.append(str(path))
    paths.append(_write_text(out / "summary.json", json.dumps(report.summary(), indent=2)))
    return paths


# -- Markdown ---------------------------------------------------------------------------


def _fmt(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_float_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: f"{v:.3f}")
    return frame


_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# inline Markdown that could split a cell (|), open a code span (`), a link or an
# image ([ ] !), emphasis (* _ ~) or escape the next character (\)
_MD_PUNCTUATION = set("\\`|[]*_~")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def escape_markdown_cell(value: Any) -> str:
    """``str(value)`` as the literal text of one Markdown (GFM) table cell.

    Line breaks become spaces; ``&``, ``<`` and ``>`` become HTML entities (no
    raw HTML, no autolinks); the backslash, the backtick, ``|``, ``[``, ``]``,
    ``*``, ``~`` and ``_`` (except inside a word, as in ``coherence_npmi``)
    are backslash-escaped, so the value cannot end the cell, open a code span,
    a link, an image or emphasis. Leading block markers (``#``, ``>``, ``-``,
    ``1.``) need nothing: a table cell holds inline content only, and each row
    starts with ``|``. Other control characters are dropped and surrounding
    spaces trimmed.

    Parameters
    ----------
    value : object

    Returns
    -------
    str
    """
    text = _LINE_BREAKS.sub(" ", str(value))
    out = []
    for i, ch in enumerate(text):
        if ch in _MD_ENTITIES:
            out.append(_MD_ENTITIES[ch])
        elif ch == "_" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum():
            out.append(ch)  # intraword, as in column names: never emphasis
        elif ch in _MD_PUNCTUATION:
            out.append("\\" + ch)
        elif ch == "\t":
            out.append(" ")
        elif ord(ch) < 32 or ord(ch) == 127:
            continue
        else:
            out.append(ch)
    return "".join(out).strip()


def _md_row(cells: Any) -> str:
    return "| " + " | ".join(escape_markdown_cell(c) for c in cells) + " |"


def to_markdown(report: TopicReport) -> str:
    """The summary and the topic table as Markdown (GitHub tables; no extra dependency).

    Every cell, the column names included, is escaped with
    :func:`escape_markdown_cell`, so corpus names, labels and terms cannot
    break the tables or inject HTML.

    Parameters
    ----------
    report : TopicReport

    Returns
    -------
    str
    """
    s = report.summary()
    lines = ["# Topic report", "", _md_row(["measure", "value"]), "|---|---|"]
    lines += [_md_row(pair) for pair in _summary_lines(s)]
    lines += ["", "## Topics", ""]
    t = _fmt(report.topics)
    lines.append(_md_row(t.columns))
    lines.append("|" + "---|" * len(t.columns))
    lines += [_md_row(row) for row in t.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def write_markdown(report: TopicReport, path: str | Path) -> str:
    """Write :func:`to_markdown` to ``path`` (UTF-8, atomically); return the path.

    Parameters
    ----------
    report : TopicReport
    path : str or Path
        Its folder is created if needed; a symbolic link there is replaced,
        not followed.

    Returns
    -------
    str
    """
    return _write_text(path, to_markdown(report))


def _summary_lines(s: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        ("corpus", f"{Path(str(s['corpus'])).name}: {s['n_documents']:,} documents, {s['n_terms']:,} terms"),
        ("topics", str(s["n_topics"])),
        ("restarts", f"{s['n_restarts']} (best: {s['best_restart']}, {s['n_iter']} iterations)"),
        ("relative reconstruction error ||X - WH|| / ||X||", f"{s['relative_error']:.3f}"),
        ("coherence (NPMI, mean)", "n/a (every topic is empty)" if s["coherence_npmi"] is None
         else f"{s['coherence_npmi']:.3f}"),
        ("coherence (UMass, mean)", f"{s['coherence_umass']:.3f}"),
        ("topic diversity (top 25)", f"{s['topic_diversity']:.3f}"),
        ("stability across restarts (mean)", f"{s['stability']:.3f}"),
        ("zeros in W / H", f"{s['zero_share_W']:.1%} / {s['zero_share_H']:.1%}"),
        ("low-confidence documents", f"{s['n_low_confidence']} (share below {s['low_confidence_threshold']:.2f})"),
    ]
    cleaning = s.get("cleaning")
    if cleaning:
        hits = [f"{r} ({v['documents']} docs)" for r, v in cleaning["rules"].items() if v["documents"]]
        tried = ", ".join(cleaning["rules"])
        rules = ", ".join(hits) if hits else (f"nothing matched ({tried} applied)" if tried else "none")
        top = "; ".join(f"{line!r} ({n})" for line, n in cleaning["top_boilerplate_lines"][:5])
        rows.append(("cleaning", f"{cleaning['characters_removed_share']:.1%} of characters removed; rules: {rules}; "
                                 f"{cleaning['boilerplate_lines']} boilerplate lines in "
                                 f"{cleaning['boilerplate_documents']} documents" + (f", e.g. {top}" if top else "")))
    if s.get("empty_topics") or s.get("duplicate_topics"):
        rows.append(("warning: degenerate topics",
                     f"empty {s.get('empty_topics', [])}, near-identical pairs {s.get('duplicate_topics', [])} "
                     "(penalties too strong or too many topics?)"))
    if "clustering_nmi" in s:
        rows.append(("agreement with labels", f"NMI {s['clustering_nmi']:.3f}, ARI {s['clustering_ari']:.3f}, "
                                              f"purity {s['clustering_purity']:.3f}"))
    return rows


# -- Excel --------------------------------------------------------------------------------

_XLSX_MAX_WIDTH = 60
_XLSX_MAX_TEXT = 32767  # characters Excel holds in a cell
_XLSX_FLOAT_FORMAT = "0.000"
_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0


def _excel_value(value: Any, safe: bool) -> Any:
    """A value openpyxl writes as data: number, bool, date, text or None (empty)."""
    if isinstance(value, np.generic):
        value = value.item()
    if _is_missing(value):
        return None
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:  # Excel has no time zones: UTC wall time
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, (_dt.date, _dt.timedelta)) or (isinstance(value, _dt.time) and value.tzinfo is None):
        return value
    text = _XLSX_ILLEGAL.sub("", value if isinstance(value, str) else str(value))[:_XLSX_MAX_TEXT]
    return neutralise_formula(text) if safe else text


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return len(f"{value:.3f}")
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    return len(str(value))


def _write_sheet(wb: Any, title: str, frame: pd.DataFrame, safe: bool) -> None:
    """One sheet: bold frozen header, autofilter, fitted widths, typed cells."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    header = [_excel_value(str(c), safe) for c in frame.columns]
    columns = [[_excel_value(v, safe) for v in frame.iloc[:, i].tolist()] for i in range(frame.shape[1])]
    for i, values in enumerate(columns):
        width = max([len(header[i])] + [_display_width(v) for v in values])
        ws.column_dimensions[get_column_letter(i + 1)].width = min(width, _XLSX_MAX_WIDTH) + 2
    ncols = max(frame.shape[1], 1)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{len(frame) + 1}"

    bold = Font(bold=True)

    def cell(value: Any, fmt: str | None = None, font: Font | None = None) -> Any:
        c = WriteOnlyCell(ws, value)
        if isinstance(value, str):
            c.data_type = "s"  # text, never a formula ("=...") or an error value ("#N/A")
        if fmt is not None:
            c.number_format = fmt
        if font is not None:
            c.font = font
        return c

    ws.append([cell(h, font=bold) for h in header])
    for row in zip(*columns):
        ws.append([cell(v, _XLSX_FLOAT_FORMAT) if isinstance(v, float)
                   else cell(v) if isinstance(v, str) and v.startswith(("=", "#"))
                   else v
                   for v in row])


def _summary_frame(s: dict[str, Any]) -> pd.DataFrame:
    rows: list[tuple[str, Any]] = []
    for key, value in s.items():
        if isinstance(value, dict):
            rows += [(f"{key}.{k}", v) for k, v in value.items()]
        elif isinstance(value, (list, tuple)):
            rows.append((key, ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in value)))
        else:
            rows.append((key, value))
    return pd.DataFrame(rows, columns=["measure", "value"])


def write_excel(report: TopicReport, path: str | Path, *, safe: bool = True) -> str:
    """Write one ``.xlsx`` workbook: the summary and a sheet per table (needs openpyxl).

    Sheets ``summary`` (every entry of ``report.summary()``, settings and
    versions included, one per row), ``topics``, ``top_terms``,
    ``top_documents`` and ``document_topics``. Each sheet has a bold, frozen
    header row and an autofilter; column widths fit the content (at most 60
    characters); numbers stay numbers, floats shown with 3 decimals. Text is
    always stored as text (never as a formula), without the control
    characters XML cannot hold and cut at Excel's 32,767 characters. The file
    is written atomically (see the module docstring).

    Parameters
    ----------
    report : TopicReport
    path : str or Path
        Its folder is created if needed; a symbolic link there is replaced,
        not followed.
    safe : bool, default=True
        Prefix every text cell (and column name) that a spreadsheet would
        read as a formula with ``'`` (see :func:`neutralise_formula`), so it
        stays inert even when the cell is edited or the sheet exported to CSV.
        ``False`` keeps the text exactly as it is.

    Returns
    -------
    str
        ``path``.
    """
    try:
        import openpyxl
    except ImportError:
        raise ImportError(
            "TopicReport.to_excel needs openpyxl; install it with `python -m pip install openpyxl` "
            "(or `topicmf[excel]`)."
        ) from None
    wb = openpyxl.Workbook(write_only=True)  # rows stream to disk: memory stays flat
    try:
        _write_sheet(wb, "summary", _summary_frame(report.summary()), safe)
        for name in _TABLES:
            _write_sheet(wb, name, getattr(report, name), safe)
        with atomic_open(path, "wb") as fh:
            wb.save(fh)
    except BaseException:
        _discard_workbook(wb)
        raise
    return str(path)


def _discard_workbook(wb: Any) -> None:
    """Best effort: close the sheets of an unsaved write-only workbook, remove their scratch files."""
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is None or not getattr(writer, "out", None) or not isinstance(writer.out, str):
            continue
        for close in (getattr(getattr(ws, "_rows", None), "close", None), writer.close, writer.cleanup):
            if close is not None:
                with suppress(Exception):  # the workbook is being thrown away
                    close()


# -- HTML --------------------------------------------------------------------------------


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
main{max-width:1180px;margin:0 auto;padding:24px 32px 64px}
h1{font-size:26px;margin:8px 0 4px}
h2{font-size:20px;margin:36px 0 10px;border-bottom:2px solid #d9e2ec;padding-bottom:4px}
h3{font-size:16px;margin:22px 0 6px}.sub{color:#52606d;margin:0 0 18px}
table{border-collapse:collapse;font-size:13px;background:#fff;margin:6px 0 12px;width:100%}
th,td{border:1px solid #d9e2ec;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef2f7;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:10px}
.card{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:10px 12px}
.card{overflow-wrap:anywhere}.card .k{color:#52606d;font-size:12px}
.card .v{font-size:17px;font-weight:600;margin-top:2px}
.topic{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:8px 16px 12px;margin:14px 0}
.terms{color:#243b53}.note{color:#52606d;font-size:13px;max-width:900px}
img{max-width:100%;background:#fff;border:1px solid #d9e2ec;border-radius:6px;margin:8px 0}
details{margin:8px 0}code{background:#eef2f7;padding:1px 4px;border-radius:3px}
"""

_EXPLAIN = """
<p class="note"><b>Reading this report.</b> Each topic is a weighted list of terms (a row of H);
each document has a weight for every topic (a row of W). A document's <i>dominant topic</i> is
its heaviest one, and its <i>share</i> (the confidence) is that weight over the document's total;
documents with a share below the threshold are flagged as low confidence.
<b>Coherence</b> (NPMI, from -1 to 1) measures how often a topic's top terms appear in the same
documents of this corpus: above 0 they co-occur more than by chance.
<b>Stability</b> compares this topic with the best-matching topic of every other random restart
(cosine similarity of term weights; 1.0 means every restart found the same topic; a restart
that only serves this comparison stops once its topics stop changing). Topics with
low stability depend on the random start and deserve caution; <i>reproduced</i> counts the
restarts that found it with similarity above 0.8. The <i>relative reconstruction error</i> of
TF-IDF text is typically 0.8-0.97: a few topics summarise, they do not reproduce, every word.</p>
"""


def _table_html(frame: pd.DataFrame) -> str:
    parts = ["<table><thead><tr>"]
    parts += [f"<th>{html.escape(str(c))}</th>" for c in frame.columns]
    parts.append("</tr></thead><tbody>")
    for row in frame.itertuples(index=False):
        parts.append("<tr>")
        for v in row:
            if isinstance(v, float):
                parts.append(f'<td class="num">{v:.3f}</td>')
            elif isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)):
                parts.append(f'<td class="num">{v}</td>')
            else:
                parts.append(f"<td>{html.escape(str(v))}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def write_html(report: TopicReport, path: str | Path) -> str:
    """Write the self-contained HTML report; return its path.

    Every piece of text from the corpus (ids, snippets, labels, metadata
    names and values, the corpus name) and from the model (terms, labels) is
    HTML-escaped; figures are embedded PNGs; there are no scripts and no
    network assets. The file is written atomically (see the module docstring).

    Parameters
    ----------
    report : TopicReport
    path : str or Path
        Its folder is created if needed; a symbolic link there is replaced,
        not followed.

    Returns
    -------
    str
        ``path``.
    """
    s = report.summary()
    figs = report.figures()
    esc = html.escape
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
           "<meta name='viewport' content='width=device-width,initial-scale=1'>",
           f"<title>Topic report: {esc(str(s['corpus']))}</title><style>{_CSS}</style></head><body><main>",
           f"<h1>Topic report</h1><p class='sub'>{esc(str(s['corpus']))}: {s['n_documents']:,} documents, "
           f"{s['n_topics']} topics, made with topicmf {esc(s['versions'].get('topicmf', ''))}</p>",
           "<div class='cards'>"]
    for k, v in _summary_lines(s):
        out.append(f"<div class='card'><div class='k'>{esc(k)}</div><div class='v'>{esc(v)}</div></div>")
    out.append("</div>")
    out.append(_EXPLAIN)
    out.append("<h2>Topics</h2>")
    cols = ["topic", "topic_label", "size", "share", "coherence_npmi", "stability", "n_reproduced", "top_terms"]
    out.append(_table_html(report.topics[cols].rename(columns={
        "topic_label": "name", "coherence_npmi": "coherence (NPMI)", "n_reproduced": "reproduced",
        "top_terms": "top terms"})))
    out.append("<h2>Figures</h2>")
    for name, title in (("topic_sizes", "Topic sizes"), ("top_terms", "Top terms"),
                        ("topic_similarity", "Topic similarity"), ("confidence", "Document confidence")):
        out.append(f"<img alt='{esc(title)}' src='{_png(figs[name])}'>")
    out.append("<h2>Each topic</h2>")
    docs = report.top_documents
    extra = [c for c in docs.columns if c not in ("topic", "rank", "weight", "share")]
    for row in report.topics.itertuples(index=False):
        t = int(row.topic)
        out.append(f"<div class='topic'><h3>Topic {t}: {esc(row.topic_label)}</h3>")
        out.append(f"<p class='sub'>{row.size} documents ({row.share:.1%}), coherence {row.coherence_npmi:.3f}, "
                   f"stability {row.stability:.3f}</p>")
        out.append(f"<p class='terms'><b>Terms:</b> {esc(row.top_terms)}</p>")
        part = docs[docs["topic"] == t]
        if len(part):
            out.append(_table_html(part[["rank", "share"] + extra]))
        out.append("</div>")
    out.append("<h2>Settings and versions</h2><details><summary>show</summary>")
    shown = ("model_settings", "vectorizer_settings", "settings", "versions", "restart_losses")
    out.append(f"<pre>{esc(json.dumps({k: s[k] for k in shown}, indent=2))}</pre>")
    out.append("</details></main></body></html>")
    return _write_text(path, "".join(out))


def write_json(report: TopicReport, path: str | Path) -> str:
    """One JSON document: ``summary`` plus every table as a list of records; returns the path.

    Values are plain JSON (numbers, strings, booleans, null); written atomically.
    """
    def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))

    doc = {
        "summary": report.summary(),
        "topics": records(report.topics),
        "top_terms": records(report.top_terms),
        "top_documents": records(report.top_documents),
        "document_topics": records(report.document_topics.reset_index(drop=True)),
    }
    with atomic_open(path, "w") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1, default=str)
    return str(path)
