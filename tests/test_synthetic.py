import numpy as np
import pytest

import topicmf as tm


def test_deterministic_and_shapes():
    a = tm.make_planted_corpus(300, n_topics=4, vocabulary_size=500, seed=3)
    b = tm.make_planted_corpus(300, n_topics=4, vocabulary_size=500, seed=3)
    c = tm.make_planted_corpus(300, n_topics=4, vocabulary_size=500, seed=4)
    assert a.texts == b.texts and a.texts != c.texts
    assert a.counts.shape == (300, 500) and a.doc_topic.shape == (300, 4)
    np.testing.assert_allclose(a.doc_topic.sum(1), 1.0)
    np.testing.assert_allclose(a.topic_word.sum(1), 1.0)
    # counts agree with the texts
    vocab = {w: i for i, w in enumerate(a.vocabulary)}
    row = np.zeros(500)
    for w in a.texts[0].split():
        row[vocab[w]] += 1
    np.testing.assert_array_equal(a.counts[0].toarray().ravel(), row)


def test_words_survive_preprocessing():
    sc = tm.make_planted_corpus(200, n_topics=3, vocabulary_size=400, seed=0)
    vec = tm.TextVectorizer()
    X = vec.fit_transform(sc.texts)
    # every used word is its own term: stemming merged nothing
    assert X.shape[1] == int((np.asarray(sc.counts.sum(0)).ravel() > 0).sum())


def test_planted_topics_are_recoverable_from_counts():
    sc = tm.make_planted_corpus(500, n_topics=5, vocabulary_size=600, noise=0.1, seed=1)
    # the anchor block of a document's dominant topic holds most of its words
    block = 600 // 6
    counts = sc.counts.toarray()
    own = [counts[i, k * block:(k + 1) * block].sum() / counts[i].sum() for i, k in enumerate(sc.labels)]
    assert np.median(own) > 0.5


def test_bad_arguments():
    with pytest.raises(ValueError, match="too small"):
        tm.make_planted_corpus(10, n_topics=5, vocabulary_size=6)
    with pytest.raises(ValueError, match="noise"):
        tm.make_planted_corpus(10, noise=1.5)
