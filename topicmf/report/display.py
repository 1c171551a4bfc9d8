"""How a report shows itself in Jupyter: a compact summary table and a set of figures.

Everything from the corpus or the model that reaches HTML is escaped.
"""

from __future__ import annotations

import base64
import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .report import TopicReport

__all__ = ["FigureSet", "summary_html", "N_SUMMARY_TERMS", "MAX_SUMMARY_TOPICS"]

#: Terms per topic in the notebook summary.
N_SUMMARY_TERMS = 6
#: Topics listed in the notebook summary (the largest; the rest are counted).
MAX_SUMMARY_TOPICS = 30

_STYLE = ("<style>.topicmf-summary td,.topicmf-summary th{padding:2px 8px;text-align:left}"
          ".topicmf-summary td.n{text-align:right;font-variant-numeric:tabular-nums}</style>")


class FigureSet(dict):
    """The report's figures by name (a ``dict``); in Jupyter it shows them all, titled."""

    def _repr_html_(self) -> str:
        parts = []
        for name, fig in self.items():
            png = fig._repr_png_() if hasattr(fig, "_repr_png_") else None
            if png is None:
                continue
            data = base64.b64encode(png).decode("ascii")
            parts.append(f"<h4>{html.escape(str(name))}</h4>"
                         f"<img alt='{html.escape(str(name))}' src='data:image/png;base64,{data}'>")
        return "".join(parts)


def summary_html(report: TopicReport) -> str:
    """A compact HTML summary: one line of model numbers and the topic table (largest first)."""
    esc = html.escape
    s = report.summary()
    topics = report.topics
    line = (f"<b>{s['n_topics']} topics</b> in {s['n_documents']:,} documents ({s['n_terms']:,} terms) of "
            f"{esc(str(s['corpus']))}: coherence "
            f"{'n/a' if s['coherence_npmi'] is None else format(s['coherence_npmi'], '.3f')}, "
            f"stability {s['stability']:.3f}, "
            f"low-confidence documents {s['n_low_confidence']}")
    if "clustering_nmi" in s:
        line += f", NMI with labels {s['clustering_nmi']:.3f}"
    rows = []
    for row in topics.head(MAX_SUMMARY_TOPICS).itertuples(index=False):
        terms = ", ".join(str(row.top_terms).split(", ")[:N_SUMMARY_TERMS])
        rows.append(f"<tr><td class='n'>{int(row.topic)}</td><td>{esc(str(row.topic_label))}</td>"
                    f"<td class='n'>{int(row.size)}</td><td class='n'>{row.share:.1%}</td>"
                    f"<td class='n'>{row.coherence_npmi:.3f}</td><td class='n'>{row.stability:.3f}</td>"
                    f"<td>{esc(terms)}</td></tr>")
    more = len(topics) - MAX_SUMMARY_TOPICS
    tail = f"<p>... and {more} smaller topics (see <code>report.topics</code>).</p>" if more > 0 else ""
    head = ("<thead><tr><th>topic</th><th>topic_label</th><th>size</th><th>share</th><th>coherence</th>"
            "<th>stability</th><th>top terms</th></tr></thead>")
    return (f"{_STYLE}<div class='topicmf-summary'><p>{line}</p>"
            f"<table>{head}<tbody>{''.join(rows)}</tbody></table>{tail}</div>")

