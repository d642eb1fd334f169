"""The staff chat: agents' messages and edits in ticket topics, their commands, their buttons.

Everything in the staff chat comes through :func:`staff_update` (placed first in group 0, so no
other feature, such as a group watcher, takes agents' messages). Commands work only in the staff
chat, only in a ticket's topic, and only for agents: members of the staff chat (asked of
Telegram, cached for a minute) who are on ``SUPPORT_AGENT_IDS`` when it is set. ``/refund``
also needs ``SUPPORT_REFUND_IDS`` (default ``ADMIN_IDS``) and a confirmation button. The same
commands anywhere else are not agent commands at all.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import MessageEntityType
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.callbacks import pack
from bot.context import BotContext
from bot.home.handlers import button_expired
from bot.i18n import Translator
from bot.plumbing import answer_callback, bold, quote
from bot.support.card import state_text
from bot.support.forum import AgentCheck, StaffForum, forum_of
from bot.support.lifecycle import close_ticket, notify_user
from bot.support.relay import relay_from_agent, signature, sync_agent_edit
from bot.support.rules import EventKind, Resolution, TicketState, reason_label, stars
from bot.support.tickets import Ticket
from bot.wallet.handlers import coins_text
from bot.wallet.records import CoinsAlreadySpent, Order, WalletError
from bot.wallet.rules import STARS, OrderState, from_minor

log = logging.getLogger(__name__)

NOTE_LIMIT = 1000
HISTORY_TICKETS = 10
STAFF_BUTTONS = frozenset({"claim", "refund", "keep"})


@dataclass(frozen=True)
class Command:
    name: str
    args: list[str]
    rest: str  # everything after the command, as typed


def parse_command(message: Message, bot_username: str | None) -> Command | None:
    """``/name[@bot] args`` at the start of a text message; None for anything else. A command
    addressed to another bot comes back nameless: not ours to run, and not for the user."""
    text = message.text
    if not text or not message.entities:
        return None
    first = message.entities[0]
    if first.type != MessageEntityType.BOT_COMMAND or first.offset != 0:
        return None
    word = text[1 : first.length]
    name, _, target = word.partition("@")
    if target and bot_username and target.lower() != bot_username.lower():
        return Command("", [], "")
    rest = text[first.length :].strip()
    return Command(name.lower(), rest.split(), rest)


# ------------------------------------------------------------------------------ the dispatcher
async def staff_update(update: Update, context: BotContext) -> None:
    forum = forum_of(context)
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    if message.from_user.id == context.bot.id:
        return
    if update.edited_message is not None:
        await _agent_edit(forum, message)
        return
    command = parse_command(message, context.bot.username)
    if command is not None:
        if command.name in COMMANDS:
            await run_command(forum, message, command)
        return
    if not message.is_topic_message or message.message_thread_id is None or _is_service(message):
        return
    ticket = await forum.desk.tickets.by_topic(message.message_thread_id)
    if ticket is None:
        return
    check = await forum.check_agent(message.from_user, anonymous=message.sender_chat is not None)
    if check != AgentCheck.AGENT:
        await _answer(forum, message, refusal(forum.t, check, relayed=True))
        return
    if not ticket.is_open:
        await _answer(
            forum,
            message,
            forum.t._(
                "Ticket #{number} is closed, so this was not sent to the user.",
                number=ticket.ticket_id,
            ),
        )
        return
    await relay_from_agent(forum, ticket, message)


def _is_service(message: Message) -> bool:
    return bool(
        message.forum_topic_created
        or message.forum_topic_edited
        or message.forum_topic_closed
        or message.forum_topic_reopened
        or message.pinned_message
        or message.new_chat_members
        or message.left_chat_member
    )


async def _agent_edit(forum: StaffForum, message: Message) -> None:
    if message.message_thread_id is None:
        return
    ticket = await forum.desk.tickets.by_topic(message.message_thread_id)
    if ticket is None or not ticket.is_open:
        return
    if await forum.check_agent(message.from_user) == AgentCheck.AGENT:
        await sync_agent_edit(forum, ticket, message)


async def _answer(forum: StaffForum, message: Message, text: str) -> None:
    try:
        await forum.send(text, _thread(message), reply_to=message.message_id)
    except TelegramError as exc:
        log.warning("could not answer in the staff chat: %s", exc)


def _thread(message: Message) -> int | None:
    """The topic a message is in; None for the General topic (whose replies carry a thread id
    Telegram refuses to send into)."""
    return message.message_thread_id if message.is_topic_message else None


def refusal(t: Translator, check: AgentCheck, *, relayed: bool = False) -> str:
    if check == AgentCheck.ANONYMOUS:
        return t._(
            '⛔ Agent actions need your own account: turn off "Remain anonymous" in your admin '
            "rights."
        )
    if relayed:
        return t._("⛔ Not sent to the user: only support agents can answer tickets.")
    return t._("⛔ Only support agents can do that.")


# ------------------------------------------------------------------------------ commands
Action = Callable[[StaffForum, Message, Ticket, User, Command], Awaitable[None]]


async def run_command(forum: StaffForum, message: Message, command: Command) -> None:
    t = forum.t
    agent = message.from_user
    check = await forum.check_agent(agent, anonymous=message.sender_chat is not None)
    if check != AgentCheck.AGENT or agent is None:
        await _answer(forum, message, refusal(t, check))
        return
    ticket = (
        await forum.desk.tickets.by_topic(message.message_thread_id)
        if message.is_topic_message and message.message_thread_id is not None
        else None
    )
    if ticket is None:
        await _answer(forum, message, t._("Use this command in a ticket's topic."))
        return
    await COMMANDS[command.name](forum, message, ticket, agent, command)


async def claim_command(
    forum: StaffForum, message: Message, ticket: Ticket, agent: User, command: Command
) -> None:
    await _answer(forum, message, await claim(forum, ticket, agent))


async def claim(forum: StaffForum, ticket: Ticket, agent: User) -> str:
    t = forum.t
    if not ticket.is_open:
        return t._("Ticket #{number} is closed.", number=ticket.ticket_id)
    outcome = await forum.desk.claim(ticket, agent.id, agent.full_name)
    if outcome.won:
        await forum.rename(outcome.ticket)
        forum.spawn(forum.refresh_lobby())
        return t._(
            "🙋 {agent} took ticket #{number}.",
            agent=quote(agent.full_name, 64),
            number=ticket.ticket_id,
        )
    if outcome.already_yours:
        return t._("Ticket #{number} is already yours.", number=ticket.ticket_id)
    if outcome.ticket.state == TicketState.ASSIGNED:
        return t._(
            "Too late: ticket #{number} is already with {agent}.",
            number=ticket.ticket_id,
            agent=quote(outcome.ticket.agent_name or "?", 64),
        )
    return t._("Ticket #{number} is closed.", number=ticket.ticket_id)


async def unclaim_command(
    forum: StaffForum, message: Message, ticket: Ticket, agent: User, command: Command
) -> None:
    t = forum.t
    if ticket.state != TicketState.ASSIGNED or ticket.agent_id != agent.id:
        text = (
            t._(
                "Only {agent}, who has ticket #{number}, can put it back.",
                agent=quote(ticket.agent_name or "?", 64),
                number=ticket.ticket_id,
            )
            if ticket.state == TicketState.ASSIGNED
            else t._("Ticket #{number} is not claimed by anyone.", number=ticket.ticket_id)
        )
        await _answer(forum, message, text)
        return
    released = await forum.desk.tickets.unclaim(ticket.ticket_id, agent.id)
    await forum.rename(released)
    forum.spawn(forum.refresh_lobby())
    await _answer(
        forum,
        message,
        t._(
            "↩️ {agent} put ticket #{number} back in the queue.",
            agent=quote(agent.full_name, 64),
            number=ticket.ticket_id,
        ),
    )


async def note_command(
    forum: StaffForum, message: Message, ticket: Ticket, agent: User, command: Command
) -> None:
    t = forum.t
    if not command.rest:
        await _answer(forum, message, t._("Usage: /note TEXT (the user never sees notes)."))
        return
    await forum.desk.tickets.add_event(
        ticket.ticket_id, EventKind.NOTE, f"agent:{agent.id}", command.rest[:NOTE_LIMIT]
    )
    await _answer(
        forum,
        message,
        t._(
            "📝 Note saved on ticket #{number}; the user does not see it.", number=ticket.ticket_id
        ),
    )


async def close_command(
    forum: StaffForum, message: Message, ticket: Ticket, agent: User, command: Command
) -> None:
    t = forum.t
    if not ticket.is_open:
        await _answer(forum, message, t._("Ticket #{number} is closed.", number=ticket.ticket_id))
        return
    reason = command.rest[:NOTE_LIMIT] or None
    notice = (
        t._(
            "✅ {agent} closed ticket #{number}: {reason}",
            agent=quote(agent.full_name, 64),
            number=ticket.ticket_id,
            reason=quote(reason, NOTE_LIMIT),
        )
        if reason
        else t._(
            "✅ {agent} closed ticket #{number}.",
            agent=quote(agent.full_name, 64),
            number=ticket.ticket_id,
        )
    )
    closed = await close_ticket(
        forum, ticket, f"agent:{agent.id}", Resolution.AGENT, reason=reason, staff_notice=notice
    )
    if closed is None:
        await _answer(forum, message, t._("Ticket #{number} is closed.", number=ticket.ticket_id))


async def history_command(
    forum: StaffForum, message: Message, ticket: Ticket, agent: User, command: Command
) -> None:
    await _answer(forum, message, await history_text(forum, ticket))


async def history_text(forum: StaffForum, ticket: Ticket) -> str:
    t, desk = forum.t, forum.desk
    zone = desk.config.hours.timezone
    user = await forum.services.users.get(ticket.user_id)
    name = quote(user.first_name if user else str(ticket.user_id), 64)
    lines = [bold(t._("📚 Support history of {name}", name=name)), ""]
    for past in await desk.tickets.for_user(ticket.user_id, HISTORY_TICKETS):
        rating = await desk.tickets.rating(past.ticket_id)
        line = t._(
            "• #{number} · {date} · {state} · {reason}",
            number=past.ticket_id,
            date=t.datetime_text(datetime.fromtimestamp(past.created_at, zone)),
            state=state_text(t, past),
            reason=t._(reason_label(past.reason)),
        )
        if rating is not None:
            line += f" · {stars(rating.score)}"
            if rating.comment:
                line += f" «{quote(rating.comment, 120)}»"
        lines.append(line)
    lines += ["", bold(t._("This ticket, step by step"))]
    for event in await desk.tickets.events(ticket.ticket_id):
        moment = t.datetime_text(datetime.fromtimestamp(event.created_at, zone))
        detail = f" — {quote(event.detail, 200)}" if event.detail else ""
        step = f"{event.from_state} → {event.to_state}" if event.from_state else event.kind.value
        lines.append(f"{moment} · {event.kind.value} · {step} · {quote(event.actor, 40)}{detail}")
    text = "\n".join(lines)
    return text if len(text) <= 4000 else text[:3999] + "…"


async def canned_command(
    forum: StaffForum, message: Message, ticket: Ticket, agent: User, command: Command
) -> None:
    t, desk = forum.t, forum.desk
    canned = desk.config.canned
    user_t = await forum.services.translator_for(ticket.user_id)
    if not command.args:
        lines = [
            bold(
                t._(
                    "Canned replies (sent in the user's language: {language})",
                    language=user_t.locale,
                )
            ),
            "",
        ]
        for name in canned.names:
            preview = canned.get(forum.t.locale, name) or ""
            lines.append(f"• <code>/canned {name}</code> — {quote(preview, 80)}")
        await _answer(forum, message, "\n".join(lines))
        return
    name = command.args[0].lower()
    template = canned.get(user_t.locale, name)
    if template is None:
        await _answer(
            forum,
            message,
            t._(
                "No canned reply called {name}. Send /canned to see them all.", name=quote(name, 40)
            ),
        )
        return
    if not ticket.is_open:
        await _answer(forum, message, t._("Ticket #{number} is closed.", number=ticket.ticket_id))
        return
    values = await _canned_values(forum, ticket, user_t, command.args[1:])
    if isinstance(values, str):
        await _answer(forum, message, values)
        return
    missing = canned.needs(name) - set(values)
    if missing:
        await _answer(
            forum,
            message,
            t._(
                "This reply needs an order, and the user has none. Give one: /canned {name} RD-…",
                name=name,
            ),
        )
        return
    text = template.format(**values) + signature(user_t)
    try:
        sent = await forum.bot.send_message(ticket.user_id, text)
    except Forbidden:
        await forum.services.users.mark_blocked(ticket.user_id)
        await _answer(forum, message, t._("⚠️ Not delivered: the user has blocked the bot."))
        return
    except BadRequest as exc:
        await _answer(
            forum, message, t._("⚠️ Not delivered to the user: {error}", error=quote(exc.message))
        )
        return
    desk.transcript.add(ticket.user_id, sent.message_id, "support", sent.text or "")
    await desk.tickets.add_event(ticket.ticket_id, EventKind.CANNED, f"agent:{agent.id}", name)
    updated = await desk.tickets.first_response(ticket.ticket_id, agent.id, agent.full_name)
    if ticket.state == TicketState.QUEUED:
        await forum.rename(updated)
        forum.spawn(forum.refresh_lobby())
    await _answer(forum, message, t._("📤 Sent to the user:") + "\n" + text)


async def _canned_values(
    forum: StaffForum, ticket: Ticket, user_t: Translator, args: list[str]
) -> dict[str, str] | str:
    """Placeholder values in the user's language, or a message for the agent."""
    services = forum.services
    user = await services.users.get(ticket.user_id)
    values = {
        "first_name": quote(user.first_name if user else "", 64),
        "ticket": str(ticket.ticket_id),
    }
    wallet = services.wallet
    if wallet is None:
        return values
    values["balance"] = coins_text(user_t, await wallet.balance(ticket.user_id))
    if args:
        order = await wallet.order(args[0].upper())
        if order is None or order.user_id != ticket.user_id:
            return forum.t._(
                "Order {reference} is not one of this user's orders.", reference=quote(args[0], 24)
            )
        values["order"] = order.reference
    else:
        recent = await wallet.recent_orders(ticket.user_id, 1)
        if recent:
            values["order"] = recent[0].reference
    return values


# ------------------------------------------------------------------------------ refunds
async def refund_command(
    forum: StaffForum, message: Message, ticket: Ticket, agent: User, command: Command
) -> None:
    t = forum.t
    if not forum.can_refund(agent.id):
        await _answer(forum, message, t._("⛔ Only agents allowed to refund can do that."))
        return
    wallet = forum.services.wallet
    if wallet is None or not command.args:
        await _answer(forum, message, t._("Usage: /refund ORDER (for example /refund RD-…)"))
        return
    order = await wallet.order(command.args[0].upper())
    if order is None or order.user_id != ticket.user_id:
        await _answer(
            forum,
            message,
            t._(
                "Order {reference} is not one of this user's orders.",
                reference=quote(command.args[0], 24),
            ),
        )
        return
    text, keyboard = refund_offer(t, order)
    await forum.send(text, _thread(message), keyboard, reply_to=message.message_id)


def _price(t: Translator, order: Order) -> str:
    if order.currency == STARS:
        return t.stars(order.price_minor)
    return t.money(from_minor(order.price_minor, order.currency), order.currency)


def refund_offer(t: Translator, order: Order) -> tuple[str, InlineKeyboardMarkup | None]:
    facts = t._(
        "Order <code>{reference}</code>: {coins} for {price}.",
        reference=order.reference,
        coins=coins_text(t, order.coins),
        price=_price(t, order),
    )
    refund = pack("sup", "refund", order.reference)
    keep = pack("sup", "keep", order.reference)
    if order.state == OrderState.REFUNDED:
        lines = [facts, t._("It was refunded already; nothing will be reversed twice.")]
        if order.currency != STARS:
            return "\n".join(lines), None
        lines.append(t._("If Telegram did not return the Stars then, you can try that again."))
        retry = InlineKeyboardButton(t._("🔁 Retry the Stars refund"), callback_data=refund)
        return "\n".join(lines), InlineKeyboardMarkup([[retry]])
    if order.state != OrderState.CREDITED:
        return "\n".join(
            [facts, t._("Only a paid order whose coins were added can be refunded.")]
        ), None
    lines = [
        bold(t._("Refund this order?")),
        facts,
        t._("The coins are taken back from the user's wallet and the payment is returned."),
    ]
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t._("✅ Refund"), callback_data=refund),
                InlineKeyboardButton(t._("✖️ Keep"), callback_data=keep),
            ]
        ]
    )
    return "\n".join(lines), keyboard


async def perform_refund(forum: StaffForum, ticket: Ticket, order: Order, agent: User) -> str:
    """Reverse the coins (once, whatever is pressed twice), then return the Stars (Telegram
    refuses a second refund of one payment). Coins first: a Stars refund cannot be undone, so
    it must never happen for coins that are not taken back."""
    t, wallet = forum.t, forum.services.wallet
    assert wallet is not None
    try:
        movement = await wallet.refund(
            order_reference=order.reference,
            actor=f"agent:{agent.id}",
            reason=f"support ticket #{ticket.ticket_id}",
        )
    except CoinsAlreadySpent as exc:
        return t._(
            "Not refunded: the user has already spent coins from this order (balance {balance}, "
            "the order added {coins}).",
            balance=t.number(exc.balance),
            coins=t.number(exc.coins),
        )
    except WalletError as exc:
        return t._("Not refunded: {error}", error=quote(str(exc)))
    lines = [
        t._(
            "Coins reversed: {coins}. Balance now: {balance}.",
            coins=coins_text(t, order.coins),
            balance=coins_text(t, movement.balance),
        )
        if not movement.replayed
        else t._("The coins had been reversed already; nothing was taken twice.")
    ]
    stars_returned = False
    if order.currency == STARS and order.payment_reference:
        try:
            await forum.bot.refund_star_payment(order.user_id, order.payment_reference)
        except TelegramError as exc:
            if isinstance(exc, BadRequest) and "CHARGE_ALREADY_REFUNDED" in exc.message.upper():
                lines.append(t._("Telegram confirms the Stars were returned already."))
            else:
                lines.append(
                    t._(
                        "⚠️ Telegram refused to return the Stars: {error}. Run /refund {reference} "
                        "again to retry.",
                        error=quote(exc.message),
                        reference=order.reference,
                    )
                )
        else:
            stars_returned = True
            lines.append(t._("{stars} returned to the user.", stars=t.stars(order.price_minor)))
    elif order.currency != STARS:
        lines.append(
            t._(
                "Return the payment on the payment platform (reference {payment}).",
                payment=quote(order.payment_reference or "—", 80),
            )
        )
    await forum.desk.tickets.add_event(
        ticket.ticket_id,
        EventKind.REFUND,
        f"agent:{agent.id}",
        f"{order.reference} coins={'again' if movement.replayed else order.coins} "
        f"stars={'returned' if stars_returned else 'no'}",
    )
    if not movement.replayed or stars_returned:
        await _tell_user_refunded(forum, order, stars_returned)
    head = t._(
        "💸 Refund of {reference} by {agent}",
        reference=order.reference,
        agent=quote(agent.full_name, 64),
    )
    return "\n".join([bold(head), *lines])


async def _tell_user_refunded(forum: StaffForum, order: Order, stars_returned: bool) -> None:
    t = await forum.services.translator_for(order.user_id)
    if stars_returned:
        text = t._(
            "💸 Order {reference} was refunded: {stars} are back in your Telegram balance, and "
            "{coins} were taken back from your wallet.",
            reference=order.reference,
            stars=t.stars(order.price_minor),
            coins=coins_text(t, order.coins),
        )
    else:
        text = t._(
            "💸 Order {reference} was refunded: {coins} were taken back from your wallet, and "
            "the payment goes back the way you paid.",
            reference=order.reference,
            coins=coins_text(t, order.coins),
        )
    await notify_user(forum, order.user_id, text)


# ------------------------------------------------------------------------------ bans
async def ban_command(
    forum: StaffForum, message: Message, ticket: Ticket, agent: User, command: Command
) -> None:
    t, desk = forum.t, forum.desk
    if not command.rest:
        await _answer(forum, message, t._("Usage: /ban REASON (the reason stays with the team)."))
        return
    reason = command.rest[:NOTE_LIMIT]
    if not await desk.tickets.ban(ticket.user_id, reason, agent.id):
        await _answer(forum, message, t._("The user is banned from support already."))
        return
    await desk.tickets.add_event(ticket.ticket_id, EventKind.BANNED, f"agent:{agent.id}", reason)
    notice = t._(
        "⛔ {agent} banned the user from support: {reason}",
        agent=quote(agent.full_name, 64),
        reason=quote(reason, NOTE_LIMIT),
    )
    if ticket.is_open:
        await close_ticket(
            forum,
            ticket,
            f"agent:{agent.id}",
            Resolution.BANNED,
            reason=reason,
            staff_notice=notice,
        )
    else:
        await forum.rename(ticket, banned=True)
        await _answer(forum, message, notice)


async def unban_command(
    forum: StaffForum, message: Message, ticket: Ticket, agent: User, command: Command
) -> None:
    t, desk = forum.t, forum.desk
    if not await desk.tickets.unban(ticket.user_id):
        await _answer(forum, message, t._("The user is not banned."))
        return
    await desk.tickets.add_event(ticket.ticket_id, EventKind.UNBANNED, f"agent:{agent.id}")
    await forum.rename(ticket)
    user_t = await forum.services.translator_for(ticket.user_id)
    await notify_user(
        forum, ticket.user_id, user_t._("You can contact the support team again: /human")
    )
    await _answer(
        forum, message, t._("✅ {agent} lifted the ban.", agent=quote(agent.full_name, 64))
    )


COMMANDS: dict[str, Action] = {
    "claim": claim_command,
    "unclaim": unclaim_command,
    "note": note_command,
    "canned": canned_command,
    "close": close_command,
    "refund": refund_command,
    "history": history_command,
    "ban": ban_command,
    "unban": unban_command,
}


# ------------------------------------------------------------------------------ buttons
async def on_staff_button(
    update: Update, context: BotContext, action: str, args: list[str]
) -> None:
    forum = forum_of(context)
    query = update.callback_query
    assert query is not None
    message = query.message if isinstance(query.message, Message) else None
    if message is None or message.chat.id != forum.chat_id or len(args) != 1:
        await button_expired(update, context)
        return
    t = forum.t
    check = await forum.check_agent(query.from_user)
    if check != AgentCheck.AGENT:
        await answer_callback(update, context, refusal(t, check), alert=True)
        return
    if action == "claim":
        ticket = await forum.desk.tickets.get(int(args[0])) if args[0].isdigit() else None
        if ticket is None:
            await answer_callback(update, context, t._("This button has expired."))
            return
        text = await claim(forum, ticket, query.from_user)
        await answer_callback(update, context, _plain(text)[:190], alert=True)
        if ticket.topic_id is not None:
            await forum.post(ticket, text)
        return
    await _refund_button(forum, update, context, action=action, reference=args[0], message=message)


async def _refund_button(
    forum: StaffForum,
    update: Update,
    context: BotContext,
    *,
    action: str,
    reference: str,
    message: Message,
) -> None:
    t = forum.t
    query = update.callback_query
    assert query is not None
    if not forum.can_refund(query.from_user.id):
        await answer_callback(
            update, context, t._("⛔ Only agents allowed to refund can do that."), alert=True
        )
        return
    wallet = forum.services.wallet
    order = await wallet.order(reference) if wallet else None
    ticket = (
        await forum.desk.tickets.by_topic(message.message_thread_id)
        if message.is_topic_message and message.message_thread_id is not None
        else None
    )
    if order is None or ticket is None or order.user_id != ticket.user_id:
        await answer_callback(update, context, t._("This button has expired."))
        return
    await answer_callback(update, context)
    if action == "keep":
        text = t._("Refund of {reference} cancelled; nothing changed.", reference=order.reference)
    else:
        text = await perform_refund(forum, ticket, order, query.from_user)
    try:
        await message.edit_text(text, reply_markup=None)
    except BadRequest as exc:
        log.info("could not edit the refund offer: %s", exc)
        await forum.post(ticket, text)


def _plain(text: str) -> str:
    """A callback answer is plain text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))
