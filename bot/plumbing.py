"""Cross-cutting handler plumbing, installed once around every feature's handlers.

- group -1: drop replayed updates, record the user, pick their locale;
- group 100: answer any callback query a feature left unanswered (Telegram shows a spinner
  until it is answered);
- the error handler: log the update id, tell the user in their language, never a traceback;
- ``ChatOrderedUpdateProcessor``: updates of different chats run concurrently, updates of one
  chat strictly in arrival order, so a double tap cannot race itself.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections import OrderedDict
from collections.abc import Awaitable
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    TypeHandler,
)

from bot.context import BotContext

log = logging.getLogger(__name__)

TELEGRAM_MESSAGE_LIMIT = 4096
RESOLVE_GROUP = -1
ANSWER_GROUP = 100
_SEEN_UPDATES_KEPT = 10_000


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential within one chat.

    Application starts one task per update in arrival order and asyncio locks are fair, so
    updates of one chat enter their handlers in the order Telegram sent them.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._chat_locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _order_key(update)
        if key is None:
            await coroutine
            return
        lock, waiting = self._chat_locks.get(key, (asyncio.Lock(), 0))
        self._chat_locks[key] = (lock, waiting + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, waiting = self._chat_locks[key]
            if waiting == 1:
                del self._chat_locks[key]
            else:
                self._chat_locks[key] = (lock, waiting - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _order_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user else None


class _SeenUpdates:
    """The most recent update ids, to drop a redelivered update (webhook retries, replays)."""

    def __init__(self, capacity: int = _SEEN_UPDATES_KEPT) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._capacity = capacity

    def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True


async def resolve_user(update: Update, context: BotContext) -> None:
    seen: _SeenUpdates = context.bot_data.setdefault("seen_updates", _SeenUpdates())
    if not seen.first_time(update.update_id):
        log.info("dropping replayed update %s", update.update_id)
        raise ApplicationHandlerStop
    user = update.effective_user
    if user is None or user.is_bot:
        return
    services = context.services
    context.user = await services.users.touch(
        user.id, user.first_name or "", user.username, user.language_code
    )
    context.translator = services.translator(context.user.locale, user.language_code)
    query = update.callback_query
    if query is not None and not query.data:
        # python-telegram-bot routes a query without data to the first CallbackQueryHandler,
        # whatever its pattern; such a query comes from no button we sent.
        await answer_callback(update, context, context.t._("This button has expired."))
        raise ApplicationHandlerStop


async def answer_callback(
    update: Update, context: BotContext, text: str | None = None, *, alert: bool = False
) -> None:
    """Answer the update's callback query once; later calls do nothing."""
    query = update.callback_query
    if query is None or context.callback_answered:
        return
    context.callback_answered = True
    try:
        await query.answer(text=text, show_alert=alert)
    except BadRequest as exc:  # query too old: the user already saw the spinner stop
        log.info("callback %s not answered: %s", query.id, exc)


async def _answer_leftover_callback(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)


async def reply(
    update: Update,
    context: BotContext,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = True,
) -> Message | None:
    """Answer where the user is: edit the message whose button was pressed, else send anew."""
    query = update.callback_query
    if edit and query is not None and isinstance(query.message, Message):
        try:
            result = await query.message.edit_text(text, reply_markup=keyboard)
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return query.message
            log.info("edit failed (%s); sending a new message", exc.message)
        else:
            return result if isinstance(result, Message) else None
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(chat.id, text, reply_markup=keyboard)


def bold(text: str) -> str:
    """A heading. (Never an f-string around ``t._(...)``: extraction cannot see inside it.)"""
    return f"<b>{text}</b>"


def quote(text: str, limit: int = 200) -> str:
    """User text shown back to them: clipped and HTML-escaped."""
    clipped = text if len(text) <= limit else text[: limit - 1] + "…"
    return html.escape(clipped, quote=False)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_user:
        log.info("update %s: user %s blocked the bot", update_id, update.effective_user.id)
        await context.services.users.mark_blocked(update.effective_user.id)
        return
    log.error("update %s failed", update_id, exc_info=error)
    if not isinstance(update, Update):
        return
    await _apologize(update, context)


async def _apologize(update: Update, context: BotContext) -> None:
    # The error handler gets a fresh context, so the locale is looked up again.
    services = context.services
    user = update.effective_user
    record = await services.users.get(user.id) if user else None
    t = services.translator(record.locale if record else None, user.language_code if user else None)
    apology = t._("Sorry, something went wrong on our side. Please try again in a moment.")
    try:
        if isinstance(update.callback_query, CallbackQuery):
            await update.callback_query.answer(apology, show_alert=True)
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await context.bot.send_message(update.effective_chat.id, apology)
    except TelegramError as exc:
        log.warning("could not apologize for update %s: %s", update.update_id, exc)


def install(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, resolve_user), group=RESOLVE_GROUP)
    application.add_handler(
        CallbackQueryHandler(_answer_leftover_callback, block=True), group=ANSWER_GROUP
    )
    application.add_error_handler(on_error)
