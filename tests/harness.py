"""End-to-end harness: the emulator on a loopback port and the real Application polling it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import AnyApplication, build_application, open_services, start, stop
from bot.config import Settings
from bot.context import Services
from bot.sandbox.emulator import Emulator

Json = dict[str, Any]
TOKEN = "123456:TEST-token_for-the-emulator"
SETTLE = 0.05  # quiet time after a reply before a step counts as finished


@contextlib.asynccontextmanager
async def serve_emulator(emulator: Emulator) -> AsyncIterator[str]:
    """Serve the emulator on a free loopback port; yield its Bot API base URL."""
    runner = web.AppRunner(emulator.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings, emulator: Emulator | None = None
) -> AsyncIterator[tuple[AnyApplication, Services]]:
    services = await open_services(settings)
    application = build_application(services)
    try:
        async with application:
            await start(application)
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0, timeout=1)
            try:
                yield application, services
            finally:
                # Stop while the long poll still waits inside the emulator (python-telegram-bot
                # cancels it cleanly), then end that poll on the server side. Releasing first
                # would leave an answer in flight to be cut off mid-read.
                await application.updater.stop()
                if emulator is not None:
                    emulator.release_long_polls()
                await stop(application)
    finally:
        await services.db.close()


@dataclass
class Person:
    """One person in a private chat with the bot, as a test drives them."""

    emulator: Emulator
    user: Json

    @property
    def id(self) -> int:
        return int(self.user["id"])

    def bot_messages(self) -> list[Json]:
        return self.emulator.bot_messages(self.id)

    def last(self) -> Json:
        messages = self.bot_messages()
        assert messages, "the bot has sent nothing to this chat"
        return messages[-1]

    async def _step(
        self, act: Callable[[], Any], timeout: float, *, message: bool = True
    ) -> list[Json]:
        """Do something, then return what the bot sent or edited in this chat in reply.

        Waits for a message or an edit in this chat (or, with ``message=False``, for any
        reaction at all), then until the bot has been quiet for a moment.
        """
        seq = self.emulator.last_seq
        act()
        kinds = {"message", "edit"} if message else {"message", "edit", "callback_answer", "delete"}
        await self.emulator.wait_for(
            lambda: self.emulator.events_after(
                seq, kinds, chat_id=None if not message else self.id
            ),
            timeout,
            what=f"a reply in chat {self.id}",
        )
        while True:  # let multi-message replies finish
            count = len(self.emulator.events_after(seq))
            await asyncio.sleep(SETTLE)
            if len(self.emulator.events_after(seq)) == count:
                break
        return [
            e.payload for e in self.emulator.events_after(seq, {"message", "edit"}, chat_id=self.id)
        ]

    async def send(self, text: str, timeout: float = 5.0) -> list[Json]:
        return await self._step(lambda: self.emulator.send_text(self.id, text), timeout)

    async def send_message(self, timeout: float = 5.0, **fields: Any) -> list[Json]:
        return await self._step(lambda: self.emulator.send_message(self.id, **fields), timeout)

    async def press(
        self, label_or_data: str, message: Json | None = None, timeout: float = 5.0
    ) -> list[Json]:
        """Tap a button under ``message`` (default: the bot's last one) by its label or data."""
        message = message or self.last()
        data = button_data(message, label_or_data)
        return await self._step(lambda: self.emulator.press(self.id, message, data), timeout)

    async def press_forged(self, data: str, message: Json | None = None) -> list[Json]:
        message = message or self.last()
        return await self._step(
            lambda: self.emulator.send_callback(self.id, message, data), 5.0, message=False
        )


def buttons(message: Json) -> list[Json]:
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button for row in keyboard for button in row]


def button_data(message: Json, label_or_data: str) -> str:
    for button in buttons(message):
        if (
            label_or_data in (button.get("callback_data"), button["text"])
            or label_or_data in button["text"]
        ):
            return str(button["callback_data"])
    labels = [b["text"] for b in buttons(message)]
    raise AssertionError(f"no button {label_or_data!r}; buttons: {labels}")


@dataclass
class Harness:
    emulator: Emulator
    application: AnyApplication
    services: Services

    def person(
        self, first_name: str = "Ana", language_code: str | None = "en", **kwargs: Any
    ) -> Person:
        return Person(
            self.emulator, self.emulator.add_user(first_name, language_code=language_code, **kwargs)
        )


def make_settings(base_url: str, database_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "bot_api_url": f"{base_url}/bot",
        "database_path": database_path,
        "rate_limit_per_second": 1000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
