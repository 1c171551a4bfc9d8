"""Preprocessing: normalise text, tokenize with NLTK, drop stop words, stem; per language."""

from .cjk import cjk_bigrams, split_cjk
from .languages import LANGUAGES, Language, get_language
from .normalize import normalize_text
from .stopwords import english_stop_words, nltk_stop_words, resolve_stop_words, shipped_stop_words
from .tokenize import Analyzer, make_stemmer

__all__ = [
    "LANGUAGES",
    "Analyzer",
    "Language",
    "cjk_bigrams",
    "english_stop_words",
    "get_language",
    "make_stemmer",
    "nltk_stop_words",
    "normalize_text",
    "resolve_stop_words",
    "shipped_stop_words",
    "split_cjk",
]
