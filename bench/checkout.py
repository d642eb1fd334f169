"""200 concurrent Telegram Stars checkouts through the emulator: pre-checkout latency and total.

The bot runs as its own process (``python -m bot``, as in production) against the emulator in this
process. Each of 200 users opens /recharge, picks 700 coins, Telegram Stars, confirms, and gets an
invoice; then all 200 pay at once. Pre-checkout latency is the time from the user confirming the
payment form to the bot's answer arriving (Telegram allows 10 s); the total runs until every
receipt has arrived.

    python bench/checkout.py [--users 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.sandbox.emulator import Emulator  # noqa: E402
from tests.harness import serve_emulator  # noqa: E402

TOKEN = "123456:BENCH-checkout"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def button(message: dict[str, Any], label: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for item in row:
            if label in item["text"]:
                return str(item["callback_data"])
    raise LookupError(label)


async def open_invoice(emulator: Emulator, user_id: int) -> dict[str, Any]:
    def last() -> dict[str, Any]:
        return emulator.bot_messages(user_id)[-1]

    async def step(act: Any, check: Any) -> dict[str, Any]:
        seq = emulator.last_seq
        act()
        await emulator.wait_for(
            lambda: any(
                check(e.payload) for e in emulator.events_after(seq, {"message", "edit"}, user_id)
            ),
            timeout=60,
            what=f"a reply to {user_id}",
        )
        return last()

    menu = await step(
        lambda: emulator.send_text(user_id, "/recharge"), lambda m: "reply_markup" in m
    )
    methods = await step(
        lambda: emulator.press(user_id, menu, button(menu, "700")),
        lambda m: "Telegram Stars" in str(m),
    )
    confirm = await step(
        lambda: emulator.press(user_id, methods, button(methods, "Telegram Stars")),
        lambda m: "Confirm" in str(m),
    )
    return await step(
        lambda: emulator.press(user_id, confirm, button(confirm, "Confirm")),
        lambda m: "invoice" in m,
    )


async def main(users: int) -> None:
    emulator = Emulator(TOKEN, check_responses=False)
    people = [emulator.add_user(f"U{i}")["id"] for i in range(users)]
    with tempfile.TemporaryDirectory() as folder:
        async with serve_emulator(emulator) as base:
            env = {
                **os.environ,
                "BOT_TOKEN": TOKEN,
                "BOT_API_URL": f"{base}/bot",
                "DATABASE_PATH": str(Path(folder) / "bench.sqlite3"),
                "LOG_LEVEL": "WARNING",
                "RATE_LIMIT_PER_SECOND": "1000000",
                "HTTP_PORT": str(free_port()),
            }
            command = [sys.executable, *os.environ.get("BENCH_BOT_PREFIX", "").split(), "-m", "bot"]
            bot = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: ASYNC220
            try:
                await emulator.wait_for(
                    lambda: emulator.commands, timeout=30, what="the bot to start"
                )
                invoices = await asyncio.gather(*(open_invoice(emulator, user) for user in people))

                began = time.perf_counter()
                results = await asyncio.gather(
                    *(emulator.pay(u, i) for u, i in zip(people, invoices, strict=True))
                )
                paid_at = time.perf_counter()
                await emulator.wait_for(
                    lambda: (
                        sum(
                            "Payment received" in m.get("text", "")
                            for u in people
                            for m in emulator.bot_messages(u)
                        )
                        >= users
                    ),
                    timeout=120,
                    what="every receipt",
                )
                total = time.perf_counter() - began
                outcomes = {r.outcome for r in results}
                latencies = [
                    record.answered_at - record.asked_at
                    for record in emulator.pre_checkout_records()
                    if record.answered_at is not None
                ]
            finally:
                bot.terminate()
                await asyncio.to_thread(bot.wait, 30)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{users} concurrent Telegram Stars checkouts (bot in its own process)")
    print(f"outcomes: {sorted(outcomes)}")
    print(
        f"pre-checkout answer latency: p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms (target p99 < 100 ms)"
    )
    print(
        f"all {users} payments answered in {paid_at - began:.2f} s; "
        f"receipts done after {total:.2f} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    asyncio.run(main(parser.parse_args().users))
