"""The desk's periodic work (job queue): auto-close, SLA pings, retries, the lobby.

- a ticket nobody wrote in for ``auto_close_after`` is closed, with a notice to both sides;
- a ticket waiting in the queue longer than ``sla`` of working time is announced once in the
  staff chat's General topic, with a Claim button;
- messages still pending (their topic could not be created or reached) are tried again, and a
  ticket still without a topic gets one;
- the lobby is refreshed, so waiting times stay current.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.callbacks import pack
from bot.db import now
from bot.support.card import user_link
from bot.support.forum import FORUM_KEY, StaffForum, minutes_text
from bot.support.lifecycle import close_ticket
from bot.support.relay import drain
from bot.support.rules import Resolution, TicketState, inactive, sla_due

log = logging.getLogger(__name__)


async def run(context: ContextTypes.DEFAULT_TYPE) -> None:
    forum: StaffForum | None = context.bot_data.get(FORUM_KEY)
    if forum is not None:
        await sweep(forum)


async def check_rights(context: ContextTypes.DEFAULT_TYPE) -> None:
    forum: StaffForum | None = context.bot_data.get(FORUM_KEY)
    if forum is not None:
        await forum.check_own_rights()


async def sweep(forum: StaffForum) -> None:
    desk, t = forum.desk, forum.t
    config = desk.config
    moment = now()
    opened = config.hours.open_since(datetime.now(UTC))
    open_since = int(opened.timestamp()) if opened else None
    for ticket in await desk.tickets.open_tickets():
        if inactive(ticket.last_activity_at, moment, config.auto_close_after):
            hours = max((moment - ticket.last_activity_at) // 3600, 1)
            notice = t.ngettext(
                "🕰 Closed automatically: nobody wrote for {count} hour.",
                "🕰 Closed automatically: nobody wrote for {count} hours.",
                hours,
                count=t.number(hours),
            )
            await close_ticket(
                forum, ticket, "system", Resolution.AUTO, reason="inactive", staff_notice=notice
            )
            continue
        if ticket.topic_id is None:
            try:
                await forum.ensure_topic(ticket)
            except TelegramError as exc:
                await forum.report_topic_failure(ticket, exc)
        pinged = ticket.sla_pinged_at is not None
        due = ticket.state == TicketState.QUEUED and sla_due(
            ticket.queued_at, moment, config.sla, open_since, pinged
        )
        if due and await desk.tickets.mark_sla_pinged(ticket.ticket_id):
            await ping(forum, ticket.ticket_id, moment - ticket.queued_at)
    for ticket_id in await desk.pairs.tickets_with_pending():
        await drain(forum, ticket_id)
    await forum.refresh_lobby()


async def ping(forum: StaffForum, ticket_id: int, waited: int) -> None:
    t = forum.t
    ticket = await forum.desk.tickets.get(ticket_id)
    if ticket is None:
        return
    user = await forum.services.users.get(ticket.user_id)
    text = t._(
        "⏰ {ticket} ({name}) has waited {age} for an agent.",
        ticket=forum.topic_link(ticket, f"#{ticket.ticket_id}"),
        name=user_link(ticket.user_id, user.first_name if user else ""),
        age=minutes_text(t, waited),
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("🙋 Claim #{number}", number=ticket.ticket_id),
                    callback_data=pack("sup", "claim", ticket.ticket_id),
                )
            ]
        ]
    )
    await forum.post_general(text, keyboard)
