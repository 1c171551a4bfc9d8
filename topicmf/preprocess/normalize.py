"""Text normalisation before tokenizing: case folding and unicode/accent handling."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

__all__ = ["normalize_text"]

Accents = Literal["strip", "keep"]

# The Unicode blocks of combining marks (diacritics) that NFKD splits off.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
# Base characters whose diacritics are stripped: Basic Latin, Latin-1, Latin Extended-A/B,
# IPA and spacing modifiers; Greek and Coptic; Cyrillic (+ Supplement, Extended-B/C);
# phonetic extensions; Latin Extended Additional; Greek Extended; Latin Extended-C/D/E.
# Marks after any other base (kana, Hangul jamo, Han, Indic, Arabic, ...) are kept, so
# "データ" keeps its voiced mark ("テ" + U+3099 recomposes to "デ").
_BASES = (
    "\u0020-\u02ff\u0370-\u052f\u1c80-\u1c8f\u1d00-\u1dbf\u1e00-\u1fff"
    "\u2c60-\u2c7f\ua640-\ua69f\ua720-\ua7ff\uab30-\uab6f"
)
_ACCENTED = re.compile(f"([{_BASES}])[{_MARKS}]+")


def normalize_text(text: str, *, lowercase: bool = True, accents: Accents | None = "strip") -> str:
    """Normalise one document.

    Parameters
    ----------
    text : str
    lowercase : bool, default=True
    accents : {"strip", "keep"} or None, default="strip"
        ``"strip"``: NFKD-decompose, drop the combining marks (diacritics) that follow a
        Latin, Greek or Cyrillic character ("café" -> "cafe", "Ελληνικά" -> "ελληνικα"),
        then NFC-recompose what stays, so marks that are part of other scripts survive
        ("データ" stays "データ", Hangul is unchanged). ``"keep"`` or None: only
        NFC-normalise.

    Returns
    -------
    str
        The normalised text (NFC).
    """
    if lowercase:
        text = text.lower()
    if accents == "strip":
        if text.isascii():
            return text
        stripped = _ACCENTED.sub(r"\1", unicodedata.normalize("NFKD", text))
        return unicodedata.normalize("NFC", stripped)
    return unicodedata.normalize("NFC", text)
