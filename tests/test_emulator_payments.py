"""The emulator's Telegram Payments: Stars invoices, pre-checkout, payments, refunds, replays.

The bot side is played two ways: raw HTTP calls (to pin Telegram's errors and limits), and the
real python-telegram-bot Application with test-only handlers (to prove every object parses).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import LabeledPrice, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CommandHandler,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from bot.context import BotContext
from bot.sandbox.emulator import Emulator
from bot.sandbox.spec import load_spec
from tests.harness import Harness, serve_emulator
from tests.test_emulator import Client

USER = 42
INVOICE: dict[str, Any] = {
    "chat_id": USER,
    "title": "700 coins",
    "description": "700 coins for your account",
    "payload": "order-1.sig",
    "currency": "XTR",
    "prices": [{"label": "700 coins", "amount": 600}],
}


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[Client]:
    emulator.add_user("Ana", user_id=USER)
    async with serve_emulator(emulator) as base_url, aiohttp.ClientSession() as session:
        yield Client(session, base_url)


async def send_invoice(client: Client, **changes: Any) -> dict[str, Any]:
    status, body = await client.call("sendInvoice", form=False, **{**INVOICE, **changes})
    assert status == 200, body
    return dict(body["result"])


async def next_update(client: Client, kind: str) -> dict[str, Any]:
    """Long-poll like a bot until an update of ``kind`` arrives; confirm everything before it."""
    offset = 0
    while True:
        _, body = await client.call("getUpdates", form=False, offset=offset, timeout=5)
        for update in body["result"]:
            offset = update["update_id"] + 1
            if kind in update:
                await client.call("getUpdates", form=False, offset=offset, timeout=0)
                return dict(update[kind])


async def answer_pre_checkout(
    client: Client, ok: bool = True, error_message: str | None = None
) -> dict[str, Any]:
    query = await next_update(client, "pre_checkout_query")
    params: dict[str, Any] = {"pre_checkout_query_id": query["id"], "ok": ok}
    if error_message is not None:
        params["error_message"] = error_message
    status, body = await client.call("answerPreCheckoutQuery", form=False, **params)
    assert status == 200, body
    return query


async def test_stars_invoice_is_a_spec_valid_message(client: Client, emulator: Emulator) -> None:
    message = await send_invoice(client, start_parameter="buy-700")
    assert message["invoice"] == {
        "title": "700 coins",
        "description": "700 coins for your account",
        "start_parameter": "buy-700",
        "currency": "XTR",
        "total_amount": 600,
    }
    assert "reply_markup" not in message
    assert load_spec().problems("Message", message) == []
    assert emulator.invoice_for(message).payload == "order-1.sig"
    # the limits themselves are allowed
    await send_invoice(
        client,
        title="t" * 32,
        description="d" * 255,
        payload="p" * 128,
        prices=[{"label": "max", "amount": 10_000}],
        reply_markup={"inline_keyboard": [[{"text": "Pay ⭐600", "pay": True}]]},
    )


@pytest.mark.parametrize(
    ("changes", "status", "description"),
    [
        ({"currency": "USD", "provider_token": "284685063:TEST"}, 501, "Stars (XTR)"),
        ({"provider_token": "284685063:TEST:abc"}, 400, "PAYMENT_PROVIDER_INVALID"),
        (
            {"prices": [{"label": "a", "amount": 500}, {"label": "b", "amount": 100}]},
            400,
            "STARS_INVOICE_INVALID",
        ),
        ({"prices": []}, 400, "STARS_INVOICE_INVALID"),
        ({"max_tip_amount": 50}, 400, "STARS_INVOICE_INVALID"),
        ({"prices": [{"label": "free", "amount": 0}]}, 400, "Total price must be positive"),
        ({"prices": [{"label": "x", "amount": 10_001}]}, 400, "CURRENCY_TOTAL_AMOUNT_INVALID"),
        ({"payload": ""}, 400, "INVOICE_PAYLOAD_INVALID"),
        ({"payload": "é" * 65}, 400, "INVOICE_PAYLOAD_INVALID"),  # 130 bytes
        ({"title": ""}, 400, "invoice title must be 1-32 characters"),
        ({"title": "t" * 33}, 400, "invoice title must be 1-32 characters"),
        ({"description": "d" * 256}, 400, "invoice description must be 1-255 characters"),
        (
            {"reply_markup": {"inline_keyboard": [[{"text": "Menu", "callback_data": "m"}]]}},
            400,
            "REPLY_MARKUP_BUY_EMPTY",
        ),
        (
            {
                "reply_markup": {
                    "inline_keyboard": [
                        [{"text": "Menu", "callback_data": "m"}, {"text": "Pay", "pay": True}]
                    ]
                }
            },
            400,
            "BUTTON_TYPE_INVALID",
        ),
        ({"chat_id": 7}, 400, "chat not found"),
        ({"prices": "600"}, 400, "wrong parameter"),
    ],
)
async def test_bad_invoices_get_telegram_errors(
    client: Client, changes: dict[str, Any], status: int, description: str
) -> None:
    got_status, body = await client.call("sendInvoice", form=False, **{**INVOICE, **changes})
    assert (got_status, body["ok"]) == (status, False)
    assert description in body["description"]


async def test_pay_button_outside_an_invoice_is_refused(client: Client) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Pay", "pay": True}]]}
    status, body = await client.call("sendMessage", chat_id=USER, text="hi", reply_markup=keyboard)
    assert status == 400 and body["description"] == "Bad Request: BUTTON_TYPE_INVALID"


async def test_paying_sends_pre_checkout_then_successful_payment(
    client: Client, emulator: Emulator
) -> None:
    invoice = await send_invoice(client)
    result, query = await asyncio.gather(emulator.pay(USER, invoice), answer_pre_checkout(client))
    assert query == {
        "id": result.pre_checkout_query_id,
        "from": emulator.users[USER],
        "currency": "XTR",
        "total_amount": 600,
        "invoice_payload": "order-1.sig",
    }
    assert result.outcome == "paid" and result.payment is not None
    message = await next_update(client, "message")
    paid = message["successful_payment"]
    assert paid["telegram_payment_charge_id"] == result.payment.charge_id
    assert paid["provider_payment_charge_id"]
    assert (paid["currency"], paid["total_amount"], paid["invoice_payload"]) == (
        "XTR",
        600,
        "order-1.sig",
    )
    assert message["from"] == emulator.users[USER] and message["chat"]["id"] == USER
    assert load_spec().problems("Message", message) == []
    assert emulator.messages(USER)[-1] == message
    # the query was answered once; a second answer is refused as Telegram refuses it
    status, body = await client.call(
        "answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True
    )
    assert status == 400 and "query is too old" in body["description"]
    # the same invoice cannot be paid twice
    with pytest.raises(LookupError, match="already paid"):
        await emulator.pay(USER, invoice)


async def test_every_payment_gets_its_own_charge_id(client: Client, emulator: Emulator) -> None:
    charges = set()
    for _ in range(3):
        invoice = await send_invoice(client)
        result, _ = await asyncio.gather(emulator.pay(USER, invoice), answer_pre_checkout(client))
        assert result.payment is not None
        charges.add(result.payment.charge_id)
    assert len(charges) == 3


async def test_declined_pre_checkout_reports_the_bots_reason(
    client: Client, emulator: Emulator
) -> None:
    invoice = await send_invoice(client)
    result, _ = await asyncio.gather(
        emulator.pay(USER, invoice), answer_pre_checkout(client, False, "This order expired.")
    )
    assert (result.outcome, result.error_message) == ("declined", "This order expired.")
    assert not any("successful_payment" in m for m in emulator.messages(USER))


async def test_a_refusal_needs_an_error_message(client: Client, emulator: Emulator) -> None:
    invoice = await send_invoice(client)
    task = asyncio.create_task(emulator.pay(USER, invoice))
    query = await next_update(client, "pre_checkout_query")
    status, body = await client.call(
        "answerPreCheckoutQuery", form=False, pre_checkout_query_id=query["id"], ok=False
    )
    assert status == 400 and "error_message" in body["description"]
    status, _ = await client.call(
        "answerPreCheckoutQuery", form=False, pre_checkout_query_id=query["id"], ok=True
    )
    assert status == 200
    assert (await task).outcome == "paid"


async def test_no_answer_within_the_timeout_cancels_the_payment(
    client: Client, emulator: Emulator
) -> None:
    emulator.pre_checkout_timeout = 0.3
    invoice = await send_invoice(client)
    result = await emulator.pay(USER, invoice)
    assert result.outcome == "timeout"
    query = await next_update(client, "pre_checkout_query")
    status, body = await client.call(
        "answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True
    )
    assert status == 400 and "query is too old" in body["description"]
    assert not any("successful_payment" in m for m in emulator.messages(USER))
    assert emulator.invoice_for(invoice).paid_charge_id is None


async def test_unknown_pre_checkout_id_is_refused(client: Client) -> None:
    status, body = await client.call("answerPreCheckoutQuery", pre_checkout_query_id="99", ok=True)
    assert status == 400 and "query ID is invalid" in body["description"]


async def test_a_failing_payment_sends_no_successful_payment(
    client: Client, emulator: Emulator
) -> None:
    invoice = await send_invoice(client)
    result, _ = await asyncio.gather(
        emulator.pay(USER, invoice, fail=True), answer_pre_checkout(client)
    )
    assert result.outcome == "failed" and result.payment is None
    assert not any("successful_payment" in m for m in emulator.messages(USER))
    assert emulator.invoice_for(invoice).paid_charge_id is None


async def test_forged_pre_checkout_carries_the_altered_values(
    client: Client, emulator: Emulator
) -> None:
    invoice = await send_invoice(client)
    emulator.add_user("Eve", user_id=666)
    answer, query = await asyncio.gather(
        emulator.pre_checkout(
            666, invoice, total_amount=1, currency="USD", invoice_payload="order-1.forged"
        ),
        answer_pre_checkout(client, False, "Not your order."),
    )
    assert (query["from"]["id"], query["total_amount"], query["currency"]) == (666, 1, "USD")
    assert query["invoice_payload"] == "order-1.forged"
    assert (answer.ok, answer.error_message) == (False, "Not your order.")
    with pytest.raises(LookupError, match="not an invoice"):
        await emulator.pre_checkout(USER, emulator.messages(USER)[0] | {"message_id": 999})


async def test_replayed_payment_comes_again_with_a_new_or_the_same_update_id(
    client: Client, emulator: Emulator
) -> None:
    invoice = await send_invoice(client)
    result, _ = await asyncio.gather(emulator.pay(USER, invoice), answer_pre_checkout(client))
    assert result.payment is not None
    original = result.payment.update
    copy = emulator.replay_successful_payment(result.payment.charge_id)
    assert copy["update_id"] > original["update_id"] and copy["message"] == original["message"]
    assert emulator.replay_successful_payment(result.payment.charge_id, same_update_id=True) == (
        original
    )


async def test_refund_posts_refunded_payment_once(client: Client, emulator: Emulator) -> None:
    invoice = await send_invoice(client)
    result, _ = await asyncio.gather(emulator.pay(USER, invoice), answer_pre_checkout(client))
    assert result.payment is not None
    charge = result.payment.charge_id
    emulator.add_user("Eve", user_id=666)
    for user_id, charge_id in [(666, charge), (USER, "stx-unknown")]:
        status, body = await client.call(
            "refundStarPayment", user_id=user_id, telegram_payment_charge_id=charge_id
        )
        assert status == 400 and body["description"] == "Bad Request: CHARGE_NOT_FOUND"
    status, body = await client.call(
        "refundStarPayment", user_id=USER, telegram_payment_charge_id=charge
    )
    assert status == 200 and body["result"] is True
    refund = emulator.messages(USER)[-1]
    assert refund["refunded_payment"] == {
        "currency": "XTR",
        "total_amount": 600,
        "invoice_payload": "order-1.sig",
        "telegram_payment_charge_id": charge,
        "provider_payment_charge_id": result.payment.successful_payment[
            "provider_payment_charge_id"
        ],
    }
    assert load_spec().problems("Message", refund) == []
    status, body = await client.call(
        "refundStarPayment", user_id=USER, telegram_payment_charge_id=charge
    )
    assert status == 400 and body["description"] == "Bad Request: CHARGE_ALREADY_REFUNDED"


async def test_star_transactions_list_payments_and_refunds_newest_first(
    client: Client, emulator: Emulator
) -> None:
    first = await send_invoice(client)
    paid, _ = await asyncio.gather(emulator.pay(USER, first), answer_pre_checkout(client))
    assert paid.payment is not None
    paid.payment.paid_at -= 60  # an older payment
    second = await send_invoice(client, prices=[{"label": "70 coins", "amount": 60}])
    await asyncio.gather(emulator.pay(USER, second), answer_pre_checkout(client))
    await client.call(
        "refundStarPayment", user_id=USER, telegram_payment_charge_id=paid.payment.charge_id
    )
    status, body = await client.call("getStarTransactions", limit=500)
    assert status == 200
    transactions = body["result"]["transactions"]
    assert [(t["amount"], "source" in t, "receiver" in t) for t in transactions] == [
        (600, False, True),  # the refund, just now
        (60, True, False),
        (600, True, False),  # the first payment, a minute ago
    ]
    assert transactions[0]["id"] == transactions[2]["id"] == paid.payment.charge_id
    assert transactions[1]["source"] == {
        "type": "user",
        "transaction_type": "invoice_payment",
        "user": emulator.users[USER],
        "invoice_payload": "order-1.sig",
    }
    _, body = await client.call("getStarTransactions", offset=1, limit=1)
    assert [t["amount"] for t in body["result"]["transactions"]] == [60]


async def test_payment_control_endpoints(client: Client, emulator: Emulator) -> None:
    invoice = await send_invoice(client)
    base = f"{client.base_url}/_emulator"
    where = {"user_id": USER, "chat_id": USER, "message_id": invoice["message_id"]}

    async def post(path: str, body: dict[str, Any]) -> tuple[int, Any]:
        response = await client.session.post(f"{base}/{path}", json=body)
        text = await response.text()
        return response.status, json.loads(text) if response.status == 200 else text

    (status, forged), _ = await asyncio.gather(
        post("pre_checkout", {**where, "total_amount": 1}),
        answer_pre_checkout(client, False, "Wrong amount."),
    )
    assert status == 200
    assert (forged["ok"], forged["error_message"]) == (False, "Wrong amount.")
    (status, failed), _ = await asyncio.gather(
        post("pay", {**where, "fail": True}), answer_pre_checkout(client)
    )
    assert (status, failed["outcome"], failed["message"]) == (200, "failed", None)
    (status, paid), _ = await asyncio.gather(post("pay", where), answer_pre_checkout(client))
    assert (status, paid["outcome"]) == (200, "paid")
    assert (
        paid["message"]["successful_payment"]["telegram_payment_charge_id"]
        == (paid["telegram_payment_charge_id"])
    )
    assert (await post("pay", where))[0] == 409
    status, replay = await post(
        "replay_payment", {"telegram_payment_charge_id": paid["telegram_payment_charge_id"]}
    )
    assert status == 200 and replay["update"]["message"] == paid["message"]
    assert (await post("replay_payment", {"telegram_payment_charge_id": "nope"}))[0] == 404
    assert (await post("pay", {**where, "message_id": 999}))[0] == 404
    assert (await post("pay", {**where, "user_id": 5}))[0] == 404
    assert (await post("pay", {"user_id": USER}))[0] == 400


async def test_real_bot_sells_refunds_and_lists_stars(harness: Harness) -> None:
    """python-telegram-bot parses the invoice, the query, both service messages, the ledger."""

    async def buy(update: Update, context: BotContext) -> None:
        assert update.effective_chat is not None
        await context.bot.send_invoice(
            update.effective_chat.id,
            "70 coins",
            "70 coins for your account",
            "order-7",
            "XTR",
            [LabeledPrice("70 coins", 60)],
        )
        raise ApplicationHandlerStop

    async def check(update: Update, context: BotContext) -> None:
        query = update.pre_checkout_query
        assert query is not None
        if query.invoice_payload == "order-7" and query.total_amount == 60:
            await query.answer(ok=True)
        else:
            await query.answer(ok=False, error_message="This checkout does not match the order.")

    async def paid(update: Update, context: BotContext) -> None:
        message = update.effective_message
        assert message is not None
        if message.successful_payment is not None:
            await message.reply_text(f"Paid {message.successful_payment.total_amount}.")
        elif message.refunded_payment is not None:
            await message.reply_text(f"Refunded {message.refunded_payment.total_amount}.")
        raise ApplicationHandlerStop

    application = harness.application
    application.add_handler(CommandHandler("buy", buy), group=-2)
    application.add_handler(PreCheckoutQueryHandler(check), group=-2)
    application.add_handler(
        MessageHandler(filters.SUCCESSFUL_PAYMENT | filters.StatusUpdate.REFUNDED_PAYMENT, paid),
        group=-2,
    )
    ana = harness.person("Ana")
    [invoice] = await ana.send("/buy")
    emulator = harness.emulator
    assert (await emulator.pre_checkout(ana.id, invoice, total_amount=6)).error_message == (
        "This checkout does not match the order."
    )
    result = await emulator.pay(ana.id, invoice)
    assert result.outcome == "paid" and result.payment is not None
    await emulator.wait_for(lambda: ana.last().get("text") == "Paid 60.", what="the receipt")
    charge = result.payment.charge_id
    assert await application.bot.refund_star_payment(ana.id, charge)
    await emulator.wait_for(lambda: ana.last().get("text") == "Refunded 60.", what="the refund")
    ledger = await application.bot.get_star_transactions()
    assert [(t.id, t.amount, t.receiver is not None) for t in ledger.transactions] == [
        (charge, 60, True),
        (charge, 60, False),
    ]
