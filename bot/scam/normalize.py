"""Step 1 of the scan: undo the disguises scammers put on text, keeping a map back to the original.

Two views of the same length come out, both indexable by the same offsets:

- ``text``: NFKC-compatible and case-folded; invisible characters (zero-width, bidi controls,
  variation selectors, soft hyphens) removed; Latin diacritics and Arabic short vowels dropped;
  styled letters (fullwidth, mathematical, circled, small caps, regional-indicator and squared
  letters) made plain; Cyrillic and Greek look-alike letters turned Latin *inside words that also
  contain Latin letters* (so Russian stays Russian while "сheар" becomes "cheap"); emoji turned
  into spaces; spaced-out letters ("c o i n s", "c.o.i.n.s", "c🪙o🪙i🪙n🪙s") joined; letters
  repeated three times or more squeezed to two; runs of whitespace made one space. Links, numbers
  and amounts are read from this view.
- ``folded``: ``text`` with digit-for-letter swaps undone inside words ("c0ins", "fr33") and ``l``
  merged into ``i`` (so "PayPaI" with a capital I still reads as PayPal). Phrases are matched on
  this view; they go through the same function, so both sides agree.

``origin[i]`` is the index in the original text of the character that produced ``text[i]``;
:meth:`Normalized.original_span` turns a span of either view into the words as the user wrote them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

# Characters that change nothing visible: zero-width, joiners, bidi controls, soft hyphen, BOM,
# Mongolian vowel separator, tag characters. (Variation selectors are marks, dropped below.)
_INVISIBLE = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2060, 0x2070)]
    + ["\u00ad", "\ufeff", "\u180e", "\u034f", "\u061c", "\u115f", "\u1160", "\u3164", "\uffa0"]
)

# Letter-like symbols NFKC leaves alone.
_SMALL_CAPS = dict(
    zip(
        "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡʏᴢ",
        "abcdefghijklmnopqrstuvwyz",  # there is no small capital x
        strict=True,
    )
)
_LATIN_EXTRAS = {
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ħ": "h",
    "ŧ": "t",
    "ı": "i",
    "ɑ": "a",
    "ɡ": "g",
    "ɩ": "i",
    "ƅ": "b",
    "ꞵ": "b",
    "ɢ": "g",
    "ʀ": "r",
    "ɴ": "n",
    "ʏ": "y",
    "ɪ": "i",
    "ʟ": "l",
}
_ARABIC = {
    "ة": "ه",  # taa marbuta written as haa
    "ى": "ي",  # alif maqsura written as yaa
    "ک": "ك",  # Persian keheh
    "ی": "ي",  # Farsi yeh
    "ـ": "",  # tatweel: stretches a word, means nothing
    "٪": "%",
    "٫": ".",  # Arabic decimal separator
    "٬": ",",  # Arabic thousands separator
}
_DEVANAGARI = {
    "\u093c": "",  # nukta: written inconsistently (ज़ / ज)
    "\u0901": "\u0902",  # chandrabindu written as anusvara
}

# Cyrillic and Greek letters that look like Latin ones, applied only inside mixed-script words.
_CONFUSABLE = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "һ": "h",
        "ӏ": "l",
        "ь": "b",
        "п": "n",
        "г": "r",
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "γ": "y",
        "ω": "w",
        "ς": "c",
        "ϲ": "c",
        "μ": "u",
        "օ": "o",
        "ս": "u",
    }
)
_CONFUSABLE_CHARS = frozenset(chr(c) for c in _CONFUSABLE)
_MIXED_SCRIPT_WORD = re.compile(r"[^\W\d_]+")

# Digit-for-letter swaps; merging l into i makes "l", "I" and "1" read alike.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "l": "i"})
_HAS_LEET_DIGIT = re.compile("[013457]")
# a word with a letter next to a digit somewhere in it: "c0ins", "fr33", "1000coins"
_MIXED_WORD = re.compile(r"[^\W_]*(?:[^\W\d_]\d|\d[^\W\d_])[^\W_]*")
_LONG_DIGIT_RUN = re.compile(r"\d{3,}")

# spaced: three or more single letters or digits separated by up to three spaces or punctuation
# marks; repeat: a letter three times or more (but "www"); spaces: two spaces or more.
_REWRITES = re.compile(
    r"(?P<spaced>(?<![^\W_])(?:[^\W_][ .\-_*·•|/\\+~,']{1,3}){2,}[^\W_](?![^\W_]))"
    r"|(?P<repeat>(?P<letter>[^\W\d_w])(?P=letter){2,})"  # not "www"
    r"|(?P<spaces>\s{2,})"
)
_GAP = re.compile(r"[ .\-_*·•|/\\+~,']+")


@dataclass(frozen=True)
class Normalized:
    original: str
    text: str
    folded: str
    origin: tuple[int, ...]

    def original_span(self, start: int, end: int) -> str:
        """The characters of the original text behind ``text[start:end]``, marks included."""
        if start >= end or not self.origin:
            return ""
        first = self.origin[start]
        last = self.origin[end - 1] + 1
        original = self.original
        while last < len(original) and _is_trailing_mark(original[last]):
            last += 1
        return original[first:last].strip()


def _is_trailing_mark(char: str) -> bool:
    return char in _INVISIBLE or unicodedata.category(char) in ("Mn", "Me", "Mc")


def _plain(char: str) -> str:
    """What one character becomes before word-level steps (cached by :data:`_PLAIN`)."""
    if char in _INVISIBLE:
        return ""
    code = ord(char)
    if 0x1F1E6 <= code <= 0x1F1FF:  # regional indicator letters 🇦..🇿
        return chr(ord("a") + code - 0x1F1E6)
    if 0x1F150 <= code <= 0x1F169 or 0x1F170 <= code <= 0x1F189:  # negative circled / squared
        return chr(ord("a") + (code - 0x1F150) % 0x20)
    category = unicodedata.category(char)
    if category == "Cc" or category.startswith("Z"):
        return " "
    decomposed = unicodedata.normalize("NFKD", char)
    if category in ("So", "Sk", "Cs", "Co", "Cn") and not any(c.isalnum() for c in decomposed):
        return " "  # emoji and pictographs separate words; ⓒ and 🄲 decompose to letters
    out = []
    for piece in decomposed:
        piece_category = unicodedata.category(piece)
        if piece_category == "Nd":  # Arabic-Indic, Devanagari, fullwidth digits
            out.append(str(unicodedata.decimal(piece)))
            continue
        if 0x0900 <= ord(piece) <= 0x097F:  # Devanagari: its vowel signs are part of the word
            out.append(_DEVANAGARI.get(piece, piece))
            continue
        if unicodedata.combining(piece) or piece_category in ("Mn", "Me"):
            continue
        for folded in piece.casefold():
            plain = _SMALL_CAPS.get(folded, folded)
            latin = _LATIN_EXTRAS.get(plain, plain)
            out.append(_ARABIC.get(latin, latin))
    return "".join(out)


_PLAIN: dict[str, str] = {chr(c): _plain(chr(c)) for c in range(128)}


_ASCII = str.maketrans({chr(c): _PLAIN[chr(c)] for c in range(128)})


def normalize(original: str) -> Normalized:
    if original.isascii():  # most messages: one C-level pass, offsets unchanged
        text = original.translate(_ASCII)
        origin = list(range(len(text)))
    else:
        plain = _PLAIN
        pieces = []
        for char in original:
            mapped = plain.get(char)
            if mapped is None:
                mapped = plain[char] = _plain(char)
            pieces.append(mapped)
        text = "".join(pieces)
        if len(text) == len(original) and all(len(piece) == 1 for piece in pieces):
            origin = list(range(len(text)))
        else:
            origin = [index for index, piece in enumerate(pieces) for _ in piece]
        if not text.isascii():
            text = _latinize_mixed_words(text)
    text, origin = _rewrite(text, origin)
    return Normalized(original, text, _fold(text), tuple(origin))


def _latinize_mixed_words(text: str) -> str:
    """Latin look-alikes for Cyrillic/Greek letters in words that also hold Latin letters."""

    def latinize(match: re.Match[str]) -> str:
        word = match[0]
        has_latin = any("a" <= c <= "z" for c in word)
        if has_latin and any(c in _CONFUSABLE_CHARS for c in word):
            return word.translate(_CONFUSABLE)
        return word

    return _MIXED_SCRIPT_WORD.sub(latinize, text)


def _rewrite(text: str, origin: list[int]) -> tuple[str, list[int]]:
    """Join spaced-out letters, squeeze repeats and spaces, trim; kept chars keep their origin."""
    drop: set[int] = set()
    for match in _REWRITES.finditer(text):
        if match.lastgroup == "spaced":
            # "c h e a p   c o i n s", "c.h.e.a.p c.o.i.n.s": the usual gap joins letters, any
            # other gap splits words
            gaps = list(_GAP.finditer(text, match.start(), match.end()))
            usual = Counter(gap[0] for gap in gaps).most_common(1)[0][0]
            for gap in gaps:
                drop.update(range(gap.start() + (gap[0] != usual), gap.end()))
        else:  # a run of one letter or of spaces: keep two letters, one space
            drop.update(
                range(match.start() + (2 if match.lastgroup == "repeat" else 1), match.end())
            )
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or start in drop):
        start += 1
    while end > start and (text[end - 1].isspace() or end - 1 in drop):
        end -= 1
    if not drop and start == 0 and end == len(text):
        return text, origin
    kept = [i for i in range(start, end) if i not in drop]
    return "".join(text[i] for i in kept), [origin[i] for i in kept]


def _fold(text: str) -> str:
    """Digit-for-letter swaps undone inside words with letters; ``l`` merged into ``i``."""
    if _HAS_LEET_DIGIT.search(text):

        def unleet(match: re.Match[str]) -> str:
            word = match[0]
            letters = sum(c.isalpha() for c in word)
            if letters < 2 or letters == len(word):
                return word
            # keep real numbers ("1000coins", "win10"): only short digit runs are letters
            parts = _LONG_DIGIT_RUN.split(word)
            numbers = _LONG_DIGIT_RUN.findall(word)
            out = [parts[0].translate(_LEET)]
            for number, part in zip(numbers, parts[1:], strict=True):
                out.append(number)
                out.append(part.translate(_LEET))
            return "".join(out)

        text = _MIXED_WORD.sub(unleet, text)
    return text.replace("l", "i")


def skeleton(text: str) -> str:
    """``text`` normalized with every look-alike letter read as Latin, whatever the script
    around it: what a domain name looks like to a reader."""
    return normalize(text).text.translate(_CONFUSABLE)
