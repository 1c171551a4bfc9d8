"""topicmf: topics in text corpora by sparse non-negative matrix factorization.

Data flow: documents (:func:`load_corpus`) -> tokens and TF-IDF X
(:class:`TextVectorizer`) -> W, H (:class:`TopicNMF`, Aesara or PyTensor core) -> reports.
Importing topicmf imports no backend; the factorization core loads on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .corpora import Corpus, list_corpora, load_corpus
from .readers import CorpusInputError, CorpusInputWarning, InputTooLargeError
from .synthetic import SyntheticCorpus, make_planted_corpus
from .vectorize import TextVectorizer, binary_document_term

__version__ = "0.1.0"

# Heavy parts (Aesara, matplotlib) load lazily: name -> module.
_LAZY = {
    "TopicModel": "topicmf.model",
    "load_model": "topicmf.model",
    "save_model": "topicmf.model",
    "TopicNMF": "topicmf.factorize",
    "nmf": "topicmf.factorize",
    "TopicReport": "topicmf.report",
    "discover": "topicmf.pipeline",
    "select_k": "topicmf.select",
    "KSelection": "topicmf.select",
}

__all__ = [
    "Corpus",
    "CorpusInputError",
    "CorpusInputWarning",
    "InputTooLargeError",
    "KSelection",
    "SyntheticCorpus",
    "TextVectorizer",
    "TopicModel",
    "TopicNMF",
    "TopicReport",
    "__version__",
    "binary_document_term",
    "discover",
    "list_corpora",
    "load_corpus",
    "load_model",
    "make_planted_corpus",
    "metrics",
    "nmf",
    "save_model",
    "select_k",
]


def __getattr__(name: str) -> Any:
    if name == "metrics":
        return import_module("topicmf.metrics")
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'topicmf' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
