"""Tokens from text: NLTK tokenizing, stop words, stemming (memoised), n-grams, per language.

:class:`Analyzer` is the callable that scikit-learn's ``TfidfVectorizer`` uses as
its ``analyzer``. Each distinct token is normalised, filtered and stemmed once
and remembered, so stemming costs a dictionary look-up per token. While
recording, it also counts surface forms so each stem gets a readable label
(the most frequent word that produced it: "economi" -> "economy").

The ``language`` (:mod:`topicmf.preprocess.languages`) picks the Snowball
stemmer; in languages other than English a word is stemmed with its accents and
the stem's accents are stripped afterwards; in Chinese, Japanese and Korean runs
of CJK characters become character bigrams (:mod:`topicmf.preprocess.cjk`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Literal

from nltk.tokenize import RegexpTokenizer

from .cjk import has_cjk, skip_cjk, split_cjk, unsegmented_runs
from .languages import DEFAULT_LANGUAGE, Language, get_language
from .normalize import Accents, normalize_text
from .stopwords import NLTK_DATA_HINT

__all__ = ["Analyzer", "check_stemming", "make_stemmer", "DEFAULT_TOKEN_PATTERN", "LETTERS_TOKEN_PATTERN"]

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

# word -> stem, per (stemmer, lemmatizer, language): stemming is a pure function,
# so one memo serves every Analyzer in the process.
_STEM_MEMOS: dict[tuple[str | None, str | None, str], dict[str, str]] = {}


def _make_tokenizer(pattern: str, cjk: bool = False) -> Callable[[str], list[str]]:
    if cjk:
        words = _make_tokenizer(pattern)

        def cjk_tokenize(text: str) -> list[str]:
            return split_cjk(words(text))

        return cjk_tokenize
    if pattern == DEFAULT_TOKEN_PATTERN:
        return re.compile(pattern).findall
    if pattern == LETTERS_TOKEN_PATTERN:
        return _letter_runs
    return RegexpTokenizer(pattern).tokenize


#: Analyzer attributes made by ``Analyzer._build`` from the settings (not pickled).
_BUILT = frozenset({"_stem", "_stem_memo", "_tokenize", "_cjk", "_drop_marks", "_strip_stems"})


def _strip_accents(word: str) -> str:
    return normalize_text(word, lowercase=False, accents="strip")


Stemmer = Literal["snowball", "porter", "pystemmer"]
Lemmatizer = Literal["wordnet"]
Numbers = Literal["drop", "keep"]


def check_stemming(stemmer: object, lemmatizer: object, language: object) -> Language:
    """Check a stemmer, lemmatizer and language go together; return the language's record.

    Raises
    ------
    ValueError
        Unknown stemmer, lemmatizer or language name, or an English-only stemmer
        (Porter) or lemmatizer (WordNet) with another language.
    """
    lang = get_language(language)
    if stemmer not in ("snowball", "porter", "pystemmer", None):
        raise ValueError(f"'stemmer' must be 'snowball', 'porter', 'pystemmer' or None; got {stemmer!r}.")
    if lemmatizer not in ("wordnet", None):
        raise ValueError(f"'lemmatizer' must be 'wordnet' or None; got {lemmatizer!r}.")
    if lang.snowball != "english" and (stemmer == "porter" or lemmatizer is not None):
        what = f"stemmer={stemmer!r}" if stemmer == "porter" else f"lemmatizer={lemmatizer!r}"
        raise ValueError(f"{what} is English only; got language={language!r}: use stemmer='snowball' "
                         f"(Snowball's {lang.snowball} stemmer) and lemmatizer=None.")
    return lang


def make_stemmer(
    stemmer: Stemmer | None, lemmatizer: Lemmatizer | None = None, language: str = DEFAULT_LANGUAGE
) -> Callable[[str], str]:
    """A function word -> stem (or lemma, then stem) built from NLTK.

    Parameters
    ----------
    stemmer : {"snowball", "porter"} or None
        ``"snowball"``: ``nltk.stem.SnowballStemmer`` of the language (needs no
        data); ``"porter"``: NLTK's Porter stemmer, English only.
    lemmatizer : {"wordnet"} or None, default=None
        WordNet's lemmatizer, English only.
    language : str, default="english"
        A name from :data:`~topicmf.preprocess.languages.LANGUAGES`; in Chinese,
        Japanese and Korean, CJK bigrams are returned as they are and other words
        are stemmed as English.

    Raises
    ------
    ValueError
        See :func:`check_stemming`.
    LookupError
        ``lemmatizer="wordnet"`` without NLTK's WordNet data; the message says
        how to install it.
    """
    lang = check_stemming(stemmer, lemmatizer, language)
    steps: list[Callable[[str], str]] = []
    if lemmatizer is not None:
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

        steps.append(SnowballStemmer(lang.snowball).stem)
    elif stemmer == "porter":
        from nltk.stem.porter import PorterStemmer

        steps.append(PorterStemmer().stem)
    elif stemmer == "pystemmer":
        import Stemmer as pystemmer  # PyStemmer: the Snowball project's C stemmers

        steps.append(pystemmer.Stemmer(lang.snowball).stemWord)
    if not steps:
        return _identity
    stem = steps[0]
    if len(steps) == 2:
        first, second = steps

        def chain(word: str) -> str:
            return second(first(word))

        stem = chain
    return skip_cjk(stem) if lang.cjk else stem


def _identity(word: str) -> str:
    return word


class Analyzer:
    """Document -> list of terms (stems, and n-grams of stems).

    Parameters
    ----------
    stop_words : frozenset of str
        Lowercase words to drop, compared before stemming with tokens normalised
        as ``accents`` says (:func:`~topicmf.preprocess.stopwords.resolve_stop_words`
        normalises a list so).
    stemmer, lemmatizer, language : see :func:`make_stemmer`
        ``language`` also decides whether words are stemmed before their accents
        are stripped and whether CJK runs become character bigrams
        (:class:`~topicmf.preprocess.languages.Language`).
    lowercase : bool
    accents : {"strip", "keep"} or None
    token_pattern : str
        Regular expression for a token (NLTK ``RegexpTokenizer``).
    min_token_length : int
        Tokens shorter than this are dropped; not CJK ones (bigrams, or a lone
        character): a CJK character is a syllable, not a letter.
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
        language: str = DEFAULT_LANGUAGE,
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
        self.language = language
        self._cache: dict[str, str] = {}
        self._surface: Counter[str] | None = None
        self._build()

    def _build(self) -> None:
        """The stemmer, memo and tokenizer of the settings (made again after unpickling)."""
        lang = get_language(self.language)
        self._stem = make_stemmer(self.stemmer, self.lemmatizer, self.language)
        self._stem_memo = _STEM_MEMOS.setdefault((self.stemmer, self.lemmatizer, self.language), {})
        self._tokenize = _make_tokenizer(self.token_pattern, lang.cjk)
        self._cjk = lang.cjk
        self._drop_marks = re.compile(f"[{lang.optional_marks}]+").sub if lang.optional_marks else None
        # stem the accented word, then strip the stem (see Language.stem_accented)
        self._strip_stems = lang.stem_accented and self.accents == "strip"

    # -- pickling: what _build makes is made again, the cache is kept --
    def __getstate__(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if k not in _BUILT}
        state["_surface"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        state.setdefault("language", DEFAULT_LANGUAGE)  # pickled before languages existed
        self.__dict__.update(state)
        self._build()

    def _term_of(self, token: str) -> str:
        """Stem of one token, or "" when the token is dropped; memoised."""
        key = _strip_accents(token) if self._strip_stems else token
        if (
            (len(key) < self.min_token_length and not (self._cjk and has_cjk(key)))
            or key in self.stop_words
            or (self.numbers == "drop" and key[0].isdigit())
        ):
            term = ""
        else:
            memo = self._stem_memo.get(token)
            term = memo if memo is not None else self._stem_memo.setdefault(token, self._stem(token))
            if self._strip_stems:
                term = _strip_accents(term)
        self._cache[token] = term
        return term

    def tokens(self, doc: str) -> list[str]:
        """Normalised tokens of ``doc`` before filtering and stemming.

        With a language whose words are stemmed before their accents are stripped,
        the tokens keep their accents (the terms will not).
        """
        accents = "keep" if self._strip_stems else self.accents
        text = normalize_text(doc, lowercase=self.lowercase, accents=accents)
        if self._drop_marks is not None:
            text = self._drop_marks("", text)
        return self._tokenize(text)

    def terms_of(self, tokens: Iterable[str]) -> list[str]:
        """Each token's term (its stem), ``""`` for a dropped token; memoised like ``__call__``."""
        cache = self._cache
        return [cache[t] if t in cache else self._term_of(t) for t in tokens]

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

    def unsegmented_runs(self, min_share: float = 0.0) -> dict[str, list[str]]:
        """Distinct tokens seen so far that are runs of a script written without spaces.

        Chinese/Japanese runs (except with a CJK ``language``, which splits them)
        and Thai, Lao, Khmer or Myanmar ones, which topicmf cannot segment; see
        :func:`topicmf.preprocess.cjk.unsegmented_runs`. Only scripts whose tokens
        are at least ``min_share`` of the distinct tokens seen are reported.
        """
        found = unsegmented_runs(self._cache, cjk=self._cjk)
        return {script: runs for script, runs in found.items() if len(runs) >= min_share * len(self._cache)}

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
