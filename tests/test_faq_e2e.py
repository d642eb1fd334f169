"""The FAQ end to end: the real Application polling the emulator over HTTP."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest

from bot.faq.content import Kind
from bot.faq.handlers import MISSES_KEY
from tests.harness import Harness, Person, buttons

Json = dict[str, Any]


def labels(message: Json) -> list[str]:
    return [button["text"] for button in buttons(message)]


def datas(message: Json) -> list[str]:
    return [str(button.get("callback_data")) for button in buttons(message)]


def question(harness: Harness, entry_id: str, locale: str) -> str:
    assert harness.services.faq is not None
    return harness.services.faq.content.entries[entry_id].texts[locale].question


async def test_menu_has_the_faq_and_the_commands_are_published(harness: Harness) -> None:
    ana = harness.person("Ana")
    [menu] = await ana.send("/start")
    assert "📚 FAQ" in labels(menu)
    await harness.emulator.wait_for(lambda: len(harness.emulator.commands) >= 7)
    by_language = {key[1]: commands for key, commands in harness.emulator.commands.items()}
    assert {"command": "faq", "description": "Respuestas a preguntas frecuentes"} in by_language[
        "es"
    ]
    assert any(command["command"] == "myths" for command in by_language[""])
    assert harness.services.registry.action_data("faq") == "faq:home"


async def test_browse_categories_pages_and_answers(harness: Harness) -> None:
    rui = harness.person("Rui", language_code="pt-br")
    [home] = await rui.send("/faq")
    assert "Perguntas frequentes" in home["text"]
    assert "🔍 Mitos e verdades" in labels(home)
    [page1] = await rui.press("Mitos e verdades")
    assert "Página 1 de 2" in page1["text"]
    assert question(harness, "myth-recharge-free", "pt_BR") in labels(page1)
    [page2] = await rui.press("Próxima ▶️")
    assert "Página 2 de 2" in page2["text"]
    assert labels(page2)[0] == question(harness, "myth-website-unsafe", "pt_BR")
    [page1_again] = await rui.press("◀️ Anterior")
    assert "Página 1 de 2" in page1_again["text"]

    [answer] = await rui.press(question(harness, "myth-transfer-coins", "pt_BR"))
    assert "<b>" not in answer["text"]  # rendered as entities, not raw tags
    assert "Mito:" in answer["text"] and "Verdade:" in answer["text"]
    assert "Isso ajudou?" in answer["text"]
    assert "👍 Sim" in labels(answer) and "👎 Não" in labels(answer)
    related = question(harness, "transfer-coins", "pt_BR")
    assert related in labels(answer)
    [next_answer] = await rui.press(related)
    assert next_answer["text"].startswith(related)
    [back] = await rui.press("⬅️ 👤 Suas moedas e sua conta")
    assert related in labels(back)


async def test_prices_in_answers_come_from_the_users_region(harness: Harness) -> None:
    priya = harness.person("Priya", language_code="hi")
    await priya.send("/start")
    [answer] = await priya.press_forged("faq:q:package-prices")
    assert "₹85" in answer["text"] and "{" not in answer["text"]
    await harness.services.users.set_region(priya.id, "philippines")
    [answer] = await priya.press_forged("faq:q:package-prices")
    assert harness.services.catalogs["hi"].money(Decimal("56"), "PHP") in answer["text"]


async def test_votes_are_stored_and_can_change(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/faq")
    await ana.press("Staying safe")
    await ana.press(question(harness, "safety-tips", "en"))
    seq = harness.emulator.last_seq
    [thanked] = await ana.press("👍 Yes")
    toast = harness.emulator.events_after(seq, {"callback_answer"})[0].payload
    assert toast["text"] == "Thanks for your feedback!"
    assert "Glad it helped" in thanked["text"]
    assert "👍 Yes" not in labels(thanked)
    row = await harness.services.db.fetchone(
        "SELECT helpful, locale FROM faq_votes WHERE user_id = ? AND entry_id = ?",
        (ana.id, "safety-tips"),
    )
    assert row is not None and (row["helpful"], row["locale"]) == (1, "en")
    # the same answer shown again can be voted again; the last vote counts
    [again] = await ana.press_forged("faq:q:safety-tips")
    await ana.press("👎 No", again)
    rows = await harness.services.db.fetchall(
        "SELECT helpful FROM faq_votes WHERE user_id = ?", (ana.id,)
    )
    assert [r["helpful"] for r in rows] == [0]


async def test_unhelpful_vote_offers_a_human_when_support_exists(harness: Harness) -> None:
    harness.services.registry.enable_handoff("support:handoff")
    ana = harness.person("Ana")
    await ana.send("/start")
    [answer] = await ana.press_forged("faq:q:what-coins-buy")
    [sorry] = await ana.press("👎 No", answer)
    assert "talk to a human" in sorry["text"]
    assert "support:handoff:faq" in datas(sorry)


async def test_free_text_is_answered_in_the_users_language(harness: Harness) -> None:
    lucia = harness.person("Lucía", language_code="es")
    [answer] = await lucia.send("¿me devuelven el dinero si ya compré las monedas?")
    assert answer["text"].startswith(question(harness, "refunds", "es"))
    # an English question from a Spanish speaker: found in English, answered in Spanish
    [answer] = await lucia.send("can I send coins to my friend's account?")
    assert answer["text"].startswith(question(harness, "transfer-coins", "es"))
    assert "¿Te sirvió?" in answer["text"]


async def test_arabic_and_romanized_hindi_questions(harness: Harness) -> None:
    omar = harness.person("Omar", language_code="ar")
    [answer] = await omar.send("كيف أشحن العملات من التطبيق؟")
    assert answer["text"].startswith(question(harness, "recharge-in-app", "ar"))
    assert "\u2068" in answer["text"]  # the app-store fee percentage is isolated in RTL text
    ravi = harness.person("Ravi", language_code="hi")
    [answer] = await ravi.send("coins wapas milenge?")
    assert answer["text"].startswith(question(harness, "refunds", "hi"))


async def test_low_confidence_offers_three_questions_and_counts_misses(harness: Harness) -> None:
    ana = harness.person("Ana")
    [unsure] = await ana.send("account")  # several entries fit equally well
    assert unsure["text"] == "I'm not sure I understood. Did you mean one of these?"
    suggested = [d for d in datas(unsure) if d.startswith("faq:q:")]
    assert len(suggested) == 3
    assert "🙋 Talk to a human" not in labels(unsure)  # no support feature installed
    user_data = harness.application.user_data[ana.id]
    assert user_data[MISSES_KEY] == 1
    await ana.send("gifts")
    assert user_data[MISSES_KEY] == 2

    harness.services.registry.enable_handoff("support:handoff")
    [unsure] = await ana.send("diamonds")
    assert "support:handoff:faq" in datas(unsure)
    assert user_data[MISSES_KEY] == 3
    [answer] = await ana.press(datas(unsure)[0], unsure)
    assert "Was this helpful?" in answer["text"]
    assert user_data[MISSES_KEY] == 0


async def test_off_topic_text_goes_to_the_menu(harness: Harness) -> None:
    ana = harness.person("Ana")
    [reply] = await ana.send("recommend me a good movie")
    assert "menu" in reply["text"]
    assert MISSES_KEY not in harness.application.user_data.get(ana.id, {})


async def test_troubleshooting_ends_in_the_buttons_that_exist(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/start")
    registry = harness.services.registry
    if registry.handoff_prefix is None:
        registry.enable_handoff("human")
    [full] = await ana.press_forged("faq:q:failed-payment")
    assert "1. " in full["text"] and "5. " in full["text"]
    assert {"🔁 Try again", "🧾 Check my orders", "🙋 Talk to a human"} <= set(labels(full))
    assert {registry.action_data("recharge"), registry.action_data("orders")} <= set(datas(full))
    assert registry.handoff_data("faq") in datas(full)
    # Without those features installed, their buttons are simply not there.
    registry.actions.pop("recharge")
    registry.actions.pop("orders")
    registry.handoff_prefix = None
    [bare] = await ana.press_forged("faq:q:failed-payment")
    assert not {"🔁 Try again", "🧾 Check my orders", "🙋 Talk to a human"} & set(labels(bare))


async def test_myths_quiz_keeps_score_and_stores_answers(harness: Harness) -> None:
    assert harness.services.faq is not None
    content = harness.services.faq.content
    myths = {e.texts["ru"].myth: "Миф" for e in content.of_kind(Kind.MYTH)}
    realities = {e.texts["ru"].reality: "Правда" for e in content.of_kind(Kind.MYTH)}
    ivan = harness.person("Ivan", language_code="ru")
    [statement] = await ivan.send("/myths")
    total = len(myths)
    for number in range(1, total + 1):
        assert f"Утверждение {number} из {total}" in statement["text"]
        shown = statement["text"].split("«", 1)[1].rsplit("»", 1)[0]
        wrong = number == 1  # answer the first one wrongly, the rest rightly
        right_label = myths.get(shown) or realities[shown]
        label = ("Правда" if right_label == "Миф" else "Миф") if wrong else right_label
        [result] = await ivan.press(label, statement)
        assert ("Не совсем" if wrong else "Верно") in result["text"]
        assert f"Счёт: {number - 1} из {number}" in result["text"]
        if number < total:
            [statement] = await ivan.press("Следующее утверждение", result)
    assert f"Вы ответили верно на {total - 1} из {total}" in result["text"]
    assert f"За всё время: {total - 1} из {total} верно." in result["text"]
    rows = await harness.services.db.fetchall(
        "SELECT correct FROM faq_quiz_answers WHERE user_id = ? ORDER BY id", (ivan.id,)
    )
    assert [r["correct"] for r in rows] == [0] + [1] * (total - 1)
    assert "🔁 Сыграть ещё раз" in labels(result)


async def test_quiz_buttons_score_once(harness: Harness) -> None:
    ana = harness.person("Ana")
    [statement] = await ana.send("/myths")
    await ana.press("❌ Myth", statement)
    seq = harness.emulator.last_seq
    await ana.press_forged(datas(statement)[1], statement)  # the other answer, after the fact
    toast = harness.emulator.events_after(seq, {"callback_answer"})[0].payload
    assert toast["text"] == "This button has expired."
    count = await harness.services.db.fetchone(
        "SELECT COUNT(*) AS n FROM faq_quiz_answers WHERE user_id = ?", (ana.id,)
    )
    assert count is not None and count["n"] == 1


async def answer_inline(harness: Harness, person: Person, query: str) -> tuple[str, Json]:
    query_id = harness.emulator.send_inline_query(person.id, query)
    answer: Json = await harness.emulator.wait_for(
        lambda: harness.emulator.inline_answer(query_id), 10, what="an inline answer"
    )
    return query_id, answer


async def test_inline_mode_lists_answers_in_the_users_language(harness: Harness) -> None:
    maya = harness.person("Maya", language_code="id")
    query_id, answer = await answer_inline(harness, maya, "refund")
    assert answer["is_personal"] is True
    first = answer["results"][0]
    assert first["id"] == "refunds"
    assert first["title"] == question(harness, "refunds", "id")
    assert first["description"]
    # choosing it posts the full answer in the chat where the user typed, via the bot
    group = harness.emulator.add_group("Fans", chat_id=-100123)
    seq = harness.emulator.last_seq
    posted = harness.emulator.choose_inline_result(
        maya.id, query_id, "refunds", chat_id=group["id"]
    )
    assert posted["via_bot"]["username"] == "RechargeDeskBot"
    assert posted["text"].startswith(question(harness, "refunds", "id"))
    assert posted["entities"][0]["type"] == "bold"
    _, again = await answer_inline(harness, maya, "")  # nothing typed: one question per topic
    assert len(again["results"]) == len(harness.services.faq.content.categories)  # type: ignore[union-attr]
    assert not harness.emulator.events_after(seq, {"message"}, chat_id=group["id"])


async def test_inline_result_posted_in_the_bots_own_chat_is_not_answered_again(
    harness: Harness,
) -> None:
    ana = harness.person("Ana")
    query_id, _ = await answer_inline(harness, ana, "delayed coins")
    seq = harness.emulator.last_seq
    harness.emulator.choose_inline_result(ana.id, query_id, "delayed-coins")
    [follow_up] = await ana.send("/faq")  # the chat is still in order and nothing else came
    assert "Frequently asked questions" in follow_up["text"]
    bot_messages = harness.emulator.events_after(seq, {"message"}, chat_id=ana.id)
    assert len(bot_messages) == 1


async def test_inline_without_matches_offers_the_private_chat(harness: Harness) -> None:
    ana = harness.person("Ana")
    _, answer = await answer_inline(harness, ana, "recommend me a good movie")
    assert answer["results"] == []
    assert answer["button"]["start_parameter"] == "faq"


@pytest.mark.parametrize(
    "data",
    [
        "faq:q:no-such-entry",
        "faq:cat:basics:9",
        "faq:cat:basics:x",
        "faq:cat:nope:0",
        "faq:v:refunds:2",
        "faq:v:ghost:1",
        "faq:qa:refunds:myth",
        "faq:quiz:next",
        "faq:quiz:start:again",
        "faq",
        "faq:" + "x" * 60,
    ],
)
async def test_stale_and_forged_buttons_are_answered(
    harness: Harness, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    ana = harness.person("Ana")
    [menu] = await ana.send("/start")
    seq = harness.emulator.last_seq
    replies = await ana.press_forged(data, menu)
    answers = harness.emulator.events_after(seq, {"callback_answer"})
    assert answers and answers[0].payload["text"] == "This button has expired."
    assert "no longer valid" in replies[-1]["text"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_every_faq_callback_is_answered(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/faq")
    for label in [
        "Getting started",
        "What is a",
        "👍 Yes",
        "⬅️ 📘 Getting started",
        "⬅️ All topics",
        "🎯",
    ]:
        seq = harness.emulator.last_seq
        await ana.press(label)
        assert harness.emulator.events_after(seq, {"callback_answer"}), label
