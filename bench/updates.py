"""Updates per second end to end: emulator -> bot -> emulator, for /start.

The emulator runs in its own process (as Telegram would be elsewhere); the bot under test runs here
and long-polls it over HTTP. The same harness measures a bare python-telegram-bot echo bot, so the
ratio shows what our plumbing (user upsert, locale, translated menu, HTML) costs.

    python bench/updates.py [--updates 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_application, open_services, start, stop  # noqa: E402
from bot.config import Settings  # noqa: E402

TOKEN = "123456:BENCH-token"
StartBot = Callable[[str], contextlib.AbstractAsyncContextManager[None]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def emulator_process() -> AsyncIterator[str]:
    port = free_port()
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
        [
            sys.executable,
            "-m",
            "bot.sandbox.emulator",
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--no-check",
        ],
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.post(f"{base}/bot{TOKEN}/getMe") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.05)
        yield base
    finally:
        process.kill()
        process.wait(10)


@contextlib.asynccontextmanager
async def our_bot(base: str, concurrent_updates: int) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            bot_api_url=f"{base}/bot",
            database_path=Path(folder) / "bench.sqlite3",
            log_level="WARNING",
            # Telegram's 30 messages/s would cap any bot at 30 updates/s; the emulator has no
            # flood limits, so this measures what the bot itself can do.
            rate_limit_per_second=1_000_000,
            concurrent_updates=concurrent_updates,
        )
        services = await open_services(settings)
        application = build_application(services)
        async with application:
            await start(application)
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0)
            yield
            await application.updater.stop()
            await stop(application)
        await services.db.close()


@contextlib.asynccontextmanager
async def echo_bot(base: str) -> AsyncIterator[None]:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    application: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(TOKEN).base_url(f"{base}/bot").build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0)
        yield
        await application.updater.stop()
        await application.stop()


async def measure(start_bot: Callable[[str], Any], updates: int) -> float:
    """Updates per second for ``updates`` /start messages from as many users."""
    async with emulator_process() as base, aiohttp.ClientSession() as session:

        async def post(path: str, payload: dict[str, Any]) -> dict[str, Any]:
            async with session.post(f"{base}/_emulator/{path}", json=payload) as response:
                return await response.json()  # type: ignore[no-any-return]

        users = (
            await post("users", {"users": [{"first_name": f"U{i}"} for i in range(updates + 50)]})
        )["users"]

        async def burst(batch: list[dict[str, Any]]) -> float:
            async with session.get(
                f"{base}/_emulator/events", params={"after": "0", "kinds": "message", "min": "0"}
            ) as r:
                seq = (await r.json())["last_seq"]
            began = time.perf_counter()
            await post(
                "send", {"messages": [{"user_id": u["id"], "text": "/start"} for u in batch]}
            )
            async with session.get(
                f"{base}/_emulator/events",
                params={
                    "after": str(seq),
                    "kinds": "message",
                    "min": str(len(batch)),
                    "timeout": "30",
                },
            ) as response:
                got = len((await response.json())["events"])
            elapsed = time.perf_counter() - began
            if got < len(batch):
                raise RuntimeError(f"only {got} of {len(batch)} replies arrived")
            return elapsed

        async with start_bot(base):
            await burst(users[:50])  # warm-up: connections, caches, first SQLite pages
            elapsed = await burst(users[50:])
    return updates / elapsed


async def main(updates: int, runs: int) -> None:
    def ours(concurrency: int) -> Callable[[str], Any]:
        return lambda base: our_bot(base, concurrency)

    results: dict[str, list[float]] = {"echo": [], "ours": [], "ours_sequential": []}
    for _ in range(runs):
        results["echo"].append(await measure(echo_bot, updates))
        results["ours"].append(await measure(ours(64), updates))
        results["ours_sequential"].append(await measure(ours(1), updates))
    echo = statistics.median(results["echo"])
    mine = statistics.median(results["ours"])
    sequential = statistics.median(results["ours_sequential"])
    print(f"updates per run: {updates}, runs: {runs} (medians)")
    print(f"bare PTB echo bot:              {echo:8.0f} updates/s")
    print(f"recharge-desk /start:           {mine:8.0f} updates/s")
    print(f"recharge-desk /start, 1 at once:{sequential:8.0f} updates/s")
    print(f"ratio /start : echo = {mine / echo:.2f} (target >= 0.50)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.updates, arguments.runs))
