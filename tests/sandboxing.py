"""Helpers for the sandbox tests: settings, a real web-checkout order, a stand-in Stars shop.

Web checkout goes through the real recharge feature (its order, its notification endpoint). The
page's payment card is tested with a stand-in shop that answers any invoice (including one whose
pre-checkout it refuses), so the card's states can be shown without the recharge conversation;
the full /recharge path has its own browser test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, PreCheckoutQueryHandler, filters

from bot.app import AnyApplication
from bot.config import Settings
from bot.context import BotContext
from bot.sandbox.emulator import Emulator
from bot.wallet.records import Order

# What Chromium needs on these machines: no sandbox as root, no GPU, and no background
# networking (the closed network refuses it, slowly).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sandbox_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_path": tmp_path / "data" / "bot.sqlite3",
        "sandbox_port": 0,
        "rate_limit_per_second": 1000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def web_checkout_order(sandbox: Any, user_id: int) -> Order:
    """A real order for 700 coins paid by Pix on the official website, as /recharge makes it."""
    services = sandbox.services
    await services.users.touch(user_id, "Ana", None, "pt-br")
    quote = services.catalog.quote("brazil", "p700")
    order: Order = await services.wallet.create_order(
        user_id=user_id,
        package_id="p700",
        coins=quote.coins,
        price=quote.web.amount,
        currency=quote.web.currency,
        local_price=quote.web.amount,
        local_currency=quote.web.currency,
        method="pix",
        region="brazil",
    )
    return order


def add_test_shop(application: AnyApplication) -> None:
    """Answer pre-checkout queries (payload ``expired`` is refused) and send a receipt.

    The handlers sit in group -2 and stop there, ahead of the features' own handlers.
    """
    balance = {"coins": 0}

    async def check(update: Update, context: BotContext) -> None:
        query = update.pre_checkout_query
        assert query is not None
        if query.invoice_payload == "expired":
            await query.answer(ok=False, error_message="This order has expired.")
        else:
            await query.answer(ok=True)
        raise ApplicationHandlerStop

    async def receipt(update: Update, context: BotContext) -> None:
        message = update.effective_message
        assert message is not None and message.successful_payment is not None
        coins = int(message.successful_payment.invoice_payload.removeprefix("coins:"))
        balance["coins"] += coins
        await message.reply_text(f"Receipt: +{coins} coins. New balance: {balance['coins']} coins.")
        raise ApplicationHandlerStop

    application.add_handler(PreCheckoutQueryHandler(check), group=-2)
    application.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, receipt), group=-2)


async def send_stars_invoice(
    emulator: Emulator, chat_id: int, *, coins: int, stars: int, payload: str | None = None
) -> dict[str, Any]:
    """The bot's sendInvoice call, made directly on the emulator."""
    message: dict[str, Any] = await emulator.call(
        "sendInvoice",
        {
            "chat_id": chat_id,
            "title": f"{coins} coins",
            "description": f"{coins} coins for your account",
            "payload": payload or f"coins:{coins}",
            "currency": "XTR",
            "prices": [{"label": f"{coins} coins", "amount": stars}],
        },
    )
    return message
