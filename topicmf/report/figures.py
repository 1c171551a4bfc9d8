"""Report figures (matplotlib ``Figure`` objects; no pyplot state is touched).

Each function takes the report's tables or arrays and returns a new Figure, so
figures work in notebooks, scripts and servers alike and never change inputs.
The figures are :class:`ReportFigure`: a ``Figure`` that also renders itself as PNG
for IPython (``_repr_png_``), so it displays in a fresh Jupyter kernel where pyplot
was never imported (IPython only knows how to show a plain ``Figure`` once the inline
backend is active).
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..metrics import cosine_rows

__all__ = [
    "ReportFigure",
    "similarity_order",
    "top_terms_figure",
    "topic_sizes_figure",
    "topic_similarity_figure",
    "confidence_figure",
    "topics_over_time_figure",
    "topics_per_class_figure",
]

_BLUE = "#3b6ea5"
#: Resolution of a figure rendered for a notebook (``ReportFigure._repr_png_``).
NOTEBOOK_DPI = 80


class ReportFigure(Figure):
    """A matplotlib ``Figure`` that shows itself in Jupyter without pyplot.

    ``_repr_png_`` renders with ``savefig`` (the Agg renderer) into memory; the
    figure and its canvas are not changed. Everything else is ``Figure``.
    """

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=NOTEBOOK_DPI)
        return buf.getvalue()


def similarity_order(S: np.ndarray) -> np.ndarray:
    """An order of the rows of a similarity matrix that puts similar rows together:
    the leaves of average-linkage hierarchical clustering on ``1 - S`` (identity for k < 3)."""
    S = np.asarray(S, dtype=np.float64)
    k = S.shape[0]
    if k < 3:
        return np.arange(k)
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    D = np.clip(1.0 - (S + S.T) / 2.0, 0.0, 2.0)
    np.fill_diagonal(D, 0.0)
    condensed = squareform(D, checks=False)
    Z = linkage(condensed, method="average")
    return np.asarray(leaves_list(optimal_leaf_ordering(Z, condensed)), dtype=np.int64)


def top_terms_figure(top_terms: pd.DataFrame, labels: list[str], n_terms: int = 8, cols: int = 5) -> Figure:
    """A grid of horizontal bar charts: each topic's heaviest terms and weights."""
    topics = sorted(top_terms["topic"].unique())
    k = len(topics)
    cols = max(1, min(cols, k))
    rows = max(1, math.ceil(k / cols))
    fig = ReportFigure(figsize=(3.2 * cols, 0.32 * n_terms * rows + 0.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.ravel()[k:]:
        ax.set_visible(False)
    for ax, t in zip(axes.ravel(), topics):
        part = top_terms[(top_terms["topic"] == t) & (top_terms["rank"] <= n_terms)].sort_values("rank")
        ax.barh(np.arange(len(part))[::-1], part["weight"], color=_BLUE)
        ax.set_yticks(np.arange(len(part))[::-1], part["term"], fontsize=8)
        ax.set_title(f"{t}: {labels[t]}", fontsize=9, loc="left")
        ax.tick_params(axis="x", labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(3))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle("Top terms per topic (weight in H)", fontsize=11)
    return fig


def topic_sizes_figure(topics: pd.DataFrame) -> Figure:
    """Documents per topic (dominant topic), largest first."""
    fig = ReportFigure(figsize=(7, 0.35 * len(topics) + 1.2), layout="constrained")
    ax = fig.subplots()
    names = [f"{t}: {lab}" for t, lab in zip(topics["topic"], topics["topic_label"])]
    y = np.arange(len(topics))[::-1]
    ax.barh(y, topics["size"], color=_BLUE)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel("documents whose dominant topic it is")
    for yy, v in zip(y, topics["size"]):
        ax.text(v, yy, f" {v}", va="center", fontsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("Topic sizes", fontsize=11, loc="left")
    return fig


def topic_similarity_figure(H: np.ndarray, labels: list[str]) -> Figure:
    """Cosine similarity between topics (rows of H): which topics overlap.

    Rows and columns are in :func:`similarity_order` (hierarchical clustering), so
    groups of related topics form blocks on the diagonal; both axes name each topic
    (number and label), values are written in the cells up to 20 topics.
    """
    S = cosine_rows(H, H)
    k = S.shape[0]
    order = similarity_order(S)
    S = S[np.ix_(order, order)]
    size = max(4.0, 0.38 * k + 3.0)
    fontsize = 8 if k <= 20 else 7
    fig = ReportFigure(figsize=(size + 1.2, size), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(S, vmin=0, vmax=1, cmap="Blues")
    names = [f"{t}: {labels[t]}" for t in order]
    ax.set_xticks(np.arange(k), [str(t) for t in order], fontsize=fontsize)
    ax.set_yticks(np.arange(k), names, fontsize=fontsize)
    if k <= 20:
        for i in range(k):
            for j in range(k):
                ax.text(j, i, f"{S[i, j]:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if S[i, j] > 0.6 else "black")
    fig.colorbar(im, ax=ax, shrink=0.6, label="cosine similarity of term weights")
    ax.set_xlabel("topic (ordered by hierarchical clustering)", fontsize=8)
    ax.set_title("Topic similarity", fontsize=11, loc="left")
    return fig


def confidence_figure(document_topics: pd.DataFrame, threshold: float) -> Figure:
    """Distribution of each document's share of its dominant topic (its confidence)."""
    fig = ReportFigure(figsize=(7, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.hist(document_topics["share"], bins=list(np.linspace(0, 1, 21)), color=_BLUE, edgecolor="white")
    ax.axvline(threshold, color="#b03a2e", linestyle="--", label=f"low confidence below {threshold:.2f}")
    ax.set_xlabel("share of the document's topic weight in its dominant topic")
    ax.set_ylabel("documents")
    ax.legend(fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("How clearly documents belong to one topic", fontsize=11, loc="left")
    return fig


def _panel_grid(k: int, cols: int, width: float, height: float, title: str) -> tuple[Figure, np.ndarray]:
    cols = max(1, min(cols, k))
    rows = max(1, math.ceil(k / cols))
    fig = ReportFigure(figsize=(width * cols, height * rows + 0.7), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    for ax in axes.ravel()[k:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=11)
    return fig, axes.ravel()[:k]


def topics_over_time_figure(table: pd.DataFrame, value: str = "share", cols: int = 5) -> Figure:
    """Small multiples, one panel per topic: its ``value`` (``share`` of the period's
    documents it dominates, or ``weight_share``) per period of ``table``
    (:meth:`TopicReport.topics_over_time`). Panels share their axes, so heights compare."""
    topics = sorted(table["topic"].unique())
    fig, axes = _panel_grid(len(topics), cols, 3.0, 1.9, f"Topics over time ({value} of each period's documents)")
    periods = table["period"]
    x = periods.dt.start_time if isinstance(periods.dtype, pd.PeriodDtype) else periods
    top = float(table[value].max()) if len(table) else 1.0
    for ax, t in zip(axes, topics):
        mask = (table["topic"] == t).to_numpy()
        ax.plot(x[mask], table.loc[mask, value], color=_BLUE, marker="o", markersize=2.5, linewidth=1.2)
        ax.fill_between(x[mask], 0, table.loc[mask, value], color=_BLUE, alpha=0.15)
        label = str(table.loc[mask, "topic_label"].iloc[0])
        ax.set_title(f"{t}: {label}", fontsize=8, loc="left")
        ax.tick_params(labelsize=7, labelbottom=True)
        ax.tick_params(axis="x", labelrotation=30)
        ax.set_ylim(0, max(top, 1e-9) * 1.08)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return fig


def topics_per_class_figure(table: pd.DataFrame, column: str, value: str = "share") -> Figure:
    """Heatmap of ``value`` per (topic, class) from :meth:`TopicReport.topics_per_class`:
    which topics each class's documents are about (each class's column sums to 1 for ``share``)."""
    grid = table.pivot(index="topic", columns=column, values=value).sort_index()
    names = table.drop_duplicates("topic").set_index("topic")["topic_label"]
    k, c = grid.shape
    fig = ReportFigure(figsize=(max(5.0, 0.7 * c + 4.0), max(3.0, 0.32 * k + 1.6)), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(grid.to_numpy(), vmin=0, vmax=max(float(np.nanmax(grid.to_numpy())), 1e-9), cmap="Blues",
                   aspect="auto")
    ax.set_xticks(np.arange(c), [str(v) for v in grid.columns], fontsize=8, rotation=30, ha="right")
    ax.set_yticks(np.arange(k), [f"{t}: {names[t]}" for t in grid.index], fontsize=8)
    if k * c <= 400:
        top = float(np.nanmax(grid.to_numpy())) or 1.0
        for i in range(k):
            for j in range(c):
                v = grid.iat[i, j]
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if v > 0.6 * top else "black")
    fig.colorbar(im, ax=ax, shrink=0.8, label=f"{value} of the class's documents")
    ax.set_xlabel(column)
    ax.set_title(f"Topics per {column}", fontsize=11, loc="left")
    return fig
