"""Writers on hostile input: formula injection, Markdown/HTML escaping, Excel layout, safe files."""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import topicmf as tm
from topicmf.report import writers

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
DANGER = tuple("=+-@\t\r\n")
SCRIPT = "<script>alert(1)</script>"
HOSTILE = [SCRIPT, "a|b", "line\nbreak", "`code`"]
CORPUS_NAME = f"reports/{SCRIPT}|name\nwith `tick`"
FORMULA_COLUMN = "=SUM(A1:A9)"  # a metadata column name


def _hostile_frame() -> pd.DataFrame:
    themes = ["bank rates economy growth inflation", "goal match striker league football"]
    rows = []
    for i, p in enumerate(PREFIXES * 2):  # every prefix in each theme
        rows.append({"text": f"{p}lead {themes[i // len(PREFIXES)]}", "id": f"{p}doc{i}",
                     "section": f"{p}label{i}", "source": f"{p}src{i}", FORMULA_COLUMN: f"{p}x{i}",
                     "score": -1.5 - i})
    for j, h in enumerate(HOSTILE):
        rows.append({"text": f"{h} {themes[j % 2]}", "id": f"{h}{j}", "section": h, "source": h,
                     FORMULA_COLUMN: h, "score": float(j)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def hostile():
    """A real report whose ids, text, labels, metadata and corpus name are hostile."""
    corpus = tm.load_corpus(_hostile_frame(), id_column="id", label_column="section")
    corpus = dataclasses.replace(corpus, name=CORPUS_NAME)
    return tm.discover(corpus, n_topics=2, vectorizer=tm.TextVectorizer(), n_top_documents=50)


@pytest.fixture(scope="module")
def hostile_terms():
    """A real report whose term labels (so topic labels and top terms) are hostile."""
    corpus = tm.load_corpus(pd.DataFrame({"text": ["bank rates economy growth"] * 4 +
                                                  ["goal match striker league"] * 4}))
    corpus = dataclasses.replace(corpus, name=CORPUS_NAME)
    vec = tm.TextVectorizer()
    X = vec.fit_transform(corpus)
    model = tm.TopicNMF(2, n_restarts=2, random_state=0).fit(X)
    terms = HOSTILE + ["back\\", "[x](javascript:alert(1))", "&amp;", "*em*"]
    assert len(vec.term_labels_) == len(terms)
    vec.term_labels_ = np.array(terms, dtype=object)
    return tm.TopicReport(corpus, vec, model, X)


@pytest.fixture(scope="module")
def newsroom_report():
    return tm.discover("newsroom", n_topics=6)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


# -- formula injection: CSV ---------------------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_neutralise_formula():
    for p in PREFIXES + ["\n", "\x00", "\uff1d", "\uff0b", "\uff0d", "\uff20"]:
        assert writers.neutralise_formula(p + "1+1") == "'" + p + "1+1"
    for s in ["", "bank / rates", "'=already", " =x", "a=b", "1-2"]:
        assert writers.neutralise_formula(s) == s
    frame = pd.DataFrame({"n": [-1.5, 2.0], "i": [-3, 4], "b": [True, False], "s": ["=a", "ok"],
                          "o": [-7, "-x"], "c": pd.Categorical(["@c", "d"])})
    before = frame.copy()
    out = writers.neutralise_formulas(frame.rename(columns={"s": "+s"}))
    pd.testing.assert_frame_equal(frame, before)  # input unchanged
    assert list(out.columns) == ["n", "i", "b", "'+s", "o", "c"]
    assert out["n"].tolist() == [-1.5, 2.0] and out["i"].tolist() == [-3, 4]  # numbers stay numbers
    assert out["b"].tolist() == [True, False]
    assert out["'+s"].tolist() == ["'=a", "ok"]
    assert out["o"].tolist() == [-7, "'-x"] and out["c"].tolist() == ["'@c", "d"]


def test_csv_neutralises_every_prefix_in_id_text_label_metadata(hostile, tmp_path):
    writers.write_csv(hostile, tmp_path)
    docs = {r["document_id"]: r for r in _read_csv(tmp_path / "document_topics.csv")}
    top = {r["document_id"]: r for r in _read_csv(tmp_path / "top_documents.csv")}
    with open(tmp_path / "document_topics.csv", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert "'" + FORMULA_COLUMN in header and FORMULA_COLUMN not in header
    for i, p in enumerate(PREFIXES * 2):
        doc_id = f"'{p}doc{i}"
        assert doc_id in docs and doc_id in top  # id
        for rows in (docs, top):
            assert rows[doc_id]["label"] == f"'{p}label{i}"  # label
            assert rows[doc_id]["source"] == f"'{p}src{i}"  # metadata
            assert rows[doc_id]["'" + FORMULA_COLUMN] == f"'{p}x{i}"  # metadata under a hostile name
            assert float(rows[doc_id]["score"]) == -1.5 - i  # a negative number stays a number
        snippet = top[doc_id]["snippet"]  # text (snippets are on one line: tab / CR become spaces)
        assert snippet.startswith(f"'{p}lead") if p.strip() else snippet.startswith("lead")
    for name in ("topics", "top_terms", "top_documents", "document_topics"):
        with open(tmp_path / f"{name}.csv", encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(DANGER) or _is_number(cell), (name, cell)


def test_csv_cells_with_line_breaks_stay_one_cell(hostile, tmp_path):
    writers.write_csv(hostile, tmp_path, safe=False)
    back = pd.read_csv(tmp_path / "document_topics.csv", keep_default_na=False)
    assert back["document_id"].tolist() == hostile.document_topics["document_id"].tolist()
    assert "\ry" not in back.columns and (back["score"] < 0).any()


def test_csv_safe_false_keeps_raw_values(hostile, tmp_path):
    writers.write_csv(hostile, tmp_path, safe=False)
    docs = {r["document_id"]: r for r in _read_csv(tmp_path / "document_topics.csv")}
    for i, p in enumerate(PREFIXES * 2):
        row = docs[f"{p}doc{i}"]
        assert row["label"] == f"{p}label{i}" and row["source"] == f"{p}src{i}"
        assert row[FORMULA_COLUMN] == f"{p}x{i}"


def test_report_to_csv_is_safe_by_default(hostile, tmp_path):
    hostile.to_csv(str(tmp_path))
    ids = [r["document_id"] for r in _read_csv(tmp_path / "document_topics.csv")]
    assert "'=doc0" in ids and "=doc0" not in ids
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["corpus"] == CORPUS_NAME  # JSON is not a spreadsheet: unchanged


# -- formula injection: Excel ---------------------------------------------------------------


def _cells(path: Path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def test_excel_neutralises_every_prefix(hostile, tmp_path):
    pytest.importorskip("openpyxl")
    path = writers.write_excel(hostile, tmp_path / "r.xlsx")
    values = set()
    for cell in _cells(Path(path)):
        assert cell.data_type != "f", cell.coordinate
        if isinstance(cell.value, str):
            assert not cell.value.startswith(DANGER), (cell.coordinate, cell.value)
            values.add(cell.value)
        elif isinstance(cell.value, float) and cell.value < 0:
            assert cell.data_type == "n"  # negative numbers are numbers
    for i, p in enumerate(PREFIXES * 2):
        p = p.replace("\r", "\n")  # XML reads a bare CR back as LF
        assert {f"'{p}doc{i}", f"'{p}label{i}", f"'{p}src{i}", f"'{p}x{i}"} <= values
        if p.strip():
            assert any(v.startswith(f"'{p}lead") for v in values)
    assert "'" + FORMULA_COLUMN in values
    assert CORPUS_NAME in values  # the summary sheet, no formula start: unchanged


def test_excel_safe_false_keeps_raw_text_but_never_a_formula(hostile, tmp_path):
    pytest.importorskip("openpyxl")
    path = writers.write_excel(hostile, tmp_path / "r.xlsx", safe=False)
    cells = list(_cells(Path(path)))
    values = {c.value for c in cells}
    for i, p in enumerate(PREFIXES * 2):
        p = p.replace("\r", "\n")
        assert {f"{p}doc{i}", f"{p}label{i}", f"{p}src{i}", f"{p}x{i}"} <= values
    assert FORMULA_COLUMN in values
    assert all(c.data_type != "f" for c in cells)  # stored as text, not evaluated


def test_report_to_excel_is_safe_by_default(hostile, tmp_path):
    pytest.importorskip("openpyxl")
    hostile.to_excel(str(tmp_path / "r.xlsx"))
    values = {c.value for c in _cells(tmp_path / "r.xlsx")}
    assert "'=doc0" in values and "=doc0" not in values


# -- Markdown ----------------------------------------------------------------------------------


def _md_cells(line: str) -> list[str]:
    """Split one GFM table row on unescaped pipes; return the cells' literal text."""
    assert line.startswith("| ") and line.endswith(" |"), line
    cells, cur, i = [], "", 1
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            cur += line[i + 1]
            i += 2
            continue
        if ch == "|":
            cells.append(html.unescape(cur.strip()))
            cur = ""
        else:
            cur += ch
        i += 1
    assert cur == "", line
    return cells


def _md_tables(md: str) -> list[list[list[str]]]:
    tables, current = [], None
    for line in md.split("\n"):
        if line.startswith("|"):
            if current is None:
                current = []
                tables.append(current)
            if not re.fullmatch(r"\|(---\|)+", line):
                current.append(_md_cells(line))
        else:
            current = None
    return tables


@pytest.mark.parametrize("which", ["hostile", "hostile_terms"])
def test_markdown_escapes_every_cell(which, request):
    report = request.getfixturevalue(which)
    md = report.to_markdown()
    assert "<" not in md and ">" not in md  # no raw HTML at all
    if which == "hostile_terms":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md and "a\\|b" in md
    summary, topics = _md_tables(md)
    assert all(len(row) == 2 for row in summary)
    assert len(summary) == 1 + len(writers._summary_lines(report.summary()))
    corpus_row = summary[1]
    assert corpus_row[0] == "corpus" and corpus_row[1].startswith(
        f"{Path(CORPUS_NAME).name}: ".replace("\n", " "))
    assert [row for row in summary if row[0].startswith("relative reconstruction error ||X - WH||")]
    ncols = len(report.topics.columns)
    assert len(topics) == 1 + len(report.topics) and all(len(row) == ncols for row in topics)
    assert topics[0] == list(report.topics.columns)
    for row, (_, expected) in zip(topics[1:], report.topics.iterrows()):
        assert row[1] == expected["topic_label"].replace("\n", " ")  # round trip: literal text kept
        assert row[-1] == expected["top_terms"].replace("\n", " ")
    # no code spans, links, images or raw HTML can start
    for line in md.split("\n"):
        assert not re.search(r"(?<!\\)[`\[<]", line), line


def test_escape_markdown_cell():
    esc = writers.escape_markdown_cell
    assert esc("a|b") == "a\\|b" and esc("x\\") == "x\\\\"
    assert esc("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert esc("one\ntwo\r\nthree\rfour") == "one two three four"
    assert esc("`x`") == "\\`x\\`" and esc("[a](b)") == "\\[a\\](b)" and esc("*e* _f_") == "\\*e\\* \\_f\\_"
    assert esc("coherence_npmi") == "coherence_npmi" and esc(0.5) == "0.5"


def test_markdown_of_a_normal_report_reads_as_before(newsroom_report, tmp_path):
    md = newsroom_report.to_markdown()
    assert md.startswith("# Topic report\n\n| measure | value |\n|---|---|\n| corpus | newsroom")
    assert "| topic | topic_label | size | share | coherence_npmi |" in md
    path = writers.write_markdown(newsroom_report, tmp_path / "sub" / "report.md")
    assert Path(path).read_text(encoding="utf-8") == md


# -- HTML ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["hostile", "hostile_terms"])
def test_html_escapes_hostile_strings(which, request, tmp_path):
    report = request.getfixturevalue(which)
    text = Path(writers.write_html(report, tmp_path / "r.html")).read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    if which == "hostile":
        for h in ("a|b1", "&lt;script&gt;alert(1)&lt;/script&gt;0", html.escape(FORMULA_COLUMN)):
            assert h in text  # ids and metadata names are shown, escaped
    assert "http://" not in text and "https://" not in text


# -- Excel layout -----------------------------------------------------------------------------------


def test_excel_layout(newsroom_report, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = newsroom_report.to_excel(str(tmp_path / "r.xlsx"))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["summary", "topics", "top_terms", "top_documents", "document_topics"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        assert all(w <= 62 for w in widths) and any(w != 13 for w in widths)
        assert all(c.font.b for c in ws[1])
    topics = wb["topics"]
    header = [c.value for c in topics[1]]
    row = {h: c for h, c in zip(header, topics[2])}
    assert row["size"].data_type == "n" and isinstance(row["size"].value, int)
    assert row["coherence_npmi"].data_type == "n" and row["coherence_npmi"].number_format == "0.000"
    widths = {h: topics.column_dimensions[c.column_letter].width for h, c in zip(header, topics[1])}
    assert widths["top_terms"] == 62 and widths["size"] < 12  # fitted, capped at 60 characters
    dt = pd.read_excel(path, sheet_name="document_topics")
    pd.testing.assert_frame_equal(dt, newsroom_report.document_topics, check_dtype=False)


# -- files: symlinks, atomic replacement ----------------------------------------------------------


def _write(kind: str, report, out: Path) -> Path:
    if kind == "csv":
        writers.write_csv(report, out)
        return out / "topics.csv"
    if kind == "xlsx":
        pytest.importorskip("openpyxl")
        return Path(writers.write_excel(report, out / "report.xlsx"))
    if kind == "md":
        return Path(writers.write_markdown(report, out / "report.md"))
    return Path(writers.write_html(report, out / "report.html"))


@pytest.mark.parametrize("kind,name", [("csv", "topics.csv"), ("xlsx", "report.xlsx"),
                                       ("md", "report.md"), ("html", "report.html")])
def test_symlink_at_destination_is_replaced_not_followed(hostile, tmp_path, kind, name):
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n", encoding="utf-8")
    (out / name).symlink_to(Path("..") / "outside.txt")
    (out / "dangling.csv").symlink_to(tmp_path / "missing" / "x")
    written = _write(kind, hostile, out)
    assert outside.read_text(encoding="utf-8") == "precious\n"
    assert written == out / name and not written.is_symlink() and written.is_file()
    assert written.stat().st_size > 0
    assert not list(out.glob(".*.tmp"))


def test_failed_csv_write_keeps_previous_file(hostile, tmp_path, monkeypatch):
    writers.write_csv(hostile, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken_to_csv(self, path_or_buf=None, *args, **kwargs):
        path_or_buf.write("topic,label\n0,half a ")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken_to_csv)
    with pytest.raises(OSError, match="disk full"):
        writers.write_csv(hostile, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # intact, no temp file


def test_failed_excel_write_keeps_previous_file(hostile, tmp_path, monkeypatch):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"previous workbook")

    def broken_save(self, filename):
        filename.write(b"PK\x03\x04 partial")
        raise RuntimeError("boom")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(RuntimeError, match="boom"):
        writers.write_excel(hostile, path)
    assert path.read_bytes() == b"previous workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_written_files_follow_the_umask(hostile, tmp_path):
    old = os.umask(0o027)
    try:
        writers.write_csv(hostile, tmp_path)
    finally:
        os.umask(old)
    for p in tmp_path.iterdir():
        assert p.stat().st_mode & 0o777 == 0o640, p
