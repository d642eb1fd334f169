"""Copying messages between a user's private chat and their ticket's topic, and their edits.

User -> topic: the message is recorded as pending, then copied by a drain that runs under the
ticket's lock, oldest first; a message that arrives before the topic exists waits for it, and one
whose topic was deleted is copied into the recreated topic. A code or card number is hidden
from agents: such a message is sent to the topic as masked text (or copied with a masked
caption) instead of copied as it is. Failures that cannot heal (the user deleted the message)
are reported in the topic; those that may (network, rights) stay pending for the next drain.

Agent -> user: text is sent anew with the agent's formatting and a "Support" signature in the
user's language (the agent's name never reaches the user); media is copied with the signature
in its caption. A message that cannot be delivered (the user blocked the bot) is reported in the
topic, under the agent's message.
"""

from __future__ import annotations

import logging

from telegram import Message, ReplyParameters
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.i18n import Translator
from bot.plumbing import quote
from bot.support.forum import StaffForum, TopicUnavailable, not_modified, reply_parameters
from bot.support.masking import mask_secrets
from bot.support.pairs import Direction, Pair
from bot.support.rules import EventKind, TicketState
from bot.support.tickets import Ticket

log = logging.getLogger(__name__)

RECENT_TICKETS = 5  # edits and replies refer to messages of the user's last few tickets


def signature(t: Translator) -> str:
    return "\n\n<i>" + t._("— Support team") + "</i>"


def message_summary(message: Message) -> str:
    """One line for the transcript and notices: the text, or an icon for what was sent."""
    text = message.text or message.caption or ""
    if message.text is not None:
        return text
    if message.photo:
        icon = "🖼"
    elif message.sticker:
        icon = f"🏷 {message.sticker.emoji or ''}".strip()
    elif message.voice:
        icon = f"🎤 {message.voice.duration}s"
    elif message.document:
        icon = f"📄 {message.document.file_name or ''}".strip()
    elif message.video or message.video_note or message.animation:
        icon = "🎬"
    elif message.audio:
        icon = "🎵"
    elif message.location or message.venue:
        icon = "📍"
    elif message.contact:
        icon = "📇"
    elif message.successful_payment:
        paid = message.successful_payment
        icon = f"💳 {paid.total_amount} {paid.currency}"
    elif message.invoice:
        icon = f"🧾 {message.invoice.title}"
    else:
        icon = "▫️"
    return f"{icon} {text}".strip()


def _captionable(message: Message) -> bool:
    return bool(
        message.photo
        or message.video
        or message.document
        or message.audio
        or message.voice
        or message.animation
    )


# ------------------------------------------------------------------------- user -> topic
async def relay_from_user(forum: StaffForum, ticket: Ticket, message: Message) -> frozenset[str]:
    """Queue the user's message for the topic; what was hidden from agents ("code", "card")."""
    desk = forum.desk
    text = message.text if message.text is not None else message.caption or ""
    masked = mask_secrets(text)
    reply_to = None
    if message.reply_to_message is not None:
        ids = [t.ticket_id for t in await desk.tickets.for_user(ticket.user_id, RECENT_TICKETS)]
        answered = await desk.pairs.by_copy(ids, Direction.OUT, message.reply_to_message.message_id)
        reply_to = answered.source_message_id if answered else None
    pair = await desk.pairs.add(
        ticket.ticket_id,
        Direction.IN,
        message.message_id,
        masked_text=masked.text if masked.changed else None,
        has_media=message.text is None,
        reply_to=reply_to,
    )
    if pair is None:
        return frozenset()
    await desk.tickets.touch(ticket.ticket_id)
    forum.spawn(drain(forum, ticket.ticket_id))
    return masked.kinds


async def drain(forum: StaffForum, ticket_id: int) -> None:
    """Copy the ticket's pending user messages into its topic, in order."""
    desk = forum.desk
    async with forum.ticket_lock(ticket_id):
        ticket = await desk.tickets.get(ticket_id)
        if ticket is None:
            return
        user_id = ticket.user_id
        for pair in await desk.pairs.pending(ticket_id, Direction.IN):

            async def copy(topic_id: int, pair: Pair = pair) -> int:
                return await _copy_in(forum, user_id, pair, topic_id)

            try:
                ticket, copy_id = await forum.in_topic(ticket, copy)
            except TopicUnavailable as exc:  # rights, network: the next drain tries again
                log.warning("relay of ticket %s paused: %s", ticket_id, exc)
                await forum.report_topic_failure(ticket, exc)
                return
            except BadRequest as exc:  # this message cannot be copied (deleted meanwhile...)
                await desk.pairs.failed(pair.pair_id, exc.message)
                await _report_in_topic(
                    forum,
                    ticket,
                    forum.t._(
                        "⚠️ A message from the user could not be copied here: {error}",
                        error=quote(exc.message),
                    ),
                )
                continue
            except TelegramError as exc:  # network, flood: the next drain tries again
                log.warning("relay of ticket %s paused: %s", ticket_id, exc)
                return
            await desk.pairs.delivered(pair.pair_id, copy_id)


async def _copy_in(forum: StaffForum, user_id: int, pair: Pair, topic_id: int) -> int:
    bot, chat = forum.bot, forum.chat_id
    reply = reply_parameters(pair.reply_to)
    if pair.masked_text is None:
        copied = await bot.copy_message(
            chat,
            user_id,
            pair.source_message_id,
            message_thread_id=topic_id,
            reply_parameters=reply,
        )
        return copied.message_id
    masked = quote(pair.masked_text, limit=MessageLimit.MAX_TEXT_LENGTH - 100)
    if pair.has_media:
        copied = await bot.copy_message(
            chat,
            user_id,
            pair.source_message_id,
            message_thread_id=topic_id,
            caption=quote(pair.masked_text, limit=MessageLimit.CAPTION_LENGTH - 24),
            reply_parameters=reply,
        )
        return copied.message_id
    sent = await bot.send_message(chat, masked, message_thread_id=topic_id, reply_parameters=reply)
    return sent.message_id


async def _report_in_topic(forum: StaffForum, ticket: Ticket, text: str) -> None:
    """A notice from inside the drain (which holds the ticket's lock)."""
    try:
        await forum.in_topic(ticket, lambda topic: forum.send(text, topic))
    except (TelegramError, TopicUnavailable) as exc:
        log.error("could not report in ticket %s: %s", ticket.ticket_id, exc)


# ------------------------------------------------------------------------- agent -> user
async def relay_from_agent(forum: StaffForum, ticket: Ticket, message: Message) -> None:
    desk, services = forum.desk, forum.services
    assert message.from_user is not None
    agent = message.from_user
    reply_to = None
    answered = message.reply_to_message
    if answered is not None and answered.forum_topic_created is None:
        ids = [t.ticket_id for t in await desk.tickets.for_user(ticket.user_id, RECENT_TICKETS)]
        pair_in = await desk.pairs.by_copy(ids, Direction.IN, answered.message_id)
        reply_to = pair_in.source_message_id if pair_in else None
    pair = await desk.pairs.add(
        ticket.ticket_id, Direction.OUT, message.message_id, reply_to=reply_to
    )
    if pair is None:
        return
    t = await services.translator_for(ticket.user_id)
    try:
        copy_id = await _copy_out(forum, ticket.user_id, message, t, reply_to)
    except Forbidden as exc:
        await _not_delivered(forum, ticket, pair, message, exc, blocked=True)
        return
    except BadRequest as exc:
        await _not_delivered(forum, ticket, pair, message, exc, blocked=False)
        return
    await desk.pairs.delivered(pair.pair_id, copy_id)
    desk.transcript.add(ticket.user_id, copy_id, "support", message_summary(message))
    updated = await desk.tickets.first_response(ticket.ticket_id, agent.id, agent.full_name)
    if ticket.state == TicketState.QUEUED and updated.state == TicketState.ASSIGNED:
        await forum.rename(updated)
        forum.spawn(forum.refresh_lobby())


async def _copy_out(
    forum: StaffForum, user_id: int, message: Message, t: Translator, reply_to: int | None
) -> int:
    sign = signature(t)
    signature_length = len(t._("— Support team")) + 2
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    if message.text is not None:
        fits = len(message.text) + signature_length <= MessageLimit.MAX_TEXT_LENGTH
        text = message.text_html + (sign if fits else "")
        sent = await forum.bot.send_message(user_id, text, reply_parameters=reply)
        return sent.message_id
    caption = None
    if _captionable(message):
        own = message.caption_html if message.caption else ""
        fits = len(message.caption or "") + signature_length <= MessageLimit.CAPTION_LENGTH
        caption = (own + sign if own else sign.strip()) if fits else own
    copied = await forum.bot.copy_message(
        user_id, forum.chat_id, message.message_id, caption=caption, reply_parameters=reply
    )
    return copied.message_id


async def _not_delivered(
    forum: StaffForum,
    ticket: Ticket,
    pair: Pair,
    message: Message,
    error: TelegramError,
    *,
    blocked: bool,
) -> None:
    desk, t = forum.desk, forum.t
    await desk.pairs.failed(pair.pair_id, error.message)
    await desk.tickets.add_event(
        ticket.ticket_id, EventKind.DELIVERY_FAILED, "system", error.message[:200]
    )
    if blocked:
        await forum.services.users.mark_blocked(ticket.user_id)
        text = t._(
            "⚠️ Not delivered: the user has blocked the bot. Nothing more can reach them until "
            "they start it again; the ticket stays open."
        )
    else:
        text = t._("⚠️ Not delivered to the user: {error}", error=quote(error.message))
    await forum.post(ticket, text, reply_to=message.message_id)


# ------------------------------------------------------------------------- edits
async def sync_user_edit(forum: StaffForum, message: Message) -> frozenset[str]:
    """The user edited a relayed message: edit its copy in the topic (masked again)."""
    desk = forum.desk
    assert message.from_user is not None
    ids = [t.ticket_id for t in await desk.tickets.for_user(message.from_user.id, RECENT_TICKETS)]
    pair = await desk.pairs.by_source(ids, Direction.IN, message.message_id)
    desk.transcript.add(message.from_user.id, message.message_id, "user", message_summary(message))
    if pair is None or pair.copy_message_id is None:
        return frozenset()
    text = message.text if message.text is not None else message.caption or ""
    masked = mask_secrets(text)
    try:
        if message.text is not None:
            new = (
                quote(masked.text, limit=MessageLimit.MAX_TEXT_LENGTH)
                if masked.changed
                else message.text_html
            )
            await forum.bot.edit_message_text(new, forum.chat_id, pair.copy_message_id)
        elif _captionable(message):
            caption: str | None = message.caption_html if message.caption else None
            if masked.changed:
                caption = quote(masked.text, limit=MessageLimit.CAPTION_LENGTH)
            await forum.bot.edit_message_caption(
                chat_id=forum.chat_id, message_id=pair.copy_message_id, caption=caption
            )
    except TelegramError as exc:
        if not not_modified(exc):
            log.info("edit of user message %s not synced: %s", message.message_id, exc)
    return masked.kinds


async def sync_agent_edit(forum: StaffForum, ticket: Ticket, message: Message) -> None:
    """An agent edited a relayed message: edit the user's copy, signature kept."""
    desk = forum.desk
    pair = await desk.pairs.out_by_source(message.message_id)
    if pair is None or pair.copy_message_id is None:
        return
    t = await forum.services.translator_for(ticket.user_id)
    sign = signature(t)
    try:
        if message.text is not None:
            await forum.bot.edit_message_text(
                message.text_html + sign, ticket.user_id, pair.copy_message_id
            )
        elif _captionable(message):
            own = message.caption_html if message.caption else ""
            await forum.bot.edit_message_caption(
                chat_id=ticket.user_id,
                message_id=pair.copy_message_id,
                caption=own + sign if own else sign.strip(),
            )
    except TelegramError as exc:
        if not_modified(exc):
            return
        await forum.post(
            ticket,
            forum.t._("⚠️ The edit did not reach the user: {error}", error=quote(exc.message)),
            reply_to=message.message_id,
        )
        return
    desk.transcript.add(ticket.user_id, pair.copy_message_id, "support", message_summary(message))
