"""Coin packages, regions and payment methods, and the prices they give.

Loaded from ``catalog.toml`` (or ``CATALOG_PATH``) and validated once at start-up; cross-references
(a region's methods and prices, the locale guesses) are checked too, so a typo stops the bot with
the file and field named rather than surfacing as a broken button later.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Self

from babel.numbers import get_currency_precision
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from bot.config import load_toml
from bot.i18n import SUPPORTED_LOCALES

DEFAULT_CATALOG_PATH = Path(__file__).with_name("catalog.toml")

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,23}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
PositivePrice = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class MethodKind(StrEnum):
    STARS = "stars"
    WEB_CHECKOUT = "web_checkout"
    APP_STORE = "app_store"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Package(_Strict):
    id: Identifier
    coins: int = Field(gt=0, le=1_000_000)
    usd: PositivePrice
    stars: int = Field(gt=0, le=100_000)


class Method(_Strict):
    kind: MethodKind
    name: str = Field(min_length=1, max_length=40)


def _in_every_locale(texts: dict[str, str]) -> dict[str, str]:
    missing = [locale for locale in SUPPORTED_LOCALES if not texts.get(locale, "").strip()]
    if missing:
        raise ValueError(f"missing in {', '.join(missing)}")
    return texts


LocalizedText = Annotated[
    dict[str, Annotated[str, Field(max_length=200)]], AfterValidator(_in_every_locale)
]


class Region(_Strict):
    name: LocalizedText
    countries: list[CountryCode] = Field(min_length=1)
    currency: CurrencyCode
    tax_note: LocalizedText
    app_store_fee_percent: int = Field(ge=0, le=100)
    methods: list[Identifier]
    prices: dict[Identifier, PositivePrice]
    available: bool = True

    def name_in(self, locale: str) -> str:
        return self.name.get(locale) or self.name["en"]

    def tax_note_in(self, locale: str) -> str:
        return self.tax_note.get(locale) or self.tax_note["en"]

    @property
    def whole_prices(self) -> bool:
        """Prices here are whole numbers (₹849, Rp16.000): computed prices should be too."""
        return all(price == price.to_integral_value() for price in self.prices.values())


class CustomAmount(_Strict):
    min_coins: int = Field(gt=0)
    max_coins: int = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min_coins > self.max_coins:
            raise ValueError("min_coins is larger than max_coins")
        return self


class CatalogFile(_Strict):
    custom: CustomAmount
    packages: list[Package] = Field(min_length=1)
    methods: dict[Identifier, Method]
    regions: dict[Identifier, Region]
    guess_by_locale: dict[str, Identifier]

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        package_ids = [p.id for p in self.packages]
        if len(set(package_ids)) != len(package_ids):
            raise ValueError("packages: duplicate package id")
        for region_id, region in self.regions.items():
            for method in region.methods:
                if method not in self.methods:
                    raise ValueError(f"regions.{region_id}.methods: unknown method {method!r}")
            if region.available and set(region.prices) != set(package_ids):
                missing = sorted(set(package_ids) ^ set(region.prices))
                raise ValueError(
                    f"regions.{region_id}.prices: must price exactly the packages (check {missing})"
                )
            if region.available and not region.methods:
                raise ValueError(f"regions.{region_id}.methods: an available region needs methods")
        for locale, region_id in self.guess_by_locale.items():
            if region_id not in self.regions:
                raise ValueError(f"guess_by_locale.{locale}: unknown region {region_id!r}")
        return self


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Quote:
    """What ``coins`` cost in a region, by each way of paying."""

    region_id: str
    package_id: str | None  # None for a custom amount
    coins: int
    web: Money
    app: Money
    stars: int

    @property
    def saving(self) -> Money:
        return Money(self.app.amount - self.web.amount, self.web.currency)

    @property
    def saving_percent(self) -> int:
        return (
            round(100 * (self.app.amount - self.web.amount) / self.app.amount)
            if self.app.amount
            else 0
        )


class Catalog:
    def __init__(self, data: CatalogFile) -> None:
        self._data = data
        self.packages = tuple(data.packages)
        self.methods = dict(data.methods)
        self.regions = dict(data.regions)
        self.custom = data.custom

    def package(self, package_id: str) -> Package | None:
        return next((p for p in self.packages if p.id == package_id), None)

    def region(self, region_id: str) -> Region | None:
        return self.regions.get(region_id)

    def region_for_country(self, country: str) -> str | None:
        return next(
            (rid for rid, r in self.regions.items() if country.upper() in r.countries), None
        )

    def guess_region(self, locale: str) -> str:
        return self._data.guess_by_locale.get(locale) or next(iter(self.available_regions()))

    def available_regions(self) -> dict[str, Region]:
        return {rid: r for rid, r in self.regions.items() if r.available}

    def methods_in(self, region_id: str) -> dict[str, Method]:
        region = self.regions[region_id]
        return {mid: self.methods[mid] for mid in region.methods}

    def quote(self, region_id: str, package_id: str) -> Quote:
        region = self.regions[region_id]
        package = self.package(package_id)
        if package is None or not region.available:
            raise KeyError(f"no price for {package_id!r} in {region_id!r}")
        web = Money(region.prices[package_id], region.currency)
        return Quote(
            region_id, package_id, package.coins, web, self._app_price(region, web), package.stars
        )

    def quote_custom(self, region_id: str, coins: int) -> Quote:
        """A custom amount, priced per coin like the region's smallest package, rounded up."""
        if not self.custom.min_coins <= coins <= self.custom.max_coins:
            raise ValueError(
                f"custom amount must be {self.custom.min_coins}-{self.custom.max_coins} coins"
            )
        region = self.regions[region_id]
        if not region.available:
            raise KeyError(f"recharge is unavailable in {region_id!r}")
        smallest = min(self.packages, key=lambda p: p.coins)
        unit = region.prices[smallest.id] / smallest.coins
        web = Money(
            _round_up(unit * coins, region.currency, whole=region.whole_prices), region.currency
        )
        stars = int(
            (Decimal(smallest.stars) * coins / smallest.coins).to_integral_value(ROUND_CEILING)
        )
        return Quote(region_id, None, coins, web, self._app_price(region, web), stars)

    def price_in_currency(self, coins: int, package_id: str | None, currency: str) -> Money | None:
        """What these coins cost on the website of the first region using ``currency``.

        Budgets and parental limits are kept in one currency; a purchase made while the user is
        in another region is counted at this price, so changing region cannot get around them.
        """
        for region_id, region in self.available_regions().items():
            if region.currency == currency:
                quote = (
                    self.quote(region_id, package_id)
                    if package_id
                    else self.quote_custom(region_id, coins)
                )
                return quote.web
        return None

    @staticmethod
    def _app_price(region: Region, web: Money) -> Money:
        marked_up = web.amount * (100 + region.app_store_fee_percent) / 100
        return Money(
            _round_up(marked_up, web.currency, whole=web.amount == web.amount.to_integral_value()),
            web.currency,
        )


def _round_up(amount: Decimal, currency: str, *, whole: bool = False) -> Decimal:
    """Up to the currency's smallest unit, or to a whole unit where prices are whole numbers."""
    digits = 0 if whole else get_currency_precision(currency)
    return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_CEILING)


def load_catalog(path: Path = DEFAULT_CATALOG_PATH) -> Catalog:
    """The catalog file, validated; a ConfigError names the file and the field at fault."""
    return Catalog(load_toml(path, "CATALOG_PATH", CatalogFile))


@cache
def default_catalog() -> Catalog:
    return load_catalog()
