"""The user's side of support, and the wiring of the whole feature.

Ways in: the "🙋 Talk to a human" menu entry and every ``human:<reason>`` button other features
show (``registry.enable_handoff``), ``/human``, and ``registry.start_handoff`` for code (the FAQ
after two unsure answers). While a ticket is open the user's messages go to the agent: text
through the text responder at order 0, everything else (photos, documents, voice, stickers,
edits) through a handler placed first in handler group 0. python-telegram-bot runs only the first
matching handler of a group, and features register in group 0; a separate earlier group is not
possible, because group -1 is the plumbing's resolver (replays, user, locale), which must run
first. So the relay filter is cheap and synchronous: it only asks whether the sender is in the
desk's in-memory set of users with an open ticket.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import pack, unpack
from bot.context import BotContext, Services
from bot.home.handlers import (
    back_to_menu_button,
    button_expired,
    main_menu,
    unrecognized_message,
)
from bot.i18n import N_
from bot.plumbing import answer_callback, quote, reply
from bot.support import agents, housekeeping
from bot.support.card import orders_section, wallet_section
from bot.support.forum import FORUM_KEY, StaffForum, forum_of
from bot.support.lifecycle import after_open, back_keyboard, close_ticket, handoff_text
from bot.support.relay import message_summary, relay_from_user, sync_user_edit
from bot.support.rules import COMMENT_LIMIT, RATING_SCORES, Resolution, stars, valid_reason
from bot.support.service import SupportDesk

log = logging.getLogger(__name__)

HANDOFF_PREFIX = "human"
COMMENT_KEY = "support_comment"
COMMENT_TTL = 15 * 60
# Its own group, so it sees every update whatever group 0 did with it (no other feature uses it).
TRANSCRIPT_GROUP = 50
TRANSCRIPT_FLUSH_SECONDS = 2.0
_MEDIA = (
    filters.PHOTO
    | filters.Document.ALL
    | filters.VOICE
    | filters.Sticker.ALL
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.AUDIO
    | filters.ANIMATION
    | filters.LOCATION
    | filters.CONTACT
)


class _HasOpenTicket(filters.MessageFilter):
    """The sender has an open ticket (the desk's in-memory set; filters cannot await)."""

    def __init__(self, desk: SupportDesk) -> None:
        super().__init__(name="HasOpenTicket")
        self.desk = desk

    def filter(self, message: Message) -> bool:
        return message.from_user is not None and self.desk.relays(message.from_user.id)


# ------------------------------------------------------------------------------ handoff
async def start_handoff(update: Update, context: BotContext, reason: str) -> None:
    """Hand the user to a person and say where they stand (also ``registry.start_handoff``)."""
    user = update.effective_user
    assert user is not None
    t, forum = context.t, forum_of(context)
    desk = forum.desk
    if await desk.ban_of(user.id) is not None:
        text = t._("The support team can no longer be reached from this account.")
        await reply(
            update, context, text, InlineKeyboardMarkup([[back_to_menu_button(t)]]), edit=False
        )
        return
    forget_comment(context)  # what they type next is for the agent
    handoff = await desk.hand_off(user.id, reason, f"user:{user.id}")
    forum.spawn(after_open(forum, handoff))
    text = await handoff_text(t, forum, handoff)
    sent = await reply(update, context, text, back_keyboard(t, handoff.ticket), edit=False)
    if sent is not None:
        desk.transcript.add(user.id, sent.message_id, "bot", sent.text or "")


async def human_button(update: Update, context: BotContext) -> None:
    args = unpack(update.callback_query.data if update.callback_query else None, HANDOFF_PREFIX, 1)
    chat = update.effective_chat
    if args is None or not valid_reason(args[0]) or chat is None or chat.type != "private":
        await button_expired(update, context)
        return
    await answer_callback(update, context)
    await start_handoff(update, context, args[0])


async def human_command(update: Update, context: BotContext) -> None:
    await start_handoff(update, context, "command")


# ------------------------------------------------------------------------------ relay
async def ticket_text(update: Update, context: BotContext) -> bool:
    """Text responder (order 0): a rating comment, or a message for the agent."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or update.edited_message is not None:
        return False
    if await take_comment(update, context):
        return True
    return await relay_message(update, context)


async def relay_message(update: Update, context: BotContext) -> bool:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    forum = forum_of(context)
    desk = forum.desk
    if not desk.relays(user.id):
        return False
    ticket = await desk.tickets.open_for_user(user.id)
    if ticket is None:  # closed meanwhile by another path
        desk.relaying.discard(user.id)
        return False
    hidden = await relay_from_user(forum, ticket, message)
    if hidden:
        await warn_about_secrets(update, context)
    return True


async def relay_media(update: Update, context: BotContext) -> None:
    """First in group 0: media and edits of users with an open ticket."""
    message = update.effective_message
    if update.edited_message is not None and message is not None:
        if await sync_user_edit(forum_of(context), message):
            await warn_about_secrets(update, context)
        return
    if not await relay_message(update, context):
        # the ticket closed between the filter and here: answer as the bot would
        await unrecognized_message(update, context)


async def warn_about_secrets(update: Update, context: BotContext) -> None:
    t = context.t
    await reply(
        update,
        context,
        t._(
            "🔒 It looks like you sent a login code or a card number. We hid it from our team. "
            "Never share codes, passwords or card numbers with anyone: we will never ask for them."
        ),
        edit=False,
    )


# ------------------------------------------------------------------------------ user buttons
async def on_user_button(update: Update, context: BotContext, action: str, args: list[str]) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    chat = update.effective_chat
    if (
        chat is None
        or chat.type != "private"
        or not all(arg.isdigit() and len(arg) < 12 for arg in args)
    ):
        await button_expired(update, context)
        return
    desk = forum_of(context).desk
    ticket = await desk.tickets.get(int(args[0]))
    if ticket is None or ticket.user_id != user.id:
        await button_expired(update, context)
        return
    t = context.t
    if action == "back":
        if not ticket.is_open:
            await answer_callback(update, context, t._("This request is already closed."))
            await reply(
                update, context, t._("What would you like to do?"), _menu(context), edit=False
            )
            return
        await answer_callback(update, context)
        await _drop_buttons(query.message)
        await close_ticket(
            forum_of(context),
            ticket,
            f"user:{user.id}",
            Resolution.USER,
            reason=None,
            staff_notice=forum_of(context).t._(
                "👋 The user went back to the bot; the ticket is closed."
            ),
        )
    elif action == "rate" and len(args) == 2 and int(args[1]) in RATING_SCORES:
        await rate(update, context, ticket.ticket_id, int(args[1]))
    elif action == "skip":
        forget_comment(context)
        await answer_callback(update, context)
        await reply(update, context, t._("Thank you for your rating!"), _menu(context))
    else:
        await button_expired(update, context)


def _menu(context: BotContext) -> InlineKeyboardMarkup:
    return main_menu(context.t, context.services.registry)


def forget_comment(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(COMMENT_KEY, None)


async def _drop_buttons(message: object) -> None:
    if isinstance(message, Message):
        try:
            await message.edit_reply_markup(reply_markup=None)
        except TelegramError as exc:
            log.info("could not remove the buttons of %s: %s", message.message_id, exc)


async def rate(update: Update, context: BotContext, ticket_id: int, score: int) -> None:
    t, forum = context.t, forum_of(context)
    desk = forum.desk
    if not await desk.tickets.rate(ticket_id, score):
        await answer_callback(update, context, t._("You have already rated this conversation."))
        return
    await answer_callback(update, context, t._("Thank you!"))
    if context.user_data is not None:
        context.user_data[COMMENT_KEY] = {
            "ticket": ticket_id,
            "until": time.monotonic() + COMMENT_TTL,
        }
    skip = pack("sup", "skip", ticket_id)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(t._("Skip"), callback_data=skip)]])
    await reply(
        update,
        context,
        t._(
            "You rated us {stars}. Anything you want to add? Send a comment, or tap Skip.",
            stars=stars(score),
        ),
        keyboard,
    )
    ticket = await desk.tickets.get(ticket_id)
    if ticket is not None:
        await forum.post(
            ticket,
            forum.t._("⭐ Rating for #{number}: {stars}", number=ticket_id, stars=stars(score)),
        )


async def take_comment(update: Update, context: BotContext) -> bool:
    pending = (context.user_data or {}).get(COMMENT_KEY)
    message = update.effective_message
    if not pending or message is None or message.text is None:
        return False
    assert context.user_data is not None
    context.user_data.pop(COMMENT_KEY, None)
    if pending["until"] < time.monotonic() or message.text.startswith("/"):
        return False
    forum = forum_of(context)
    comment = message.text.strip()[:COMMENT_LIMIT]
    if not comment or not await forum.desk.tickets.comment(pending["ticket"], comment):
        return False
    t = context.t
    await reply(
        update,
        context,
        t._("Thank you! We passed your comment to the team."),
        _menu(context),
        edit=False,
    )
    ticket = await forum.desk.tickets.get(pending["ticket"])
    if ticket is not None:
        await forum.post(
            ticket,
            forum.t._(
                "💬 Comment on #{number}: {comment}",
                number=ticket.ticket_id,
                comment=quote(comment, 1000),
            ),
        )
    return True


async def on_button(update: Update, context: BotContext) -> None:
    data = update.callback_query.data if update.callback_query else None
    for arity in (1, 2, 3):
        args = unpack(data, "sup", arity)
        if args is None:
            continue
        action, rest = args[0], args[1:]
        if action in {"back", "rate", "skip"}:
            await on_user_button(update, context, action, rest)
            return
        if action in agents.STAFF_BUTTONS:
            await agents.on_staff_button(update, context, action, rest)
            return
    await button_expired(update, context)


# ------------------------------------------------------------------------------ transcript
async def record_update(update: Update, context: BotContext) -> None:
    """Own group: keep what the user sent, tapped, and saw, for the context card."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != "private" or user.is_bot:
        return
    transcript = forum_of(context).desk.transcript
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        seen = query.message
        transcript.add(
            user.id, seen.message_id, "bot", message_summary(seen), int(seen.date.timestamp())
        )
        label = next(
            (
                button.text
                for row in (seen.reply_markup.inline_keyboard if seen.reply_markup else ())
                for button in row
                if button.callback_data == query.data
            ),
            None,
        )
        if label:
            transcript.add(user.id, seen.message_id, "press", label)
        return
    message = update.message
    if message is None or filters.StatusUpdate.ALL.check_update(update):
        return
    answered = message.reply_to_message
    if answered is not None and answered.from_user is not None and answered.from_user.is_bot:
        transcript.add(
            user.id,
            answered.message_id,
            "bot",
            message_summary(answered),
            int(answered.date.timestamp()),
        )
    transcript.add(
        user.id, message.message_id, "user", message_summary(message), int(message.date.timestamp())
    )


async def flush_transcript(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.bot_data["services"]
    if services.support is not None:
        await services.support.transcript.flush()


# ------------------------------------------------------------------------------ wiring
def first_in_group_zero(
    application: Application[Any, Any, Any, Any, Any, Any], handler: BaseHandler[Any, Any, Any]
) -> None:
    """python-telegram-bot runs only the first matching handler of a group; these must win
    over any feature's handler for the same messages, whatever order features register in."""
    application.add_handler(handler, group=0)
    group = application.handlers[0]
    group.insert(0, group.pop())


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    desk = services.support
    if desk is None or desk.staff_chat_id is None:
        log.warning("support is off: set STAFF_CHAT_ID to the staff forum's chat id")
        return
    forum = StaffForum(services, desk, application)
    application.bot_data[FORUM_KEY] = forum
    registry = services.registry
    registry.enable_handoff(HANDOFF_PREFIX)
    registry.start_handoff = start_handoff
    registry.add_menu_entry(N_("🙋 Talk to a human"), pack(HANDOFF_PREFIX, "menu"), order=80)
    registry.add_command("human", N_("Talk to a person from support"), order=80)
    registry.add_text_responder("support ticket", ticket_text, order=0)
    registry.add_context_section("wallet", wallet_section, order=10)
    registry.add_context_section("orders", orders_section, order=20)

    private = filters.ChatType.PRIVATE
    first_in_group_zero(
        application,
        MessageHandler(
            private
            & _HasOpenTicket(desk)
            & ((filters.UpdateType.MESSAGE & _MEDIA) | filters.UpdateType.EDITED_MESSAGE),
            relay_media,
        ),
    )
    first_in_group_zero(
        application, MessageHandler(filters.Chat(desk.staff_chat_id), agents.staff_update)
    )
    application.add_handler(CommandHandler("human", human_command, filters=private))
    application.add_handler(CallbackQueryHandler(human_button, pattern=f"^{HANDOFF_PREFIX}:"))
    application.add_handler(CallbackQueryHandler(on_button, pattern="^sup:"))
    application.add_handler(TypeHandler(Update, record_update), group=TRANSCRIPT_GROUP)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            flush_transcript, interval=TRANSCRIPT_FLUSH_SECONDS, first=TRANSCRIPT_FLUSH_SECONDS
        )
        application.job_queue.run_once(housekeeping.check_rights, when=0)
        application.job_queue.run_repeating(
            housekeeping.run, interval=desk.config.housekeeping_interval, first=1
        )
