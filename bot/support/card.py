"""The context card pinned at the top of each ticket's topic: who the user is, what the features
know about them, and their last messages with the bot.

The middle of the card is whatever features registered with ``registry.add_context_section``;
support registers the wallet's and the orders' sections here (they show nothing when the wallet
is not installed). The card stays within one Telegram message by dropping the oldest
conversation lines first.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime

from bot.context import Services
from bot.i18n import LOCALE_NAMES, N_, Translator, negotiate_locale
from bot.plumbing import bold
from bot.support.rules import STATE_MARKERS, TicketState, reason_label
from bot.support.tickets import Ticket
from bot.support.transcript import Line
from bot.users import UserRecord

log = logging.getLogger(__name__)

CARD_LIMIT = 3900  # HTML source; the text Telegram counts is shorter
RULE = "━━━━━━━━━━━━"
ROLE_ICONS = {"user": "👤", "press": "🔘", "bot": "🤖", "support": "🎧"}
RECENT_ORDERS = 5
STATE_LABELS = {
    TicketState.QUEUED: N_("waiting for an agent"),
    TicketState.ASSIGNED: N_("with an agent"),
    TicketState.RESOLVED: N_("closed"),
}


def state_text(t: Translator, ticket: Ticket) -> str:
    label = t._(STATE_LABELS.get(ticket.state, STATE_LABELS[TicketState.QUEUED]))
    if ticket.state == TicketState.ASSIGNED and ticket.agent_name:
        label = t._(
            "{state}: {agent}", state=label, agent=html.escape(ticket.agent_name, quote=False)
        )
    return f"{STATE_MARKERS.get(ticket.state, '')} {label}"


def user_link(user_id: int, first_name: str) -> str:
    name = html.escape(first_name or str(user_id), quote=False)
    return f'<a href="tg://user?id={user_id}">{name}</a>'


def identity_lines(t: Translator, services: Services, user: UserRecord) -> list[str]:
    locale = negotiate_locale(user.locale, user.language_code, services.settings.default_locale)
    region = services.catalog.region(user.region) if user.region else None
    username = f"@{html.escape(user.username, quote=False)}" if user.username else "—"
    return [
        t._(
            "👤 {name} · {username} · id <code>{user_id}</code>",
            name=user_link(user.user_id, user.first_name),
            username=username,
            user_id=user.user_id,
        ),
        t._(
            "🌐 Language: {language} · Region: {region}",
            language=f"{LOCALE_NAMES.get(locale, locale)} ({locale})",
            region=html.escape(region.name_in(t.locale), quote=False) if region else "—",
        ),
    ]


def transcript_lines(t: Translator, lines: list[Line], services: Services) -> list[str]:
    zone = services.support.config.hours.timezone if services.support else None
    rendered = []
    for line in lines:
        moment = datetime.fromtimestamp(line.at, zone)
        rendered.append(
            f"{t.datetime_text(moment)} {ROLE_ICONS.get(line.role, '·')} "
            f"{html.escape(line.text, quote=False)}"
        )
    return rendered


async def build_card(services: Services, t: Translator, ticket: Ticket, user: UserRecord) -> str:
    assert services.support is not None
    head = [
        bold(t._("🎫 Ticket #{number}", number=ticket.ticket_id)) + " · " + state_text(t, ticket),
        t._("Reason: {reason}", reason=t._(reason_label(ticket.reason))),
    ]
    if ticket.previous_ticket_id:
        head.append(t._("Follow-up of #{number}", number=ticket.previous_ticket_id))
    head += identity_lines(t, services, user)
    sections: list[str] = []
    for entry in services.registry.context_sections:
        try:
            lines = await entry.provider(services, user.user_id, t)
        except Exception:  # one broken section must not cost the agent the whole card
            log.exception("context section %s failed for user %s", entry.name, user.user_id)
            continue
        if lines:
            sections += [RULE, *lines]
    body = "\n".join(head + sections)
    recent = await services.support.transcript.recent(user.user_id)
    conversation = transcript_lines(t, recent, services)
    title = [RULE, bold(t._("💬 Last messages with the bot"))]
    if not conversation:
        return "\n".join([body, *title, t._("None yet.")])
    while conversation:
        card = "\n".join([body, *title, *conversation])
        if len(card) <= CARD_LIMIT:
            return card
        conversation.pop(0)
    return body[:CARD_LIMIT]


# ------------------------------------------------------------ the wallet's and orders' sections
async def wallet_section(services: Services, user_id: int, t: Translator) -> list[str]:
    wallet = services.wallet
    if wallet is None:
        return []
    from bot.wallet.handlers import coins_text, limits_lines

    lines = [
        bold(t._("👛 Wallet")),
        t._("Balance: {coins}", coins=coins_text(t, await wallet.balance(user_id))),
    ]
    limits = await limits_lines(t, wallet, user_id)
    view = await wallet.spending_limits(user_id)
    if view.lock is not None and view.lock.pending_effective_at:
        limits.append(t._("A parental lock change is waiting to take effect."))
    return lines + (limits or [t._("No budget and no parental lock.")])


async def orders_section(services: Services, user_id: int, t: Translator) -> list[str]:
    wallet = services.wallet
    if wallet is None:
        return []
    from bot.wallet.handlers import order_line

    orders = await wallet.recent_orders(user_id, RECENT_ORDERS)
    lines = [bold(t._("🧾 Last orders"))]
    return lines + ([order_line(t, order) for order in orders] or [t._("No orders.")])
