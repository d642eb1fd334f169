"""Helpers for the sandbox tests: settings, a stand-in payment endpoint, a stand-in Stars shop.

The recharge feature owns the real payment notification endpoint and the real Stars checkout;
until it lands, these stand-ins let the sandbox's plumbing be tested end to end: a route mounted
from the registry, signed notifications, invoices paid from the page.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, PreCheckoutQueryHandler, filters

from bot.app import AnyApplication
from bot.config import Settings
from bot.context import BotContext, Services
from bot.sandbox.emulator import Emulator
from bot.sandbox.webcheckout import NOTIFY_PATH, signature


def sandbox_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_path": tmp_path / "data" / "bot.sqlite3",
        "sandbox_port": 0,
        "rate_limit_per_second": 1000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class NotifyEndpoint:
    """A feature that registers ``POST /payments/notify`` and checks signatures like recharge."""

    received: list[dict[str, Any]] = field(default_factory=list)
    secret: str = ""

    def register(self, application: AnyApplication, services: Services) -> None:
        assert services.settings.payment_webhook_secret is not None
        self.secret = services.settings.payment_webhook_secret.get_secret_value()
        services.registry.add_web_route("POST", NOTIFY_PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        timestamp = int(request.headers["X-Timestamp"])
        expected = signature(self.secret, timestamp, raw)
        if not hmac.compare_digest(expected, request.headers["X-Signature"]):
            return web.json_response({"error": "bad signature"}, status=401)
        self.received.append(json.loads(raw))
        return web.json_response({"ok": True})


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
