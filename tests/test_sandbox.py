"""The sandbox server in-process: page, live stream, routes from the registry, checkout, state."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot import app as bot_app
from bot.config import ConfigError
from bot.sandbox.emulator import Emulator
from bot.sandbox.server import AGENTS, TEST_USERS, WEB_DIR, Sandbox, open_sandbox
from bot.sandbox.spec import load_spec
from bot.sandbox.state import state_path
from bot.sandbox.webcheckout import CheckoutOrder, signature
from tests.harness import TOKEN
from tests.sandboxing import sandbox_settings, send_stars_invoice, web_checkout_order

ANA, OMAR = TEST_USERS[0].user_id, TEST_USERS[5].user_id


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with open_sandbox(sandbox_settings(tmp_path)) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def read_event(response: aiohttp.ClientResponse) -> dict[str, str]:
    """The next server-sent event (comments skipped) as its fields."""
    fields: dict[str, str] = {}
    while True:
        line = (await asyncio.wait_for(response.content.readline(), 10)).decode().rstrip("\n")
        if not line:
            if fields:
                return fields
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(": ")
        fields[name] = value


async def test_page_is_served_with_a_strict_content_policy(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    async with http.get(sandbox.url + "/") as response:
        assert response.status == 200
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert '<script src="/static/app.js"' in await response.text()
    async with http.get(sandbox.url + "/static/app.js") as response:
        assert response.status == 200 and "renderText" in await response.text()
    async with http.get(sandbox.url + "/checkout") as response:
        assert response.status == 200 and "Content-Security-Policy" in response.headers


def test_page_scripts_never_turn_text_into_html() -> None:
    for script in WEB_DIR.glob("*.js"):
        source = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, f"{script.name} uses {sink}"


async def test_config_lists_people_in_every_language_and_the_staff_group(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    async with http.get(sandbox.url + "/sandbox/config") as response:
        config = await response.json()
    assert config["bot"]["id"] == sandbox.emulator.bot_user["id"]
    languages = [user["language_code"] for user in config["users"]]
    assert languages == ["en", "es", "pt-br", "id", "hi", "ar", "ru"]
    assert [agent["id"] for agent in config["agents"]] == [agent.user_id for agent in AGENTS]
    [staff] = config["staff_chats"]
    assert staff["is_forum"] and staff["id"] == sandbox.services.settings.staff_chat_id


async def test_the_bot_runs_against_the_emulator_with_sandbox_settings(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    settings = sandbox.services.settings
    assert settings.bot_api_url == f"{sandbox.url}/bot"
    assert str(settings.web_checkout_url) == f"{sandbox.url}/checkout"
    assert settings.payment_webhook_secret is not None
    assert len(settings.payment_webhook_secret.get_secret_value()) >= 32
    emulator = sandbox.emulator
    async with http.post(
        sandbox.url + "/_emulator/send", json={"user_id": OMAR, "text": "/start"}
    ) as response:
        assert response.status == 200
    greeting = await emulator.wait_for(
        lambda: [m for m in emulator.bot_messages(OMAR) if "reply_markup" in m], what="the menu"
    )
    assert "مرحبًا" in greeting[0]["text"]
    async with http.get(
        sandbox.url + "/_emulator/commands", params={"user_id": str(OMAR), "language_code": "ar"}
    ) as response:
        commands = (await response.json())["commands"]
    assert commands[0]["command"] == "start" and commands[0]["description"] != "Main menu"


async def test_secret_from_the_settings_is_kept(tmp_path: Path) -> None:
    settings = sandbox_settings(tmp_path, payment_webhook_secret="operator-chosen-secret")
    async with open_sandbox(settings) as sandbox:
        secret = sandbox.services.settings.payment_webhook_secret
        assert secret is not None and secret.get_secret_value() == "operator-chosen-secret"


async def test_stream_sends_events_live_and_resumes_after_a_reconnect(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    emulator = sandbox.emulator
    async with http.get(sandbox.url + "/sandbox/stream") as response:
        assert response.headers["Content-Type"] == "text/event-stream"
        hello = await read_event(response)
        assert hello["event"] == "hello"
        assert json.loads(hello["data"]) == {"resumed": False}
        emulator.send_text(ANA, "/start")
        incoming = await read_event(response)
        event = json.loads(incoming["data"])
        assert (event["kind"], event["payload"]["text"]) == ("incoming", "/start")
        while event["kind"] != "message":
            last = await read_event(response)
            event = json.loads(last["data"])
        assert event["chat_id"] == ANA and "reply_markup" in event["payload"]
        last_id = last["id"]
    emulator.send_text(ANA, "/help")  # sent while no page listens
    headers = {"Last-Event-ID": last_id}
    async with http.get(sandbox.url + "/sandbox/stream", headers=headers) as response:
        assert json.loads((await read_event(response))["data"])["resumed"] is True
        missed = json.loads((await read_event(response))["data"])
        assert missed["kind"] == "incoming" and missed["payload"]["text"] == "/help"
    headers = {"Last-Event-ID": "an-older-run:3"}
    async with http.get(sandbox.url + "/sandbox/stream", headers=headers) as response:
        assert json.loads((await read_event(response))["data"])["resumed"] is False


async def test_forward_and_staff_messages_through_the_control_routes(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    url = sandbox.url + "/_emulator"
    body = {"user_id": ANA, "text": "Cheap coins at coins-deal.example!", "sender_name": "Deals"}
    async with http.post(f"{url}/forward", json=body) as response:
        message = (await response.json())["message"]
    origin = message["forward_origin"]
    assert origin["type"] == "user" and origin["sender_user"]["first_name"] == "Deals"
    assert origin["sender_user"]["id"] not in sandbox.emulator.users
    assert load_spec().problems("Message", message) == []
    async with http.post(f"{url}/forward", json={**body, "sender_name": " "}) as response:
        assert response.status == 400
    staff = sandbox.services.settings.staff_chat_id
    topic = await sandbox.emulator.call("createForumTopic", {"chat_id": staff, "name": "#9 · Ana"})
    thread = topic["message_thread_id"]
    agent = AGENTS[0].user_id
    note = {"user_id": agent, "chat_id": staff, "text": "/close", "message_thread_id": thread}
    async with http.post(f"{url}/send", json=note) as response:
        [sent] = (await response.json())["messages"]
    assert sent["chat"]["id"] == staff and sent["message_thread_id"] == thread
    assert sent["is_topic_message"] is True and sent["entities"][0]["type"] == "bot_command"
    assert load_spec().problems("Message", sent) == []
    async with http.post(f"{url}/send", json={**note, "message_thread_id": 999}) as response:
        assert response.status == 400  # no such topic


async def test_routes_from_the_registry_are_mounted(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    raw = b'{"order_ref":"RD-1"}'
    headers = {"X-Timestamp": str(int(time.time())), "X-Signature": "0" * 64}
    async with http.post(sandbox.url + "/payments/notify", data=raw, headers=headers) as r:
        assert r.status == 401  # recharge's own handler answered
        assert (await r.json())["error"] == "bad_signature"


async def test_checkout_sends_the_bot_a_signed_notification(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    order = await web_checkout_order(sandbox, ANA)
    paid = {"order": order.reference, "amount": "54.90", "currency": "BRL", "coins": "700"}
    async with http.post(sandbox.url + "/sandbox/checkout/pay", json=paid) as response:
        first = await response.json()
    assert (response.status, first["status"]) == (200, 200)
    again = {**paid, "external_payment_id": first["external_payment_id"]}
    async with http.post(sandbox.url + "/sandbox/checkout/pay", json=again) as response:
        assert (await response.json())["status"] == 200
    for bad in ({**paid, "amount": "-1"}, {**paid, "currency": "reais"}, {"order": ""}):
        async with http.post(sandbox.url + "/sandbox/checkout/pay", json=bad) as response:
            assert response.status == 400
    wrong_amount = {**paid, "amount": "5.49"}
    async with http.post(sandbox.url + "/sandbox/checkout/pay", json=wrong_amount) as response:
        assert (await response.json())["status"] == 422
    assert sandbox.services.wallet is not None
    assert await sandbox.services.wallet.balance(ANA) == 700  # credited once


async def test_checkout_without_the_endpoint_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http: aiohttp.ClientSession
) -> None:
    without_recharge = tuple(f for f in bot_app.FEATURES if f.__name__ != "bot.recharge")
    monkeypatch.setattr(bot_app, "FEATURES", without_recharge)
    async with open_sandbox(sandbox_settings(tmp_path)) as sandbox:
        order = {"order": "RD-1", "amount": "0.99", "currency": "USD"}
        async with http.post(sandbox.url + "/sandbox/checkout/pay", json=order) as response:
            assert response.status == 503
            assert "/payments/notify" in (await response.json())["error"]


def test_checkout_order_and_signature() -> None:
    order = CheckoutOrder.parse("RD-1", "1399.00", "INR")
    body = order.notification("pay-9")
    assert json.loads(body) == {
        "order_ref": "RD-1",
        "external_payment_id": "pay-9",
        "amount": "1399.00",
        "currency": "INR",
        "status": "paid",
    }
    # hex HMAC-SHA256 over "<timestamp>.<raw body>"
    expected = hmac.new(b"s3cret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert signature("s3cret", 1700000000, b'{"a":1}') == expected
    for args in [("", "1", "USD"), ("R", "abc", "USD"), ("R", "NaN", "USD"), ("R", "1", "usd")]:
        with pytest.raises(ValueError):
            CheckoutOrder.parse(*args)


async def test_a_restart_keeps_the_chats_and_the_bots_data(tmp_path: Path) -> None:
    settings = sandbox_settings(tmp_path)
    async with open_sandbox(settings) as sandbox:
        emulator = sandbox.emulator
        emulator.send_text(ANA, "/start")
        await emulator.wait_for(lambda: emulator.bot_messages(ANA), what="the menu")
        before = emulator.messages(ANA)
    assert state_path(settings.database_path).exists()
    async with open_sandbox(settings) as sandbox:
        emulator = sandbox.emulator
        assert emulator.messages(ANA) == before
        emulator.send_text(ANA, "/help")
        await emulator.wait_for(
            lambda: len(emulator.bot_messages(ANA)) == 2, what="a reply after the restart"
        )
        ids = [m["message_id"] for m in emulator.messages(ANA)]
        assert ids == sorted(set(ids))
        assert await sandbox.services.users.get(ANA) is not None


async def test_an_unreadable_state_file_is_set_aside(tmp_path: Path) -> None:
    settings = sandbox_settings(tmp_path)
    path = state_path(settings.database_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 1, "users": "nonsense"}')
    async with open_sandbox(settings) as sandbox:
        assert sandbox.emulator.messages(ANA) == []
    assert path.with_name(path.name + ".unreadable").exists()


async def test_a_busy_port_is_a_config_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=r"^SANDBOX_PORT: cannot listen on 127.0.0.1:"):
            async with open_sandbox(sandbox_settings(tmp_path, sandbox_port=port)):
                pass


async def test_state_round_trip_keeps_counters_and_payments() -> None:
    emulator = Emulator(TOKEN)
    emulator.add_user("Ana", user_id=1)
    emulator.send_text(1, "hello")
    invoice = await send_stars_invoice(emulator, 1, coins=70, stars=60)
    paying = asyncio.create_task(emulator.pay(1, invoice))
    query = await emulator.wait_for(
        lambda: [u for u in emulator._updates if "pre_checkout_query" in u], what="the query"
    )
    params = {"pre_checkout_query_id": query[0]["pre_checkout_query"]["id"], "ok": True}
    await emulator.call("answerPreCheckoutQuery", params)
    payment = (await paying).payment
    assert payment is not None

    copy = Emulator(TOKEN)
    copy.import_state(json.loads(json.dumps(emulator.export_state())))
    assert copy.messages(1) == emulator.messages(1)
    assert copy.push_update({})["update_id"] == emulator.push_update({})["update_id"]
    assert copy.send_text(1, "again")["message_id"] == emulator.send_text(1, "x")["message_id"]
    assert copy.invoice_for(invoice).paid_charge_id == payment.charge_id
    assert await copy.call(
        "refundStarPayment", {"user_id": 1, "telegram_payment_charge_id": payment.charge_id}
    )
    with pytest.raises(ValueError, match="malformed"):
        copy.import_state({"version": 1})
    assert copy.messages(1)[-1]["refunded_payment"]  # unchanged by the failed import


async def test_commands_follow_telegrams_scope_and_language_order() -> None:
    emulator = Emulator(TOKEN)
    emulator.add_user("Ana", user_id=1)

    async def publish(commands: list[str], **params: Any) -> None:
        entries = [{"command": c, "description": c} for c in commands]
        await emulator.call("setMyCommands", {"commands": entries, **params})

    await publish(["start"])
    await publish(["inicio"], language_code="pt")
    assert emulator.commands_for(1, "pt-br")[0]["command"] == "inicio"
    assert emulator.commands_for(1, "ar")[0]["command"] == "start"
    await publish(["private"], scope={"type": "all_private_chats"})
    assert emulator.commands_for(1, "pt-br")[0]["command"] == "private"
    await publish(["mine"], scope={"type": "chat", "chat_id": 1}, language_code="pt")
    assert emulator.commands_for(1, "pt")[0]["command"] == "mine"
    assert emulator.commands_for(1, None)[0]["command"] == "private"
