"""SQL for tickets and everything that hangs off them: events, ratings, bans, the lobby message.

Every state change updates the ticket only if it is still in the state the caller expects and
writes its event in the same transaction, so two agents claiming at once cannot both win and
the history never misses a step. At most one open ticket per user is enforced by a unique index.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.db import Database, now
from bot.support.rules import EventKind, Resolution, TicketState, can_transition

TICKET_COLUMNS = (
    "ticket_id, user_id, state, reason, previous_ticket_id, agent_id, agent_name, topic_id, "
    "card_message_id, created_at, queued_at, assigned_at, first_response_at, resolved_at, "
    "last_activity_at, sla_pinged_at, resolution, close_reason"
)
OPEN = "state <> 'resolved'"


@dataclass(frozen=True)
class Ticket:
    ticket_id: int
    user_id: int
    state: TicketState
    reason: str
    previous_ticket_id: int | None
    agent_id: int | None
    agent_name: str | None
    topic_id: int | None
    card_message_id: int | None
    created_at: int
    queued_at: int
    assigned_at: int | None
    first_response_at: int | None
    resolved_at: int | None
    last_activity_at: int
    sla_pinged_at: int | None
    resolution: Resolution | None
    close_reason: str | None

    @property
    def is_open(self) -> bool:
        return self.state != TicketState.RESOLVED

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Ticket:
        values = dict(row)
        values["state"] = TicketState(values["state"])
        values["resolution"] = Resolution(values["resolution"]) if values["resolution"] else None
        return cls(**values)


@dataclass(frozen=True)
class Event:
    event_id: int
    ticket_id: int
    kind: EventKind
    from_state: TicketState | None
    to_state: TicketState | None
    actor: str
    detail: str | None
    created_at: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Event:
        values = dict(row)
        values["kind"] = EventKind(values["kind"])
        for key in ("from_state", "to_state"):
            values[key] = TicketState(values[key]) if values[key] else None
        return cls(**values)


@dataclass(frozen=True)
class Rating:
    ticket_id: int
    score: int
    comment: str | None
    rated_at: int


@dataclass(frozen=True)
class Ban:
    user_id: int
    reason: str
    banned_by: int
    banned_at: int


class AlreadyOpen(Exception):
    """The user already has an open ticket (two handoffs raced)."""


class StaleTicket(Exception):
    """The ticket is no longer in the state the change needs."""

    def __init__(self, ticket: Ticket | None) -> None:
        super().__init__(f"ticket is {ticket.state if ticket else 'missing'}")
        self.ticket = ticket


async def _ticket_in(conn: aiosqlite.Connection, ticket_id: int) -> Ticket | None:
    """A ticket as this transaction sees it."""
    return await _one(
        conn, f"SELECT {TICKET_COLUMNS} FROM support_tickets WHERE ticket_id = ?", (ticket_id,)
    )


async def _one(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> Ticket | None:
    cursor = await conn.execute(sql, params)
    row = await cursor.fetchone()
    return Ticket.from_row(row) if row else None


async def _append_event(
    conn: aiosqlite.Connection,
    ticket_id: int,
    kind: EventKind,
    actor: str,
    *,
    transition: tuple[TicketState, TicketState] | None = None,
    detail: str | None = None,
    at: int,
) -> None:
    if transition is not None and not can_transition(*transition):
        raise ValueError(f"no transition {transition[0]} -> {transition[1]}")
    await conn.execute(
        "INSERT INTO support_events (ticket_id, kind, from_state, to_state, actor, detail, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            ticket_id,
            kind.value,
            transition[0].value if transition else None,
            transition[1].value if transition else None,
            actor,
            detail,
            at,
        ),
    )


class TicketStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------------------- reading
    async def _ticket(self, where: str, params: tuple[int, ...]) -> Ticket | None:
        """The newest ticket matching ``where``, if any."""
        row = await self._db.fetchone(
            f"SELECT {TICKET_COLUMNS} FROM support_tickets WHERE {where} "
            "ORDER BY ticket_id DESC LIMIT 1",
            params,
        )
        return Ticket.from_row(row) if row else None

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self._ticket("ticket_id = ?", (ticket_id,))

    async def open_for_user(self, user_id: int) -> Ticket | None:
        return await self._ticket(f"user_id = ? AND {OPEN}", (user_id,))

    async def latest_for_user(self, user_id: int) -> Ticket | None:
        return await self._ticket("user_id = ?", (user_id,))

    async def by_topic(self, topic_id: int) -> Ticket | None:
        """The latest ticket shown in a topic (a follow-up reuses its predecessor's topic)."""
        return await self._ticket("topic_id = ?", (topic_id,))

    async def for_user(self, user_id: int, limit: int = 10) -> list[Ticket]:
        rows = await self._db.fetchall(
            f"SELECT {TICKET_COLUMNS} FROM support_tickets WHERE user_id = ? "
            "ORDER BY ticket_id DESC LIMIT ?",
            (user_id, limit),
        )
        return [Ticket.from_row(row) for row in rows]

    async def open_tickets(self) -> list[Ticket]:
        rows = await self._db.fetchall(
            f"SELECT {TICKET_COLUMNS} FROM support_tickets WHERE {OPEN} ORDER BY queued_at, "
            "ticket_id"
        )
        return [Ticket.from_row(row) for row in rows]

    async def open_user_ids(self) -> set[int]:
        rows = await self._db.fetchall(f"SELECT user_id FROM support_tickets WHERE {OPEN}")
        return {row["user_id"] for row in rows}

    async def queue_position(self, ticket: Ticket) -> int:
        row = await self._db.fetchone(
            "SELECT count(*) AS ahead FROM support_tickets WHERE state = 'queued' AND "
            "(queued_at < ? OR (queued_at = ? AND ticket_id < ?))",
            (ticket.queued_at, ticket.queued_at, ticket.ticket_id),
        )
        return int(row["ahead"] if row else 0) + 1

    async def handling_times(self, since: int, limit: int = 50) -> list[int]:
        """Seconds from assignment to resolution of recent tickets an agent handled."""
        rows = await self._db.fetchall(
            "SELECT resolved_at - assigned_at AS took FROM support_tickets "
            "WHERE state = 'resolved' AND resolved_at >= ? AND assigned_at IS NOT NULL "
            "ORDER BY resolved_at DESC LIMIT ?",
            (since, limit),
        )
        return [max(int(row["took"]), 0) for row in rows]

    async def agents_active(self, since: int) -> int:
        row = await self._db.fetchone(
            "SELECT count(DISTINCT agent_id) AS agents FROM support_tickets "
            "WHERE agent_id IS NOT NULL AND coalesce(resolved_at, assigned_at) >= ?",
            (since,),
        )
        return int(row["agents"]) if row else 0

    async def events(self, ticket_id: int) -> list[Event]:
        rows = await self._db.fetchall(
            "SELECT event_id, ticket_id, kind, from_state, to_state, actor, detail, created_at "
            "FROM support_events WHERE ticket_id = ? ORDER BY event_id",
            (ticket_id,),
        )
        return [Event.from_row(row) for row in rows]

    # ------------------------------------------------------------------------- changes
    async def open(
        self, user_id: int, reason: str, actor: str, previous_ticket_id: int | None = None
    ) -> Ticket:
        """A new queued ticket; AlreadyOpen when the user has one."""
        at = now()
        try:
            async with self._db.transaction() as conn:
                ticket = await _one(
                    conn,
                    "INSERT INTO support_tickets (user_id, state, reason, previous_ticket_id, "
                    "created_at, queued_at, last_activity_at) VALUES (?, 'queued', ?, ?, ?, ?, ?) "
                    f"RETURNING {TICKET_COLUMNS}",
                    (user_id, reason, previous_ticket_id, at, at, at),
                )
                assert ticket is not None
                detail = f"follow-up of #{previous_ticket_id}" if previous_ticket_id else reason
                await _append_event(
                    conn,
                    ticket.ticket_id,
                    EventKind.OPENED,
                    actor,
                    transition=(TicketState.BOT, TicketState.QUEUED),
                    detail=detail,
                    at=at,
                )
        except sqlite3.IntegrityError as exc:
            if "support_tickets.user_id" in str(exc):
                raise AlreadyOpen(user_id) from None
            raise
        return ticket

    async def claim(
        self, ticket_id: int, agent_id: int, agent_name: str, *, take_over: bool = False
    ) -> Ticket:
        """Assign a queued ticket (or, with ``take_over``, another agent's) to the agent."""
        at = now()
        async with self._db.transaction() as conn:
            before = await _ticket_in(conn, ticket_id)
            allowed = before is not None and (
                before.state == TicketState.QUEUED
                or (take_over and before.state == TicketState.ASSIGNED)
            )
            if before is None or not allowed or before.agent_id == agent_id:
                raise StaleTicket(before)
            ticket = await _one(
                conn,
                "UPDATE support_tickets SET state = 'assigned', agent_id = ?, agent_name = ?, "
                "assigned_at = ?, last_activity_at = ? WHERE ticket_id = ? "
                f"RETURNING {TICKET_COLUMNS}",
                (agent_id, agent_name, at, at, ticket_id),
            )
            assert ticket is not None
            await _append_event(
                conn,
                ticket_id,
                EventKind.CLAIMED,
                f"agent:{agent_id}",
                transition=(before.state, TicketState.ASSIGNED),
                detail=agent_name,
                at=at,
            )
        return ticket

    async def unclaim(self, ticket_id: int, agent_id: int) -> Ticket:
        at = now()
        async with self._db.transaction() as conn:
            ticket = await _one(
                conn,
                "UPDATE support_tickets SET state = 'queued', agent_id = NULL, agent_name = NULL, "
                "assigned_at = NULL, queued_at = ?, sla_pinged_at = NULL, last_activity_at = ? "
                "WHERE ticket_id = ? AND state = 'assigned' AND agent_id = ? "
                f"RETURNING {TICKET_COLUMNS}",
                (at, at, ticket_id, agent_id),
            )
            if ticket is None:
                raise StaleTicket(await self.get(ticket_id))
            await _append_event(
                conn,
                ticket_id,
                EventKind.UNCLAIMED,
                f"agent:{agent_id}",
                transition=(TicketState.ASSIGNED, TicketState.QUEUED),
                at=at,
            )
        return ticket

    async def resolve(
        self, ticket_id: int, actor: str, resolution: Resolution, reason: str | None
    ) -> Ticket:
        """Close an open ticket; the user is back with the bot (both steps are events)."""
        at = now()
        async with self._db.transaction() as conn:
            before = await _ticket_in(conn, ticket_id)
            if before is None or not before.is_open:
                raise StaleTicket(before)
            ticket = await _one(
                conn,
                "UPDATE support_tickets SET state = 'resolved', resolved_at = ?, resolution = ?, "
                "close_reason = ? WHERE ticket_id = ? AND state = ? "
                f"RETURNING {TICKET_COLUMNS}",
                (at, resolution.value, reason, ticket_id, before.state.value),
            )
            assert ticket is not None
            await _append_event(
                conn,
                ticket_id,
                EventKind.RESOLVED,
                actor,
                transition=(before.state, TicketState.RESOLVED),
                detail=f"{resolution.value}: {reason}" if reason else resolution.value,
                at=at,
            )
            await _append_event(
                conn,
                ticket_id,
                EventKind.RETURNED,
                "system",
                transition=(TicketState.RESOLVED, TicketState.BOT),
                at=at,
            )
        return ticket

    async def first_response(self, ticket_id: int, agent_id: int, agent_name: str) -> Ticket:
        """An agent's message reached the user: the first one counts as the first response,
        and an agent who answers a queued ticket has taken it."""
        at = now()
        async with self._db.transaction() as conn:
            before = await _ticket_in(conn, ticket_id)
            if before is None:
                raise StaleTicket(None)
            if before.state == TicketState.QUEUED:
                await conn.execute(
                    "UPDATE support_tickets SET state = 'assigned', agent_id = ?, agent_name = ?, "
                    "assigned_at = ? WHERE ticket_id = ?",
                    (agent_id, agent_name, at, ticket_id),
                )
                await _append_event(
                    conn,
                    ticket_id,
                    EventKind.CLAIMED,
                    f"agent:{agent_id}",
                    transition=(TicketState.QUEUED, TicketState.ASSIGNED),
                    detail=f"{agent_name} (by answering)",
                    at=at,
                )
            ticket = await _one(
                conn,
                "UPDATE support_tickets SET first_response_at = coalesce(first_response_at, ?), "
                f"last_activity_at = ? WHERE ticket_id = ? RETURNING {TICKET_COLUMNS}",
                (at, at, ticket_id),
            )
            assert ticket is not None
        return ticket

    async def touch(self, ticket_id: int) -> None:
        await self._db.execute(
            "UPDATE support_tickets SET last_activity_at = ? WHERE ticket_id = ?",
            (now(), ticket_id),
        )

    async def set_topic(
        self, ticket_id: int, topic_id: int, card_message_id: int | None, *, recreated: bool
    ) -> Ticket:
        at = now()
        async with self._db.transaction() as conn:
            ticket = await _one(
                conn,
                "UPDATE support_tickets SET topic_id = ?, card_message_id = ? WHERE ticket_id = ? "
                f"RETURNING {TICKET_COLUMNS}",
                (topic_id, card_message_id, ticket_id),
            )
            if ticket is None:
                raise StaleTicket(None)
            kind = EventKind.TOPIC_RECREATED if recreated else EventKind.TOPIC_CREATED
            await _append_event(conn, ticket_id, kind, "system", detail=str(topic_id), at=at)
        return ticket

    async def forget_topic(self, ticket_id: int, topic_id: int) -> None:
        """The topic was deleted: every ticket shown in it loses it."""
        await self._db.execute(
            "UPDATE support_tickets SET topic_id = NULL, card_message_id = NULL "
            "WHERE topic_id = ? AND ticket_id <= ?",
            (topic_id, ticket_id),
        )

    async def mark_sla_pinged(self, ticket_id: int) -> bool:
        at = now()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE support_tickets SET sla_pinged_at = ? WHERE ticket_id = ? "
                "AND state = 'queued' AND sla_pinged_at IS NULL",
                (at, ticket_id),
            )
            if cursor.rowcount != 1:
                return False
            await _append_event(conn, ticket_id, EventKind.SLA_PINGED, "system", at=at)
        return True

    async def add_event(
        self, ticket_id: int, kind: EventKind, actor: str, detail: str | None = None
    ) -> None:
        async with self._db.transaction() as conn:
            await _append_event(conn, ticket_id, kind, actor, detail=detail, at=now())

    # ------------------------------------------------------------------------- ratings
    async def rate(self, ticket_id: int, score: int) -> bool:
        """The first rating of a resolved ticket counts; later ones change nothing."""
        at = now()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO support_ratings (ticket_id, score, rated_at) SELECT ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM support_tickets WHERE ticket_id = ? "
                "AND state = 'resolved') ON CONFLICT (ticket_id) DO NOTHING",
                (ticket_id, score, at, ticket_id),
            )
            if cursor.rowcount != 1:
                return False
            await _append_event(
                conn, ticket_id, EventKind.RATED, "system", detail=str(score), at=at
            )
        return True

    async def comment(self, ticket_id: int, text: str) -> bool:
        rows = await self._db.execute(
            "UPDATE support_ratings SET comment = ? WHERE ticket_id = ? AND comment IS NULL "
            "RETURNING ticket_id",
            (text, ticket_id),
        )
        return bool(rows)

    async def rating(self, ticket_id: int) -> Rating | None:
        row = await self._db.fetchone(
            "SELECT ticket_id, score, comment, rated_at FROM support_ratings WHERE ticket_id = ?",
            (ticket_id,),
        )
        return Rating(**dict(row)) if row else None

    # ---------------------------------------------------------------------------- bans
    async def ban(self, user_id: int, reason: str, agent_id: int) -> bool:
        rows = await self._db.execute(
            "INSERT INTO support_bans (user_id, reason, banned_by, banned_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO NOTHING RETURNING user_id",
            (user_id, reason, agent_id, now()),
        )
        return bool(rows)

    async def unban(self, user_id: int) -> bool:
        rows = await self._db.execute(
            "DELETE FROM support_bans WHERE user_id = ? RETURNING user_id", (user_id,)
        )
        return bool(rows)

    async def ban_of(self, user_id: int) -> Ban | None:
        row = await self._db.fetchone(
            "SELECT user_id, reason, banned_by, banned_at FROM support_bans WHERE user_id = ?",
            (user_id,),
        )
        return Ban(**dict(row)) if row else None

    # --------------------------------------------------------------------------- lobby
    async def lobby_message(self, chat_id: int) -> int | None:
        row = await self._db.fetchone(
            "SELECT message_id FROM support_lobby WHERE chat_id = ?", (chat_id,)
        )
        return int(row["message_id"]) if row else None

    async def set_lobby_message(self, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "INSERT INTO support_lobby (chat_id, message_id) VALUES (?, ?) "
            "ON CONFLICT (chat_id) DO UPDATE SET message_id = excluded.message_id",
            (chat_id, message_id),
        )


@dataclass(frozen=True)
class TicketFacts:
    """What the statistics need of one ticket."""

    ticket_id: int
    agent_id: int | None
    agent_name: str | None
    created_at: int
    first_response_at: int | None
    resolved_at: int | None
    resolution: str | None
    score: int | None


async def facts_since(db: Database, since: int) -> list[TicketFacts]:
    """Tickets opened or resolved since ``since`` (a whole-table read, off the event loop)."""
    rows = await db.scan(
        "SELECT t.ticket_id, t.agent_id, t.agent_name, t.created_at, t.first_response_at, "
        "t.resolved_at, t.resolution, r.score FROM support_tickets t "
        "LEFT JOIN support_ratings r ON r.ticket_id = t.ticket_id "
        "WHERE t.created_at >= ? OR t.resolved_at >= ? ORDER BY t.ticket_id",
        (since, since),
    )
    return [TicketFacts(**dict(row)) for row in rows]
