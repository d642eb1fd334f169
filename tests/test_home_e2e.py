"""The home feature end to end: the real Application polling the emulator over HTTP."""

from __future__ import annotations

import logging

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from tests.harness import Harness, buttons


async def test_start_shows_the_main_menu(harness: Harness) -> None:
    ana = harness.person("Ana")
    replies = await ana.send("/start")
    assert len(replies) == 1
    assert "Hi, Ana!" in replies[0]["text"]
    labels = [b["text"] for b in buttons(replies[0])]
    assert "🌐 Language" in labels and "❓ Help" in labels


async def test_language_choice_is_saved_and_used(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/language")
    [confirmation] = await ana.press("Español")
    assert "¡Listo!" in confirmation["text"]
    [greeting] = await ana.send("/start")
    assert "¡Hola, Ana!" in greeting["text"]
    assert any(b["text"] == "🌐 Idioma" for b in buttons(greeting))
    record = await harness.services.users.get(ana.id)
    assert record is not None and record.locale == "es"


@pytest.mark.parametrize(
    ("language_code", "expected"),
    [("pt-br", "Olá, Rui!"), ("es-419", "¡Hola, Rui!"), ("xx", "Hi, Rui!"), (None, "Hi, Rui!")],
)
async def test_telegram_language_code_picks_the_locale(
    harness: Harness, language_code: str | None, expected: str
) -> None:
    rui = harness.person("Rui", language_code=language_code)
    [greeting] = await rui.send("/start")
    assert expected in greeting["text"]


async def test_arabic_user_gets_isolated_name_in_rtl_text(harness: Harness) -> None:
    omar = harness.person("Omar", language_code="ar")
    [greeting] = await omar.send("/start")
    assert "مرحبًا يا \u2068Omar\u2069!" in greeting["text"]


async def test_junk_messages_get_a_sensible_answer(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    ana = harness.person("Ana")
    for text in [
        "x" * 4096,
        "😀🎉🔥",
        "مرحبا 👋",  # a real question in Arabic is the FAQ's (tests/test_faq_e2e.py)
        "<b>not html</b> & <script>",
        "\u200b\u202e",
    ]:
        [answer] = await ana.send(text)
        assert "menu" in answer["text"]
        assert buttons(answer)
    [answer] = await ana.send_message(
        photo=[{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}]
    )
    assert "menu" in answer["text"]
    [answer] = await ana.send("/definitely_not_a_command")
    assert "/help" in answer["text"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_forged_and_stale_buttons_are_answered(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/start")
    menu = ana.last()
    for data in ["lang:set:xx", "wallet:open", "", "x" * 64, "lang:set:es:extra", "home:menu:1"]:
        seq = harness.emulator.last_seq
        replies = await ana.press_forged(data, menu)
        answers = [e.payload for e in harness.emulator.events_after(seq, {"callback_answer"})]
        assert answers and answers[0]["text"] == "This button has expired."
        if data:  # a query without data gets the toast only: it came from no button at all
            assert "no longer valid" in replies[-1]["text"]


async def test_every_callback_query_is_answered(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/start")
    for label in ["Help", "Main menu", "Language", "English"]:
        seq = harness.emulator.last_seq
        await ana.press(label)
        assert harness.emulator.events_after(seq, {"callback_answer"}), label


async def test_replayed_update_is_handled_once(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/start")
    update = {
        "update_id": 999_999,
        "message": {
            **ana.bot_messages()[0],
            "from": ana.user,
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    update["message"].pop("reply_markup", None)
    seq = harness.emulator.last_seq
    harness.emulator.replay_update(update)
    await harness.emulator.wait_for(lambda: harness.emulator.events_after(seq, {"message"}))
    harness.emulator.replay_update(update)
    [again] = await ana.send("/start")
    help_replies = [
        e
        for e in harness.emulator.events_after(seq, {"message"})
        if "What I can do" in e.payload["text"]
    ]
    assert len(help_replies) == 1
    assert "Hi, Ana!" in again["text"]


async def test_a_crash_in_a_handler_gets_a_localized_apology(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(update: Update, context: object) -> None:
        raise RuntimeError("boom")

    harness.application.add_handler(CommandHandler("explode", explode), group=-2)
    ivan = harness.person("Ivan", language_code="ru")
    with caplog.at_level(logging.ERROR):
        replies = await ivan.send("/explode")
    assert any(reply["text"].startswith("Извините, у нас") for reply in replies)
    assert any("failed" in r.getMessage() for r in caplog.records)


async def test_blocked_user_is_marked(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/start")
    harness.emulator.user_blocks_bot(ana.id)
    harness.emulator.send_text(ana.id, "/start")

    async def blocked() -> bool:
        record = await harness.services.users.get(ana.id)
        return bool(record and record.blocked)

    for _ in range(100):
        if await blocked():
            break
        await harness.emulator._until(lambda: False, 0.02)
    assert await blocked()


async def test_commands_are_published_in_every_language(harness: Harness) -> None:
    await harness.emulator.wait_for(
        lambda: len(harness.emulator.commands) >= 7, what="7 command lists"
    )
    by_language = {key[1]: commands for key, commands in harness.emulator.commands.items()}
    assert set(by_language) == {"", "es", "pt", "id", "hi", "ar", "ru"}
    assert {"command": "language", "description": "Сменить язык"} in by_language["ru"]
