"""Recharge: packages priced by region, Telegram Stars checkout, official web checkout, help."""

from bot.recharge.handlers import register

__all__ = ["register"]
