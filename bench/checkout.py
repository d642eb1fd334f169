"""200 concurrent Telegram Stars checkouts through the emulator: pre-checkout latency and total.

The bot runs as its own process (``python -m bot``, as in production) against the emulator in this
process. Two scenarios, 200 users each:

- sessions: 200 checkouts at the same time, as people do them: /recharge, 700 coins, Telegram
  Stars, Confirm, Pay, with a human pause (0.2-1.5 s) before each tap;
- burst: 200 invoices are opened first, then all 200 people press Pay in the same instant, a
  stress test where every pre-checkout query queues behind the others.

Pre-checkout latency is the time from the user confirming the payment form to the bot's answer
(Telegram allows 10 s); the total runs until every receipt has arrived.

    python bench/checkout.py [--users 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
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


class Mailboxes:
    """Each chat's new messages and edits, read from the emulator's event log exactly once.

    Hundreds of people each re-checking the whole log on every change would cost this process
    more than the bot it measures; one reader sorting events into per-chat queues does not.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.queues: defaultdict[int, asyncio.Queue[dict[str, Any]]] = defaultdict(asyncio.Queue)
        self.seq = emulator.last_seq

    async def run(self) -> None:
        emulator = self.emulator
        while True:
            await emulator._until(lambda: emulator.last_seq > self.seq, 3600)
            for event in emulator.events_after(self.seq, {"message", "edit"}):
                if event.chat_id is not None:
                    self.queues[event.chat_id].put_nowait(event.payload)
            self.seq = emulator.last_seq

    async def expect(self, chat_id: int, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        async with asyncio.timeout(60):
            while not check(message := await self.queues[chat_id].get()):
                pass
        return message


async def no_pause() -> None:
    """Tap at once."""


async def open_invoice(
    mail: Mailboxes, user_id: int, pause: Callable[[], Awaitable[None]] = no_pause
) -> dict[str, Any]:
    emulator = mail.emulator

    async def step(
        act: Callable[[], Any], check: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        await pause()
        act()
        return await mail.expect(user_id, check)

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


def is_receipt(message: dict[str, Any]) -> bool:
    return "Payment received" in message.get("text", "")


async def pay(mail: Mailboxes, user_id: int, invoice: dict[str, Any]) -> None:
    result = await mail.emulator.pay(user_id, invoice)
    if result.outcome != "paid":
        raise RuntimeError(f"user {user_id}: {result.outcome} {result.error_message}")
    await mail.expect(user_id, is_receipt)


async def session(mail: Mailboxes, user_id: int, rng: random.Random) -> None:
    """One person's whole checkout, pausing before each tap as people do."""

    async def pause() -> None:
        await asyncio.sleep(rng.uniform(0.2, 1.5))

    invoice = await open_invoice(mail, user_id, pause)
    await pause()
    await pay(mail, user_id, invoice)


def latencies_of(emulator: Emulator, people: list[int]) -> list[float]:
    who = set(people)
    return sorted(
        record.answered_at - record.asked_at
        for record in emulator.pre_checkout_records()
        if record.answered_at is not None and record.query["from"]["id"] in who
    )


def report(name: str, latencies: list[float], total: float) -> None:
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"{name:<9} pre-checkout answer p50 {statistics.median(latencies) * 1000:7.1f} ms, "
        f"p99 {p99 * 1000:7.1f} ms, max {latencies[-1] * 1000:7.1f} ms; "
        f"all receipts after {total:.2f} s"
    )


async def main(users: int) -> None:
    emulator = Emulator(TOKEN, check_responses=False)
    strollers = [emulator.add_user(f"S{i}")["id"] for i in range(users)]
    rushers = [emulator.add_user(f"R{i}")["id"] for i in range(users)]
    rng = random.Random(7)
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
                await emulator.wait_for(lambda: emulator.commands, timeout=30, what="bot start")
                mail = Mailboxes(emulator)
                reader = asyncio.create_task(mail.run())
                began = time.perf_counter()
                await asyncio.gather(*(session(mail, user, rng) for user in strollers))
                sessions_total = time.perf_counter() - began

                invoices = await asyncio.gather(*(open_invoice(mail, u) for u in rushers))
                began = time.perf_counter()
                await asyncio.gather(
                    *(pay(mail, u, i) for u, i in zip(rushers, invoices, strict=True))
                )
                burst_total = time.perf_counter() - began
                reader.cancel()
            finally:
                bot.terminate()
                await asyncio.to_thread(bot.wait, 30)
    print(f"{users} concurrent Telegram Stars checkouts per scenario (bot in its own process)")
    report("sessions", latencies_of(emulator, strollers), sessions_total)
    report("burst", latencies_of(emulator, rushers), burst_total)
    print("target: p99 < 100 ms (Telegram's limit is 10 s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    asyncio.run(main(parser.parse_args().users))
