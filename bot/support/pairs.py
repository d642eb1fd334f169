"""SQL for relayed messages: each user message and its copy in the topic, each agent message and
its copy in the user's chat.

A user's message is stored as ``pending`` before it is copied, so one that arrives before its
topic exists (or while a deleted topic is being recreated) is delivered later, in order, never
dropped; a replayed update finds its row already there and is not copied twice. Edits and
replies on either side find the other side's message here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from bot.db import Database, now

PAIR_COLUMNS = (
    "pair_id, ticket_id, direction, source_message_id, copy_message_id, status, masked_text, "
    "has_media, reply_to, failure, created_at"
)


class Direction(StrEnum):
    IN = "in"  # user -> topic
    OUT = "out"  # agent -> user


@dataclass(frozen=True)
class Pair:
    pair_id: int
    ticket_id: int
    direction: Direction
    source_message_id: int
    copy_message_id: int | None
    status: str
    masked_text: str | None  # set when agents must see a masked version instead of a copy
    has_media: bool
    reply_to: int | None  # in the copy's chat: the message the copy answers
    failure: str | None
    created_at: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Pair:
        values = dict(row)
        values["direction"] = Direction(values["direction"])
        values["has_media"] = bool(values["has_media"])
        return cls(**values)


class PairStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        ticket_id: int,
        direction: Direction,
        source_message_id: int,
        *,
        masked_text: str | None = None,
        has_media: bool = False,
        reply_to: int | None = None,
    ) -> Pair | None:
        """A pending pair; None when this message was recorded already (a replay)."""
        rows = await self._db.execute(
            "INSERT INTO support_message_pairs (ticket_id, direction, source_message_id, "
            "masked_text, has_media, reply_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            f"ON CONFLICT DO NOTHING RETURNING {PAIR_COLUMNS}",
            (
                ticket_id,
                direction.value,
                source_message_id,
                masked_text,
                int(has_media),
                reply_to,
                now(),
            ),
        )
        return Pair.from_row(rows[0]) if rows else None

    async def pending(self, ticket_id: int, direction: Direction) -> list[Pair]:
        rows = await self._db.fetchall(
            f"SELECT {PAIR_COLUMNS} FROM support_message_pairs WHERE ticket_id = ? "
            "AND direction = ? AND status = 'pending' ORDER BY pair_id",
            (ticket_id, direction.value),
        )
        return [Pair.from_row(row) for row in rows]

    async def tickets_with_pending(self) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT DISTINCT ticket_id FROM support_message_pairs WHERE status = 'pending'"
        )
        return [int(row["ticket_id"]) for row in rows]

    async def delivered(self, pair_id: int, copy_message_id: int) -> None:
        await self._db.execute(
            "UPDATE support_message_pairs SET status = 'delivered', copy_message_id = ?, "
            "failure = NULL WHERE pair_id = ?",
            (copy_message_id, pair_id),
        )

    async def failed(self, pair_id: int, failure: str) -> None:
        await self._db.execute(
            "UPDATE support_message_pairs SET status = 'failed', failure = ? WHERE pair_id = ?",
            (failure[:500], pair_id),
        )

    async def by_source(
        self, ticket_ids: list[int], direction: Direction, source: int
    ) -> Pair | None:
        return await self._latest(ticket_ids, direction, "source_message_id", source)

    async def out_by_source(self, source: int) -> Pair | None:
        """An agent's message by its id in the staff chat (unique there)."""
        row = await self._db.fetchone(
            f"SELECT {PAIR_COLUMNS} FROM support_message_pairs WHERE direction = 'out' "
            "AND source_message_id = ? ORDER BY pair_id DESC LIMIT 1",
            (source,),
        )
        return Pair.from_row(row) if row else None

    async def by_copy(self, ticket_ids: list[int], direction: Direction, copy: int) -> Pair | None:
        return await self._latest(ticket_ids, direction, "copy_message_id", copy)

    async def _latest(
        self, ticket_ids: list[int], direction: Direction, column: str, message_id: int
    ) -> Pair | None:
        """The newest pair of these tickets whose ``column`` is ``message_id``."""
        if not ticket_ids:
            return None
        marks = ", ".join("?" for _ in ticket_ids)
        row = await self._db.fetchone(
            f"SELECT {PAIR_COLUMNS} FROM support_message_pairs WHERE direction = ? "
            f"AND {column} = ? AND ticket_id IN ({marks}) ORDER BY pair_id DESC LIMIT 1",
            (direction.value, message_id, *ticket_ids),
        )
        return Pair.from_row(row) if row else None
