"""Step 3 of the scan: the rules. Each one looks for one scam pattern and names it.

A rule reads the extracted features (cues, links, contacts, amounts) and returns findings: a
stable reason code, a weight from :mod:`bot.scam.score` and the span that shows it. Rules that
pair cues ("cheap" next to "coins") measure the distance in words, so a long message does not
pair a word from its first line with one from its last. Cues preceded by a negation ("never
share your code", "coins cannot be transferred") do not count.

Besides the rules, :func:`framing` tells whether the text asks or warns *about* a scam (a
question, a report, a warning) rather than making an offer in a seller's voice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.scam.cues import Cue, Hit
from bot.scam.extract import Amount, Features
from bot.scam.lookalike import LinkJudge, LinkJudgement, LinkKind
from bot.scam.model import Finding
from bot.scam.score import weight

Span = tuple[int, int]
# A coin price below this share of the official one is a discount no honest seller can give.
BELOW_OFFICIAL_SHARE = Decimal("0.7")
_NEGATION_REACH = 3  # words before a cue that a negation still applies to


@dataclass(frozen=True)
class Context:
    features: Features
    links: tuple[LinkJudgement, ...]
    judge: LinkJudge
    coin_prices: Mapping[str, Decimal]  # official price of one coin, per currency


def _span(*parts: Hit | Span | Amount) -> Span:
    starts = [p[0] if isinstance(p, tuple) else p.start for p in parts]
    ends = [p[1] if isinstance(p, tuple) else p.end for p in parts]
    return min(starts), max(ends)


def _negated(ctx: Context, span: Span, language: str | None) -> bool:
    """A negation of the cue's own language inside the span or just before it.

    Languages must agree because short negations are other languages' ordinary words: "no" is
    "in the" in Portuguese, "mat" is part of the Vietnamese for password.
    """
    words = ctx.features.words
    first = words.index_at(span[0])
    for negation in ctx.features.cue(Cue.NEGATION):
        if language is not None and negation.language != language:
            continue
        if span[0] <= negation.start < span[1]:
            return True
        at = words.index_at(negation.start)
        if first - _NEGATION_REACH <= at < first:
            return True
    return False


def _language(*parts: Hit | Span) -> str | None:
    """The language of the first cue among ``parts`` (the cue that carries the meaning)."""
    return next((p.language for p in parts if isinstance(p, Hit) and p.language != "intl"), None)


def _near(
    ctx: Context, first: Sequence[Hit | Span], second: Sequence[Hit | Span], within: int
) -> Span | None:
    """The span of the closest not-negated pair within ``within`` words of each other."""
    words = ctx.features.words
    best: tuple[int, Span] | None = None
    for a in first:
        for b in second:
            distance = words.distance(a, b)
            if distance > within:
                continue
            span = _span(a, b)
            if _negated(ctx, span, _language(a, b)):
                continue
            if best is None or distance < best[0]:
                best = (distance, span)
    return best[1] if best else None


def _first_plain(ctx: Context, hits: Iterable[Hit]) -> Span | None:
    for hit in hits:
        span = (hit.start, hit.end)
        if not _negated(ctx, span, _language(hit)):
            return span
    return None


def _finding(code: str, key: str, span: Span, **values: str) -> Finding:
    return Finding(code, weight(key), span[0], span[1], tuple(values.items()))


def _topic(ctx: Context) -> list[Hit]:
    return ctx.features.cue(Cue.ITEM)


# Someone trading coins or diamonds with the reader, not the official shop.
_TRADING = (Cue.SELL, Cue.DIAMOND_BUY, Cue.TRANSFER)


# ------------------------------------------------------------------------------------ rules
def cheap_coins(ctx: Context) -> Iterable[Finding]:
    features = ctx.features
    items = _topic(ctx)
    if not items:
        return
    span = _below_official_price(ctx, items) or _near(ctx, features.cue(Cue.CHEAP), items, 3)
    if span is None and not _names_official_channel(ctx):
        # "cheaper" is also how people describe the official website next to the app
        span = _near(ctx, features.cue(Cue.CHEAPER), items, 3)
    if span is None:
        discounts = [
            (p.start, p.end)
            for p in features.percents
            if 10 <= p.value < 100 and _is_discount(ctx, p)
        ]
        span = _near(ctx, discounts, items, 6)
    if span is not None:
        yield _finding("cheap_coins", "cheap_coins", span)


def _names_official_channel(ctx: Context) -> bool:
    return ctx.features.has(Cue.OFFICIAL) or any(j.kind == LinkKind.OFFICIAL for j in ctx.links)


def _is_discount(ctx: Context, percent: Amount) -> bool:
    text = ctx.features.normalized.folded
    after = text[percent.end : percent.end + 12]
    if after.lstrip().startswith("off"):
        return True
    return any(
        ctx.features.words.distance((percent.start, percent.end), hit) <= 1
        for hit in ctx.features.cue(Cue.CHEAP)
    )


def _below_official_price(ctx: Context, items: list[Hit]) -> Span | None:
    """ "10,000 coins for $20": a coin amount and a price, far below the official price."""
    words = ctx.features.words
    coins = [
        a
        for a in ctx.features.amounts
        if a.currency is None
        and a.value >= 10
        and any(words.distance((a.start, a.end), item) == 0 for item in items)
    ]
    prices = [a for a in ctx.features.amounts if a.currency in ctx.coin_prices]
    for coin_amount in coins:
        here = (coin_amount.start, coin_amount.end)
        # "700 coins (to your account) for $9.99" pairs forward; "$5 for 1000 coins" backward
        after = [p for p in prices if p.start >= coin_amount.end and words.distance(here, p) <= 5]
        before = [p for p in prices if p.end <= coin_amount.start and words.distance(here, p) <= 3]
        price = after[0] if after else (before[-1] if before else None)
        if price is None:
            continue
        official = ctx.coin_prices[price.currency or ""] * coin_amount.value
        if price.value < official * BELOW_OFFICIAL_SHARE:
            return _span(coin_amount, price)
    return None


def free_coin_generator(ctx: Context) -> Iterable[Finding]:
    features = ctx.features
    items = _topic(ctx)
    if not items:
        return
    span = _near(ctx, features.cue(Cue.GENERATOR), items, 5)
    if span is not None:
        yield _finding("free_coin_generator", "free_coin_generator", span)
        return
    span = _near(ctx, features.cue(Cue.FREE), items, 2)
    if span is not None:
        yield _finding("free_coin_generator", "free_coins", span)


def credential_request(ctx: Context) -> Iterable[Finding]:
    features = ctx.features
    span = _near(ctx, features.cue(Cue.REQUEST), features.cue(Cue.CREDENTIAL), 6)
    if span is None:
        return
    in_context = any(
        features.has(cue) for cue in (Cue.BRAND, Cue.ITEM, Cue.STAFF, Cue.PARTNER, Cue.THREAT)
    ) or any(j.kind == LinkKind.LOOKALIKE for j in ctx.links)
    key = "credential_request_in_context" if in_context else "credential_request"
    yield _finding("credential_request", key, span)


def impersonation(ctx: Context) -> Iterable[Finding]:
    features = ctx.features
    span = _first_plain(ctx, features.cue(Cue.PARTNER))
    if span is None:
        span = _near(ctx, features.cue(Cue.SELF_INTRO), features.cue(Cue.STAFF), 2)
    if span is None and (
        features.has(Cue.THREAT)
        or features.has(Cue.CREDENTIAL)
        or any(j.kind != LinkKind.OFFICIAL for j in ctx.links)
    ):
        brand_staff = [
            s
            for s in features.cue(Cue.STAFF)
            if any(s.start <= b.start < s.end for b in features.cue(Cue.BRAND))
        ]
        span = _first_plain(ctx, brand_staff)
    if span is not None:
        yield _finding("impersonation", "impersonation", span)


def coin_transfer(ctx: Context) -> Iterable[Finding]:
    span = _near(ctx, ctx.features.cue(Cue.TRANSFER), _topic(ctx), 6)
    if span is not None:
        yield _finding("coin_transfer", "coin_transfer", span)


def send_to_receive(ctx: Context) -> Iterable[Finding]:
    features = ctx.features
    anchors: list[Hit | Span] = [*_topic(ctx), *((a.start, a.end) for a in features.amounts)]
    span = _near(ctx, features.cue(Cue.SEND_BACK), anchors, 6)
    if span is not None:
        yield _finding("send_to_receive", "send_to_receive", span)


def prizes(ctx: Context) -> Iterable[Finding]:
    features = ctx.features
    prize = _first_plain(ctx, features.cue(Cue.PRIZE))
    if prize is None:
        return
    fee = _first_plain(ctx, features.cue(Cue.FEE))
    if fee is None:
        yield _finding("prize_bait", "prize_bait", prize)
    elif features.words.distance(prize, fee) <= 20:
        yield _finding("prize_fee", "prize_fee", _span(prize, fee))
    else:
        yield _finding("prize_fee", "prize_fee", fee)


def diamond_buying(ctx: Context) -> Iterable[Finding]:
    span = _first_plain(ctx, ctx.features.cue(Cue.DIAMOND_BUY))
    if span is not None:
        yield _finding("diamond_buying", "diamond_buying", span)


def off_platform_payment(ctx: Context) -> Iterable[Finding]:
    features = ctx.features
    direct: list[Span] = [(i.start, i.end) for i in features.instruments]
    span = _first_plain(ctx, features.cue(Cue.PAY_P2P))
    if span is not None:
        direct.append(span)
    if direct:
        key = "off_platform_payment_for_coins" if _topic(ctx) else "off_platform_payment"
        yield _finding("off_platform_payment", key, min(direct))
        return
    span = _near(ctx, features.cue(Cue.PAY_METHOD), features.cue(Cue.TO_ME), 4)
    if span is None and any(features.has(cue) for cue in _TRADING):
        # a payment app is an official method at checkout, but not when a stranger trades coins
        span = _first_plain(ctx, features.cue(Cue.PAY_METHOD))
    if span is not None:
        yield _finding("off_platform_payment", "off_platform_payment", span)


def lookalike_domain(ctx: Context) -> Iterable[Finding]:
    for judgement in ctx.links:
        if judgement.kind == LinkKind.LOOKALIKE:
            link = judgement.link
            official = ctx.judge.brand.official_domains[0]
            yield _finding(
                "lookalike_domain",
                "lookalike_domain",
                (link.start, link.end),
                host=link.raw_host,
                official=official,
            )
            return


def unofficial_link(ctx: Context) -> Iterable[Finding]:
    if not (_topic(ctx) or ctx.features.has(Cue.BRAND)):
        return
    for judgement in ctx.links:
        link = judgement.link
        if judgement.kind == LinkKind.SHORTENER:
            yield _finding("shortened_link", "shortened_link", (link.start, link.end))
            return
        if judgement.kind == LinkKind.OTHER:
            key = "unofficial_link_unusual_tld" if judgement.unusual_tld else "unofficial_link"
            yield _finding("unofficial_link", key, (link.start, link.end), host=link.host)
            return


def off_platform_contact(ctx: Context) -> Iterable[Finding]:
    features = ctx.features
    if not (_topic(ctx) or features.has(Cue.EASY_MONEY) or features.has(Cue.PRIZE)):
        return
    spans: list[Span] = [(c.start, c.end) for c in features.contacts]
    phrase = _first_plain(ctx, features.cue(Cue.CONTACT))
    if phrase is not None:
        spans.append(phrase)
    if spans:
        yield _finding("off_platform_contact", "off_platform_contact", min(spans))


def third_party_seller(ctx: Context) -> Iterable[Finding]:
    span = _near(ctx, ctx.features.cue(Cue.SELL), _topic(ctx), 6)
    if span is not None:
        yield _finding("third_party_seller", "third_party_seller", span)


def _single_cue(cue: Cue, code: str) -> Callable[[Context], Iterable[Finding]]:
    def rule(ctx: Context) -> Iterable[Finding]:
        span = _first_plain(ctx, ctx.features.cue(cue))
        if span is not None:
            yield _finding(code, code, span)

    rule.__name__ = code
    return rule


RULES: tuple[Callable[[Context], Iterable[Finding]], ...] = (
    lookalike_domain,
    free_coin_generator,
    send_to_receive,
    credential_request,
    prizes,
    third_party_seller,
    cheap_coins,
    diamond_buying,
    coin_transfer,
    impersonation,
    off_platform_payment,
    unofficial_link,
    off_platform_contact,
    _single_cue(Cue.THREAT, "threat"),
    _single_cue(Cue.EASY_MONEY, "easy_money"),
    _single_cue(Cue.URGENCY, "urgency"),
    _single_cue(Cue.ASSURANCE, "legit_claims"),
)

# Wording only a seller uses; its presence overrides a question's framing ("legit? yes! DM me").
# A warning names sellers ("those who sell cheap coins are scammers"), so selling alone does not
# override a warning; a way to reach the writer or a promise of being legit does.
_SELLER_VOICE = (Cue.SELL, Cue.CONTACT, Cue.ASSURANCE)
_WARNER_OVERRIDES = (Cue.CONTACT, Cue.ASSURANCE)


# Every rule needs at least one of these cues, or a link or a payment instrument; most ordinary
# messages have none, and skip the rules entirely.
_TRIGGERS = frozenset(
    {
        Cue.ITEM,
        Cue.CREDENTIAL,
        Cue.PARTNER,
        Cue.STAFF,
        Cue.SEND_BACK,
        Cue.PRIZE,
        Cue.DIAMOND_BUY,
        Cue.PAY_P2P,
        Cue.PAY_METHOD,
        Cue.THREAT,
        Cue.EASY_MONEY,
        Cue.URGENCY,
        Cue.ASSURANCE,
    }
)


def apply_rules(ctx: Context) -> list[Finding]:
    features = ctx.features
    if not (features.links or features.instruments or not _TRIGGERS.isdisjoint(features.hits)):
        return []
    return [finding for rule in RULES for finding in rule(ctx)]


def framing(ctx: Context) -> tuple[str, Span] | None:
    """("asks_about_scam" | "warns_about_scam", span) when the text is about a scam, not one."""
    features = ctx.features
    candidates = []
    question = features.cue(Cue.QUESTION)
    if question and not any(features.has(cue) for cue in _SELLER_VOICE):
        candidates.append((question[0].start, question[0].end, "asks_about_scam"))
    warning = features.cue(Cue.WARNING)
    if warning and not any(features.has(cue) for cue in _WARNER_OVERRIDES):
        candidates.append((warning[0].start, warning[0].end, "warns_about_scam"))
    if not candidates:
        return None
    start, end, code = min(candidates)  # whichever the text opens with
    return code, (start, end)
