"""The emulator speaks the Bot API as Telegram does: spec-checked requests, limits, error format."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.sandbox.emulator import Emulator, FloodLimits
from bot.sandbox.formatting import EntityParseError, detect_entities, parse_html
from bot.sandbox.spec import load_spec
from tests.harness import TOKEN, Harness, make_settings, running_bot, serve_emulator


class Client:
    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url

    async def call(
        self, method: str, *, form: bool = True, **params: Any
    ) -> tuple[int, dict[str, Any]]:
        url = f"{self.base_url}/bot{TOKEN}/{method}"
        if form:
            data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            response = await self.session.post(url, data=data)
        else:
            response = await self.session.post(url, json=params)
        return response.status, await response.json()


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[Client]:
    emulator.add_user("Ana", user_id=42)
    async with serve_emulator(emulator) as base_url, aiohttp.ClientSession() as session:
        yield Client(session, base_url)


async def test_valid_call_returns_a_spec_valid_message(client: Client) -> None:
    status, body = await client.call(
        "sendMessage", chat_id=42, text="<b>Hi</b> &amp; welcome", parse_mode="HTML"
    )
    assert status == 200 and body["ok"]
    message = body["result"]
    assert message["text"] == "Hi & welcome"
    assert message["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    assert load_spec().problems("Message", message) == []


@pytest.mark.parametrize(
    ("method", "params", "status", "description"),
    [
        ("sendMesage", {"chat_id": 42, "text": "x"}, 400, "is not in the Bot API"),
        ("sendMessage", {"chat_id": 42}, 400, "parameter 'text' is required"),
        (
            "sendMessage",
            {"chat_id": 42, "text": "x", "colour": "red"},
            400,
            "unknown parameter 'colour'",
        ),
        (
            "sendMessage",
            {"chat_id": 42, "text": "x", "disable_notification": "maybe"},
            400,
            "wrong parameter",
        ),
        (
            "sendMessage",
            {"chat_id": 42, "text": "x", "reply_markup": {"inline_keyboard": "nope"}},
            400,
            "wrong parameter",
        ),
        ("sendMessage", {"chat_id": 7, "text": "x"}, 400, "chat not found"),
        ("sendMessage", {"chat_id": 42, "text": "x" * 4097}, 400, "message is too long"),
        ("sendMessage", {"chat_id": 42, "text": "   "}, 400, "message text is empty"),
        (
            "sendMessage",
            {"chat_id": 42, "text": "a <b", "parse_mode": "HTML"},
            400,
            "can't parse entities",
        ),
        (
            "sendMessage",
            {"chat_id": 42, "text": "<img src=x>", "parse_mode": "HTML"},
            400,
            "unsupported start tag",
        ),
        (
            "sendMessage",
            {
                "chat_id": 42,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": "x" * 65}]]},
            },
            400,
            "BUTTON_DATA_INVALID",
        ),
        ("answerCallbackQuery", {"callback_query_id": "nope"}, 400, "query is too old"),
        (
            "editMessageText",
            {"chat_id": 42, "message_id": 99, "text": "x"},
            400,
            "message to edit not found",
        ),
        (
            "sendPoll",
            {"chat_id": 42, "question": "q", "options": [{"text": "a"}, {"text": "b"}]},
            501,
            "does not implement",
        ),
    ],
)
async def test_bad_calls_get_telegram_errors(
    client: Client, method: str, params: dict[str, Any], status: int, description: str
) -> None:
    for form in (True, False):
        got_status, body = await client.call(method, form=form, **params)
        assert got_status == status
        assert body["ok"] is False and body["error_code"] == status
        assert description in body["description"]


async def test_4096_characters_fit_and_are_counted_in_utf16(client: Client) -> None:
    status, _ = await client.call("sendMessage", chat_id=42, text="x" * 4096)
    assert status == 200
    status, body = await client.call(
        "sendMessage", chat_id=42, text="😀" * 2049
    )  # 4098 UTF-16 units
    assert status == 400 and "too long" in body["description"]


async def test_wrong_token_is_unauthorized(client: Client) -> None:
    response = await client.session.post(f"{client.base_url}/bot1:wrong/getMe")
    assert response.status == 401
    assert (await response.json())["description"] == "Unauthorized"


async def test_editing_to_the_same_content_is_refused(client: Client) -> None:
    _, sent = await client.call("sendMessage", chat_id=42, text="same")
    message_id = sent["result"]["message_id"]
    status, body = await client.call(
        "editMessageText", chat_id=42, message_id=message_id, text="same"
    )
    assert status == 400 and "message is not modified" in body["description"]
    status, body = await client.call(
        "editMessageText", chat_id=42, message_id=message_id, text="new"
    )
    assert status == 200 and body["result"]["text"] == "new" and "edit_date" in body["result"]


async def test_blocked_user_gives_403(client: Client, emulator: Emulator) -> None:
    emulator.user_blocks_bot(42)
    status, body = await client.call("sendMessage", chat_id=42, text="hi")
    assert status == 403 and body["description"] == "Forbidden: bot was blocked by the user"


async def test_get_updates_confirms_with_offset(client: Client, emulator: Emulator) -> None:
    emulator.send_text(42, "/start")
    emulator.send_text(42, "hello")
    _, body = await client.call("getUpdates", timeout=0)
    updates = body["result"]
    assert [u["message"]["text"] for u in updates] == ["/start", "hello"]
    assert updates[0]["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    _, body = await client.call("getUpdates", offset=updates[-1]["update_id"] + 1, timeout=0)
    assert body["result"] == []


async def test_flood_limits_answer_429_with_retry_after(emulator: Emulator) -> None:
    emulator.flood_limits = FloodLimits(per_chat=1, overall=30)
    emulator.add_user("Ana", user_id=42)
    async with serve_emulator(emulator) as base_url, aiohttp.ClientSession() as session:
        client = Client(session, base_url)
        assert (await client.call("sendMessage", chat_id=42, text="one"))[0] == 200
        status, body = await client.call("sendMessage", chat_id=42, text="two")
    assert status == 429
    assert body["parameters"] == {"retry_after": 1}


async def test_bot_waits_out_flood_limits(emulator: Emulator, tmp_path: Any) -> None:
    """Telegram's 429 is retried by the bot's rate limiter: the user still gets every reply."""
    emulator.flood_limits = FloodLimits(per_chat=1, overall=30)
    async with serve_emulator(emulator) as base_url:
        settings = make_settings(base_url, tmp_path / "bot.sqlite3")
        async with running_bot(settings, emulator) as (application, services):
            ana = Harness(emulator, application, services).person("Ana")
            emulator.send_text(ana.id, "/start")
            emulator.send_text(ana.id, "/help")
            await emulator.wait_for(
                lambda: len(ana.bot_messages()) >= 2, timeout=10, what="2 replies"
            )
    texts = [m["text"] for m in ana.bot_messages()]
    assert "Hi, Ana!" in texts[0] and "What I can do" in texts[1]


async def test_every_object_the_emulator_returned_matches_the_spec(harness: Harness) -> None:
    """Drive real flows, then check every update and message against the spec's required fields."""
    ana = harness.person("Ana", username="ana_user", last_name="Lima")
    await ana.send("/start")
    await ana.press("Language")
    await ana.press("Español")
    await ana.send("hola")
    await ana.send_message(
        photo=[{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}], caption=""
    )
    spec = load_spec()
    problems: list[str] = []
    for state in harness.emulator.chats.values():
        for message in state.messages.values():
            problems += spec.problems("Message", message, "message")
    for event in harness.emulator.events:
        if event.kind in {"message", "edit"}:
            problems += spec.problems("Message", event.payload, event.kind)
    for method, _ in harness.emulator.calls:
        assert method in {
            "getMe",
            "getUpdates",
            "deleteWebhook",
            "setMyCommands",
            "sendMessage",
            "editMessageText",
            "answerCallbackQuery",
            "editMessageReplyMarkup",
        }, method
    assert problems == []
    assert harness.emulator.check_responses  # every result was also checked as it was returned


def test_html_parser_matches_telegram() -> None:
    text, entities = parse_html(
        '<b>bold <i>both</i></b> <a href="https://t.me/x">link</a> <code>c</code>'
    )
    assert text == "bold both link c"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 9},
        {"type": "italic", "offset": 5, "length": 4},
        {"type": "text_link", "url": "https://t.me/x", "offset": 10, "length": 4},
        {"type": "code", "offset": 15, "length": 1},
    ]
    for bad in [
        "<b>open",
        "</b>",
        "<b><i>x</b></i>",
        "<script>x</script>",
        "1 < 2",
        "<span>x</span>",
    ]:
        with pytest.raises(EntityParseError):
            parse_html(bad)


def test_detected_entities_use_utf16_offsets() -> None:
    assert detect_entities("😀 /start") == [{"type": "bot_command", "offset": 3, "length": 6}]
