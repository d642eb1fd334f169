"""Scam shield: the detector (pure, :func:`scan`), reports, and the checks in chats and groups.

Importing the package loads only the detector; the Telegram side is imported by ``register``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.scam.detector import official_coin_prices, prepare, scan
from bot.scam.model import Reason, Verdict

if TYPE_CHECKING:
    from bot.context import Services

__all__ = ["Reason", "Verdict", "official_coin_prices", "prepare", "register", "scan"]


def register(application: Any, services: Services) -> None:
    from bot.scam.handlers import register as register_handlers

    register_handlers(application, services)
