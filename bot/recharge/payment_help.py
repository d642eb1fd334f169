"""Help with payments: /paysupport, the troubleshooting paths, order status, and /terms.

The troubleshooting paths look at the user's real orders first (a credited order shows its
receipt, a pending web checkout is explained and can be re-checked) and fall back to the general
checks only when there is nothing to show; every path ends with a way to reach a person.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import pack, unpack
from bot.context import BotContext
from bot.home.handlers import back_to_menu_button, button_expired
from bot.i18n import N_, Translator
from bot.plumbing import answer_callback, bold, reply
from bot.recharge.flow import check_payment_button, coins_text, wallet_of
from bot.wallet.handlers import ORDER_STATE_LABELS
from bot.wallet.records import Order
from bot.wallet.rules import STARS, OrderState, from_minor

RECENT_ORDERS = 5
PROBLEMS = {
    "failed": N_("❌ My payment failed"),
    "missing": N_("⏳ Coins didn't arrive"),
    "balance": N_("🧮 My balance looks wrong"),
}


def price_of(t: Translator, order: Order) -> str:
    if order.currency == STARS:
        return t.stars(order.price_minor)
    return t.money(from_minor(order.price_minor, order.currency), order.currency)


def closing_rows(context: BotContext, reason: str) -> list[list[InlineKeyboardButton]]:
    """The end of every help path: a person (when support is installed), and the way back."""
    t, registry = context.t, context.services.registry
    rows = []
    human = registry.handoff_data(reason)
    if human:
        rows.append([InlineKeyboardButton(t._("🙋 Talk to a human"), callback_data=human)])
    rows.append(
        [
            InlineKeyboardButton(t._("⬅️ Payment help"), callback_data=pack("ps", "home")),
            back_to_menu_button(t),
        ]
    )
    return rows


async def paysupport(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    t, user = context.t, update.effective_user
    assert user is not None
    orders = await wallet_of(context).recent_orders(user.id, RECENT_ORDERS)
    lines = [bold(t._("Help with a payment")), ""]
    rows = [
        [
            InlineKeyboardButton(
                t._(
                    "{reference} · {coins} · {state}",
                    reference=o.reference,
                    coins=coins_text(t, o.coins),
                    state=t._(ORDER_STATE_LABELS[o.state]),
                ),
                callback_data=pack("rc", "check", o.reference),
            )
        ]
        for o in orders
    ]
    lines.append(
        t._("Choose the order you need help with, or the problem you have:")
        if orders
        else t._("You have no orders yet. What is the problem?")
    )
    rows += [
        [InlineKeyboardButton(t._(label), callback_data=pack("ps", "t", key))]
        for key, label in PROBLEMS.items()
    ]
    rows += closing_rows(context, "paysupport")[:-1]
    rows.append([back_to_menu_button(t)])
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


def order_help(t: Translator, order: Order, method_kind: str | None) -> str:
    head = bold(t._("Order {reference}", reference=order.reference))
    facts = t._(
        "{coins} · {price} · ordered {date}",
        coins=coins_text(t, order.coins),
        price=price_of(t, order),
        date=t.datetime_text(order.created_at),
    )
    if order.state == OrderState.CREDITED and order.credited_at:
        body = t._(
            "Paid and done: {coins} were added to your wallet on {date}. If you don't see them in "
            "the app, check that you are logged in to the same account.",
            coins=coins_text(t, order.coins),
            date=t.datetime_text(order.credited_at),
        )
    elif order.state == OrderState.PAID:
        body = t._("The payment arrived and the coins are being added. Check again in a minute.")
    elif order.state in {OrderState.CREATED, OrderState.INVOICED} and method_kind == "web_checkout":
        body = t._(
            "We are waiting for the official website to confirm this payment. That usually takes a "
            "few minutes. If you paid and it is still pending after 30 minutes, talk to a human."
        )
    elif order.state in {OrderState.CREATED, OrderState.INVOICED}:
        body = t._(
            "This invoice is not paid yet. It can be paid until {date}.",
            date=t.datetime_text(order.expires_at),
        )
    elif order.state == OrderState.EXPIRED:
        body = t._(
            "This order expired without a payment, so nothing was charged. "
            "You can start again with /recharge."
        )
    elif order.state == OrderState.FAILED:
        body = t._(
            "This payment did not go through and nothing was charged. "
            "Try again, maybe with another method: /recharge"
        )
    else:
        body = t._("This order was refunded.")
    return "\n".join([head, facts, "", body])


async def show_order_status(update: Update, context: BotContext, reference: str) -> None:
    user = update.effective_user
    order = await wallet_of(context).order(reference)
    if order is None or user is None or order.user_id != user.id:
        await button_expired(update, context)
        return
    await answer_callback(update, context)
    method = context.services.catalog.methods.get(order.method)
    rows = []
    if order.state in {OrderState.CREATED, OrderState.INVOICED, OrderState.PAID}:
        rows.append([check_payment_button(context.t, order.reference)])
    rows += closing_rows(context, "paysupport")
    await reply(
        update,
        context,
        order_help(context.t, order, method.kind if method else None),
        InlineKeyboardMarkup(rows),
    )


async def troubleshoot(update: Update, context: BotContext, problem: str) -> None:
    await answer_callback(update, context)
    t, user = context.t, update.effective_user
    assert user is not None
    wallet = wallet_of(context)
    orders = await wallet.recent_orders(user.id, RECENT_ORDERS)
    rows: list[list[InlineKeyboardButton]] = []
    if problem == "failed":
        lines = [bold(t._("When a payment fails")), ""]
        failed = [o for o in orders if o.state in {OrderState.FAILED, OrderState.EXPIRED}]
        if failed:
            lines += [
                t._(
                    "Your order {reference} was not paid, so nothing was charged for it.",
                    reference=failed[0].reference,
                ),
                "",
            ]
        lines += [
            "• "
            + t._("Check that your card or wallet has enough money and allows online payments."),
            "• " + t._("Check that your card details are up to date."),
            "• " + t._("Use a method listed for your region; not every method works everywhere."),
            "• " + t._("Try another method, for example Telegram Stars."),
        ]
        recharge = context.services.registry.action_data("recharge")
        if recharge:
            rows.append([InlineKeyboardButton(t._("🔁 Try again"), callback_data=recharge)])
    elif problem == "missing":
        lines = [bold(t._("Coins that didn't arrive")), ""]
        recent = next(
            (
                o
                for o in orders
                if o.state
                in {OrderState.CREDITED, OrderState.PAID, OrderState.INVOICED, OrderState.CREATED}
            ),
            None,
        )
        if recent is not None:
            method = context.services.catalog.methods.get(recent.method)
            lines.append(order_help(t, recent, method.kind if method else None))
            if recent.state != OrderState.CREDITED:
                rows.append([check_payment_button(t, recent.reference)])
        else:
            lines += [
                "• " + t._("Coins can take a few minutes to appear after a payment."),
                "• " + t._("Make sure you are logged in to the account you recharged."),
                "• " + t._("Look for the receipt from the payment provider in your email."),
            ]
        lines += [
            "",
            t._("Your balance here: {coins}", coins=coins_text(t, await wallet.balance(user.id))),
        ]
    elif problem == "balance":
        balance = await wallet.balance(user.id)
        lines = [
            bold(t._("Checking your balance")),
            "",
            t._(
                "Your balance is {coins}. Every coin that came in or went out is in your "
                "statement, with its date and reference.",
                coins=coins_text(t, balance),
            ),
            t._("If a movement there looks wrong, a person from support can check it with you."),
        ]
        rows.append(
            [InlineKeyboardButton(t._("📜 History"), callback_data=pack("wallet", "hist", 0))]
        )
    else:
        await button_expired(update, context)
        return
    rows += closing_rows(context, f"pay-{problem}")
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def on_button(update: Update, context: BotContext) -> None:
    data = update.callback_query.data if update.callback_query else None
    if unpack(data, "ps", 1) == ["home"]:
        await paysupport(update, context)
    elif (args := unpack(data, "ps", 2)) and args[0] == "t" and args[1] in PROBLEMS:
        await troubleshoot(update, context, args[1])
    elif (args := unpack(data, "rc", 2)) and args[0] == "check":
        await show_order_status(update, context, args[1])
    else:
        await button_expired(update, context)


async def terms(update: Update, context: BotContext) -> None:
    t, brand = context.t, context.services.brand
    text = "\n\n".join(
        [
            bold(t._("Terms for coins bought here")),
            t._(
                "Coins are sold by {operator} for use on {platform}. They are digital items for "
                "gifts and are not money: they cannot be cashed out or exchanged.",
                operator=brand.operator,
                platform=brand.platform,
            ),
            t._(
                "Coins are non-refundable once bought, except where the law or our refund policy "
                "says otherwise. A payment we cannot match to an order is refunded automatically."
            ),
            t._(
                "Coins stay with the account that bought them and cannot be transferred to "
                "another account."
            ),
            t._(
                "Buy coins only here, in the official app or on the official website. Offers from "
                "other sellers are not official and can cost you your coins or your account."
            ),
            t._(
                "Help with a payment: /paysupport. Full policy: {url}",
                url=str(brand.urls.virtual_items_policy),
            ),
        ]
    )
    await reply(update, context, text, edit=False)
