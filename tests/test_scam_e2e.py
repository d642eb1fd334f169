"""The scam shield end to end: the real Application polling the emulator over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.emulator import Emulator
from bot.scam.handlers import SHIELD_KEY
from tests.harness import SETTLE, Harness, buttons

Json = dict[str, Any]
GROUP = -1001234567890
SCAM = "Cheap TikTok coins 50% off!! DM me @coinplug"


def labels(message: Json) -> list[str]:
    return [b["text"] for b in buttons(message)]


# ------------------------------------------------------------------------------ private chats
async def test_forwarded_scam_gets_a_verdict_card_and_the_report_is_stored(
    harness: Harness,
) -> None:
    ana = harness.person("Ana")
    seller = harness.emulator.add_user("Coin Seller", username="coinseller")
    origin = {"type": "user", "date": int(time.time()) - 60, "sender_user": seller}
    [card] = await ana.send_message(text=SCAM, forward_origin=origin)
    assert card["text"].startswith("⛔ This looks like a scam")
    assert "Forwarded from Coin Seller (@coinseller)" in card["text"]
    assert "It offers coins cheaper than the official price" in card["text"]
    assert "«Cheap TikTok coins»" in card["text"]
    assert "https://www.tiktok.com/coin" in card["text"]
    assert labels(card) == ["🚩 Report this seller", "⬅️ Main menu"]  # no support: no human

    seq = harness.emulator.last_seq
    [edited] = await ana.press("Report this seller")
    [answer] = [e.payload for e in harness.emulator.events_after(seq, {"callback_answer"})]
    assert answer["text"] == "Thank you, the report is saved."
    assert "✅ Reported." in edited["text"] and "Cheap TikTok coins" in edited["text"]
    assert labels(edited) == ["⬅️ Main menu"]

    db = harness.services.db
    [row] = await db.fetchall(
        "SELECT c.verdict, c.source, c.text, c.forward_origin FROM scam_reports r "
        "JOIN scam_checks c USING (check_id) WHERE r.reporter_id = ?",
        (ana.id,),
    )
    assert (row["verdict"], row["source"], row["text"]) == ("scam", "forwarded", SCAM)
    assert '"username": "coinseller"' in row["forward_origin"]
    codes = await db.fetchall("SELECT code FROM scam_check_reasons ORDER BY code")
    assert [r["code"] for r in codes] == ["cheap_coins", "off_platform_contact"]


async def test_a_second_report_and_forged_buttons_are_refused(harness: Harness) -> None:
    ana, bob = harness.person("Ana"), harness.person("Bob")
    [card] = await ana.send(SCAM)
    data = next(b["callback_data"] for b in buttons(card) if "Report" in b["text"])
    await ana.press(data, card)
    seq = harness.emulator.last_seq
    await ana.press_forged(data, card)
    answers = [e.payload["text"] for e in harness.emulator.events_after(seq, {"callback_answer"})]
    assert answers == ["You already reported this seller."]
    await bob.send("/start")
    for forged in [data, "scam:report:999", "scam:report:x", "scam:nothing"]:
        replies = await bob.press_forged(forged)
        assert "no longer valid" in replies[-1]["text"]
    assert len(await harness.services.db.fetchall("SELECT * FROM scam_reports")) == 1


async def test_talk_to_a_human_appears_when_support_is_installed(harness: Harness) -> None:
    harness.services.registry.enable_handoff("support:handoff")
    ana = harness.person("Ana")
    [card] = await ana.send("Hi, TikTok support here. Send us the login code we texted you")
    assert card["text"].startswith("⛔")
    assert "🙋 Talk to a human" in labels(card)
    assert next(b for b in buttons(card) if "human" in b["text"])["callback_data"] == (
        "support:handoff:scam"
    )


async def test_a_question_about_a_scam_is_explained_not_accused(harness: Harness) -> None:
    ana = harness.person("Ana")
    [answer] = await ana.send("Someone offered me cheap coins in the comments, is it legit?")
    assert answer["text"].startswith("🛡 About offers like this")
    assert "Nobody can sell coins below the official price" in answer["text"]
    assert "scam" not in answer["text"].split("\n")[0].lower()
    assert "🚩 Report this seller" not in labels(answer)


async def test_safe_text_is_left_to_the_features_after_the_scam_check(harness: Harness) -> None:
    ana = harness.person("Ana")
    [answer] = await ana.send("How much are 700 coins?")
    assert "scam" not in answer["text"].lower()  # the FAQ (next in line) answered, not the check
    [checked] = await harness.services.db.fetchall("SELECT verdict, text FROM scam_checks")
    assert (checked["verdict"], checked["text"]) == ("safe", None)  # no words kept


async def test_a_safe_forward_gets_an_all_clear(harness: Harness) -> None:
    ana = harness.person("Ana")
    origin = {"type": "hidden_user", "date": int(time.time()), "sender_user_name": "Mia"}
    [answer] = await ana.send_message(text="See you at the live tonight!", forward_origin=origin)
    assert answer["text"].startswith("✅ I found no signs of a scam")


async def test_the_card_speaks_the_users_language(harness: Harness) -> None:
    lucia = harness.person("Lucía", language_code="es")
    [card] = await lucia.send("Vendo monedas de TikTok baratas, escríbeme")
    assert card["text"].startswith("⛔ Esto parece una estafa")
    assert "Alguien vende monedas fuera de la app oficial" in card["text"]
    omar = harness.person("Omar", language_code="ar")
    [card] = await omar.send("عملات تيك توك رخيصة، راسلني خاص")
    assert card["text"].startswith("⛔ يبدو هذا احتيالًا")


async def test_check_an_offer_from_the_menu_and_the_command(harness: Harness) -> None:
    ana = harness.person("Ana")
    [menu] = await ana.send("/start")
    assert "🛡 Check an offer" in labels(menu)
    [howto] = await ana.press("Check an offer")
    assert "Forward it to me" in howto["text"]
    [howto] = await ana.send("/check")
    assert "Forward it to me" in howto["text"]
    [card] = await ana.send("/check free tiktok coins generator at coins-gen.xyz")
    assert card["text"].startswith("⛔")
    [clear] = await ana.send("/check see you tomorrow")
    assert clear["text"].startswith("✅")
    [card] = await ana.send("/check\nCheap coins here, 50% off, DM me")
    assert card["text"].startswith("⛔")


async def test_junk_is_answered_without_errors(harness: Harness) -> None:
    ana = harness.person("Ana")
    for text in ["c o i n s " * 409, "<b>cheap coins</b> & dm me <script>", "\u202e" + SCAM]:
        [answer] = await ana.send(text[:4096])
        assert answer["text"]


# -------------------------------------------------------------------------------------- groups
@dataclass
class Group:
    """A group chat the tests drive: people posting, and what the bot did in reply."""

    emulator: Emulator
    chat_id: int
    canary_id: int  # a member whose scam post proves the bot has handled everything before it

    async def step(self, act: Callable[[], Any], timeout: float = 5.0) -> list[Json]:
        """Do something; wait for the bot to act in the group; return its messages/deletes."""
        seq = self.emulator.last_seq
        act()
        await self.emulator.wait_for(
            lambda: self.emulator.events_after(seq, {"message", "delete", "callback_answer"}),
            timeout,
            what=f"the bot to act in {self.chat_id}",
        )
        await asyncio.sleep(SETTLE)
        return [
            {"kind": e.kind, **e.payload}
            for e in self.emulator.events_after(seq, {"message", "edit", "delete"}, self.chat_id)
        ]

    async def post(self, user: Json, text: str) -> list[Json]:
        return await self.step(lambda: self.emulator.post_in_group(user["id"], self.chat_id, text))

    async def quiet_post(self, user: Json, text: str) -> Json:
        """Post something the bot must not act on; prove it by a scam post that it acts on."""
        seq = self.emulator.last_seq
        message = self.emulator.post_in_group(user["id"], self.chat_id, text)
        canary = self.emulator.users[self.canary_id]
        actions = await self.post(canary, SCAM)
        assert all(
            a.get("reply_to_message", {}).get("message_id") != message["message_id"]
            for a in actions
        )
        done = self.emulator.events_after(seq, {"message", "delete"}, self.chat_id)
        assert len(done) == 1, done  # only the canary's warning
        return message


async def make_group(
    harness: Harness, *, bot_admin: bool = True, can_delete: bool = True
) -> tuple[Group, Json, Json]:
    emulator = harness.emulator
    owner = emulator.add_user("Olga", username="olga")
    member = emulator.add_user("Max")
    canary = emulator.add_user("Canary")
    emulator.create_group("Coin Fans", chat_id=GROUP, creator_id=owner["id"])
    emulator.join_group(GROUP, member["id"])
    emulator.join_group(GROUP, canary["id"])
    group = Group(emulator, GROUP, canary["id"])
    # the canary's many warnings must not hit the per-group limit (tested on its own below)
    harness.application.bot_data[SHIELD_KEY].limiter.limit = 100
    [greeting] = await group.step(
        lambda: emulator.add_bot_to_group(
            GROUP, owner["id"], admin=bot_admin, can_delete_messages=can_delete
        )
    )
    assert "I watch this group for scam offers" in greeting["text"]
    return group, owner, member


async def test_group_scam_gets_a_warning_reply(harness: Harness) -> None:
    group, _, member = await make_group(harness)
    [warning] = await group.post(member, SCAM)
    assert warning["text"].startswith("⚠️ Careful: this message looks like a scam.")
    assert warning["reply_to_message"]["text"] == SCAM
    assert "It offers coins cheaper" in warning["text"]


async def test_safe_posts_and_admins_are_left_alone(harness: Harness) -> None:
    group, owner, member = await make_group(harness)
    await group.quiet_post(member, "free live tonight, come watch!")
    await group.quiet_post(member, "someone sells cheap coins in DMs, is it legit?")
    await group.quiet_post(owner, SCAM)  # the owner posts the offer as an example
    harness.emulator.join_group(GROUP, member["id"], admin=True)
    await group.quiet_post(member, SCAM)
    anonymous = harness.emulator.post_anonymously(GROUP, SCAM)
    canary = harness.emulator.users[group.canary_id]
    actions = await group.post(canary, SCAM)
    assert all(
        a.get("reply_to_message", {}).get("message_id") != anonymous["message_id"] for a in actions
    )


async def test_only_admins_can_change_the_watch(harness: Harness) -> None:
    group, owner, member = await make_group(harness)
    [refusal] = await group.post(member, "/watch")
    assert refusal["text"] == "Only the group's admins can change the scam watch."
    [panel] = await group.post(owner, "/watch")
    assert panel["text"].startswith("🛡 Scam watch: ⚠️ Warn")
    assert labels(panel) == ["✅ ⚠️ Warn", "🗑 Delete", "🔕 Off"]
    seq = harness.emulator.last_seq
    data = next(b["callback_data"] for b in buttons(panel) if "Off" in b["text"])
    harness.emulator.press(member["id"], panel, data)
    await harness.emulator.wait_for(lambda: harness.emulator.events_after(seq, {"callback_answer"}))
    [answer] = [e.payload for e in harness.emulator.events_after(seq, {"callback_answer"})]
    assert answer["text"] == "Only the group's admins can change the scam watch."
    assert answer["show_alert"] is True
    assert (await harness.services.db.fetchone("SELECT * FROM scam_group_watch")) is None


async def test_delete_mode_removes_scam_offers(harness: Harness) -> None:
    group, owner, member = await make_group(harness)
    [panel] = await group.post(owner, "/watch")
    data = next(b["callback_data"] for b in buttons(panel) if "Delete" in b["text"])
    actions = await group.step(lambda: harness.emulator.press(owner["id"], panel, data))
    assert actions[-1]["text"].startswith("🛡 Scam watch: 🗑 Delete")
    scam = {}

    def post() -> None:
        scam.update(harness.emulator.post_in_group(member["id"], GROUP, SCAM))

    actions = await group.step(post)
    kinds = [a["kind"] for a in actions]
    assert kinds == ["delete", "message"]
    assert actions[0]["message_id"] == scam["message_id"]
    assert actions[1]["text"].startswith("🛡 I removed a message from Max that looked like a scam")
    assert scam["message_id"] not in harness.emulator.chats[GROUP].messages


async def test_without_the_right_the_bot_only_warns(harness: Harness) -> None:
    group, owner, member = await make_group(harness, bot_admin=False)
    [panel] = await group.post(owner, "/watch")
    assert labels(panel) == ["✅ ⚠️ Warn", "🔕 Off"]
    assert "make me an admin with the right to delete messages" in panel["text"]
    [refusal] = await group.post(owner, "/watch delete")
    assert refusal["text"] == "I need to be an admin with the right to delete messages for that."
    [warning] = await group.post(member, SCAM)
    assert warning["text"].startswith("⚠️ Careful")


async def test_off_means_silence(harness: Harness) -> None:
    group, owner, member = await make_group(harness)
    [panel] = await group.post(owner, "/watch off")
    assert panel["text"].startswith("🛡 Scam watch: 🔕 Off")
    harness.emulator.post_in_group(member["id"], GROUP, SCAM)
    [on] = await group.post(owner, "/watch warn")  # ordered after the scam post: it was ignored
    assert on["text"].startswith("🛡 Scam watch: ⚠️ Warn")
    bot_messages = harness.emulator.bot_messages(GROUP)
    assert not any(m["text"].startswith("⚠️ Careful") for m in bot_messages)


async def test_warnings_are_rate_limited_per_group(harness: Harness) -> None:
    group, _, member = await make_group(harness)
    harness.application.bot_data[SHIELD_KEY].limiter.limit = 2
    for _ in range(4):
        harness.emulator.post_in_group(member["id"], GROUP, SCAM)
    await harness.emulator.wait_for(
        lambda: len(_warnings(harness.emulator)) >= 2, what="two warnings"
    )
    owner = next(u for u in harness.emulator.users.values() if u["first_name"] == "Olga")
    await group.post(owner, "/watch")  # everything before it has been handled
    assert len(_warnings(harness.emulator)) == 2


def _warnings(emulator: Emulator) -> list[Json]:
    return [m for m in emulator.bot_messages(GROUP) if m["text"].startswith("⚠️ Careful")]


async def test_watch_in_private_explains_where_it_works(harness: Harness) -> None:
    ana = harness.person("Ana")
    [answer] = await ana.send("/watch")
    assert "Add me to your group" in answer["text"]
