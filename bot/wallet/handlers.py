"""Telegram side of the wallet: /balance, /history, /budget, the parental lock, "My orders".

Typed answers (a budget amount, a limit, a PIN) are collected through a text responder that only
answers while the user is in the middle of one of these steps; a PIN message is deleted from the
chat as soon as it is read.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.callbacks import pack, unpack
from bot.catalog import AmountError, parse_money_amount
from bot.context import BotContext, Services
from bot.home.handlers import back_to_menu_button, button_expired
from bot.i18n import N_, Translator
from bot.plumbing import answer_callback, bold, reply
from bot.wallet.records import Entry, Order, PinProblem, WalletError
from bot.wallet.rules import EntryKind, LimitKind, OrderState, currency_digits, from_minor
from bot.wallet.service import Wallet

log = logging.getLogger(__name__)

PAGE_SIZE = 8
INPUT_KEY = "wallet_input"
INPUT_TTL = 10 * 60
HOUSEKEEPING_INTERVAL = 60

ENTRY_LABELS = {
    EntryKind.RECHARGE: N_("Recharge"),
    EntryKind.DEBIT: N_("Spent on gifts"),
    EntryKind.REFUND: N_("Refund"),
    EntryKind.ADJUSTMENT: N_("Correction by support"),
}
ORDER_STATE_LABELS = {
    OrderState.CREATED: N_("waiting for payment"),
    OrderState.INVOICED: N_("waiting for payment"),
    OrderState.PAID: N_("paid, adding coins"),
    OrderState.CREDITED: N_("coins added"),
    OrderState.EXPIRED: N_("expired"),
    OrderState.FAILED: N_("failed"),
    OrderState.REFUNDED: N_("refunded"),
}


def wallet_of(context: BotContext) -> Wallet:
    wallet = context.services.wallet
    assert wallet is not None
    return wallet


def money(t: Translator, amount_minor: int, currency: str) -> str:
    return t.money(from_minor(amount_minor, currency), currency)


def limits_currency_for(context: BotContext, preferred: str | None) -> str:
    """Limits are kept in one currency: the existing one, else the user's region's."""
    if preferred:
        return preferred
    services = context.services
    region_id = (context.user.region if context.user else None) or services.catalog.guess_region(
        context.t.locale
    )
    region = services.catalog.region(region_id)
    return region.currency if region else "USD"


# ------------------------------------------------------------------------------ views
async def wallet_home(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    t, user = context.t, update.effective_user
    assert user is not None
    wallet = wallet_of(context)
    balance = await wallet.balance(user.id)
    lines = [
        bold(t._("Your wallet")),
        "",
        t._("Balance: {coins}", coins=coins_text(t, balance)),
    ]
    lines += await limits_lines(t, wallet, user.id)
    rows = [
        [
            InlineKeyboardButton(t._("📜 History"), callback_data=pack("wallet", "hist", 0)),
            InlineKeyboardButton(t._("🧾 My orders"), callback_data=pack("wallet", "orders")),
        ],
        [
            InlineKeyboardButton(t._("🎯 Budget"), callback_data=pack("wallet", "budget")),
            InlineKeyboardButton(t._("🔒 Parental lock"), callback_data=pack("wallet", "lock")),
        ],
    ]
    recharge = context.services.registry.action_data("recharge")
    if recharge:
        rows.append([InlineKeyboardButton(t._("➕ Recharge coins"), callback_data=recharge)])
    rows.append([back_to_menu_button(t)])
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


def coins_text(t: Translator, coins: int) -> str:
    return t.ngettext("{count} coin", "{count} coins", coins, count=t.number(coins))


async def limits_lines(t: Translator, wallet: Wallet, user_id: int) -> list[str]:
    view = await wallet.spending_limits(user_id)
    lines = []
    for limit in view.spending:
        values = {
            "spent": money(t, limit.spent_minor, limit.currency),
            "limit": money(t, limit.limit_minor, limit.currency),
        }
        if limit.kind == LimitKind.BUDGET:
            lines.append(t._("Budget this month: {spent} of {limit}", **values))
        else:
            lines.append(t._("Parental limit this month: {spent} of {limit}", **values))
    return lines


async def show_balance(update: Update, context: BotContext) -> None:
    t, user = context.t, update.effective_user
    assert user is not None
    balance = await wallet_of(context).balance(user.id)
    keyboard = [[InlineKeyboardButton(t._("📜 History"), callback_data=pack("wallet", "hist", 0))]]
    recharge = context.services.registry.action_data("recharge")
    if recharge:
        keyboard[0].append(InlineKeyboardButton(t._("➕ Recharge coins"), callback_data=recharge))
    text = t._("You have {coins}.", coins=coins_text(t, balance))
    await reply(update, context, text, InlineKeyboardMarkup(keyboard), edit=False)


def entry_line(t: Translator, entry: Entry, orders_by_id: dict[int, Order]) -> str:
    order = orders_by_id.get(entry.order_id) if entry.order_id else None
    reference = order.reference if order else entry.reference[:24]
    amount = t.number(entry.amount) if entry.amount < 0 else t.isolate("+" + t.number(entry.amount))
    return t._(
        "{date} · <b>{amount}</b> · {label} · <code>{reference}</code> · balance {balance}",
        date=t.date_text(entry.created_at),
        amount=amount,
        label=t._(ENTRY_LABELS[entry.kind]),
        reference=reference,
        balance=t.number(entry.balance_after),
    )


async def show_history(update: Update, context: BotContext, page: int = 0) -> None:
    await answer_callback(update, context)
    t, user = context.t, update.effective_user
    assert user is not None
    wallet = wallet_of(context)
    entries, total = await wallet.statement(user.id, page=page, page_size=PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if page >= pages and total:
        await button_expired(update, context)
        return
    orders = {o.order_id: o for o in await wallet.recent_orders(user.id, 200)}
    if not entries:
        text = t._("No coin movements yet.")
    else:
        header = t._(
            "<b>Statement</b> (page {page} of {pages})",
            page=t.number(page + 1),
            pages=t.number(pages),
        )
        text = "\n".join([header, "", *(entry_line(t, e, orders) for e in entries)])
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(t._("◀ Newer"), callback_data=pack("wallet", "hist", page - 1))
        )
    if page + 1 < pages:
        nav.append(
            InlineKeyboardButton(t._("Older ▶"), callback_data=pack("wallet", "hist", page + 1))
        )
    rows = [nav] if nav else []
    rows.append([InlineKeyboardButton(t._("⬅️ Wallet"), callback_data=pack("wallet", "home"))])
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def history_command(update: Update, context: BotContext) -> None:
    await show_history(update, context, 0)


async def show_orders(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    t, user = context.t, update.effective_user
    assert user is not None
    orders = await wallet_of(context).recent_orders(user.id, 10)
    if not orders:
        text = t._("You have no orders yet.")
    else:
        lines = [bold(t._("Your recent orders")), ""]
        lines += [order_line(t, order) for order in orders]
        text = "\n".join(lines)
    rows = [[InlineKeyboardButton(t._("⬅️ Wallet"), callback_data=pack("wallet", "home"))]]
    await reply(update, context, text, InlineKeyboardMarkup(rows))


def order_line(t: Translator, order: Order) -> str:
    price = (
        t.stars(order.price_minor)
        if order.currency == "XTR"
        else money(t, order.price_minor, order.currency)
    )
    return t._(
        "<code>{reference}</code> · {date} · {coins} · {price} · {state}",
        reference=order.reference,
        date=t.date_text(order.created_at),
        coins=coins_text(t, order.coins),
        price=price,
        state=t._(ORDER_STATE_LABELS[order.state]),
    )


# ----------------------------------------------------------------------------- budget
async def show_budget(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    t, user = context.t, update.effective_user
    assert user is not None
    view = await wallet_of(context).spending_limits(user.id)
    lines = [bold(t._("Monthly budget")), ""]
    if view.budget is None:
        lines.append(
            t._(
                "You have no budget. Set one and I will warn you at 80% and stop purchases "
                "that would go over it."
            )
        )
    else:
        lines += await limits_lines(t, wallet_of(context), user.id)
    rows = [[InlineKeyboardButton(t._("✏️ Set budget"), callback_data=pack("wallet", "setbudget"))]]
    if view.budget is not None:
        rows[0].append(
            InlineKeyboardButton(t._("🗑 Remove budget"), callback_data=pack("wallet", "rmbudget"))
        )
    rows.append(
        [InlineKeyboardButton(t._("🔒 Parental lock"), callback_data=pack("wallet", "lock"))]
    )
    rows.append([InlineKeyboardButton(t._("⬅️ Wallet"), callback_data=pack("wallet", "home"))])
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def budget_command(update: Update, context: BotContext) -> None:
    """``/budget`` shows it; ``/budget 50`` sets it; ``/budget off`` removes it."""
    if context.args:
        argument = " ".join(context.args)
        if argument.lower() in {"off", "remove", "0"}:
            await remove_budget(update, context)
        else:
            await save_budget(update, context, argument)
        return
    await show_budget(update, context)


async def ask_budget(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    t, user = context.t, update.effective_user
    assert user is not None
    currency = limits_currency_for(context, await wallet_of(context).limits_currency(user.id))
    expect_input(context, "budget")
    text = t._(
        "How much do you want to spend on coins per month at most? "
        "Send an amount in {currency}, for example {example}.",
        currency=currency,
        example=t.money(Decimal(50), currency),
    )
    await reply(update, context, text, cancel_keyboard(t))


async def save_budget(update: Update, context: BotContext, text: str) -> None:
    t, user = context.t, update.effective_user
    assert user is not None
    wallet = wallet_of(context)
    currency = limits_currency_for(context, await wallet.limits_currency(user.id))
    amount = parse_money_amount(text, currency_digits(currency))
    if isinstance(amount, AmountError):
        expect_input(context, "budget")
        await reply(
            update, context, amount_problem(t, amount, currency), cancel_keyboard(t), edit=False
        )
        return
    clear_input(context)
    try:
        await wallet.set_budget(user.id, amount, currency)
    except WalletError:
        await reply(
            update,
            context,
            t._("The budget must use the same currency as the parental lock."),
            edit=False,
        )
        return
    await reply(
        update,
        context,
        t._("Done: your monthly budget is {amount}.", amount=t.money(amount, currency)),
        back_to_wallet(t),
        edit=False,
    )


async def remove_budget(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    t, user = context.t, update.effective_user
    assert user is not None
    removed = await wallet_of(context).remove_budget(user.id)
    text = t._("Your budget is removed.") if removed else t._("You have no budget to remove.")
    await reply(update, context, text, back_to_wallet(t))


# ---------------------------------------------------------------------- parental lock
async def show_lock(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    t, user = context.t, update.effective_user
    assert user is not None
    lock = (await wallet_of(context).spending_limits(user.id)).lock
    lines = [bold(t._("Parental lock")), ""]
    rows: list[list[InlineKeyboardButton]] = []
    if lock is None:
        lines.append(
            t._(
                "A parent or guardian can set a monthly spending limit protected by a PIN. "
                "Raising or removing it needs the PIN and only takes effect 24 hours later."
            )
        )
        rows.append(
            [InlineKeyboardButton(t._("🔒 Set up"), callback_data=pack("wallet", "lockset"))]
        )
    else:
        lines.append(t._("Monthly limit: {limit}", limit=money(t, lock.limit_minor, lock.currency)))
        if lock.pending_effective_at:
            when = t.datetime_text(lock.pending_effective_at)
            if lock.pending_lift:
                lines.append(t._("The lock will be removed on {when}.", when=when))
            elif lock.pending_limit_minor is not None:
                lines.append(
                    t._(
                        "The limit will rise to {limit} on {when}.",
                        limit=money(t, lock.pending_limit_minor, lock.currency),
                        when=when,
                    )
                )
        rows.append(
            [
                InlineKeyboardButton(
                    t._("✏️ Change limit"), callback_data=pack("wallet", "lockchange")
                ),
                InlineKeyboardButton(
                    t._("🔓 Remove lock"), callback_data=pack("wallet", "locklift")
                ),
            ]
        )
    rows.append([InlineKeyboardButton(t._("⬅️ Wallet"), callback_data=pack("wallet", "home"))])
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def ask_lock_limit(update: Update, context: BotContext, step: str) -> None:
    await answer_callback(update, context)
    t, user = context.t, update.effective_user
    assert user is not None
    currency = limits_currency_for(context, await wallet_of(context).limits_currency(user.id))
    expect_input(context, step)
    text = t._(
        "Send the monthly limit in {currency} (0 blocks all purchases), for example {example}.",
        currency=currency,
        example=t.money(Decimal(20), currency),
    )
    await reply(update, context, text, cancel_keyboard(t))


async def ask_lift_pin(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    expect_input(context, "lift_pin")
    await reply(
        update,
        context,
        context.t._("Send the PIN to remove the lock. It will be removed 24 hours from now."),
        cancel_keyboard(context.t),
    )


async def say(
    update: Update, context: BotContext, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    await reply(update, context, text, keyboard, edit=False)


def next_step_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    """Cancel while another answer is expected, else the way back to the wallet."""
    waiting = context.user_data is not None and INPUT_KEY in context.user_data
    return cancel_keyboard(context.t) if waiting else back_to_wallet(context.t)


async def take_lock_input(
    update: Update, context: BotContext, step: str, data: dict[str, Any], text: str
) -> None:
    if step in {"lock_limit", "change_limit"}:
        await take_limit(update, context, step, text)
    else:
        await take_pin(update, context, step, data, text.strip())


async def take_limit(update: Update, context: BotContext, step: str, text: str) -> None:
    t, user = context.t, update.effective_user
    assert user is not None
    wallet = wallet_of(context)
    currency = limits_currency_for(context, await wallet.limits_currency(user.id))
    zero = text.strip() in {"0", "0.00", "0,00"}  # a valid limit: no purchases at all
    amount = Decimal(0) if zero else parse_money_amount(text, currency_digits(currency))
    if isinstance(amount, AmountError):
        expect_input(context, step)
        await say(update, context, amount_problem(t, amount, currency), cancel_keyboard(t))
        return
    if step == "lock_limit":
        expect_input(context, "new_pin", {"limit": str(amount), "currency": currency})
        await say(
            update,
            context,
            t._(
                "Now choose a PIN of 4 to 8 digits and send it. "
                "I will delete your message right away."
            ),
            cancel_keyboard(t),
        )
        return
    try:
        await wallet.change_parental_limit(user.id, amount, None)
    except PinProblem as problem:
        if problem.why == "needed":
            expect_input(context, "raise_pin", {"limit": str(amount)})
            text = t._("Raising the limit needs the PIN. Send it now.")
        else:
            text = pin_problem(t, problem)
    else:
        text = t._("Done: the limit is now {limit}.", limit=t.money(amount, currency))
    await say(update, context, text, next_step_keyboard(context))


async def take_pin(
    update: Update, context: BotContext, step: str, data: dict[str, Any], pin: str
) -> None:
    t, user = context.t, update.effective_user
    assert user is not None
    await forget_pin_message(update, context)
    try:
        text = await PIN_STEPS[step](context, user.id, data, pin)
    except PinProblem as problem:
        text = pin_problem(t, problem)
    except WalletError as exc:
        log.info("parental lock step %s refused: %s", step, exc)
        text = t._("A parental lock is already set; change it with its PIN.")
    await say(update, context, text, next_step_keyboard(context))


async def new_pin(context: BotContext, user_id: int, data: dict[str, Any], pin: str) -> str:
    expect_input(context, "confirm_pin", {**data, "pin": pin})
    return context.t._("Send the same PIN again to confirm.")


async def confirm_pin(context: BotContext, user_id: int, data: dict[str, Any], pin: str) -> str:
    t = context.t
    if pin != data.get("pin"):
        return t._("The two PINs are different. Nothing was saved; start again.")
    limit = Decimal(data["limit"])
    await wallet_of(context).set_parental_lock(user_id, limit, data["currency"], pin)
    return t._("The parental lock is on: {limit} a month.", limit=t.money(limit, data["currency"]))


async def raise_pin(context: BotContext, user_id: int, data: dict[str, Any], pin: str) -> str:
    effective = await wallet_of(context).change_parental_limit(user_id, Decimal(data["limit"]), pin)
    when = context.t.datetime_text(effective) if effective else ""
    return context.t._("The new limit takes effect on {when}.", when=when)


async def lift_pin(context: BotContext, user_id: int, data: dict[str, Any], pin: str) -> str:
    effective = await wallet_of(context).lift_parental_lock(user_id, pin)
    return context.t._(
        "The lock will be removed on {when}.", when=context.t.datetime_text(effective)
    )


PIN_STEPS = {
    "new_pin": new_pin,
    "confirm_pin": confirm_pin,
    "raise_pin": raise_pin,
    "lift_pin": lift_pin,
}


def pin_problem(t: Translator, problem: PinProblem) -> str:
    if problem.why == "format":
        return t._("A PIN is 4 to 8 digits. Nothing was saved; start again.")
    if problem.why == "locked" and problem.locked_until:
        return t._(
            "Too many wrong PINs. Try again after {when}.",
            when=t.datetime_text(problem.locked_until),
        )
    if problem.why == "none":
        return t._("There is no parental lock.")
    return t._("That PIN is not right.")


async def forget_pin_message(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    try:
        await message.delete()
    except TelegramError as exc:  # too old, or already gone: nothing else to do
        log.info("could not delete a PIN message: %s", exc)


# ------------------------------------------------------------------------ typed input
def expect_input(context: BotContext, step: str, data: dict[str, Any] | None = None) -> None:
    assert context.user_data is not None
    context.user_data[INPUT_KEY] = {
        "step": step,
        "data": data or {},
        "until": time.monotonic() + INPUT_TTL,
    }


def clear_input(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(INPUT_KEY, None)


async def typed_input(update: Update, context: BotContext) -> bool:
    """Answers only while the user is in the middle of a wallet step."""
    pending = (context.user_data or {}).get(INPUT_KEY)
    message = update.effective_message
    if not pending or message is None or message.text is None:
        return False
    clear_input(context)
    if pending["until"] < time.monotonic():
        return False
    step = pending["step"]
    if step == "budget":
        await save_budget(update, context, message.text)
    else:
        await take_lock_input(update, context, step, pending["data"], message.text)
    return True


def amount_problem(t: Translator, problem: AmountError, currency: str) -> str:
    example = t.money(Decimal(50), currency)
    if problem == AmountError.NOT_WHOLE:
        return t._(
            "That has too many decimals for {currency}. Try again, for example {example}.",
            currency=currency,
            example=example,
        )
    if problem == AmountError.TOO_SMALL:
        return t._(
            "The amount must be more than zero. Try again, for example {example}.", example=example
        )
    return t._(
        "I could not read that as an amount. Send just the number, for example {example}.",
        example=example,
    )


def cancel_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t._("✖️ Cancel"), callback_data=pack("wallet", "cancel"))]]
    )


def back_to_wallet(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t._("⬅️ Wallet"), callback_data=pack("wallet", "home"))]]
    )


async def cancel(update: Update, context: BotContext) -> None:
    clear_input(context)
    await answer_callback(update, context, context.t._("Cancelled."))
    await wallet_home(update, context)


# ------------------------------------------------------------------------------ routing
SIMPLE_ACTIONS = {
    "home": wallet_home,
    "orders": show_orders,
    "budget": show_budget,
    "setbudget": ask_budget,
    "rmbudget": remove_budget,
    "lock": show_lock,
    "locklift": ask_lift_pin,
    "cancel": cancel,
}


async def on_button(update: Update, context: BotContext) -> None:
    data = update.callback_query.data if update.callback_query else None
    if (args := unpack(data, "wallet", 1)) and args[0] in SIMPLE_ACTIONS:
        await SIMPLE_ACTIONS[args[0]](update, context)
    elif args and args[0] in {"lockset", "lockchange"}:
        await ask_lock_limit(
            update, context, "lock_limit" if args[0] == "lockset" else "change_limit"
        )
    elif (
        (args := unpack(data, "wallet", 2))
        and args[0] == "hist"
        and args[1].isdigit()
        and len(args[1]) < 6
    ):
        await show_history(update, context, int(args[1]))
    else:
        await button_expired(update, context)


async def housekeeping(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Expire unpaid orders and apply parental-lock changes whose 24 hours have passed."""
    services: Services = context.bot_data["services"]
    assert services.wallet is not None
    expired = await services.wallet.expire_orders()
    applied = await services.wallet.apply_due_limit_changes()
    if expired or applied:
        log.info(
            "wallet housekeeping: %d orders expired, %d lock changes applied", expired, applied
        )


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    services.wallet = Wallet(services.db)
    registry = services.registry
    registry.add_menu_entry(N_("👛 Wallet"), pack("wallet", "home"), order=20)
    registry.add_command("balance", N_("Your coin balance"), order=20)
    registry.add_command("history", N_("Your coin statement"), order=21)
    registry.add_command("budget", N_("Monthly budget and parental lock"), order=22)
    registry.add_action("orders", pack("wallet", "orders"))
    registry.add_action("wallet", pack("wallet", "home"))
    registry.add_text_responder("wallet input", typed_input, order=12)
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("balance", show_balance, filters=private))
    application.add_handler(CommandHandler("history", history_command, filters=private))
    application.add_handler(CommandHandler("budget", budget_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern="^wallet:"))
    if application.job_queue is not None:
        application.job_queue.run_repeating(housekeeping, interval=HOUSEKEEPING_INTERVAL, first=5)
