"""Running the bot: long polling, or a webhook when ``WEBHOOK_URL`` is set, until a signal."""

from __future__ import annotations

import asyncio
import logging
import signal
from urllib.parse import urlsplit

from bot.app import build_application, open_services, start
from bot.config import Settings

log = logging.getLogger(__name__)


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Serve updates until ``stop`` is set (by default: SIGINT or SIGTERM)."""
    stop = stop or _stop_on_signals()
    services = await open_services(settings)
    try:
        application = build_application(services)
        async with application:
            await start(application)
            updater = application.updater
            assert updater is not None
            if settings.webhook_url is not None:
                await updater.start_webhook(
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                    url_path=urlsplit(str(settings.webhook_url)).path.lstrip("/"),
                    webhook_url=str(settings.webhook_url),
                    secret_token=(
                        settings.webhook_secret_token.get_secret_value()
                        if settings.webhook_secret_token
                        else None
                    ),
                )
                log.info("receiving updates by webhook at %s", settings.webhook_url)
            else:
                await updater.start_polling()
                log.info("receiving updates by long polling from %s", settings.bot_api_url)
            await stop.wait()
            await updater.stop()
            await application.stop()
    finally:
        await services.db.close()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
