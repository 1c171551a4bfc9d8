import numpy as np
import pytest
import scipy.sparse as sp

from topicmf import metrics

# 4 documents x 4 terms: a and b always together, c alone in doc 3, d nowhere
B = sp.csr_matrix(np.array([
    [1, 1, 0, 0],
    [1, 1, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 1, 0],
], dtype=float))


def test_npmi_hand_computed():
    # P(a)=P(b)=P(a,b)=1/2: PMI = log(0.5 / 0.25) = log 2; NPMI = log2 / -log(0.5) = 1
    assert metrics.npmi_coherence([[0, 1]], B)[0] == pytest.approx(1.0)
    # a, c never co-occur: -1 by definition
    assert metrics.npmi_coherence([[0, 2]], B)[0] == -1.0
    # mean over the three pairs of (a, b, c): (1 - 1 - 1) / 3
    assert metrics.npmi_coherence([[0, 1, 2]], B)[0] == pytest.approx(-1 / 3)
    # a partial case: docs {0,1,2} with a, {1,2,3} with b -> P(a)=P(b)=3/4, P(ab)=1/2
    B2 = sp.csr_matrix(np.array([[1, 0], [1, 1], [1, 1], [0, 1]], dtype=float))
    expected = np.log(0.5 / (0.75 * 0.75)) / -np.log(0.5)
    assert metrics.npmi_coherence([[0, 1]], B2)[0] == pytest.approx(expected)


def test_umass_hand_computed():
    # pairs in rank order (a, b): log((D(b, a) + 1) / D(a)) = log(3 / 2)
    assert metrics.umass_coherence([[0, 1]], B)[0] == pytest.approx(np.log(3 / 2))
    # (a, c): log((0 + 1) / 2)
    assert metrics.umass_coherence([[0, 2]], B)[0] == pytest.approx(np.log(1 / 2))


def test_coherence_never_nan_on_degenerate_topics():
    degenerate = [[3, 3], [3, 2], [0, 0], [2, 3]]  # a term in no document, repeated terms
    for f in (metrics.npmi_coherence, metrics.umass_coherence):
        vals = f(degenerate, B)
        assert np.isfinite(vals).all()
    empty = sp.csr_matrix((0, 4))
    assert np.isfinite(metrics.npmi_coherence([[0, 1]], empty)).all()
    assert metrics.npmi_coherence([[1]], B)[0] == 0.0  # a single term has no pair


def test_diversity_sparsity_hoyer():
    assert metrics.topic_diversity([[1, 2], [3, 4]]) == 1.0
    assert metrics.topic_diversity([[1, 2], [2, 1]]) == 0.5
    assert metrics.zero_share(np.array([[0, 1], [0, 0]])) == 0.75
    h = metrics.hoyer_sparseness(np.array([[1.0, 0, 0, 0], [1.0, 1, 1, 1], [0, 0, 0, 0]]))
    np.testing.assert_allclose(h, [1.0, 0.0, 1.0])


def test_reconstruction_error_matches_dense():
    rng = np.random.default_rng(0)
    X = sp.random(20, 15, density=0.3, format="csr", random_state=np.random.RandomState(0))
    W, H = rng.random((20, 3)), rng.random((3, 15))
    dense = np.linalg.norm(X.toarray() - W @ H)
    assert metrics.reconstruction_error(X, W, H) == pytest.approx(dense, rel=1e-10)
    assert metrics.reconstruction_error(X, W, H, relative=True) == pytest.approx(dense / sp.linalg.norm(X))


def test_stability_identical_and_unrelated():
    rng = np.random.default_rng(1)
    H = rng.random((4, 50)) * (rng.random((4, 50)) < 0.2)
    permuted = H[[2, 0, 3, 1]]
    mean, n = metrics.topic_stability(H, [permuted, H.copy()])
    np.testing.assert_allclose(mean, 1.0)
    np.testing.assert_array_equal(n, [2, 2, 2, 2])
    match, sim = metrics.match_topics(H, permuted)
    np.testing.assert_array_equal(match, [1, 3, 0, 2])
    unrelated = [rng.random((4, 50)) * (rng.random((4, 50)) < 0.2) for _ in range(3)]
    mean_u, n_u = metrics.topic_stability(H, unrelated)
    assert mean_u.max() < 0.6 and n_u.sum() == 0
    np.testing.assert_allclose(metrics.topic_stability(H, [])[0], 1.0)


def test_clustering_scores():
    s = metrics.clustering_scores(["a", "a", "b", "b"], [1, 1, 0, 0])
    assert s == {"nmi": pytest.approx(1.0), "ari": pytest.approx(1.0), "purity": 1.0}
    assert metrics.purity(["a", "a", "b", "b"], [0, 0, 0, 1]) == 0.75


def test_term_relevance_matches_its_formula_and_orders_terms():
    from topicmf.metrics import term_relevance, top_term_indices

    H = np.array([[4.0, 2.0, 2.0, 0.0], [1.0, 0.0, 3.0, 1.0]])
    p = np.array([10.0, 1.0, 5.0, 4.0])  # any positive scale: normalised inside
    lam = 0.5
    phi = H / H.sum(axis=1, keepdims=True)
    pw = p / p.sum()
    with np.errstate(divide="ignore"):
        ref = np.where(H > 0, lam * np.log(phi) + (1 - lam) * np.log(phi / pw), -np.inf)
    np.testing.assert_allclose(term_relevance(H, p, lam), ref)
    # lambda 1 is weight order; a term of weight zero is never ranked before a term of the topic
    np.testing.assert_array_equal(top_term_indices(term_relevance(H, p, 1.0), 4), top_term_indices(H, 4))
    assert top_term_indices(term_relevance(H, p, lam), 4)[0].tolist() == [1, 0, 2, 3]  # rare term 1 lifted
    assert top_term_indices(term_relevance(H, p, 0.0), 4)[0][-1] == 3


def test_report_shows_terms_in_relevance_order_and_the_saved_model_agrees(tmp_path):
    import topicmf as tm
    from topicmf.defaults import RELEVANCE_LAMBDA
    from topicmf.metrics import term_relevance, top_term_indices

    report = tm.discover("newsroom", n_topics=6, n_restarts=1)
    p = np.exp(-np.asarray(report.vectorizer.idf_))
    order = top_term_indices(term_relevance(report.H, p, RELEVANCE_LAMBDA), 10)
    for t in range(6):
        shown = report.top_terms.loc[report.top_terms["topic"] == t, "term"].tolist()
        assert shown == [report.term_labels[j] for j in order[t]]
    tm.save_model(report, tmp_path / "m.topicmf")
    assert tm.load_model(tmp_path / "m.topicmf").labels == report.topic_labels
