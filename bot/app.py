"""Builds the python-telegram-bot Application: settings -> services -> features.

Reads top to bottom. Every feature exposes ``register(application, services)``; the home feature's
fallbacks go last so they only see what no feature claimed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from bot import faq, home, plumbing, recharge, scam, support, wallet
from bot.brand import default_brand, load_brand
from bot.catalog import default_catalog, load_catalog
from bot.config import Settings
from bot.context import SERVICES_KEY, BotContext, Services
from bot.db import Database
from bot.faq.service import open_faq
from bot.i18n import Catalogs, telegram_language_code
from bot.registry import Registry
from bot.support.config import load_desk_config
from bot.support.service import SupportDesk
from bot.transport import AiohttpRequest
from bot.users import UserRepository

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
# Requests in flight to the Bot API at once: plenty for Telegram's ~30 messages a second.
HTTP_CONNECTIONS = 32
POLL_READ_TIMEOUT = 5.0
WARM_UP_DELAY = 2.0
WARM_UP_KEY = "warm_up"
FEATURES = (home, wallet, recharge, scam, faq, support)


async def open_services(settings: Settings) -> Services:
    """Everything features share. Content files are validated before the database is touched."""
    brand = load_brand(settings.brand_path) if settings.brand_path else default_brand()
    catalog = load_catalog(settings.catalog_path) if settings.catalog_path else default_catalog()
    desk_config = load_desk_config(settings.support_config_path)
    catalogs = Catalogs(default_locale=settings.default_locale)
    faq_service = open_faq(settings, brand=brand, catalog=catalog, catalogs=catalogs)
    db = await Database.open(settings.database_path)
    return Services(
        settings=settings,
        db=db,
        catalogs=catalogs,
        users=UserRepository(db),
        registry=Registry(),
        brand=brand,
        catalog=catalog,
        faq=faq_service,
        support=await SupportDesk.open(settings, db, desk_config),
    )


def build_application(services: Services) -> AnyApplication:
    settings = services.settings
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_api_file_url)
        .request(AiohttpRequest(HTTP_CONNECTIONS))
        .get_updates_request(AiohttpRequest(1, read_timeout=POLL_READ_TIMEOUT))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=settings.rate_limit_per_second,
                group_max_rate=settings.group_rate_limit_per_minute,
                max_retries=3,
            )
        )
        .concurrent_updates(plumbing.ChatOrderedUpdateProcessor(settings.concurrent_updates))
        .context_types(ContextTypes(context=BotContext))
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    plumbing.install(application)
    for feature in FEATURES:
        feature.register(application, services)
    home.register_fallbacks(application)
    return application


def web_routes_app(services: Services) -> web.Application:
    """The bot's own HTTP endpoints (payment notifications), registered by features."""
    app = web.Application(client_max_size=1024 * 1024)
    for method, path, handler in services.registry.web_routes:
        app.router.add_route(method, path, handler)
    return app


async def start(application: AnyApplication) -> None:
    """Start an initialized application, publish its command lists, warm the slow parts."""
    await application.start()
    await publish_commands(application)
    services: Services = application.bot_data[SERVICES_KEY]
    # Not application.create_task: stopping would wait for it; a warm-up is simply abandoned.
    application.bot_data[WARM_UP_KEY] = asyncio.create_task(warm_up(services.registry.warm_ups))


async def stop(application: AnyApplication) -> None:
    """Stop a started application (its updater first, by the caller), dropping the warm-up."""
    warming: asyncio.Task[None] | None = application.bot_data.pop(WARM_UP_KEY, None)
    if warming is not None:
        warming.cancel()
    await application.stop()


async def warm_up(preparations: list[Callable[[], None]]) -> None:
    """Run the features' slow preparations in a thread, after the first moments: they hold the
    interpreter while they run, and the bot's first answers matter more."""
    await asyncio.sleep(WARM_UP_DELAY)
    for prepare in preparations:
        await asyncio.to_thread(prepare)


async def publish_commands(application: AnyApplication) -> None:
    """The command list in every shipped language; a failure costs only the hints."""
    services: Services = application.bot_data[SERVICES_KEY]
    default = services.settings.default_locale
    for t in services.catalogs.all():
        commands = [
            BotCommand(entry.command, t._(entry.description))
            for entry in services.registry.commands
        ]
        language = None if t.locale == default else telegram_language_code(t.locale)
        try:
            await application.bot.set_my_commands(commands, language_code=language)
        except TelegramError as exc:
            log.warning("could not publish commands for %s: %s", t.locale, exc)
