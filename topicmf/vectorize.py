"""Tokens -> X: :class:`TextVectorizer`, NLTK preprocessing + scikit-learn TF-IDF.

X has shape (n_documents, n_terms), CSR, float64 by default. The fitted
vectorizer keeps the vocabulary, the IDF weights and a readable label per term,
so new documents map to the same columns and analysts never see stems.
``language`` picks the stemmer, the stop-word list and, for Chinese, Japanese
and Korean, character-bigram tokens (:mod:`topicmf.preprocess.languages`).
"""

from __future__ import annotations

import numbers
import re
import warnings
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from .corpora import Corpus
from .preprocess.cjk import CJK_SCRIPT
from .preprocess.clean import TextCleaner
from .preprocess.counts import count_unigrams, limit_features, surface_labels
from .preprocess.languages import DEFAULT_LANGUAGE
from .preprocess.normalize import Accents
from .preprocess.stopwords import STOP_WORD_NAMES, resolve_stop_words
from .preprocess.tokenize import DEFAULT_TOKEN_PATTERN, Analyzer, Lemmatizer, Numbers, Stemmer, check_stemming

__all__ = ["TextVectorizer", "binary_document_term"]

#: Bounds on settings (a model file's values are held to them as well).
MAX_NGRAM = 6
MAX_TOKEN_PATTERN = 1000
MAX_VOCABULARY = 10_000_000
MAX_STOP_WORDS = 1_000_000
#: ``fit`` warns about a script written without spaces that it cannot split when at least
#: this share of the distinct tokens hold it (a few stray runs in an English corpus are not worth it).
UNSEGMENTED_MIN_SHARE = 0.01


def _is_int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _err(name: str, allowed: str, got: Any) -> ValueError:
    return ValueError(f"TextVectorizer: {name!r} must be {allowed}; got {got!r}.")


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
    clean : {"off", "auto", "on"}, default="off"
        The cleaning stage before tokenizing
        (:class:`~topicmf.preprocess.clean.TextCleaner`): syntax debris (URLs,
        e-mail addresses, paths, stack traces, log lines, code blocks, markup,
        TeX, long numbers, reply headers) and boilerplate lines repeated
        across the corpus. ``"auto"`` applies a rule family only where the
        corpus shows it; ``"on"`` every family; ``"off"`` none.
        :func:`topicmf.pipeline.default_vectorizer` uses ``"on"`` with one
        family, ``runtime_frames`` (``pipeline.DEFAULT_CLEANER_OPTIONS``).
    cleaner_options : dict, optional
        Other :class:`TextCleaner` settings (switch one family off:
        ``{"tex": False}``).
    lowercase : bool, default=True
    accents : {"strip", "keep"} or None, default="strip"
        Unicode handling: ``"strip"`` removes accents after NFKD decomposition.
    token_pattern : str, default=r"(?u)\\b\\w\\w+\\b"
        Regular expression of one token (NLTK ``RegexpTokenizer``).
    min_token_length : int, default=2
    numbers : {"drop", "keep"}, default="drop"
        Drop tokens that start with a digit ("2004", "600m").
    language : str, default="english"
        The documents' language: "arabic", "danish", "dutch", "english",
        "finnish", "french", "german", "hungarian", "italian", "norwegian",
        "portuguese", "romanian", "russian", "spanish", "swedish" (NLTK's Snowball
        stemmers, which need no data), or "chinese", "japanese", "korean" (the
        same for all three: each run of Han, Kana or Hangul characters becomes
        its overlapping character bigrams, "数据分析" -> "数据 据分 分析", never
        stemmed; Latin-script words among them are treated as English). Outside
        English, words are stemmed with their accents, then the stems' accents are
        stripped ("nationalité" -> "national"). Other scripts written without
        spaces (Thai, Lao, Khmer, Myanmar; Chinese and Japanese under a
        non-CJK language) are not segmented: ``fit`` warns when they hold at
        least :data:`UNSEGMENTED_MIN_SHARE` of the distinct tokens.
    stop_words : str, list of str or None, default="auto"
        ``"auto"``: the list shipped with topicmf for ``language`` (English for
        the CJK languages); a language name ("english", "german", ...): that
        language's shipped list; ``"nltk"``: NLTK's list of the language (needs
        its data installed); a list: exactly those words; None: none. Lists are
        compared with the tokens after the same normalisation (with
        ``accents="strip"``, "für" drops "fur" and "für").
    extra_stop_words : list of str, optional
        Added to ``stop_words`` (for the CJK languages, bigrams such as "我们" work).
    stemmer : {"snowball", "porter", "pystemmer"} or None, default="snowball"
        ``"snowball"``: NLTK's Snowball stemmer of ``language``; ``"porter"``:
        NLTK's Porter stemmer, English only; ``"pystemmer"``: the Snowball
        stemmer of ``language`` from PyStemmer (the Snowball project's C code,
        current release: about 5x faster, and different from NLTK's port on
        about 0.1% of English words, e.g. "added" -> "add", not "ad").
    lemmatizer : {"wordnet"} or None, default=None
        English only. Needs NLTK's WordNet data; without it ``fit`` raises a
        ``LookupError`` that says how to install it.
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
    stop_words_ : frozenset of str
        The stop words in force (``stop_words`` and ``extra_stop_words`` resolved
        and normalised like the tokens).
    cleaner_ : TextCleaner or None
        The fitted cleaning stage (None with ``clean="off"``); ``cleaner_.stats_``
        says what it removed.
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
        clean: Literal["off", "auto", "on"] = "off",
        cleaner_options: dict[str, Any] | None = None,
        lowercase: bool = True,
        accents: Accents | None = "strip",
        token_pattern: str = DEFAULT_TOKEN_PATTERN,
        min_token_length: int = 2,
        numbers: Numbers = "drop",
        language: str = DEFAULT_LANGUAGE,
        stop_words: str | Iterable[str] | None = "auto",
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
        self.clean = clean
        self.cleaner_options = cleaner_options
        self.lowercase = lowercase
        self.accents = accents
        self.token_pattern = token_pattern
        self.min_token_length = min_token_length
        self.numbers = numbers
        self.language = language
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

    def _validate_params(self) -> None:
        """Check every setting (the constructor's rules, applied when fitting and loading)."""
        if self.clean not in ("off", "auto", "on"):
            raise _err("clean", "'off', 'auto' or 'on'", self.clean)
        if self.cleaner_options is not None:
            if not isinstance(self.cleaner_options, dict) or "mode" in self.cleaner_options:
                raise _err("cleaner_options", "None or a dict of TextCleaner settings (not 'mode')",
                           self.cleaner_options)
            try:
                TextCleaner(mode="on", **self.cleaner_options)._validate_params()
            except (TypeError, ValueError) as exc:
                raise _err("cleaner_options", f"TextCleaner settings ({exc})", self.cleaner_options) from None
        for name in ("lowercase", "sublinear_tf"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise _err(name, "True or False", getattr(self, name))
        if self.accents not in ("strip", "keep", None):
            raise _err("accents", "'strip', 'keep' or None", self.accents)
        if not isinstance(self.token_pattern, str) or not 0 < len(self.token_pattern) <= MAX_TOKEN_PATTERN:
            raise _err("token_pattern", f"a regular expression of 1-{MAX_TOKEN_PATTERN} characters",
                       self.token_pattern)
        try:
            re.compile(self.token_pattern)
        except re.error as exc:
            raise _err("token_pattern", f"a valid regular expression ({exc})", self.token_pattern) from None
        if not _is_int(self.min_token_length) or not 1 <= self.min_token_length <= 100:
            raise _err("min_token_length", "an int in [1, 100]", self.min_token_length)
        if self.numbers not in ("drop", "keep"):
            raise _err("numbers", "'drop' or 'keep'", self.numbers)
        try:
            check_stemming(self.stemmer, self.lemmatizer, self.language)
        except ValueError as exc:
            raise ValueError(f"TextVectorizer: {exc}") from None
        ngram = self.ngram_range
        if (not isinstance(ngram, (tuple, list)) or len(ngram) != 2 or not all(_is_int(v) for v in ngram)
                or not 1 <= ngram[0] <= ngram[1] <= MAX_NGRAM):
            raise _err("ngram_range", f"(min_n, max_n) with 1 <= min_n <= max_n <= {MAX_NGRAM}", ngram)
        for name in ("min_df", "max_df"):
            v = getattr(self, name)
            if _is_int(v):
                if v < 1:
                    raise _err(name, "an int >= 1 or a float in [0, 1]", v)
            elif not isinstance(v, numbers.Real) or isinstance(v, bool) or not 0.0 <= float(v) <= 1.0:
                raise _err(name, "an int >= 1 or a float in [0, 1]", v)
        if self.max_features is not None and (not _is_int(self.max_features) or not
                                              1 <= self.max_features <= MAX_VOCABULARY):
            raise _err("max_features", f"None or an int in [1, {MAX_VOCABULARY:,}]", self.max_features)
        if self.norm not in ("l1", "l2", None):
            raise _err("norm", "'l1', 'l2' or None", self.norm)
        try:
            dtype_name = np.dtype(self.dtype).name
        except TypeError:
            dtype_name = None
        if dtype_name not in ("float64", "float32"):
            raise _err("dtype", "float64 or float32", self.dtype)
        for name in ("stop_words", "extra_stop_words"):
            v = getattr(self, name)
            if v is None or (name == "stop_words" and v in STOP_WORD_NAMES):
                continue
            if isinstance(v, str) or not isinstance(v, Iterable):
                allowed = f"one of {', '.join(map(repr, STOP_WORD_NAMES))}, a list of words or None" \
                    if name == "stop_words" else "a list of words or None"
                raise _err(name, allowed, v)

    def _resolve_stop_words(self) -> frozenset[str]:
        """``stop_words`` and ``extra_stop_words`` as the set the analyzer compares tokens with."""
        try:
            return resolve_stop_words(self.stop_words, self.extra_stop_words, language=self.language,
                                      accents=self.accents)
        except ValueError as exc:
            raise ValueError(f"TextVectorizer: {exc}") from None

    def _build_analyzer(self, stop_words: frozenset[str] | None = None) -> Analyzer:
        stop_words = self._resolve_stop_words() if stop_words is None else stop_words
        try:
            return Analyzer(
                stop_words=stop_words,
                stemmer=self.stemmer,
                lemmatizer=self.lemmatizer,
                lowercase=self.lowercase,
                accents=self.accents,
                token_pattern=self.token_pattern,
                min_token_length=self.min_token_length,
                numbers=self.numbers,
                ngram_range=(int(self.ngram_range[0]), int(self.ngram_range[1])),
                language=self.language,
            )
        except ValueError as exc:
            raise ValueError(f"TextVectorizer: {exc}") from None

    def _make_tfidf(self, analyzer: Analyzer, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer=analyzer,
            vocabulary=vocabulary,
            min_df=self.min_df,
            max_df=self.max_df,
            max_features=self.max_features,
            sublinear_tf=self.sublinear_tf,
            norm=self.norm,
            dtype=np.dtype(self.dtype).type,
        )

    def fit(self, raw_documents: Iterable[str] | Corpus, y: Any = None) -> TextVectorizer:
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
        self._validate_params()
        if self.clean != "off":
            cleaner = TextCleaner(mode=self.clean, **(self.cleaner_options or {}))
            texts = cleaner.fit_transform(texts)
            self.cleaner_: TextCleaner | None = cleaner
        else:
            self.cleaner_ = None
        analyzer = self._build_analyzer()
        if analyzer.ngram_range == (1, 1):
            try:
                X, tfidf, surface = self._fit_unigrams(texts, analyzer)
            except ValueError as exc:
                raise self._explain_empty(texts, analyzer, exc) from None
        else:
            tfidf = self._make_tfidf(analyzer)
            analyzer.start_recording()
            try:
                X = tfidf.fit_transform(texts)
            except ValueError as exc:
                analyzer.stop_recording()
                raise self._explain_empty(texts, analyzer, exc) from None
            surface = analyzer.stop_recording()
        self._warn_unsegmented(analyzer)
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
        self.stop_words_ = analyzer.stop_words
        self.n_documents_ = n_docs
        self.n_empty_documents_ = int(np.count_nonzero(np.diff(X.indptr) == 0))
        return X

    def _fit_unigrams(self, texts: list[str], analyzer: Analyzer
                      ) -> tuple[sp.spmatrix, TfidfVectorizer, dict[str, str]]:
        """``TfidfVectorizer(analyzer=analyzer).fit_transform(texts)`` for single words, faster.

        Each document's tokens are counted in C (:func:`~topicmf.preprocess.counts.count_tokens`)
        and filtered and stemmed once per distinct token, instead of once per
        occurrence inside scikit-learn's counting loop; the vocabulary rules,
        IDF and normalisation are scikit-learn's (same X, vocabulary and IDF).
        Returns X, the fitted ``TfidfVectorizer`` (for ``transform``) and the
        stem -> surface-word labels.
        """
        C, terms, surface_counts = count_unigrams(texts, analyzer, np.dtype(self.dtype).type)
        if not terms:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        df = np.bincount(C.indices, minlength=C.shape[1])
        tf = np.asarray(C.sum(axis=0)).ravel()
        kept = np.flatnonzero(limit_features(terms, df, tf, len(texts), self.min_df, self.max_df,
                                             self.max_features))
        if len(kept) == 0:
            raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
        C = sp.csr_matrix(C[:, kept])
        C.sort_indices()
        transformer = TfidfTransformer(norm=self.norm, use_idf=True, smooth_idf=True,
                                       sublinear_tf=self.sublinear_tf)
        X = transformer.fit_transform(C)
        tfidf = self._make_tfidf(analyzer, {terms[j]: i for i, j in enumerate(kept)})
        tfidf.idf_ = transformer.idf_
        return X, tfidf, surface_labels(surface_counts)

    def _warn_unsegmented(self, analyzer: Analyzer) -> None:
        """Warn about a script written without spaces that the analyzer could not split into words."""
        for script, runs in analyzer.unsegmented_runs(UNSEGMENTED_MIN_SHARE).items():
            example = runs[0] if len(runs[0]) <= 20 else runs[0][:20] + "..."
            if script == CJK_SCRIPT:
                what = "are unbroken runs of Chinese/Japanese text"
                advice = (f"language={self.language!r} keeps each run as one token; use language='chinese' or "
                          f"'japanese' to split them into character bigrams")
            else:
                what = f"hold {script} text"
                advice = f"topicmf cannot split {script} text into words (unsupported), so its terms are fragments"
            # stacklevel 4: the caller of fit_transform (through scikit-learn's set_output wrapper)
            warnings.warn(f"TextVectorizer: {len(runs)} distinct tokens {what} (e.g. {example!r}); {advice}.",
                          UserWarning, stacklevel=4)

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
        texts = _texts_of(raw_documents)
        cleaner = getattr(self, "cleaner_", None)
        if cleaner is not None:
            texts = cleaner.transform(texts)
        X = sp.csr_matrix(self.tfidf_.transform(texts))
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

    # -- fitted state as plain data -------------------------------------------
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted vectorizer as plain data: ``(document, arrays)``.

        ``document`` is JSON-serialisable: ``{"params": get_params(), "fitted":
        {...}}`` with the resolved stop words (so a model made with NLTK's list
        loads without NLTK's data), the vocabulary in column order, the term
        labels and counts; ``arrays`` holds ``idf``. :meth:`from_state` rebuilds it.
        """
        check_is_fitted(self, "tfidf_")
        params = self.get_params()
        params["ngram_range"] = [int(v) for v in params["ngram_range"]]
        params["dtype"] = np.dtype(params["dtype"]).name
        for name in ("stop_words", "extra_stop_words"):
            v = params[name]
            if v is not None and not isinstance(v, str):
                params[name] = sorted(str(w) for w in v)
        params = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}
        cleaner = getattr(self, "cleaner_", None)
        fitted = {
            "stop_words": sorted(self.stop_words_),
            "terms": [str(t) for t in self.get_feature_names_out()],
            "term_labels": [str(t) for t in self.term_labels_],
            "n_documents": int(self.n_documents_),
            "n_empty_documents": int(self.n_empty_documents_),
            "cleaner": cleaner.to_dict() if cleaner is not None else None,
        }
        return {"params": params, "fitted": fitted}, {"idf": np.asarray(self.idf_, dtype=np.float64)}

    @classmethod
    def from_state(cls, document: dict[str, Any], arrays: dict[str, np.ndarray]) -> TextVectorizer:
        """Rebuild a fitted vectorizer from :meth:`to_state`'s output, checking everything.

        Raises
        ------
        ValueError
            Unknown or invalid settings (the constructor's rules and bounds),
            a malformed or duplicated vocabulary, or IDF weights that do not match.
        """
        if not isinstance(document, dict) or not isinstance(document.get("params"), dict):
            raise ValueError("TextVectorizer state: 'params' must be an object.")
        params = dict(document["params"])
        unknown = sorted(set(params) - set(cls().get_params()))
        if unknown:
            raise ValueError(f"TextVectorizer state: unknown parameter {unknown[0]!r}.")
        if isinstance(params.get("ngram_range"), list):
            params["ngram_range"] = tuple(params["ngram_range"])
        vec = cls(**params)
        vec._validate_params()
        fitted = document.get("fitted")
        if not isinstance(fitted, dict):
            raise ValueError("TextVectorizer state: 'fitted' must be an object.")

        def words(name: str, limit: int) -> list[str]:
            v = fitted.get(name)
            if not isinstance(v, list) or len(v) > limit or not all(isinstance(w, str) for w in v):
                raise ValueError(f"TextVectorizer state: {name!r} must be a list of at most {limit:,} strings.")
            return v

        stop_words = frozenset(words("stop_words", MAX_STOP_WORDS))
        terms = words("terms", MAX_VOCABULARY)
        labels = words("term_labels", MAX_VOCABULARY)
        if len(set(terms)) != len(terms):
            raise ValueError("TextVectorizer state: the vocabulary holds duplicate terms.")
        if len(labels) != len(terms) or not terms:
            raise ValueError(f"TextVectorizer state: {len(terms)} terms but {len(labels)} term labels.")
        idf = np.asarray(arrays.get("idf", np.zeros(0)))
        if idf.shape != (len(terms),) or idf.dtype.kind != "f" or not np.all(np.isfinite(idf)):
            raise ValueError(f"TextVectorizer state: idf must be {len(terms)} finite floats; "
                             f"got shape {idf.shape} of {idf.dtype}.")
        for name in ("n_documents", "n_empty_documents"):
            if not _is_int(fitted.get(name)) or fitted[name] < 0:
                raise ValueError(f"TextVectorizer state: {name!r} must be an int >= 0; got {fitted.get(name)!r}.")
        analyzer = vec._build_analyzer(stop_words)
        tfidf = vec._make_tfidf(analyzer, {t: i for i, t in enumerate(terms)})
        tfidf.idf_ = idf.astype(np.float64)
        vec.analyzer_, vec.tfidf_, vec.vocabulary_, vec.idf_ = analyzer, tfidf, tfidf.vocabulary_, tfidf.idf_
        vec.stop_words_ = stop_words
        vec.term_labels_ = np.array(labels, dtype=object)
        vec.n_documents_ = int(fitted["n_documents"])
        vec.n_empty_documents_ = int(fitted["n_empty_documents"])
        cleaner_doc = fitted.get("cleaner")
        if (cleaner_doc is None) != (vec.clean == "off"):
            raise ValueError(f"TextVectorizer state: clean={vec.clean!r} but the cleaner's state is "
                             f"{'missing' if cleaner_doc is None else 'present'}.")
        vec.cleaner_ = TextCleaner.from_dict(cleaner_doc) if cleaner_doc is not None else None
        return vec

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
