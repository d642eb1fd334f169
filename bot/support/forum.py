"""The staff side on Telegram: one forum topic per ticket, its pinned card, notices, the lobby.

Topics are created one at a time and paced to Telegram's ~20 new topics a minute per chat; each
ticket has its own lock, so a topic is created once however many messages arrive meanwhile. A
topic someone deleted is noticed on the next post into it ("message thread not found") and
recreated with a fresh card, and the post is retried there. A follow-up ticket reopens its
predecessor's topic. Who counts as an agent is asked of Telegram (getChatMember) and cached
for a minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    User,
)
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackContext

from bot.callbacks import pack
from bot.context import Services
from bot.db import now
from bot.i18n import Translator
from bot.plumbing import bold, quote
from bot.support.card import build_card, state_text, user_link
from bot.support.rules import (
    CreationWindow,
    Resolution,
    TicketState,
    reason_label,
    topic_name,
)
from bot.support.service import SupportDesk
from bot.support.tickets import Ticket

log = logging.getLogger(__name__)

FORUM_KEY = "support_forum"
MEMBER_CACHE_SECONDS = 60.0
LOBBY_ROWS = 10
TOPIC_WINDOW_SECONDS = 60.0
# Telegram's words for a topic that is gone: deleted by someone, or never existed.
_THREAD_GONE = ("message thread not found", "topic_deleted", "topic_id_invalid")
_MEMBER_STATUSES = {
    ChatMemberStatus.OWNER,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.MEMBER,
}
T = TypeVar("T")


def forum_of(context: CallbackContext[Any, Any, Any, Any]) -> StaffForum:
    forum: StaffForum = context.bot_data[FORUM_KEY]
    return forum


def thread_gone(error: TelegramError) -> bool:
    return isinstance(error, BadRequest) and any(
        words in error.message.lower() for words in _THREAD_GONE
    )


def not_modified(error: TelegramError) -> bool:
    message = error.message.lower()
    return isinstance(error, BadRequest) and (
        "not modified" in message or "topic_not_modified" in message
    )


class AgentCheck(StrEnum):
    AGENT = "agent"
    ANONYMOUS = "anonymous"  # an admin posting as the group: we cannot tell who it is
    NOT_MEMBER = "not_member"
    NOT_LISTED = "not_listed"  # a member, but not on SUPPORT_AGENT_IDS


class TopicUnavailable(Exception):
    """The ticket's topic could not be created or recreated (rights, network, chat)."""

    def __init__(self, error: TelegramError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass
class _Cached:
    member: bool
    until: float


class StaffForum:
    def __init__(
        self,
        services: Services,
        desk: SupportDesk,
        application: Application[Any, Any, Any, Any, Any, Any],
    ) -> None:
        assert desk.staff_chat_id is not None
        self.services = services
        self.desk = desk
        self.bot: Bot = application.bot
        self._application = application
        self.chat_id: int = desk.staff_chat_id
        self._topic_failures: set[int] = set()
        self._ticket_locks: dict[int, asyncio.Lock] = {}
        self._creation_lock = asyncio.Lock()
        self._window = CreationWindow(desk.config.topics_per_minute, TOPIC_WINDOW_SECONDS)
        self._members: dict[int, _Cached] = {}
        self._lobby_lock = asyncio.Lock()
        self._lobby_dirty = False

    @property
    def t(self) -> Translator:
        return self.services.catalogs[self.desk.staff_locale]

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run in the background; the application waits for it on shutdown."""
        self._application.create_task(coroutine, name="support")

    def ticket_lock(self, ticket_id: int) -> asyncio.Lock:
        return self._ticket_locks.setdefault(ticket_id, asyncio.Lock())

    def release(self, ticket_id: int) -> None:
        """Forget a closed ticket's lock once nobody holds it."""
        lock = self._ticket_locks.get(ticket_id)
        if lock is not None and not lock.locked():
            del self._ticket_locks[ticket_id]

    # ------------------------------------------------------------------------- agents
    async def check_agent(self, user: User | None, *, anonymous: bool = False) -> AgentCheck:
        if anonymous or user is None or user.is_bot:
            return AgentCheck.ANONYMOUS
        allowed = self.desk.settings.support_agent_ids
        if allowed and user.id not in allowed:
            return AgentCheck.NOT_LISTED
        return AgentCheck.AGENT if await self._is_member(user.id) else AgentCheck.NOT_MEMBER

    def can_refund(self, user_id: int) -> bool:
        settings = self.desk.settings
        return user_id in (settings.support_refund_ids or settings.admin_ids)

    async def _is_member(self, user_id: int) -> bool:
        cached = self._members.get(user_id)
        clock = time.monotonic()
        if cached is not None and cached.until > clock:
            return cached.member
        try:
            member = await self.bot.get_chat_member(self.chat_id, user_id)
        except TelegramError as exc:
            log.warning("could not check whether %s is in the staff chat: %s", user_id, exc)
            return False
        is_member = member.status in _MEMBER_STATUSES or (
            member.status == ChatMemberStatus.RESTRICTED and bool(getattr(member, "is_member", 0))
        )
        self._members[user_id] = _Cached(is_member, clock + MEMBER_CACHE_SECONDS)
        return is_member

    async def check_own_rights(self) -> bool:
        """At start: say in the log, naming the setting, what the bot lacks in the staff chat."""
        try:
            member = await self.bot.get_chat_member(self.chat_id, self.bot.id)
        except TelegramError as exc:
            log.error("STAFF_CHAT_ID %s: the bot cannot see this chat (%s)", self.chat_id, exc)
            return False
        if member.status == ChatMemberStatus.OWNER:
            return True
        missing = [
            right
            for right in ("can_manage_topics", "can_pin_messages")
            if not getattr(member, right, False)
        ]
        if member.status != ChatMemberStatus.ADMINISTRATOR or missing:
            log.error(
                "STAFF_CHAT_ID %s: make the bot an admin with the rights to manage topics and "
                "pin messages (now: %s%s)",
                self.chat_id,
                member.status,
                f", missing {', '.join(missing)}" if missing else "",
            )
            return False
        return True

    # ------------------------------------------------------------------------- topics
    async def ensure_topic(self, ticket: Ticket) -> Ticket:
        async with self.ticket_lock(ticket.ticket_id):
            return await self.ensure_topic_locked(ticket.ticket_id)

    async def ensure_topic_locked(self, ticket_id: int, *, recreate: bool = False) -> Ticket:
        """The ticket with a topic (created, reopened or recreated as needed); hold its lock."""
        ticket = await self.desk.tickets.get(ticket_id)
        assert ticket is not None
        if ticket.topic_id is not None and not recreate:
            return ticket
        if recreate and ticket.topic_id is not None:
            await self.desk.tickets.forget_topic(ticket.ticket_id, ticket.topic_id)
        elif ticket.previous_ticket_id is not None and not recreate:
            reused = await self._reuse_previous_topic(ticket)
            if reused is not None:
                return reused
        topic_id = await self._create_topic(ticket)
        card = await self._post_card(ticket, topic_id)
        ticket = await self.desk.tickets.set_topic(
            ticket.ticket_id, topic_id, card, recreated=recreate
        )
        if recreate:
            await self.send(
                self.t._(
                    "♻️ The topic of ticket #{number} was deleted, so this is a new one. "
                    "The card above shows the latest context.",
                    number=ticket.ticket_id,
                ),
                topic_id,
            )
        return ticket

    async def _reuse_previous_topic(self, ticket: Ticket) -> Ticket | None:
        assert ticket.previous_ticket_id is not None
        previous = await self.desk.tickets.get(ticket.previous_ticket_id)
        if previous is None or previous.topic_id is None:
            return None
        topic_id = previous.topic_id
        try:
            await self.bot.reopen_forum_topic(self.chat_id, topic_id)
        except TelegramError as exc:
            if thread_gone(exc):
                return None
            if not not_modified(exc):
                raise
        card = await self._post_card(ticket, topic_id)
        ticket = await self.desk.tickets.set_topic(
            ticket.ticket_id, topic_id, card, recreated=False
        )
        await self.rename(ticket)
        return ticket

    async def _create_topic(self, ticket: Ticket) -> int:
        user = await self.services.users.get(ticket.user_id)
        name = topic_name(ticket.ticket_id, user.first_name if user else "", ticket.state)
        async with self._creation_lock:
            delay = self._window.delay(time.monotonic())
            if delay > 0:
                log.info("waiting %.1f s to create a topic (Telegram's pace)", delay)
                await asyncio.sleep(delay)
            topic = await self.bot.create_forum_topic(self.chat_id, name)
            self._window.record(time.monotonic())
        return topic.message_thread_id

    async def _post_card(self, ticket: Ticket, topic_id: int) -> int | None:
        user = await self.services.users.get(ticket.user_id)
        if user is None:
            return None
        text = await build_card(self.services, self.t, ticket, user)
        message = await self.send(text, topic_id)
        try:
            await self.bot.pin_chat_message(
                self.chat_id, message.message_id, disable_notification=True
            )
        except TelegramError as exc:  # the card is there; pinning is a convenience
            log.warning("could not pin the card of ticket %s: %s", ticket.ticket_id, exc)
        return message.message_id

    async def send(
        self,
        text: str,
        topic_id: int | None,
        keyboard: InlineKeyboardMarkup | None = None,
        reply_to: int | None = None,
    ) -> Message:
        return await self.bot.send_message(
            self.chat_id,
            text,
            message_thread_id=topic_id,
            reply_markup=keyboard,
            reply_parameters=reply_parameters(reply_to),
        )

    async def in_topic(
        self, ticket: Ticket, act: Callable[[int], Awaitable[T]]
    ) -> tuple[Ticket, T]:
        """Run ``act(topic_id)``; if the topic was deleted, recreate it and run it there once.

        The caller holds the ticket's lock.
        """
        ticket = await self._topic_or_raise(ticket.ticket_id)
        assert ticket.topic_id is not None
        try:
            return ticket, await act(ticket.topic_id)
        except TelegramError as exc:
            if not thread_gone(exc):
                raise
            log.warning(
                "topic %s of ticket %s is gone; recreating", ticket.topic_id, ticket.ticket_id
            )
        ticket = await self._topic_or_raise(ticket.ticket_id, recreate=True)
        assert ticket.topic_id is not None
        return ticket, await act(ticket.topic_id)

    async def _topic_or_raise(self, ticket_id: int, *, recreate: bool = False) -> Ticket:
        try:
            ticket = await self.ensure_topic_locked(ticket_id, recreate=recreate)
        except TelegramError as exc:
            raise TopicUnavailable(exc) from exc
        self._topic_failures.discard(ticket_id)
        return ticket

    async def report_topic_failure(self, ticket: Ticket, error: Exception) -> None:
        """Tell the agents once per ticket that its messages wait for a working topic."""
        if ticket.ticket_id in self._topic_failures:
            return
        self._topic_failures.add(ticket.ticket_id)
        await self.post_general(
            self.t._(
                "⚠️ Messages of ticket #{number} are waiting: its topic cannot be used ({error}). "
                "The bot needs to be an admin with the right to manage topics; it retries by "
                "itself.",
                number=ticket.ticket_id,
                error=quote(str(error)),
            )
        )

    async def post(
        self,
        ticket: Ticket,
        text: str,
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        reply_to: int | None = None,
    ) -> Message | None:
        """A notice in the ticket's topic (recreated if deleted); for a closed ticket whose topic
        is gone, the notice goes to the General topic instead. None if it could not be posted."""
        async with self.ticket_lock(ticket.ticket_id):
            current = await self.desk.tickets.get(ticket.ticket_id) or ticket
            try:
                if current.is_open:
                    _, message = await self.in_topic(
                        current, lambda topic: self.send(text, topic, keyboard, reply_to)
                    )
                    return message
                try:
                    return await self.send(text, current.topic_id, keyboard, reply_to)
                except TelegramError as exc:
                    if not thread_gone(exc):
                        raise
                    return await self.send(
                        self.t._("#{number}: {text}", number=current.ticket_id, text=text),
                        None,
                        keyboard,
                    )
            except (TelegramError, TopicUnavailable) as exc:
                log.error("could not post to ticket %s: %s", ticket.ticket_id, exc)
                return None

    async def rename(self, ticket: Ticket, *, banned: bool = False) -> None:
        if ticket.topic_id is None:
            return
        user = await self.services.users.get(ticket.user_id)
        name = topic_name(
            ticket.ticket_id, user.first_name if user else "", ticket.state, banned=banned
        )
        try:
            await self.bot.edit_forum_topic(self.chat_id, ticket.topic_id, name=name)
        except TelegramError as exc:
            if not (not_modified(exc) or thread_gone(exc)):
                log.warning("could not rename topic of ticket %s: %s", ticket.ticket_id, exc)

    async def close_topic(self, ticket: Ticket) -> None:
        if ticket.topic_id is None:
            return
        try:
            await self.bot.close_forum_topic(self.chat_id, ticket.topic_id)
        except TelegramError as exc:
            if not (not_modified(exc) or thread_gone(exc)):
                log.warning("could not close topic of ticket %s: %s", ticket.ticket_id, exc)

    # ------------------------------------------------------------------------- general topic
    async def post_general(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        try:
            await self.send(text, None, keyboard)
        except TelegramError as exc:
            log.error("could not post in the staff chat: %s", exc)

    def topic_link(self, ticket: Ticket, label: str) -> str:
        """A link agents can tap to open the ticket's topic (supergroup ids are -100<id>)."""
        internal = str(self.chat_id).removeprefix("-100")
        if ticket.topic_id is None or internal == str(self.chat_id):
            return label
        return f'<a href="https://t.me/c/{internal}/{ticket.topic_id}">{label}</a>'

    # ------------------------------------------------------------------------- lobby
    async def refresh_lobby(self) -> None:
        """Bring the lobby up to date; calls during a refresh make it run once more after."""
        self._lobby_dirty = True
        if self._lobby_lock.locked():
            return
        async with self._lobby_lock:
            while self._lobby_dirty:
                self._lobby_dirty = False
                try:
                    await self._update_lobby()
                except TelegramError as exc:
                    log.warning("could not update the lobby: %s", exc)

    async def lobby_view(self) -> tuple[str, InlineKeyboardMarkup | None]:
        t = self.t
        tickets = await self.desk.tickets.open_tickets()
        users = {
            ticket.user_id: await self.services.users.get(ticket.user_id) for ticket in tickets
        }
        moment = now()
        queued = [ticket for ticket in tickets if ticket.state == TicketState.QUEUED]
        assigned = [ticket for ticket in tickets if ticket.state == TicketState.ASSIGNED]
        lines = [bold(t._("🗂 Support queue")), ""]
        if not tickets:
            lines.append(t._("Nobody is waiting. 🎉"))
        if queued:
            lines.append(
                bold(
                    t.ngettext("{count} waiting", "{count} waiting", len(queued), count=len(queued))
                )
            )
        for ticket in queued[:LOBBY_ROWS]:
            record = users.get(ticket.user_id)
            lines.append(
                t._(
                    "• {ticket} · {name} · {age} · {reason}",
                    ticket=self.topic_link(ticket, f"#{ticket.ticket_id}"),
                    name=user_link(ticket.user_id, record.first_name if record else ""),
                    age=minutes_text(t, moment - ticket.queued_at),
                    reason=t._(reason_label(ticket.reason)),
                )
            )
        if len(queued) > LOBBY_ROWS:
            lines.append(t._("… and {count} more", count=len(queued) - LOBBY_ROWS))
        if assigned:
            lines += ["", bold(t._("With an agent: {count}", count=len(assigned)))]
        for ticket in assigned[:LOBBY_ROWS]:
            record = users.get(ticket.user_id)
            lines.append(
                t._(
                    "• {ticket} · {name} · {state}",
                    ticket=self.topic_link(ticket, f"#{ticket.ticket_id}"),
                    name=user_link(ticket.user_id, record.first_name if record else ""),
                    state=state_text(t, ticket),
                )
            )
        buttons = [
            InlineKeyboardButton(
                t._("🙋 Claim #{number}", number=ticket.ticket_id),
                callback_data=pack("sup", "claim", ticket.ticket_id),
            )
            for ticket in queued[:LOBBY_ROWS]
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None

    async def _update_lobby(self) -> None:
        text, keyboard = await self.lobby_view()
        message_id = await self.desk.tickets.lobby_message(self.chat_id)
        if message_id is not None:
            try:
                await self.bot.edit_message_text(
                    text, self.chat_id, message_id, reply_markup=keyboard
                )
                return
            except BadRequest as exc:
                if not_modified(exc):
                    return
                log.info("lobby message %s is gone (%s); sending a new one", message_id, exc)
        message = await self.send(text, None, keyboard)
        await self.desk.tickets.set_lobby_message(self.chat_id, message.message_id)
        try:
            await self.bot.pin_chat_message(
                self.chat_id, message.message_id, disable_notification=True
            )
        except TelegramError as exc:
            log.info("could not pin the lobby: %s", exc)

    # ------------------------------------------------------------------------- closing
    async def after_close(self, ticket: Ticket, notice: str) -> None:
        """Tell the agents, rename and close the topic, update the lobby."""
        await self.post(ticket, notice)
        await self.rename(ticket, banned=ticket.resolution == Resolution.BANNED)
        await self.close_topic(ticket)
        self.release(ticket.ticket_id)
        await self.refresh_lobby()


def minutes_text(t: Translator, seconds: int) -> str:
    minutes = max(seconds // 60, 0)
    if minutes < 60:
        return t.ngettext("{count} min", "{count} min", minutes, count=t.number(minutes))
    hours = minutes // 60
    return t.ngettext("{count} h", "{count} h", hours, count=t.number(hours))


def reply_parameters(message_id: int | None) -> ReplyParameters | None:
    """Reply to a message if it still exists; send plainly if it was deleted meanwhile."""
    if message_id is None:
        return None
    return ReplyParameters(message_id, allow_sending_without_reply=True)
