"""Support end to end: the real bot, a staff forum in the emulator, users and agents."""

from __future__ import annotations

import logging
import time as time_module
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from babel.dates import format_skeleton

from bot.sandbox.emulator import Emulator
from bot.support.housekeeping import sweep
from bot.support.rules import CreationWindow, Resolution, TicketState
from tests.harness import Person, buttons
from tests.support_harness import (
    STAFF_CHAT,
    SupportHarness,
    desk_file,
    staff_messages_after,
    support_harness,
)


def in_topic(message: dict[str, object], topic: int) -> list[object]:
    return [message] if message.get("message_thread_id") == topic else []


PHOTO = [{"file_id": "photo-1", "file_unique_id": "p1", "width": 640, "height": 480}]


@pytest.fixture
async def support(emulator: Emulator, tmp_path: Path) -> AsyncIterator[SupportHarness]:
    async with support_harness(emulator, tmp_path) as harness:
        yield harness


async def test_full_cycle_from_handoff_to_rating_and_back_to_the_bot(
    support: SupportHarness,
) -> None:
    emulator = support.emulator
    ana = support.person("Ana", username="ana_rd")
    agent = support.agent("Sam")
    [menu] = await ana.send("/start")
    [handoff] = await ana.press("Talk to a human", menu)
    assert "Request #1." in handoff["text"] and "number 1 in line" in handoff["text"]
    assert [b["text"] for b in buttons(handoff)] == ["⬅️ Back to the bot"]

    topic = await support.topic_of(ana.id)
    forum_topic = emulator.topic(STAFF_CHAT, topic)
    assert forum_topic.name == "🟡 #1 · Ana"
    ticket = await support.ticket_of(ana.id)
    assert ticket.card_message_id in emulator.pins[STAFF_CHAT]
    card = emulator.chats[STAFF_CHAT].messages[ticket.card_message_id]["text"]
    for fact in (
        f"id {ana.id}",
        "@ana_rd",
        "English (en)",
        "Balance: 0 coins",
        "No orders.",
        "/start",
        "🔘 🙋 Talk to a human",
    ):
        assert fact in card, (fact, card)

    seq = emulator.last_seq
    emulator.send_text(ana.id, "My coins did not arrive")
    emulator.send_message(ana.id, photo=PHOTO, caption="the receipt")
    copies = await staff_messages_after(emulator, seq, where=lambda m: len(in_topic(m, topic)) == 1)
    assert len(copies) == 2, copies
    assert [c.get("text") or c.get("caption") for c in copies] == [
        "My coins did not arrive",
        "the receipt",
    ]
    assert copies[1]["photo"] == PHOTO

    replies = await ana._step(lambda: agent.write(topic, "Hi Ana, <checking> it now"), 8.0)
    [answer] = [r for r in replies if "checking" in r.get("text", "")]
    assert answer["text"] == "Hi Ana, <checking> it now\n\n— Support team"
    assert "Sam" not in answer["text"] and answer["from"]["id"] == emulator.bot_user["id"]
    replies = await ana._step(lambda: agent.write(topic, photo=PHOTO, caption="Like this?"), 8.0)
    assert (
        replies[-1]["photo"] == PHOTO and replies[-1]["caption"] == "Like this?\n\n— Support team"
    )

    ticket = await support.ticket_of(ana.id)
    assert ticket.state == TicketState.ASSIGNED and ticket.agent_id == agent.id
    assert ticket.first_response_at is not None

    # edits, both ways
    user_message = next(
        m for m in emulator.messages(ana.id) if m.get("text") == "My coins did not arrive"
    )
    seq = emulator.last_seq
    emulator.edit_message(
        ana.id, ana.id, user_message["message_id"], text="My 700 coins did not arrive"
    )
    [edited] = await staff_messages_after(emulator, seq)
    assert edited["text"] == "My 700 coins did not arrive" and edited["message_thread_id"] == topic
    agent_message = next(
        m
        for m in emulator.topic_messages(STAFF_CHAT, topic)
        if m.get("text") == "Hi Ana, <checking> it now"
    )
    replies = await ana._step(
        lambda: emulator.edit_message(
            agent.id, STAFF_CHAT, agent_message["message_id"], text="Hi Ana, checking it now"
        ),
        8.0,
    )
    assert replies[-1]["text"] == "Hi Ana, checking it now\n\n— Support team"
    assert replies[-1]["message_id"] == answer["message_id"]

    # close, rate, comment
    replies = await ana._step(lambda: agent.write(topic, "/close solved"), 8.0)
    [closed] = [r for r in replies if "closed your request #1" in r.get("text", "")]
    assert "How did we do?" in closed["text"]
    [thanks] = await ana.press("4 ⭐", closed)
    assert "★★★★☆" in thanks["text"]
    [ok] = await ana.send("Quick and kind, thanks")
    assert "passed your comment" in ok["text"]
    rating = await support.desk.tickets.rating(1)
    assert rating is not None and (rating.score, rating.comment) == (4, "Quick and kind, thanks")
    ticket = await support.ticket_of(ana.id)
    assert ticket.state == TicketState.RESOLVED and ticket.resolution == Resolution.AGENT
    assert ticket.close_reason == "solved"
    assert (
        emulator.topic(STAFF_CHAT, topic).closed
        and emulator.topic(STAFF_CHAT, topic).name == "✅ #1 · Ana"
    )
    await staff_messages_after(emulator, 0, where=lambda m: "Comment on #1" in m.get("text", ""))
    kinds = [(e.kind, e.from_state, e.to_state) for e in await support.desk.tickets.events(1)]
    assert [k for k in kinds if k[1]] == [
        ("opened", "bot", "queued"),
        ("claimed", "queued", "assigned"),
        ("resolved", "assigned", "resolved"),
        ("returned", "resolved", "bot"),
    ]

    # back with the bot: free text gets the bot's answer, the topic hears nothing
    before = len(emulator.topic_messages(STAFF_CHAT, topic))
    [answer] = await ana.send("hello again")
    assert "support" not in answer["text"].lower()  # the FAQ or the menu, not the ticket
    assert len(emulator.topic_messages(STAFF_CHAT, topic)) == before


@pytest.fixture(autouse=True)
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> object:
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def handed_off(support: SupportHarness, person: Person, text: str = "/human") -> int:
    await person.send(text)
    return await support.topic_of(person.id)


async def test_two_agents_claim_at_once_one_wins_and_the_other_is_told(
    support: SupportHarness,
) -> None:
    emulator = support.emulator
    ana = support.person("Ana")
    sam, kim = support.agent("Sam"), support.agent("Kim")
    topic = await handed_off(support, ana)
    seq = emulator.last_seq
    sam.write(topic, "/claim")
    kim.write(topic, "/claim")
    answers = await staff_messages_after(
        emulator,
        seq,
        where=lambda m: "took ticket" in m.get("text", "") or "Too late" in m.get("text", ""),
    )
    await emulator.wait_for(
        lambda: (
            len(
                [
                    e
                    for e in emulator.events_after(seq, {"message"}, STAFF_CHAT)
                    if "ticket #1" in e.payload.get("text", "")
                ]
            )
            >= 2
        ),
        8.0,
    )
    texts = [
        e.payload["text"]
        for e in emulator.events_after(seq, {"message"}, STAFF_CHAT)
        if "ticket #1" in e.payload.get("text", "")
    ]
    assert len([t for t in texts if "took ticket #1" in t]) == 1, texts
    assert len([t for t in texts if "Too late: ticket #1 is already with" in t]) == 1, texts
    ticket = await support.ticket_of(ana.id)
    winner = sam if "Sam took" in " ".join(texts) else kim
    assert ticket.agent_id == winner.id and ticket.state == TicketState.ASSIGNED
    assert answers
    assert emulator.topic(STAFF_CHAT, topic).name == "🟢 #1 · Ana"
    claims = [e for e in await support.desk.tickets.events(1) if e.kind == "claimed"]
    assert len(claims) == 1


async def test_lobby_claim_button_races_the_command(support: SupportHarness) -> None:
    emulator = support.emulator
    ana = support.person("Ana")
    sam, kim = support.agent("Sam"), support.agent("Kim")
    topic = await handed_off(support, ana)
    lobby_id = await support.desk.tickets.lobby_message(STAFF_CHAT)
    assert lobby_id is not None
    lobby = emulator.chats[STAFF_CHAT].messages[lobby_id]
    assert "#1" in lobby["text"] and "Ana" in lobby["text"]
    seq = emulator.last_seq
    query = emulator.press(kim.id, lobby, "sup:claim:1")
    sam.write(topic, "/claim")
    await emulator.wait_for(lambda: emulator.callback_answer(query), 8.0)
    answer = emulator.callback_answer(query)
    assert answer is not None
    texts = await staff_messages_after(
        emulator, seq, where=lambda m: "ticket #1" in m.get("text", "")
    )
    await settle_lobby(support)
    ticket = await support.ticket_of(ana.id)
    won = [t["text"] for t in texts if "took ticket #1" in t["text"]]
    assert len(won) == 1 and ticket.state == TicketState.ASSIGNED
    lobby = emulator.chats[STAFF_CHAT].messages[lobby_id]
    assert "Nobody is waiting" not in lobby["text"] and "With an agent: 1" in lobby["text"]
    assert not buttons(lobby)


async def settle_lobby(support: SupportHarness) -> None:
    from tests.support_harness import settle

    await settle(support.emulator)


async def test_quick_messages_make_one_ticket_and_one_topic_in_order(
    support: SupportHarness,
) -> None:
    emulator = support.emulator
    ana = support.person("Ana")
    emulator.send_text(ana.id, "/human")
    emulator.send_text(ana.id, "/human")
    emulator.send_text(ana.id, "first")
    emulator.send_message(ana.id, photo=PHOTO)
    emulator.send_text(ana.id, "third")
    topic = await support.topic_of(ana.id)
    await emulator.wait_for(
        lambda: "third" in support.topic_texts(topic), 8.0, what="the third copy"
    )
    created = [name for name, _ in emulator.calls if name == "createForumTopic"]
    assert len(created) == 1
    assert len(await support.desk.tickets.for_user(ana.id)) == 1
    copies = [
        m
        for m in emulator.topic_messages(STAFF_CHAT, topic)
        if m["from"]["id"] == emulator.bot_user["id"]
        and ("photo" in m or m.get("text") in {"first", "third"})
    ]
    assert [m.get("text", "photo") for m in copies] == ["first", "photo", "third"]
    statuses = [m for m in ana.bot_messages() if "Request #1." in m.get("text", "")]
    assert len(statuses) == 2 and "is open" in statuses[1]["text"]


async def test_user_who_blocked_the_bot_is_reported_in_the_topic(support: SupportHarness) -> None:
    emulator = support.emulator
    ana = support.person("Ana")
    sam = support.agent("Sam")
    topic = await handed_off(support, ana)
    emulator.user_blocks_bot(ana.id)
    message = sam.write(topic, "Are you there?")
    [notice] = await staff_messages_after(
        emulator, emulator.last_seq - 1, where=lambda m: "Not delivered" in m.get("text", "")
    )
    assert "blocked the bot" in notice["text"]
    assert notice["reply_to_message"]["message_id"] == message["message_id"]
    record = await support.services.users.get(ana.id)
    assert record is not None and record.blocked
    pair = await support.desk.pairs.out_by_source(message["message_id"])
    assert pair is not None and pair.status == "failed"
    assert (await support.ticket_of(ana.id)).is_open
    [canned] = await sam.say(topic, "/canned greeting")
    assert canned["text"] == "⚠️ Not delivered: the user has blocked the bot."


async def test_deleted_topic_is_recreated_with_the_card_and_nothing_is_lost(
    support: SupportHarness,
) -> None:
    emulator = support.emulator
    ana = support.person("Ana")
    sam = support.agent("Sam")
    old_topic = await handed_off(support, ana)
    emulator.delete_topic(STAFF_CHAT, old_topic)
    emulator.send_text(ana.id, "Still waiting for my coins")
    await emulator.wait_for(
        lambda: (t := support_topic_now(support, ana.id)) is not None and t != old_topic, 8.0
    )
    ticket = await support.ticket_of(ana.id)
    new_topic = ticket.topic_id
    assert new_topic is not None and new_topic != old_topic
    await emulator.wait_for(
        lambda: "Still waiting for my coins" in support.topic_texts(new_topic), 8.0
    )
    texts = support.topic_texts(new_topic)
    assert any("Ticket #1" in t and f"id {ana.id}" in t for t in texts)
    assert any("was deleted, so this is a new one" in t for t in texts)
    assert ticket.card_message_id in emulator.pins[STAFF_CHAT]
    assert [e.kind for e in await support.desk.tickets.events(1)].count("topic_recreated") == 1
    replies = await ana._step(lambda: sam.write(new_topic, "Found it"), 8.0)
    assert replies[-1]["text"].startswith("Found it")


def support_topic_now(support: SupportHarness, user_id: int) -> int | None:
    row = support.services.db._reader.execute(
        "SELECT topic_id FROM support_tickets WHERE user_id = ? ORDER BY ticket_id DESC LIMIT 1",
        (user_id,),
    ).fetchone()
    return row[0] if row else None


async def test_secrets_are_masked_for_agents_and_the_user_is_warned(
    support: SupportHarness,
) -> None:
    emulator = support.emulator
    ana = support.person("Ana")
    topic = await handed_off(support, ana)
    [warning] = await ana.send("my card is 4111 1111 1111 1111 and the code is 483920")
    assert "Never share codes" in warning["text"]
    await emulator.wait_for(lambda: any("••••1111" in t for t in support.topic_texts(topic)), 8.0)
    copy = next(t for t in support.topic_texts(topic) if "••••1111" in t)
    assert "4111 1111" not in copy and "483920" not in copy and "••••••" in copy, copy
    await support.desk.transcript.flush()
    lines = await support.desk.transcript.recent(ana.id)
    assert all("4111 1111 1111" not in line.text and "483920" not in line.text for line in lines)


async def test_two_unsure_faq_answers_in_a_row_hand_off(support: SupportHarness) -> None:
    registry = support.services.registry
    assert registry.start_handoff is not None and registry.handoff_data("faq") == "human:faq"
    ana = support.person("Ana", language_code="es")
    [first] = await ana.send("hola otra vez")
    assert "¿Te refieres a" in first["text"] or "Quisiste decir" in first["text"], first["text"]
    replies = await ana.send("hola de nuevo")
    assert any("Solicitud #1." in r.get("text", "") for r in replies), replies
    ticket = await support.ticket_of(ana.id)
    assert ticket.reason == "faq"
    topic = await support.topic_of(ana.id)
    card = support.emulator.chats[STAFF_CHAT].messages[ticket.card_message_id or 0]["text"]
    assert "Questions the FAQ could not answer" in card and topic


async def test_payment_help_button_hands_off_with_its_reason(support: SupportHarness) -> None:
    ana = support.person("Ana")
    [help_message] = await ana.send("/paysupport")
    [problem] = await ana.press("Coins didn't arrive", help_message)
    replies = await ana.press("Talk to a human", problem)
    assert "Request #1." in replies[-1]["text"]
    assert (await support.ticket_of(ana.id)).reason == "pay-missing"


async def test_back_to_the_bot_ends_the_ticket(support: SupportHarness) -> None:
    emulator = support.emulator
    ana = support.person("Ana")
    topic = await handed_off(support, ana)
    status = next(m for m in ana.bot_messages() if "Request #1." in m.get("text", ""))
    replies = await ana.press("Back to the bot", status)
    assert any("is closed" in r.get("text", "") for r in replies)
    ticket = await support.ticket_of(ana.id)
    assert ticket.resolution == Resolution.USER
    await emulator.wait_for(lambda: emulator.topic(STAFF_CHAT, topic).closed, 8.0)
    assert any("went back to the bot" in t for t in support.topic_texts(topic))
    [answer] = await ana.send("hello")
    assert "menu" in answer["text"]
    seq = emulator.last_seq
    await ana.press_forged("sup:back:1", status)
    [answer_event] = emulator.events_after(seq, {"callback_answer"})
    assert answer_event.payload["text"] == "This request is already closed."


async def test_follow_up_within_the_window_reopens_the_same_topic(
    support: SupportHarness,
) -> None:
    emulator = support.emulator
    ana = support.person("Ana")
    sam = support.agent("Sam")
    topic = await handed_off(support, ana)
    await ana._step(lambda: sam.write(topic, "/close"), 8.0)
    [again] = await ana.send("/human")
    assert "Request #2." in again["text"] and "previous request #1" in again["text"]
    await emulator.wait_for(
        lambda: (
            support_topic_now(support, ana.id) == topic
            and not emulator.topic(STAFF_CHAT, topic).closed
        ),
        8.0,
    )
    ticket = await support.ticket_of(ana.id)
    assert ticket.previous_ticket_id == 1 and ticket.topic_id == topic
    await emulator.wait_for(lambda: emulator.topic(STAFF_CHAT, topic).name == "🟡 #2 · Ana", 8.0)
    assert [name for name, _ in emulator.calls].count("createForumTopic") == 1


async def test_canned_reply_in_the_users_language(support: SupportHarness) -> None:
    ana = support.person("Ana", language_code="pt-br")
    sam = support.agent("Sam")
    topic = await handed_off(support, ana)
    [listing] = await sam.say(topic, "/canned")
    assert "/canned greeting" in listing["text"] and "pt_BR" in listing["text"]
    replies = await ana._step(lambda: sam.write(topic, "/canned greeting"), 8.0)
    assert (
        replies[-1]["text"]
        == "Oi, Ana, obrigado por esperar. Já estou analisando a sua solicitação.\n\n— Equipe de suporte"
    )
    ticket = await support.ticket_of(ana.id)
    assert ticket.state == TicketState.ASSIGNED and ticket.first_response_at is not None
    [refused] = await sam.say(topic, "/canned coins_arrived")
    assert "needs an order" in refused["text"]
    [unknown] = await sam.say(topic, "/canned nope")
    assert "No canned reply called nope" in unknown["text"]


async def test_note_history_unclaim_ban_and_unban(support: SupportHarness) -> None:
    emulator = support.emulator
    ana = support.person("Ana")
    sam = support.agent("Sam", status="administrator", can_manage_topics=True)
    topic = await handed_off(support, ana)
    [saved] = await sam.say(topic, "/note seems to be a chargeback")
    assert "Note saved" in saved["text"]
    assert not [m for m in ana.bot_messages() if "chargeback" in m.get("text", "")]
    await sam.say(topic, "/claim")
    [back] = await sam.say(topic, "/unclaim")
    assert "back in the queue" in back["text"]
    assert (await support.ticket_of(ana.id)).state == TicketState.QUEUED
    [history] = await sam.say(topic, "/history")
    assert "#1" in history["text"] and "seems to be a chargeback" in history["text"]
    assert "unclaimed" in history["text"]
    replies = await ana._step(lambda: sam.write(topic, "/ban abusive messages"), 8.0)
    assert any("can no longer be reached" in r.get("text", "") for r in replies)
    ticket = await support.ticket_of(ana.id)
    assert ticket.resolution == Resolution.BANNED
    await emulator.wait_for(lambda: emulator.topic(STAFF_CHAT, topic).name == "⛔ #1 · Ana", 8.0)
    [refused] = await ana.send("/human")
    assert "can no longer be reached" in refused["text"]
    assert len(await support.desk.tickets.for_user(ana.id)) == 1
    replies = await ana._step(lambda: sam.write(topic, "/unban"), 8.0)
    assert "contact the support team again" in replies[-1]["text"]
    [again] = await ana.send("/human")
    assert "Request #2." in again["text"]


SAM, MALLORY = 7001, 7002


@pytest.fixture
async def guarded(emulator: Emulator, tmp_path: Path) -> AsyncIterator[SupportHarness]:
    """Agents limited to an allow-list; Sam may refund."""
    async with support_harness(
        emulator, tmp_path, support_agent_ids=frozenset({SAM}), admin_ids=frozenset({SAM})
    ) as harness:
        yield harness


async def test_a_non_agent_can_use_no_agent_command(guarded: SupportHarness) -> None:
    emulator = guarded.emulator
    ana = guarded.person("Ana")
    mallory = guarded.agent("Mallory", user_id=MALLORY)
    topic = await handed_off(guarded, ana)
    events_before = await guarded.desk.tickets.events(1)
    commands = [
        "/claim",
        "/unclaim",
        "/note sneaky",
        "/canned",
        "/canned greeting",
        "/close",
        "/refund RD-AAAAAAAA",
        "/history",
        "/ban because",
        "/unban",
    ]
    for command in commands:
        [answer] = await mallory.say(topic, command)
        assert answer["text"] == "⛔ Only support agents can do that.", (command, answer)
    [answer] = await mallory.say(topic, "hello Ana, give me your password")
    assert "Not sent to the user" in answer["text"]
    assert await guarded.desk.tickets.events(1) == events_before
    ticket = await guarded.ticket_of(ana.id)
    assert ticket.state == TicketState.QUEUED and ticket.agent_id is None
    assert await guarded.desk.ban_of(ana.id) is None
    assert not [m for m in ana.bot_messages() if "give me your password" in m.get("text", "")]
    # an anonymous admin cannot be told apart from any other admin
    seq = emulator.last_seq
    emulator.send_as_chat(STAFF_CHAT, topic, "/close")
    [anonymous] = await staff_messages_after(
        emulator, seq, where=lambda m: "own account" in m.get("text", "")
    )
    assert "Remain anonymous" in anonymous["text"]
    # the lobby's Claim button refuses too
    lobby_id = await guarded.desk.tickets.lobby_message(STAFF_CHAT)
    query = emulator.press(
        MALLORY, emulator.chats[STAFF_CHAT].messages[lobby_id or 0], "sup:claim:1"
    )
    await emulator.wait_for(lambda: emulator.callback_answer(query), 8.0)
    assert "Only support agents" in (emulator.callback_answer(query) or {}).get("text", "")
    # anywhere else these are not agent commands (/history is the wallet's statement there)
    for command in commands:
        [answer] = await ana.send(command)
        expected = (
            "No coin movements yet." if command == "/history" else "I don't know that command"
        )
        assert expected in answer["text"], (command, answer["text"])
    assert (await guarded.ticket_of(ana.id)).state == TicketState.QUEUED
    # and an agent on the list still can
    sam = guarded.agent("Sam", user_id=SAM)
    [took] = await sam.say(topic, "/claim")
    assert "Sam took ticket #1" in took["text"]


async def test_refund_twice_makes_one_refund_and_one_reversal(guarded: SupportHarness) -> None:
    from tests.test_recharge_e2e import open_invoice

    emulator = guarded.emulator
    wallet = guarded.services.wallet
    assert wallet is not None
    ana = guarded.person("Ana")
    sam = guarded.agent("Sam", user_id=SAM)
    kim = guarded.agent("Kim")
    guarded.services.settings.support_agent_ids |= {kim.id}  # an agent, but not allowed to refund
    invoice = await open_invoice(ana)
    paid = await emulator.pay(ana.id, invoice)
    assert paid.outcome == "paid" and paid.payment is not None
    await emulator.wait_for(lambda: wallet_balance(guarded, ana.id) == 700, 8.0)
    [order] = await wallet.recent_orders(ana.id, 1)
    topic = await handed_off(guarded, ana)

    [refused] = await kim.say(topic, f"/refund {order.reference}")
    assert "Only agents allowed to refund" in refused["text"]
    [offer] = await sam.say(topic, f"/refund {order.reference.lower()}")
    assert "Refund this order?" in offer["text"] and "600 ⭐" in offer["text"]
    seq = emulator.last_seq
    emulator.press(SAM, offer, "sup:refund:" + order.reference)
    await emulator.wait_for(
        lambda: (
            "Coins reversed"
            in emulator.chats[STAFF_CHAT].messages[offer["message_id"]].get("text", "")
        ),
        8.0,
    )
    result = emulator.chats[STAFF_CHAT].messages[offer["message_id"]]["text"]
    assert "600 ⭐ returned to the user" in result and "Balance now: 0 coins" in result
    await emulator.wait_for(
        lambda: [
            e
            for e in emulator.events_after(seq, {"message"}, ana.id)
            if "was refunded" in e.payload.get("text", "")
        ],
        8.0,
    )
    assert emulator.star_payments[paid.payment.charge_id].refunded_at is not None

    [again] = await sam.say(topic, f"/refund {order.reference}")
    assert "refunded already" in again["text"]
    emulator.press(SAM, again, "sup:refund:" + order.reference)
    await emulator.wait_for(
        lambda: (
            "reversed already"
            in emulator.chats[STAFF_CHAT].messages[again["message_id"]].get("text", "")
        ),
        8.0,
    )
    second = emulator.chats[STAFF_CHAT].messages[again["message_id"]]["text"]
    assert "Stars were returned already" in second
    refunds = await guarded.services.db.fetchall(
        "SELECT amount FROM ledger_entries WHERE kind = 'refund'"
    )
    assert [row["amount"] for row in refunds] == [-700]
    assert [name for name, _ in emulator.calls].count("refundStarPayment") == 2
    assert wallet_balance(guarded, ana.id) == 0
    assert await wallet.verify() == []
    notices = [m for m in ana.bot_messages() if "was refunded" in m.get("text", "")]
    assert len(notices) == 1 and "600 ⭐ are back" in notices[0]["text"]


def wallet_balance(support: SupportHarness, user_id: int) -> int:
    row = support.services.db._reader.execute(
        "SELECT balance FROM accounts WHERE user_id = ?", (user_id,)
    ).fetchone()
    return int(row[0]) if row else 0


async def test_out_of_hours_the_user_learns_when_to_expect_a_reply(
    emulator: Emulator, tmp_path: Path
) -> None:
    today = datetime.now(UTC).date()
    config = desk_file(
        tmp_path, holidays=[today.isoformat(), (today + timedelta(days=1)).isoformat()]
    )
    async with support_harness(emulator, tmp_path, support_config_path=config) as support:
        ana = support.person("Ana")
        [status] = await ana.send("/human")
        opening = today + timedelta(days=2)
        assert "offline right now" in status["text"]
        expected = format_skeleton("MMMEd", datetime.combine(opening, time(0), UTC), locale="en")
        assert f"Expect a reply from {expected}, 12:00\u202fAM (UTC)" in status["text"], status[
            "text"
        ]
        # out of hours, nobody is pinged about the SLA
        await support.topic_of(ana.id)
        await support.services.db.execute(
            "UPDATE support_tickets SET queued_at = queued_at - 86400"
        )
        seq = emulator.last_seq
        await sweep(support.forum)
        assert not [
            e
            for e in emulator.events_after(seq, {"message"}, STAFF_CHAT)
            if "⏰" in e.payload.get("text", "")
        ]


async def test_sla_ping_and_auto_close(support: SupportHarness) -> None:
    emulator = support.emulator
    ana, bob = support.person("Ana"), support.person("Bob")
    sam = support.agent("Sam")
    ana_topic = await handed_off(support, ana)
    bob_topic = await handed_off(support, bob)
    await ana._step(lambda: sam.write(ana_topic, "Looking"), 8.0)
    db = support.services.db
    await db.execute(
        "UPDATE support_tickets SET queued_at = queued_at - 1200 WHERE user_id = ?", (bob.id,)
    )
    await db.execute(
        "UPDATE support_tickets SET last_activity_at = last_activity_at - 200000 WHERE user_id = ?",
        (ana.id,),
    )
    seq = emulator.last_seq
    await sweep(support.forum)
    await settle_lobby(support)
    pings = [
        e.payload
        for e in emulator.events_after(seq, {"message"}, STAFF_CHAT)
        if "⏰" in e.payload.get("text", "")
    ]
    assert len(pings) == 1 and "#2" in pings[0]["text"] and "Bob" in pings[0]["text"]
    assert (
        "message_thread_id" not in pings[0]
        and buttons(pings[0])[0]["callback_data"] == "sup:claim:2"
    )
    closed = [m for m in ana.bot_messages() if "nobody wrote for 55 hours" in m.get("text", "")]
    assert len(closed) == 1 and "How did we do?" in closed[0]["text"]
    assert any(
        "Closed automatically: nobody wrote for 55 hours" in t
        for t in support.topic_texts(ana_topic)
    )
    ticket = await support.ticket_of(ana.id)
    assert ticket.resolution == Resolution.AUTO and emulator.topic(STAFF_CHAT, ana_topic).closed
    # a second sweep pings nobody again and closes nothing more
    seq = emulator.last_seq
    await sweep(support.forum)
    assert not [
        e
        for e in emulator.events_after(seq, {"message"})
        if "⏰" in e.payload.get("text", "") or "nobody wrote" in e.payload.get("text", "")
    ]
    assert (await support.ticket_of(bob.id)).is_open and bob_topic


async def test_commands_for_other_bots_are_neither_run_nor_relayed(support: SupportHarness) -> None:
    ana = support.person("Ana")
    sam = support.agent("Sam")
    topic = await handed_off(support, ana)
    seq = support.emulator.last_seq
    sam.write(topic, "/close@SomeOtherBot")
    replies = await ana._step(lambda: sam.write(topic, "Only this one"), 8.0)
    assert [r["text"] for r in replies] == ["Only this one\n\n— Support team"]
    assert (await support.ticket_of(ana.id)).is_open
    assert not [
        e
        for e in support.emulator.events_after(seq, {"message"}, STAFF_CHAT)
        if "closed ticket" in e.payload.get("text", "")
    ]


async def test_missing_rights_are_named_at_start(
    emulator: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with support_harness(emulator, tmp_path) as support:
        assert await support.forum.check_own_rights()
        emulator.set_member(
            STAFF_CHAT, emulator.bot_user["id"], "administrator", can_pin_messages=True
        )
        caplog.clear()
        assert not await support.forum.check_own_rights()
        [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert "STAFF_CHAT_ID" in record.getMessage() and "can_manage_topics" in record.getMessage()
        caplog.clear()  # expected error, not a failure of the test


async def test_topic_creation_keeps_telegrams_pace(support: SupportHarness) -> None:
    # The desk allows 20 a minute; a window of 2 a second shows the pacing without a long wait.
    support.forum._window = CreationWindow(limit=2, period=1.0)
    people = [support.person(name) for name in ("Ana", "Bob", "Cid")]
    began = time_module.monotonic()
    for person in people:
        support.emulator.send_text(person.id, "/human")
    for person in people:
        await support.topic_of(person.id)
    assert time_module.monotonic() - began >= 1.0
    assert [name for name, _ in support.emulator.calls].count("createForumTopic") == 3


async def test_the_card_shows_the_offers_the_user_checked(support: SupportHarness) -> None:
    ana = support.person("Ana")
    [card] = await ana.send("Cheap TikTok coins 70% off, DM me on WhatsApp")
    assert card["text"].startswith("⛔")
    await ana.press("Report this seller", card)
    ticket_card = await support_card_of(support, ana)
    assert (
        "🛡 Offers checked" in ticket_card and "scam ·" in ticket_card and "reported" in ticket_card
    )


async def support_card_of(support: SupportHarness, person: Person) -> str:
    await person.send("/human")
    ticket = await support.ticket_of(person.id)
    return str(support.emulator.chats[STAFF_CHAT].messages[ticket.card_message_id or 0]["text"])
