"""The emulator's group chats behave like Telegram's: membership, admin rights, deletes, replies."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import Emulator
from bot.sandbox.spec import ApiError, load_spec

GROUP = -100777


@pytest.fixture
def group(emulator: Emulator) -> Emulator:
    emulator.add_user("Olga", user_id=1)
    emulator.add_user("Max", user_id=2)
    emulator.add_user("Stranger", user_id=3)
    emulator.create_group("Fans", chat_id=GROUP, creator_id=1)
    emulator.join_group(GROUP, 2)
    return emulator


async def test_membership_and_administrators(group: Emulator) -> None:
    group.add_bot_to_group(GROUP, 1, admin=True, can_delete_messages=False)
    spec = load_spec()
    owner = await group.call("getChatMember", {"chat_id": GROUP, "user_id": 1})
    assert owner["status"] == "creator"
    assert (await group.call("getChatMember", {"chat_id": GROUP, "user_id": 2}))[
        "status"
    ] == "member"
    assert (await group.call("getChatMember", {"chat_id": GROUP, "user_id": 3}))["status"] == "left"
    with pytest.raises(ApiError, match="user not found"):
        await group.call("getChatMember", {"chat_id": GROUP, "user_id": 99})
    admins = await group.call("getChatAdministrators", {"chat_id": GROUP})
    assert [a["user"]["id"] for a in admins] == [1]  # bots only with return_bots
    with_bots = await group.call("getChatAdministrators", {"chat_id": GROUP, "return_bots": True})
    assert len(with_bots) == 2
    assert spec.problems("ChatMember", with_bots[1]) == []


async def test_a_bot_outside_the_group_cannot_read_it(group: Emulator) -> None:
    with pytest.raises(ApiError, match="bot is not a member"):
        await group.call("getChatMember", {"chat_id": GROUP, "user_id": 1})


async def test_deleting_others_messages_needs_the_right(group: Emulator) -> None:
    group.add_bot_to_group(GROUP, 1)  # a plain member
    posted = group.post_in_group(2, GROUP, "hello")
    with pytest.raises(ApiError, match="message can't be deleted"):
        await group.call("deleteMessage", {"chat_id": GROUP, "message_id": posted["message_id"]})
    own = await group.call("sendMessage", {"chat_id": GROUP, "text": "mine"})
    assert await group.call("deleteMessage", {"chat_id": GROUP, "message_id": own["message_id"]})
    group.add_bot_to_group(GROUP, 1, admin=True, can_delete_messages=True)
    assert await group.call("deleteMessage", {"chat_id": GROUP, "message_id": posted["message_id"]})


def test_only_members_post(group: Emulator) -> None:
    with pytest.raises(LookupError):
        group.post_in_group(3, GROUP, "let me in")


async def test_replies_point_at_their_message(group: Emulator) -> None:
    group.add_bot_to_group(GROUP, 1)
    posted = group.post_in_group(2, GROUP, "question")
    answer = await group.call(
        "sendMessage",
        {
            "chat_id": GROUP,
            "text": "answer",
            "reply_parameters": {"message_id": posted["message_id"]},
        },
    )
    assert answer["reply_to_message"]["text"] == "question"
    with pytest.raises(ApiError, match="message to be replied not found"):
        await group.call(
            "sendMessage", {"chat_id": GROUP, "text": "x", "reply_parameters": {"message_id": 999}}
        )
    loose = await group.call(
        "sendMessage",
        {
            "chat_id": GROUP,
            "text": "x",
            "reply_parameters": {"message_id": 999, "allow_sending_without_reply": True},
        },
    )
    assert "reply_to_message" not in loose


def test_adding_the_bot_sends_my_chat_member(group: Emulator) -> None:
    update = group.add_bot_to_group(GROUP, 1, admin=True, can_delete_messages=True)
    change = update["my_chat_member"]
    assert change["old_chat_member"]["status"] == "left"
    assert change["new_chat_member"]["can_delete_messages"] is True
    assert load_spec().problems("ChatMemberUpdated", change) == []
