"""Support figures: relay latency both ways, what the conversation log costs per update, the card.

Runs the real bot against the in-repo emulator (same process, loopback HTTP), with Telegram's
per-group limit lifted so the figures show the bot itself; in production the staff chat takes at
most ~20 bot messages a minute, which caps copies into topics long before the bot does.

    python bench/support.py [--tickets 10] [--messages 20] [--updates 600] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import AnyApplication, build_application, open_services, start, stop  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.sandbox.emulator import Emulator  # noqa: E402
from bot.support.card import build_card  # noqa: E402

TOKEN = "123456:BENCH-token"
STAFF = -1009999
Json = dict[str, Any]


@contextlib.asynccontextmanager
async def running(
    emulator: Emulator, *, support: bool
) -> AsyncIterator[tuple[AnyApplication, Services]]:
    runner = web.AppRunner(emulator.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            bot_api_url=f"http://127.0.0.1:{port}/bot",
            database_path=Path(folder) / "bench.sqlite3",
            log_level="WARNING",
            rate_limit_per_second=1_000_000,
            group_rate_limit_per_minute=1_000_000,
            staff_chat_id=STAFF if support else None,
        )
        services = await open_services(settings)
        application = build_application(services)
        try:
            async with application:
                await start(application)
                assert application.updater is not None
                await application.updater.start_polling(poll_interval=0, timeout=1)
                yield application, services
                emulator.release_long_polls()
                await application.updater.stop()
                await stop(application)
        finally:
            await services.db.close()
            await runner.cleanup()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


def report(label: str, seconds: float, latencies: list[float]) -> None:
    print(
        f"{label}, {len(latencies)} messages: {len(latencies) / seconds:7.0f} msg/s, latency p50 "
        f"{statistics.median(latencies):6.1f} ms, p95 {percentile(latencies, 0.95):6.1f} ms"
    )


async def timed_deliveries(
    emulator: Emulator, sends: list[tuple[str, Any]], *, to_staff: bool
) -> tuple[float, list[float]]:
    """Run each ``(text, send)``; wait until every text arrived on the other side."""
    seq = emulator.last_seq
    sent_at: dict[str, float] = {}
    began = time.perf_counter()
    for text, send in sends:
        sent_at[text] = time.perf_counter()
        send()
    arrived: dict[str, float] = {}

    def all_arrived() -> bool:
        for event in emulator.events_after(seq, {"message"}):
            if (event.chat_id == STAFF) != to_staff:
                continue
            text = event.payload.get("text", "").split("\n\n")[0]
            if text in sent_at and text not in arrived:
                arrived[text] = time.perf_counter()
        return len(arrived) == len(sent_at)

    await emulator.wait_for(all_arrived, 120, what="every copy")
    return time.perf_counter() - began, [(arrived[t] - sent_at[t]) * 1000 for t in sent_at]


async def topics_of(services: Services, users: list[Json]) -> dict[int, int]:
    desk = services.support
    assert desk is not None
    topics: dict[int, int] = {}
    while len(topics) < len(users):
        for user in users:
            ticket = await desk.tickets.latest_for_user(user["id"])
            if ticket and ticket.topic_id:
                topics[user["id"]] = ticket.topic_id
        await asyncio.sleep(0.01)
    return topics


async def card_milliseconds(services: Services, user_id: int, rounds: int = 50) -> float:
    desk = services.support
    assert desk is not None
    record = await services.users.get(user_id)
    ticket = await desk.tickets.latest_for_user(user_id)
    assert record is not None and ticket is not None
    began = time.perf_counter()
    for _ in range(rounds):
        await build_card(services, services.catalogs["en"], ticket, record)
    return (time.perf_counter() - began) * 1000 / rounds


async def relay(tickets: int, messages: int) -> None:
    emulator = Emulator(TOKEN, check_responses=False)
    emulator.add_forum("Staff", chat_id=STAFF)
    agent = emulator.add_user("Agent")
    emulator.set_member(STAFF, agent["id"], "member")
    users = [emulator.add_user(f"U{i}") for i in range(tickets)]
    async with running(emulator, support=True) as (_, services):
        began = time.perf_counter()
        for user in users:
            emulator.send_text(user["id"], "/human")
        topics = await asyncio.wait_for(topics_of(services, users), 60)
        print(f"{tickets} tickets: topics and cards ready in {time.perf_counter() - began:.2f} s")
        inbound = [
            (text, lambda user=user, text=text: emulator.send_text(user["id"], text))
            for number in range(messages)
            for user in users
            if (text := f"m{user['id']}-{number}")
        ]
        report("user -> topic", *await timed_deliveries(emulator, inbound, to_staff=True))
        outbound = [
            (
                text,
                lambda user=user, text=text: emulator.send_in_topic(
                    agent["id"], STAFF, topics[user["id"]], text=text
                ),
            )
            for number in range(messages)
            for user in users
            if (text := f"a{user['id']}-{number}")
        ]
        report("agent -> user", *await timed_deliveries(emulator, outbound, to_staff=False))
        milliseconds = await card_milliseconds(services, users[0]["id"])
        print(f"context card (wallet, orders, 20 log lines): {milliseconds:.2f} ms to build")


async def start_rate(updates: int, *, support: bool) -> float:
    emulator = Emulator(TOKEN, check_responses=False)
    if support:
        emulator.add_forum("Staff", chat_id=STAFF)
    users = [emulator.add_user(f"U{i}") for i in range(updates)]
    async with running(emulator, support=support):
        seq = emulator.last_seq
        began = time.perf_counter()
        for user in users:
            emulator.send_text(user["id"], "/start")
        await emulator.wait_for(
            lambda: (
                sum(1 for e in emulator.events_after(seq, {"message"}) if e.chat_id != STAFF)
                >= updates
            ),
            120,
        )
        return updates / (time.perf_counter() - began)


async def log_cost(updates: int, runs: int) -> None:
    """/start from many users with support (and its conversation log) off, then on, alternating."""
    rates: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(runs):
        for support in (False, True):
            rates[support].append(await start_rate(updates, support=support))
    off, on = statistics.median(rates[False]), statistics.median(rates[True])
    print(
        f"/start, {updates} users, median of {runs}: {off:6.0f} updates/s without support, "
        f"{on:6.0f} with it (conversation log on), ratio {on / off:.2f}"
    )


async def main(tickets: int, messages: int, updates: int, runs: int) -> None:
    await relay(tickets, messages)
    await log_cost(updates, runs)


if __name__ == "__main__":
    # Stopping right after a flood, the updater's last getUpdates can find the loop (shared with
    # the emulator) too busy for its 1 s pool timeout; it says so with a traceback. Not a finding.
    logging.getLogger("telegram.ext.Updater").setLevel(logging.CRITICAL)
    logging.getLogger("bot.support.handlers").setLevel(logging.ERROR)  # "support is off" runs
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=10)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.tickets, arguments.messages, arguments.updates, arguments.runs))
