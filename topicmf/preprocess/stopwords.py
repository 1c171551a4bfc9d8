"""Stop-word lists: one shipped with topicmf per Snowball language, and NLTK's when installed."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

from .languages import DEFAULT_LANGUAGE, get_language
from .normalize import Accents, normalize_text

__all__ = [
    "STOP_WORD_NAMES",
    "english_stop_words",
    "nltk_stop_words",
    "resolve_stop_words",
    "shipped_stop_words",
]

NLTK_DATA_HINT = (
    "install it once with `python -m nltk.downloader {package}` "
    "(or `python -c \"import nltk; nltk.download('{package}')\"`), which needs network access"
)

#: Language -> ISO 639-1 code of its shipped list, ``stopwords_<code>.txt`` (UTF-8, one word a line).
_LIST_CODES = {
    "arabic": "ar", "danish": "da", "dutch": "nl", "english": "en", "finnish": "fi", "french": "fr",
    "german": "de", "hungarian": "hu", "italian": "it", "norwegian": "no", "portuguese": "pt",
    "romanian": "ro", "russian": "ru", "spanish": "es", "swedish": "sv",
}
#: The names ``stop_words`` takes: "auto" (the list of ``language``), "nltk", or a language with a list.
STOP_WORD_NAMES = ("auto", "nltk", *_LIST_CODES)


@cache
def shipped_stop_words(language: str) -> frozenset[str]:
    """The stop-word list shipped with topicmf for ``language`` (``stopwords_<code>.txt``).

    Words are lowercase, with their accents ("für"); ``#`` starts a comment line.

    Raises
    ------
    ValueError
        No list is shipped for ``language``.
    """
    if language not in _LIST_CODES:
        raise ValueError(f"no stop-word list is shipped for {language!r}; lists: {', '.join(_LIST_CODES)}.")
    name = f"stopwords_{_LIST_CODES[language]}.txt"
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def english_stop_words() -> frozenset[str]:
    """The English stop-word list shipped with topicmf (``stopwords_en.txt``)."""
    return shipped_stop_words("english")


def nltk_stop_words(language: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    """NLTK's stop-word list; raises ``LookupError`` saying how to install it when absent."""
    try:
        from nltk.corpus import stopwords

        return frozenset(w.lower() for w in stopwords.words(language))
    except LookupError:
        raise LookupError(
            "stop_words='nltk' needs NLTK's 'stopwords' data, which is not installed; "
            + NLTK_DATA_HINT.format(package="stopwords")
            + ", or use stop_words='auto' (shipped with topicmf)."
        ) from None


def resolve_stop_words(
    stop_words: str | Iterable[str] | None,
    extra: Iterable[str] | None = None,
    *,
    language: str = DEFAULT_LANGUAGE,
    accents: Accents | None = "strip",
) -> frozenset[str]:
    """Turn the ``stop_words`` option into the set of words tokens are compared with.

    Parameters
    ----------
    stop_words : str, iterable of str or None
        ``"auto"``: the shipped list of ``language`` (English for Chinese,
        Japanese and Korean, whose Latin-script words are English); a language
        name ("english", "german", ...: see :data:`STOP_WORD_NAMES`): its shipped
        list; ``"nltk"``: NLTK's list of that language (needs NLTK's data); an
        iterable: exactly those words; None: no stop words.
    extra : iterable of str, optional
        Words added to the list (e.g. corpus boilerplate).
    language : str, default="english"
        A name from :data:`~topicmf.preprocess.languages.LANGUAGES`.
    accents : {"strip", "keep"} or None, default="strip"
        As the tokens are normalised (:func:`~topicmf.preprocess.normalize.normalize_text`):
        every word is lowercased and normalised the same way, so "für" matches the
        token "fur" when accents are stripped.

    Raises
    ------
    ValueError
        An unknown name or language.
    """
    if stop_words is None:
        words: frozenset[str] = frozenset()
    elif isinstance(stop_words, str):
        list_language = get_language(language).stop_list
        if stop_words == "auto":
            words = shipped_stop_words(list_language)
        elif stop_words == "nltk":
            words = nltk_stop_words(list_language)
        elif stop_words in _LIST_CODES:
            words = shipped_stop_words(stop_words)
        else:
            raise ValueError(
                f"'stop_words' must be 'auto', 'nltk', a language ({', '.join(_LIST_CODES)}), "
                f"a list of words or None; got {stop_words!r}."
            )
    else:
        words = frozenset(str(w) for w in stop_words)
    if extra:
        words = words | frozenset(str(w) for w in extra)
    return frozenset(normalize_text(w, lowercase=True, accents=accents) for w in words)
