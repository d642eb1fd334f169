"""Recharge Desk: the Telegram front door of a creator platform's coin economy."""

__version__ = "0.1.0"
