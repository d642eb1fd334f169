"""Links judged against the brand's official domains: official, look-alike, or just elsewhere.

A host is official when the brand says so (:meth:`bot.brand.Brand.is_official_host`); those are
allow-listed before anything else. A look-alike imitates them:

- ``homoglyph``: written with look-alike letters (Cyrillic "і", Greek "ο") or as an IDN that
  reads like an official name;
- ``punycode``: an ``xn--`` label that decodes to something reading like an official name;
- ``typo``: the site name is within a small edit distance of an official name ("tlktok",
  "tiktokk", "tik-tok", "t1ktok"), or is the official name on another top-level domain;
- ``brand_in_domain`` / ``brand_in_subdomain``: the official name inside someone else's domain
  ("tiktok-coins.shop", "tiktok.com.login-verify.xyz");
- ``brand_in_path``: the official name in the path of a link on a shortener, a throwaway top-level
  domain or a free hosting service ("bit.ly/tiktok-free-coins").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from bot.brand import Brand
from bot.scam.extract import LINKS, Link
from bot.scam.normalize import normalize, skeleton

# Second-level labels under which people register names (example.com.br, example.co.uk).
_SECOND_LEVEL = frozenset(
    ["co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "mil", "biz", "info", "web"]
)
_FOLD = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "l": "i"})


class LinkKind(StrEnum):
    OFFICIAL = "official"
    LOOKALIKE = "lookalike"
    SHORTENER = "shortener"
    MESSENGER = "messenger"
    OTHER = "other"


@dataclass(frozen=True)
class LinkJudgement:
    link: Link
    kind: LinkKind
    detail: str = ""  # for look-alikes: homoglyph, punycode, typo, brand_in_domain...

    @property
    def unusual_tld(self) -> bool:
        return self.link.host.rsplit(".", 1)[-1] in LINKS.unusual_tlds


def _fold(name: str) -> str:
    return name.replace("-", "").translate(_FOLD)


def registrable(host: str) -> tuple[str, str]:
    """(the registered name, the rest above it): ``a.b.example.co.uk`` -> (example, a.b)."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3], ".".join(labels[:-3])
    if len(labels) >= 2:
        return labels[-2], ".".join(labels[:-2])
    return labels[0], ""


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (transpositions count 1), giving up above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class LinkJudge:
    """Judges links for one brand; built once per brand."""

    def __init__(self, brand: Brand) -> None:
        self.brand = brand
        names = {registrable(domain)[0] for domain in brand.official_domains}
        names.add(normalize(brand.platform).folded.replace(" ", ""))
        self.names = sorted({_fold(n) for n in names if len(n) >= 3}, key=len, reverse=True)

    @cached_property
    def official_hosts(self) -> frozenset[str]:
        return frozenset(self.brand.official_domains) | frozenset(self.brand.official_short_domains)

    def is_official(self, host: str) -> bool:
        return host in self.official_hosts or self.brand.is_official_host(host)

    def judge(self, link: Link) -> LinkJudgement:
        raw = unicodedata.normalize("NFKC", link.raw_host).casefold()
        if not raw.isascii():
            if self._reads_as_brand(skeleton(raw)):
                return LinkJudgement(link, LinkKind.LOOKALIKE, "homoglyph")
        elif "xn--" in raw:
            decoded = _decode_punycode(raw)
            if decoded is None or self._reads_as_brand(skeleton(decoded)):
                return LinkJudgement(link, LinkKind.LOOKALIKE, "punycode")
        host = link.host
        if self.is_official(host) and raw.isascii():
            return LinkJudgement(link, LinkKind.OFFICIAL)
        detail = self._imitation(host, link.path)
        if detail:
            return LinkJudgement(link, LinkKind.LOOKALIKE, detail)
        if host in LINKS.shorteners:
            return LinkJudgement(link, LinkKind.SHORTENER)
        if host in LINKS.messengers:
            return LinkJudgement(link, LinkKind.MESSENGER)
        return LinkJudgement(link, LinkKind.OTHER)

    def _reads_as_brand(self, host: str) -> bool:
        name, _ = registrable(host)
        return self.is_official(host) or any(
            brand_name in _fold(name) or edit_distance(_fold(name), brand_name, 2) <= 2
            for brand_name in self.names
        )

    def _imitation(self, host: str, path: str) -> str:
        name, subdomains = registrable(host)
        folded = _fold(name)
        for brand_name in self.names:
            if folded == brand_name:
                return "typo"  # the official name, respelled or on another TLD
            if brand_name in folded:
                return "brand_in_domain"
            limit = 1 if len(brand_name) <= 5 else 2
            if edit_distance(folded, brand_name, limit) <= limit:
                return "typo"
            if brand_name in _fold(subdomains):
                return "brand_in_subdomain"
        throwaway = (
            host in LINKS.shorteners
            or host.rsplit(".", 1)[-1] in LINKS.unusual_tlds
            or any(host == free or host.endswith("." + free) for free in LINKS.free_hosts)
        )
        if throwaway and any(brand_name in _fold(path) for brand_name in self.names):
            return "brand_in_path"
        return ""


def _decode_punycode(host: str) -> str | None:
    try:
        return ".".join(
            label.encode("ascii").decode("idna") if label.startswith("xn--") else label
            for label in host.split(".")
        )
    except UnicodeError:
        return None
