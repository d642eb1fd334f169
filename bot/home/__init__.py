"""Home: /start with the main menu, /help, /language, and the answers of last resort."""

from bot.home.handlers import register, register_fallbacks

__all__ = ["register", "register_fallbacks"]
