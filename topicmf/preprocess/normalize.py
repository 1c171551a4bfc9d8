"""Text normalisation before tokenizing: case folding and unicode/accent handling."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

__all__ = ["normalize_text"]

Accents = Literal["strip", "keep"]

# The Unicode blocks of combining marks (diacritics) that NFKD splits off.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def normalize_text(text: str, *, lowercase: bool = True, accents: Accents | None = "strip") -> str:
    """Normalise one document.

    Parameters
    ----------
    text : str
    lowercase : bool, default=True
    accents : {"strip", "keep"} or None, default="strip"
        ``"strip"``: NFKD-decompose and drop combining marks ("café" -> "cafe");
        ``"keep"`` or None: only NFC-normalise.
    """
    if lowercase:
        text = text.lower()
    if accents == "strip":
        if text.isascii():
            return text
        return _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return unicodedata.normalize("NFC", text)
