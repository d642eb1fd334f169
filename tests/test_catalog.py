from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.brand import default_brand, load_brand
from bot.catalog import AmountError, MethodKind, default_catalog, load_catalog, parse_coin_amount
from bot.catalog.model import DEFAULT_CATALOG_PATH
from bot.config import ConfigError

REQUIRED_REGIONS = {
    "north_america",
    "europe",
    "united_kingdom",
    "india",
    "philippines",
    "indonesia",
    "brazil",
    "mexico",
    "middle_east",
    "africa",
}


def test_shipped_catalog_covers_the_seed() -> None:
    catalog = default_catalog()
    assert [(p.coins, str(p.usd)) for p in catalog.packages] == [
        (70, "0.99"),
        (350, "4.99"),
        (700, "9.99"),
        (1400, "19.99"),
        (3500, "49.99"),
        (7000, "99.99"),
    ]
    assert set(catalog.available_regions()) >= REQUIRED_REGIONS
    assert any(not region.available for region in catalog.regions.values())
    kinds = {m.kind for m in catalog.methods.values()}
    assert kinds == set(MethodKind)
    local = {"upi", "paytm", "gcash", "maya", "dana", "gopay", "ovo", "pix", "oxxo", "mpesa"}
    assert local <= set(catalog.methods)
    assert "upi" in catalog.methods_in("india") and "pix" in catalog.methods_in("brazil")
    assert "pix" not in catalog.methods_in("india")


def test_quotes_show_the_app_store_markup() -> None:
    quote = default_catalog().quote("brazil", "p700")
    assert quote.web.amount == Decimal("54.90") and quote.web.currency == "BRL"
    assert quote.app.amount > quote.web.amount
    assert quote.saving.amount == quote.app.amount - quote.web.amount
    assert 20 <= quote.saving_percent <= 25
    assert quote.stars == 600


def test_custom_amounts_are_priced_per_coin_and_rounded_up() -> None:
    catalog = default_catalog()
    usd = catalog.quote_custom("north_america", 100)
    assert usd.web.amount == Decimal("1.42")  # 0.99 / 70 * 100 = 1.4142... -> up to the cent
    idr = catalog.quote_custom("indonesia", 1000)
    assert idr.web.amount == idr.web.amount.to_integral_value()
    with pytest.raises(ValueError, match="custom amount"):
        catalog.quote_custom("india", catalog.custom.max_coins + 1)
    with pytest.raises(KeyError):
        catalog.quote_custom("unavailable", 100)


def test_region_guess_and_country_lookup() -> None:
    catalog = default_catalog()
    assert catalog.guess_region("pt_BR") == "brazil"
    assert catalog.guess_region("xx") in catalog.available_regions()
    assert catalog.region_for_country("ke") == "africa"
    assert catalog.region_for_country("ZZ") is None


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (("[methods.stars]", "[methods.stars]\ncolour = 1"), "methods.stars.colour"),
        (('methods = ["stars", "upi"', 'methods = ["stars", "upy"'), "regions.india.methods"),
        (('p7000 = "549.90"', 'p7001 = "549.90"'), "regions.brazil.prices"),
        (("coins = 70\n", "coins = -70\n"), "packages.0.coins"),
        (('currency = "BRL"', 'currency = "real"'), "regions.brazil.currency"),
        (('pt_BR = "brazil"', 'pt_BR = "brasil"'), "guess_by_locale.pt_BR"),
        ((', ru = "Бразилия" }', " }"), "regions.brazil.name"),
    ],
)
def test_invalid_catalog_names_file_and_field(
    tmp_path: Path, edit: tuple[str, str], field: str
) -> None:
    text = DEFAULT_CATALOG_PATH.read_text()
    assert edit[0] in text
    broken = tmp_path / "catalog.toml"
    broken.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(ConfigError) as caught:
        load_catalog(broken)
    message = str(caught.value)
    assert message.startswith(str(broken))
    assert field in message, message


def test_unreadable_catalog_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^CATALOG_PATH: cannot read"):
        load_catalog(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1400", 1400),
        ("1.400", 1400),
        ("1,400", 1400),
        ("1 400", 1400),
        ("1\u00a0400", 1400),
        ("١٤٠٠", 1400),
        ("१४००", 1400),
        ("１４００", 1400),
        ("1400.00", 1400),
        ("1,400 coins", 1400),
        ("14,000", 14000),
        ("", AmountError.EMPTY),
        ("   ", AmountError.EMPTY),
        ("abc", AmountError.NOT_A_NUMBER),
        ("14.5", AmountError.NOT_WHOLE),
        ("-100", AmountError.NOT_A_NUMBER),
        ("10", AmountError.TOO_SMALL),
        ("99999999", AmountError.TOO_LARGE),
        ("1e5", AmountError.NOT_A_NUMBER),
        ("1.4.00", AmountError.NOT_A_NUMBER),
        ("9" * 500, AmountError.NOT_A_NUMBER),
    ],
)
def test_parse_coin_amount(text: str, expected: int | AmountError) -> None:
    assert parse_coin_amount(text, 30, 25000) == expected


@given(st.text(max_size=60))
def test_parse_coin_amount_never_raises(text: str) -> None:
    result = parse_coin_amount(text, 30, 25000)
    assert isinstance(result, AmountError) or 30 <= result <= 25000


def test_brand_allow_lists_official_hosts_only() -> None:
    brand = default_brand()
    assert brand.is_official_host("www.tiktok.com")
    assert brand.is_official_host("TIKTOK.COM.")
    assert not brand.is_official_host("tiktok.com.evil.io")
    assert not brand.is_official_host("tiktok-coins.com")


def test_invalid_brand_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "brand.toml"
    text = Path("bot/brand.toml").read_text().replace('"tiktok.com",', '"TikTok!.com",')
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(f"{path}: official_domains")):
        load_brand(path)
