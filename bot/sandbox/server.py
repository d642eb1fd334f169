"""The local sandbox: the Bot API emulator, the real bot polling it, and a web chat, on one port.

``python -m bot`` without ``BOT_TOKEN`` runs :func:`run_sandbox`. One aiohttp server on
``SANDBOX_HOST:SANDBOX_PORT`` serves the emulator's Bot API (``/bot<token>/...``) and its people's
side (``/_emulator/...``), the chat page (``/``) with its live feed of the emulator's events
(``/sandbox/stream``, server-sent events), the platform's checkout page (``/checkout``), and every
HTTP route a feature registered (``registry.web_routes``, such as the payment notification
endpoint). The bot is built and run exactly as in production (``build_application``, long
polling); only its Bot API URL points here. Its data goes to ``DATABASE_PATH``, the chats to a
JSON file next to it, so a restart continues the conversations.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from pydantic import AnyHttpUrl, SecretStr

from bot.app import AnyApplication, build_application, open_services, start, stop
from bot.config import ConfigError, Settings
from bot.context import Services
from bot.runner import stop_on_signals
from bot.sandbox.emulator import Emulator
from bot.sandbox.state import SavedChats, state_path
from bot.sandbox.webcheckout import NOTIFY_PATH, CheckoutOrder, notify

log = logging.getLogger(__name__)

# Fixed, so the bot keeps its identity in chats saved by an earlier run. It only ever reaches
# this process's emulator.
SANDBOX_TOKEN = "7000000001:local-sandbox-emulator"  # noqa: S105 - not a secret
DEFAULT_STAFF_CHAT_ID = -1001000000001
WEB_DIR = Path(__file__).with_name("web")
KEEPALIVE = 15.0  # seconds between comments on an idle event stream
SHUTDOWN_TIMEOUT = 2.0
# The page runs only the package's own scripts and styles and talks only to this server, so a
# rendering bug cannot turn message text into running code.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


@dataclass(frozen=True)
class Persona:
    user_id: int
    first_name: str
    language_code: str
    username: str | None = None


# People to try the bot as, one per shipped language; Arabic shows the right-to-left layout.
TEST_USERS = (
    Persona(5001, "Ana", "en", "ana_sandbox"),
    Persona(5002, "Lucía", "es"),
    Persona(5003, "João", "pt-br"),
    Persona(5004, "Budi", "id"),
    Persona(5005, "Priya", "hi"),
    Persona(5006, "عمر", "ar"),
    Persona(5007, "Ольга", "ru"),
)
# Support agents, who write in the staff group's topics.
AGENTS = (Persona(9001, "Maya", "en", "maya_support"), Persona(9002, "Karim", "ar"))


class Sandbox:
    """The running sandbox: its emulator, the bot's services and application, its web app."""

    def __init__(
        self, emulator: Emulator, services: Services, application: AnyApplication, url: str
    ) -> None:
        self.emulator = emulator
        self.services = services
        self.application = application
        self.url = url
        self.run_id = secrets.token_hex(8)
        self._closing = False

    def web_app(self) -> web.Application:
        app = self.emulator.web_app()
        app.on_response_prepare.append(_security_headers)
        app.router.add_get("/", _page("index.html"))
        app.router.add_get("/checkout", _page("checkout.html"))
        app.router.add_static("/static/", WEB_DIR)
        app.router.add_get("/sandbox/config", self._config)
        app.router.add_get("/sandbox/stream", self._stream)
        app.router.add_post("/sandbox/checkout/pay", self._checkout_pay)
        for method, path, handler in self.services.registry.web_routes:
            app.router.add_route(method, path, handler)
        return app

    def close_streams(self) -> None:
        self._closing = True
        self.emulator._notify()  # wakes every stream's wait

    async def _config(self, request: web.Request) -> web.Response:
        users = self.emulator.users
        staff = [s.chat for s in self.emulator.chats.values() if s.chat.get("is_forum")]
        return web.json_response(
            {
                "bot": self.emulator.bot_user,
                "users": [users[p.user_id] for p in TEST_USERS],
                "agents": [users[p.user_id] for p in AGENTS],
                "staff_chats": staff,
            }
        )

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        """Every emulator event as a server-sent event whose id is ``<run id>:<seq>``.

        A browser that reconnects sends the last id back; within the same run the stream goes on
        from there, otherwise (a restarted sandbox) the first message says ``resumed: false`` and
        the page reloads what it shows.
        """
        emulator = self.emulator
        run, _, seq = request.headers.get("Last-Event-ID", "").partition(":")
        resumed = run == self.run_id and seq.isdigit() and int(seq) <= emulator.last_seq
        after = int(seq) if resumed else emulator.last_seq
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
        )
        await response.prepare(request)
        hello = {"resumed": resumed}
        with contextlib.suppress(ConnectionError):
            await response.write(f"event: hello\ndata: {json.dumps(hello)}\n\n".encode())
            while not self._closing:
                await emulator._until(functools.partial(self._has_news, after), KEEPALIVE)
                events = emulator.events_after(after)
                if not events:
                    await response.write(b": idle\n\n")
                    continue
                chunk = "".join(
                    f"id: {self.run_id}:{e.seq}\ndata: {json.dumps(asdict(e))}\n\n" for e in events
                )
                after = events[-1].seq
                await response.write(chunk.encode())
        return response

    def _has_news(self, after: int) -> bool:
        return self._closing or self.emulator.last_seq > after

    async def _checkout_pay(self, request: web.Request) -> web.Response:
        """The platform took the payment: notify the bot's endpoint, signed, as it would."""
        try:
            data = await request.json()
            order = CheckoutOrder.parse(
                str(data.get("order", "")), str(data.get("amount", "")), str(data.get("currency"))
            )
        except (ValueError, AttributeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        registered = {(m.upper(), p) for m, p, _ in self.services.registry.web_routes}
        if ("POST", NOTIFY_PATH) not in registered:
            return web.json_response(
                {
                    "error": f"The bot has no payment notification endpoint (POST {NOTIFY_PATH}) "
                    "yet; the recharge feature adds it."
                },
                status=503,
            )
        # A repeated delivery keeps its payment id, so the bot can tell it is the same payment.
        external_id = str(data.get("external_payment_id") or f"sandbox-{secrets.token_hex(8)}")
        secret = self.services.settings.payment_webhook_secret
        assert secret is not None  # the sandbox always has one
        async with aiohttp.ClientSession() as session:
            status, answer = await notify(
                session,
                self.url + NOTIFY_PATH,
                secret.get_secret_value(),
                order.notification(external_id),
            )
        log.info("web checkout %s: the bot answered HTTP %s", order.order_ref, status)
        return web.json_response(
            {"external_payment_id": external_id, "status": status, "answer": answer}
        )


def _page(name: str) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    async def serve(request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_DIR / name)

    return serve


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.content_type == "text/html":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything else so port 0 can be resolved early."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"SANDBOX_PORT: cannot listen on {host}:{port} ({exc.strerror}); "
            "set SANDBOX_PORT to a free port, or 0 for any"
        ) from None
    sock.setblocking(False)
    return sock


def _browser_host(host: str) -> str:
    """How a browser on this machine reaches ``host`` (a wildcard address means loopback)."""
    if host in {"", "0.0.0.0"}:  # noqa: S104 - recognising the wildcard, not binding to it
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _add_people(emulator: Emulator, staff_chat_id: int) -> None:
    for persona in (*TEST_USERS, *AGENTS):
        emulator.add_user(
            persona.first_name,
            user_id=persona.user_id,
            username=persona.username,
            language_code=persona.language_code,
        )
    if staff_chat_id not in emulator.chats:
        emulator.add_forum("Support team", chat_id=staff_chat_id)
    for agent in AGENTS:  # agents may also write in closed topics, as admins who manage them
        emulator.set_member(staff_chat_id, agent.user_id, "administrator", can_manage_topics=True)


@contextlib.asynccontextmanager
async def open_sandbox(settings: Settings) -> AsyncIterator[Sandbox]:
    """Start the whole sandbox; leaving the block stops it in order and saves the chats."""
    sock = _listen(settings.sandbox_host, settings.sandbox_port)
    url = f"http://{_browser_host(settings.sandbox_host)}:{sock.getsockname()[1]}"
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(sock.close)
        emulator = Emulator(SANDBOX_TOKEN)
        saved = SavedChats(state_path(settings.database_path), emulator)
        if saved.load():
            log.info("restored the sandbox chats from %s", saved.path)
        staff_chat_id = settings.staff_chat_id or DEFAULT_STAFF_CHAT_ID
        _add_people(emulator, staff_chat_id)
        bot_settings = settings.model_copy(
            update={
                "bot_token": SecretStr(SANDBOX_TOKEN),
                "bot_api_url": f"{url}/bot",
                "webhook_url": None,
                "staff_chat_id": staff_chat_id,
                "web_checkout_url": AnyHttpUrl(f"{url}/checkout"),
                "payment_webhook_secret": settings.payment_webhook_secret
                or SecretStr(secrets.token_urlsafe(32)),
            }
        )
        services = await open_services(bot_settings)
        stack.push_async_callback(services.db.close)
        saved.start()
        stack.push_async_callback(saved.close)

        sandbox = Sandbox(emulator, services, build_application(services), url)
        runner = web.AppRunner(
            sandbox.web_app(), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT
        )
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.SockSite(runner, sock).start()

        application = sandbox.application
        await application.initialize()
        stack.push_async_callback(application.shutdown)
        await start(application)
        stack.push_async_callback(stop, application)
        updater = application.updater
        assert updater is not None
        await updater.start_polling(poll_interval=0)
        # On the way out (last pushed, first run): end the pages' streams, stop polling while
        # the bot's long poll waits inside the emulator (answering it first would leave the
        # answer in flight when polling is cancelled), then end that poll on the server side.
        stack.callback(emulator.release_long_polls)
        stack.push_async_callback(updater.stop)
        stack.callback(sandbox.close_streams)
        yield sandbox


async def run_sandbox(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Serve the sandbox until ``stop`` is set (by default: SIGINT or SIGTERM, i.e. Ctrl-C)."""
    stop = stop or stop_on_signals()
    async with open_sandbox(settings) as sandbox:
        print(
            f"Recharge Desk sandbox (no BOT_TOKEN): open {sandbox.url} (Ctrl-C stops it)",
            flush=True,
        )
        await stop.wait()
    log.info("sandbox stopped")
