"""Turning text in any shipped language into search terms: fold, tokenize, stem.

Folding removes what people leave out or mistype: case, Latin and Cyrillic accents (``reembolsó``,
``ёлка``), Arabic diacritics and letter variants (``أ إ آ`` -> ``ا``, ``ة`` -> ``ه``), the
Devanagari nukta, zero-width and direction marks, and any script's digits. Tokens are runs of
letters, digits *and combining marks*: Python's ``\\w`` stops at Devanagari vowel signs, which would
cut ``सिक्के`` into pieces. Each token is stemmed by the Snowball stemmer of its own script (Hindi for
Devanagari, Arabic, Russian for Cyrillic; for Latin script the stemmer of the locale being searched,
English where that locale is not written in Latin), so romanized Hindi and brand names typed
inside Arabic or Russian text still line up.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from enum import StrEnum
from functools import lru_cache

import snowballstemmer


class Script(StrEnum):
    LATIN = "latin"  # also digits and anything not listed below
    DEVANAGARI = "devanagari"
    ARABIC = "arabic"
    CYRILLIC = "cyrillic"


_LATIN_STEMMERS = {"en": "english", "es": "spanish", "pt_BR": "portuguese", "id": "indonesian"}
_SCRIPT_STEMMERS = {
    Script.DEVANAGARI: "hindi",
    Script.ARABIC: "arabic",
    Script.CYRILLIC: "russian",
}

_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ي",
        "ی": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ک": "ك",
        "ـ": None,  # tatweel, the stretching stroke
    }
)
_DEVANAGARI_FOLD = str.maketrans({"\u093c": None, "\u0901": "\u0902"})  # nukta; candrabindu
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_LATIN_MARKS = re.compile("[\u0300-\u036f]")
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")


def _mark_class() -> str:
    """Every combining mark of the Basic Multilingual Plane, as a regex character class body."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


# Every script's decimal digits as ASCII ("١٤٠٠" and "१४००" -> "1400").
_DIGITS = {
    code: str(unicodedata.decimal(chr(code)))
    for code in range(0x80, 0x10000)
    if chr(code).isdecimal()
}
_TOKEN = re.compile(f"(?:[^\\W_]|[{_mark_class()}])+")
MAX_QUERY_CHARS = 500


def fold(text: str) -> str:
    """Case, accents, diacritics, letter variants and digits folded away; spacing kept."""
    text = unicodedata.normalize("NFKC", text[: MAX_QUERY_CHARS * 4]).casefold()
    text = _INVISIBLE.sub("", text)
    text = text.translate(_DIGITS)
    text = _LATIN_MARKS.sub("", unicodedata.normalize("NFD", text))
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD).translate(_DEVANAGARI_FOLD)
    return unicodedata.normalize("NFC", text)


def tokens(text: str) -> list[str]:
    """The folded words of ``text`` (letters, digits and their combining marks)."""
    return _TOKEN.findall(fold(text))


def script_of(token: str) -> Script:
    for char in token:
        code = ord(char)
        if 0x0900 <= code <= 0x097F:
            return Script.DEVANAGARI
        if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
            return Script.ARABIC
        if 0x0400 <= code <= 0x052F:
            return Script.CYRILLIC
        if char.isalpha():
            return Script.LATIN
    return Script.LATIN


def stemmer_language(locale: str, script: Script) -> str:
    """Which Snowball stemmer handles a token of ``script`` in ``locale``'s content."""
    return _SCRIPT_STEMMERS.get(script) or _LATIN_STEMMERS.get(locale, "english")


@lru_cache(maxsize=1)
def _stemmers() -> dict[str, snowballstemmer.Stemmer]:
    languages = {*_LATIN_STEMMERS.values(), *_SCRIPT_STEMMERS.values(), "english"}
    return {language: snowballstemmer.stemmer(language) for language in languages}


@lru_cache(maxsize=262_144)
def stem(locale: str, token: str) -> str:
    """The token's stem for searching ``locale``; numbers stay as they are."""
    if token.isdigit():
        return token
    language = stemmer_language(locale, script_of(token))
    return sys.intern(_stemmers()[language].stemWord(token))
