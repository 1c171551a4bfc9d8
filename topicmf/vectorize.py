"""Tokens -> X: :class:`TextVectorizer`, NLTK preprocessing + scikit-learn TF-IDF.

X has shape (n_documents, n_terms), CSR, float64 by default. The fitted
vectorizer keeps the vocabulary, the IDF weights and a readable label per term,
so new documents map to the same columns and analysts never see stems.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from .corpora import Corpus
from .preprocess.normalize import Accents
from .preprocess.stopwords import resolve_stop_words
from .preprocess.tokenize import DEFAULT_TOKEN_PATTERN, Analyzer, Lemmatizer, Numbers, Stemmer

__all__ = ["TextVectorizer", "binary_document_term"]


def binary_document_term(X: sp.spmatrix) -> sp.csr_matrix:
    """The binary (0/1) document-term matrix with the same sparsity pattern as X.

    Parameters
    ----------
    X : sparse matrix, shape (n_documents, n_terms)

    Returns
    -------
    scipy.sparse.csr_matrix of float64, shape (n_documents, n_terms)
    """
    B = sp.csr_matrix(X, dtype=np.float64, copy=True)
    B.eliminate_zeros()
    B.data[:] = 1.0
    return B


def _texts_of(raw: Any) -> list[str]:
    if isinstance(raw, Corpus):
        return raw.texts
    if isinstance(raw, str):
        raise ValueError(
            "TextVectorizer: expected an iterable of documents (str), got a single str; "
            "wrap it in a list."
        )
    texts = list(raw)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise ValueError(f"TextVectorizer: document {i} is {type(t).__name__}, not str.")
    return texts


class TextVectorizer(TransformerMixin, BaseEstimator):
    """Documents -> sparse TF-IDF matrix X, with NLTK tokenizing and stemming.

    Parameters
    ----------
    lowercase : bool, default=True
    accents : {"strip", "keep"} or None, default="strip"
        Unicode handling: ``"strip"`` removes accents after NFKD decomposition.
    token_pattern : str, default=r"(?u)\\b\\w\\w+\\b"
        Regular expression of one token (NLTK ``RegexpTokenizer``).
    min_token_length : int, default=2
    numbers : {"drop", "keep"}, default="drop"
        Drop tokens that start with a digit ("2004", "600m").
    stop_words : {"english", "nltk"}, list of str or None, default="english"
        ``"english"`` is the list shipped with topicmf; ``"nltk"`` NLTK's list
        (needs its data installed).
    extra_stop_words : list of str, optional
        Added to ``stop_words``.
    stemmer : {"snowball", "porter"} or None, default="snowball"
    lemmatizer : {"wordnet"} or None, default=None
        Needs NLTK's WordNet data; without it ``fit`` raises a ``LookupError``
        that says how to install it.
    ngram_range : tuple (min_n, max_n), default=(1, 1)
    min_df, max_df : int or float, default=1 and 1.0
        Document-frequency bounds, as in scikit-learn (int: count, float: share).
    max_features : int, optional
        Keep the most frequent terms only.
    sublinear_tf : bool, default=False
        Use 1 + log(tf).
    norm : {"l2", "l1"} or None, default="l2"
        Row normalisation of X.
    dtype : numpy dtype, default=numpy.float64

    Attributes
    ----------
    vocabulary_ : dict of str -> int
        Term (stem or n-gram of stems) -> column of X.
    idf_ : ndarray of shape (n_terms,)
    term_labels_ : ndarray of str, shape (n_terms,)
        Readable label per column: the most frequent surface form of the stem.
    n_empty_documents_ : int
        Training documents with no term left (their rows of X are zero).
    n_features_in_ : int
        Not defined (the input is text); see ``get_feature_names_out``.

    Examples
    --------
    >>> import topicmf as tm
    >>> corpus = tm.load_corpus("newsroom")
    >>> vec = tm.TextVectorizer(min_df=2)
    >>> X = vec.fit_transform(corpus.texts)
    >>> X.shape[0], X.format
    (240, 'csr')
    """

    def __init__(
        self,
        *,
        lowercase: bool = True,
        accents: Accents | None = "strip",
        token_pattern: str = DEFAULT_TOKEN_PATTERN,
        min_token_length: int = 2,
        numbers: Numbers = "drop",
        stop_words: Literal["english", "nltk"] | Iterable[str] | None = "english",
        extra_stop_words: Iterable[str] | None = None,
        stemmer: Stemmer | None = "snowball",
        lemmatizer: Lemmatizer | None = None,
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int | float = 1,
        max_df: int | float = 1.0,
        max_features: int | None = None,
        sublinear_tf: bool = False,
        norm: Literal["l2", "l1"] | None = "l2",
        dtype: Any = np.float64,
    ) -> None:
        self.lowercase = lowercase
        self.accents = accents
        self.token_pattern = token_pattern
        self.min_token_length = min_token_length
        self.numbers = numbers
        self.stop_words = stop_words
        self.extra_stop_words = extra_stop_words
        self.stemmer = stemmer
        self.lemmatizer = lemmatizer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.norm = norm
        self.dtype = dtype

    def _build_analyzer(self) -> Analyzer:
        return Analyzer(
            stop_words=resolve_stop_words(self.stop_words, self.extra_stop_words),
            stemmer=self.stemmer,
            lemmatizer=self.lemmatizer,
            lowercase=self.lowercase,
            accents=self.accents,
            token_pattern=self.token_pattern,
            min_token_length=self.min_token_length,
            numbers=self.numbers,
            ngram_range=tuple(self.ngram_range),
        )

    def fit(self, raw_documents: Iterable[str] | Corpus, y: Any = None) -> "TextVectorizer":
        """Learn vocabulary, IDF and term labels from the documents."""
        self.fit_transform(raw_documents)
        return self

    def fit_transform(self, raw_documents: Iterable[str] | Corpus, y: Any = None) -> sp.csr_matrix:
        """Learn the vocabulary and return X.

        Parameters
        ----------
        raw_documents : iterable of str or Corpus, length n_documents

        Returns
        -------
        X : scipy.sparse.csr_matrix, shape (n_documents, n_terms)

        Raises
        ------
        ValueError
            The corpus is empty, every document is empty or only stop words, or
            the document-frequency settings leave no term.
        """
        texts = _texts_of(raw_documents)
        n_docs = len(texts)
        if n_docs == 0:
            raise ValueError("TextVectorizer: the corpus is empty (0 documents); nothing to vectorize.")
        analyzer = self._build_analyzer()
        tfidf = TfidfVectorizer(
            analyzer=analyzer,
            min_df=self.min_df,
            max_df=self.max_df,
            max_features=self.max_features,
            sublinear_tf=self.sublinear_tf,
            norm=self.norm,
            dtype=self.dtype,
        )
        analyzer.start_recording()
        try:
            X = tfidf.fit_transform(texts)
        except ValueError as exc:
            analyzer.stop_recording()
            raise self._explain_empty(texts, analyzer, exc) from None
        surface = analyzer.stop_recording()
        X = sp.csr_matrix(X)
        X.sort_indices()
        self.analyzer_ = analyzer
        self.tfidf_ = tfidf
        self.vocabulary_ = tfidf.vocabulary_
        self.idf_ = tfidf.idf_
        terms = tfidf.get_feature_names_out()
        self.term_labels_ = np.array(
            [" ".join(surface.get(part, part) for part in term.split(" ")) for term in terms], dtype=object
        )
        self.n_documents_ = n_docs
        self.n_empty_documents_ = int(np.count_nonzero(np.diff(X.indptr) == 0))
        return X

    def _explain_empty(self, texts: list[str], analyzer: Analyzer, exc: ValueError) -> ValueError:
        n_docs = len(texts)
        distinct: set[str] = set()
        for t in texts:
            distinct.update(analyzer(t))
        if not distinct:
            n_blank = sum(1 for t in texts if not t.strip())
            return ValueError(
                f"TextVectorizer: all {n_docs} documents are empty ({n_blank}) or contain only stop "
                f"words, numbers or tokens shorter than {self.min_token_length} characters "
                f"(stop_words={self.stop_words!r}, numbers={self.numbers!r}); no term is left."
            )
        return ValueError(
            f"TextVectorizer: TF-IDF matrix has 0 terms after document-frequency pruning "
            f"(min_df={self.min_df!r}, max_df={self.max_df!r}, max_features={self.max_features!r}, "
            f"{n_docs} documents, {len(distinct)} distinct terms before pruning); lower min_df or "
            f"raise max_df. (scikit-learn: {exc})"
        )

    def transform(self, raw_documents: Iterable[str] | Corpus) -> sp.csr_matrix:
        """Map documents to the fitted columns.

        Returns
        -------
        X : scipy.sparse.csr_matrix, shape (n_documents, n_terms)
        """
        check_is_fitted(self, "tfidf_")
        X = sp.csr_matrix(self.tfidf_.transform(_texts_of(raw_documents)))
        X.sort_indices()
        return X

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Column names of X: the stemmed terms, shape (n_terms,)."""
        check_is_fitted(self, "tfidf_")
        return self.tfidf_.get_feature_names_out()

    def get_term_labels(self) -> np.ndarray:
        """Readable label of each column of X (surface forms), shape (n_terms,)."""
        check_is_fitted(self, "tfidf_")
        return self.term_labels_

    def binary_matrix(self, X_or_documents: sp.spmatrix | Iterable[str] | Corpus) -> sp.csr_matrix:
        """The binary document-term matrix over the fitted vocabulary.

        Parameters
        ----------
        X_or_documents : sparse matrix from this vectorizer, or documents

        Returns
        -------
        scipy.sparse.csr_matrix, shape (n_documents, n_terms)
            1.0 where a document contains a term, else 0.
        """
        X = X_or_documents if sp.issparse(X_or_documents) else self.transform(X_or_documents)
        return binary_document_term(X)

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
