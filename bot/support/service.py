"""The support desk as a service: ticket lifecycle, queue, bans, ratings; no Telegram here.

It owns what must be consistent across updates: a lock per user, so two quick handoffs make one
ticket; and the set of users whose messages go to an agent, which the relay's message filter reads
synchronously (python-telegram-bot filters cannot await) and which every open and close updates.
The Telegram side (topics, cards, relay) is :mod:`bot.support.forum` and :mod:`bot.support.relay`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Settings
from bot.db import Database, now
from bot.support.config import DeskConfig
from bot.support.pairs import PairStore
from bot.support.rules import (
    QueueEstimate,
    Resolution,
    TicketState,
    estimate_wait,
    within_reopen_window,
)
from bot.support.tickets import AlreadyOpen, Ban, StaleTicket, Ticket, TicketStore
from bot.support.transcript import Transcript

log = logging.getLogger(__name__)

HANDLING_HISTORY = 14 * 86400  # recent enough to say how long tickets take now
AGENT_ACTIVITY = 86400
_LOCKS_KEPT = 10_000


@dataclass(frozen=True)
class Handoff:
    ticket: Ticket
    created: bool  # False: the user already had this ticket open
    follow_up_of: Ticket | None = None


@dataclass(frozen=True)
class ClaimOutcome:
    ticket: Ticket
    won: bool
    already_yours: bool = False


class SupportDesk:
    def __init__(self, settings: Settings, db: Database, config: DeskConfig) -> None:
        self.settings = settings
        self.config = config
        self.tickets = TicketStore(db)
        self.pairs = PairStore(db)
        self.transcript = Transcript(db)
        self.relaying: set[int] = set()  # users with an open ticket
        self._user_locks: OrderedDict[int, asyncio.Lock] = OrderedDict()

    @classmethod
    async def open(cls, settings: Settings, db: Database, config: DeskConfig) -> SupportDesk:
        desk = cls(settings, db, config)
        desk.relaying = await desk.tickets.open_user_ids()
        return desk

    @property
    def staff_chat_id(self) -> int | None:
        return self.settings.staff_chat_id

    @property
    def staff_locale(self) -> str:
        return self.config.staff_locale or self.settings.default_locale

    def user_lock(self, user_id: int) -> asyncio.Lock:
        lock = self._user_locks.get(user_id)
        if lock is None:
            lock = self._user_locks[user_id] = asyncio.Lock()
            if len(self._user_locks) > _LOCKS_KEPT:
                # drop the oldest idle lock; a held one is still referenced by its holder
                for key, old in list(self._user_locks.items()):
                    if not old.locked():
                        del self._user_locks[key]
                        break
        self._user_locks.move_to_end(user_id)
        return lock

    # ------------------------------------------------------------------------- handoff
    async def hand_off(self, user_id: int, reason: str, actor: str) -> Handoff:
        """The user's open ticket, or a new one (a follow-up within the reopen window)."""
        async with self.user_lock(user_id):
            current = await self.tickets.open_for_user(user_id)
            if current is not None:
                self.relaying.add(user_id)
                return Handoff(current, created=False)
            latest = await self.tickets.latest_for_user(user_id)
            follow_up = (
                latest
                if latest is not None
                and latest.resolution != Resolution.BANNED
                and within_reopen_window(latest.resolved_at, now(), self.config.reopen_window)
                else None
            )
            try:
                ticket = await self.tickets.open(
                    user_id, reason, actor, follow_up.ticket_id if follow_up else None
                )
            except AlreadyOpen:  # opened by another path that does not take this lock
                existing = await self.tickets.open_for_user(user_id)
                assert existing is not None
                self.relaying.add(user_id)
                return Handoff(existing, created=False)
            self.relaying.add(user_id)
            return Handoff(ticket, created=True, follow_up_of=follow_up)

    async def ban_of(self, user_id: int) -> Ban | None:
        return await self.tickets.ban_of(user_id)

    async def estimate(self, ticket: Ticket) -> QueueEstimate:
        moment = now()
        position = await self.tickets.queue_position(ticket)
        handling = await self.tickets.handling_times(moment - HANDLING_HISTORY)
        agents = await self.tickets.agents_active(moment - AGENT_ACTIVITY)
        return estimate_wait(position, handling, agents)

    def next_opening(self, at: datetime | None = None) -> datetime | None:
        """None while agents are working; else when they start again."""
        moment = at or datetime.now(UTC)
        hours = self.config.hours
        return None if hours.is_open(moment) else hours.next_open(moment)

    # ------------------------------------------------------------------------- changes
    async def claim(
        self, ticket: Ticket, agent_id: int, agent_name: str, *, take_over: bool = False
    ) -> ClaimOutcome:
        try:
            claimed = await self.tickets.claim(
                ticket.ticket_id, agent_id, agent_name, take_over=take_over
            )
        except StaleTicket as stale:
            current = stale.ticket or ticket
            mine = current.state == TicketState.ASSIGNED and current.agent_id == agent_id
            return ClaimOutcome(current, won=False, already_yours=mine)
        return ClaimOutcome(claimed, won=True)

    async def resolve(
        self, ticket: Ticket, actor: str, resolution: Resolution, reason: str | None = None
    ) -> Ticket | None:
        """The resolved ticket, or None when it was closed already."""
        try:
            resolved = await self.tickets.resolve(ticket.ticket_id, actor, resolution, reason)
        except StaleTicket:
            return None
        self.relaying.discard(ticket.user_id)
        return resolved

    def relays(self, user_id: int) -> bool:
        return user_id in self.relaying
