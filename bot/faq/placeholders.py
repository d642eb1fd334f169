"""The placeholders FAQ texts may use, and their values for one user.

Prices, package sizes, payment methods, the platform's name and its URLs change with the catalog,
the brand file and the user's region, so content never spells them out: it writes
``{smallest_package_price}`` and gets ``R$ 5,90`` for a user in Brazil and ``₹85`` in India,
formatted by the user's Translator. Values are HTML-escaped (they may sit inside ``href="…"``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping
from statistics import median_low

from babel.lists import format_list

from bot.brand import Brand
from bot.catalog import Catalog, MethodKind, Package
from bot.i18n import Translator

PLACEHOLDERS: Mapping[str, str] = {
    "platform": "the platform's name (brand file)",
    "official_domain": "the platform's main official domain (brand file)",
    "recharge_url": "the official recharge page (brand file)",
    "support_url": "the platform's official help centre (brand file)",
    "safety_url": "the platform's safety centre (brand file)",
    "terms_url": "the terms of service (brand file)",
    "virtual_items_policy_url": "the virtual items policy: refunds, transfers (brand file)",
    "app_ios_url": "the app on the App Store (brand file)",
    "app_android_url": "the app on Google Play (brand file)",
    "package_table": "every coin package with its website, app and Stars price in the region",
    "smallest_package_coins": "coins in the smallest package",
    "smallest_package_price": "the smallest package's website price in the region",
    "smallest_package_stars": "the smallest package's price in Telegram Stars",
    "largest_package_coins": "coins in the largest package",
    "largest_package_price": "the largest package's website price in the region",
    "example_package_coins": "coins in a middle-sized package, for examples",
    "example_web_price": "that package's website price in the region",
    "example_app_price": "that package's price in the app (app-store fee included)",
    "example_saving": "how much less that package costs on the website than in the app",
    "app_store_fee_percent": "what the app stores add in the region, in percent",
    "methods_in_region": "the payment methods of the user's region, as a list",
    "custom_min_coins": "the fewest coins a custom amount may have",
    "custom_max_coins": "the most coins a custom amount may have",
}

# Placeholders that put a number of coins or a price into the text. Content never spells these
# numbers, so search treats a number in a question ("700 coins?") as matching them.
AMOUNT_PLACEHOLDERS = frozenset(
    name
    for name in PLACEHOLDERS
    if name.endswith(("_coins", "_price", "_stars", "_saving")) or name == "package_table"
)

_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,40})\}")


def placeholders_in(texts: Iterable[str]) -> Iterator[str]:
    """Every ``{name}`` used in ``texts`` (known or not)."""
    for text in texts:
        for match in _PLACEHOLDER.finditer(text):
            yield match[1]


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each known placeholder replaced; unknown ones are left as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)


def strip_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(" ", text)


def user_region(catalog: Catalog, saved: str | None, locale: str) -> str:
    """The region the user chose, else the one their language suggests."""
    return saved if saved and catalog.region(saved) is not None else catalog.guess_region(locale)


def placeholder_values(
    t: Translator, brand: Brand, catalog: Catalog, region_id: str
) -> dict[str, str]:
    """Every placeholder's value for a user of ``t``'s language in ``region_id``."""
    region = catalog.region(region_id)
    # Where recharge is unavailable, prices are shown as the user's language's usual region has
    # them: the answer still explains what packages cost, and methods_in_region says the rest.
    pricing_region = region_id if region and region.available else catalog.guess_region(t.locale)
    quotes = {p.id: catalog.quote(pricing_region, p.id) for p in catalog.packages}
    by_size = sorted(catalog.packages, key=lambda p: p.coins)
    smallest, largest = by_size[0], by_size[-1]
    example = median_low_package(by_size)
    example_quote = quotes[example.id]

    def price(package: Package) -> str:
        money = quotes[package.id].web
        return t.money(money.amount, money.currency)

    values = {
        "platform": brand.platform,
        "official_domain": brand.official_domains[0],
        "recharge_url": str(brand.urls.recharge),
        "support_url": str(brand.urls.support),
        "safety_url": str(brand.urls.safety),
        "terms_url": str(brand.urls.terms),
        "virtual_items_policy_url": str(brand.urls.virtual_items_policy),
        "app_ios_url": str(brand.urls.app_ios),
        "app_android_url": str(brand.urls.app_android),
        "package_table": _package_table(t, catalog, pricing_region),
        "smallest_package_coins": t.number(smallest.coins),
        "smallest_package_price": price(smallest),
        "smallest_package_stars": t.stars(smallest.stars),
        "largest_package_coins": t.number(largest.coins),
        "largest_package_price": price(largest),
        "example_package_coins": t.number(example.coins),
        "example_web_price": price(example),
        "example_app_price": t.money(example_quote.app.amount, example_quote.app.currency),
        "example_saving": t.money(example_quote.saving.amount, example_quote.saving.currency),
        "app_store_fee_percent": t.number(catalog.regions[pricing_region].app_store_fee_percent),
        "methods_in_region": _methods(t, catalog, region_id),
        "custom_min_coins": t.number(catalog.custom.min_coins),
        "custom_max_coins": t.number(catalog.custom.max_coins),
    }
    return {name: html.escape(value) for name, value in values.items()}


def median_low_package(packages: list[Package]) -> Package:
    """The middle package by size (the lower of two middles): a typical purchase."""
    coins = median_low([p.coins for p in packages])
    return next(p for p in packages if p.coins == coins)


def _package_table(t: Translator, catalog: Catalog, region_id: str) -> str:
    has_stars = any(m.kind is MethodKind.STARS for m in catalog.methods_in(region_id).values())
    lines = []
    for package in sorted(catalog.packages, key=lambda p: p.coins):
        quote = catalog.quote(region_id, package.id)
        coins = t.ngettext("{n} coin", "{n} coins", package.coins, n=t.number(package.coins))
        web = t.money(quote.web.amount, quote.web.currency)
        app = t.money(quote.app.amount, quote.app.currency)
        if has_stars:
            line = t._(
                "• {coins}: {web_price} on the website, {app_price} in the app, "
                "{stars} in Telegram",
                coins=coins,
                web_price=web,
                app_price=app,
                stars=t.stars(quote.stars),
            )
        else:
            line = t._(
                "• {coins}: {web_price} on the website, {app_price} in the app",
                coins=coins,
                web_price=web,
                app_price=app,
            )
        lines.append(line)
    return "\n".join(lines)


def _methods(t: Translator, catalog: Catalog, region_id: str) -> str:
    region = catalog.region(region_id)
    if region is None or not region.available:
        return t._("none: recharging is not available in your region")
    names = [t.isolate(method.name) for method in catalog.methods_in(region_id).values()]
    return format_list(names, locale=t.babel_locale)
