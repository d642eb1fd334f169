"""Step 2 of the scan: what the message contains, as spans of the normalized text.

Links (with or without a scheme, bare domains, defanged ``name[.]com``), handles, e-mail
addresses, phone numbers, payment instruments that identify a person rather than a shop (crypto
wallet addresses, UPI ids, Cash App cashtags), money amounts with their currency, coin amounts,
percentages — plus the language cues of :mod:`bot.scam.cues`. Nothing here judges; the rules do.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.config import ConfigError
from bot.scam.cues import Cue, CueMatcher, Hit, Words
from bot.scam.normalize import Normalized

# Of each kind of feature, the first ones are evidence enough; the cap keeps every scan fast.
MAX_FEATURES = 24


class LinkLists(BaseModel):
    """``bot/scam/links.toml``: top-level domains, shorteners, messengers, free hosts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    known_tlds: frozenset[str]
    unusual_tlds: frozenset[str]
    shorteners: frozenset[str]
    messengers: frozenset[str]
    free_hosts: frozenset[str]


def load_link_lists() -> LinkLists:
    text = resources.files("bot.scam").joinpath("links.toml").read_text("utf-8")
    try:
        return LinkLists.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ConfigError(f"bot/scam/links.toml: {exc}") from None


LINKS = load_link_lists()

_DOT = r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\s?[\[(]dot[\])]\s?)"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_URL = re.compile(
    r"(?:(?:https?|hxxps?)://|www\.)[^\s<>\"'«»]+"
    rf"|(?<![\w@.\-/])(?:{_LABEL}{_DOT})+(?:[a-z]{{2,24}}|xn--[a-z0-9-]+)(?![\w-])"
    r"(?:[/?#][^\s<>\"'«»]*)?"
)
_DOT_VARIANTS = re.compile(r"\s?(?:\[\.\]|\(\.\)|\{\.\}|[\[(]dot[\])])\s?")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@[a-z][\w.]{3,31}(?<!\.)")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s().-]{7,17}\d(?![\w%])")
_UPI = re.compile(
    r"[\w.-]{2,}@(?:ok(?:axis|hdfcbank|icici|sbi)|ybl|ibl|axl|paytm|upi|apl|yapl|rapl|fbl|"
    r"freecharge|airtel|jio|sbi|icici|hdfcbank|axisbank|kotak|pnb|boi|idfcbank|federal)\b"
)
_CRYPTO = re.compile(
    r"(?<![\w])(?:0x[0-9a-f]{40}|bc1[a-z0-9]{25,59}|[13][a-z0-9]{25,34}|t[a-z0-9]{33})(?![\w])"
)
_CASHTAG = re.compile(r"(?<![\w$])\$[a-z][a-z0-9_]{1,19}(?![\w])")
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[.,\s]\d{3})+|\d+)(?:[.,](\d{1,2}))?"
    r"(?:\s?(k|rb|ribu|jt|juta|mil|тыс|к|lakh|bin|nghin|ngan))?(?![\w])"
)
_DIGIT = re.compile(r"\d")
_PERCENT = re.compile(r"(?<![\w.,])(\d{1,3})(?:[.,]\d+)?\s?%")
_MULTIPLIERS = {
    "k": 1000,
    "rb": 1000,
    "ribu": 1000,
    "mil": 1000,
    "тыс": 1000,
    "к": 1000,
    "bin": 1000,
    "nghin": 1000,
    "ngan": 1000,
    "jt": 1_000_000,
    "juta": 1_000_000,
    "lakh": 100_000,
}
# Currency as written next to an amount (normalized text), to an ISO code. Codes that are also
# words ("try", "real") count only before the number.
_CURRENCY_BEFORE = re.compile(
    r"(?<![\w$])(us\$|r\$|\$|€|£|₹|₱|₽|rs\.?|rp\.?|inr|idr|usd|eur|gbp|brl|php|mxn|sar|aed|"
    r"try|tl|₺|rub)\s?$"
)
_CURRENCY_AFTER = re.compile(  # used with match(text, pos), which anchors at pos
    r"\s?(us\$|r\$|\$|€|£|₹|₱|₽|rs\.?|usd|eur|gbp|brl|inr|idr|php|mxn|sar|aed|rub|tl|₺|"
    r"dollars?|dolares|dolar|bucks|reais|rupees?|rupiah|pesos?|euros?|pounds?|руб\w*|р|"
    r"riyals?|ريال|روبية|रुपये|रुपए|rupaye|rupay|lira|dong|vnd)(?![\w$])"
)
_CURRENCY_CODES = {
    "us$": "USD",
    "$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "dolar": "USD",
    "dolares": "USD",
    "bucks": "USD",
    "r$": "BRL",
    "brl": "BRL",
    "reais": "BRL",
    "real": "BRL",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "₹": "INR",
    "rs": "INR",
    "rs.": "INR",
    "inr": "INR",
    "rupee": "INR",
    "rupees": "INR",
    "रुपये": "INR",
    "रुपए": "INR",
    "rupaye": "INR",
    "rupay": "INR",
    "rp": "IDR",
    "rp.": "IDR",
    "idr": "IDR",
    "rupiah": "IDR",
    "₱": "PHP",
    "php": "PHP",
    "peso": "PHP",
    "pesos": "PHP",
    "mxn": "MXN",
    "sar": "SAR",
    "riyal": "SAR",
    "riyals": "SAR",
    "ريال": "SAR",
    "aed": "AED",
    "₽": "RUB",
    "rub": "RUB",
    "р": "RUB",
    "try": "TRY",
    "tl": "TRY",
    "₺": "TRY",
    "lira": "TRY",
    "dong": "VND",
    "vnd": "VND",
}


@dataclass(frozen=True)
class Link:
    start: int
    end: int
    host: str  # normalized, without "www."
    raw_host: str  # the host as the user wrote it (look-alike letters and all)
    path: str


@dataclass(frozen=True)
class Contact:
    start: int
    end: int
    kind: str  # handle | email | phone | messenger


@dataclass(frozen=True)
class Instrument:
    start: int
    end: int
    kind: str  # crypto_address | upi_id | cashtag


@dataclass(frozen=True)
class Amount:
    start: int
    end: int
    value: Decimal
    currency: str | None  # ISO code when a currency is written next to it


@dataclass(frozen=True)
class Features:
    normalized: Normalized
    hits: dict[Cue, list[Hit]]
    words: Words
    links: tuple[Link, ...]
    contacts: tuple[Contact, ...]
    instruments: tuple[Instrument, ...]
    amounts: tuple[Amount, ...]
    percents: tuple[Amount, ...]

    def has(self, cue: Cue) -> bool:
        return bool(self.hits.get(cue))

    def cue(self, cue: Cue) -> list[Hit]:
        return self.hits.get(cue, [])


def extract(normalized: Normalized, matcher: CueMatcher) -> Features:
    text = normalized.text
    raw_hits, words = matcher.find(normalized.folded)
    grouped: dict[Cue, list[Hit]] = {}
    for hit in raw_hits:
        grouped.setdefault(hit.cue, []).append(hit)

    taken: list[tuple[int, int]] = []  # spans already claimed (an e-mail is not also a link)
    contacts: list[Contact] = []
    instruments: list[Instrument] = []
    if "@" in text:
        _addresses(text, taken, contacts, instruments)
    links = _links(normalized, taken) if "." in text or "dot" in text else []
    contacts += [Contact(k.start, k.end, "messenger") for k in links if k.host in LINKS.messengers]
    if _DIGIT.search(text):
        _numbers_that_identify(text, taken, contacts, instruments)
        amounts, percents = _amounts(text, taken)
    else:
        amounts, percents = [], []
    if "$" in text:
        instruments += [Instrument(m.start(), m.end(), "cashtag") for m in _CASHTAG.finditer(text)]
    return Features(
        normalized,
        refine_cues(grouped),
        words,
        tuple(links[:MAX_FEATURES]),
        tuple(contacts[:MAX_FEATURES]),
        tuple(instruments[:MAX_FEATURES]),
        tuple(amounts[:MAX_FEATURES]),
        tuple(percents[:MAX_FEATURES]),
    )


def _addresses(
    text: str, taken: list[tuple[int, int]], contacts: list[Contact], instruments: list[Instrument]
) -> None:
    """UPI ids, e-mail addresses and handles: everything with an "@"."""
    for match in _UPI.finditer(text):
        instruments.append(Instrument(match.start(), match.end(), "upi_id"))
        taken.append(match.span())
    for match in _EMAIL.finditer(text):
        if not _overlaps(match.span(), taken):
            contacts.append(Contact(match.start(), match.end(), "email"))
            taken.append(match.span())
    for match in _HANDLE.finditer(text):
        if not _overlaps(match.span(), taken):
            contacts.append(Contact(match.start(), match.end(), "handle"))


def _numbers_that_identify(
    text: str, taken: list[tuple[int, int]], contacts: list[Contact], instruments: list[Instrument]
) -> None:
    """Phone numbers and crypto wallet addresses (which are not amounts)."""
    for match in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in match[0])
        if 9 <= digits <= 15 and not _overlaps(match.span(), taken):
            contacts.append(Contact(match.start(), match.end(), "phone"))
            taken.append(match.span())
    for match in _CRYPTO.finditer(text):
        if any(c.isdigit() for c in match[0]) and not _overlaps(match.span(), taken):
            instruments.append(Instrument(match.start(), match.end(), "crypto_address"))
            taken.append(match.span())


# Cues naming things, inside which a negation word is just part of the name ("no-cost").
_CONTENT = (Cue.ITEM, Cue.CREDENTIAL, Cue.PAY_METHOD, Cue.PAY_P2P, Cue.FREE, Cue.STAFF)
# (cue, the cues whose phrases may contain it and then mean something else)
_CONTAINED_IN: tuple[tuple[Cue, tuple[Cue, ...]], ...] = (
    (Cue.ASSURANCE, (Cue.QUESTION,)),  # "legit" in "is it legit?"
    (Cue.SELL, (Cue.QUESTION,)),  # "selling" in "someone is selling… legit?"
    (Cue.CONTACT, (Cue.QUESTION,)),
    (Cue.WARNING, (Cue.ASSURANCE, Cue.THREAT)),  # "scam" in "not a scam", "to avoid suspension"
    (Cue.NEGATION, (Cue.ASSURANCE, *_CONTENT)),  # "no" in "no scam", "no-cost"
    (Cue.CHEAP, (Cue.CHEAPER,)),  # "murah" in "lebih murah"
)


def refine_cues(hits: dict[Cue, list[Hit]]) -> dict[Cue, list[Hit]]:
    """Drop cues that are part of a larger phrase meaning something else, in order (so "legit"
    inside a question no longer shields "scam" from counting as a warning)."""
    for cue, containers in _CONTAINED_IN:
        found = hits.get(cue)
        if not found:
            continue
        around = [c for container in containers for c in hits.get(container, ())]
        if around:
            kept = [h for h in found if not any(_within(h, c) for c in around)]
            if kept:
                hits[cue] = kept
            else:
                del hits[cue]
    transfers, payments = hits.get(Cue.TRANSFER), hits.get(Cue.PAY_METHOD)
    if transfers and payments:  # "transfer" in "bank transfer" is a way to pay
        kept = [t for t in transfers if not any(_crosses(t, p) for p in payments)]
        if kept:
            hits[Cue.TRANSFER] = kept
        else:
            del hits[Cue.TRANSFER]
    return hits


def _within(hit: Hit, container: Hit) -> bool:
    return container.start <= hit.start and hit.end <= container.end and container is not hit


def _crosses(a: Hit, b: Hit) -> bool:
    return a.start < b.end and b.start < a.end


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def _links(normalized: Normalized, taken: list[tuple[int, int]]) -> list[Link]:
    found: list[Link] = []
    for match in _URL.finditer(normalized.text):
        if len(found) >= MAX_FEATURES:
            break
        if _overlaps(match.span(), taken):
            continue
        url = match[0].rstrip(".,;:!?)]}'\"")
        end = match.start() + len(url)
        body = re.sub(r"^(?:https?|hxxps?)://", "", url)
        host_part = re.split(r"[/?#]", body, maxsplit=1)[0]
        path = body[len(host_part) :]
        host = _DOT_VARIANTS.sub(".", host_part).split(":", 1)[0].split("@")[-1]
        host = host.rstrip(".")
        has_scheme = body != url or url.startswith("www.")
        tld = host.rsplit(".", 1)[-1]
        if not has_scheme and tld not in LINKS.known_tlds and not tld.startswith("xn--"):
            continue
        if "." not in host or not any(c.isalpha() for c in host):
            continue
        raw = normalized.original_span(match.start(), match.start() + len(host_part))
        raw_host = re.sub(r"^[a-zA-Z]+://", "", raw).split("/", 1)[0]
        found.append(
            Link(
                match.start(),
                end,
                host.removeprefix("www."),
                _DOT_VARIANTS.sub(".", raw_host).lower().removeprefix("www."),
                path,
            )
        )
        taken.append((match.start(), end))
    return found


def parse_number(whole: str, fraction: str | None, unit: str | None) -> Decimal | None:
    """A written number: "1,000" / "1.000" / "1 000" are thousands, "0,99" and "9.99" decimals."""
    digits = re.sub(r"[.,\s]", "", whole)
    try:
        value = Decimal(digits)
        if fraction:
            value += Decimal(fraction) / (10 ** len(fraction))
    except InvalidOperation:
        return None
    if unit:
        value *= _MULTIPLIERS[unit]
    return value


def _amounts(text: str, taken: list[tuple[int, int]]) -> tuple[list[Amount], list[Amount]]:
    """Money (with its currency when one is written next to it), other numbers, percentages."""
    amounts: list[Amount] = []
    for match in _NUMBER.finditer(text):
        if len(amounts) >= MAX_FEATURES:
            break
        if _overlaps(match.span(), taken):
            continue
        value = parse_number(match[1], match[2], match[3])
        if value is None:
            continue
        start, end, currency = match.start(), match.end(), None
        before = _CURRENCY_BEFORE.search(text, max(0, start - 5), start)
        after = _CURRENCY_AFTER.match(text, end)
        if before is not None:
            currency = _CURRENCY_CODES.get(before[1].strip())
            start = before.start()
        elif after is not None:
            word = after[1].strip()
            currency = _CURRENCY_CODES.get(word) or ("RUB" if word.startswith("руб") else None)
            end = after.end()
        amounts.append(Amount(start, end, value, currency))
    percents = [
        Amount(m.start(), m.end(), Decimal(m[1]), None)
        for m in _PERCENT.finditer(text)
        if not _overlaps(m.span(), taken)
    ]
    return amounts, percents
