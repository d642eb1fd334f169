"""The wallet's operations against a real SQLite file: invariants, idempotency, junk."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from bot.db import Database, now
from bot.users import UserRepository
from bot.wallet.records import (
    CoinsAlreadySpent,
    IllegalTransition,
    InsufficientCoins,
    InvalidAmount,
    PaymentMismatch,
    PinProblem,
    ReferenceReused,
    UnknownOrder,
    UnknownUser,
    WalletError,
)
from bot.wallet.rules import LimitKind, OrderState, ReferenceType
from bot.wallet.service import Wallet
from tests.wallet_support import add_users, new_order, pay


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "wallet.sqlite3")
    await add_users(UserRepository(database), 1, 2)
    yield database
    await database.close()


@pytest.fixture
def wallet(db: Database) -> Wallet:
    return Wallet(db)


async def test_credit_moves_order_to_credited_and_balance_up(wallet: Wallet) -> None:
    order = await new_order(wallet, 1)
    assert order.state == OrderState.CREATED and order.reference.startswith("RD-")
    await wallet.mark_invoiced(order.reference)
    movement = await pay(wallet, order, "charge-1")
    assert not movement.replayed and movement.balance == 700
    assert movement.order is not None and movement.order.state == OrderState.CREDITED
    assert movement.order.paid_at and movement.order.credited_at and movement.order.invoiced_at
    assert await wallet.balance(1) == 700
    assert await wallet.verify() == []


async def test_replayed_payment_returns_the_original_result(wallet: Wallet) -> None:
    order = await new_order(wallet, 1)
    first = await pay(wallet, order, "charge-1")
    again = await pay(wallet, order, "charge-1")
    assert again.replayed and again.entry == first.entry
    assert await wallet.balance(1) == 700
    other = await new_order(wallet, 1)
    with pytest.raises(ReferenceReused):
        await pay(wallet, other, "charge-1")


async def test_second_payment_for_a_credited_order_is_refused(wallet: Wallet) -> None:
    order = await new_order(wallet, 1)
    await pay(wallet, order, "charge-1")
    with pytest.raises(IllegalTransition):
        await pay(wallet, order, "charge-2")
    assert await wallet.balance(1) == 700


async def test_payment_must_match_the_order(wallet: Wallet) -> None:
    order = await new_order(wallet, 1)
    with pytest.raises(PaymentMismatch):
        await wallet.credit_payment(
            order_reference=order.reference,
            payment_reference="c",
            reference_type=ReferenceType.TELEGRAM_CHARGE,
            amount_minor=order.price_minor - 1,
            currency="USD",
            actor="telegram",
        )
    with pytest.raises(PaymentMismatch):
        await wallet.credit_payment(
            order_reference=order.reference,
            payment_reference="c",
            reference_type=ReferenceType.TELEGRAM_CHARGE,
            amount_minor=order.price_minor,
            currency="XTR",
            actor="telegram",
        )
    with pytest.raises(UnknownOrder):
        await wallet.credit_payment(
            order_reference="RD-NOPE0000",
            payment_reference="c",
            reference_type=ReferenceType.TELEGRAM_CHARGE,
            amount_minor=1,
            currency="USD",
            actor="telegram",
        )
    assert await wallet.balance(1) == 0
    assert (await wallet.order(order.reference)).state == OrderState.CREATED  # type: ignore[union-attr]


async def test_late_payment_of_an_expired_order_is_still_credited(wallet: Wallet) -> None:
    order = await new_order(wallet, 1)
    assert await wallet.expire_orders(at=now() + 3600) == 1
    assert (await wallet.order(order.reference)).state == OrderState.EXPIRED  # type: ignore[union-attr]
    with pytest.raises(IllegalTransition):
        await wallet.mark_invoiced(order.reference)
    movement = await pay(wallet, order, "late-charge")
    assert movement.balance == 700


async def test_debit_is_idempotent_and_never_overdraws(wallet: Wallet) -> None:
    await pay(wallet, await new_order(wallet, 1), "charge-1")
    first = await wallet.debit(
        user_id=1, coins=100, key="gift-1", reason="Rose x100", actor="platform"
    )
    again = await wallet.debit(
        user_id=1, coins=100, key="gift-1", reason="Rose x100", actor="platform"
    )
    assert again.replayed and again.entry == first.entry and await wallet.balance(1) == 600
    with pytest.raises(ReferenceReused):
        await wallet.debit(user_id=1, coins=5, key="gift-1", reason="other", actor="platform")
    with pytest.raises(InsufficientCoins) as caught:
        await wallet.debit(user_id=1, coins=601, key="gift-2", reason="too much", actor="platform")
    assert caught.value.balance == 600
    assert await wallet.balance(1) == 600


async def test_refund_reverses_once_and_respects_spent_coins(wallet: Wallet) -> None:
    order = await new_order(wallet, 1)
    await pay(wallet, order, "charge-1")
    refund = await wallet.refund(
        order_reference=order.reference, actor="agent:9", reason="duplicate"
    )
    assert refund.balance == 0 and refund.order and refund.order.state == OrderState.REFUNDED
    again = await wallet.refund(
        order_reference=order.reference, actor="agent:9", reason="duplicate"
    )
    assert again.replayed and await wallet.balance(1) == 0

    spent = await new_order(wallet, 1)
    await pay(wallet, spent, "charge-2")
    await wallet.debit(user_id=1, coins=500, key="gift", reason="gifts", actor="platform")
    with pytest.raises(CoinsAlreadySpent):
        await wallet.refund(order_reference=spent.reference, actor="agent:9")
    with pytest.raises(WalletError, match="needs a reason"):
        await wallet.refund(order_reference=spent.reference, actor="agent:9", force=True)
    forced = await wallet.refund(
        order_reference=spent.reference, actor="agent:9", reason="chargeback", force=True
    )
    assert forced.entry is not None and forced.entry.amount == -200 and forced.balance == 0
    assert await wallet.verify() == []


async def test_refund_needs_a_credited_order(wallet: Wallet) -> None:
    order = await new_order(wallet, 1)
    with pytest.raises(IllegalTransition):
        await wallet.refund(order_reference=order.reference, actor="agent:1")


async def test_adjustments_need_a_reason_and_cannot_overdraw(wallet: Wallet) -> None:
    plus = await wallet.adjust(user_id=2, amount=50, agent_id=9, reason="missing coins", key="t-1")
    assert plus.balance == 50 and plus.entry and plus.entry.actor == "agent:9"
    assert (
        await wallet.adjust(user_id=2, amount=50, agent_id=9, reason="missing coins", key="t-1")
    ).replayed
    with pytest.raises(InsufficientCoins):
        await wallet.adjust(user_id=2, amount=-51, agent_id=9, reason="oops", key="t-2")
    with pytest.raises(WalletError, match="reason"):
        await wallet.adjust(user_id=2, amount=5, agent_id=9, reason="  ", key="t-3")


@pytest.mark.parametrize("coins", [0, -5, 10**12, 1.5, True, "700", None])
async def test_junk_amounts_get_clear_errors(wallet: Wallet, coins: object) -> None:
    with pytest.raises(InvalidAmount):
        await wallet.debit(user_id=1, coins=coins, key="k", reason="r", actor="platform")  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        await wallet.create_order(
            user_id=1,
            package_id=None,
            coins=coins,
            price=Decimal("1"),
            currency="USD",  # type: ignore[arg-type]
            local_price=Decimal("1"),
            local_currency="USD",
            method="card",
            region="x",
        )


async def test_junk_prices_and_unknowns(wallet: Wallet) -> None:
    with pytest.raises(ValueError, match="decimals"):
        await new_order(wallet, 1, price="9.999")
    with pytest.raises(InvalidAmount):
        await new_order(wallet, 1, price="0")
    with pytest.raises(UnknownUser):
        await new_order(wallet, 404)
    with pytest.raises(UnknownUser):
        await wallet.debit(user_id=404, coins=1, key="k", reason="r", actor="platform")
    with pytest.raises(UnknownOrder):
        await wallet.mark_invoiced("RD-00000000")
    with pytest.raises(WalletError):
        await wallet.debit(user_id=1, coins=1, key="", reason="r", actor="platform")


async def test_ledger_is_append_only_in_the_schema(wallet: Wallet, db: Database) -> None:
    await pay(wallet, await new_order(wallet, 1), "charge-1")
    for sql in ("UPDATE ledger_entries SET amount = 1", "DELETE FROM ledger_entries"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await db.execute(sql)
    with pytest.raises(sqlite3.IntegrityError):  # a balance can never go below zero
        await db.execute(
            "INSERT INTO ledger_entries (user_id, amount, kind, reference_type, reference, actor, "
            "balance_after, created_at) VALUES (1, -701, 'debit', 'debit_key', 'x', 'cli', -1, 0)"
        )
    with pytest.raises(sqlite3.IntegrityError, match="balance_after"):
        await db.execute(
            "INSERT INTO ledger_entries (user_id, amount, kind, reference_type, reference, actor, "
            "balance_after, created_at) VALUES (1, 5, 'adjustment', 'agent_action', 'y', 'cli', 999, 0)"
        )


async def test_verify_reports_tampering(wallet: Wallet, db: Database) -> None:
    await pay(wallet, await new_order(wallet, 1), "charge-1")
    await db.execute("UPDATE accounts SET balance = 5 WHERE user_id = 1")
    await db.execute("UPDATE orders SET state = 'paid'")
    problems = await wallet.verify()
    assert any("cached balance 5 but entries sum to 700" in p for p in problems)
    assert any("paid but never credited" in p for p in problems)


async def test_concurrent_credits_of_one_charge_credit_once(wallet: Wallet, db: Database) -> None:
    order = await new_order(wallet, 1)
    results = await asyncio.gather(*(pay(wallet, order, "same-charge") for _ in range(50)))
    assert sum(not r.replayed for r in results) == 1
    assert await wallet.balance(1) == 700
    orders = [await new_order(wallet, 2, coins=10, price="0.15") for _ in range(50)]
    await asyncio.gather(*(pay(wallet, o, f"charge-{i}") for i, o in enumerate(orders)))
    assert await wallet.balance(2) == 500
    count = await db.fetchone("SELECT COUNT(*) FROM ledger_entries")
    assert count is not None and count[0] == 51
    assert await wallet.verify() == []


async def test_one_failing_operation_does_not_sink_its_commit_group(wallet: Wallet) -> None:
    order = await new_order(wallet, 1)
    outcomes = await asyncio.gather(
        pay(wallet, order, "good"),
        wallet.debit(user_id=2, coins=1, key="k", reason="r", actor="platform"),  # no coins
        return_exceptions=True,
    )
    assert not isinstance(outcomes[0], Exception)
    assert isinstance(outcomes[1], InsufficientCoins)
    assert await wallet.balance(1) == 700


async def test_budget_refuses_with_figures_and_warns_once(wallet: Wallet) -> None:
    await wallet.set_budget(1, Decimal("24"), "USD")
    order = await new_order(wallet, 1, price="19.99")
    await pay(wallet, order, "charge-1")
    [(percent, limit)] = await wallet.budget_warnings(1)
    assert percent == 80 and limit.spent_minor == 1999 and limit.limit_minor == 2400
    assert await wallet.budget_warnings(1) == []
    decision = await wallet.check_purchase(1, 999)
    assert not decision.allowed and decision.blocked_by is not None
    assert (
        decision.blocked_by.kind == LimitKind.BUDGET and decision.blocked_by.remaining_minor == 401
    )
    assert (await wallet.check_purchase(1, 401)).allowed
    await pay(wallet, await new_order(wallet, 1, price="4.01"), "charge-2")
    assert [p for p, _ in await wallet.budget_warnings(1)] == [100]
    assert await wallet.remove_budget(1)
    assert (await wallet.check_purchase(1, 10**6)).allowed


async def test_parental_lock_raise_waits_a_day_and_wrong_pins_lock_out(wallet: Wallet) -> None:
    await wallet.set_parental_lock(1, Decimal("10"), "USD", "2468")
    with pytest.raises(WalletError, match="already set"):
        await wallet.set_parental_lock(1, Decimal("99"), "USD", "1111")
    assert not (await wallet.check_purchase(1, 1001)).allowed
    assert await wallet.change_parental_limit(1, Decimal("5"), None) is None  # lower: at once
    start = now()
    with pytest.raises(PinProblem) as needed:
        await wallet.change_parental_limit(1, Decimal("50"), None, at=start)
    assert needed.value.why == "needed"
    lock = (await wallet.spending_limits(1)).lock
    assert lock is not None and lock.failed_attempts == 0  # asking is not a wrong guess
    with pytest.raises(PinProblem) as wrong:
        await wallet.change_parental_limit(1, Decimal("50"), "0000", at=start)
    assert wrong.value.why == "wrong"
    effective = await wallet.change_parental_limit(1, Decimal("50"), "2468", at=start)
    assert effective == start + 24 * 3600
    assert await wallet.apply_due_limit_changes(at=start + 3600) == 0
    assert not (await wallet.check_purchase(1, 1000)).allowed
    assert await wallet.apply_due_limit_changes(at=start + 24 * 3600) == 1
    assert (await wallet.check_purchase(1, 1000)).allowed
    for _ in range(5):
        with pytest.raises(PinProblem) as caught:
            await wallet.check_pin(1, "9999", at=start)
    assert caught.value.why == "locked" and caught.value.locked_until == start + 15 * 60
    with pytest.raises(PinProblem, match="locked"):
        await wallet.check_pin(1, "2468", at=start + 60)  # even the right PIN waits
    await wallet.check_pin(1, "2468", at=start + 16 * 60)
    lift_at = await wallet.lift_parental_lock(1, "2468", at=start + 16 * 60)
    await wallet.apply_due_limit_changes(at=lift_at)
    assert (await wallet.spending_limits(1)).lock is None


async def test_pin_hash_never_shows_in_repr(wallet: Wallet) -> None:
    await wallet.set_parental_lock(1, Decimal("10"), "USD", "2468")
    lock = (await wallet.spending_limits(1)).lock
    assert lock is not None and "pin" not in repr(lock) and "2468" not in repr(lock)
    with pytest.raises(PinProblem):
        await wallet.set_parental_lock(2, Decimal("10"), "USD", "12ab")


async def test_statement_pages_newest_first(wallet: Wallet) -> None:
    for i in range(7):
        await wallet.adjust(user_id=1, amount=i + 1, agent_id=1, reason="r", key=f"a{i}")
    page, total = await wallet.statement(1, page=0, page_size=5)
    assert total == 7 and [e.amount for e in page] == [7, 6, 5, 4, 3]
    page, _ = await wallet.statement(1, page=1, page_size=5)
    assert [e.amount for e in page] == [2, 1]


def test_wallet_command_line(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "DATABASE_PATH": str(tmp_path / "cli.sqlite3")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "wallet", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    async def seed() -> None:
        database = await Database.open(tmp_path / "cli.sqlite3")
        await add_users(UserRepository(database), 7)
        await Wallet(database).adjust(user_id=7, amount=500, agent_id=1, reason="seed", key="s")
        await database.close()

    asyncio.run(seed())
    shown = cli("show", "7", "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert (
        report["user_id"] == 7 and report["balance"] == 500 and report["currency_unit"] == "coins"
    )
    assert report["orders"] == []
    first = cli("debit", "7", "120", "--key", "gift-9", "--reason", "Lion")
    again = cli("debit", "7", "120", "--key", "gift-9", "--reason", "Lion")
    assert (
        "debited" in first.stdout
        and "already recorded" in again.stdout
        and "balance 380" in again.stdout
    )
    too_much = cli("debit", "7", "1000", "--key", "gift-10", "--reason", "x")
    assert too_much.returncode == 1 and "balance 380 is less than 1000" in too_much.stderr
    assert cli("debit", "7", "-3", "--key", "k", "--reason", "x").returncode == 2
    assert cli("show", "404").returncode == 1
    history = cli("history", "7")
    assert "gift-9" in history.stdout and "-120" in history.stdout
    verified = cli("verify")
    assert verified.returncode == 0 and "all balances equal" in verified.stdout
