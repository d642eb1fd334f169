"""The users table: who has talked to the bot, their chosen locale and region.

Every update records the user (first and last seen), which would be a write per update. A user
seen again within a minute, unchanged, is answered from memory instead, so ``last_seen_at`` is
accurate to a minute and a busy chat costs no writes.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from sqlite3 import Row

from bot.db import Database, now


@dataclass(frozen=True)
class UserRecord:
    user_id: int
    first_name: str
    username: str | None
    language_code: str | None
    locale: str | None
    region: str | None
    first_seen_at: int
    last_seen_at: int
    blocked: bool


_COLUMNS = (
    "user_id, first_name, username, language_code, locale, region, "
    "first_seen_at, last_seen_at, blocked"
)


TOUCH_INTERVAL = 60.0
CACHED_USERS = 10_000


class UserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._recent: OrderedDict[int, tuple[UserRecord, float]] = OrderedDict()

    def _forget(self, user_id: int) -> None:
        self._recent.pop(user_id, None)

    async def touch(
        self, user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> UserRecord:
        """Record that the user was seen now (they can reach us, so they have not blocked us)."""
        cached = self._recent.get(user_id)
        clock = time.monotonic()
        if cached is not None:
            record, touched = cached
            same = (record.first_name, record.username, record.language_code) == (
                first_name,
                username,
                language_code,
            )
            if same and not record.blocked and clock - touched < TOUCH_INTERVAL:
                return record
        seen = now()
        [row] = await self._db.execute(
            f"INSERT INTO users ({_COLUMNS}) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, 0) "
            "ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name, "
            "username = excluded.username, language_code = excluded.language_code, "
            f"last_seen_at = excluded.last_seen_at, blocked = 0 RETURNING {_COLUMNS}",
            (user_id, first_name, username, language_code, seen, seen),
        )
        record = _record(row)
        self._recent[user_id] = (record, clock)
        self._recent.move_to_end(user_id)
        if len(self._recent) > CACHED_USERS:
            self._recent.popitem(last=False)
        return record

    async def get(self, user_id: int) -> UserRecord | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM users WHERE user_id = ?", (user_id,))
        return _record(row) if row else None

    async def set_locale(self, user_id: int, locale: str) -> None:
        self._forget(user_id)
        await self._db.execute("UPDATE users SET locale = ? WHERE user_id = ?", (locale, user_id))

    async def set_region(self, user_id: int, region: str) -> None:
        self._forget(user_id)
        await self._db.execute("UPDATE users SET region = ? WHERE user_id = ?", (region, user_id))

    async def mark_blocked(self, user_id: int) -> None:
        self._forget(user_id)
        await self._db.execute("UPDATE users SET blocked = 1 WHERE user_id = ?", (user_id,))


def _record(row: Row) -> UserRecord:
    return UserRecord(
        user_id=row["user_id"],
        first_name=row["first_name"],
        username=row["username"],
        language_code=row["language_code"],
        locale=row["locale"],
        region=row["region"],
        first_seen_at=row["first_seen_at"],
        last_seen_at=row["last_seen_at"],
        blocked=bool(row["blocked"]),
    )
