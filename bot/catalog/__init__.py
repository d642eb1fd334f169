"""The catalog: coin packages, regions with local prices, payment methods. No Telegram here."""

from bot.catalog.amounts import AmountError, parse_coin_amount, parse_money_amount
from bot.catalog.model import (
    Catalog,
    Method,
    MethodKind,
    Money,
    Package,
    Quote,
    Region,
    default_catalog,
    load_catalog,
)

__all__ = [
    "AmountError",
    "Catalog",
    "Method",
    "MethodKind",
    "Money",
    "Package",
    "Quote",
    "Region",
    "default_catalog",
    "load_catalog",
    "parse_coin_amount",
    "parse_money_amount",
]
