"""Shared set-up for wallet tests: a real SQLite file, users, and paid orders."""

from __future__ import annotations

from decimal import Decimal

from bot.users import UserRepository
from bot.wallet.records import Movement, Order
from bot.wallet.rules import ReferenceType
from bot.wallet.service import Wallet


async def add_users(users: UserRepository, *user_ids: int) -> None:
    for user_id in user_ids:
        await users.touch(user_id, f"user{user_id}", None, "en")


async def new_order(wallet: Wallet, user_id: int, coins: int = 700, price: str = "9.99") -> Order:
    return await wallet.create_order(
        user_id=user_id,
        package_id=None,
        coins=coins,
        price=Decimal(price),
        currency="USD",
        local_price=Decimal(price),
        local_currency="USD",
        method="card",
        region="north_america",
    )


async def pay(wallet: Wallet, order: Order, charge_id: str) -> Movement:
    return await wallet.credit_payment(
        order_reference=order.reference,
        payment_reference=charge_id,
        reference_type=ReferenceType.TELEGRAM_CHARGE,
        amount_minor=order.price_minor,
        currency=order.currency,
        actor="telegram",
    )
