"""What the wallet hands out: orders, ledger entries, operation results, and its errors.

Every error carries a stable ``code`` and the figures needed to explain it, so the bot, the command
line and support show the same reason in their own words.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.wallet.rules import EntryKind, OrderState, ReferenceType, SpendingLimit


@dataclass(frozen=True)
class Order:
    order_id: int
    reference: str
    user_id: int
    package_id: str | None
    coins: int
    price_minor: int
    currency: str
    local_price_minor: int
    local_currency: str
    method: str
    region: str
    state: OrderState
    created_at: int
    expires_at: int
    invoiced_at: int | None
    paid_at: int | None
    credited_at: int | None
    expired_at: int | None
    failed_at: int | None
    refunded_at: int | None
    payment_reference: str | None
    failure_reason: str | None
    refund_reason: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Order:
        values = dict(row)
        values["state"] = OrderState(values["state"])
        return cls(**values)


@dataclass(frozen=True)
class Entry:
    entry_id: int
    user_id: int
    amount: int
    kind: EntryKind
    reference_type: ReferenceType
    reference: str
    order_id: int | None
    actor: str
    reason: str | None
    balance_after: int
    created_at: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Entry:
        values = dict(row)
        values["kind"] = EntryKind(values["kind"])
        values["reference_type"] = ReferenceType(values["reference_type"])
        return cls(**values)


@dataclass(frozen=True)
class Movement:
    """The result of a coin movement; ``replayed`` when the reference had already moved coins."""

    entry: Entry | None  # None only for a forced refund of coins that were all spent already
    balance: int
    replayed: bool
    order: Order | None = None


class WalletError(Exception):
    code = "wallet_error"


class UnknownUser(WalletError):
    code = "unknown_user"

    def __init__(self, user_id: int) -> None:
        super().__init__(f"unknown user {user_id}")
        self.user_id = user_id


class UnknownOrder(WalletError):
    code = "unknown_order"

    def __init__(self, reference: str) -> None:
        super().__init__(f"unknown order {reference!r}")
        self.reference = reference


class InvalidAmount(WalletError):
    code = "invalid_amount"

    def __init__(self, value: object, why: str) -> None:
        super().__init__(f"invalid amount {value!r}: {why}")
        self.value = value


class IllegalTransition(WalletError):
    code = "illegal_transition"

    def __init__(self, order: Order, target: OrderState) -> None:
        super().__init__(f"order {order.reference} cannot go from {order.state} to {target}")
        self.order = order
        self.target = target


class InsufficientCoins(WalletError):
    code = "insufficient_coins"

    def __init__(self, balance: int, needed: int) -> None:
        super().__init__(f"balance {balance} is less than {needed}")
        self.balance = balance
        self.needed = needed


class CoinsAlreadySpent(WalletError):
    code = "coins_already_spent"

    def __init__(self, balance: int, coins: int) -> None:
        super().__init__(f"only {balance} of the {coins} coins are left; an agent must force it")
        self.balance = balance
        self.coins = coins


class PaymentMismatch(WalletError):
    code = "payment_mismatch"

    def __init__(self, order: Order, amount_minor: int, currency: str) -> None:
        super().__init__(
            f"order {order.reference} costs {order.price_minor} {order.currency}, "
            f"payment was {amount_minor} {currency}"
        )
        self.order = order


class ReferenceReused(WalletError):
    """The same idempotency reference was sent again with different content."""

    code = "reference_reused"

    def __init__(self, reference: str) -> None:
        super().__init__(f"reference {reference!r} was already used for a different operation")
        self.reference = reference


class SpendingLimitReached(WalletError):
    code = "spending_limit"

    def __init__(self, limit: SpendingLimit, price_minor: int) -> None:
        super().__init__(
            f"{limit.kind} of {limit.limit_minor} {limit.currency}: {limit.spent_minor} spent, "
            f"{price_minor} more would exceed it"
        )
        self.limit = limit
        self.price_minor = price_minor


class PinProblem(WalletError):
    code = "pin"

    def __init__(self, why: str, locked_until: int | None = None) -> None:
        super().__init__(why)
        self.why = why  # "format", "wrong", "locked", "none", "needed"
        self.locked_until = locked_until
