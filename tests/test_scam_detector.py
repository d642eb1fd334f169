"""The scam detector, table-driven: each message's verdict *and* its reason codes, in order."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest

from bot.brand import Brand, default_brand
from bot.i18n import Catalogs
from bot.scam import scan
from bot.scam.detector import context_for
from bot.scam.explain import MESSAGES, RISKS
from bot.scam.normalize import normalize
from bot.scam.rules import RULES, apply_rules
from bot.scam.score import WEIGHTS

BRAND = default_brand()

# (text, verdict, reason codes strongest first)
CASES: list[tuple[str, str, list[str]]] = [
    # offers, in many disguises and languages
    (
        "Cheap TikTok coins 50% off!! DM me @coinplug",
        "scam",
        ["cheap_coins", "off_platform_contact"],
    ),
    (
        "Hi, I'm from TikTok support. Send me the 6-digit code we sent you or your account will "
        "be banned",
        "scam",
        ["credential_request", "impersonation", "threat"],
    ),
    (
        "Selling tiktok coins, fast delivery. WhatsApp +62 812 3456 7890",
        "scam",
        ["third_party_seller", "off_platform_contact"],
    ),
    (
        "Free TikTok coins generator, no human verification: coins-gen.xyz",
        "scam",
        ["free_coin_generator", "unofficial_link"],
    ),
    ("10,000 coins for only $20!!", "suspicious", ["cheap_coins"]),
    ("Login here: tіktok.com/login", "scam", ["lookalike_domain"]),
    ("visit tiktok-coins.shop now", "scam", ["lookalike_domain"]),
    (
        "We buy diamonds at a better rate than TikTok, instant payment via PayPal",
        "scam",
        ["diamond_buying", "off_platform_payment"],
    ),
    ("Send 500 coins, get 1000 back! Only today", "scam", ["send_to_receive", "urgency"]),
    ("You won 10,000 TikTok coins! Pay a $2 processing fee to claim", "scam", ["prize_fee"]),
    (
        "I can transfer 5000 coins to your account for $10",
        "scam",
        ["cheap_coins", "coin_transfer"],
    ),
    (
        "Pay with Steam cards and I credit coins straight to your profile",
        "scam",
        ["coin_transfer", "off_platform_payment"],
    ),
    ("Official TikTok partner, coins 30% cheaper", "scam", ["cheap_coins", "impersonation"]),
    (
        "Send 0.01 BTC to bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh for 10k coins",
        "suspicious",
        ["off_platform_payment"],
    ),
    ("c.h.e.a.p c.o.i.n.s, dm me", "scam", ["cheap_coins", "off_platform_contact"]),
    ("ᴄʜᴇᴀᴘ ᴄᴏɪɴꜱ 🔥 inbox me", "scam", ["cheap_coins", "off_platform_contact"]),
    ("fr\u200bee c\u200b0ins gen\u200berator", "scam", ["free_coin_generator"]),
    ("Ch3ap C0INS!!! 70% 0FF", "suspicious", ["cheap_coins"]),
    (
        "Продаю монеты тикток дешево, пишите в лс",
        "scam",
        ["third_party_seller", "cheap_coins", "off_platform_contact"],
    ),
    ("عملات تيك توك رخيصة، راسلني خاص", "scam", ["cheap_coins", "off_platform_contact"]),
    (
        "Vendo monedas de TikTok baratas, escríbeme",
        "scam",
        ["third_party_seller", "cheap_coins", "off_platform_contact"],
    ),
    ("Jual koin TikTok murah, chat WA", "scam", ["third_party_seller", "cheap_coins"]),
    (
        "सस्ते कॉइन बेच रहा हूं, व्हाट्सएप करें",
        "scam",
        ["third_party_seller", "cheap_coins", "off_platform_contact"],
    ),
    (
        "sasta coins bech raha hu dm karo",
        "scam",
        ["third_party_seller", "cheap_coins", "off_platform_contact"],
    ),
    ("Murang coins, pm mo ako", "scam", ["cheap_coins", "off_platform_contact"]),
    (
        "Ucuz jeton satıyorum, DM at",
        "scam",
        ["third_party_seller", "cheap_coins", "off_platform_contact"],
    ),
    (
        "Bán xu giá rẻ, ib mình",
        "scam",
        ["third_party_seller", "cheap_coins", "off_platform_contact"],
    ),
    (
        "Moedas baratas, chave pix 11987654321",
        "scam",
        ["cheap_coins", "off_platform_payment", "off_platform_contact"],
    ),
    # one weak or medium cue is never enough
    ("Urgent! Only today!", "safe", ["urgency"]),
    ("Our new blog post about TikTok trends: medium.com/@ana/trends", "safe", ["unofficial_link"]),
    ("Your account will be banned", "safe", ["threat"]),
    ("Send me your id and password", "suspicious", ["credential_request"]),
    # confusers: official prices and links, lives, passwords, advice
    ("Official prices: 70 coins for $0.99, 350 coins for $4.99, 700 coins for $9.99", "safe", []),
    ("Recharge 700 coins for $9.99 at https://www.tiktok.com/coin", "safe", []),
    ("Free live tonight at 8pm, come say hi!", "safe", []),
    ("I forgot my password, how do I reset it?", "safe", []),
    ("Never share your password or login code with anyone", "safe", []),
    ("Coins cannot be transferred between accounts.", "safe", []),
    ("Buying coins on the website is cheaper than in the app.", "safe", []),
    ("Thanks for the gifts last night, you are amazing!", "safe", []),
    ("My coins didn't arrive after paying with GCash", "safe", []),
    ("Send me the photos from the trip when you can", "safe", []),
]


@pytest.mark.parametrize(("text", "verdict", "codes"), CASES)
def test_verdict_and_reasons(text: str, verdict: str, codes: list[str]) -> None:
    result = scan(text, locale="en", brand=BRAND)
    assert (result.verdict, result.codes) == (verdict, codes)
    assert 0.0 <= result.score <= 1.0


# Questions and warnings *about* scams are not scams; what they describe is kept in ``about``.
ABOUT_CASES: list[tuple[str, str, list[str]]] = [
    (
        "Someone offered me cheap coins in the comments, is it legit?",
        "asks_about_scam",
        ["cheap_coins"],
    ),
    (
        "I got a message saying I won 5000 coins and need to pay a fee. Is this a scam?",
        "asks_about_scam",
        ["prize_fee"],
    ),
    (
        "Can I transfer coins from my old account to my new one?",
        "asks_about_scam",
        ["coin_transfer"],
    ),
    (
        "Is there a way to get free coins? My friend said there's a generator",
        "asks_about_scam",
        ["free_coin_generator"],
    ),
    (
        "Beware of people selling cheap coins in DMs, they are scammers.",
        "warns_about_scam",
        ["cheap_coins"],
    ),
    ("Мне предложили дешевые монеты, это развод?", "asks_about_scam", ["cheap_coins"]),
    ("Alguien me ofreció monedas baratas, ¿es confiable?", "asks_about_scam", ["cheap_coins"]),
]


@pytest.mark.parametrize(("text", "framing", "about"), ABOUT_CASES)
def test_questions_and_warnings_about_scams_are_safe(
    text: str, framing: str, about: list[str]
) -> None:
    result = scan(text, locale="en", brand=BRAND)
    assert result.verdict == "safe"
    assert result.codes == [framing]
    assert list(result.about) == about


def test_a_seller_voice_overrides_a_question() -> None:
    result = scan("Is it legit? Yes! Cheap coins, DM me", locale="en", brand=BRAND)
    assert result.verdict == "scam"
    assert result.about == ()


def test_a_forwarded_question_is_judged_as_the_offer_it_is() -> None:
    text = "Is it legit? 10,000 coins for $20"
    assert scan(text, locale="en", brand=BRAND).verdict == "safe"
    assert scan(text, locale="en", brand=BRAND, forwarded=True).flagged


def test_evidence_is_the_text_as_written() -> None:
    result = scan("Get ᴄʜᴇᴀᴘ c0ins here!!! tіktok-bonus.shop", locale="en", brand=BRAND)
    evidence = {reason.code: reason.evidence for reason in result.reasons}
    assert evidence["cheap_coins"] == "ᴄʜᴇᴀᴘ c0ins"
    assert evidence["lookalike_domain"] == "tіktok-bonus.shop"  # Cyrillic і kept


def test_reasons_are_localized_through_the_translator() -> None:
    t = Catalogs()["es"]
    result = scan("Cheap coins, DM me", locale="es", brand=BRAND, translator=t)
    assert result.reasons[0].message.startswith("Ofrece monedas más baratas")
    english = scan("Cheap coins, DM me", locale="en", brand=BRAND)
    assert english.reasons[0].message.startswith("It offers coins cheaper")


def test_a_translator_for_another_language_is_refused() -> None:
    with pytest.raises(ValueError, match="speaks es"):
        scan("hi", locale="en", brand=BRAND, translator=Catalogs()["es"])


def test_the_price_check_uses_the_given_official_prices() -> None:
    text = "1000 coins for $12"
    assert scan(text, locale="en", brand=BRAND).codes == []
    expensive = {"USD": Decimal("0.05")}
    assert scan(text, locale="en", brand=BRAND, prices=expensive).codes == ["cheap_coins"]


def test_the_brand_file_decides_what_is_official() -> None:
    other = Brand.model_validate(
        {
            **BRAND.model_dump(mode="json"),
            "platform": "Bigo Live",
            "official_domains": ["bigo.tv"],
            "official_short_domains": [],
        }
    )
    assert scan("top up at bigo-coins.shop", locale="en", brand=other).codes == ["lookalike_domain"]
    assert scan("top up at bigo.tv/recharge", locale="en", brand=other).codes == []
    # the shipped platform's look-alikes mean nothing to another brand
    assert "lookalike_domain" not in scan("see tiktok-coins.shop", locale="en", brand=other).codes


def test_every_reason_has_a_message_a_weight_and_a_risk() -> None:
    codes = {code for code in MESSAGES if not code.endswith("_about_scam")}
    weighted = {key.removesuffix("_in_context") for key in WEIGHTS}
    assert codes <= weighted | {"off_platform_payment", "unofficial_link", "free_coin_generator"}
    assert set(RISKS) == codes


def test_skipping_the_rules_for_messages_without_triggers_loses_nothing() -> None:
    """apply_rules skips messages with no trigger cue, link or instrument: no rule would fire."""
    texts = [text for text, _, _ in CASES] + [text for text, _, _ in ABOUT_CASES]
    with (Path(__file__).parent / "data" / "uci-sms-spam-collection.jsonl").open() as handle:
        texts += [json.loads(line)["text"] for line in itertools.islice(handle, 1500)]
    for text in texts:
        ctx = context_for(normalize(text), BRAND)
        if not apply_rules(ctx):
            assert [f for rule in RULES for f in rule(ctx)] == [], text
