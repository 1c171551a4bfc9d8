"""Writers of a :class:`~topicmf.report.report.TopicReport`: CSV, Markdown, Excel, HTML.

The HTML report is one self-contained file: figures are embedded as PNG data
URIs, there are no scripts and no network assets, and every piece of document
text and metadata is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import io
import json
import numbers
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .report import TopicReport

__all__ = ["write_csv", "to_markdown", "write_excel", "write_html"]

_TABLES = ("topics", "top_terms", "top_documents", "document_topics")


def write_csv(report: "TopicReport", directory: str | Path) -> list[str]:
    """``topics.csv``, ``top_terms.csv``, ``top_documents.csv``, ``document_topics.csv`` and
    ``summary.json`` in ``directory`` (created if needed). Returns the paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in _TABLES:
        path = out / f"{name}.csv"
        getattr(report, name).to_csv(path, index=False)
        paths.append(str(path))
    path = out / "summary.json"
    path.write_text(json.dumps(report.summary(), indent=2), encoding="utf-8")
    paths.append(str(path))
    return paths


def _fmt(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_float_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: f"{v:.3f}")
    return frame


def _summary_lines(s: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        ("corpus", f"{Path(str(s['corpus'])).name}: {s['n_documents']:,} documents, {s['n_terms']:,} terms"),
        ("topics", str(s["n_topics"])),
        ("restarts", f"{s['n_restarts']} (best: {s['best_restart']}, {s['n_iter']} iterations)"),
        ("relative reconstruction error ||X - WH|| / ||X||", f"{s['relative_error']:.3f}"),
        ("coherence (NPMI, mean)", f"{s['coherence_npmi']:.3f}"),
        ("coherence (UMass, mean)", f"{s['coherence_umass']:.3f}"),
        ("topic diversity (top 25)", f"{s['topic_diversity']:.3f}"),
        ("stability across restarts (mean)", f"{s['stability']:.3f}"),
        ("zeros in W / H", f"{s['zero_share_W']:.1%} / {s['zero_share_H']:.1%}"),
        ("low-confidence documents", f"{s['n_low_confidence']} (share below {s['low_confidence_threshold']:.2f})"),
    ]
    if "clustering_nmi" in s:
        rows.append(("agreement with labels", f"NMI {s['clustering_nmi']:.3f}, ARI {s['clustering_ari']:.3f}, "
                                              f"purity {s['clustering_purity']:.3f}"))
    return rows


def to_markdown(report: "TopicReport") -> str:
    """The summary and the topic table as Markdown (no extra dependency)."""
    s = report.summary()
    lines = ["# Topic report", "", "| measure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in _summary_lines(s)]
    lines += ["", "## Topics", ""]
    t = _fmt(report.topics)
    lines.append("| " + " | ".join(t.columns) + " |")
    lines.append("|" + "---|" * len(t.columns))
    for row in t.itertuples(index=False):
        cells = [str(v).replace("|", "\\|") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_excel(report: "TopicReport", path: str | Path) -> str:
    """One ``.xlsx`` workbook with a sheet per table plus the summary (needs openpyxl)."""
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise ImportError(
            "TopicReport.to_excel needs openpyxl; install it with `python -m pip install openpyxl` "
            "(or `topicmf[excel]`)."
        ) from None
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame(_summary_lines(report.summary()), columns=["measure", "value"]).to_excel(
            xw, sheet_name="summary", index=False)
        for name in _TABLES:
            getattr(report, name).to_excel(xw, sheet_name=name, index=False)
    return str(path)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
main{max-width:1180px;margin:0 auto;padding:24px 32px 64px}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:36px 0 10px;border-bottom:2px solid #d9e2ec;padding-bottom:4px}
h3{font-size:16px;margin:22px 0 6px}.sub{color:#52606d;margin:0 0 18px}
table{border-collapse:collapse;font-size:13px;background:#fff;margin:6px 0 12px;width:100%}
th,td{border:1px solid #d9e2ec;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef2f7;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:10px}
.card{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:10px 12px}
.card{overflow-wrap:anywhere}.card .k{color:#52606d;font-size:12px}.card .v{font-size:17px;font-weight:600;margin-top:2px}
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
(cosine similarity of term weights; 1.0 means every restart found the same topic). Topics with
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


def write_html(report: "TopicReport", path: str | Path) -> str:
    """Write the self-contained HTML report; return its path."""
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
    cols = ["topic", "label", "size", "share", "coherence_npmi", "stability", "n_reproduced", "top_terms"]
    out.append(_table_html(report.topics[cols].rename(columns={
        "coherence_npmi": "coherence (NPMI)", "n_reproduced": "reproduced", "top_terms": "top terms"})))
    out.append("<h2>Figures</h2>")
    for name, title in (("topic_sizes", "Topic sizes"), ("top_terms", "Top terms"),
                        ("topic_similarity", "Topic similarity"), ("confidence", "Document confidence")):
        out.append(f"<img alt='{esc(title)}' src='{_png(figs[name])}'>")
    out.append("<h2>Each topic</h2>")
    docs = report.top_documents
    extra = [c for c in docs.columns if c not in ("topic", "rank", "weight", "share")]
    for row in report.topics.itertuples(index=False):
        t = int(row.topic)
        out.append(f"<div class='topic'><h3>Topic {t}: {esc(row.label)}</h3>")
        out.append(f"<p class='sub'>{row.size} documents ({row.share:.1%}), coherence {row.coherence_npmi:.3f}, "
                   f"stability {row.stability:.3f}</p>")
        out.append(f"<p class='terms'><b>Terms:</b> {esc(row.top_terms)}</p>")
        part = docs[docs["topic"] == t]
        if len(part):
            out.append(_table_html(part[["rank", "share"] + extra]))
        out.append("</div>")
    out.append("<h2>Settings and versions</h2><details><summary>show</summary>")
    out.append(f"<pre>{esc(json.dumps({k: s[k] for k in ('model_settings', 'vectorizer_settings', 'settings', 'versions', 'restart_losses')}, indent=2))}</pre>")
    out.append("</details></main></body></html>")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(out), encoding="utf-8")
    return str(path)
