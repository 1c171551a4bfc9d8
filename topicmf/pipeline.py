"""One call: documents -> tokens -> X -> (W, H) -> report. The stages in order, nothing else."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import scipy.sparse as sp

from .corpora import Corpus, load_corpus
from .defaults import (
    DISCOVER_SPARSITY,
    LOW_CONFIDENCE,
    MAX_DF_FLOOR,
    N_RESTARTS,
    N_TOP_DOCUMENTS,
    N_TOP_TERMS,
    N_TOPICS,
    PROGRESS_MIN_DOCUMENTS,
)
from .preprocess.clean import RULE_NAMES
from .preprocess.languages import get_language
from .preprocess.tokenize import LETTERS_TOKEN_PATTERN, Stemmer
from .vectorize import TextVectorizer

__all__ = ["discover", "default_vectorizer", "configured_vectorizer"]

logger = logging.getLogger(__name__)

#: The cleaning :func:`default_vectorizer` applies (``clean="on"``): only the frames of the
#: Java runtime and test frameworks (``runtime_frames``), wherever they occur (nothing is decided
#: from the corpus, so partitions on a Dask cluster are cleaned alike); see its docstring.
DEFAULT_CLEANER_OPTIONS: dict[str, bool] = {**{name: name == "runtime_frames" for name in RULE_NAMES},
                                            "boilerplate": False}

def default_vectorizer(n_documents: int, n_topics: int = N_TOPICS, language: str = "english") -> TextVectorizer:
    """TF-IDF settings that work without tuning for a corpus of this size, k and language.

    - ``min_df``: a term must occur in 2 documents (3 from 1,000 documents, 5
      from 10,000): rarer terms cannot shape a topic and only add noise.
    - ``max_df = min(0.5, max(0.125, 1 / n_topics))`` (``MAX_DF_FLOOR``): a term
      in more than 1/k of the documents cannot belong to one of k topics of
      similar size; terms in over half the documents are dropped in any case.
      A floor of 0.125 rather than 0.2 lifted NMI on apache_jira_bugs (k=8)
      0.391 -> 0.447 and on arxiv_math_ap (k=11) 0.328 -> 0.333 at the same
      NPMI; 0.1 scored lower on both (measurements at ``MAX_DF_FLOOR``).
    - ``sublinear_tf``: 1 + log(tf), so long documents do not dominate.
    - ``stemmer="porter"`` (English, NLTK's). ``"pystemmer"`` (Snowball English
      in C) is about 5x faster, and scored the same within 0.006 with
      ``scripts/evaluate.py`` (NPMI / diversity / NMI: AG News 0.255 / 1.000 /
      0.455 against Porter's 0.253 / 1.000 / 0.455, apache_jira_bugs 0.362 /
      0.995 / 0.392 against 0.359 / 0.995 / 0.390, arxiv_math_ap 0.241 / 0.975
      / 0.326 against 0.247 / 0.975 / 0.328, BBC and planted identical), but its
      stems made restarts disagree more often: on the bundled newsroom corpus
      (k=6, seeds 0-9) some topic's stability fell below 0.7 in 5 of 10 seeds
      (Porter: 2 of 10), and on BBC k=5 seed 0 three of five restarts found
      another optimum (stability 0.40; Porter 1.0), so ``select_k`` picked 4.
      Over more seeds the gap is small but on the same side: newsroom seeds
      0-29, a topic below 0.7 in 14 runs (Porter 11), mean stability 0.968
      (0.974); BBC k=5 and AG News k=4, seeds 0-9, 0.956 and 0.890 (Porter
      0.975 and 0.901). Porter is kept for its worst case; speed is one
      switch away.
    - ``clean="on"`` with one family, ``runtime_frames``
      (:data:`DEFAULT_CLEANER_OPTIONS`): stack-trace frames of the Java
      runtime and test frameworks (``sun.reflect...``, ``java.lang...``,
      ``org.junit...``), which are the same in every project's traces. On
      apache_jira_bugs (``scripts/evaluate.py``: NPMI of the displayed words on
      the raw documents, diversity, NMI with the labels) it removes the one
      debris topic ("reflect, ipc, nativemethodaccessorimpl, sun, invoke, ...")
      and lifts NMI 0.364 -> 0.391 and diversity 0.985 -> 0.995, while NPMI
      falls 0.427 -> 0.351 (the debris topic's words always co-occur, which NPMI
      rewards); the other corpora hold no such frames and are unchanged. The
      full cleaning stage (``cleaner_options=None``: URLs, paths, all stack
      traces, logs, code, markup, TeX, boilerplate) gives debris-free topics
      but cost on three of four corpora: apache_jira_bugs NPMI 0.352 -> 0.208
      and NMI 0.369 -> 0.180 (a project's own frames and paths carry its
      package names), AG News NPMI 0.218 -> 0.173, arxiv_math_ap NPMI 0.194 ->
      0.170 (NMI 0.327 -> 0.342), BBC unchanged; a light set (URLs, e-mails,
      mentions, markup, numbers, boilerplate) still cost 0.063 NPMI on
      apache_jira_bugs and 0.039 on AG News; adding code blocks, boilerplate,
      log lines or URLs/e-mails/mentions to ``runtime_frames`` lowered NPMI on
      apache_jira_bugs by 0.006-0.061 and NMI by up to 0.126. Everything is one
      switch away: ``default_vectorizer(n, k).set_params(clean="auto", cleaner_options=None)``.
    - Tokens are words of 3+ letters (no digits, no underscores): on bug
      reports and forum posts, ids, hex strings, ``__`` runs and two-letter
      debris ("ve", "ca") otherwise make topics of their own.
    - ``language``: the stop words of that language (``stop_words="auto"``) and,
      outside English (and the CJK languages, whose Latin words are English),
      NLTK's Snowball stemmer of the language (PyStemmer's versions of those
      were not measured).
    """
    min_df = 2 if n_documents < 1000 else (3 if n_documents < 10000 else 5)
    max_df = min(0.5, max(MAX_DF_FLOOR, 1.0 / max(n_topics, 1))) if n_documents >= 20 else 1.0
    stemmer: Stemmer = "porter" if get_language(language).snowball == "english" else "snowball"
    return TextVectorizer(min_df=min_df, max_df=max_df, sublinear_tf=True, stemmer=stemmer, language=language,
                          token_pattern=LETTERS_TOKEN_PATTERN, min_token_length=3, clean="on",
                          cleaner_options=dict(DEFAULT_CLEANER_OPTIONS))


def check_vectorizer_choice(vectorizer: Any, vectorizer_options: dict[str, Any] | None) -> None:
    """``discover``'s rule: a vectorizer, or settings for the default one, not both."""
    if vectorizer is not None and vectorizer_options:
        raise ValueError("discover: give 'vectorizer' or 'vectorizer_options', not both.")


def discover_fit_options(model_options: dict[str, Any]) -> dict[str, Any]:
    """``TopicNMF`` settings of ``discover``: ``race="topics"`` (restarts comparable for
    stability at about half the cost), ``DISCOVER_SPARSITY``."""
    return {"race": "topics", "sparsity": DISCOVER_SPARSITY, **model_options}


def configured_vectorizer(n_documents: int, n_topics: int, options: dict[str, Any] | None = None) -> TextVectorizer:
    """:func:`default_vectorizer` changed by ``options`` (TextVectorizer settings; a
    ``language`` among them also picks the default stemmer of that language; a
    ``clean`` without ``cleaner_options`` means that mode with every rule family,
    not the default's one family)."""
    options = dict(options or {})
    if "clean" in options:
        options.setdefault("cleaner_options", None)
    vec = default_vectorizer(n_documents, n_topics, options.pop("language", "english"))
    return vec.set_params(**options)


def discover(
    corpus_or_texts: Corpus | str | Path | pd.DataFrame | Sequence[str],
    n_topics: int = N_TOPICS,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    label_column: str | None = None,
    vectorizer: TextVectorizer | None = None,
    vectorizer_options: dict[str, Any] | None = None,
    n_restarts: int = N_RESTARTS,
    random_state: Any = 0,
    progress: bool | None = None,
    n_top_terms: int = N_TOP_TERMS,
    n_top_documents: int = N_TOP_DOCUMENTS,
    low_confidence: float = LOW_CONFIDENCE,
    client: Any = None,
    **model_options: Any,
):
    """Find ``n_topics`` topics in a corpus and return the full :class:`~topicmf.report.TopicReport`.

    Parameters
    ----------
    corpus_or_texts : Corpus, path, bundled corpus name, DataFrame or list of str
        Anything :func:`topicmf.load_corpus` reads.
    n_topics : int, default=10
    text_column, id_column, label_column : str, optional
        Passed to :func:`topicmf.load_corpus` when loading.
    vectorizer : TextVectorizer or any scikit-learn text vectorizer, optional
        Default: :func:`default_vectorizer` for the corpus size and ``n_topics``.
        A scikit-learn ``TfidfVectorizer`` (or any transformer with
        ``fit_transform`` and ``get_feature_names_out``) works too; its terms
        are then the labels, and the model file needs a ``TextVectorizer``.
    vectorizer_options : dict, optional
        Settings that change the default vectorizer (``{"min_df": 10,
        "stop_words": None}``, ``{"language": "german"}``); not with ``vectorizer``.
        See :func:`configured_vectorizer`.
    n_restarts : int, default=N_RESTARTS (4)
        Restarts (the first from NNDSVD, the others random). The first runs to
        convergence; the others until their topics stop changing or match the
        first's (``race="topics"``), so the report's topic stability compares
        settled topics at about half the cost; the best one ahead of the first
        at equal iterations (if any) runs on to convergence, and the best loss
        is kept.
    random_state : int or None, default=0
        Seed: the same call gives the same report.
    progress : bool, optional
        Progress bars on stderr (never drawn when stderr is not a terminal, nor with
        ``client``: Dask's dashboard shows that work);
        default: on for corpora of ``PROGRESS_MIN_DOCUMENTS`` (5,000) documents or more.
    n_top_terms, n_top_documents, low_confidence
        Passed to :class:`~topicmf.report.TopicReport`.
    client : distributed.Client, optional
        Run on this Dask cluster (:func:`topicmf.distributed.discover_partitioned`):
        partition files (a glob, a folder of ``part-*`` files) are read by the
        workers, anything else is read here and sent to them in parts; X stays on
        the workers as row blocks. Needs ``pip install "topicmf[dask]"``.
    **model_options
        Any other :class:`~topicmf.TopicNMF` parameter (``l1_H``, ``optimizer``, ``n_jobs``...).
        ``sparsity`` defaults to :data:`topicmf.defaults.DISCOVER_SPARSITY` (0.1): sparse
        coding on, relative to the data, so one default holds from small to large corpora.

    Returns
    -------
    TopicReport

    Examples
    --------
    >>> import topicmf as tm
    >>> report = tm.discover("newsroom", n_topics=6)
    >>> report.topics[["topic", "topic_label", "size"]].shape
    (6, 3)
    """
    if client is not None:
        from .distributed import discover_partitioned

        return discover_partitioned(
            client, corpus_or_texts, n_topics, text_column=text_column, id_column=id_column,
            label_column=label_column, vectorizer=vectorizer, vectorizer_options=vectorizer_options,
            n_restarts=n_restarts,
            random_state=random_state, n_top_terms=n_top_terms, n_top_documents=n_top_documents,
            low_confidence=low_confidence, **model_options)
    check_vectorizer_choice(vectorizer, vectorizer_options)
    from .factorize import TopicNMF
    from .report import TopicReport

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    corpus = load_corpus(corpus_or_texts, text_column=text_column, id_column=id_column, label_column=label_column)
    timings["load_seconds"] = time.perf_counter() - t0
    on_terminal = sys.stderr is not None and sys.stderr.isatty()
    show = on_terminal and (progress if progress is not None else len(corpus) >= PROGRESS_MIN_DOCUMENTS)
    stages = None
    if show:
        from tqdm.auto import tqdm

        stages = tqdm(total=3, desc="topicmf", unit="stage", file=sys.stderr, disable=None,
                      bar_format="{desc}: {n}/{total} stages {bar} {elapsed} {postfix}")
        stages.set_postfix_str(f"vectorizing {len(corpus):,} documents")

    t0 = time.perf_counter()
    vec = vectorizer if vectorizer is not None else configured_vectorizer(len(corpus), n_topics, vectorizer_options)
    X = sp.csr_matrix(vec.fit_transform(corpus.texts))
    timings["vectorize_seconds"] = time.perf_counter() - t0
    n_empty = int((X.getnnz(axis=1) == 0).sum())  # any scikit-learn vectorizer works here
    if n_empty:
        logger.warning("%d of %d documents have no terms left after preprocessing; they get topic "
                       "weights of zero and are flagged low_confidence", n_empty, len(corpus))
    if stages is not None:
        stages.update(1)
        stages.set_postfix_str(f"fitting {n_restarts} restarts on {X.shape[0]:,} x {X.shape[1]:,}")

    t0 = time.perf_counter()
    options = discover_fit_options(model_options)
    model = TopicNMF(n_topics=n_topics, n_restarts=n_restarts, random_state=random_state,
                     verbose=int(bool(show)), **options)
    W = model.fit_transform(X)
    timings["fit_seconds"] = time.perf_counter() - t0
    if stages is not None:
        stages.update(1)
        stages.set_postfix_str("scoring")

    settings = {"n_topics": n_topics, "n_restarts": n_restarts, "random_state": random_state, **timings}
    if not isinstance(corpus_or_texts, Corpus):  # columns read, remembered by the model for transform
        settings.update({"text_column": text_column, "id_column": id_column, "label_column": label_column})
    report = TopicReport(corpus, vec, model, X, W, n_top_terms=n_top_terms, n_top_documents=n_top_documents,
                         low_confidence=low_confidence, settings=settings)
    if stages is not None:
        report.topics  # noqa: B018 - computes the scores now, inside the progress bar
        stages.update(1)
        stages.close()
    return report
