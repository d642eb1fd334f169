"""Scam shield: the detector (pure, :func:`scan`), reports, and the checks in chats and groups."""

from __future__ import annotations

from bot.scam.detector import official_coin_prices, prepare, scan
from bot.scam.model import Reason, Verdict

__all__ = ["Reason", "Verdict", "official_coin_prices", "prepare", "scan"]
