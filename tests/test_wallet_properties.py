"""Properties of the wallet under random operations, concurrency and a hard crash."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.db import Database
from bot.users import UserRepository
from bot.wallet.records import Order, WalletError
from bot.wallet.service import Wallet
from tests.wallet_support import add_users, new_order, pay

ROOT = Path(__file__).resolve().parent.parent
USERS = (1, 2)

operation = st.one_of(
    st.tuples(st.just("order"), st.sampled_from(USERS), st.integers(1, 5000)),
    st.tuples(st.just("pay"), st.integers(0, 9), st.integers(0, 6)),
    st.tuples(st.just("debit"), st.sampled_from(USERS), st.integers(1, 3000), st.integers(0, 4)),
    st.tuples(st.just("refund"), st.integers(0, 9), st.booleans()),
    st.tuples(
        st.just("adjust"), st.sampled_from(USERS), st.integers(-2000, 2000), st.integers(0, 4)
    ),
    st.tuples(st.just("expire")),
)


async def run_scenario(steps: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "w.sqlite3")
        try:
            await add_users(UserRepository(db), *USERS)
            wallet = Wallet(db)
            orders: list[Order] = []
            expected = dict.fromkeys(USERS, 0)
            for step in steps:
                kind = step[0]
                try:
                    if kind == "order":
                        orders.append(await new_order(wallet, step[1], coins=step[2], price="1.00"))  # type: ignore[arg-type]
                        continue
                    if kind == "expire":
                        await wallet.expire_orders(at=2**40)
                        continue
                    if kind == "pay" and orders:
                        order = orders[step[1] % len(orders)]  # type: ignore[operator]
                        movement = await pay(wallet, order, f"charge-{step[2]}")
                    elif kind == "refund" and orders:
                        order = orders[step[1] % len(orders)]  # type: ignore[operator]
                        movement = await wallet.refund(
                            order_reference=order.reference,
                            actor="agent:1",
                            reason="r",
                            force=bool(step[2]),
                        )
                    elif kind == "debit":
                        movement = await wallet.debit(
                            user_id=step[1],
                            coins=step[2],
                            key=f"debit-{step[3]}",
                            reason="gift",
                            actor="platform",  # type: ignore[arg-type]
                        )
                    elif kind == "adjust":
                        if step[2] == 0:
                            continue
                        movement = await wallet.adjust(
                            user_id=step[1],
                            amount=step[2],
                            agent_id=1,
                            reason="fix",
                            key=f"adjust-{step[3]}",  # type: ignore[arg-type]
                        )
                    else:
                        continue
                except WalletError:
                    pass  # refused: nothing may have moved, which the checks below prove
                else:
                    if not movement.replayed and movement.entry is not None:
                        expected[movement.entry.user_id] += movement.entry.amount
                for user in USERS:
                    balance = await wallet.balance(user)
                    assert balance == expected[user] and balance >= 0
                assert await wallet.verify() == []
        finally:
            await db.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=40))
def test_random_operations_keep_every_invariant(steps: list[tuple[object, ...]]) -> None:
    asyncio.run(run_scenario(steps))


CRASH_WORKER = """
import asyncio, sys
from decimal import Decimal
from pathlib import Path
from bot.db import Database
from bot.users import UserRepository
from bot.wallet.rules import ReferenceType
from bot.wallet.service import Wallet

async def main(path):
    db = await Database.open(Path(path))
    await UserRepository(db).touch(1, "u", None, "en")
    wallet = Wallet(db)
    i = 0
    while True:
        orders = [await wallet.create_order(user_id=1, package_id=None, coins=70, price=Decimal("0.99"),
                  currency="USD", local_price=Decimal("0.99"), local_currency="USD", method="card",
                  region="north_america") for _ in range(20)]
        await asyncio.gather(*(wallet.credit_payment(order_reference=o.reference, payment_reference=f"c{i}-{n}",
                  reference_type=ReferenceType.TELEGRAM_CHARGE, amount_minor=99, currency="USD", actor="telegram")
                  for n, o in enumerate(orders)))
        i += 1
        print(i, flush=True)

asyncio.run(main(sys.argv[1]))
"""


async def test_sigkill_mid_stream_leaves_no_partial_entry(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite3"
    worker = subprocess.Popen(  # noqa: ASYNC220 - one process, started before anything is awaited
        [sys.executable, "-c", CRASH_WORKER, str(path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    batches = 0
    while batches < 15:  # let it get well into the stream
        line = await asyncio.to_thread(worker.stdout.readline)
        assert line, "the worker stopped on its own"
        batches = int(line)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    db = await Database.open(path)
    try:
        wallet = Wallet(db)
        assert await wallet.verify() == []
        row = await db.fetchone(
            "SELECT (SELECT COUNT(*) FROM orders WHERE state = 'credited'), "
            "(SELECT COUNT(*) FROM ledger_entries), (SELECT COUNT(*) FROM orders WHERE state = 'paid'), "
            "(SELECT balance FROM accounts WHERE user_id = 1)"
        )
        assert row is not None
        credited, entries, paid, balance = row
        assert credited == entries >= 15 * 20 and paid == 0 and balance == 70 * entries
    finally:
        await db.close()
