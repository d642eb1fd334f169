"""FAQ: localized content, search that understands paraphrases, the myth quiz, inline mode.

The Telegram handlers are imported when the bot registers them, so the command line
(``python -m bot faq …``) does not load python-telegram-bot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.context import Services


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    from bot.faq.handlers import register as register_handlers

    register_handlers(application, services)
