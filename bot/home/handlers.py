"""Telegram handlers for the home feature.

``register`` adds /start, /help, /language and their buttons. ``register_fallbacks`` must run
after every feature registered: it answers whatever no feature claimed (unknown commands, text no
one understood, media, stale or forged buttons) so the user is never met with silence.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import pack, unpack
from bot.context import BotContext, Services
from bot.i18n import LOCALE_NAMES, N_, SUPPORTED_LOCALES, Translator
from bot.plumbing import answer_callback, bold, quote, reply
from bot.registry import Registry

MENU_CALLBACK = pack("home", "menu")
LANGUAGE_CALLBACK = pack("lang", "open")
HELP_CALLBACK = pack("home", "help")
_MENU_COLUMNS = 2


def main_menu(t: Translator, registry: Registry) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t._(entry.label), callback_data=entry.callback_data)
        for entry in registry.menu
    ]
    rows = [buttons[i : i + _MENU_COLUMNS] for i in range(0, len(buttons), _MENU_COLUMNS)]
    return InlineKeyboardMarkup(rows)


def back_to_menu_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(t._("⬅️ Main menu"), callback_data=MENU_CALLBACK)


def greeting(t: Translator, first_name: str | None) -> str:
    name = t.isolate(quote(first_name or "", limit=64)) if first_name else ""
    hello = t._("Hi, {name}!", name=name) if name else t._("Hi!")
    return "\n\n".join(
        [
            bold(hello),
            t._(
                "I help you recharge coins safely, answer questions about coins, gifts and "
                "diamonds, check offers from sellers, and connect you with our support team."
            ),
            t._("What would you like to do?"),
        ]
    )


async def start(update: Update, context: BotContext) -> None:
    t = context.t
    first_name = update.effective_user.first_name if update.effective_user else None
    await reply(
        update,
        context,
        greeting(t, first_name),
        main_menu(t, context.services.registry),
        edit=False,
    )


async def show_menu(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    t = context.t
    await reply(
        update, context, t._("What would you like to do?"), main_menu(t, context.services.registry)
    )


def help_text(t: Translator, registry: Registry) -> str:
    lines = [bold(t._("What I can do")), ""]
    lines += [f"/{entry.command} — {t._(entry.description)}" for entry in registry.commands]
    lines += [
        "",
        t._(
            "I will never ask for your password, a login code or your card details. "
            "Recharge only through the official app or website."
        ),
    ]
    return "\n".join(lines)


async def show_help(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    t = context.t
    keyboard = InlineKeyboardMarkup([[back_to_menu_button(t)]])
    await reply(update, context, help_text(t, context.services.registry), keyboard)


def language_picker(t: Translator) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✅ " if locale == t.locale else "") + LOCALE_NAMES[locale],
            callback_data=pack("lang", "set", locale),
        )
        for locale in SUPPORTED_LOCALES
    ]
    rows = [buttons[i : i + _MENU_COLUMNS] for i in range(0, len(buttons), _MENU_COLUMNS)]
    return InlineKeyboardMarkup([*rows, [back_to_menu_button(t)]])


async def ask_language(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    t = context.t
    await reply(update, context, t._("Choose your language:"), language_picker(t))


async def set_language(update: Update, context: BotContext) -> None:
    args = unpack(update.callback_query.data if update.callback_query else None, "lang", 2)
    if args is None or args[0] != "set" or args[1] not in SUPPORTED_LOCALES:
        await button_expired(update, context)
        return
    services = context.services
    user = update.effective_user
    assert user is not None  # callback queries always have a sender
    await services.users.set_locale(user.id, args[1])
    t = context.translator = services.catalogs[args[1]]
    await answer_callback(update, context, t._("Language saved."))
    text = t._("Done! I will speak {language} with you.", language=LOCALE_NAMES[args[1]])
    await reply(update, context, text, main_menu(t, services.registry))


async def button_expired(update: Update, context: BotContext) -> None:
    """A button we no longer (or never) offered: say so, and offer the menu again."""
    t = context.t
    await answer_callback(update, context, t._("This button has expired."))
    await reply(
        update,
        context,
        t._("That button is no longer valid. Here is the main menu:"),
        main_menu(t, context.services.registry),
        edit=False,
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    t = context.t
    await reply(update, context, t._("I don't know that command. Send /help to see what I can do."))


async def free_text(update: Update, context: BotContext) -> None:
    """Text or a caption: each registered responder in turn, then the menu as a last resort."""
    for entry in context.services.registry.text_responders:
        if await entry.responder(update, context):
            return
    await unrecognized_message(update, context)


async def unrecognized_message(update: Update, context: BotContext) -> None:
    t = context.t
    text = t._("I didn't quite get that. Choose what you need from the menu:")
    await reply(update, context, text, main_menu(t, context.services.registry))


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    registry = services.registry
    registry.add_command("start", N_("Main menu"), order=0)
    registry.add_command("help", N_("What I can do"), order=90)
    registry.add_command("language", N_("Change language"), order=91)
    registry.add_menu_entry(N_("🌐 Language"), LANGUAGE_CALLBACK, order=90)
    registry.add_menu_entry(N_("❓ Help"), HELP_CALLBACK, order=91)
    registry.add_action("menu", MENU_CALLBACK)

    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start, filters=private))
    application.add_handler(CommandHandler("help", show_help, filters=private))
    application.add_handler(CommandHandler("language", ask_language, filters=private))
    application.add_handler(CallbackQueryHandler(show_menu, pattern=f"^{MENU_CALLBACK}$"))
    application.add_handler(CallbackQueryHandler(show_help, pattern=f"^{HELP_CALLBACK}$"))
    application.add_handler(CallbackQueryHandler(ask_language, pattern=f"^{LANGUAGE_CALLBACK}$"))
    application.add_handler(CallbackQueryHandler(set_language, pattern="^lang:set:"))


def register_fallbacks(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(private & (filters.TEXT | filters.CAPTION), free_text))
    application.add_handler(
        MessageHandler(private & ~filters.StatusUpdate.ALL, unrecognized_message)
    )
    application.add_handler(CallbackQueryHandler(button_expired))
