"""SQL for the budgets and parental_locks tables.

A budget is the user's own monthly cap: set, changed or removed at will. A parental lock is a
guardian's cap behind a PIN (salted scrypt hash, never logged): lowering it is immediate, raising or
lifting it needs the PIN and waits 24 hours, and wrong PINs lock it for longer and longer.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from bot.db import Database, now


@dataclass(frozen=True)
class Budget:
    user_id: int
    amount_minor: int
    currency: str
    warned_80_month: str | None
    warned_100_month: str | None


@dataclass(frozen=True)
class ParentalLock:
    user_id: int
    limit_minor: int
    currency: str
    pin_salt: bytes = field(repr=False)  # the PIN hash stays out of logs and tracebacks
    pin_hash: bytes = field(repr=False)
    pending_limit_minor: int | None
    pending_lift: bool
    pending_effective_at: int | None
    failed_attempts: int
    locked_until: int | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ParentalLock:
        values = {key: row[key] for key in row.keys() if key not in ("created_at", "updated_at")}  # noqa: SIM118
        values["pending_lift"] = bool(values["pending_lift"])
        return cls(**values)


async def get_budget(db: Database, user_id: int) -> Budget | None:
    row = await db.fetchone(
        "SELECT user_id, amount_minor, currency, warned_80_month, warned_100_month "
        "FROM budgets WHERE user_id = ?",
        (user_id,),
    )
    return Budget(*row) if row else None


async def set_budget(db: Database, user_id: int, amount_minor: int, currency: str) -> None:
    await db.execute(
        "INSERT INTO budgets (user_id, amount_minor, currency, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET amount_minor = excluded.amount_minor, "
        "currency = excluded.currency, updated_at = excluded.updated_at, "
        "warned_80_month = NULL, warned_100_month = NULL",
        (user_id, amount_minor, currency, now()),
    )


async def remove_budget(db: Database, user_id: int) -> bool:
    rows = await db.execute("DELETE FROM budgets WHERE user_id = ? RETURNING user_id", (user_id,))
    return bool(rows)


async def mark_warned(db: Database, user_id: int, percent: int, month: str) -> bool:
    """Record a warning for this month; False if it was already given (send it once)."""
    column = {80: "warned_80_month", 100: "warned_100_month"}[percent]
    rows = await db.execute(
        f"UPDATE budgets SET {column} = ? WHERE user_id = ? AND {column} IS NOT ? "
        "RETURNING user_id",
        (month, user_id, month),
    )
    return bool(rows)


async def get_lock(db: Database, user_id: int) -> ParentalLock | None:
    row = await db.fetchone("SELECT * FROM parental_locks WHERE user_id = ?", (user_id,))
    return ParentalLock.from_row(row) if row else None


async def create_lock(
    db: Database, user_id: int, limit_minor: int, currency: str, *, salt: bytes, digest: bytes
) -> bool:
    """A new lock; False if one exists already (it can only be changed with its PIN)."""
    stamp = now()
    rows = await db.execute(
        "INSERT INTO parental_locks (user_id, limit_minor, currency, pin_salt, pin_hash, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO NOTHING RETURNING user_id",
        (user_id, limit_minor, currency, salt, digest, stamp, stamp),
    )
    return bool(rows)


async def record_pin_attempt(
    db: Database, user_id: int, *, success: bool, lock_seconds: int
) -> None:
    if success:
        await db.execute(
            "UPDATE parental_locks SET failed_attempts = 0, locked_until = NULL WHERE user_id = ?",
            (user_id,),
        )
        return
    await db.execute(
        "UPDATE parental_locks SET failed_attempts = failed_attempts + 1, "
        "locked_until = CASE WHEN ? > 0 THEN ? ELSE locked_until END WHERE user_id = ?",
        (lock_seconds, now() + lock_seconds, user_id),
    )


async def lower_limit(db: Database, user_id: int, limit_minor: int) -> None:
    """Stricter takes effect at once and cancels any raise that was waiting."""
    await db.execute(
        "UPDATE parental_locks SET limit_minor = ?, pending_limit_minor = NULL, pending_lift = 0, "
        "pending_effective_at = NULL, updated_at = ? WHERE user_id = ?",
        (limit_minor, now(), user_id),
    )


async def schedule_change(
    db: Database, user_id: int, *, limit_minor: int | None, lift: bool, effective_at: int
) -> None:
    await db.execute(
        "UPDATE parental_locks SET pending_limit_minor = ?, pending_lift = ?, "
        "pending_effective_at = ?, updated_at = ? WHERE user_id = ?",
        (limit_minor, int(lift), effective_at, now(), user_id),
    )


async def apply_due_changes(db: Database, at: int) -> int:
    """Apply raises and lifts whose 24 hours have passed; return how many."""
    async with db.transaction() as conn:
        lifted = await conn.execute(
            "DELETE FROM parental_locks WHERE pending_lift = 1 AND pending_effective_at <= ?", (at,)
        )
        raised = await conn.execute(
            "UPDATE parental_locks SET limit_minor = pending_limit_minor, "
            "pending_limit_minor = NULL, pending_effective_at = NULL, updated_at = ? "
            "WHERE pending_limit_minor IS NOT NULL AND pending_effective_at <= ?",
            (at, at),
        )
    return lifted.rowcount + raised.rowcount


async def change_pin(db: Database, user_id: int, salt: bytes, digest: bytes) -> None:
    await db.execute(
        "UPDATE parental_locks SET pin_salt = ?, pin_hash = ?, updated_at = ? WHERE user_id = ?",
        (salt, digest, now(), user_id),
    )
