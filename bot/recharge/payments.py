"""Money arriving: Telegram Stars pre-checkout and payment, and the official website's notices.

Pre-checkout is answered from the database alone (no network calls), well inside Telegram's 10 s.
A Stars payment that cannot be credited (its order is unknown, was already paid, or does not
match) is refunded to the user at once; money is never kept without coins.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.context import BotContext, Services
from bot.db import now
from bot.i18n import Translator
from bot.plumbing import bold
from bot.recharge.flow import coins_text, wallet_of
from bot.recharge.signing import check_notification, payload_key, verify_payload
from bot.wallet.records import (
    IllegalTransition,
    Movement,
    Order,
    PaymentMismatch,
    ReferenceReused,
    UnknownOrder,
    WalletError,
)
from bot.wallet.rules import OPEN_STATES, STARS, LimitKind, ReferenceType, from_minor, to_minor

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------ Telegram Stars
async def pre_checkout(update: Update, context: BotContext) -> None:
    query = update.pre_checkout_query
    assert query is not None
    problem = await pre_checkout_problem(
        context, query.from_user.id, query.invoice_payload, query.currency, query.total_amount
    )
    if problem is None:
        await query.answer(ok=True)
    else:
        await query.answer(ok=False, error_message=problem)


async def pre_checkout_problem(
    context: BotContext, user_id: int, payload: str, currency: str, total_amount: int
) -> str | None:
    """Why this checkout must be refused, in the user's language; None to let it through."""
    t, services = context.t, context.services
    reference = verify_payload(payload_key(services.settings.token), payload)
    wallet = wallet_of(context)
    order = await wallet.order(reference) if reference else None
    if order is None or order.user_id != user_id:
        return t._("This invoice is not valid. Please start a new recharge with /recharge.")
    if (currency, total_amount) != (order.currency, order.price_minor):
        return t._(
            "The price of this invoice has changed. Please start a new recharge with /recharge."
        )
    if order.state not in OPEN_STATES:
        return t._("This order is already paid or closed. Check /balance, or start a new recharge.")
    if order.expires_at <= now():
        return t._("This invoice has expired. Please start a new recharge with /recharge.")
    decision = await wallet.check_purchase(user_id, order.local_price_minor)
    if not decision.allowed and decision.blocked_by is not None:
        limit = decision.blocked_by
        left = t.money(from_minor(limit.remaining_minor, limit.currency), limit.currency)
        if limit.kind == LimitKind.PARENTAL:
            return t._(
                "This is over the monthly limit a parent or guardian set ({left} left).", left=left
            )
        return t._("This is over your monthly budget ({left} left). See /budget.", left=left)
    return None


async def successful_payment(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and message.successful_payment is not None
    paid = message.successful_payment
    t, services = context.t, context.services
    reference = verify_payload(payload_key(services.settings.token), paid.invoice_payload) or ""
    try:
        movement = await wallet_of(context).credit_payment(
            order_reference=reference,
            payment_reference=paid.telegram_payment_charge_id,
            reference_type=ReferenceType.TELEGRAM_CHARGE,
            amount_minor=paid.total_amount,
            currency=paid.currency,
            actor="telegram",
        )
    except (UnknownOrder, PaymentMismatch, IllegalTransition, ReferenceReused) as exc:
        log.error(
            "stars payment %s could not be credited: %s", paid.telegram_payment_charge_id, exc
        )
        await refund_uncreditable(
            context, message.chat_id, paid.telegram_payment_charge_id, paid.total_amount
        )
        return
    if movement.replayed:
        log.info(
            "stars payment %s delivered again; nothing credited", paid.telegram_payment_charge_id
        )
    await send_receipt(context.bot, t, message.chat_id, movement, services)
    await send_budget_warnings(context.bot, t, message.chat_id, services, message.chat_id)


async def refund_uncreditable(
    context: BotContext, user_id: int, charge_id: str, stars: int
) -> None:
    t = context.t
    try:
        await context.bot.refund_star_payment(user_id=user_id, telegram_payment_charge_id=charge_id)
    except TelegramError as exc:
        log.error("refund of stars payment %s failed: %s", charge_id, exc)
        text = t._(
            "We received your payment but could not match it to an order, and the automatic "
            "refund did not go through. Please send /paysupport and quote this reference: {charge}",
            charge=charge_id[:24],
        )
    else:
        text = t._(
            "We received a payment we could not match to an open order, so we refunded it right "
            "away: {stars} are back in your Telegram balance. Please start a new recharge with "
            "/recharge.",
            stars=t.stars(stars),
        )
    await context.bot.send_message(user_id, text)


def receipt_text(t: Translator, movement: Movement, services: Services) -> str:
    order = movement.order
    assert order is not None
    paid = (
        t.stars(order.price_minor)
        if order.currency == STARS
        else t.money(from_minor(order.price_minor, order.currency), order.currency)
    )
    method = services.catalog.methods.get(order.method)
    return "\n".join(
        [
            bold(t._("✅ Payment received")),
            "",
            t._("{coins} were added to your wallet.", coins=coins_text(t, order.coins)),
            t._("New balance: {balance}", balance=coins_text(t, movement.balance)),
            t._(
                "Paid: {price} ({method})",
                price=paid,
                method=method.name if method else order.method,
            ),
            t._("Order: <code>{reference}</code>", reference=order.reference),
        ]
    )


async def send_receipt(
    bot: Bot, t: Translator, chat_id: int, movement: Movement, services: Services
) -> None:
    keyboard = None
    wallet_action = services.registry.action_data("wallet")
    if wallet_action:
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t._("👛 Wallet"), callback_data=wallet_action)]]
        )
    await bot.send_message(chat_id, receipt_text(t, movement, services), reply_markup=keyboard)


async def send_budget_warnings(
    bot: Bot, t: Translator, chat_id: int, services: Services, user_id: int
) -> None:
    assert services.wallet is not None
    for percent, limit in await services.wallet.budget_warnings(user_id):
        values = {
            "spent": t.money(from_minor(limit.spent_minor, limit.currency), limit.currency),
            "limit": t.money(from_minor(limit.limit_minor, limit.currency), limit.currency),
        }
        if percent >= 100:
            text = t._(
                "⚠️ You have used your whole monthly budget: {spent} of {limit}. "
                "Further purchases this month will be stopped.",
                **values,
            )
        else:
            text = t._(
                "⚠️ You have used over 80% of your monthly budget: {spent} of {limit}.", **values
            )
        await bot.send_message(chat_id, text)


# ----------------------------------------------------------------- official web checkout
class PaymentNotification(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    order_ref: str = Field(min_length=1, max_length=64)
    external_payment_id: str = Field(min_length=1, max_length=200)
    amount: str = Field(min_length=1, max_length=32)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    status: str = Field(pattern=r"^(paid|failed)$")


def error(status: int, code: str, detail: str = "") -> web.Response:
    return web.json_response({"ok": False, "error": code, "detail": detail}, status=status)


def notification_handler(services: Services, bot: Bot) -> Any:
    """POST /payments/notify: the official website tells us a checkout was paid (or failed)."""

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        secret = services.settings.payment_webhook_secret
        problem = check_notification(
            secret.get_secret_value() if secret else None,
            request.headers.get("X-Timestamp"),
            request.headers.get("X-Signature"),
            body,
            now(),
        )
        if problem is not None:
            log.warning("payment notification rejected: %s", problem)
            return error(503 if problem == "not_configured" else 401, problem)
        try:
            notice = PaymentNotification.model_validate(json.loads(body))
            amount = Decimal(notice.amount)
            amount_minor = to_minor(amount, notice.currency)
        except (ValueError, ValidationError, InvalidOperation) as exc:
            log.warning("payment notification malformed: %s", exc)
            return error(400, "malformed", str(exc)[:200])
        return await apply_notification(services, bot, notice, amount_minor)

    return handle


async def apply_notification(
    services: Services, bot: Bot, notice: PaymentNotification, amount_minor: int
) -> web.Response:
    wallet = services.wallet
    assert wallet is not None
    order = await wallet.order(notice.order_ref)
    if order is None:
        log.warning("payment notification for unknown order %s", notice.order_ref)
        return error(404, "unknown_order")
    t = await services.translator_for(order.user_id)
    if notice.status == "failed":
        return await checkout_failed(services, bot, t, order)
    try:
        movement = await wallet.credit_payment(
            order_reference=order.reference,
            payment_reference=notice.external_payment_id,
            reference_type=ReferenceType.EXTERNAL_PAYMENT,
            amount_minor=amount_minor,
            currency=notice.currency,
            actor="platform",
        )
    except PaymentMismatch:
        log.warning("payment notification for %s does not match its price", order.reference)
        return error(422, "amount_mismatch")
    except (IllegalTransition, ReferenceReused) as exc:
        log.warning("payment notification for %s refused: %s", order.reference, exc)
        return error(409, "conflict", str(exc))
    if not movement.replayed:
        await notify_user(bot, t, order.user_id, movement, services)
    return web.json_response(
        {
            "ok": True,
            "order_ref": order.reference,
            "duplicate": movement.replayed,
            "balance": movement.balance,
        }
    )


async def checkout_failed(
    services: Services, bot: Bot, t: Translator, order: Order
) -> web.Response:
    assert services.wallet is not None
    try:
        await services.wallet.mark_failed(order.reference, "the website reported a failed payment")
    except WalletError:
        return error(409, "conflict", f"order is {order.state}")
    text = t._(
        "The payment for order {reference} did not go through, and nothing was charged. You can "
        "try again with another method: /recharge",
        reference=order.reference,
    )
    await safe_send(bot, order.user_id, text)
    return web.json_response({"ok": True, "order_ref": order.reference, "state": "failed"})


async def notify_user(
    bot: Bot, t: Translator, user_id: int, movement: Movement, services: Services
) -> None:
    try:
        await send_receipt(bot, t, user_id, movement, services)
        await send_budget_warnings(bot, t, user_id, services, user_id)
    except TelegramError as exc:  # the coins are credited either way; /balance shows them
        log.warning("could not tell user %s about their payment: %s", user_id, exc)


async def safe_send(bot: Bot, chat_id: int, text: str) -> None:
    try:
        await bot.send_message(chat_id, text)
    except TelegramError as exc:
        log.warning("could not message %s: %s", chat_id, exc)
