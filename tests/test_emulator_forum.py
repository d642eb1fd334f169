"""The emulator's forum topics, copies, pins, chat members and media, as Telegram answers them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.sandbox.emulator import Emulator
from bot.sandbox.spec import load_spec
from tests.harness import TOKEN, serve_emulator
from tests.test_emulator import Client

FORUM, GROUP, ANA, SAM = -1001, -1002, 42, 43
PHOTO = [{"file_id": "photo-1", "file_unique_id": "p1", "width": 64, "height": 64}]


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[Client]:
    emulator.add_user("Ana", user_id=ANA)
    emulator.add_user("Sam", user_id=SAM)
    emulator.add_forum("Staff", chat_id=FORUM)
    emulator.set_member(FORUM, SAM, "member")
    emulator.add_group("Plain group", chat_id=GROUP)
    async with serve_emulator(emulator) as base_url, aiohttp.ClientSession() as session:
        yield Client(session, base_url)


async def ok(client: Client, method: str, **params: Any) -> Any:
    status, body = await client.call(method, form=False, **params)
    assert status == 200 and body["ok"], body
    return body["result"]


async def refused(client: Client, method: str, **params: Any) -> str:
    status, body = await client.call(method, form=False, **params)
    assert status == 400 and not body["ok"], body
    return str(body["description"])


async def new_topic(client: Client, name: str = "🟡 #1 · Ana") -> int:
    topic = await ok(client, "createForumTopic", chat_id=FORUM, name=name)
    assert load_spec().problems("ForumTopic", topic) == []
    return int(topic["message_thread_id"])


async def test_topics_are_created_used_renamed_closed_and_deleted(
    client: Client, emulator: Emulator
) -> None:
    thread = await new_topic(client)
    opening = emulator.chats[FORUM].messages[thread]
    assert opening["forum_topic_created"]["name"] == "🟡 #1 · Ana" and opening["is_topic_message"]
    sent = await ok(client, "sendMessage", chat_id=FORUM, message_thread_id=thread, text="card")
    assert sent["message_thread_id"] == thread and sent["is_topic_message"] is True
    assert await ok(client, "editForumTopic", chat_id=FORUM, message_thread_id=thread, name="🟢 #1")
    assert emulator.topic(FORUM, thread).name == "🟢 #1"
    assert "TOPIC_NOT_MODIFIED" in await refused(
        client, "editForumTopic", chat_id=FORUM, message_thread_id=thread, name="🟢 #1"
    )
    assert await ok(client, "closeForumTopic", chat_id=FORUM, message_thread_id=thread)
    assert "TOPIC_NOT_MODIFIED" in await refused(
        client, "closeForumTopic", chat_id=FORUM, message_thread_id=thread
    )
    with pytest.raises(PermissionError, match="TOPIC_CLOSED"):
        emulator.send_in_topic(SAM, FORUM, thread, text="can I still write?")
    # the bot manages topics, so it may still post in a closed one
    await ok(client, "sendMessage", chat_id=FORUM, message_thread_id=thread, text="closed note")
    assert await ok(client, "reopenForumTopic", chat_id=FORUM, message_thread_id=thread)
    message = emulator.send_in_topic(SAM, FORUM, thread, text="/claim")
    assert message["entities"][0]["type"] == "bot_command"
    assert message["reply_to_message"]["message_id"] == thread
    emulator.delete_topic(FORUM, thread)
    assert emulator.topic_messages(FORUM, thread) == []
    assert (
        await refused(client, "sendMessage", chat_id=FORUM, message_thread_id=thread, text="hello?")
        == "Bad Request: message thread not found"
    )
    assert "TOPIC_DELETED" in await refused(
        client, "editForumTopic", chat_id=FORUM, message_thread_id=thread, name="x"
    )
    assert "TOPIC_ID_INVALID" in await refused(
        client, "closeForumTopic", chat_id=FORUM, message_thread_id=999
    )


async def test_the_bot_deletes_a_topic_with_its_messages(
    client: Client, emulator: Emulator
) -> None:
    thread = await new_topic(client)
    await ok(client, "sendMessage", chat_id=FORUM, message_thread_id=thread, text="card")
    assert await ok(client, "deleteForumTopic", chat_id=FORUM, message_thread_id=thread)
    assert emulator.topic(FORUM, thread).deleted and emulator.topic_messages(FORUM, thread) == []
    assert "TOPIC_DELETED" in await refused(
        client, "deleteForumTopic", chat_id=FORUM, message_thread_id=thread
    )
    other = await new_topic(client, "other")
    emulator.set_member(FORUM, emulator.bot_user["id"], "administrator", can_manage_topics=True)
    assert "not enough rights to delete the topic" in await refused(
        client, "deleteForumTopic", chat_id=FORUM, message_thread_id=other
    )


async def test_topics_need_a_forum_and_the_right_to_manage_them(
    client: Client, emulator: Emulator
) -> None:
    assert "not a forum" in await refused(client, "createForumTopic", chat_id=GROUP, name="x")
    assert "must be 1-128" in await refused(
        client, "createForumTopic", chat_id=FORUM, name="x" * 129
    )
    assert "TOPIC_COLOR_INVALID" in await refused(
        client, "createForumTopic", chat_id=FORUM, name="x", icon_color=1
    )
    thread = await new_topic(client)
    emulator.set_member(FORUM, emulator.bot_user["id"], "administrator", can_pin_messages=True)
    assert "not enough rights to create a topic" in await refused(
        client, "createForumTopic", chat_id=FORUM, name="x"
    )
    assert "not enough rights" in await refused(
        client, "closeForumTopic", chat_id=FORUM, message_thread_id=thread
    )
    assert "message thread not found" in await refused(
        client, "sendMessage", chat_id=GROUP, message_thread_id=thread, text="x"
    )


async def test_copies_keep_content_and_take_a_new_caption(
    client: Client, emulator: Emulator
) -> None:
    thread = await new_topic(client)
    text = emulator.send_text(ANA, "see https://example.com now")
    photo = emulator.send_message(ANA, photo=PHOTO, caption="receipt")
    copied = await ok(
        client,
        "copyMessage",
        chat_id=FORUM,
        from_chat_id=ANA,
        message_id=text["message_id"],
        message_thread_id=thread,
    )
    assert load_spec().problems("MessageId", copied) == []
    copy = emulator.chats[FORUM].messages[copied["message_id"]]
    assert copy["text"] == text["text"] and copy["entities"] == text["entities"]
    assert copy["from"]["id"] == emulator.bot_user["id"] and "forward_origin" not in copy
    copied = await ok(
        client,
        "copyMessage",
        chat_id=FORUM,
        from_chat_id=ANA,
        message_id=photo["message_id"],
        message_thread_id=thread,
        caption="<i>masked</i>",
        parse_mode="HTML",
    )
    copy = emulator.chats[FORUM].messages[copied["message_id"]]
    assert copy["photo"] == PHOTO and copy["caption"] == "masked"
    assert copy["caption_entities"] == [{"type": "italic", "offset": 0, "length": 6}]
    assert "message to copy not found" in await refused(
        client, "copyMessage", chat_id=FORUM, from_chat_id=ANA, message_id=999
    )
    service = emulator.chats[FORUM].messages[thread]
    assert "can't be copied" in await refused(
        client, "copyMessage", chat_id=ANA, from_chat_id=FORUM, message_id=service["message_id"]
    )
    emulator.user_blocks_bot(ANA)
    status, body = await client.call(
        "copyMessage", form=False, chat_id=ANA, from_chat_id=FORUM, message_id=copied["message_id"]
    )
    assert status == 403 and body["description"] == "Forbidden: bot was blocked by the user"


async def test_replies_pins_and_caption_edits(client: Client, emulator: Emulator) -> None:
    thread = await new_topic(client)
    card = await ok(client, "sendMessage", chat_id=FORUM, message_thread_id=thread, text="card")
    answer = await ok(
        client,
        "sendMessage",
        chat_id=FORUM,
        message_thread_id=thread,
        text="re",
        reply_parameters={"message_id": card["message_id"]},
    )
    assert answer["reply_to_message"]["message_id"] == card["message_id"]
    assert "message to be replied not found" in await refused(
        client, "sendMessage", chat_id=FORUM, text="re", reply_parameters={"message_id": 999}
    )
    lenient = await ok(
        client,
        "sendMessage",
        chat_id=FORUM,
        text="re",
        reply_parameters={"message_id": 999, "allow_sending_without_reply": True},
    )
    assert "reply_to_message" not in lenient
    assert await ok(
        client,
        "pinChatMessage",
        chat_id=FORUM,
        message_id=card["message_id"],
        disable_notification=True,
    )
    assert emulator.pins[FORUM] == [card["message_id"]]
    pinned_notice = emulator.bot_messages(FORUM)[-1]
    assert pinned_notice["pinned_message"]["message_id"] == card["message_id"]
    assert pinned_notice["message_thread_id"] == thread
    emulator.set_member(FORUM, emulator.bot_user["id"], "member")
    assert "not enough rights to manage pinned messages" in await refused(
        client, "pinChatMessage", chat_id=FORUM, message_id=card["message_id"]
    )
    photo = emulator.send_message(ANA, photo=PHOTO, caption="old")
    copied = await ok(
        client, "copyMessage", chat_id=ANA, from_chat_id=ANA, message_id=photo["message_id"]
    )
    edited = await ok(
        client,
        "editMessageCaption",
        chat_id=ANA,
        message_id=copied["message_id"],
        caption="<b>new</b>",
        parse_mode="HTML",
    )
    assert edited["caption"] == "new" and edited["photo"] == PHOTO and "edit_date" in edited
    assert "not modified" in await refused(
        client,
        "editMessageCaption",
        chat_id=ANA,
        message_id=copied["message_id"],
        caption="<b>new</b>",
        parse_mode="HTML",
    )
    assert "no caption" in await refused(
        client, "editMessageCaption", chat_id=FORUM, message_id=card["message_id"], caption="x"
    )


async def test_chat_members_and_administrators(client: Client, emulator: Emulator) -> None:
    spec = load_spec()
    member = await ok(client, "getChatMember", chat_id=FORUM, user_id=SAM)
    assert member["status"] == "member" and spec.problems("ChatMember", member) == []
    left = await ok(client, "getChatMember", chat_id=FORUM, user_id=ANA)
    assert left["status"] == "left" and spec.problems("ChatMember", left) == []
    emulator.set_member(FORUM, ANA, "kicked")
    kicked = await ok(client, "getChatMember", chat_id=FORUM, user_id=ANA)
    assert kicked["status"] == "kicked" and spec.problems("ChatMember", kicked) == []
    bot = await ok(client, "getChatMember", chat_id=FORUM, user_id=emulator.bot_user["id"])
    assert bot["status"] == "administrator" and bot["can_manage_topics"] is True
    assert spec.problems("ChatMember", bot) == []
    assert "user not found" in await refused(client, "getChatMember", chat_id=FORUM, user_id=5)
    emulator.set_member(FORUM, SAM, "creator")
    admins = await ok(client, "getChatAdministrators", chat_id=FORUM)
    assert [a["user"]["id"] for a in admins] == [SAM]
    with_bots = await ok(client, "getChatAdministrators", chat_id=FORUM, return_bots=True)
    assert {a["user"]["id"] for a in with_bots} == {SAM, emulator.bot_user["id"]}
    with pytest.raises(PermissionError, match="not a member"):
        emulator.send_in_topic(ANA, FORUM, await new_topic(client), text="let me in")


async def test_media_is_sent_again_by_file_id(client: Client, emulator: Emulator) -> None:
    emulator.send_message(ANA, photo=PHOTO)
    emulator.send_message(ANA, voice={"file_id": "voice-1", "file_unique_id": "v1", "duration": 3})
    photo = await ok(client, "sendPhoto", chat_id=ANA, photo="photo-1", caption="again")
    assert photo["photo"] == PHOTO and photo["caption"] == "again"
    voice = await ok(client, "sendVoice", chat_id=ANA, voice="voice-1")
    assert voice["voice"]["duration"] == 3
    assert "wrong file identifier" in await refused(
        client, "sendDocument", chat_id=ANA, document="nope"
    )
    status, body = await client.call("sendSticker", chat_id=ANA, sticker="nope")
    assert status == 400 and "wrong file identifier" in body["description"]


async def test_uploads_get_new_file_ids(client: Client) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ANA))
    form.add_field("photo", b"\x89PNG...", filename="shot.png", content_type="image/png")
    response = await client.session.post(f"{client.base_url}/bot{TOKEN}/sendPhoto", data=form)
    body = await response.json()
    assert response.status == 200 and body["ok"], body
    [size] = body["result"]["photo"]
    assert size["file_id"].startswith("upload-photo-") and size["file_size"] == 7
    again = await ok(client, "sendPhoto", chat_id=ANA, photo=size["file_id"])
    assert again["photo"] == [size]
