"""Extraction: links, contacts, payment instruments and amounts, as spans of the normalized text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.brand import Brand, default_brand
from bot.scam.cues import matcher_for
from bot.scam.extract import Features, extract, parse_number
from bot.scam.lookalike import LinkJudge, LinkKind, edit_distance, registrable
from bot.scam.normalize import normalize

BRAND = default_brand()


def features(text: str) -> Features:
    return extract(normalize(text), matcher_for(BRAND.platform))


@pytest.mark.parametrize(
    ("text", "hosts"),
    [
        ("go to https://www.tiktok.com/coin now", ["tiktok.com"]),
        ("tiktok-coins.shop/buy and www.example.org", ["tiktok-coins.shop", "example.org"]),
        ("defanged: coins-gen[.]xyz or coins (dot) top", ["coins-gen.xyz", "coins.top"]),
        ("wa.me/6281234567 and t.me/coinseller", ["wa.me", "t.me"]),
        ("e.g. this is not a link, nor is file.txt or 3.50", []),
    ],
)
def test_links(text: str, hosts: list[str]) -> None:
    assert [link.host for link in features(text).links] == hosts


def test_contacts_and_instruments() -> None:
    found = features(
        "mail me@example.com, tg @coin_king, call +1 (347) 555-0198, upi seller.1@ybl, "
        "cashapp $coinplug, usdt 0x52908400098527886E0F7030069857D2E4169EE7"
    )
    assert sorted(c.kind for c in found.contacts) == ["email", "handle", "phone"]
    assert sorted(i.kind for i in found.instruments) == ["cashtag", "crypto_address", "upi_id"]


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("only $4.99", Decimal("4.99"), "USD"),
        ("R$ 12,90", Decimal("12.90"), "BRL"),
        ("Rp 50.000", Decimal("50000"), "IDR"),
        ("cuma 50rb", Decimal("50000"), None),
        ("₹1,699", Decimal("1699"), "INR"),
        ("300 рублей", Decimal("300"), "RUB"),
        ("15 dólares", Decimal("15"), "USD"),
        ("1 000 монет", Decimal("1000"), None),
    ],
)
def test_amounts(text: str, value: Decimal, currency: str | None) -> None:
    [amount] = features(text).amounts
    assert (amount.value, amount.currency) == (value, currency)


def test_parse_number_reads_thousands_and_decimals() -> None:
    assert parse_number("1,000", None, None) == 1000
    assert parse_number("9", "99", None) == Decimal("9.99")
    assert parse_number("1.5", None, "k") == Decimal("15000")  # "1.5" here is 1 and 5 thousand


@pytest.mark.parametrize(
    ("link", "kind", "detail"),
    [
        ("https://www.tiktok.com/coin", LinkKind.OFFICIAL, ""),
        ("vm.tiktok.com/ZMh7Kq2Lp/", LinkKind.OFFICIAL, ""),
        ("support.tiktok.com", LinkKind.OFFICIAL, ""),
        ("tiktokv.com", LinkKind.OFFICIAL, ""),
        ("tіktok.com/login", LinkKind.LOOKALIKE, "homoglyph"),
        ("xn--tktok-n2e.com", LinkKind.LOOKALIKE, "punycode"),
        ("tlktok.com", LinkKind.LOOKALIKE, "typo"),
        ("tik-tok.com", LinkKind.LOOKALIKE, "typo"),
        ("t1ktok.net", LinkKind.LOOKALIKE, "typo"),
        ("tiktok.xyz", LinkKind.LOOKALIKE, "typo"),
        ("tiktokk.com", LinkKind.LOOKALIKE, "typo"),
        ("tiktok-coins.shop", LinkKind.LOOKALIKE, "brand_in_domain"),
        ("freetiktokcoins.site", LinkKind.LOOKALIKE, "brand_in_domain"),
        ("tiktok.com.login-verify.xyz/x", LinkKind.LOOKALIKE, "brand_in_subdomain"),
        ("bit.ly/tiktok-free-coins", LinkKind.LOOKALIKE, "brand_in_path"),
        ("coins.github.io/tiktok", LinkKind.LOOKALIKE, "brand_in_path"),
        ("bit.ly/3xYz", LinkKind.SHORTENER, ""),
        ("t.me/someone", LinkKind.MESSENGER, ""),
        ("medium.com/@ana/tiktok-tips", LinkKind.OTHER, ""),
        ("google.com", LinkKind.OTHER, ""),
    ],
)
def test_links_are_judged_against_the_brand(link: str, kind: LinkKind, detail: str) -> None:
    [found] = features(f"see {link} today").links
    judgement = LinkJudge(BRAND).judge(found)
    assert (judgement.kind, judgement.detail) == (kind, detail)


def test_look_alikes_follow_the_brand_file() -> None:
    other = Brand.model_validate(
        {**BRAND.model_dump(mode="json"), "platform": "Likee", "official_domains": ["likee.video"]}
    )
    judge = LinkJudge(other)
    [official] = features("likee.video/recharge").links
    [fake] = features("likee-coins.shop").links
    [unrelated] = features("tiktok-coins.shop").links
    assert judge.judge(official).kind == LinkKind.OFFICIAL
    assert judge.judge(fake).kind == LinkKind.LOOKALIKE
    assert judge.judge(unrelated).kind == LinkKind.OTHER


def test_helpers() -> None:
    assert registrable("a.b.example.co.uk") == ("example", "a.b")
    assert registrable("login.tiktok.com.evil.xyz") == ("evil", "login.tiktok.com")
    assert edit_distance("tiktok", "tiktko", 2) == 1  # a transposition is one edit
    assert edit_distance("tiktok", "facebook", 2) == 3  # gave up past the limit
