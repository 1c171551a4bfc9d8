"""How many topics? :func:`select_k` compares k by stability, coherence and error.

For each k, several restarts run (``race="topics"``: the first to convergence, the
others until their topics stop changing). A k whose topics come
back the same from every restart is one the data support (Greene, O'Callaghan
and Cunningham, "How many topics? Stability analysis for topic models", 2014);
coherence and reconstruction error are reported beside it. The corpus is
vectorized once and the Aesara functions compile once for the whole sweep
(their graph does not depend on k).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import metrics
from .corpora import Corpus, load_corpus
from .defaults import COHERENCE_TOLERANCE, N_DIVERSITY_TERMS, N_RESTARTS_SELECT_K, N_TOP_TERMS
from .model.topics import term_scores
from .vectorize import binary_document_term

__all__ = ["KSelection", "select_k", "topic_lineage", "RULE"]

#: The recommendation rule, stated once (used by ``explain`` and the docs).
RULE = (
    "Among the k whose mean NPMI coherence is within {tol:.2f} of the best, recommend the one "
    "whose least stable topic is most stable (minimum topic stability across restarts); ties go "
    "to the higher mean stability, then to the smaller k."
)

TABLE_COLUMNS = [
    "k", "stability_mean", "stability_min", "coherence_npmi", "diversity", "relative_error",
    "zero_share_W", "zero_share_H", "n_iter", "seconds",
]


@dataclass
class KSelection:
    """The outcome of :func:`select_k`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per k; columns ``k``, ``stability_mean``, ``stability_min``
        (mean and minimum over topics of the mean cosine similarity to the
        matched topic of the other restarts), ``coherence_npmi`` (mean over
        topics, top-10 terms), ``diversity`` (top-25), ``relative_error``
        (||X - WH|| / ||X||), ``zero_share_W``, ``zero_share_H``, ``n_iter``
        (best restart), ``seconds``.
    recommended_k : int
    lineage : pandas.DataFrame
        How topics of each k map to topics of the next k (see :func:`topic_lineage`).
    coherence_tolerance : float
    components : dict of int -> ndarray
        H (n_topics, n_terms) of the best restart for each k.
    term_labels : list of str or None
    """

    table: pd.DataFrame
    recommended_k: int
    lineage: pd.DataFrame
    coherence_tolerance: float
    components: dict[int, np.ndarray] = field(repr=False)
    term_labels: list[str] | None = field(default=None, repr=False)

    def explain(self) -> str:
        """One paragraph: the rule and why it picked ``recommended_k``."""
        t = self.table.set_index("k")
        best_coh = t["coherence_npmi"].max()
        eligible = t[t["coherence_npmi"] >= best_coh - self.coherence_tolerance]
        r = t.loc[self.recommended_k]
        others = ", ".join(f"{k} ({row.stability_min:.2f})" for k, row in eligible.iterrows()
                           if k != self.recommended_k)
        return (
            RULE.format(tol=self.coherence_tolerance) + " "
            f"The best mean coherence is {best_coh:.3f}, so {len(eligible)} of {len(t)} values of k are "
            f"eligible. k = {self.recommended_k} has minimum stability {r.stability_min:.2f} (mean "
            f"{r.stability_mean:.2f}) and coherence {r.coherence_npmi:.3f}"
            + (f"; the other eligible k had minimum stability: {others}." if others else ".")
            + " Stability 1.0 means every restart found the same topics; low values mean the topics "
              "depend on the random start, a sign that k does not fit the data."
        )

    def plot(self):
        """A matplotlib Figure: stability, coherence and error against k, the recommendation marked."""
        from matplotlib.figure import Figure

        t = self.table
        fig = Figure(figsize=(8, 6.5), layout="constrained")
        axes = fig.subplots(3, 1, sharex=True)
        axes[0].plot(t["k"], t["stability_mean"], "o-", label="mean", color="#3b6ea5")
        axes[0].plot(t["k"], t["stability_min"], "s--", label="least stable topic", color="#7b8794")
        axes[0].set_ylabel("stability")
        axes[0].legend(frameon=False, fontsize=8)
        axes[1].plot(t["k"], t["coherence_npmi"], "o-", color="#2f855a")
        axes[1].set_ylabel("coherence (NPMI)")
        axes[2].plot(t["k"], t["relative_error"], "o-", color="#b03a2e")
        axes[2].set_ylabel("relative error")
        axes[2].set_xlabel("number of topics k")
        for ax in axes:
            ax.axvline(self.recommended_k, color="#d69e2e", linewidth=2, alpha=0.7)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        axes[0].set_title(f"Choosing k: recommended k = {self.recommended_k}", loc="left", fontsize=11)
        return fig

    def write(self, directory: str | Path) -> list[str]:
        """``select_k.csv``, ``lineage.csv``, ``select_k.png`` and ``explanation.txt``; returns paths."""
        from .report.writers import atomic_open  # atomic, symlink-safe writes as the report's

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "select_k.csv", out / "lineage.csv", out / "select_k.png", out / "explanation.txt"]
        for frame, path in ((self.table, paths[0]), (self.lineage, paths[1])):
            with atomic_open(path, "w") as fh:
                frame.to_csv(fh, index=False)
        with atomic_open(paths[2], "wb") as fh:
            self.plot().savefig(fh, dpi=110, format="png")
        with atomic_open(paths[3], "w") as fh:
            fh.write(self.explain() + "\n")
        return [str(p) for p in paths]


def recommend(table: pd.DataFrame, coherence_tolerance: float) -> int:
    """Apply :data:`RULE` to a selection table; return the recommended k."""
    best = table["coherence_npmi"].max()
    eligible = table[table["coherence_npmi"] >= best - coherence_tolerance]
    ranked = eligible.sort_values(["stability_min", "stability_mean", "k"], ascending=[False, False, True],
                                  kind="stable")
    return int(ranked["k"].iloc[0])


def topic_lineage(components: dict[int, np.ndarray], term_labels: Sequence[str] | None = None,
                  threshold: float = 0.5) -> pd.DataFrame:
    """How topics divide as k grows: links between topics of consecutive k.

    For each pair of consecutive k, every topic of the smaller k is linked to
    its most similar topic of the larger k, and every topic of the larger k to
    its most similar topic of the smaller k (cosine similarity of H rows).
    ``relation`` is ``"stable"`` when the two are each other's best match and
    nothing else links to them, ``"split"`` when a topic of the smaller k is the
    best match of two or more topics of the larger k (similarity above
    ``threshold``), and ``"merge"`` when two or more topics of the smaller k
    have the same best match in the larger k.

    Returns
    -------
    pandas.DataFrame
        Columns ``k_from``, ``topic_from``, ``label_from``, ``k_to``,
        ``topic_to``, ``label_to``, ``similarity``, ``relation``.
    """
    from .report.tables import topic_labels

    rows = []
    ks = sorted(components)
    for a, b in zip(ks, ks[1:]):
        Ha, Hb = components[a], components[b]
        S = metrics.cosine_rows(Ha, Hb)
        la = topic_labels(Ha, term_labels) if term_labels is not None else [str(i) for i in range(len(Ha))]
        lb = topic_labels(Hb, term_labels) if term_labels is not None else [str(i) for i in range(len(Hb))]
        fwd = S.argmax(axis=1)  # topic of a -> best topic of b
        back = S.argmax(axis=0)  # topic of b -> best topic of a
        links = {(i, int(fwd[i])) for i in range(len(Ha))} | {(int(back[j]), j) for j in range(len(Hb))}
        for i, j in sorted(links):
            children = [jj for jj in range(len(Hb)) if back[jj] == i and S[i, jj] > threshold]
            parents = [ii for ii in range(len(Ha)) if fwd[ii] == j]
            if len(children) >= 2 and j in children:
                relation = "split"
            elif len(parents) >= 2:
                relation = "merge"
            elif fwd[i] == j and back[j] == i:
                relation = "stable"
            else:
                relation = "weak"
            rows.append({"k_from": a, "topic_from": i, "label_from": la[i], "k_to": b, "topic_to": j,
                         "label_to": lb[j], "similarity": float(S[i, j]), "relation": relation})
    return pd.DataFrame(rows, columns=["k_from", "topic_from", "label_from", "k_to", "topic_to",
                                       "label_to", "similarity", "relation"])


def _fit_one(X, B, k: int, n_restarts: int, random_state: Any, n_jobs: int | None,
             fit_options: dict[str, Any], vectorizer: Any = None) -> tuple[dict[str, Any], np.ndarray]:
    from .factorize import TopicNMF

    t0 = time.perf_counter()
    model = TopicNMF(n_topics=k, n_restarts=n_restarts, random_state=random_state, n_jobs=n_jobs,
                     **{"race": "topics", **fit_options})
    W = model.fit_transform(X)
    H = model.components_
    others = [Hr for i, Hr in enumerate(model.restart_components_)
              if i != model.best_restart_ and np.isfinite(model.restart_losses_[i])]
    stab, _ = metrics.topic_stability(H, others)
    scores = H if vectorizer is None else term_scores(H, vectorizer)  # the order reports show terms in
    row = {
        "k": k,
        "stability_mean": float(stab.mean()),
        "stability_min": float(stab.min()),
        "coherence_npmi": float(metrics.npmi_coherence(metrics.top_term_indices(scores, N_TOP_TERMS), B).mean()),
        "diversity": metrics.topic_diversity(metrics.top_term_indices(scores, N_DIVERSITY_TERMS)),
        "relative_error": metrics.reconstruction_error(X, W, H, relative=True),
        "zero_share_W": metrics.zero_share(W),
        "zero_share_H": metrics.zero_share(H),
        "n_iter": int(model.n_iter_),
        "seconds": time.perf_counter() - t0,
    }
    return row, H


def select_k(
    corpus_or_X: Corpus | sp.spmatrix | Any,
    ks: Iterable[int] = range(4, 31, 2),
    *,
    n_restarts: int = N_RESTARTS_SELECT_K,
    random_state: Any = 0,
    n_jobs: int | None = None,
    coherence_tolerance: float = COHERENCE_TOLERANCE,
    vectorizer: Any = None,
    progress: bool | None = None,
    **fit_options: Any,
) -> KSelection:
    """Fit every k in ``ks`` with restarts and recommend one.

    Parameters
    ----------
    corpus_or_X : Corpus, anything :func:`load_corpus` reads, or a sparse matrix X
        Texts are vectorized once (default: :func:`topicmf.pipeline.default_vectorizer`
        for the median k); a matrix is used as it is.
    ks : iterable of int, default=range(4, 31, 2)
    n_restarts : int, default=N_RESTARTS_SELECT_K (5)
        Restarts per k: the first to convergence, the others until their topics
        settle (``race="topics"``; stability compares them).
    random_state : int, default=0
    n_jobs : int, optional
        Worker processes for the restarts of each k.
    coherence_tolerance : float, default=COHERENCE_TOLERANCE (0.1)
        How far below the best mean NPMI a k may be and still be recommended.
    vectorizer : TextVectorizer, optional
    progress : bool, optional
        A progress bar over k on stderr (default: when stderr is a terminal).
    **fit_options
        Other :class:`~topicmf.TopicNMF` parameters (``l1_H``, ``max_iter``...).

    Returns
    -------
    KSelection

    Examples
    --------
    >>> import topicmf as tm
    >>> sel = tm.select_k("newsroom", [4, 6, 8], n_restarts=3)
    >>> sel.recommended_k
    6
    """
    import sys

    ks = sorted({int(k) for k in ks})
    if not ks or ks[0] < 1:
        raise ValueError(f"select_k: 'ks' must hold integers >= 1; got {ks!r}.")
    if n_restarts < 2:
        raise ValueError(f"select_k: 'n_restarts' must be >= 2 to measure stability; got {n_restarts}.")
    term_labels, vec = None, None
    if sp.issparse(corpus_or_X):
        X = sp.csr_matrix(corpus_or_X)
    else:
        from .pipeline import default_vectorizer

        corpus = load_corpus(corpus_or_X)
        vec = vectorizer if vectorizer is not None else default_vectorizer(len(corpus), ks[len(ks) // 2])
        X = vec.fit_transform(corpus)
        term_labels = list(vec.get_term_labels())
    if ks[-1] > min(X.shape):
        raise ValueError(f"select_k: the largest k ({ks[-1]}) exceeds min(n_documents, n_terms) = {min(X.shape)}.")
    B = binary_document_term(X)
    show = progress if progress is not None else bool(sys.stderr is not None and sys.stderr.isatty())
    iterator: Iterable[int] = ks
    if show:
        from tqdm.auto import tqdm

        iterator = tqdm(ks, desc="select_k", unit="k", file=sys.stderr, disable=None)
    rows, components = [], {}
    for k in iterator:
        row, H = _fit_one(X, B, k, n_restarts, random_state, n_jobs, fit_options, vec)
        rows.append(row)
        components[k] = H
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    return KSelection(
        table=table,
        recommended_k=recommend(table, coherence_tolerance),
        lineage=topic_lineage(components, term_labels),
        coherence_tolerance=coherence_tolerance,
        components=components,
        term_labels=term_labels,
    )
