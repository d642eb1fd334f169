"""The scam detector's one entry point: ``scan(text, locale=..., brand=...) -> Verdict``.

normalize -> extract -> rules -> score -> explain, each in its own module. Nothing here knows
about Telegram: the bot, the group watch and ``python -m bot scan`` are all thin clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache

from bot.brand import Brand
from bot.catalog import Catalog, default_catalog
from bot.i18n import Translator
from bot.scam.cues import matcher_for
from bot.scam.explain import explain, framing_reason
from bot.scam.extract import extract
from bot.scam.lookalike import LinkJudge
from bot.scam.model import Verdict
from bot.scam.normalize import Normalized, normalize
from bot.scam.rules import Context, apply_rules, framing
from bot.scam.score import ABOUT_SCAM_FACTOR, combine, verdict_for

# Telegram messages are at most 4096 characters; longer input (the command line) is scanned in
# its first part, which keeps every scan fast whatever it is given.
MAX_SCAN_CHARS = 8192


def official_coin_prices(catalog: Catalog) -> dict[str, Decimal]:
    """The cheapest official price of one coin in each currency the catalog sells in."""
    prices: dict[str, Decimal] = {}
    for region in catalog.available_regions().values():
        for package in catalog.packages:
            per_coin = region.prices[package.id] / package.coins
            current = prices.get(region.currency)
            prices[region.currency] = per_coin if current is None else min(current, per_coin)
    return prices


@cache
def _default_prices() -> Mapping[str, Decimal]:
    return official_coin_prices(default_catalog())


_judges: dict[int, tuple[Brand, LinkJudge]] = {}


def _judge(brand: Brand) -> LinkJudge:
    """The link judge of a brand, by identity: hashing a brand model on every scan costs more
    than the scan's rules."""
    entry = _judges.get(id(brand))
    if entry is None or entry[0] is not brand:
        entry = _judges[id(brand)] = (brand, LinkJudge(brand))
    return entry[1]


def prepare(brand: Brand) -> None:
    """Compile the phrase lists and load the defaults now rather than on the first message."""
    _judge(brand)
    _default_prices()
    matcher_for(brand.platform).warm()


def context_for(
    normalized: Normalized, brand: Brand, prices: Mapping[str, Decimal] | None = None
) -> Context:
    """Everything the rules read about a normalized text: cues, features, judged links."""
    features = extract(normalized, matcher_for(brand.platform))
    judge = _judge(brand)
    return Context(
        features,
        tuple(judge.judge(link) for link in features.links),
        judge,
        prices if prices is not None else _default_prices(),
    )


def scan(
    text: str,
    *,
    locale: str,
    brand: Brand,
    translator: Translator | None = None,
    prices: Mapping[str, Decimal] | None = None,
    forwarded: bool = False,
) -> Verdict:
    """Judge one message.

    ``translator`` puts the reasons in the reader's language (English without one; ``locale``
    names the language the caller wants and is only checked against the translator).
    ``prices`` is the official price of one coin per currency (default: the shipped catalog).
    ``forwarded`` says the text is someone else's message passed on, so a question in it is the
    sender's wording, not the user asking.
    """
    if translator is not None and translator.locale != locale:
        raise ValueError(f"translator speaks {translator.locale}, not {locale}")
    normalized = normalize(text[:MAX_SCAN_CHARS])
    ctx = context_for(normalized, brand, prices)
    findings = apply_rules(ctx)
    score = combine(findings)
    about = framing(ctx) if findings and not forwarded else None
    if about is not None:
        code, (start, end) = about
        described = explain(findings, normalized, translator)
        return Verdict(
            "safe",
            round(score * ABOUT_SCAM_FACTOR, 4),
            (framing_reason(code, normalized, start, end, translator),),
            tuple(reason.code for reason in described),
        )
    return Verdict(verdict_for(score), score, explain(findings, normalized, translator))
