"""Reading amounts as people type them: coins ("1.400", "1,400", "١٤٠٠") and prices ("49,90")."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from enum import StrEnum


class AmountError(StrEnum):
    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    NOT_WHOLE = "not_whole"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"


# Thousands groups: "1.400", "1,400", "1 400", "1'400", "14,00,000" (Indian grouping).
_GROUPED = re.compile(r"^\d{1,3}(?:([.,\u00a0\u202f ’'])\d{3})+$")
_INDIAN = re.compile(r"^\d{1,2}(?:,\d{2})*,\d{3}$")
_DECIMAL = re.compile(r"^\d+[.,]\d{1,2}$")
_MAX_INPUT = 40


def parse_coin_amount(text: str, minimum: int, maximum: int) -> int | AmountError:
    """Whole coins within bounds, or why not. Never raises, whatever the input."""
    if len(text) > _MAX_INPUT:
        return AmountError.NOT_A_NUMBER
    cleaned = _to_ascii_digits(text).strip().lower()
    cleaned = re.sub(
        r"\s*(coins?|monedas?|moedas?|koin|कॉइन|عملة|عملات|монет[аы]?)\s*$", "", cleaned
    )
    if not cleaned:
        return AmountError.EMPTY
    if cleaned.isdigit():
        value = int(cleaned)
    elif _GROUPED.match(cleaned) or _INDIAN.match(cleaned):
        value = int(re.sub(r"\D", "", cleaned))
    elif _DECIMAL.match(cleaned):
        whole, fraction = re.split(r"[.,]", cleaned)
        if int(fraction) != 0:
            return AmountError.NOT_WHOLE
        value = int(whole)
    else:
        return AmountError.NOT_A_NUMBER
    if value < minimum:
        return AmountError.TOO_SMALL
    if value > maximum:
        return AmountError.TOO_LARGE
    return value


def _to_ascii_digits(text: str) -> str:
    """Any script's decimal digits (Arabic-Indic, Devanagari, fullwidth) as 0-9."""
    return "".join(
        str(unicodedata.decimal(char)) if char.isdecimal() else char
        for char in unicodedata.normalize("NFKC", text)
    )


_MONEY_GROUPED = re.compile(r"^\d{1,3}(?:([.,\u00a0\u202f ’'])\d{3})+(?:[.,]\d{1,2})?$")
_MONEY_PLAIN = re.compile(r"^\d+(?:[.,]\d{1,2})?$")
_CURRENCY_NOISE = re.compile(r"[^\d.,\u00a0\u202f ’']")


def parse_money_amount(text: str, digits: int) -> Decimal | AmountError:
    """A price typed by a person ("50", "49,90", "1.500", "R$ 1.500,50", "₹849") in a currency
    with ``digits`` decimals. A separator followed by three digits groups thousands; by one or two,
    it marks decimals. Never raises."""
    if len(text) > _MAX_INPUT:
        return AmountError.NOT_A_NUMBER
    cleaned = _CURRENCY_NOISE.sub("", _to_ascii_digits(text)).strip(" .,")
    if not cleaned:
        return AmountError.EMPTY if not text.strip() else AmountError.NOT_A_NUMBER
    if not (_MONEY_PLAIN.match(cleaned) or _MONEY_GROUPED.match(cleaned)):
        return AmountError.NOT_A_NUMBER
    whole, fraction = cleaned, ""
    decimal_part = re.search(r"[.,](\d{1,2})$", cleaned)
    if decimal_part:
        whole, fraction = cleaned[: decimal_part.start()], decimal_part[1]
    if len(fraction) > digits:
        return AmountError.NOT_WHOLE
    value = Decimal(re.sub(r"\D", "", whole) or "0") + (Decimal(f"0.{fraction}") if fraction else 0)
    return value if value > 0 else AmountError.TOO_SMALL
