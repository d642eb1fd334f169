"""Telegram handlers of the scam shield: checks in private chats, reports, and group watch.

Private chats: every text or caption (forwarded or typed) goes through the scan first (text
responder order 20). A ``scam``/``suspicious`` verdict gets a verdict card with the reasons,
what to do, "Report this seller" and, when support is installed, "Talk to a human". A question or
warning *about* a scam gets an explanation of the risk instead. A safe forwarded message gets a
short all-clear; other safe text is left to the features after this one (the FAQ).

Groups: the bot scans what members post and answers ``scam`` offers with a warning, or deletes
them when an admin chose that with ``/watch`` and the bot has the right. It never acts on
admins' messages (nor on anonymous admins or the linked channel), skips the support staff group,
and warns a group at most a few times per window (:mod:`bot.scam.watch`).
"""

from __future__ import annotations

import functools
import html
import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import pack, unpack
from bot.context import BotContext, Services
from bot.home.handlers import back_to_menu_button, button_expired
from bot.i18n import N_, Translator
from bot.plumbing import answer_callback, bold, quote, reply
from bot.registry import ContextSection
from bot.scam.detector import official_coin_prices, prepare, scan
from bot.scam.explain import risk
from bot.scam.model import Verdict
from bot.scam.storage import WATCH_MODES, ScamStore, WatchMode
from bot.scam.watch import WarningLimiter

log = logging.getLogger(__name__)

SHIELD_KEY = "scam_shield"
HOWTO_CALLBACK = pack("scam", "howto")
RESPONDER_ORDER = 20
# Group messages are watched in their own handler group, so features that also handle group
# messages (the support staff group) keep seeing them.
WATCH_HANDLER_GROUP = 10
MAX_REASONS_SHOWN = 4
MAX_RISKS_SHOWN = 4

MODE_LABELS: dict[str, str] = {
    "warn": N_("⚠️ Warn"),
    "delete": N_("🗑 Delete"),
    "off": N_("🔕 Off"),
}
_ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


@dataclass
class Shield:
    """What the handlers share: storage, official prices, and the warning limiter."""

    store: ScamStore
    prices: dict[str, Decimal]
    limiter: WarningLimiter = field(default_factory=WarningLimiter)


def _shield(context: BotContext) -> Shield:
    found: Shield = context.bot_data[SHIELD_KEY]
    return found


def _scan(context: BotContext, text: str, t: Translator, *, forwarded: bool) -> Verdict:
    services = context.services
    return scan(
        text,
        locale=t.locale,
        brand=services.brand,
        translator=t,
        prices=_shield(context).prices,
        forwarded=forwarded,
    )


# ------------------------------------------------------------------------------- private chats
async def check_private_text(update: Update, context: BotContext) -> bool:
    """The text responder: answer offers, questions about offers and forwards; else pass."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return False
    text = message.text or message.caption
    if not text:
        return False
    t = context.t
    forwarded = message.forward_origin is not None
    verdict = _scan(context, text, t, forwarded=forwarded)
    origin = _origin_json(message.forward_origin) if message.forward_origin else None
    check_id = await _shield(context).store.record_check(
        source="forwarded" if forwarded else "private",
        chat_id=message.chat_id,
        user_id=user.id,
        verdict=verdict,
        text=text if verdict.flagged else None,
        forward_origin=origin if verdict.flagged else None,
    )
    if verdict.flagged:
        sender = _origin_name(message.forward_origin) if message.forward_origin else None
        await reply(
            update,
            context,
            verdict_card(t, context.services, verdict, sender),
            card_keyboard(t, context.services, check_id),
            edit=False,
        )
        return True
    if verdict.about:
        await reply(update, context, risk_answer(t, context.services, verdict), _menu(t))
        return True
    if forwarded:
        await reply(update, context, all_clear(t), _menu(t))
        return True
    return False


def verdict_card(t: Translator, services: Services, verdict: Verdict, sender: str | None) -> str:
    title = (
        t._("⛔ <b>This looks like a scam</b>")
        if verdict.verdict == "scam"
        else t._("⚠️ <b>This looks suspicious</b>")
    )
    lines = [title]
    if sender:
        lines.append(t._("Forwarded from {sender}", sender=t.isolate(quote(sender, limit=64))))
    lines += ["", "<b>" + t._("Why") + "</b>"]
    for reason in verdict.reasons[:MAX_REASONS_SHOWN]:
        message = html.escape(reason.message, quote=False)
        evidence = t.isolate(quote(reason.evidence, limit=100))
        lines.append(f"• {message} — «{evidence}»" if reason.evidence else f"• {message}")
    lines += ["", "<b>" + t._("What to do") + "</b>", *what_to_do(t, services)]
    return "\n".join(lines)


def what_to_do(t: Translator, services: Services) -> list[str]:
    url = html.escape(str(services.brand.urls.recharge), quote=False)
    return [
        "• " + t._("Do not pay, and do not share passwords, login codes or card details."),
        "• " + t._("Buy coins only in the official app or at {url}.", url=t.isolate(url)),
        "• " + t._("Block the seller, and report them here so we can warn others."),
    ]


def card_keyboard(
    t: Translator, services: Services, check_id: int, *, reported: bool = False
) -> InlineKeyboardMarkup:
    rows = []
    if not reported:
        rows.append(
            [
                InlineKeyboardButton(
                    t._("🚩 Report this seller"), callback_data=pack("scam", "report", check_id)
                )
            ]
        )
    handoff = services.registry.handoff_data("scam")
    if handoff is not None:
        rows.append([InlineKeyboardButton(t._("🙋 Talk to a human"), callback_data=handoff)])
    rows.append([back_to_menu_button(t)])
    return InlineKeyboardMarkup(rows)


def risk_answer(t: Translator, services: Services, verdict: Verdict) -> str:
    official = services.brand.official_domains[0]
    lines = [t._("🛡 <b>About offers like this</b>"), ""]
    for code in verdict.about[:MAX_RISKS_SHOWN]:
        text = risk(code, t, official=official) if code == "lookalike_domain" else risk(code, t)
        lines.append("• " + html.escape(text, quote=False))
    url = html.escape(str(services.brand.urls.recharge), quote=False)
    lines += [
        "",
        t._("Buy coins only in the official app or at {url}.", url=t.isolate(url)),
        t._("Got a message like this? Forward it to me and I will check it."),
    ]
    return "\n".join(lines)


def all_clear(t: Translator) -> str:
    return "\n".join(
        [
            t._("✅ I found no signs of a scam in this message."),
            "",
            t._(
                "Still, never pay anyone outside the official app or website, and never share "
                "your password or login codes."
            ),
        ]
    )


def howto_text(t: Translator) -> str:
    return "\n".join(
        [
            t._("🛡 <b>Check an offer</b>"),
            "",
            t._(
                "Got a message offering cheap coins, free coins, prizes or to buy your diamonds? "
                "Forward it to me: tap and hold the message, choose Forward, and pick me. You can "
                "also paste its text here, or send /check followed by the text."
            ),
            "",
            t._("I will tell you whether it is a scam, and why."),
        ]
    )


def _menu(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[back_to_menu_button(t)]])


async def show_howto(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    await reply(update, context, howto_text(context.t), _menu(context.t))


async def check_command(update: Update, context: BotContext) -> None:
    """``/check`` alone explains how; ``/check TEXT`` checks the text."""
    message = update.effective_message
    text = ""
    if message is not None and message.text and message.entities:
        command = message.entities[0]  # "/check" or "/check@bot", ASCII: offsets are indexes
        text = message.text[command.offset + command.length :].strip()
    if text and message is not None:
        user = update.effective_user
        t = context.t
        verdict = _scan(context, text, t, forwarded=True)
        check_id = await _shield(context).store.record_check(
            source="private",
            chat_id=message.chat_id,
            user_id=user.id if user else None,
            verdict=verdict,
            text=text if verdict.flagged else None,
        )
        if verdict.flagged:
            body = verdict_card(t, context.services, verdict, None)
            await reply(update, context, body, card_keyboard(t, context.services, check_id))
        else:
            await reply(update, context, all_clear(t), _menu(t))
        return
    await reply(update, context, howto_text(context.t), _menu(context.t))


async def report_seller(update: Update, context: BotContext, check_id_text: str) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    store = _shield(context).store
    check = await store.check(int(check_id_text)) if check_id_text.isdigit() else None
    if check is None or check.user_id != user.id or check.verdict == "safe" or check.text is None:
        await button_expired(update, context)
        return
    t = context.t
    if not await store.report(check.check_id, user.id):
        await answer_callback(update, context, t._("You already reported this seller."))
        return
    await answer_callback(update, context, t._("Thank you, the report is saved."))
    message = query.message
    if isinstance(message, Message) and message.text:
        body = (
            message.text_html
            + "\n\n"
            + t._("✅ Reported. Thank you: reports help us warn others about this seller.")
        )
        keyboard = card_keyboard(t, context.services, check.check_id, reported=True)
        await reply(update, context, body, keyboard)


def _origin_json(origin: MessageOrigin) -> dict[str, Any]:
    """Who a forwarded message came from, as stored with a report."""
    found: dict[str, Any] = {"type": origin.type, "date": int(origin.date.timestamp())}
    if isinstance(origin, MessageOriginUser):
        sender = origin.sender_user
        found.update(user_id=sender.id, username=sender.username, name=sender.full_name)
    elif isinstance(origin, MessageOriginHiddenUser):
        found["name"] = origin.sender_user_name
    elif isinstance(origin, MessageOriginChat):
        chat = origin.sender_chat
        found.update(chat_id=chat.id, username=chat.username, name=chat.title)
    elif isinstance(origin, MessageOriginChannel):
        found.update(
            chat_id=origin.chat.id,
            username=origin.chat.username,
            name=origin.chat.title,
            message_id=origin.message_id,
        )
    return found


def _origin_name(origin: MessageOrigin) -> str | None:
    found = _origin_json(origin)
    name = found.get("name")
    username = found.get("username")
    if name and username:
        return f"{name} (@{username})"
    return str(name or (f"@{username}" if username else "")) or None


# -------------------------------------------------------------------------------------- groups
async def watch_group_message(update: Update, context: BotContext) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or chat.id == context.services.settings.staff_chat_id:
        return
    text = message.text or message.caption
    if not text or message.is_automatic_forward or _posted_as_chat(message, chat):
        return
    shield = _shield(context)
    setting = await shield.store.watch(chat.id)
    if setting.mode == "off":
        return
    services = context.services
    t = services.catalogs[setting.locale or services.settings.default_locale]
    verdict = _scan(context, text, t, forwarded=message.forward_origin is not None)
    if verdict.verdict != "scam":
        return
    author = message.from_user
    if author is None or await _is_admin(context, chat.id, author.id):
        return
    await shield.store.record_check(
        source="group", chat_id=chat.id, user_id=author.id, verdict=verdict
    )
    reason = html.escape(verdict.reasons[0].message, quote=False) if verdict.reasons else ""
    if setting.mode == "delete" and await _can_delete(context, chat):
        try:
            await message.delete()
        except BadRequest as exc:  # already gone, or the right was just taken away
            log.info("could not delete a scam offer in %s: %s", chat.id, exc.message)
        else:
            if shield.limiter.allow(chat.id, time.monotonic()):
                name = t.isolate(quote(author.full_name, limit=64))
                notice = t._(
                    "🛡 I removed a message from {name} that looked like a scam: {reason}",
                    name=name,
                    reason=reason,
                )
                thread = message.message_thread_id if message.is_topic_message else None
                await context.bot.send_message(chat.id, notice, message_thread_id=thread)
            return
    if shield.limiter.allow(chat.id, time.monotonic()):
        await message.reply_text(group_warning(t, services, reason), do_quote=True)


def group_warning(t: Translator, services: Services, reason: str) -> str:
    url = html.escape(str(services.brand.urls.recharge), quote=False)
    return "\n".join(
        [
            t._("⚠️ <b>Careful: this message looks like a scam.</b>"),
            reason,
            t._("Buy coins only in the official app or at {url}.", url=t.isolate(url)),
        ]
    )


def _posted_as_chat(message: Message, chat: Chat) -> bool:
    """Posted by an anonymous admin (as the group itself) or by the group's linked channel."""
    sender = message.sender_chat
    return sender is not None and (sender.id == chat.id or sender.type == ChatType.CHANNEL)


async def _is_admin(context: BotContext, chat_id: int, user_id: int) -> bool:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden) as exc:
        log.info("membership of %s in %s unknown: %s", user_id, chat_id, exc.message)
        return False
    return member.status in _ADMIN_STATUSES


async def _can_delete(context: BotContext, chat: Chat) -> bool:
    """The bot may delete others' messages: any admin in a basic group, the right in a
    supergroup."""
    try:
        member = await context.bot.get_chat_member(chat.id, context.bot.id)
    except TelegramError as exc:
        log.info("own rights in %s unknown: %s", chat.id, exc)
        return False
    if member.status == ChatMemberStatus.OWNER:
        return True
    if member.status != ChatMemberStatus.ADMINISTRATOR:
        return False
    return chat.type == ChatType.GROUP or bool(getattr(member, "can_delete_messages", False))


async def _admin_asking(update: Update, context: BotContext) -> bool:
    chat = update.effective_chat
    message = update.effective_message
    user = update.effective_user
    if chat is None or user is None:
        return False
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous administrator
    return await _is_admin(context, chat.id, user.id)


async def watch_command(update: Update, context: BotContext) -> None:
    """``/watch`` in a group: admins see the panel (or set a mode directly: /watch delete)."""
    chat = update.effective_chat
    user = update.effective_user
    t = context.t
    if chat is None or user is None:
        return
    if chat.type == ChatType.PRIVATE:
        await reply(update, context, watch_in_private(t), _menu(t))
        return
    if not await _admin_asking(update, context):
        await reply(update, context, t._("Only the group's admins can change the scam watch."))
        return
    wanted = (context.args or [""])[0].lower()
    if wanted in WATCH_MODES:
        await _set_mode(update, context, wanted, chat)
        return
    await _show_panel(update, context, chat, edit=False)


def watch_in_private(t: Translator) -> str:
    return t._(
        "Add me to your group, make me an admin, and send /watch there: I will warn the group "
        "about scam offers, or delete them."
    )


async def _show_panel(update: Update, context: BotContext, chat: Chat, *, edit: bool) -> None:
    t = context.t
    setting = await _shield(context).store.watch(chat.id)
    can_delete = await _can_delete(context, chat)
    lines = [
        t._("🛡 <b>Scam watch</b>: {mode}", mode=t._(MODE_LABELS[setting.mode])),
        "",
        t._("Warn: I reply to scam offers with a warning."),
        t._("Delete: I remove scam offers and say why."),
        t._("Off: I stay quiet."),
    ]
    if not can_delete:
        lines += [
            "",
            t._(
                "To let me delete scam offers, make me an admin with the right to delete messages."
            ),
        ]
    buttons = [
        InlineKeyboardButton(
            ("✅ " if mode == setting.mode else "") + t._(MODE_LABELS[mode]),
            callback_data=pack("scam", "watch", mode),
        )
        for mode in WATCH_MODES
        if mode != "delete" or can_delete
    ]
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup([buttons]), edit=edit)


async def _set_mode(update: Update, context: BotContext, mode: WatchMode, chat: Chat) -> None:
    t = context.t
    if mode == "delete" and not await _can_delete(context, chat):
        text = t._("I need to be an admin with the right to delete messages for that.")
        if update.callback_query is not None:
            await answer_callback(update, context, text, alert=True)
        else:
            await reply(update, context, text)
        return
    user = update.effective_user
    assert user is not None
    await _shield(context).store.set_watch(chat.id, mode, t.locale, user.id)
    await answer_callback(update, context, t._("Saved."))
    await _show_panel(update, context, chat, edit=update.callback_query is not None)


async def watch_button(update: Update, context: BotContext, mode: str) -> None:
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None or chat.type == ChatType.PRIVATE or mode not in WATCH_MODES:
        await button_expired(update, context)
        return
    if not await _is_admin(context, chat.id, user.id):
        text = context.t._("Only the group's admins can change the scam watch.")
        await answer_callback(update, context, text, alert=True)
        return
    await _set_mode(update, context, mode, chat)


async def bot_added(update: Update, context: BotContext) -> None:
    """Added to a group: say what the bot does there and how admins control it."""
    change = update.my_chat_member
    if change is None or change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    was_in = change.old_chat_member.status not in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
    now_in = change.new_chat_member.status not in (
        ChatMemberStatus.LEFT,
        ChatMemberStatus.BANNED,
    )
    if was_in or not now_in or change.chat.id == context.services.settings.staff_chat_id:
        return
    t = context.t
    text = "\n".join(
        [
            t._("👋 Hi! I watch this group for scam offers, like cheap or free coins."),
            t._("Admins: send /watch to choose whether I warn, delete such offers, or stay off."),
        ]
    )
    try:
        await context.bot.send_message(change.chat.id, text)
    except Forbidden as exc:  # added without the right to write
        log.info("cannot greet group %s: %s", change.chat.id, exc.message)


# ------------------------------------------------------------------------------------ wiring
async def on_button(update: Update, context: BotContext) -> None:
    data = update.callback_query.data if update.callback_query else None
    args = unpack(data, "scam", 2)
    if args is not None and args[0] == "report":
        await report_seller(update, context, args[1])
    elif args is not None and args[0] == "watch":
        await watch_button(update, context, args[1])
    elif data == HOWTO_CALLBACK:
        await show_howto(update, context)
    else:
        await button_expired(update, context)


VERDICT_LABELS = {"scam": N_("scam"), "suspicious": N_("suspicious")}
CARD_CHECKS = 5


def context_section(store: ScamStore) -> ContextSection:
    """For the support card: the offers this user checked that were not safe."""

    async def section(services: Services, user_id: int, t: Translator) -> list[str]:
        checks = await store.flagged_of_user(user_id, CARD_CHECKS)
        if not checks:
            return []
        lines = [bold(t._("🛡 Offers checked"))]
        for check in checks:
            line = t._(
                "{date} · {verdict} · {reasons}",
                date=t.date_text(check.created_at),
                verdict=t._(VERDICT_LABELS[check.verdict]),
                reasons=check.codes,
            )
            lines.append(line + (" · " + t._("reported") if check.reported else ""))
        return lines

    return section


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    store = ScamStore(services.db)
    application.bot_data[SHIELD_KEY] = Shield(store, official_coin_prices(services.catalog))
    registry = services.registry
    registry.add_context_section("scam", context_section(store), order=30)
    registry.add_warm_up(functools.partial(prepare, services.brand))
    registry.add_menu_entry(N_("🛡 Check an offer"), HOWTO_CALLBACK, order=20)
    registry.add_command("check", N_("Check a seller's offer"), order=20)
    registry.add_command("watch", N_("Guard a group against scam offers"), order=21)
    registry.add_text_responder("scam", check_private_text, order=RESPONDER_ORDER)
    registry.add_action("check_offer", HOWTO_CALLBACK)

    groups = filters.ChatType.GROUPS
    application.add_handler(CommandHandler("check", check_command, filters.ChatType.PRIVATE))
    application.add_handler(CommandHandler("watch", watch_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern="^scam:"))
    application.add_handler(ChatMemberHandler(bot_added, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(
        MessageHandler(
            groups & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND, watch_group_message
        ),
        group=WATCH_HANDLER_GROUP,
    )
