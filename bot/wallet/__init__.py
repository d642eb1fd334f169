"""The wallet: an append-only coin ledger, purchase orders, budgets and parental locks."""

from bot.wallet.handlers import register

__all__ = ["register"]
