"""Wallet operations: each is one function with one commit, durable before it returns.

Coins enter only through a recorded payment (``credit_payment``), leave through the platform's
spending (``debit``) or a refund, and are corrected only by an agent with a reason (``adjust``).
Every movement is idempotent by its reference, so a replayed update or a retried call returns the
original result and moves nothing twice. There is no transfer between users.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from bot.db import Database, now
from bot.wallet import ledger, limits, orders
from bot.wallet.records import (
    CoinsAlreadySpent,
    Entry,
    IllegalTransition,
    InsufficientCoins,
    InvalidAmount,
    Movement,
    Order,
    PaymentMismatch,
    PinProblem,
    ReferenceReused,
    UnknownOrder,
    UnknownUser,
    WalletError,
)
from bot.wallet.rules import (
    PIN_PATTERN,
    RAISE_DELAY_SECONDS,
    EntryKind,
    LimitKind,
    OrderState,
    ReferenceType,
    SpendingDecision,
    SpendingLimit,
    check_purchase,
    hash_pin,
    lockout_after,
    month_key,
    month_start,
    new_order_reference,
    pin_matches,
    to_minor,
)

DEFAULT_ORDER_TTL = 30 * 60
MAX_COINS = 10_000_000
MAX_REFERENCE = 200
T = TypeVar("T")


def _positive_coins(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(value, "coins must be a whole number")
    if value <= 0:
        raise InvalidAmount(value, "coins must be more than zero")
    if value > MAX_COINS:
        raise InvalidAmount(value, f"at most {MAX_COINS} coins at once")
    return value


def _reference(value: str, what: str) -> str:
    if not value or len(value) > MAX_REFERENCE or not value.isprintable():
        raise WalletError(f"{what} must be 1-{MAX_REFERENCE} printable characters")
    return value


@dataclass(frozen=True)
class LimitsView:
    budget: limits.Budget | None
    lock: limits.ParentalLock | None
    spending: list[SpendingLimit]


class Wallet:
    def __init__(self, db: Database, *, order_ttl: int = DEFAULT_ORDER_TTL) -> None:
        self._db = db
        self._order_ttl = order_ttl

    async def _durable(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        return await self._db.durable(operation)

    @staticmethod
    def _require_user(conn: sqlite3.Connection, user_id: int) -> None:
        if conn.execute("SELECT 1 FROM users WHERE user_id = ?", (user_id,)).fetchone() is None:
            raise UnknownUser(user_id)

    # ------------------------------------------------------------------------------ orders
    async def create_order(
        self,
        *,
        user_id: int,
        package_id: str | None,
        coins: int,
        price: Decimal,
        currency: str,
        local_price: Decimal,
        local_currency: str,
        method: str,
        region: str,
    ) -> Order:
        coins = _positive_coins(coins)
        price_minor, local_minor = to_minor(price, currency), to_minor(local_price, local_currency)
        if price_minor <= 0 or local_minor <= 0:
            raise InvalidAmount(price, "a price must be more than zero")

        def create(conn: sqlite3.Connection) -> Order:
            self._require_user(conn, user_id)
            for _ in range(5):  # a reference collision is astronomically rare; retry anyway
                try:
                    return orders.insert(
                        conn,
                        reference=new_order_reference(),
                        user_id=user_id,
                        package_id=package_id,
                        coins=coins,
                        price_minor=price_minor,
                        currency=currency,
                        local_price_minor=local_minor,
                        local_currency=local_currency,
                        method=method,
                        region=region,
                        expires_at=now() + self._order_ttl,
                    )
                except sqlite3.IntegrityError:
                    continue
            raise WalletError("could not allocate an order reference")

        return await self._durable(create)

    async def order(self, reference: str) -> Order | None:
        return await orders.read_by_reference(self._db, reference)

    async def recent_orders(self, user_id: int, limit: int = 10) -> list[Order]:
        return await orders.recent(self._db, user_id, limit)

    async def _move(self, reference: str, target: OrderState, **fields: str | None) -> Order:
        def move(conn: sqlite3.Connection) -> Order:
            order = orders.by_reference(conn, reference)
            if order is None:
                raise UnknownOrder(reference)
            return orders.transition(conn, order, target, **fields)

        return await self._durable(move)

    async def mark_invoiced(self, reference: str) -> Order:
        return await self._move(reference, OrderState.INVOICED)

    async def mark_failed(self, reference: str, reason: str) -> Order:
        return await self._move(reference, OrderState.FAILED, failure_reason=reason[:200])

    async def expire_orders(self, at: int | None = None) -> int:
        moment = now() if at is None else at
        return await self._durable(lambda conn: orders.expire_due(conn, moment))

    # ----------------------------------------------------------------------- coin movements
    async def credit_payment(
        self,
        *,
        order_reference: str,
        payment_reference: str,
        reference_type: ReferenceType,
        amount_minor: int,
        currency: str,
        actor: str,
    ) -> Movement:
        """Credit a paid order once; a replay of the same payment returns the first result."""
        if reference_type not in (ReferenceType.TELEGRAM_CHARGE, ReferenceType.EXTERNAL_PAYMENT):
            raise WalletError(f"{reference_type} does not credit payments")
        _reference(payment_reference, "payment reference")

        def credit(conn: sqlite3.Connection) -> Movement:
            order = orders.by_reference(conn, order_reference)
            if order is None:
                raise UnknownOrder(order_reference)
            earlier = ledger.find_entry(conn, reference_type, payment_reference)
            if earlier is not None:
                if earlier.order_id != order.order_id:
                    raise ReferenceReused(payment_reference)
                return Movement(earlier, ledger.ensure_account(conn, order.user_id), True, order)
            if (order.price_minor, order.currency) != (amount_minor, currency):
                raise PaymentMismatch(order, amount_minor, currency)
            paid = orders.transition(
                conn, order, OrderState.PAID, payment_reference=payment_reference
            )
            before = ledger.ensure_account(conn, order.user_id)
            entry = ledger.append_entry(
                conn,
                user_id=order.user_id,
                amount=order.coins,
                kind=EntryKind.RECHARGE,
                reference_type=reference_type,
                reference=payment_reference,
                order_id=order.order_id,
                actor=actor,
                balance_before=before,
            )
            credited = orders.transition(conn, paid, OrderState.CREDITED)
            return Movement(entry, entry.balance_after, False, credited)

        return await self._durable(credit)

    async def debit(
        self, *, user_id: int, coins: int, key: str, reason: str, actor: str
    ) -> Movement:
        """The platform spends coins (gifts); idempotent by ``key``; never overdraws."""
        coins = _positive_coins(coins)
        _reference(key, "debit key")

        def take(conn: sqlite3.Connection) -> Movement:
            self._require_user(conn, user_id)
            earlier = ledger.find_entry(conn, ReferenceType.DEBIT_KEY, key)
            if earlier is not None:
                if (earlier.user_id, earlier.amount) != (user_id, -coins):
                    raise ReferenceReused(key)
                return Movement(earlier, ledger.ensure_account(conn, user_id), True)
            before = ledger.ensure_account(conn, user_id)
            if before < coins:
                raise InsufficientCoins(before, coins)
            entry = ledger.append_entry(
                conn,
                user_id=user_id,
                amount=-coins,
                kind=EntryKind.DEBIT,
                reference_type=ReferenceType.DEBIT_KEY,
                reference=key,
                actor=actor,
                reason=reason[:500] or None,
                balance_before=before,
            )
            return Movement(entry, entry.balance_after, False)

        return await self._durable(take)

    async def refund(
        self, *, order_reference: str, actor: str, reason: str | None = None, force: bool = False
    ) -> Movement:
        """Reverse an order's credit once. Spent coins block it unless an agent forces it with
        a reason; then only what is left is reversed, since a balance never goes below zero."""
        if force and not (reason and reason.strip()):
            raise WalletError("a forced refund needs a reason")

        def reverse(conn: sqlite3.Connection) -> Movement:
            order = orders.by_reference(conn, order_reference)
            if order is None:
                raise UnknownOrder(order_reference)
            credit = ledger.credit_entry_of_order(conn, order.order_id)
            earlier = (
                ledger.find_entry(conn, ReferenceType.REFUND_OF, str(credit.entry_id))
                if credit
                else None
            )
            balance = ledger.ensure_account(conn, order.user_id)
            if order.state == OrderState.REFUNDED:
                return Movement(earlier, balance, True, order)
            if order.state != OrderState.CREDITED or credit is None:
                raise IllegalTransition(order, OrderState.REFUNDED)
            if balance < order.coins and not force:
                raise CoinsAlreadySpent(balance, order.coins)
            reversed_coins = min(balance, order.coins)
            entry: Entry | None = None
            if reversed_coins:
                entry = ledger.append_entry(
                    conn,
                    user_id=order.user_id,
                    amount=-reversed_coins,
                    kind=EntryKind.REFUND,
                    reference_type=ReferenceType.REFUND_OF,
                    reference=str(credit.entry_id),
                    order_id=order.order_id,
                    actor=actor,
                    reason=reason,
                    balance_before=balance,
                )
            refunded = orders.transition(
                conn, order, OrderState.REFUNDED, refund_reason=reason or "refunded"
            )
            return Movement(entry, balance - reversed_coins, False, refunded)

        return await self._durable(reverse)

    async def adjust(
        self, *, user_id: int, amount: int, agent_id: int, reason: str, key: str
    ) -> Movement:
        """An agent's correction, either way, with a reason; idempotent by ``key``."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise InvalidAmount(amount, "an adjustment is a whole number of coins, not zero")
        _positive_coins(abs(amount))
        if not reason.strip():
            raise WalletError("an adjustment needs a reason")
        _reference(key, "adjustment key")

        def adjust(conn: sqlite3.Connection) -> Movement:
            self._require_user(conn, user_id)
            earlier = ledger.find_entry(conn, ReferenceType.AGENT_ACTION, key)
            if earlier is not None:
                if (earlier.user_id, earlier.amount) != (user_id, amount):
                    raise ReferenceReused(key)
                return Movement(earlier, ledger.ensure_account(conn, user_id), True)
            before = ledger.ensure_account(conn, user_id)
            if before + amount < 0:
                raise InsufficientCoins(before, -amount)
            entry = ledger.append_entry(
                conn,
                user_id=user_id,
                amount=amount,
                kind=EntryKind.ADJUSTMENT,
                reference_type=ReferenceType.AGENT_ACTION,
                reference=key,
                actor=f"agent:{agent_id}",
                reason=reason[:500],
                balance_before=before,
            )
            return Movement(entry, entry.balance_after, False)

        return await self._durable(adjust)

    # ---------------------------------------------------------------------------- reading
    async def user_exists(self, user_id: int) -> bool:
        return (
            await self._db.fetchone("SELECT 1 FROM users WHERE user_id = ?", (user_id,)) is not None
        )

    async def balance(self, user_id: int) -> int:
        return await ledger.balance(self._db, user_id) or 0

    async def statement(
        self, user_id: int, *, page: int, page_size: int
    ) -> tuple[list[Entry], int]:
        return await ledger.statement(
            self._db, user_id, offset=max(page, 0) * page_size, limit=page_size
        )

    async def verify(self) -> list[str]:
        """Every way the stored state breaks the wallet's invariants (empty: all good)."""
        problems = [
            f"account {user}: cached balance {cached} but entries sum to {total}"
            for user, cached, total in await ledger.balance_mismatches(self._db)
        ]
        problems += [
            f"entry {entry_id}: balance_after does not follow the previous entry"
            for entry_id in await ledger.broken_chains(self._db)
        ]
        problems += [f"order {ref}: {why}" for ref, why in await orders.inconsistent(self._db)]
        return problems

    # --------------------------------------------------------------------- spending limits
    async def spending_limits(self, user_id: int, at: int | None = None) -> LimitsView:
        moment = now() if at is None else at
        budget = await limits.get_budget(self._db, user_id)
        lock = await limits.get_lock(self._db, user_id)
        since = month_start(moment)
        spending = []
        if budget is not None:
            spent = await orders.spent_since(self._db, user_id, budget.currency, since)
            spending.append(
                SpendingLimit(LimitKind.BUDGET, budget.amount_minor, budget.currency, spent)
            )
        if lock is not None:
            spent = await orders.spent_since(self._db, user_id, lock.currency, since)
            spending.append(
                SpendingLimit(LimitKind.PARENTAL, lock.limit_minor, lock.currency, spent)
            )
        return LimitsView(budget, lock, spending)

    async def limits_currency(self, user_id: int) -> str | None:
        """The currency purchases must be priced in for the user's limits, if any limit exists."""
        view = await self.spending_limits(user_id)
        return view.spending[0].currency if view.spending else None

    async def check_purchase(self, user_id: int, local_price_minor: int) -> SpendingDecision:
        return check_purchase((await self.spending_limits(user_id)).spending, local_price_minor)

    async def set_budget(self, user_id: int, amount: Decimal, currency: str) -> None:
        amount_minor = to_minor(amount, currency)
        if amount_minor <= 0:
            raise InvalidAmount(amount, "a budget must be more than zero")
        lock = await limits.get_lock(self._db, user_id)
        if lock is not None and lock.currency != currency:
            raise WalletError(
                f"limits must share one currency: the parental lock is in {lock.currency}"
            )
        await limits.set_budget(self._db, user_id, amount_minor, currency)

    async def remove_budget(self, user_id: int) -> bool:
        return await limits.remove_budget(self._db, user_id)

    async def budget_warnings(
        self, user_id: int, at: int | None = None
    ) -> list[tuple[int, SpendingLimit]]:
        """The 80% / 100% warnings due now; each is given once a month."""
        moment = now() if at is None else at
        view = await self.spending_limits(user_id, moment)
        budget = next((s for s in view.spending if s.kind == LimitKind.BUDGET), None)
        if budget is None:
            return []
        due = []
        for percent in (100, 80):
            if budget.spent_minor * 100 >= percent * budget.limit_minor:
                if await limits.mark_warned(self._db, user_id, percent, month_key(moment)):
                    due.append((percent, budget))
                break  # past 100% the 80% warning would only repeat the news
        return due

    async def set_parental_lock(
        self, user_id: int, limit: Decimal, currency: str, pin: str
    ) -> None:
        if not PIN_PATTERN.match(pin):
            raise PinProblem("format")
        limit_minor = to_minor(limit, currency)
        if limit_minor < 0:
            raise InvalidAmount(limit, "a limit cannot be negative")
        budget = await limits.get_budget(self._db, user_id)
        if budget is not None and budget.currency != currency:
            await limits.remove_budget(self._db, user_id)  # the guardian's currency wins
        salt, digest = await asyncio.to_thread(hash_pin, pin)
        if not await limits.create_lock(
            self._db, user_id, limit_minor, currency, salt=salt, digest=digest
        ):
            raise WalletError("a parental lock is already set; change it with its PIN")

    async def check_pin(self, user_id: int, pin: str, at: int | None = None) -> limits.ParentalLock:
        """The lock, if ``pin`` opens it; wrong PINs count towards an ever longer lockout."""
        moment = now() if at is None else at
        lock = await limits.get_lock(self._db, user_id)
        if lock is None:
            raise PinProblem("none")
        if lock.locked_until and lock.locked_until > moment:
            raise PinProblem("locked", lock.locked_until)
        matches = PIN_PATTERN.match(pin) is not None and await asyncio.to_thread(
            pin_matches, pin, lock.pin_salt, lock.pin_hash
        )
        lock_seconds = 0 if matches else lockout_after(lock.failed_attempts + 1)
        await limits.record_pin_attempt(
            self._db, user_id, success=matches, lock_seconds=lock_seconds
        )
        if not matches:
            raise PinProblem(
                "locked" if lock_seconds else "wrong",
                moment + lock_seconds if lock_seconds else None,
            )
        return lock

    async def change_parental_limit(
        self, user_id: int, limit: Decimal, pin: str | None, at: int | None = None
    ) -> int | None:
        """Lower now (no PIN needed); raise with the PIN after 24 hours. Returns when it applies
        (None: already applied). A raise without a PIN is refused as ``PinProblem("needed")``
        before any attempt is counted."""
        moment = now() if at is None else at
        lock = await limits.get_lock(self._db, user_id)
        if lock is None:
            raise PinProblem("none")
        limit_minor = to_minor(limit, lock.currency)
        if limit_minor < 0:
            raise InvalidAmount(limit, "a limit cannot be negative")
        if limit_minor <= lock.limit_minor:
            await limits.lower_limit(self._db, user_id, limit_minor)
            return None
        if pin is None:
            raise PinProblem("needed")
        await self.check_pin(user_id, pin, moment)
        effective = moment + RAISE_DELAY_SECONDS
        await limits.schedule_change(
            self._db, user_id, limit_minor=limit_minor, lift=False, effective_at=effective
        )
        return effective

    async def lift_parental_lock(self, user_id: int, pin: str, at: int | None = None) -> int:
        """Lifting is the largest raise: it needs the PIN and applies after 24 hours."""
        moment = now() if at is None else at
        await self.check_pin(user_id, pin, moment)
        effective = moment + RAISE_DELAY_SECONDS
        await limits.schedule_change(
            self._db, user_id, limit_minor=None, lift=True, effective_at=effective
        )
        return effective

    async def apply_due_limit_changes(self, at: int | None = None) -> int:
        return await limits.apply_due_changes(self._db, now() if at is None else at)
