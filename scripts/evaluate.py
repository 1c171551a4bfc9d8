"""Topic quality across corpora: topicmf.discover (defaults) vs a tuned scikit-learn pipeline.

Corpora (from ../shared/data, skipped with a message when absent): BBC k=5,
AG News k=4, apache_jira_bugs k=8, arxiv_math_ap k=11, and a planted
synthetic corpus (k=8). Systems, in one process:

- topicmf: ``tm.discover(corpus, n_topics=k)`` with its defaults (plus any
  ``--option key=value``, to compare settings);
- scikit-learn: ``TfidfVectorizer(stop_words="english", min_df=5, max_df=0.5,
  sublinear_tf=True, token_pattern=<words of 3+ letters>)`` then
  ``NMF(n_components=k, random_state=0)`` (cd).

Scored alike, as users meet the topics: NPMI of each topic's 10 displayed
words (topicmf: the surface labels the report prints; scikit-learn: its
vocabulary), each word counted by its exact lowercase occurrences (words of 3+
letters) in the raw documents, by document co-occurrence; a pair never seen
together (or a word that never occurs as shown) scores -1. Diversity: share of
distinct words among the top 25 of all topics. NMI and ARI of the dominant
topic against the labels. ``flagged``: share of documents topicmf flags
low-confidence. ``seconds``: end to end, vectorizing included.

Usage::

    python scripts/evaluate.py [--data ../shared/data] [--corpora bbc,apache_jira_bugs]
                               [--option sparsity=0.1 ...] [--no-sklearn] [--show-topics]
"""

from __future__ import annotations

import argparse
import ast
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

import topicmf as tm
from topicmf import metrics

CORPORA = {"bbc": 5, "ag_news_test": 4, "apache_jira_bugs": 8, "arxiv_math_ap": 11, "planted": 8}
WORDS = r"(?u)\b[^\W\d_]{3,}\b"


class Scorer:
    """Document co-occurrence of exact lowercase words (3+ letters) in the raw texts."""

    def __init__(self, texts: list[str]) -> None:
        cv = CountVectorizer(lowercase=True, binary=True, token_pattern=WORDS)
        self.B = cv.fit_transform(texts).tocsc()
        self.vocab = cv.vocabulary_
        self.n = self.B.shape[0]

    def npmi(self, words: list[str]) -> float:
        cols = [self.vocab.get(w.lower()) for w in words]
        vals = []
        for a in range(len(cols)):
            for b in range(a):
                i, j = cols[a], cols[b]
                if i is None or j is None:
                    vals.append(-1.0)
                    continue
                di = self.B[:, i].indices
                dj = self.B[:, j].indices
                co = len(np.intersect1d(di, dj, assume_unique=True))
                if co == 0:
                    vals.append(-1.0)
                    continue
                pij, pi, pj = co / self.n, len(di) / self.n, len(dj) / self.n
                vals.append(1.0 if pij >= 1.0 else float(np.log(pij / (pi * pj)) / -np.log(pij)))
        return float(np.mean(vals)) if vals else 0.0

    def score(self, top_words: list[list[str]], doc_topic: np.ndarray, labels: list[str]) -> dict[str, float]:
        pred = np.asarray(doc_topic).argmax(axis=1)
        return {
            "npmi": float(np.mean([self.npmi(w[:10]) for w in top_words])),
            "diversity": metrics.topic_diversity(np.array([w[:25] for w in top_words])),
            "nmi": float(normalized_mutual_info_score(labels, pred)),
            "ari": float(adjusted_rand_score(labels, pred)),
        }


def _corpus(data: Path, name: str):
    if name == "planted":
        sc = tm.make_planted_corpus(3000, 8, 4000, 120, noise=0.3, seed=0)
        return sc.to_corpus()
    path = data / name / f"{name}.jsonl.gz"
    if not path.is_file():
        print(f"{name}: {path} is absent; skipped")
        return None
    return tm.load_corpus(path, label_column="label")


def _option(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def run_topicmf(corpus, k: int, options: dict, vec_options: dict | None = None
                ) -> tuple[list[list[str]], np.ndarray, float, float, object]:
    from topicmf.pipeline import default_vectorizer

    t0 = time.perf_counter()
    vec = default_vectorizer(len(corpus), k).set_params(**vec_options) if vec_options else None
    report = tm.discover(corpus, n_topics=k, vectorizer=vec, **options)
    seconds = time.perf_counter() - t0
    top = metrics.top_term_indices(report.term_scores, 25)  # the order the report shows
    words = [[str(report.term_labels[j]).lower() for j in row] for row in top]
    flagged = float(report.document_topics["low_confidence"].mean())
    return words, report.W, seconds, flagged, report


def run_sklearn(corpus, k: int) -> tuple[list[list[str]], np.ndarray, float]:
    t0 = time.perf_counter()
    tfidf = TfidfVectorizer(stop_words="english", min_df=5, max_df=0.5, sublinear_tf=True, token_pattern=WORDS)
    X = tfidf.fit_transform(corpus.texts)
    W = NMF(n_components=k, random_state=0).fit(X)
    model = W
    W = model.transform(X)
    seconds = time.perf_counter() - t0
    names = tfidf.get_feature_names_out()
    return [[names[j] for j in row] for row in metrics.top_term_indices(model.components_, 25)], W, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--corpora", default=",".join(CORPORA), help="comma list of " + ",".join(CORPORA))
    parser.add_argument("--option", action="append", default=[], help="discover option key=value (repeatable)")
    parser.add_argument("--vectorizer-option", action="append", default=[],
                        help="default_vectorizer setting key=value (repeatable), e.g. clean='off'")
    parser.add_argument("--no-sklearn", action="store_true", help="score topicmf only")
    parser.add_argument("--show-topics", action="store_true", help="print each topic's 10 words")
    args = parser.parse_args(argv)
    options = dict(_option(o) for o in args.option)
    vec_options = dict(_option(o) for o in args.vectorizer_option)
    if options or vec_options:
        print(f"discover options: {options}; vectorizer options: {vec_options}")
    print(f"{'corpus':<18}{'k':>3}  {'system':<9}{'NPMI':>8}{'divers.':>9}{'NMI':>8}{'ARI':>8}"
          f"{'flagged':>9}{'seconds':>9}")
    for name in args.corpora.split(","):
        k = CORPORA[name]
        corpus = _corpus(args.data, name)
        if corpus is None:
            continue
        scorer = Scorer(corpus.texts)
        words, W, seconds, flagged, report = run_topicmf(corpus, k, options, vec_options)
        rows = [("topicmf", scorer.score(words, W, corpus.labels), seconds, flagged, words)]
        if not args.no_sklearn:
            sk_words, sk_W, sk_seconds = run_sklearn(corpus, k)
            rows.append(("sklearn", scorer.score(sk_words, sk_W, corpus.labels), sk_seconds, float("nan"), sk_words))
        for system, s, t, f, _ in rows:
            print(f"{name:<18}{k:>3}  {system:<9}{s['npmi']:>8.3f}{s['diversity']:>9.3f}{s['nmi']:>8.3f}"
                  f"{s['ari']:>8.3f}{f:>9.3f}{t:>9.2f}", flush=True)
        if args.show_topics:
            for system, _, _, _, w in rows:
                for t, ws in enumerate(w):
                    print(f"    {system} {t}: {', '.join(ws[:10])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
