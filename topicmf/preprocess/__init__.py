"""Preprocessing: normalise text, tokenize with NLTK, drop stop words, stem."""

from .normalize import normalize_text
from .stopwords import english_stop_words, nltk_stop_words, resolve_stop_words
from .tokenize import Analyzer, make_stemmer

__all__ = [
    "Analyzer",
    "english_stop_words",
    "make_stemmer",
    "nltk_stop_words",
    "normalize_text",
    "resolve_stop_words",
]
