"""Recharge end to end: the real bot, the emulator's Telegram Stars, the web-checkout endpoint."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import web_routes_app
from bot.i18n import SUPPORTED_LOCALES
from bot.recharge.signing import notification_signature
from tests.harness import Harness, Person, buttons

SECRET = "test-webhook-secret"


async def open_invoice(person: Person, package_label: str = "700 coins") -> dict[str, Any]:
    await person.send("/recharge")
    await person.press(package_label)
    await person.press("Telegram Stars")
    replies = await person.press("Confirm")
    invoices = [m for m in replies if "invoice" in m]
    assert invoices, replies
    return invoices[0]


async def balance(harness: Harness, person: Person) -> int:
    assert harness.services.wallet is not None
    return await harness.services.wallet.balance(person.id)


async def test_full_stars_purchase_from_start_to_receipt(harness: Harness) -> None:
    ana = harness.person("Ana")
    [menu] = await ana.send("/start")
    assert any("Recharge coins" in b["text"] for b in buttons(menu))
    [packages] = await ana.press("Recharge coins")
    assert (
        "North America" in packages["text"]
        and "$9.99" in packages["text"]
        and "600 ⭐" in packages["text"]
    )
    [methods] = await ana.press("700 coins · $9.99")
    assert "⭐ Telegram Stars — 600 ⭐" in [b["text"] for b in buttons(methods)]
    [confirm] = await ana.press("Telegram Stars")
    assert "Price: 600 ⭐" in confirm["text"]
    replies = await ana.press("Confirm")
    [invoice] = [m for m in replies if "invoice" in m]
    assert invoice["invoice"] == {
        "title": "700 coins",
        "description": invoice["invoice"]["description"],
        "start_parameter": "",
        "currency": "XTR",
        "total_amount": 600,
    }
    seq = harness.emulator.last_seq
    result = await harness.emulator.pay(ana.id, invoice)
    assert result.outcome == "paid"
    receipt = await harness.emulator.wait_for(
        lambda: [
            e.payload
            for e in harness.emulator.events_after(seq, {"message"}, ana.id)
            if "Payment received" in e.payload.get("text", "")
        ],
        what="the receipt",
    )
    text = receipt[0]["text"]
    assert "700 coins were added" in text and "New balance: 700 coins" in text and "RD-" in text
    assert await balance(harness, ana) == 700

    assert result.payment is not None
    harness.emulator.replay_successful_payment(result.payment.charge_id)
    await harness.emulator.wait_for(
        lambda: (
            len(
                [
                    e
                    for e in harness.emulator.events_after(seq, {"message"}, ana.id)
                    if "Payment received" in e.payload.get("text", "")
                ]
            )
            >= 2
        ),
        what="the receipt again",
    )
    assert await balance(harness, ana) == 700
    assert harness.services.wallet is not None
    assert await harness.services.wallet.verify() == []


@pytest.mark.parametrize(
    "tamper",
    ["amount", "currency", "payload", "other_user", "expired", "budget", "paid"],
)
async def test_pre_checkout_refusals(harness: Harness, tamper: str) -> None:
    ana = harness.person("Ana")
    bob = harness.person("Bob")
    await bob.send("/start")
    invoice = await open_invoice(ana)
    wallet = harness.services.wallet
    assert wallet is not None
    overrides: dict[str, Any] = {}
    payer = ana.id
    if tamper == "amount":
        overrides["total_amount"] = 1
    elif tamper == "currency":
        overrides["currency"] = "USD"
    elif tamper == "payload":
        record = harness.emulator.invoice_for(invoice)
        overrides["invoice_payload"] = record.payload[:-1] + (
            "A" if record.payload[-1] != "A" else "B"
        )
    elif tamper == "other_user":
        payer = bob.id
    elif tamper == "expired":
        await harness.services.db.execute("UPDATE orders SET expires_at = 0")
    elif tamper == "budget":
        from decimal import Decimal

        await wallet.set_budget(ana.id, Decimal("5"), "USD")
    elif tamper == "paid":
        await harness.services.db.execute("UPDATE orders SET state = 'failed', failed_at = 1")
    answer = await harness.emulator.pre_checkout(payer, invoice, **overrides)
    assert answer.ok is False and answer.error_message
    assert await balance(harness, ana) == 0


async def test_budget_refusal_is_shown_before_any_order(harness: Harness) -> None:
    from decimal import Decimal

    ana = harness.person("Ana")
    await ana.send("/start")
    assert harness.services.wallet is not None
    await harness.services.wallet.set_budget(ana.id, Decimal("5"), "USD")
    await ana.send("/recharge")
    await ana.press("700 coins")
    await ana.press("Telegram Stars")
    replies = await ana.press("Confirm")
    assert "go over your monthly budget" in replies[-1]["text"] and "$9.99" in replies[-1]["text"]
    assert await harness.services.wallet.recent_orders(ana.id) == []


async def test_custom_amount_is_typed_and_junk_explained(harness: Harness) -> None:
    ana = harness.person("Ana", language_code="pt-br")
    await ana.send("/recharge")
    [prompt] = await ana.press("Outro valor")
    assert "30" in prompt["text"]
    [problem] = await ana.send("muitas")
    assert "1400" in problem["text"]
    [small] = await ana.send("5")
    assert "30" in small["text"]
    [methods] = await ana.send("1.400")
    assert "1.400 moedas" in methods["text"]
    assert any("R$" in b["text"] for b in buttons(methods))


async def test_web_checkout_link_and_app_store_steps(harness: Harness) -> None:
    ana = harness.person("Ana", language_code="hi")
    await ana.send("/recharge")
    await ana.press("700")
    [confirm] = await ana.press("UPI")
    assert "₹849" in confirm["text"]
    replies = await ana.press("✅")
    [link] = [b for b in buttons(replies[-1]) if "url" in b]
    assert (
        link["url"].startswith("https://www.tiktok.com/coin/checkout?order=RD-")
        and "currency=INR" in link["url"]
    )
    await ana.send("/recharge")
    await ana.press("700")
    [steps] = await ana.press("App Store")
    assert "₹1,104" in steps["text"] and "₹849" in steps["text"]


async def test_unavailable_region_and_region_change(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/recharge")
    await ana.press("Change region")
    [blocked] = await ana.press("not available")
    assert "not available" in blocked["text"]
    await ana.press("Change region")
    [brazil] = await ana.press("Brazil")
    assert "R$54.90" in brazil["text"]
    record = await harness.services.users.get(ana.id)
    assert record is not None and record.region == "brazil"


async def test_forged_recharge_buttons_expire(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/recharge")
    for data in [
        "rc:p:atlantis:p70",
        "rc:p:brazil:p71",
        "rc:m:brazil:p70:upi",
        "rc:go:brazil:+5:pix",
        "rc:go:brazil:+999999999999:pix",
        "rc:check:RD-NOTMINE0",
        "rc:r:unavailable:x",
        "ps:t:boom",
    ]:
        replies = await ana.press_forged(data)
        assert "no longer valid" in replies[-1]["text"], data
    assert harness.services.wallet is not None
    assert await harness.services.wallet.recent_orders(ana.id) == []


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_every_locale_renders_the_package_list(harness: Harness, locale: str) -> None:
    person = harness.person("Ana", language_code=locale.replace("_", "-").lower())
    [packages] = await person.send("/recharge")
    english = harness.services.catalogs["en"]
    translator = harness.services.catalogs[locale]
    assert translator._("Website · app · Telegram Stars:") in packages["text"]
    if locale != "en":
        assert english._("Website · app · Telegram Stars:") not in packages["text"]
    assert len(buttons(packages)) == 9


async def test_paysupport_looks_at_real_orders(harness: Harness) -> None:
    ana = harness.person("Ana")
    invoice = await open_invoice(ana)
    [empty_help] = await ana.send("/paysupport")
    assert "RD-" in str(buttons(empty_help))
    [status] = await ana.press("RD-")
    assert "not paid yet" in status["text"]
    await harness.emulator.pay(ana.id, invoice)
    await harness.emulator.wait_for(lambda: harness.emulator.star_payments, what="a payment")
    await ana.send("/paysupport")
    [missing] = await ana.press("didn't arrive")
    assert "Paid and done" in missing["text"]
    await ana.send("/paysupport")
    [wrong] = await ana.press("balance looks wrong")
    assert "Your balance is 700 coins" in wrong["text"]
    [terms] = await ana.send("/terms")
    assert "non-refundable" in terms["text"] and "cannot be transferred" in terms["text"]


async def test_unmatched_stars_payment_is_refunded_or_escalated(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/start")
    payment = {
        "currency": "XTR",
        "total_amount": 60,
        "invoice_payload": "RD-AAAAAAAA.forged",
        "telegram_payment_charge_id": "stx-unknown",
        "provider_payment_charge_id": "p",
    }
    [reply] = await ana.send_message(successful_payment=payment)
    assert "could not match it to an order" in reply["text"] and "/paysupport" in reply["text"]
    assert await balance(harness, ana) == 0


async def pix_order(person: Person) -> str:
    """Order 700 coins by Pix through the chat; the reference from the checkout link."""
    await person.send("/recharge")
    await person.press("700")
    await person.press("Pix")
    replies = await person.press("Confirmar")
    [link] = [b["url"] for b in buttons(replies[-1]) if "url" in b]
    return str(link.split("order=")[1].split("&")[0])


@pytest.fixture
async def notify(harness: Harness) -> AsyncIterator[Any]:
    from pydantic import SecretStr

    harness.services.settings.payment_webhook_secret = SecretStr(SECRET)
    runner = web.AppRunner(web_routes_app(harness.services))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as session:

        async def post(
            body: dict[str, Any], *, secret: str = SECRET, timestamp: int | None = None
        ) -> tuple[int, dict[str, Any]]:
            raw = json.dumps(body).encode()
            stamp = str(int(time.time()) if timestamp is None else timestamp)
            headers = {
                "X-Timestamp": stamp,
                "X-Signature": notification_signature(secret, stamp, raw),
                "Content-Type": "application/json",
            }
            async with session.post(
                f"http://127.0.0.1:{port}/payments/notify", data=raw, headers=headers
            ) as response:
                return response.status, await response.json()

        yield post
    await runner.cleanup()


async def test_web_checkout_notification_credits_once(harness: Harness, notify: Any) -> None:
    ana = harness.person("Ana", language_code="pt-br")
    reference = await pix_order(ana)
    body = {
        "order_ref": reference,
        "external_payment_id": "pix-123",
        "amount": "54.90",
        "currency": "BRL",
        "status": "paid",
    }
    seq = harness.emulator.last_seq
    results = [await notify(body) for _ in range(3)]
    assert [status for status, _ in results] == [200, 200, 200]
    assert [r["duplicate"] for _, r in results] == [False, True, True]
    assert await balance(harness, ana) == 700
    receipts = await harness.emulator.wait_for(
        lambda: [
            e
            for e in harness.emulator.events_after(seq, {"message"}, ana.id)
            if "700 moedas" in e.payload["text"]
        ],
        what="the receipt",
    )
    assert len(receipts) == 1


async def test_web_checkout_notification_rejections(harness: Harness, notify: Any) -> None:
    ana = harness.person("Ana", language_code="pt-br")
    reference = await pix_order(ana)
    good = {
        "order_ref": reference,
        "external_payment_id": "pix-9",
        "amount": "54.90",
        "currency": "BRL",
        "status": "paid",
    }
    assert (await notify(good, secret="wrong"))[0] == 401
    assert (await notify(good, timestamp=int(time.time()) - 301))[0] == 401
    assert (await notify({**good, "amount": "5.49"}))[0] == 422
    assert (await notify({**good, "currency": "USD"}))[0] == 422
    assert (await notify({**good, "order_ref": "RD-ZZZZZZZZ"}))[0] == 404
    assert (await notify({**good, "amount": "lots"}))[0] == 400
    assert (await notify({"order_ref": reference}))[0] == 400
    assert await balance(harness, ana) == 0
    status, failed = await notify({**good, "status": "failed"})
    assert status == 200 and failed["state"] == "failed"
