"""Phrase lists: every language file loads and compiles, and the pattern syntax means what it says."""

from __future__ import annotations

import pytest

from bot.scam.cues import (
    Cue,
    CueMatcher,
    PhraseError,
    PhraseFile,
    load_phrase_files,
    matcher_for,
)
from bot.scam.normalize import normalize

LANGUAGES = {"en", "es", "pt", "id", "hi", "hi-latn", "ar", "ru", "fil", "tr", "vi", "intl"}


def test_every_language_file_loads_and_compiles() -> None:
    files = load_phrase_files()
    assert {f.language for f in files} == LANGUAGES
    matcher = CueMatcher(files, "TikTok")
    assert set(matcher.languages) == LANGUAGES


def cheap_hits(text: str, patterns: list[str], proclitics: list[str]) -> list[str]:
    phrase_file = PhraseFile(
        language="xx", name="test", proclitics=proclitics, cues={Cue.CHEAP: patterns}
    )
    folded = normalize(text).folded
    hits, _ = CueMatcher([phrase_file], "Tik Tok").find(folded)
    return [folded[h.start : h.end] for h in hits if h.cue == Cue.CHEAP]


@pytest.mark.parametrize(
    ("patterns", "text", "found"),
    [
        (["cheap"], "so cheap!", ["cheap"]),
        (["cheap"], "cheapest", []),  # a whole word, not a prefix
        (["cheap*"], "cheapest deal", ["cheapest"]),
        (["low|best price"], "best price here", ["best price"]),
        (["half-price"], "half price / half.price", ["half price", "half.price"]),
        (["below .. price"], "below the official app price", ["below the official app price"]),
        (["below .. price"], "below one two three four price", []),  # over three words between
        (["coins cheap?"], "coins", ["coins"]),
        (["{brand} coins"], "tik tok coins", ["tik tok coins"]),
        (["i-am|we-are here"], "we are here", ["we are here"]),
        (["رخيص"], "والرخيص", ["والرخيص"]),
    ],
)
def test_pattern_syntax(patterns: list[str], text: str, found: list[str]) -> None:
    expected = [normalize(f).folded for f in found]
    assert cheap_hits(text, patterns, ["و", "ال", "وال"]) == expected


@pytest.mark.parametrize("pattern", [".. cheap", "cheap? now", "cheap ..", "%%", "a|"])
def test_bad_patterns_are_refused_with_their_place(pattern: str) -> None:
    phrase_file = PhraseFile(language="xx", name="test", cues={Cue.CHEAP: [pattern]})
    with pytest.raises(PhraseError, match=r"xx: cues\.cheap"):
        CueMatcher([phrase_file], "TikTok")


def test_matchers_are_compiled_once_per_brand() -> None:
    assert matcher_for("TikTok") is matcher_for("TikTok")


def test_a_cue_is_counted_a_bounded_number_of_times() -> None:
    hits, _ = matcher_for("TikTok").find(normalize("cheap " * 500).folded)
    assert 0 < sum(h.cue == Cue.CHEAP for h in hits) <= 16
