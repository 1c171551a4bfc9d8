"""Topic quality: topicmf.discover (defaults) vs scikit-learn NMF on a well-tuned TF-IDF.

For BBC (k=5) and AG News (k=4) from ../shared/data, in one process:

- topicmf: ``tm.discover(raw texts, n_topics=k)`` with its defaults;
- scikit-learn: ``TfidfVectorizer(stop_words="english", min_df=5, max_df=0.5,
  sublinear_tf=True)`` then ``NMF(n_components=k, random_state=0)``.

Both are scored alike: each topic's top-10 terms as plain lowercase words
(topicmf's readable labels, scikit-learn's vocabulary), NPMI from document
co-occurrence over plain lowercase words of the same corpus; topic diversity
over the top 25; NMI and ARI of the dominant topic against the labels.

Usage::

    python scripts/evaluate.py [--data ../shared/data] [--html-dir reports/]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

import topicmf as tm
from topicmf import metrics


def _score(top_words: list[list[str]], doc_topic: np.ndarray, labels: list[str],
           B, vocab: dict[str, int]) -> dict[str, float]:
    idx = [[vocab[w] for w in words[:10] if w in vocab] for words in top_words]
    width = min(len(r) for r in idx)
    npmi = metrics.npmi_coherence(np.array([r[:width] for r in idx]), B)
    pred = doc_topic.argmax(axis=1)
    return {
        "npmi": float(npmi.mean()),
        "diversity": metrics.topic_diversity(np.array([w[:25] for w in top_words])),
        "nmi": float(normalized_mutual_info_score(labels, pred)),
        "ari": float(adjusted_rand_score(labels, pred)),
        "missing": sum(10 - len(r[:10]) for r in idx),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--html-dir", type=Path, default=None, help="also write topicmf's HTML reports here")
    args = parser.parse_args(argv)
    print(f"{'corpus':<14}{'k':>3}  {'system':<10}{'NPMI':>8}{'diversity':>11}{'NMI':>8}{'ARI':>8}{'seconds':>9}")
    for name, k in (("bbc", 5), ("ag_news_test", 4)):
        path = args.data / name / f"{name}.jsonl.gz"
        if not path.is_file():
            print(f"{name}: {path} is absent; skipped")
            continue
        corpus = tm.load_corpus(path, label_column="label")
        # the common scorer: plain lowercase words, binary document co-occurrence
        cv = CountVectorizer(lowercase=True, binary=True)
        B = cv.fit_transform(corpus.texts)
        vocab = cv.vocabulary_

        t0 = time.perf_counter()
        report = tm.discover(corpus, n_topics=k)
        t_tm = time.perf_counter() - t0
        H = report.H
        top = metrics.top_term_indices(H, 25)
        words_tm = [[report.term_labels[j].lower() for j in row] for row in top]
        s_tm = _score(words_tm, report.W, corpus.labels, B, vocab)
        if args.html_dir is not None:
            report.to_html(args.html_dir / f"{name}.html")

        t0 = time.perf_counter()
        tfidf = TfidfVectorizer(stop_words="english", min_df=5, max_df=0.5, sublinear_tf=True)
        X = tfidf.fit_transform(corpus.texts)
        nmf = NMF(n_components=k, random_state=0)
        W = nmf.fit_transform(X)
        t_sk = time.perf_counter() - t0
        names = tfidf.get_feature_names_out()
        words_sk = [[names[j] for j in row] for row in metrics.top_term_indices(nmf.components_, 25)]
        s_sk = _score(words_sk, W, corpus.labels, B, vocab)

        for system, s, t in (("topicmf", s_tm, t_tm), ("sklearn", s_sk, t_sk)):
            print(f"{name:<14}{k:>3}  {system:<10}{s['npmi']:>8.3f}{s['diversity']:>11.3f}{s['nmi']:>8.3f}"
                  f"{s['ari']:>8.3f}{t:>9.2f}")
        for system, words in (("topicmf", words_tm), ("sklearn", words_sk)):
            for t, w in enumerate(words):
                print(f"    {system} topic {t}: {', '.join(w[:10])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
