"""Slow checks on the real labelled corpora in ../shared/data (skipped when absent)."""

import numpy as np
import pytest
from conftest import shared_corpus_path

import topicmf as tm

pytestmark = pytest.mark.slow


def test_bbc_topics_match_the_five_sections():
    corpus = tm.load_corpus(shared_corpus_path("bbc"), label_column="label")
    assert len(corpus) == 2225
    report = tm.discover(corpus, n_topics=5, random_state=0)
    s = report.summary()
    assert s["clustering_nmi"] > 0.8 and s["clustering_purity"] > 0.9
    assert s["coherence_npmi"] > 0.3 and s["stability"] > 0.95
    assert set(report.topics["size"]) and report.topics["size"].sum() == 2225


def test_ag_news_vectorize_and_fit_parity_with_sklearn_loss():
    from sklearn.decomposition import NMF

    corpus = tm.load_corpus(shared_corpus_path("ag_news_test"), label_column="label")
    X = tm.TextVectorizer(min_df=3, max_df=0.5, sublinear_tf=True).fit_transform(corpus)
    model = tm.TopicNMF(4, n_restarts=1, random_state=0).fit(X)
    W0 = model.transform(X)  # any start: compare final losses only
    ref = NMF(4, init="nndsvda", random_state=0, max_iter=400).fit(X)
    ours = 0.5 * model.reconstruction_err_ ** 2
    theirs = 0.5 * ref.reconstruction_err_ ** 2
    assert ours <= theirs * 1.01
    assert np.isfinite(W0).all()
