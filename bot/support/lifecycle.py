"""What both sides see when a ticket opens or closes, in each side's language.

Opening: the user learns their ticket number, place in the queue, expected wait and, out of
hours, when a reply can be expected; the topic is created in the background. Closing (by an
agent, by the user, by the housekeeping job, by a ban): the user is told, and offered a rating
if an agent had answered; the agents get a notice, the topic is renamed and closed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from babel.dates import format_skeleton, format_time
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import Forbidden, TelegramError

from bot.callbacks import pack
from bot.home.handlers import back_to_menu_button
from bot.i18n import Translator
from bot.support.forum import StaffForum
from bot.support.rules import RATING_SCORES, QueueEstimate, Resolution, TicketState
from bot.support.service import Handoff
from bot.support.tickets import Ticket

log = logging.getLogger(__name__)


async def notify_user(
    forum: StaffForum, user_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    """A message from support to the user outside an update of theirs; None if it failed."""
    try:
        message = await forum.bot.send_message(user_id, text, reply_markup=keyboard)
    except Forbidden:
        await forum.services.users.mark_blocked(user_id)
        return None
    except TelegramError as exc:
        log.warning("could not notify user %s: %s", user_id, exc)
        return None
    forum.desk.transcript.add(user_id, message.message_id, "bot", message.text or "")
    return message


# ------------------------------------------------------------------------------ opening
def moment_text(t: Translator, moment: datetime) -> str:
    """``Mon, Mar 2, 9:00 AM (UTC)`` in the reader's language, in the desk's timezone."""
    locale = t.babel_locale
    day = format_skeleton("MMMEd", moment, locale=locale)
    zone = moment.tzname() or ""
    return t.isolate(f"{day}, {format_time(moment, 'short', locale=locale)} ({zone})")


def wait_text(t: Translator, estimate: QueueEstimate) -> str:
    position = t._("You are number {position} in line.", position=t.number(estimate.position))
    if estimate.wait_seconds is None:
        return position
    minutes = max(round(estimate.wait_seconds / 60), 1)
    if minutes < 90:
        wait = t.ngettext(
            "Expected wait: about {count} minute.",
            "Expected wait: about {count} minutes.",
            minutes,
            count=t.number(minutes),
        )
    else:
        hours = round(minutes / 60)
        wait = t.ngettext(
            "Expected wait: about {count} hour.",
            "Expected wait: about {count} hours.",
            hours,
            count=t.number(hours),
        )
    return f"{position} {wait}"


async def handoff_text(t: Translator, forum: StaffForum, handoff: Handoff) -> str:
    ticket, desk = handoff.ticket, forum.desk
    lines = [
        "<b>"
        + (
            t._("🙋 You are now talking to our support team.")
            if handoff.created
            else t._("🙋 Your request to our support team is open.")
        )
        + "</b>",
        t._("Request #{number}.", number=ticket.ticket_id),
    ]
    if handoff.follow_up_of is not None:
        lines.append(
            t._(
                "It continues your previous request #{number}.",
                number=handoff.follow_up_of.ticket_id,
            )
        )
    if ticket.state == TicketState.ASSIGNED:
        lines.append(t._("A person from our team is on it."))
    else:
        lines.append(wait_text(t, await desk.estimate(ticket)))
    opening = desk.next_opening()
    if opening is not None:
        lines.append(
            t._(
                "Our team is offline right now. Expect a reply from {when}.",
                when=moment_text(t, opening),
            )
        )
    lines += [
        "",
        t._(
            "Write your question here: a person will read it and answer in this chat. "
            "You can send screenshots too."
        ),
        t._("🔒 Never send passwords, login codes or card numbers. We will never ask for them."),
    ]
    return "\n".join(lines)


def back_keyboard(t: Translator, ticket: Ticket) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("⬅️ Back to the bot"), callback_data=pack("sup", "back", ticket.ticket_id)
                )
            ]
        ]
    )


async def after_open(forum: StaffForum, handoff: Handoff) -> None:
    """Background work of a new ticket: its topic (paced) and the lobby."""
    if handoff.created:
        try:
            await forum.ensure_topic(handoff.ticket)
        except TelegramError as exc:
            log.warning("topic for ticket %s not created yet: %s", handoff.ticket.ticket_id, exc)
            await forum.report_topic_failure(handoff.ticket, exc)
        await forum.refresh_lobby()


# ------------------------------------------------------------------------------ closing
def rating_keyboard(t: Translator, ticket: Ticket) -> InlineKeyboardMarkup:
    scores = [
        InlineKeyboardButton(
            f"{score} ⭐", callback_data=pack("sup", "rate", ticket.ticket_id, score)
        )
        for score in RATING_SCORES
    ]
    return InlineKeyboardMarkup([scores, [back_to_menu_button(t)]])


def closed_text(t: Translator, ticket: Ticket, idle_seconds: int) -> str:
    if ticket.resolution == Resolution.BANNED:
        return t._(
            "Your request #{number} is closed. The support team can no longer be reached from "
            "this account.",
            number=ticket.ticket_id,
        )
    if ticket.resolution == Resolution.AUTO:
        hours = max(idle_seconds // 3600, 1)
        head = t.ngettext(
            "Your request #{number} was closed because nobody wrote for {count} hour.",
            "Your request #{number} was closed because nobody wrote for {count} hours.",
            hours,
            number=ticket.ticket_id,
            count=t.number(hours),
        )
    elif ticket.resolution == Resolution.USER:
        head = t._("Your request #{number} is closed.", number=ticket.ticket_id)
    else:
        head = t._("✅ Our team has closed your request #{number}.", number=ticket.ticket_id)
    lines = [head, t._("You are back with the bot. Send /human whenever you need a person again.")]
    if ticket.first_response_at is not None:
        lines += ["", t._("How did we do? Rate this conversation:")]
    return "\n".join(lines)


async def close_ticket(
    forum: StaffForum,
    ticket: Ticket,
    actor: str,
    resolution: Resolution,
    *,
    reason: str | None,
    staff_notice: str,
) -> Ticket | None:
    """Resolve the ticket and tell both sides; None if it was closed already."""
    resolved = await forum.desk.resolve(ticket, actor, resolution, reason)
    if resolved is None:
        return None
    t = await forum.services.translator_for(resolved.user_id)
    keyboard = (
        rating_keyboard(t, resolved)
        if resolved.first_response_at is not None and resolution != Resolution.BANNED
        else InlineKeyboardMarkup([[back_to_menu_button(t)]])
    )
    idle = (resolved.resolved_at or 0) - resolved.last_activity_at
    await notify_user(forum, resolved.user_id, closed_text(t, resolved, idle), keyboard)
    await forum.after_close(resolved, staff_notice)
    return resolved
