"""The languages topicmf handles: one small :class:`Language` record each, in :data:`LANGUAGES`.

A record says which Snowball stemmer ``stemmer="snowball"`` uses, which shipped
stop-word list ``stop_words="auto"`` means, whether a word is stemmed before its
accents are stripped, and whether runs of Chinese, Japanese and Korean characters
become character bigrams (:mod:`topicmf.preprocess.cjk`). Nothing here reads data
or imports NLTK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Language", "get_language"]

#: ``TextVectorizer``'s language when the caller does not say.
DEFAULT_LANGUAGE: Final = "english"


@dataclass(frozen=True)
class Language:
    """How one language is tokenized, filtered and stemmed.

    Attributes
    ----------
    name : str
        What ``language=`` takes ("german").
    snowball : str
        The ``nltk.stem.SnowballStemmer`` language of ``stemmer="snowball"``;
        "english" for the CJK languages (their Latin-script words are English).
    stop_list : str
        The language whose shipped list ``stop_words="auto"`` means: its own, or
        "english" for the CJK languages.
    stem_accented : bool
        Stem the accented word, then strip the stem's accents (with
        ``accents="strip"``). The Snowball stemmers of these languages are written
        for their alphabets ("nationalité" -> "national", "новый" -> "нов"; stripped
        first they give "nationalit" and "новы"). False for English, whose stemmer
        is written for ASCII: accents are stripped before stemming, as always.
    cjk : bool
        Runs of Han, Hiragana, Katakana and Hangul characters become overlapping
        character bigrams; they are never stemmed.
    optional_marks : str
        Characters removed before tokenizing (a regular-expression class body):
        Arabic's optional vowel marks and tatweel, which Python's ``\\w`` does not
        match, so "جدًا" would split into "جد" and "ا".
    """

    name: str
    snowball: str
    stop_list: str
    stem_accented: bool = True
    cjk: bool = False
    optional_marks: str = ""


#: Arabic harakat, dagger alif, Quranic annotation marks and tatweel.
_ARABIC_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640"


_SNOWBALL = ("danish", "dutch", "finnish", "french", "german", "hungarian", "italian", "norwegian",
             "portuguese", "romanian", "russian", "spanish", "swedish")

#: Every supported language by name: NLTK's Snowball languages (its "porter" is
#: ``stemmer="porter"``, not a language) and the CJK ones.
LANGUAGES: Final[dict[str, Language]] = {
    "english": Language("english", snowball="english", stop_list="english", stem_accented=False),
    "arabic": Language("arabic", snowball="arabic", stop_list="arabic", optional_marks=_ARABIC_MARKS),
    **{name: Language(name, snowball=name, stop_list=name) for name in _SNOWBALL},
    **{name: Language(name, snowball="english", stop_list="english", stem_accented=False, cjk=True)
       for name in ("chinese", "japanese", "korean")},
}


def get_language(name: object) -> Language:
    """The record of ``name``.

    Raises
    ------
    ValueError
        ``name`` is not a supported language; the message lists them.
    """
    language = LANGUAGES.get(name) if isinstance(name, str) else None
    if language is None:
        raise ValueError(f"'language' must be one of {', '.join(map(repr, sorted(LANGUAGES)))}; got {name!r}.")
    return language
