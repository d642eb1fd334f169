"""``python -m bot wallet ...``: look at a wallet, record the platform's spending, verify it all."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.config import load_settings

if TYPE_CHECKING:
    from bot.wallet.service import Wallet


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than zero")
    return value


def _with_wallet(
    action: Callable[[Any, argparse.Namespace], Awaitable[int]],
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from bot.db import Database
        from bot.wallet.records import WalletError
        from bot.wallet.service import Wallet

        async def main() -> int:
            db = await Database.open(load_settings().database_path)
            try:
                return await action(Wallet(db), args)
            except WalletError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            finally:
                await db.close()

        return asyncio.run(main())

    return run


def _when(timestamp: int | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp else None


async def _show(wallet: Wallet, args: argparse.Namespace) -> int:
    from bot.wallet.records import UnknownUser
    from bot.wallet.rules import from_minor

    if not await wallet.user_exists(args.user_id):
        raise UnknownUser(args.user_id)
    view = await wallet.spending_limits(args.user_id)
    orders = await wallet.recent_orders(args.user_id, args.orders)
    report: dict[str, Any] = {
        "user_id": args.user_id,
        "balance": await wallet.balance(args.user_id),
        "currency_unit": "coins",
        "budget": {
            "amount": str(from_minor(view.budget.amount_minor, view.budget.currency)),
            "currency": view.budget.currency,
        }
        if view.budget
        else None,
        "parental_lock": {
            "limit": str(from_minor(view.lock.limit_minor, view.lock.currency)),
            "currency": view.lock.currency,
            "pending_change_at": _when(view.lock.pending_effective_at),
        }
        if view.lock
        else None,
        "spent_this_month": [
            {
                "kind": s.kind.value,
                "spent": str(from_minor(s.spent_minor, s.currency)),
                "currency": s.currency,
            }
            for s in view.spending
        ],
        "orders": [
            {
                "reference": o.reference,
                "state": o.state.value,
                "coins": o.coins,
                "price": str(from_minor(o.price_minor, o.currency)),
                "currency": o.currency,
                "method": o.method,
                "region": o.region,
                "created_at": _when(o.created_at),
                "credited_at": _when(o.credited_at),
            }
            for o in orders
        ],
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(f"user {args.user_id}: {report['balance']} coins")
    if report["budget"]:
        print(f"budget: {report['budget']['amount']} {report['budget']['currency']} a month")
    if report["parental_lock"]:
        lock = report["parental_lock"]
        print(f"parental lock: {lock['limit']} {lock['currency']} a month")
    for order in report["orders"]:
        print(
            f"  {order['reference']}  {order['state']:<9} {order['coins']:>6} coins  "
            f"{order['price']} {order['currency']}  {order['method']}  {order['created_at']}"
        )
    return 0


async def _history(wallet: Wallet, args: argparse.Namespace) -> int:
    entries, total = await wallet.statement(args.user_id, page=0, page_size=args.limit)
    print(f"user {args.user_id}: {total} entries, balance {await wallet.balance(args.user_id)}")
    for entry in entries:
        print(
            f"  #{entry.entry_id:<6} {_when(entry.created_at)}  {entry.amount:+8d}  "
            f"= {entry.balance_after:<8} {entry.kind.value:<10} {entry.reference_type.value}:"
            f"{entry.reference}  {entry.actor}  {entry.reason or ''}"
        )
    return 0


async def _debit(wallet: Wallet, args: argparse.Namespace) -> int:
    movement = await wallet.debit(
        user_id=args.user_id, coins=args.coins, key=args.key, reason=args.reason, actor="cli"
    )
    state = "already recorded" if movement.replayed else "debited"
    print(f"{state}: {args.coins} coins from user {args.user_id}, balance {movement.balance}")
    return 0


async def _verify(wallet: Wallet, args: argparse.Namespace) -> int:
    problems = await wallet.verify()
    for problem in problems:
        print(problem)
    print(
        "wallet verified: all balances equal their ledgers"
        if not problems
        else f"{len(problems)} problem(s)"
    )
    return 1 if problems else 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    wallet = commands.add_parser("wallet", help="wallets, ledgers and orders")
    actions = wallet.add_subparsers(dest="wallet_command", metavar="ACTION", required=True)

    show = actions.add_parser("show", help="balance, limits and recent orders of a user")
    show.add_argument("user_id", type=_positive_int)
    show.add_argument("--json", action="store_true")
    show.add_argument("--orders", type=_positive_int, default=10, help="how many orders (10)")
    show.set_defaults(handler=_with_wallet(_show))

    history = actions.add_parser("history", help="a user's ledger, newest first")
    history.add_argument("user_id", type=_positive_int)
    history.add_argument("--limit", type=_positive_int, default=50)
    history.set_defaults(handler=_with_wallet(_history))

    debit = actions.add_parser("debit", help="record the platform spending a user's coins")
    debit.add_argument("user_id", type=_positive_int)
    debit.add_argument("coins", type=_positive_int)
    debit.add_argument("--key", required=True, help="idempotency key: the same key debits once")
    debit.add_argument("--reason", required=True)
    debit.set_defaults(handler=_with_wallet(_debit))

    verify = actions.add_parser("verify", help="recompute every balance from the ledger")
    verify.set_defaults(handler=_with_wallet(_verify))
