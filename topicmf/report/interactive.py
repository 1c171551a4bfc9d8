"""The interactive report: one self-contained HTML file, no network, no library.

A 2D map of the topics (classical MDS on ``1 - cosine`` between rows of H, circles
sized by share), each topic's terms with a relevance slider as in LDAvis
(Sievert and Shirley, 2014: ``lambda * log p(w|t) + (1 - lambda) * log(p(w|t) / p(w))``),
topics over time and per class when the corpus has a date column or class columns,
and a sortable, searchable table of each topic's best documents.

Safety: every piece of data is JSON inside ``<script type="application/json">``
with ``<``, ``>``, ``&`` (and U+2028/U+2029) written as ``\\u003c``..., so no text can
close the tag; the page's script (plain SVG + vanilla JS, written here) reads it with
``JSON.parse`` and puts text in the page only through ``textContent``; no event
handler is built from data, and a Content-Security-Policy allows no network and no
script but this one (by its SHA-256).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..defaults import RELEVANCE_LAMBDA
from ..metrics import cosine_rows
from ..model.topics import term_marginal
from . import over_time
from .pyldavis import normalize_rows
from .tables import snippet
from .writers import _write_text

if TYPE_CHECKING:  # pragma: no cover
    from .report import TopicReport

__all__ = [
    "DOCUMENTS_PER_TOPIC",
    "MAX_PERIODS",
    "MIN_PERIOD_DOCUMENTS",
    "N_RELEVANCE_TERMS",
    "interactive_data",
    "json_for_html",
    "topic_map",
    "write_interactive_html",
]

#: Documents per topic in the page's document table (each topic's best).
DOCUMENTS_PER_TOPIC = 50
#: Terms shown per topic in the relevance view.
N_RELEVANCE_TERMS = 30
#: The over-time chart uses the finest of day, week, month, quarter, year with at most this many
#: periods and at least MIN_PERIOD_DOCUMENTS documents per period on average.
MAX_PERIODS = 60
MIN_PERIOD_DOCUMENTS = 20
#: Class columns charted (the first ones found).
MAX_CLASS_COLUMNS = 3
_LAMBDAS = np.linspace(0.0, 1.0, 11)
_FREQS = ("D", "W", "M", "Q", "Y")


def json_for_html(data: Any) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element: ``<``, ``>``, ``&``,
    U+2028 and U+2029 are written as ``\\u`` escapes (JSON.parse gives them back)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def _num(x: Any, digits: int = 5) -> float | None:
    if x is None:
        return None
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


def _text(x: Any) -> str | float | int | None:
    if x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and math.isnan(x)):
        return None
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return _num(x)
    return str(x)


def topic_map(H: np.ndarray) -> np.ndarray:
    """2D positions of the topics, shape (n_topics, 2), in [-1, 1]: classical MDS on the
    distances ``1 - cosine`` between rows of H (similar topics close together)."""
    H = np.asarray(H, dtype=np.float64)
    k = H.shape[0]
    if k < 2:
        return np.zeros((k, 2))
    D = np.clip(1.0 - cosine_rows(H, H), 0.0, 2.0)
    J = np.eye(k) - 1.0 / k
    B = -0.5 * J @ (D**2) @ J
    vals, vecs = np.linalg.eigh((B + B.T) / 2)
    order = np.argsort(vals)[::-1][:2]
    xy = vecs[:, order] * np.sqrt(np.maximum(vals[order], 0.0))
    if xy.shape[1] < 2:
        xy = np.hstack([xy, np.zeros((k, 2 - xy.shape[1]))])
    for j in range(2):  # a deterministic sign: the largest coordinate is positive
        if xy[np.argmax(np.abs(xy[:, j])), j] < 0:
            xy[:, j] = -xy[:, j]
    scale = np.abs(xy).max()
    return xy / scale if scale > 0 else xy


def _relevance_terms(P: np.ndarray, p_w: np.ndarray, n: int) -> list[np.ndarray]:
    """Per topic, the terms that are among its ``n`` most relevant for some lambda in 0, 0.1, ..., 1."""
    out = []
    with np.errstate(divide="ignore"):
        logp = np.log(P)
        lift = logp - np.log(np.maximum(p_w, 1e-300))
    for t in range(P.shape[0]):
        keep: set[int] = set()
        positive = np.flatnonzero(P[t] > 0)
        for lam in _LAMBDAS:
            score = lam * logp[t, positive] + (1 - lam) * lift[t, positive]
            best = positive[np.argsort(-score, kind="stable")[:n]]
            keep.update(int(j) for j in best)
        out.append(np.array(sorted(keep), dtype=np.int64))
    return out


def _choose_freq(periods_daily: pd.Series) -> str | None:
    """The finest of day, week, month, quarter, year with at most MAX_PERIODS periods, at
    least two, and MIN_PERIOD_DOCUMENTS documents per period on average; failing that the
    coarsest with at least two periods (None without dates)."""
    days = periods_daily.dropna()
    if days.empty:
        return None
    first, last = days.min().start_time, days.max().start_time
    counts = {freq: len(pd.period_range(first, last, freq=freq)) for freq in _FREQS}
    fits = [f for f in _FREQS if counts[f] <= MAX_PERIODS]
    good = [f for f in fits if counts[f] >= 2 and len(days) / counts[f] >= MIN_PERIOD_DOCUMENTS]
    several = [f for f in fits if counts[f] >= 2]
    return good[0] if good else (several[-1] if several else "Y")


def _grouped(table: pd.DataFrame, group: str, k: int) -> dict[str, Any]:
    values = table[group].drop_duplicates().tolist()
    firsts = table.drop_duplicates(group)
    return {
        "values": [str(v) for v in values],
        "documents": [int(x) for x in firsts["group_documents"]],
        "share": [[_num(x) for x in table.loc[table["topic"] == t, "share"]] for t in range(k)],
        "top_terms": [[", ".join(str(s).split(", ")[:5]) for s in table.loc[table["topic"] == t, "top_terms"]]
                      for t in range(k)],
    }


def interactive_data(report: TopicReport, documents_per_topic: int = DOCUMENTS_PER_TOPIC) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-able data (see the module docstring)."""
    s = report.summary()
    W, H, X = report.W, report.H, sp.csr_matrix(report.X)
    k = H.shape[0]
    P = normalize_rows(H)
    col_mass = np.asarray(X.sum(axis=0)).ravel()
    total_mass = float(col_mass.sum()) or 1.0
    marginal = term_marginal(report.vectorizer, X.shape[1])  # the p(w) of the tables' relevance order
    p_w = col_mass / total_mass if marginal is None else marginal
    keep = _relevance_terms(P, p_w, N_RELEVANCE_TERMS)
    # the corpus' attribution to each topic of its relevance terms only (never topics x terms dense)
    attributed = over_time.attributed_terms(X, W, H, keep)
    used = np.unique(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.int64)
    position = {int(j): i for i, j in enumerate(used)}
    xy = topic_map(H)
    topics_table = report.topics.set_index("topic").sort_index()
    weight_share = W.sum(axis=0) / max(float(W.sum()), 1e-300)
    topics = []
    for t in range(k):
        row = topics_table.loc[t]
        topics.append({
            "id": t, "label": str(row["topic_label"]), "size": int(row["size"]), "share": _num(row["share"]),
            "weight_share": _num(weight_share[t]), "coherence": _num(row["coherence_npmi"]),
            "stability": _num(row["stability"]), "top_terms": str(row["top_terms"]),
            "x": _num(xy[t, 0], 4), "y": _num(xy[t, 1], 4),
            "terms": [[position[int(j)], _num(P[t, j], 7), _num(a, 5)] for j, a in zip(keep[t], attributed[t])],
        })
    data: dict[str, Any] = {
        "meta": {
            "corpus": str(s["corpus"]), "n_documents": int(s["n_documents"]), "n_terms": int(s["n_terms"]),
            "n_topics": k, "coherence": _num(s["coherence_npmi"]), "stability": _num(s["stability"]),
            "relative_error": _num(s["relative_error"]), "n_low_confidence": int(s["n_low_confidence"]),
            "version": str(s["versions"].get("topicmf", "")),
        },
        "topics": topics,
        "terms": {"labels": [str(report.term_labels[j]) for j in used],
                  "p": [_num(p_w[j], 8) for j in used], "total": [_num(col_mass[j], 5) for j in used]},
        "time": None,
        "classes": [],
    }
    time_column = over_time.find_time_column(report.corpus)
    extra_columns: list[str] = []
    if time_column is not None:
        raw = over_time._metadata_column(report.corpus, time_column, "to_interactive_html")
        freq = _choose_freq(over_time.period_values(raw, "D"))
        if freq is not None:
            table = report.topics_over_time(time_column, freq)
            data["time"] = {"column": time_column, "freq": freq, **_grouped(table, "period", k)}
            extra_columns.append(time_column)
    for column in over_time.find_class_columns(report.corpus)[:MAX_CLASS_COLUMNS]:
        table = report.topics_per_class(column)
        data["classes"].append({"column": column, **_grouped(table, column, k)})
        if column != "label":
            extra_columns.append(column)
    data["documents"] = _documents(report, documents_per_topic, extra_columns)
    return data


def _documents(report: TopicReport, per_topic: int, extra_columns: list[str]) -> dict[str, Any]:
    """Each topic's best documents (once each), with their dominant topic and metadata."""
    best = report.top_documents_for(per_topic)
    dt = report.document_topics.reset_index(drop=True)
    rows_of = {doc_id: i for i, doc_id in enumerate(report.corpus.ids)}
    picked = sorted({rows_of[d] for d in best["document_id"]})
    has_label = report.corpus.labels is not None
    columns = ["document", "topic", "topic_label", "share", *(["label"] if has_label else []), *extra_columns,
               "text"]
    rows = []
    for i in picked:
        r = dt.iloc[i]
        values = [report.corpus.ids[i], int(r["topic"]), str(r["topic_label"]), _num(r["share"], 3)]
        if has_label:
            values.append(report.corpus.labels[i])  # type: ignore[index]
        values += [_text(report.corpus.metadata[c].iloc[i]) for c in extra_columns]
        values.append(snippet(report.corpus.texts[i]))
        rows.append(values)
    return {"columns": columns, "rows": rows, "per_topic": per_topic}


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
            "img-src data:; base-uri 'none'; form-action 'none'")


def interactive_html(report: TopicReport) -> str:
    """The page as one string (see :func:`write_interactive_html`)."""
    data = interactive_data(report)
    esc = html.escape
    title = f"Topics of {data['meta']['corpus']}"
    return "".join([
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{_csp(_SCRIPT)}\">",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>",
        _BODY,
        f"<script type='application/json' id='topicmf-data'>{json_for_html(data)}</script>",
        f"<script>{_SCRIPT}</script></body></html>",
    ])


def write_interactive_html(report: TopicReport, path: str | Path) -> str:
    """Write the interactive, self-contained HTML report (atomically); return its path.

    Parameters
    ----------
    report : TopicReport
    path : str or Path
        Its folder is created if needed; a symbolic link there is replaced, not followed.
    """
    return _write_text(path, interactive_html(report))


_STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
main{max-width:1240px;margin:0 auto;padding:18px 24px 48px}
h1{font-size:24px;margin:4px 0 2px}h2{font-size:16px;margin:0 0 8px}
.sub{color:#52606d;margin:0 0 14px;font-size:14px}
.grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:14px;margin-bottom:14px}
.panel{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:12px 14px;min-width:0}
.panel.wide{grid-column:1 / span 2}
svg{display:block;width:100%;height:auto}svg text{font-size:11px;fill:#1f2933}
.controls{display:flex;gap:12px;align-items:center;flex-wrap:wrap;font-size:13px;margin:0 0 8px}
select,input[type=search]{font-size:13px;padding:3px 6px}
.topic-circle{cursor:pointer}.topic-circle:hover circle{stroke:#102a43;stroke-width:2}
.note{color:#52606d;font-size:12px;margin:6px 0 0}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{border-bottom:1px solid #e4e7eb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef2f7;cursor:pointer;user-select:none;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}.cards{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:14px}
.card{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:6px 10px;font-size:12px;color:#52606d}
.card b{display:block;font-size:16px;color:#1f2933}.empty{color:#7b8794;font-size:13px}
"""

_BODY = """<main>
<h1 id="title">Topic report</h1><p class="sub" id="subtitle"></p>
<div class="cards" id="cards"></div>
<div class="grid">
 <section class="panel"><h2>Topic map</h2>
  <div class="controls"><label for="topic-select">Topic</label><select id="topic-select"></select></div>
  <svg id="map" viewBox="0 0 560 440" role="img" aria-label="map of topics"></svg>
  <p class="note">Circles are topics, their area the share of documents they dominate; close circles
  have similar term weights (classical MDS on 1 - cosine). Click a circle to select a topic.</p></section>
 <section class="panel"><h2 id="terms-title">Terms</h2>
  <div class="controls"><label for="lambda">relevance &lambda; = <span id="lambda-value">__LAMBDA__</span></label>
   <input type="range" id="lambda" min="0" max="1" step="0.05" value="__LAMBDA__"></div>
  <svg id="terms" viewBox="0 0 560 500" role="img" aria-label="terms of the selected topic"></svg>
  <p class="note">Relevance = &lambda; log p(w|t) + (1 - &lambda;) log(p(w|t) / p(w)): &lambda; = 1 ranks by
  weight in the topic, small &lambda; by lift (terms special to it). Blue: the topic's part of the
  term's TF-IDF mass; grey: the term's mass in the whole corpus.</p></section>
 <section class="panel" id="time-panel"><h2 id="time-title">Over time</h2>
  <svg id="time" viewBox="0 0 560 260" role="img" aria-label="topic share over time"></svg>
  <p class="note" id="time-note"></p></section>
 <section class="panel" id="class-panel"><h2>Per class</h2>
  <div class="controls"><label for="class-select">Column</label><select id="class-select"></select></div>
  <svg id="classes" viewBox="0 0 560 260" role="img" aria-label="topic share per class"></svg>
  <p class="note" id="class-note"></p></section>
 <section class="panel wide"><h2>Documents</h2>
  <div class="controls"><input type="search" id="search" placeholder="search documents" aria-label="search">
   <label><input type="checkbox" id="only-topic" checked> only the selected topic's documents</label>
   <span id="doc-count"></span></div>
  <table id="docs"><thead></thead><tbody></tbody></table></section>
</div></main>"""

_SCRIPT = r"""
(function () {
  "use strict";
  // the SVG namespace name (an identifier, never fetched), split so the file holds no URL
  var NS = "http" + "://www.w3.org/2000/svg";
  window.addEventListener("error", function (e) { document.body.dataset.error = String(e.message); });
  var data = JSON.parse(document.getElementById("topicmf-data").textContent);
  var topics = data.topics, terms = data.terms;
  var state = {topic: 0, lambda: __LAMBDA__, sortColumn: -1, sortDown: true};
  var byShare = topics.slice().sort(function (a, b) { return b.size - a.size || a.id - b.id; });
  if (byShare.length) { state.topic = byShare[0].id; }

  function el(name, attrs, text) {
    var node = document.createElement(name);
    setAttrs(node, attrs);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function svg(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    setAttrs(node, attrs);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) { return; }
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function fmt(x, digits) { return x === null || x === undefined ? "" : Number(x).toFixed(digits); }
  function pct(x) { return x === null || x === undefined ? "" : (100 * x).toFixed(1) + "%"; }
  function name(t) { return t + ": " + topics[t].label; }

  function header() {
    var m = data.meta;
    document.getElementById("title").textContent = "Topics of " + m.corpus;
    document.getElementById("subtitle").textContent = m.n_topics + " topics in " +
      m.n_documents.toLocaleString() + " documents (" + m.n_terms.toLocaleString() + " terms), topicmf " + m.version;
    var cards = document.getElementById("cards");
    [["coherence (NPMI)", fmt(m.coherence, 3)], ["stability", fmt(m.stability, 3)],
     ["relative error", fmt(m.relative_error, 3)], ["low-confidence documents", m.n_low_confidence]]
      .forEach(function (pair) {
        var card = el("div", {"class": "card"}, pair[0]);
        card.appendChild(el("b", null, pair[1]));
        cards.appendChild(card);
      });
    var select = document.getElementById("topic-select");
    byShare.forEach(function (tp) { select.appendChild(el("option", {value: tp.id}, name(tp.id))); });
    select.addEventListener("change", function () { choose(Number(select.value)); });
  }

  // circles at their MDS places, then nudged apart (a few deterministic passes) so none hides another
  function layout(W, H, pad, maxShare) {
    var spots = topics.map(function (tp) {
      return {x: W / 2 + (tp.x || 0) * (W / 2 - pad), y: H / 2 - (tp.y || 0) * (H / 2 - pad),
              r: 6 + 34 * Math.sqrt(maxShare > 0 ? (tp.share || 0) / maxShare : 0)};
    });
    var gap = topics.length <= 12 ? 36 : 3;  // room for the names written under the circles
    for (var pass = 0; pass < 200; pass++) {
      var moved = false;
      for (var i = 0; i < spots.length; i++) {
        for (var j = i + 1; j < spots.length; j++) {
          var a = spots[i], b = spots[j], dx = b.x - a.x, dy = b.y - a.y;
          var d = Math.sqrt(dx * dx + dy * dy), need = a.r + b.r + gap;
          if (d >= need) { continue; }
          if (d < 1e-6) { dx = 1; dy = (j - i) % 2 ? 1 : -1; d = Math.sqrt(2); }
          var push = (need - d) / 2;
          a.x -= dx / d * push; a.y -= dy / d * push; b.x += dx / d * push; b.y += dy / d * push;
          moved = true;
        }
      }
      spots.forEach(function (s) {
        s.x = Math.min(W - s.r - 2, Math.max(s.r + 2, s.x));
        s.y = Math.min(H - 22 - s.r, Math.max(s.r + 2, s.y));
      });
      if (!moved) { break; }
    }
    return spots;
  }

  function drawMap() {
    var root = document.getElementById("map");
    clear(root);
    var W = 560, H = 440, pad = 50, maxShare = 0;
    topics.forEach(function (tp) { maxShare = Math.max(maxShare, tp.share || 0); });
    var spots = layout(W, H, pad, maxShare);
    root.appendChild(svg("line", {x1: pad / 2, y1: H / 2, x2: W - pad / 2, y2: H / 2, stroke: "#e4e7eb"}));
    root.appendChild(svg("line", {x1: W / 2, y1: pad / 2, x2: W / 2, y2: H - pad / 2, stroke: "#e4e7eb"}));
    byShare.slice().reverse().forEach(function (tp) {
      var cx = spots[tp.id].x, cy = spots[tp.id].y, r = spots[tp.id].r;
      var g = svg("g", {"class": "topic-circle", "data-topic": tp.id});
      var selected = tp.id === state.topic;
      g.appendChild(svg("circle", {cx: cx, cy: cy, r: r, fill: selected ? "#c0504d" : "#3b6ea5",
        "fill-opacity": selected ? 0.75 : 0.35, stroke: selected ? "#7b1f1c" : "#2c4d75"}));
      g.appendChild(svg("text", {x: cx, y: cy + 4, "text-anchor": "middle", "font-weight": "600"}, tp.id));
      if (topics.length <= 12) {
        var short = tp.label.length > 22 ? tp.label.slice(0, 21) + "\u2026" : tp.label;
        g.appendChild(svg("text", {x: cx, y: cy + r + 12, "text-anchor": "middle", fill: "#52606d"}, short));
      }
      g.appendChild(svg("title", null, name(tp.id) + " (" + pct(tp.share) + " of documents)"));
      g.addEventListener("click", function () { choose(tp.id); });
      root.appendChild(g);
    });
    var sel = topics[state.topic];
    if (sel) {
      root.appendChild(svg("text", {x: 8, y: H - 8}, "selected: " + name(sel.id) + " - " + sel.size +
        " documents, coherence " + fmt(sel.coherence, 3) + ", stability " + fmt(sel.stability, 3)));
    }
  }

  function drawTerms() {
    var root = document.getElementById("terms");
    clear(root);
    var tp = topics[state.topic];
    document.getElementById("terms-title").textContent = "Terms of topic " + name(tp.id);
    var lam = state.lambda;
    var scored = tp.terms.map(function (row) {
      var p = row[1], pw = terms.p[row[0]];
      var rel = lam * Math.log(p) + (1 - lam) * (Math.log(p) - Math.log(Math.max(pw, 1e-300)));
      return {label: terms.labels[row[0]], p: p, part: row[2], total: terms.total[row[0]], rel: rel};
    });
    scored.sort(function (a, b) { return b.rel - a.rel || (a.label < b.label ? -1 : 1); });
    scored = scored.slice(0, 30);
    var left = 130, width = 400, rowH = 16, maxTotal = 0;
    scored.forEach(function (s) { maxTotal = Math.max(maxTotal, s.total || 0, s.part || 0); });
    root.setAttribute("viewBox", "0 0 560 " + (scored.length * rowH + 24));
    scored.forEach(function (s, i) {
      var y = 4 + i * rowH, wTotal = maxTotal > 0 ? width * s.total / maxTotal : 0;
      var wPart = maxTotal > 0 ? width * Math.min(s.part, s.total) / maxTotal : 0;
      root.appendChild(svg("rect", {x: left, y: y, width: wTotal, height: rowH - 4, fill: "#d9e2ec"}));
      root.appendChild(svg("rect", {x: left, y: y, width: wPart, height: rowH - 4, fill: "#3b6ea5"}));
      root.appendChild(svg("text", {x: left - 6, y: y + rowH - 6, "text-anchor": "end"}, s.label));
      var t = svg("title", null, s.label + ": weight in topic " + fmt(s.p, 4) + ", topic's part " +
        fmt(s.part, 2) + " of " + fmt(s.total, 2));
      root.lastChild.appendChild(t);
    });
    root.appendChild(svg("text", {x: left, y: scored.length * rowH + 18, fill: "#52606d"},
      "TF-IDF mass (blue: this topic's part)"));
  }

  function axisTexts(root, labels, x0, x1, y) {
    var n = labels.length, picks = n <= 1 ? [0] : [0, Math.floor((n - 1) / 2), n - 1];
    picks.forEach(function (i, j) {
      var x = n <= 1 ? x0 : x0 + (x1 - x0) * i / (n - 1);
      root.appendChild(svg("text", {x: x, y: y, "text-anchor": j === 0 ? "start" : (j === 2 ? "end" : "middle"),
        fill: "#52606d"}, labels[i]));
    });
  }

  function drawTime() {
    var panel = document.getElementById("time-panel"), root = document.getElementById("time");
    clear(root);
    if (!data.time) {
      root.style.display = "none";
      document.getElementById("time-note").textContent = "The corpus has no date column.";
      panel.classList.add("empty");
      return;
    }
    var T = data.time, n = T.values.length, x0 = 40, x1 = 545, y0 = 225, y1 = 12, top = 0;
    var per = {D: "day", W: "week", M: "month", Q: "quarter", Y: "year"}[T.freq] || T.freq;
    document.getElementById("time-title").textContent = "Over time (" + T.column + ", per " + per + ")";
    T.share.forEach(function (row) { row.forEach(function (v) { top = Math.max(top, v || 0); }); });
    top = top > 0 ? top : 1;
    function px(i) { return n <= 1 ? (x0 + x1) / 2 : x0 + (x1 - x0) * i / (n - 1); }
    function py(v) { return y0 - (y0 - y1) * (v || 0) / top; }
    root.appendChild(svg("line", {x1: x0, y1: y0, x2: x1, y2: y0, stroke: "#9aa5b1"}));
    root.appendChild(svg("text", {x: 2, y: y1 + 4, fill: "#52606d"}, pct(top)));
    root.appendChild(svg("text", {x: 2, y: y0, fill: "#52606d"}, "0"));
    T.share.forEach(function (row, t) {
      if (t === state.topic) { return; }
      var pts = row.map(function (v, i) { return px(i) + "," + py(v); }).join(" ");
      root.appendChild(svg("polyline", {points: pts, fill: "none", stroke: "#cbd2d9", "stroke-width": 1}));
    });
    var mine = T.share[state.topic] || [];
    root.appendChild(svg("polyline", {points: mine.map(function (v, i) { return px(i) + "," + py(v); }).join(" "),
      fill: "none", stroke: "#c0504d", "stroke-width": 2.5}));
    mine.forEach(function (v, i) {
      var dot = svg("circle", {cx: px(i), cy: py(v), r: 3, fill: "#c0504d"});
      dot.appendChild(svg("title", null, T.values[i] + ": " + pct(v) + " of " + T.documents[i] +
        " documents; terms: " + T.top_terms[state.topic][i]));
      root.appendChild(dot);
    });
    axisTexts(root, T.values, x0, x1, 248);
    document.getElementById("time-note").textContent = "Share of each period's documents whose dominant " +
      "topic is " + name(state.topic) + " (red; other topics grey). Hover a point for the period's top terms.";
  }

  function drawClasses() {
    var root = document.getElementById("classes"), select = document.getElementById("class-select");
    clear(root);
    if (!data.classes.length) {
      root.style.display = "none";
      select.style.display = "none";
      document.getElementById("class-note").textContent = "The corpus has no class columns.";
      return;
    }
    var C = data.classes[Number(select.value || 0)], mine = C.share[state.topic], n = C.values.length;
    var left = 120, width = 400, rowH = Math.max(14, Math.min(24, 230 / Math.max(n, 1)));
    root.setAttribute("viewBox", "0 0 560 " + (n * rowH + 26));
    mine.forEach(function (v, i) {
      var y = 4 + i * rowH;
      root.appendChild(svg("rect", {x: left, y: y, width: width, height: rowH - 4, fill: "#eef2f7"}));
      var bar = svg("rect", {x: left, y: y, width: width * (v || 0), height: rowH - 4, fill: "#c0504d"});
      bar.appendChild(svg("title", null, C.values[i] + ": " + pct(v) + " of " + C.documents[i] +
        " documents; terms: " + C.top_terms[state.topic][i]));
      root.appendChild(bar);
      root.appendChild(svg("text", {x: left - 6, y: y + rowH - 7, "text-anchor": "end"}, C.values[i]));
      root.appendChild(svg("text", {x: left + width * (v || 0) + 4, y: y + rowH - 7, fill: "#52606d"}, pct(v)));
    });
    document.getElementById("class-note").textContent = "Share of each " + C.column + "'s documents whose " +
      "dominant topic is " + name(state.topic) + ". Hover a bar for the class's own top terms of the topic.";
  }

  function drawDocs() {
    var D = data.documents, table = document.getElementById("docs");
    var thead = table.tHead, tbody = table.tBodies[0];
    clear(thead);
    clear(tbody);
    var tr = el("tr");
    D.columns.forEach(function (c, j) {
      var th = el("th", {scope: "col"}, c + (state.sortColumn === j ? (state.sortDown ? " \u25bc" : " \u25b2") : ""));
      th.addEventListener("click", function () {
        state.sortDown = state.sortColumn === j ? !state.sortDown : true;
        state.sortColumn = j;
        drawDocs();
      });
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    var query = document.getElementById("search").value.toLowerCase();
    var only = document.getElementById("only-topic").checked;
    var topicCol = D.columns.indexOf("topic");
    var rows = D.rows.filter(function (row) {
      if (only && row[topicCol] !== state.topic) { return false; }
      if (!query) { return true; }
      return row.some(function (v) { return v !== null && String(v).toLowerCase().indexOf(query) >= 0; });
    });
    var shareCol = D.columns.indexOf("share");
    var col = state.sortColumn >= 0 ? state.sortColumn : shareCol, down = state.sortColumn >= 0 ? state.sortDown : true;
    rows.sort(function (a, b) {
      var x = a[col], y = b[col];
      if (x === y) { return 0; }
      if (x === null) { return 1; }
      if (y === null) { return -1; }
      var cmp = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
      return down ? -cmp : cmp;
    });
    var shown = rows.slice(0, 200);
    shown.forEach(function (row) {
      var r = el("tr");
      row.forEach(function (v) {
        r.appendChild(el("td", typeof v === "number" ? {"class": "num"} : null, v === null ? "" : v));
      });
      tbody.appendChild(r);
    });
    document.getElementById("doc-count").textContent = rows.length + " documents" +
      (rows.length > shown.length ? " (first " + shown.length + " shown)" : "") +
      " - each topic's " + D.per_topic + " best documents are included";
  }

  function choose(t) {
    state.topic = t;
    document.getElementById("topic-select").value = String(t);
    drawMap();
    drawTerms();
    drawTime();
    drawClasses();
    drawDocs();
  }

  header();
  var classSelect = document.getElementById("class-select");
  data.classes.forEach(function (c, i) { classSelect.appendChild(el("option", {value: i}, c.column)); });
  classSelect.addEventListener("change", drawClasses);
  var slider = document.getElementById("lambda");
  slider.addEventListener("input", function () {
    state.lambda = Number(slider.value);
    document.getElementById("lambda-value").textContent = state.lambda.toFixed(2);
    drawTerms();
  });
  document.getElementById("search").addEventListener("input", drawDocs);
  document.getElementById("only-topic").addEventListener("change", drawDocs);
  if (topics.length) { choose(state.topic); }
  document.body.dataset.ready = "1";
}());
"""

# the slider starts where the static tables rank terms
_BODY = _BODY.replace("__LAMBDA__", f"{RELEVANCE_LAMBDA:g}")
_SCRIPT = _SCRIPT.replace("__LAMBDA__", f"{RELEVANCE_LAMBDA:g}")
