"""What handlers receive: the shared services and a per-update context that knows the locale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

from bot.brand import Brand
from bot.catalog import Catalog
from bot.config import Settings
from bot.db import Database
from bot.i18n import Catalogs, Translator, negotiate_locale
from bot.registry import Registry
from bot.users import UserRecord, UserRepository

if TYPE_CHECKING:
    from bot.faq.service import Faq
    from bot.support.service import SupportDesk
    from bot.wallet.service import Wallet

SERVICES_KEY = "services"


@dataclass
class Services:
    settings: Settings
    db: Database
    catalogs: Catalogs
    users: UserRepository
    registry: Registry
    brand: Brand
    catalog: Catalog
    wallet: Wallet | None = None  # set when the wallet feature registers
    faq: Faq | None = None
    support: SupportDesk | None = None  # the support desk: tickets, queue, relay state

    def translator(self, saved_locale: str | None, language_code: str | None) -> Translator:
        """The user's saved choice, else Telegram's language, else the default."""
        return self.catalogs[
            negotiate_locale(saved_locale, language_code, self.settings.default_locale)
        ]

    async def translator_for(self, user_id: int) -> Translator:
        """A user's language outside of their own update (a payment notice, a support reply)."""
        record = await self.users.get(user_id)
        if record is None:
            return self.translator(None, None)
        return self.translator(record.locale, record.language_code)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Created once per update and shared by every handler group that sees it.

    The group -1 resolver fills in ``user`` and ``translator``; later groups read them.
    """

    user: UserRecord | None = None
    translator: Translator | None = None
    callback_answered: bool = False

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data[SERVICES_KEY]
        return services

    @property
    def t(self) -> Translator:
        if self.translator is None:
            services = self.services
            self.translator = services.catalogs[services.settings.default_locale]
        return self.translator
