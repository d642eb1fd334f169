"""Shared set-up for support tests: a staff forum in the emulator, agents who write in topics."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sandbox.emulator import Emulator
from bot.support.forum import FORUM_KEY, StaffForum
from bot.support.service import SupportDesk
from bot.support.tickets import Ticket
from tests.harness import SETTLE, Harness, make_settings, running_bot, serve_emulator

Json = dict[str, Any]
STAFF_CHAT = -1001234567890
CANNED_DIR = Path(__file__).resolve().parent.parent / "bot" / "support" / "canned"
ALWAYS_OPEN = {
    day: ["00:00-24:00"]
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
}


def desk_file(
    folder: Path,
    *,
    hours: dict[str, list[str]] | None = None,
    holidays: list[str] | None = None,
    timezone: str = "UTC",
    timing: dict[str, str] | None = None,
) -> Path:
    """A desk.toml for a test: open all day every day unless told otherwise."""
    lines = [f'canned_dir = "{CANNED_DIR}"', "", "[hours]", f'timezone = "{timezone}"']
    for day, intervals in (hours or ALWAYS_OPEN).items():
        lines.append(f"{day} = [{', '.join(repr(i).replace(chr(39), chr(34)) for i in intervals)}]")
    lines.append(f"holidays = [{', '.join(holidays or [])}]")
    lines += ["", "[timing]"]
    lines += [f'{key} = "{value}"' for key, value in (timing or {}).items()]
    path = folder / "desk.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Agent:
    """A person in the staff chat."""

    emulator: Emulator
    user: Json

    @property
    def id(self) -> int:
        return int(self.user["id"])

    def write(self, thread_id: int, text: str | None = None, **fields: Any) -> Json:
        if text is not None:
            fields["text"] = text
        return self.emulator.send_in_topic(self.id, STAFF_CHAT, thread_id, **fields)

    async def say(self, thread_id: int, text: str, timeout: float = 8.0) -> list[Json]:
        """Write in a topic; the bot's answers to it there (waits for one)."""
        seq = self.emulator.last_seq
        sent = self.write(thread_id, text)
        return await staff_messages_after(
            self.emulator,
            seq,
            timeout=timeout,
            where=lambda m: m.get("reply_to_message", {}).get("message_id") == sent["message_id"],
        )


async def settle(emulator: Emulator) -> None:
    """Until the bot has been quiet for a moment."""
    while True:
        count = emulator.last_seq
        await asyncio.sleep(SETTLE * 2)
        if emulator.last_seq == count:
            return


async def staff_messages_after(
    emulator: Emulator,
    seq: int,
    *,
    timeout: float = 8.0,
    where: Callable[[Json], bool] | None = None,
) -> list[Json]:
    def found() -> list[Json]:
        return [
            e.payload
            for e in emulator.events_after(seq, {"message", "edit"}, chat_id=STAFF_CHAT)
            if where is None or where(e.payload)
        ]

    await emulator.wait_for(found, timeout, what="a bot message in the staff chat")
    await settle(emulator)
    return found()


@dataclass
class SupportHarness(Harness):
    def agent(
        self,
        first_name: str = "Sam",
        *,
        status: str = "member",
        user_id: int | None = None,
        **rights: bool,
    ) -> Agent:
        user = self.emulator.add_user(first_name, user_id=user_id, language_code="en")
        self.emulator.set_member(STAFF_CHAT, user["id"], status, **rights)
        return Agent(self.emulator, user)

    @property
    def desk(self) -> SupportDesk:
        assert self.services.support is not None
        return self.services.support

    @property
    def forum(self) -> StaffForum:
        forum: StaffForum = self.application.bot_data[FORUM_KEY]
        return forum

    async def ticket_of(self, user_id: int) -> Ticket:
        ticket = await self.desk.tickets.latest_for_user(user_id)
        assert ticket is not None, "no ticket for that user"
        return ticket

    async def topic_of(self, user_id: int, timeout: float = 8.0) -> int:
        """Wait until the user's latest ticket has its topic; its thread id."""

        async def ready() -> int | None:
            ticket = await self.desk.tickets.latest_for_user(user_id)
            return ticket.topic_id if ticket else None

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (topic := await ready()) is None:
            if loop.time() > deadline:
                raise AssertionError("the ticket's topic was not created")
            await asyncio.sleep(0.02)
        await settle(self.emulator)
        return topic

    def topic_texts(self, thread_id: int) -> list[str]:
        return [
            m.get("text") or m.get("caption") or ""
            for m in self.emulator.topic_messages(STAFF_CHAT, thread_id)
        ]


@contextlib.asynccontextmanager
async def support_harness(
    emulator: Emulator, tmp_path: Path, **overrides: Any
) -> AsyncIterator[SupportHarness]:
    emulator.add_forum("Recharge Desk support", chat_id=STAFF_CHAT)
    async with serve_emulator(emulator) as base_url:
        values: dict[str, Any] = {
            "staff_chat_id": STAFF_CHAT,
            "group_rate_limit_per_minute": 100_000,
            **overrides,
        }
        if "support_config_path" not in values:
            values["support_config_path"] = desk_file(tmp_path)
        settings = make_settings(base_url, tmp_path / "bot.sqlite3", **values)
        async with running_bot(settings, emulator) as (application, services):
            yield SupportHarness(emulator, application, services)
