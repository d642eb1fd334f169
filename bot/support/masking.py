"""Hiding one-time codes and card numbers in what users send, before agents or logs see it.

A card number is 13-19 digits (spaces or dashes allowed between them) that pass the Luhn check;
all but the last four digits are hidden, which is still enough to match a payment. A one-time
code is a group of 4-8 digits in a message that talks about a code, PIN or password in any
shipped language, or a message that is nothing but six digits (the usual login code). Amounts
("1500 coins", "$20") are left alone. Pure: the relay, the transcript and the tests use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CARD = "card"
CODE = "code"
HIDDEN = "•"

_CARD_CANDIDATE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
_CODE_CANDIDATE = re.compile(r"(?<![\w.,/•-])(\d{3}[ -]\d{3}|\d{4,8})(?![\w/-]|[.,]\d)")
_ONLY_CODE = re.compile(r"^\s*\d{3}[ -]?\d{3}\s*$")
# Words that announce a code or secret, lower-cased, in the shipped languages.
_CODE_WORDS = (
    "code",
    "otp",
    "pin",
    "passcode",
    "password",
    "verification",
    "código",
    "codigo",
    "contraseña",
    "clave",
    "senha",
    "verificação",
    "kode",
    "sandi",
    "verifikasi",
    "कोड",
    "ओटीपी",
    "पासवर्ड",
    "पिन",
    "رمز",
    "كود",
    "كلمة السر",
    "كلمة المرور",
    "код",
    "пароль",
    "пин",
)
_AMOUNT_AFTER = re.compile(
    r"^\s*(coins?|moedas?|monedas?|koin|सिक्के|सिक्का|عملة|عملات|монет\w*|⭐|stars?|"
    r"estrelas?|estrellas?|usd|brl|eur|idr|inr|rub|mxn|\$|€|₹)",
    re.IGNORECASE,
)
_AMOUNT_BEFORE = re.compile(r"(\$|€|₹|R\$|Rp\.?|₽|USD|BRL|IDR|INR|RUB)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Masked:
    text: str
    kinds: frozenset[str]  # what was hidden: "card", "code"

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


_CODE_WORD = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(word) for word in _CODE_WORDS) + ")")


def _mentions_code(text: str) -> bool:
    return _CODE_WORD.search(text.casefold()) is not None


def mask_secrets(text: str) -> Masked:
    kinds: set[str] = set()

    def hide_card(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match[0])
        if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
            return match[0]
        kinds.add(CARD)
        return f"{HIDDEN * 4}{digits[-4:]}"

    masked = _CARD_CANDIDATE.sub(hide_card, text)
    if _ONLY_CODE.match(masked):
        kinds.add(CODE)
        return Masked(HIDDEN * 6, frozenset(kinds))
    if _mentions_code(masked):

        def hide_code(match: re.Match[str]) -> str:
            before, after = masked[: match.start()], masked[match.end() :]
            if _AMOUNT_AFTER.match(after) or _AMOUNT_BEFORE.search(before):
                return match[0]
            kinds.add(CODE)
            return HIDDEN * 6

        masked = _CODE_CANDIDATE.sub(hide_code, masked)
    return Masked(masked, frozenset(kinds))
