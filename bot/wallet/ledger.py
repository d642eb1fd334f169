"""SQL for the accounts and ledger_entries tables.

Entries are append-only (the schema rejects UPDATE and DELETE); inserting one moves the account's
cached balance in the same statement (a trigger), and ``(reference_type, reference)`` is unique,
so a replayed payment finds its original entry instead of crediting again.

There is deliberately no transfer between users: coins belong to the account that bought them.
Nothing here moves coins from one user to another, and nothing should.
"""

from __future__ import annotations

import sqlite3

from bot.db import Database, now
from bot.wallet.records import Entry
from bot.wallet.rules import EntryKind, ReferenceType

ENTRY_COLUMNS = (
    "entry_id, user_id, amount, kind, reference_type, reference, order_id, actor, reason, "
    "balance_after, created_at"
)


def ensure_account(conn: sqlite3.Connection, user_id: int) -> int:
    """The account's balance, opening the account on first use."""
    stamp = now()
    row = conn.execute(
        "INSERT INTO accounts (user_id, balance, created_at, updated_at) VALUES (?, 0, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET balance = balance RETURNING balance",
        (user_id, stamp, stamp),
    ).fetchone()
    return int(row[0])


def find_entry(
    conn: sqlite3.Connection, reference_type: ReferenceType, reference: str
) -> Entry | None:
    row = conn.execute(
        f"SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE reference_type = ? AND reference = ?",
        (reference_type, reference),
    ).fetchone()
    return Entry.from_row(row) if row else None


def append_entry(
    conn: sqlite3.Connection,
    *,
    user_id: int,
    amount: int,
    kind: EntryKind,
    reference_type: ReferenceType,
    reference: str,
    actor: str,
    balance_before: int,
    order_id: int | None = None,
    reason: str | None = None,
) -> Entry:
    row = conn.execute(
        "INSERT INTO ledger_entries (user_id, amount, kind, reference_type, reference, order_id, "
        "actor, reason, balance_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        f"RETURNING {ENTRY_COLUMNS}",
        (
            user_id,
            amount,
            kind,
            reference_type,
            reference,
            order_id,
            actor,
            reason,
            balance_before + amount,
            now(),
        ),
    ).fetchone()
    return Entry.from_row(row)


def credit_entry_of_order(conn: sqlite3.Connection, order_id: int) -> Entry | None:
    row = conn.execute(
        f"SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE order_id = ? AND kind = ?",
        (order_id, EntryKind.RECHARGE),
    ).fetchone()
    return Entry.from_row(row) if row else None


async def balance(db: Database, user_id: int) -> int | None:
    row = await db.fetchone("SELECT balance FROM accounts WHERE user_id = ?", (user_id,))
    return int(row[0]) if row else None


async def statement(
    db: Database, user_id: int, *, offset: int, limit: int
) -> tuple[list[Entry], int]:
    """One page of a user's entries, newest first, and how many there are in all."""
    rows = await db.fetchall(
        f"SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE user_id = ? "
        "ORDER BY entry_id DESC LIMIT ? OFFSET ?",
        (user_id, limit, offset),
    )
    total = await db.fetchone("SELECT COUNT(*) FROM ledger_entries WHERE user_id = ?", (user_id,))
    return [Entry.from_row(row) for row in rows], int(total[0]) if total else 0


async def balance_mismatches(db: Database) -> list[tuple[int, int, int]]:
    """(user, cached balance, sum of entries) for every account where they differ."""
    rows = await db.scan(
        "SELECT a.user_id, a.balance, COALESCE(SUM(e.amount), 0) AS total FROM accounts a "
        "LEFT JOIN ledger_entries e ON e.user_id = a.user_id GROUP BY a.user_id "
        "HAVING a.balance != total"
    )
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]


async def broken_chains(db: Database) -> list[int]:
    """Entries whose balance_after is not the previous balance_after plus their amount."""
    rows = await db.scan(
        "SELECT entry_id FROM (SELECT entry_id, amount, balance_after, "
        "LAG(balance_after, 1, 0) OVER (PARTITION BY user_id ORDER BY entry_id) AS before "
        "FROM ledger_entries) WHERE balance_after != before + amount OR balance_after < 0"
    )
    return [int(r[0]) for r in rows]
