"""Tokens from text: NLTK tokenizing, stop words, stemming (memoised), n-grams.

:class:`Analyzer` is the callable that scikit-learn's ``TfidfVectorizer`` uses as
its ``analyzer``. Each distinct token is normalised, filtered and stemmed once
and remembered, so stemming costs a dictionary look-up per token. While
recording, it also counts surface forms so each stem gets a readable label
(the most frequent word that produced it: "economi" -> "economy").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Literal

from nltk.tokenize import RegexpTokenizer

from .normalize import Accents, normalize_text
from .stopwords import NLTK_DATA_HINT

__all__ = ["Analyzer", "make_stemmer", "DEFAULT_TOKEN_PATTERN", "LETTERS_TOKEN_PATTERN"]

#: Words of two or more letters/digits: the default token. It cannot backtrack,
#: so it runs on Python's ``re``; NLTK 3.10 sends every pattern through the
#: ``regex`` engine under a timeout (its ReDoS guard), about 3x slower. Any
#: other pattern goes through NLTK's ``RegexpTokenizer`` and keeps that guard.
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
#: Words made of letters only (no digits, no underscores): a run of word
#: characters is a token only when every character is a letter, so ``foo_bar``,
#: ``x86`` and ``0x1f`` give nothing and punctuation runs never do. Runs in
#: linear time (``\w+`` runs filtered with ``str.isalpha``); what
#: :func:`topicmf.pipeline.default_vectorizer` uses.
LETTERS_TOKEN_PATTERN = r"(?u)\b[^\W\d_]+\b"
_WORD_RUNS = re.compile(r"\w+")


def _letter_runs(text: str) -> list[str]:
    return [t for t in _WORD_RUNS.findall(text) if t.isalpha()]

# word -> stem, per (stemmer, lemmatizer): stemming is a pure function, so one
# memo serves every Analyzer in the process.
_STEM_MEMOS: dict[tuple[str | None, str | None], dict[str, str]] = {}


def _make_tokenizer(pattern: str) -> Callable[[str], list[str]]:
    if pattern == DEFAULT_TOKEN_PATTERN:
        return re.compile(pattern).findall
    if pattern == LETTERS_TOKEN_PATTERN:
        return _letter_runs
    return RegexpTokenizer(pattern).tokenize

Stemmer = Literal["snowball", "porter"]
Lemmatizer = Literal["wordnet"]
Numbers = Literal["drop", "keep"]


def make_stemmer(stemmer: Stemmer | None, lemmatizer: Lemmatizer | None = None) -> Callable[[str], str]:
    """A function word -> stem (or lemma, then stem) built from NLTK.

    Raises
    ------
    ValueError
        Unknown stemmer or lemmatizer name.
    LookupError
        ``lemmatizer="wordnet"`` without NLTK's WordNet data; the message says
        how to install it.
    """
    steps: list[Callable[[str], str]] = []
    if lemmatizer is not None:
        if lemmatizer != "wordnet":
            raise ValueError(f"'lemmatizer' must be 'wordnet' or None; got {lemmatizer!r}.")
        from nltk.corpus import wordnet
        from nltk.stem import WordNetLemmatizer

        try:
            wordnet.ensure_loaded()
        except LookupError:
            raise LookupError(
                "lemmatizer='wordnet' needs NLTK's WordNet data, which is not installed; "
                + NLTK_DATA_HINT.format(package="wordnet")
                + ", or use lemmatizer=None (Snowball stemming needs no data)."
            ) from None
        steps.append(WordNetLemmatizer().lemmatize)
    if stemmer == "snowball":
        from nltk.stem.snowball import SnowballStemmer

        steps.append(SnowballStemmer("english").stem)
    elif stemmer == "porter":
        from nltk.stem.porter import PorterStemmer

        steps.append(PorterStemmer().stem)
    elif stemmer is not None:
        raise ValueError(f"'stemmer' must be 'snowball', 'porter' or None; got {stemmer!r}.")
    if not steps:
        return _identity
    if len(steps) == 1:
        return steps[0]
    first, second = steps

    def chain(word: str) -> str:
        return second(first(word))

    return chain


def _identity(word: str) -> str:
    return word


class Analyzer:
    """Document -> list of terms (stems, and n-grams of stems).

    Parameters
    ----------
    stop_words : frozenset of str
        Lowercase words to drop (compared before stemming).
    stemmer, lemmatizer : see :func:`make_stemmer`
    lowercase : bool
    accents : {"strip", "keep"} or None
    token_pattern : str
        Regular expression for a token (NLTK ``RegexpTokenizer``).
    min_token_length : int
        Tokens shorter than this are dropped.
    numbers : {"drop", "keep"}
        ``"drop"`` removes tokens that start with a digit ("2004", "600m").
    ngram_range : tuple of int
        (min_n, max_n) over consecutive kept terms.
    """

    def __init__(
        self,
        *,
        stop_words: frozenset[str],
        stemmer: Stemmer | None = "snowball",
        lemmatizer: Lemmatizer | None = None,
        lowercase: bool = True,
        accents: Accents | None = "strip",
        token_pattern: str = DEFAULT_TOKEN_PATTERN,
        min_token_length: int = 2,
        numbers: Numbers = "drop",
        ngram_range: tuple[int, int] = (1, 1),
    ) -> None:
        if numbers not in ("drop", "keep"):
            raise ValueError(f"'numbers' must be 'drop' or 'keep'; got {numbers!r}.")
        if accents not in ("strip", "keep", None):
            raise ValueError(f"'accents' must be 'strip', 'keep' or None; got {accents!r}.")
        lo, hi = ngram_range
        if not 1 <= lo <= hi:
            raise ValueError(f"'ngram_range' must be (min_n, max_n) with 1 <= min_n <= max_n; got {ngram_range!r}.")
        self.stop_words = stop_words
        self.stemmer = stemmer
        self.lemmatizer = lemmatizer
        self.lowercase = lowercase
        self.accents = accents
        self.token_pattern = token_pattern
        self.min_token_length = min_token_length
        self.numbers = numbers
        self.ngram_range = (lo, hi)
        self._stem = make_stemmer(stemmer, lemmatizer)
        self._stem_memo = _STEM_MEMOS.setdefault((stemmer, lemmatizer), {})
        self._tokenize = _make_tokenizer(token_pattern)
        self._cache: dict[str, str] = {}
        self._surface: Counter[str] | None = None

    # -- pickling: stemmer and NLTK tokenizer are rebuilt, the cache is kept --
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_stem"], state["_tokenize"], state["_stem_memo"]
        state["_surface"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._stem = make_stemmer(self.stemmer, self.lemmatizer)
        self._stem_memo = _STEM_MEMOS.setdefault((self.stemmer, self.lemmatizer), {})
        self._tokenize = _make_tokenizer(self.token_pattern)

    def _term_of(self, token: str) -> str:
        """Stem of one token, or "" when the token is dropped; memoised."""
        if (
            len(token) < self.min_token_length
            or token in self.stop_words
            or (self.numbers == "drop" and token[0].isdigit())
        ):
            term = ""
        else:
            memo = self._stem_memo.get(token)
            term = memo if memo is not None else self._stem_memo.setdefault(token, self._stem(token))
        self._cache[token] = term
        return term

    def tokens(self, doc: str) -> list[str]:
        """Normalised tokens of ``doc`` before filtering and stemming."""
        return self._tokenize(normalize_text(doc, lowercase=self.lowercase, accents=self.accents))

    def __call__(self, doc: str) -> list[str]:
        toks = self.tokens(doc)
        cache = self._cache
        looked_up = list(map(cache.get, toks))
        if None in looked_up:  # first sight of some tokens: filter and stem them once
            looked_up = [cache[t] if t in cache else self._term_of(t) for t in toks]
        if self._surface is not None:
            self._surface.update(toks)
        terms: list[str] = [t for t in looked_up if t]
        lo, hi = self.ngram_range
        if hi == 1:
            return terms
        out = terms if lo == 1 else []
        for n in range(max(lo, 2), hi + 1):
            out = out + [" ".join(terms[i:i + n]) for i in range(len(terms) - n + 1)]
        return out

    def start_recording(self) -> None:
        """Count surface tokens from now on (for readable term labels)."""
        self._surface = Counter()

    def stop_recording(self) -> dict[str, str]:
        """Stop counting; return stem -> most frequent surface token (ties: alphabetical)."""
        counts, self._surface = self._surface or Counter(), None
        best: dict[str, tuple[int, str]] = {}
        for token, n in counts.items():
            term = self._cache.get(token) or ""
            if not term:
                continue
            cur = best.get(term)
            if cur is None or n > cur[0] or (n == cur[0] and token < cur[1]):
                best[term] = (n, token)
        return {term: token for term, (_, token) in best.items()}
