"""The wallet's rules as plain values and functions: no database, no Telegram.

Order states and their legal transitions, money in minor units, monthly windows, spending limits
(a user's own budget and a guardian's parental lock) and PIN hashing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from babel.numbers import get_currency_precision

STARS = "XTR"


class OrderState(StrEnum):
    CREATED = "created"
    INVOICED = "invoiced"  # payment requested: a Telegram invoice or an official checkout link
    PAID = "paid"
    CREDITED = "credited"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUNDED = "refunded"


# A payment that arrives for an expired or failed order was still taken from the user, so it is
# accepted: money received always ends in coins or a refund, never in nothing.
TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    OrderState.CREATED: frozenset(
        {OrderState.INVOICED, OrderState.PAID, OrderState.EXPIRED, OrderState.FAILED}
    ),
    OrderState.INVOICED: frozenset({OrderState.PAID, OrderState.EXPIRED, OrderState.FAILED}),
    OrderState.PAID: frozenset({OrderState.CREDITED}),
    OrderState.CREDITED: frozenset({OrderState.REFUNDED}),
    OrderState.EXPIRED: frozenset({OrderState.PAID}),
    OrderState.FAILED: frozenset({OrderState.PAID}),
    OrderState.REFUNDED: frozenset(),
}
OPEN_STATES = frozenset({OrderState.CREATED, OrderState.INVOICED})
# States whose price counts as spent this month.
SPENT_STATES = frozenset({OrderState.PAID, OrderState.CREDITED})


class EntryKind(StrEnum):
    RECHARGE = "recharge"
    DEBIT = "debit"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


class ReferenceType(StrEnum):
    TELEGRAM_CHARGE = "telegram_charge"
    EXTERNAL_PAYMENT = "external_payment"
    DEBIT_KEY = "debit_key"
    REFUND_OF = "refund_of"
    AGENT_ACTION = "agent_action"


def can_transition(current: OrderState, target: OrderState) -> bool:
    return target in TRANSITIONS[current]


def currency_digits(currency: str) -> int:
    return 0 if currency == STARS else int(get_currency_precision(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal money to integer minor units; refuses fractions the currency does not have."""
    scaled = amount.scaleb(currency_digits(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency} allows")
    return int(scaled)


def from_minor(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-currency_digits(currency))


def month_key(timestamp: int) -> str:
    """Budgets run by calendar month in UTC."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m")


def month_start(timestamp: int) -> int:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp())


class LimitKind(StrEnum):
    BUDGET = "budget"
    PARENTAL = "parental"


@dataclass(frozen=True)
class SpendingLimit:
    kind: LimitKind
    limit_minor: int
    currency: str
    spent_minor: int  # this month, in the limit's currency

    @property
    def remaining_minor(self) -> int:
        return max(self.limit_minor - self.spent_minor, 0)


@dataclass(frozen=True)
class SpendingDecision:
    allowed: bool
    blocked_by: SpendingLimit | None = None


def check_purchase(limits: list[SpendingLimit], price_minor: int) -> SpendingDecision:
    """Refuse a purchase that would take any limit past its monthly amount.

    The parental lock is reported first: it is the one the user cannot change themselves.
    """
    for limit in sorted(limits, key=lambda item: item.kind != LimitKind.PARENTAL):
        if limit.spent_minor + price_minor > limit.limit_minor:
            return SpendingDecision(False, limit)
    return SpendingDecision(True)


def thresholds_crossed(before_minor: int, after_minor: int, limit_minor: int) -> list[int]:
    """Which of the 80% and 100% warnings a purchase has just crossed."""
    return [
        percent
        for percent in (80, 100)
        if before_minor * 100 < percent * limit_minor <= after_minor * 100
    ]


PIN_PATTERN = re.compile(r"^\d{4,8}$")
MAX_PIN_ATTEMPTS = 5
PIN_LOCKOUT_SECONDS = 15 * 60
MAX_PIN_LOCKOUT_SECONDS = 24 * 3600
RAISE_DELAY_SECONDS = 24 * 3600


def hash_pin(pin: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
    """A salted scrypt hash: slow enough to make guessing a stolen table expensive."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return salt, digest


def pin_matches(pin: str, salt: bytes, expected: bytes) -> bool:
    return hmac.compare_digest(hash_pin(pin, salt)[1], expected)


def lockout_after(failed_attempts: int) -> int:
    """Seconds the PIN is locked after this many consecutive failures (0: not locked)."""
    if failed_attempts < MAX_PIN_ATTEMPTS:
        return 0
    doubling = failed_attempts - MAX_PIN_ATTEMPTS
    return int(min(PIN_LOCKOUT_SECONDS * (1 << doubling), MAX_PIN_LOCKOUT_SECONDS))


ORDER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_order_reference() -> str:
    return "RD-" + "".join(secrets.choice(ORDER_ALPHABET) for _ in range(8))


ORDER_REFERENCE_PATTERN = re.compile(rf"^RD-[{ORDER_ALPHABET}]{{8}}$")
