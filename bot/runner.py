"""Running the bot: long polling, or a webhook when ``WEBHOOK_URL`` is set, until a signal."""

from __future__ import annotations

import asyncio
import logging
import signal
from urllib.parse import urlsplit

from aiohttp import web

from bot.app import build_application, open_services, start, web_routes_app
from bot.app import stop as stop_application
from bot.config import Settings
from bot.context import Services

log = logging.getLogger(__name__)


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Serve updates until ``stop`` is set (by default: SIGINT or SIGTERM)."""
    stop = stop or stop_on_signals()
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
            web_runner = await serve_web_routes(services)
            await stop.wait()
            if web_runner is not None:
                await web_runner.cleanup()
            await updater.stop()
            await stop_application(application)
    finally:
        await services.db.close()


async def serve_web_routes(services: Services) -> web.AppRunner | None:
    """Serve the features' HTTP endpoints on HTTP_LISTEN:HTTP_PORT, if there are any."""
    if not services.registry.web_routes:
        return None
    runner = web.AppRunner(web_routes_app(services), access_log=None)
    await runner.setup()
    settings = services.settings
    await web.TCPSite(runner, settings.http_listen, settings.http_port).start()
    paths = ", ".join(path for _, path, _ in services.registry.web_routes)
    log.info("serving %s on http://%s:%s", paths, settings.http_listen, settings.http_port)
    return runner


def stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
