"""Webhook mode: WEBHOOK_URL set, the emulator POSTs updates to the bot with the secret token."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp

from bot.runner import run_bot
from bot.sandbox.emulator import Emulator
from tests.harness import make_settings, serve_emulator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_receives_updates_and_checks_the_secret(
    emulator: Emulator, tmp_path: Path
) -> None:
    port = free_port()
    async with serve_emulator(emulator) as base_url:
        settings = make_settings(
            base_url,
            tmp_path / "bot.sqlite3",
            webhook_url=f"http://127.0.0.1:{port}/telegram",
            webhook_listen="127.0.0.1",
            webhook_port=port,
            webhook_secret_token="s3cret_token",
        )
        stop = asyncio.Event()
        bot = asyncio.create_task(run_bot(settings, stop))
        try:
            await emulator.wait_for(lambda: emulator.webhook, timeout=10, what="setWebhook")
            assert emulator.webhook == {
                "url": f"http://127.0.0.1:{port}/telegram",
                "secret_token": "s3cret_token",
            }
            ana = emulator.add_user("Ana")
            emulator.send_text(ana["id"], "/start")
            await emulator.wait_for(
                lambda: emulator.bot_messages(ana["id"]), timeout=10, what="a reply by webhook"
            )
            assert "Hi, Ana!" in emulator.bot_messages(ana["id"])[0]["text"]
            async with aiohttp.ClientSession() as session:
                forged = {
                    "update_id": 77,
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": 1, "type": "private"},
                        "text": "/start",
                    },
                }
                async with session.post(
                    f"http://127.0.0.1:{port}/telegram", json=forged
                ) as response:
                    assert response.status == 403
            status, body = await asyncio.wait_for(_get_updates(base_url), 5)
            assert status == 409 and "webhook is active" in body["description"]
        finally:
            stop.set()
            await asyncio.wait_for(bot, 20)


async def _get_updates(base_url: str) -> tuple[int, dict[str, object]]:
    from tests.harness import TOKEN

    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base_url}/bot{TOKEN}/getUpdates") as response,
    ):
        return response.status, await response.json()
