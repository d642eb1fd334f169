"""SQL for the orders table: one row per purchase attempt and its state machine.

A transition updates the row only if it is still in the state the caller saw, so two racing
transitions cannot both win; every state has its own timestamp column. Functions taking a
``sqlite3.Connection`` run inside a durable operation; those taking the Database are reads.
"""

from __future__ import annotations

import sqlite3

from bot.db import Database, now
from bot.wallet.records import IllegalTransition, Order
from bot.wallet.rules import OPEN_STATES, SPENT_STATES, OrderState, can_transition

ORDER_COLUMNS = (
    "order_id, reference, user_id, package_id, coins, price_minor, currency, local_price_minor, "
    "local_currency, method, region, state, created_at, expires_at, invoiced_at, paid_at, "
    "credited_at, expired_at, failed_at, refunded_at, payment_reference, failure_reason, "
    "refund_reason"
)
_STAMP: dict[OrderState, str] = {
    state: f"{state.value}_at" for state in OrderState if state is not OrderState.CREATED
}


def insert(
    conn: sqlite3.Connection,
    *,
    reference: str,
    user_id: int,
    package_id: str | None,
    coins: int,
    price_minor: int,
    currency: str,
    local_price_minor: int,
    local_currency: str,
    method: str,
    region: str,
    expires_at: int,
) -> Order:
    row = conn.execute(
        "INSERT INTO orders (reference, user_id, package_id, coins, price_minor, currency, "
        "local_price_minor, local_currency, method, region, state, created_at, expires_at) "
        f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'created', ?, ?) RETURNING {ORDER_COLUMNS}",
        (
            reference,
            user_id,
            package_id,
            coins,
            price_minor,
            currency,
            local_price_minor,
            local_currency,
            method,
            region,
            now(),
            expires_at,
        ),
    ).fetchone()
    return Order.from_row(row)


_BY_REFERENCE = f"SELECT {ORDER_COLUMNS} FROM orders WHERE reference = ?"


def by_reference(conn: sqlite3.Connection, reference: str) -> Order | None:
    row = conn.execute(_BY_REFERENCE, (reference,)).fetchone()
    return Order.from_row(row) if row else None


async def read_by_reference(db: Database, reference: str) -> Order | None:
    row = await db.fetchone(_BY_REFERENCE, (reference,))
    return Order.from_row(row) if row else None


def transition(
    conn: sqlite3.Connection,
    order: Order,
    target: OrderState,
    *,
    payment_reference: str | None = None,
    failure_reason: str | None = None,
    refund_reason: str | None = None,
) -> Order:
    """Move ``order`` to ``target`` if that is legal and nobody moved it first."""
    if not can_transition(order.state, target):
        raise IllegalTransition(order, target)
    row = conn.execute(
        f"UPDATE orders SET state = ?, {_STAMP[target]} = ?, "
        "payment_reference = COALESCE(?, payment_reference), "
        "failure_reason = COALESCE(?, failure_reason), refund_reason = COALESCE(?, refund_reason) "
        f"WHERE order_id = ? AND state = ? RETURNING {ORDER_COLUMNS}",
        (
            target,
            now(),
            payment_reference,
            failure_reason,
            refund_reason,
            order.order_id,
            order.state,
        ),
    ).fetchone()
    if row is None:
        raise IllegalTransition(by_reference(conn, order.reference) or order, target)
    return Order.from_row(row)


async def recent(db: Database, user_id: int, limit: int) -> list[Order]:
    rows = await db.fetchall(
        f"SELECT {ORDER_COLUMNS} FROM orders WHERE user_id = ? ORDER BY order_id DESC LIMIT ?",
        (user_id, limit),
    )
    return [Order.from_row(r) for r in rows]


async def spent_since(db: Database, user_id: int, currency: str, since: int) -> int:
    """Minor units of ``currency`` spent on orders paid since ``since``."""
    placeholders = ", ".join("?" for _ in SPENT_STATES)
    row = await db.fetchone(
        "SELECT COALESCE(SUM(local_price_minor), 0) FROM orders WHERE user_id = ? "
        f"AND local_currency = ? AND paid_at >= ? AND state IN ({placeholders})",
        (user_id, currency, since, *SPENT_STATES),
    )
    return int(row[0]) if row else 0


def expire_due(conn: sqlite3.Connection, at: int) -> int:
    """Expire every open order past its deadline; return how many."""
    placeholders = ", ".join("?" for _ in OPEN_STATES)
    cursor = conn.execute(
        f"UPDATE orders SET state = 'expired', expired_at = ? "
        f"WHERE state IN ({placeholders}) AND expires_at <= ?",
        (at, *OPEN_STATES, at),
    )
    return cursor.rowcount


async def inconsistent(db: Database) -> list[tuple[str, str]]:
    """(order reference, problem) for orders whose state disagrees with the ledger."""
    rows = await db.scan(
        "SELECT o.reference, o.state, o.coins, "
        "(SELECT COUNT(*) FROM ledger_entries e WHERE e.order_id = o.order_id "
        " AND e.kind = 'recharge') AS credits, "
        "(SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.order_id = o.order_id "
        " AND e.kind = 'recharge') AS credited "
        "FROM orders o"
    )
    problems = []
    for reference, state, coins, credits, credited in rows:
        should_have_credit = state in (OrderState.CREDITED, OrderState.REFUNDED)
        if should_have_credit and (credits != 1 or credited != coins):
            problems.append((reference, f"{state} but credited {credited} in {credits} entries"))
        if not should_have_credit and credits:
            problems.append((reference, f"{state} but has {credits} credit entries"))
        if state == OrderState.PAID:
            problems.append((reference, "paid but never credited"))
    return problems
