"""Wiring of the recharge feature into the Application and the registry."""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from bot.callbacks import pack
from bot.context import Services
from bot.i18n import N_
from bot.recharge import flow, payment_help, payments


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    if services.wallet is None:
        raise RuntimeError("the recharge feature needs the wallet feature registered first")
    registry = services.registry
    registry.add_menu_entry(N_("💎 Recharge coins"), pack("rc", "start"), order=10)
    registry.add_command("recharge", N_("Buy coins"), order=10)
    registry.add_command("paysupport", N_("Help with a payment"), order=23)
    registry.add_command("terms", N_("Terms for coins"), order=92)
    registry.add_action("recharge", pack("rc", "start"))
    registry.add_action("paysupport", pack("ps", "home"))
    registry.add_text_responder("custom amount", flow.typed_amount, order=14)
    registry.add_web_route(
        "POST", "/payments/notify", payments.notification_handler(services, application.bot)
    )

    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("recharge", flow.recharge_command, filters=private))
    application.add_handler(CommandHandler("paysupport", payment_help.paysupport, filters=private))
    application.add_handler(CommandHandler("terms", payment_help.terms, filters=private))
    application.add_handler(PreCheckoutQueryHandler(payments.pre_checkout))
    application.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, payments.successful_payment))
    application.add_handler(
        CallbackQueryHandler(payment_help.on_button, pattern="^(ps:|rc:check:)")
    )
    application.add_handler(CallbackQueryHandler(flow.on_button, pattern="^rc:"))
