"""Synthetic corpora with planted topics, for tests and scale benchmarks.

Documents are drawn from an LDA-like generative model: each topic owns a block
of "anchor" words it prefers, document topic proportions come from a sparse
Dirichlet, and a share of every document is background noise drawn from a
Zipf-like distribution over the whole vocabulary. Words are pronounceable
pseudo-words chosen so that preprocessing (lowercase, stop words, Snowball or
Porter stemming) keeps them distinct, so the planted structure survives the
whole pipeline. Everything is vectorized NumPy: 100,000 documents take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from .corpora import Corpus

__all__ = ["SyntheticCorpus", "make_planted_corpus"]

_CONSONANTS = "bdfgklmnprtvz"
_VOWELS = "aiou"


@dataclass(frozen=True)
class SyntheticCorpus:
    """Documents with known topics.

    Attributes
    ----------
    texts : list of str, length n_documents
    counts : scipy.sparse.csr_matrix, shape (n_documents, vocabulary_size)
        Word counts of each document (the same words as ``texts``).
    vocabulary : numpy.ndarray of str, shape (vocabulary_size,)
    doc_topic : numpy.ndarray, shape (n_documents, n_topics)
        True topic proportions of each document (rows sum to 1).
    topic_word : numpy.ndarray, shape (n_topics, vocabulary_size)
        True word distribution of each topic (rows sum to 1).
    labels : numpy.ndarray of int, shape (n_documents,)
        Dominant planted topic of each document.
    """

    texts: list[str]
    counts: sp.csr_matrix
    vocabulary: np.ndarray
    doc_topic: np.ndarray
    topic_word: np.ndarray
    labels: np.ndarray

    def to_corpus(self) -> Corpus:
        """The documents as a :class:`~topicmf.Corpus`, labelled ``topic_<k>``."""
        return Corpus(
            texts=self.texts,
            ids=[f"synthetic-{i}" for i in range(len(self.texts))],
            labels=[f"topic_{k}" for k in self.labels],
            name="synthetic",
        )


@lru_cache(maxsize=8)
def _pseudo_words(size: int) -> tuple[str, ...]:
    """``size`` distinct pseudo-words whose Snowball and Porter stems are distinct too."""
    from nltk.stem.porter import PorterStemmer
    from nltk.stem.snowball import SnowballStemmer

    from .preprocess.stopwords import english_stop_words

    snowball = SnowballStemmer("english").stem
    porter = PorterStemmer().stem
    stops = english_stop_words()
    syllables = [c + v for c in _CONSONANTS for v in _VOWELS]
    rng = np.random.default_rng(7)  # fixed: the word list never depends on the caller's seed
    words: list[str] = []
    seen_words: set[str] = set()
    seen_stems: set[str] = set()
    n_syll = 2
    while len(words) < size:
        batch = rng.integers(0, len(syllables), size=(4 * size + 64, n_syll))
        for row in batch:
            word = "".join(syllables[j] for j in row)
            if word in seen_words or word in stops:
                continue
            stems = {"s:" + snowball(word), "p:" + porter(word)}
            if stems & seen_stems:
                continue
            seen_words.add(word)
            seen_stems |= stems
            words.append(word)
            if len(words) == size:
                break
        n_syll += 1
    return tuple(words)


def make_planted_corpus(
    n_documents: int = 1000,
    n_topics: int = 5,
    vocabulary_size: int = 2000,
    document_length: int = 80,
    *,
    noise: float = 0.15,
    concentration: float = 0.1,
    anchor_share: float = 0.8,
    seed: int = 0,
    with_texts: bool = True,
) -> SyntheticCorpus:
    """Generate a corpus with ``n_topics`` planted topics.

    Parameters
    ----------
    n_documents : int, default=1000
    n_topics : int, default=5
    vocabulary_size : int, default=2000
        Number of distinct words; each topic anchors on a disjoint block of
        ``vocabulary_size // (n_topics + 1)`` of them, the last block is shared.
    document_length : int, default=80
        Mean words per document (lengths are Poisson around it, at least 5).
    noise : float, default=0.15
        Share of each document's words drawn from the Zipf-like background.
    concentration : float, default=0.1
        Dirichlet parameter of document-topic proportions (small: few topics
        per document).
    anchor_share : float, default=0.8
        Probability mass each topic puts on its own anchor block.
    seed : int, default=0
        Everything is a deterministic function of the arguments.
    with_texts : bool, default=True
        Build the document strings (skip for matrix-only benchmarks).

    Returns
    -------
    SyntheticCorpus

    Examples
    --------
    >>> from topicmf import make_planted_corpus
    >>> sc = make_planted_corpus(200, n_topics=4, seed=1)
    >>> sc.counts.shape, sc.doc_topic.shape
    ((200, 2000), (200, 4))
    """
    if n_documents < 1 or n_topics < 1 or document_length < 1:
        raise ValueError(
            f"make_planted_corpus: n_documents, n_topics and document_length must be >= 1; got "
            f"{n_documents}, {n_topics}, {document_length}."
        )
    block = vocabulary_size // (n_topics + 1)
    if block < 2:
        raise ValueError(
            f"make_planted_corpus: vocabulary_size={vocabulary_size} is too small for "
            f"{n_topics} topics; need at least {2 * (n_topics + 1)}."
        )
    if not 0.0 <= noise < 1.0:
        raise ValueError(f"make_planted_corpus: noise must be in [0, 1); got {noise!r}.")
    rng = np.random.default_rng(seed)
    V = vocabulary_size

    # Topic-word distributions: anchor block + a thin tail over everything else.
    topic_word = rng.gamma(0.5, size=(n_topics, V)) * (1.0 - anchor_share) / V
    for k in range(n_topics):
        anchor = rng.gamma(2.0, size=block)
        topic_word[k, k * block:(k + 1) * block] += anchor_share * anchor / anchor.sum()
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    background = 1.0 / np.arange(1, V + 1) ** 1.05
    background = background[rng.permutation(V)]
    background /= background.sum()

    doc_topic = rng.dirichlet(np.full(n_topics, concentration), size=n_documents)
    lengths = np.maximum(rng.poisson(document_length, size=n_documents), 5)
    total = int(lengths.sum())
    doc_of_token = np.repeat(np.arange(n_documents), lengths)

    # Topic of each token: inverse CDF of the document's proportions.
    cum = np.cumsum(doc_topic, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(total)
    topic_of_token = np.empty(total, dtype=np.int64)
    chunk = 1 << 20
    for s in range(0, total, chunk):
        rows = cum[doc_of_token[s:s + chunk]]
        topic_of_token[s:s + chunk] = (u[s:s + chunk, None] > rows).sum(axis=1)
    np.minimum(topic_of_token, n_topics - 1, out=topic_of_token)

    # Word of each token: from its topic, or from the background.
    words = np.empty(total, dtype=np.int64)
    is_noise = rng.random(total) < noise
    u2 = rng.random(total)
    for k in range(n_topics):
        idx = np.flatnonzero((topic_of_token == k) & ~is_noise)
        words[idx] = np.searchsorted(np.cumsum(topic_word[k]), u2[idx])
    idx = np.flatnonzero(is_noise)
    words[idx] = np.searchsorted(np.cumsum(background), u2[idx])
    np.minimum(words, V - 1, out=words)

    counts = sp.csr_matrix(
        (np.ones(total), (doc_of_token, words)), shape=(n_documents, V)
    )
    counts.sum_duplicates()
    vocab = np.array(_pseudo_words(V))
    texts: list[str] = []
    if with_texts:
        tokens = vocab[words]
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        texts = [" ".join(tokens[bounds[i]:bounds[i + 1]]) for i in range(n_documents)]
    return SyntheticCorpus(
        texts=texts,
        counts=counts,
        vocabulary=vocab,
        doc_topic=doc_topic,
        topic_word=topic_word,
        labels=doc_topic.argmax(axis=1),
    )
