"""Idempotent, durable credits per second, next to a raw INSERT loop with the same durability.

Both write to a fresh WAL database with synchronous=FULL (every commit fsynced). The raw loop
inserts one row per commit from one writer; the wallet credits orders (idempotency lookup, order
state machine, ledger entry, balance trigger), first from many concurrent callers (as the bot does
under load: their commits are grouped) and then one at a time.

    python bench/ledger.py [--credits 5000] [--concurrency 100]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db import Database  # noqa: E402
from bot.users import UserRepository  # noqa: E402
from bot.wallet.rules import ReferenceType  # noqa: E402
from bot.wallet.service import Wallet  # noqa: E402


def raw_inserts(path: Path, count: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, reference TEXT UNIQUE, amount INTEGER)")
    began = time.perf_counter()
    for i in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO raw (reference, amount) VALUES (?, ?)", (f"r{i}", 70))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - began
    conn.close()
    return count / elapsed


async def credits(path: Path, count: int, concurrency: int) -> float:
    db = await Database.open(path)
    try:
        await UserRepository(db).touch(1, "bench", None, "en")
        wallet = Wallet(db)
        orders = [
            await wallet.create_order(
                user_id=1,
                package_id="p70",
                coins=70,
                price=Decimal("0.99"),
                currency="USD",
                local_price=Decimal("0.99"),
                local_currency="USD",
                method="card",
                region="north_america",
            )
            for _ in range(count)
        ]
        gate = asyncio.Semaphore(concurrency)

        async def credit(index: int) -> None:
            async with gate:
                await wallet.credit_payment(
                    order_reference=orders[index].reference,
                    payment_reference=f"charge-{index}",
                    reference_type=ReferenceType.TELEGRAM_CHARGE,
                    amount_minor=99,
                    currency="USD",
                    actor="telegram",
                )

        began = time.perf_counter()
        await asyncio.gather(*(credit(i) for i in range(count)))
        elapsed = time.perf_counter() - began
        assert await wallet.balance(1) == 70 * count and await wallet.verify() == []
        return count / elapsed
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--credits", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT) as folder:
        base = Path(folder)
        raw = raw_inserts(base / "raw.sqlite3", min(args.credits, 2000))
        grouped = asyncio.run(credits(base / "grouped.sqlite3", args.credits, args.concurrency))
        single = asyncio.run(credits(base / "single.sqlite3", min(args.credits, 1000), 1))
    print("durability: WAL, synchronous=FULL (fsync on every commit)")
    print(f"raw INSERT loop, one row per commit:      {raw:8.0f} rows/s")
    print(f"wallet credits, {args.concurrency} concurrent callers:   {grouped:8.0f} credits/s")
    print(f"wallet credits, one caller at a time:     {single:8.0f} credits/s")
    print(f"ratio concurrent credits : raw inserts = {grouped / raw:.2f} (target >= 0.50)")
    print(f"target >= 1,000 credits/s: {'met' if grouped >= 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
