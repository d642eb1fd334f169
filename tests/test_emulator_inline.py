"""The emulator's inline mode (added with the FAQ): answerInlineQuery is checked as Telegram
checks it, and a chosen result is posted in the chat "via" the bot and delivered to it."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.sandbox import emulator as emulator_module
from bot.sandbox.emulator import Emulator
from bot.sandbox.spec import ApiError, load_spec


def article(result_id: str, text: str = "<b>Answer</b> body", **extra: Any) -> dict[str, Any]:
    return {
        "type": "article",
        "id": result_id,
        "title": "Title",
        "input_message_content": {"message_text": text, "parse_mode": "HTML"},
        **extra,
    }


@pytest.fixture
def ana(emulator: Emulator) -> dict[str, Any]:
    return emulator.add_user("Ana", user_id=42)


async def test_inline_query_update_matches_the_spec(
    emulator: Emulator, ana: dict[str, Any]
) -> None:
    query_id = emulator.send_inline_query(42, "refund", chat_type="supergroup")
    update = emulator._updates[-1]
    assert update["inline_query"]["id"] == query_id
    assert load_spec().problems("Update", update) == []


async def test_answer_is_stored_and_a_chosen_result_is_posted_via_the_bot(
    emulator: Emulator, ana: dict[str, Any]
) -> None:
    query_id = emulator.send_inline_query(42, "refund")
    assert emulator.inline_answer(query_id) is None
    result = await emulator.call(
        "answerInlineQuery",
        {"inline_query_id": query_id, "results": [article("a"), article("b")], "cache_time": 0},
    )
    assert result is True
    assert [r["id"] for r in emulator.inline_answer(query_id)["results"]] == ["a", "b"]  # type: ignore[index]
    group = emulator.add_group("Fans", chat_id=-100500)
    message = emulator.choose_inline_result(42, query_id, "b", chat_id=group["id"])
    assert message["via_bot"] == emulator.bot_user
    assert message["text"] == "Answer body"
    assert message["entities"] == [{"type": "bold", "offset": 0, "length": 6}]
    assert load_spec().problems("Message", message) == []
    assert emulator._updates[-1]["message"] == message  # the bot receives it too
    with pytest.raises(LookupError):
        emulator.choose_inline_result(42, query_id, "nope")


@pytest.mark.parametrize(
    ("results", "description"),
    [
        ([article("a"), article("a")], "RESULT_ID_DUPLICATE"),
        ([article("x" * 65)], "RESULT_ID_INVALID"),
        ([article(str(n)) for n in range(51)], "RESULTS_TOO_MUCH"),
        ([article("a", text="<b>unclosed")], "can't parse entities"),
        ([article("a", text="x" * 4097)], "message is too long"),
        ([{**article("a"), "title": " "}], "RESULT_TITLE_EMPTY"),
    ],
)
async def test_invalid_answers_are_refused(
    emulator: Emulator, ana: dict[str, Any], results: list[dict[str, Any]], description: str
) -> None:
    query_id = emulator.send_inline_query(42, "q")
    with pytest.raises(ApiError) as error:
        await emulator.call("answerInlineQuery", {"inline_query_id": query_id, "results": results})
    assert error.value.code == 400 and description in error.value.description


async def test_a_query_is_answered_once_and_expires(
    emulator: Emulator, ana: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    query_id = emulator.send_inline_query(42, "q")
    await emulator.call("answerInlineQuery", {"inline_query_id": query_id, "results": []})
    with pytest.raises(ApiError, match="query is too old"):
        await emulator.call("answerInlineQuery", {"inline_query_id": query_id, "results": []})
    late = emulator.send_inline_query(42, "q")
    later = time.monotonic() + emulator_module.INLINE_QUERY_TTL + 1
    monkeypatch.setattr(emulator_module.time, "monotonic", lambda: later)
    with pytest.raises(ApiError, match="query is too old"):
        await emulator.call("answerInlineQuery", {"inline_query_id": late, "results": []})


async def test_bad_start_parameter_is_refused(emulator: Emulator, ana: dict[str, Any]) -> None:
    query_id = emulator.send_inline_query(42, "q")
    with pytest.raises(ApiError, match="START_PARAM_INVALID"):
        await emulator.call(
            "answerInlineQuery",
            {
                "inline_query_id": query_id,
                "results": [],
                "button": {"text": "Go", "start_parameter": "a b"},
            },
        )
