"""Stop-word lists: the English list shipped with topicmf, and NLTK's when installed."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

__all__ = ["english_stop_words", "nltk_stop_words", "resolve_stop_words"]

NLTK_DATA_HINT = (
    "install it once with `python -m nltk.downloader {package}` "
    "(or `python -c \"import nltk; nltk.download('{package}')\"`), which needs network access"
)


@lru_cache(maxsize=1)
def english_stop_words() -> frozenset[str]:
    """The English stop-word list shipped with topicmf (``stopwords_en.txt``)."""
    text = resources.files(__package__).joinpath("stopwords_en.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def nltk_stop_words(language: str = "english") -> frozenset[str]:
    """NLTK's stop-word list; raises ``LookupError`` saying how to install it when absent."""
    try:
        from nltk.corpus import stopwords

        return frozenset(w.lower() for w in stopwords.words(language))
    except LookupError:
        raise LookupError(
            "stop_words='nltk' needs NLTK's 'stopwords' data, which is not installed; "
            + NLTK_DATA_HINT.format(package="stopwords")
            + ", or use stop_words='english' (shipped with topicmf)."
        ) from None


def resolve_stop_words(
    stop_words: str | Iterable[str] | None, extra: Iterable[str] | None = None
) -> frozenset[str]:
    """Turn the ``stop_words`` option into a set of lowercase words.

    Parameters
    ----------
    stop_words : {"english", "nltk"}, iterable of str or None
        ``"english"``: the shipped list; ``"nltk"``: NLTK's list (needs its data);
        an iterable: exactly those words; None: no stop words.
    extra : iterable of str, optional
        Words added to the list (e.g. corpus boilerplate).
    """
    if stop_words is None:
        words: frozenset[str] = frozenset()
    elif isinstance(stop_words, str):
        if stop_words == "english":
            words = english_stop_words()
        elif stop_words == "nltk":
            words = nltk_stop_words()
        else:
            raise ValueError(
                f"'stop_words' must be 'english', 'nltk', a list of words or None; "
                f"got {stop_words!r}."
            )
    else:
        words = frozenset(str(w).lower() for w in stop_words)
    if extra:
        words = words | frozenset(str(w).lower() for w in extra)
    return words
