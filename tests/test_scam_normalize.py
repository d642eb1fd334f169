"""Normalization undoes disguises and still maps every character back to the original."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.scam.normalize import normalize, skeleton


@pytest.mark.parametrize(
    ("original", "text", "folded"),
    [
        ("Ch3ap C0INS!!!", "ch3ap c0ins!!!", "cheap coins!!!"),
        ("сheар соіns", "cheap coins", "cheap coins"),  # Cyrillic look-alikes in Latin words
        ("Продаю монеты дёшево", "продаю монеты дешево", "продаю монеты дешево"),  # Russian stays
        ("c h e a p   c o i n s", "cheap coins", "cheap coins"),
        ("c.h.e.a.p c.o.i.n.s", "cheap coins", "cheap coins"),
        ("f-r-e-e c-o-i-n-s now", "free coins now", "free coins now"),
        ("c🪙o🪙i🪙n🪙s", "coins", "coins"),
        ("ｆｒｅｅ ｃｏｉｎｓ", "free coins", "free coins"),
        ("𝐅𝐑𝐄𝐄 𝒄𝒐𝒊𝒏𝒔", "free coins", "free coins"),
        ("ᴄʜᴇᴀᴘ ᴄᴏɪɴꜱ", "cheap coins", "cheap coins"),
        ("🇫🇷🇪🇪 ⓒⓞⓘⓝⓢ 🅲🅾🅸🅽🆂", "free coins coins", "free coins coins"),
        ("fr\u200bee co\u200dins\ufe0f", "free coins", "free coins"),
        ("freeeee", "free", "free"),
        ("PayPaI", "paypai", "paypai"),  # capital I for l reads as PayPal (l folds into i)
        ("1000coins", "1000coins", "1000coins"),  # a real number is not a disguise
        ("सस्ते सिक्के ९९ रुपये", "सस्ते सिक्के 99 रुपये", "सस्ते सिक्के 99 रुपये"),
        ("عُمْلَاتٌ رخيصة ١٠٠٪", "عملات رخيصه 100%", "عملات رخيصه 100%"),
        ("Miễn phí xu", "mien phi xu", "mien phi xu"),
        ("Şifreni gönder", "sifreni gonder", "sifreni gonder"),
    ],
)
def test_disguises_are_undone(original: str, text: str, folded: str) -> None:
    normalized = normalize(original)
    assert normalized.text == text
    assert normalized.folded == folded.replace("l", "i")


def test_spans_map_back_to_the_words_as_written() -> None:
    original = "Get  c.o.i.n.s at 50%"
    normalized = normalize(original)
    start = normalized.text.index("coins")
    assert normalized.original_span(start, start + 5) == "c.o.i.n.s"
    original = "тіктоk fr\u200bee"
    normalized = normalize(original)
    start = normalized.text.index("free")
    assert normalized.original_span(start, start + 4) == "fr\u200bee"


def test_skeleton_reads_any_script_look_alikes_as_latin() -> None:
    assert skeleton("тікток.com") == "tiktok.com"
    assert skeleton("ｔｉｋｔｏｋ.com") == "tiktok.com"


@given(st.text(max_size=300))
def test_views_stay_aligned_with_the_original(original: str) -> None:
    normalized = normalize(original)
    assert len(normalized.text) == len(normalized.folded) == len(normalized.origin)
    assert list(normalized.origin) == sorted(normalized.origin)
    assert all(0 <= index < len(original) for index in normalized.origin)
    for start in range(0, len(normalized.text), 7):
        span = normalized.original_span(start, min(start + 5, len(normalized.text)))
        assert span in original
