"""Support's pure rules, masking, working hours, config, storage and statistics."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, Settings
from bot.db import Database
from bot.support.config import DEFAULT_DESK_PATH, load_desk_config, parse_duration
from bot.support.hours import Interval, WorkingHours, normalize, parse_interval
from bot.support.masking import luhn_valid, mask_secrets
from bot.support.rules import (
    TRANSITIONS,
    CreationWindow,
    Resolution,
    TicketState,
    can_transition,
    estimate_wait,
    inactive,
    reason_label,
    sla_due,
    topic_name,
    valid_reason,
    within_reopen_window,
)
from bot.support.service import SupportDesk
from bot.support.stats import summarize
from bot.support.tickets import AlreadyOpen, StaleTicket, TicketFacts, TicketStore, facts_since
from bot.support.transcript import KEEP, Transcript
from bot.users import UserRepository
from tests.support_harness import CANNED_DIR, desk_file

# ---------------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (TicketState.BOT, TicketState.QUEUED, True),
        (TicketState.BOT, TicketState.ASSIGNED, False),
        (TicketState.QUEUED, TicketState.ASSIGNED, True),
        (TicketState.QUEUED, TicketState.RESOLVED, True),
        (TicketState.QUEUED, TicketState.BOT, False),
        (TicketState.ASSIGNED, TicketState.QUEUED, True),
        (TicketState.ASSIGNED, TicketState.RESOLVED, True),
        (TicketState.RESOLVED, TicketState.BOT, True),
        (TicketState.RESOLVED, TicketState.QUEUED, False),
        (TicketState.RESOLVED, TicketState.ASSIGNED, False),
    ],
)
def test_transitions(current: TicketState, target: TicketState, allowed: bool) -> None:
    assert can_transition(current, target) is allowed


def test_every_state_has_its_transitions() -> None:
    assert set(TRANSITIONS) == set(TicketState)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((12, "Ana", TicketState.QUEUED), "🟡 #12 · Ana"),
        ((12, "Ana", TicketState.ASSIGNED), "🟢 #12 · Ana"),
        ((12, "Ana", TicketState.RESOLVED), "✅ #12 · Ana"),
        ((3, "  Ana \n Maria ", TicketState.QUEUED), "🟡 #3 · Ana Maria"),
        ((3, "", TicketState.QUEUED), "🟡 #3 · ?"),
        ((3, "x" * 100, TicketState.QUEUED), "🟡 #3 · " + "x" * 39 + "…"),
    ],
)
def test_topic_name(args: tuple[int, str, TicketState], expected: str) -> None:
    assert topic_name(*args) == expected


def test_banned_topic_marker() -> None:
    assert topic_name(5, "Bo", TicketState.RESOLVED, banned=True) == "⛔ #5 · Bo"


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("paysupport", True),
        ("pay-missing", True),
        ("faq", True),
        ("future-feature2", True),
        ("", False),
        ("-x", False),
        ("Pay", False),
        ("a" * 25, False),
        ("pay:x", False),
        ("пей", False),
    ],
)
def test_reason_codes_from_buttons(code: str, valid: bool) -> None:
    assert valid_reason(code) is valid


def test_unknown_reasons_read_as_other() -> None:
    assert reason_label("pay-missing") == "Payment help: coins did not arrive"
    assert reason_label("future-feature") == "Other"


def test_creation_window_paces_topic_creation() -> None:
    window = CreationWindow(limit=3, period=60)
    for moment in (0.0, 1.0, 2.0):
        assert window.delay(moment) == 0
        window.record(moment)
    assert window.delay(10.0) == pytest.approx(50.0)
    assert window.delay(60.0) == 0  # the first creation left the window
    window.record(60.0)
    assert window.delay(60.5) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="positive"):
        CreationWindow(limit=0, period=60)


@pytest.mark.parametrize(
    ("position", "handling", "agents", "expected"),
    [
        (1, [], 3, None),
        (1, [600, 1200, 900], 1, 900),
        (3, [600, 1200, 900], 1, 2700),
        (3, [600, 1200, 900], 2, 1800),
        (4, [600, 1200, 900], 0, 3600),  # nobody active recently: count one agent
        (1, [5, 10], 1, 60),  # never less than a minute
    ],
)
def test_wait_estimate(
    position: int, handling: list[int], agents: int, expected: int | None
) -> None:
    estimate = estimate_wait(position, handling, agents)
    assert (estimate.position, estimate.wait_seconds) == (position, expected)


def test_wait_estimate_needs_a_position() -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        estimate_wait(0, [60], 1)


@pytest.mark.parametrize(
    ("queued", "now", "open_since", "pinged", "due"),
    [
        (1000, 1000 + 899, 0, False, False),
        (1000, 1000 + 900, 0, False, True),
        (1000, 1000 + 900, 0, True, False),  # once only
        (1000, 1000 + 5000, None, False, False),  # out of hours: nobody is pinged
        (1000, 1000 + 5000, 1000 + 4500, False, False),  # counted from the opening
        (1000, 1000 + 5000, 1000 + 4000, False, True),
    ],
)
def test_sla(queued: int, now: int, open_since: int | None, pinged: bool, due: bool) -> None:
    assert sla_due(queued, now, 900, open_since, pinged) is due


def test_reopen_window_and_inactivity() -> None:
    assert within_reopen_window(1000, 1000 + 1800, 1800)
    assert not within_reopen_window(1000, 1000 + 1801, 1800)
    assert not within_reopen_window(None, 1000, 1800)
    assert inactive(0, 172800, 172800) and not inactive(1, 172800, 172800)


# ---------------------------------------------------------------------------------- masking
@pytest.mark.parametrize(
    ("text", "masked", "kinds"),
    [
        ("my card is 4111 1111 1111 1111 ok", "my card is ••••1111 ok", {"card"}),
        ("4111-1111-1111-1111", "••••1111", {"card"}),
        ("5500005555555559", "••••5559", {"card"}),
        ("4111 1111 1111 1112", "4111 1111 1111 1112", set()),  # fails the Luhn check
        ("the code is 483920", "the code is ••••••", {"code"}),
        ("código: 1234", "código: ••••••", {"code"}),
        ("мой код 55 66 77", "мой код 55 66 77", set()),
        ("kode OTP 123 456", "kode OTP ••••••", {"code"}),
        ("मेरा ओटीपी 998877 है", "मेरा ओटीपी •••••• है", {"code"}),
        ("رمز التحقق 4455", "رمز التحقق ••••••", {"code"}),
        ("  123456 ", "••••••", {"code"}),
        ("1500", "1500", set()),
        ("I bought 1500 coins", "I bought 1500 coins", set()),
        ("pin 1500 coins", "pin 1500 coins", set()),
        ("code paid $2000", "code paid $2000", set()),
        ("code for RD-12345678", "code for RD-12345678", set()),
        ("the code came on 2026-03-01", "the code came on 2026-03-01", set()),
        ("my code is 3.5", "my code is 3.5", set()),
        (
            "card 4111 1111 1111 1111, code 4321",
            "card ••••1111, code ••••••",
            {"card", "code"},
        ),
    ],
)
def test_masking(text: str, masked: str, kinds: set[str]) -> None:
    result = mask_secrets(text)
    assert (result.text, set(result.kinds)) == (masked, kinds)
    assert result.changed is bool(kinds)


def test_luhn() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")


# ---------------------------------------------------------------------------------- hours
def hours(tz: str = "UTC", holidays: frozenset[date] = frozenset()) -> WorkingHours:
    weekday = (parse_interval("09:00-12:00"), parse_interval("13:00-18:00"))
    return WorkingHours(
        ZoneInfo(tz), (weekday,) * 5 + ((parse_interval("10:00-14:00"),), ()), holidays
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("9-18", "is not HH:MM-HH:MM"),
        ("25:00-26:00", "is not a time of day"),
        ("09:00-24:30", "is not a time of day"),
        ("18:00-09:00", "ends before it starts"),
        ("09:00-09:00", "ends before it starts"),
    ],
)
def test_interval_problems(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_interval(text)


def test_intervals() -> None:
    assert parse_interval("00:00-24:00") == Interval(0, 1440)
    assert str(parse_interval("09:05-17:30")) == "09:05-17:30"
    with pytest.raises(ValueError, match="overlap"):
        normalize([parse_interval("09:00-12:00"), parse_interval("11:00-13:00")])


@pytest.mark.parametrize(
    ("moment", "is_open", "next_open"),
    [
        (datetime(2026, 3, 2, 8, 59, tzinfo=UTC), False, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), True, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 12, 30, tzinfo=UTC), False, datetime(2026, 3, 2, 13, 0, tzinfo=UTC)),
        (datetime(2026, 3, 6, 18, 0, tzinfo=UTC), False, datetime(2026, 3, 7, 10, 0, tzinfo=UTC)),
        (datetime(2026, 3, 7, 15, 0, tzinfo=UTC), False, datetime(2026, 3, 9, 9, 0, tzinfo=UTC)),
    ],
)
def test_working_hours(moment: datetime, is_open: bool, next_open: datetime) -> None:
    schedule = hours()
    assert schedule.is_open(moment) is is_open
    assert schedule.next_open(moment) == next_open


def test_holidays_and_timezones() -> None:
    schedule = hours("America/Sao_Paulo", frozenset({date(2026, 3, 2)}))
    monday_noon_utc = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 12:00 in São Paulo, a holiday
    assert not schedule.is_open(monday_noon_utc)
    opening = schedule.next_open(monday_noon_utc)
    assert opening == datetime(2026, 3, 3, 9, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
    assert opening is not None and opening.astimezone(UTC).hour == 12
    tuesday = datetime(2026, 3, 3, 14, 30, tzinfo=UTC)  # 11:30 there
    assert schedule.open_since(tuesday) == datetime(
        2026, 3, 3, 9, 0, tzinfo=ZoneInfo("America/Sao_Paulo")
    )
    with pytest.raises(ValueError, match="aware"):
        schedule.is_open(datetime(2026, 3, 3, 12, 0))


# ---------------------------------------------------------------------------------- config
def test_the_shipped_desk_file_loads() -> None:
    config = load_desk_config(DEFAULT_DESK_PATH)
    assert config.sla == 900 and config.reopen_window == 1800 and config.topics_per_minute == 20
    assert set(config.canned.names) >= {"greeting", "refund_done", "never_share"}
    assert config.canned.needs("refund_done") == {"order", "balance"}


@pytest.mark.parametrize(
    ("text", "duration"), [("90s", 90), ("15m", 900), ("48h", 172800), ("2d", 172800)]
)
def test_durations(text: str, duration: int) -> None:
    assert parse_duration(text) == duration


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            ('timezone = "UTC"', 'timezone = "Mars/Base"'),
            "hours.timezone: unknown timezone 'Mars/Base'",
        ),
        (
            ('monday = ["09:00-20:00"]', 'monday = ["20:00-09:00"]'),
            "hours.monday: '20:00-09:00' ends before it starts",
        ),
        (('sla = "15m"', 'sla = "soon"'), "timing.sla: 'soon' is not a duration"),
        (
            ("topics_per_minute = 20", "topics_per_minute = 50"),
            "timing.topics_per_minute: Telegram allows at most 20",
        ),
        (
            ('canned_dir = "canned"', 'canned_dir = "canned"\nstaff_locale = "fr"'),
            "staff_locale: must be one of",
        ),
        (
            ('sla = "15m"', 'sla = "15m"\npatience = "1h"'),
            "timing.patience: Extra inputs are not permitted",
        ),
    ],
)
def test_desk_file_problems_name_the_file_and_the_field(
    tmp_path: Path, edit: tuple[str, str], problem: str
) -> None:
    shutil.copytree(CANNED_DIR, tmp_path / "canned")
    path = tmp_path / "desk.toml"
    source = DEFAULT_DESK_PATH.read_text("utf-8")
    assert edit[0] in source
    path.write_text(source.replace(edit[0], edit[1], 1), "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_desk_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)


def test_a_desk_that_never_opens_is_refused(tmp_path: Path) -> None:
    path = desk_file(tmp_path, hours={"monday": []})
    with pytest.raises(ConfigError, match="every weekday is closed"):
        load_desk_config(path)


def test_missing_desk_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SUPPORT_CONFIG_PATH: cannot read"):
        load_desk_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("locale", "edit", "problem"),
    [
        (
            "es",
            ("[greeting]", "[greetings]"),
            "es.toml: replies differ from en.toml: greeting, greetings",
        ),
        (
            "ru",
            ("Здравствуйте, {first_name}", "Здравствуйте, {name}"),
            "ru.toml: greeting.text: unknown placeholder {name}",
        ),
        (
            "hi",
            ("नमस्ते {first_name}", "नमस्ते {ticket}"),
            "hi.toml: greeting.text: placeholders differ from en.toml",
        ),
        ("ar", ("[greeting]", "[Greeting]"), "ar.toml: Greeting: a reply name is a-z, 0-9 and _"),
    ],
)
def test_canned_reply_problems(
    tmp_path: Path, locale: str, edit: tuple[str, str], problem: str
) -> None:
    shutil.copytree(CANNED_DIR, tmp_path / "canned")
    path = tmp_path / "canned" / f"{locale}.toml"
    path.write_text(path.read_text("utf-8").replace(edit[0], edit[1], 1), "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_desk_config(_desk_with_canned(tmp_path))
    assert problem in str(caught.value)


def _desk_with_canned(folder: Path) -> Path:
    path = folder / "desk.toml"
    path.write_text(DEFAULT_DESK_PATH.read_text("utf-8"), "utf-8")
    return path


def test_missing_canned_locale(tmp_path: Path) -> None:
    shutil.copytree(CANNED_DIR, tmp_path / "canned")
    (tmp_path / "canned" / "id.toml").unlink()
    with pytest.raises(ConfigError, match=r"cannot read .*id\.toml"):
        load_desk_config(_desk_with_canned(tmp_path))


# ---------------------------------------------------------------------------------- storage
@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "support.sqlite3")
    users = UserRepository(database)
    for user_id in (1, 2, 3):
        await users.touch(user_id, f"user{user_id}", None, "en")
    try:
        yield database
    finally:
        await database.close()


async def test_one_open_ticket_per_user(db: Database) -> None:
    store = TicketStore(db)
    ticket = await store.open(1, "faq", "user:1")
    with pytest.raises(AlreadyOpen):
        await store.open(1, "menu", "user:1")
    await store.resolve(ticket.ticket_id, "user:1", Resolution.USER, None)
    again = await store.open(1, "menu", "user:1", previous_ticket_id=ticket.ticket_id)
    assert again.previous_ticket_id == ticket.ticket_id


async def test_racing_claims_have_one_winner(db: Database) -> None:
    store = TicketStore(db)
    ticket = await store.open(1, "faq", "user:1")
    results = await asyncio.gather(
        *(store.claim(ticket.ticket_id, agent, f"agent{agent}") for agent in (100, 101, 102)),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1 and all(
        isinstance(r, StaleTicket) for r in results if r not in winners
    )
    assert [e.kind for e in await store.events(ticket.ticket_id)] == ["opened", "claimed"]
    with pytest.raises(StaleTicket):  # the winner cannot claim again, nor can a loser
        await store.claim(ticket.ticket_id, winners[0].agent_id or 0, "again")
    taken = await store.claim(ticket.ticket_id, 200, "lead", take_over=True)
    assert taken.agent_id == 200


async def test_unclaim_first_response_resolve(db: Database) -> None:
    store = TicketStore(db)
    ticket = await store.open(1, "faq", "user:1")
    with pytest.raises(StaleTicket):
        await store.unclaim(ticket.ticket_id, 100)
    answered = await store.first_response(ticket.ticket_id, 100, "Sam")
    assert answered.state == TicketState.ASSIGNED and answered.agent_id == 100
    first = answered.first_response_at
    again = await store.first_response(ticket.ticket_id, 100, "Sam")
    assert again.first_response_at == first
    with pytest.raises(StaleTicket):
        await store.unclaim(ticket.ticket_id, 101)  # not the assignee
    back = await store.unclaim(ticket.ticket_id, 100)
    assert back.state == TicketState.QUEUED and back.agent_id is None
    resolved = await store.resolve(ticket.ticket_id, "agent:100", Resolution.AGENT, "done")
    assert resolved.resolution == Resolution.AGENT and resolved.close_reason == "done"
    with pytest.raises(StaleTicket):
        await store.resolve(ticket.ticket_id, "agent:100", Resolution.AGENT, "twice")
    steps = [(e.kind, e.from_state, e.to_state) for e in await store.events(ticket.ticket_id)]
    assert steps == [
        ("opened", TicketState.BOT, TicketState.QUEUED),
        ("claimed", TicketState.QUEUED, TicketState.ASSIGNED),
        ("unclaimed", TicketState.ASSIGNED, TicketState.QUEUED),
        ("resolved", TicketState.QUEUED, TicketState.RESOLVED),
        ("returned", TicketState.RESOLVED, TicketState.BOT),
    ]
    with pytest.raises(Exception, match="append-only"):
        await db.execute("DELETE FROM support_events")


async def test_ratings_count_once_and_only_when_resolved(db: Database) -> None:
    store = TicketStore(db)
    ticket = await store.open(1, "faq", "user:1")
    assert not await store.rate(ticket.ticket_id, 5)
    await store.resolve(ticket.ticket_id, "system", Resolution.AUTO, None)
    assert await store.rate(ticket.ticket_id, 4)
    assert not await store.rate(ticket.ticket_id, 1)
    assert await store.comment(ticket.ticket_id, "nice")
    assert not await store.comment(ticket.ticket_id, "changed my mind")
    rating = await store.rating(ticket.ticket_id)
    assert rating is not None and (rating.score, rating.comment) == (4, "nice")


async def test_queue_positions_and_bans(db: Database) -> None:
    store = TicketStore(db)
    tickets = [await store.open(user, "menu", f"user:{user}") for user in (1, 2, 3)]
    assert [await store.queue_position(t) for t in tickets] == [1, 2, 3]
    await store.claim(tickets[0].ticket_id, 100, "Sam")
    assert await store.queue_position(tickets[2]) == 2
    assert await store.ban(2, "spam", 100) and not await store.ban(2, "again", 100)
    ban = await store.ban_of(2)
    assert ban is not None and ban.reason == "spam"
    assert await store.unban(2) and not await store.unban(2)


async def test_handoffs_racing_make_one_ticket_and_follow_ups_link(db: Database) -> None:
    settings = Settings(_env_file=None, staff_chat_id=-100)  # type: ignore[call-arg]
    desk = await SupportDesk.open(settings, db, load_desk_config())
    handoffs = await asyncio.gather(*(desk.hand_off(1, "menu", "user:1") for _ in range(5)))
    assert sum(h.created for h in handoffs) == 1
    assert len({h.ticket.ticket_id for h in handoffs}) == 1 and desk.relays(1)
    first = handoffs[0].ticket
    assert await desk.resolve(first, "user:1", Resolution.USER) is not None
    assert not desk.relays(1) and await desk.resolve(first, "user:1", Resolution.USER) is None
    follow_up = await desk.hand_off(1, "faq", "user:1")
    assert follow_up.created and follow_up.follow_up_of == await desk.tickets.get(first.ticket_id)
    assert follow_up.ticket.previous_ticket_id == first.ticket_id
    reopened = await SupportDesk.open(settings, db, load_desk_config())
    assert reopened.relays(1)  # the set of open tickets survives a restart


async def test_transcript_keeps_the_last_entries_masked_and_in_order(db: Database) -> None:
    transcript = Transcript(db)
    for message_id in range(1, 31):
        transcript.add(
            1,
            message_id,
            "user" if message_id % 2 else "bot",
            f"line {message_id}",
            at=1000 + message_id,
        )
    transcript.add(2, 1, "user", "the code is 123456", at=1000)
    transcript.add(1, 30, "bot", "line 30 (edited)", at=1030)
    transcript.add(1, 29, "press", "💎 Recharge", at=1031)
    assert transcript.buffered == 33
    lines = await transcript.recent(1)
    assert len(lines) == KEEP
    assert [line.text for line in lines[-3:]] == ["line 29", "line 30 (edited)", "💎 Recharge"]
    assert [line.text for line in await transcript.recent(2)] == ["the code is ••••••"]
    stored = await db.fetchone("SELECT count(*) AS n FROM support_transcript WHERE user_id = 1")
    assert stored is not None and stored["n"] == KEEP


# ---------------------------------------------------------------------------------- statistics
def test_statistics_overall_and_per_agent() -> None:
    facts = [
        TicketFacts(1, 100, "Sam", 1000, 1060, 1600, "agent", 5),
        TicketFacts(2, 100, "Sam", 2000, 2300, 3000, "agent", 3),
        TicketFacts(3, 101, "Kim", 3000, 3120, 5000, "auto", None),
        TicketFacts(4, None, None, 4000, None, 4100, "user", None),
        TicketFacts(5, None, None, 6000, None, None, None, None),
        TicketFacts(6, 101, "Kim", 100, 150, 200, "agent", 1),  # before the period
    ]
    summary = summarize(facts, since=1000, until=10_000)
    assert summary.opened == 5
    overall = summary.overall
    assert (overall.closed, overall.median_first_response, overall.median_resolution) == (
        4,
        120.0,
        800.0,
    )
    assert (overall.average_rating, overall.ratings) == (4.0, 2)
    sam, kim = summary.agents
    assert (sam.name, sam.figures.closed, sam.figures.median_first_response) == ("Sam", 2, 180.0)
    assert sam.figures.average_rating == 4.0
    assert (kim.name, kim.figures.closed, kim.figures.average_rating) == ("Kim", 1, None)


async def test_stats_command(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.__main__ import main

    store = TicketStore(db)
    ticket = await store.open(1, "faq", "user:1")
    await store.first_response(ticket.ticket_id, 100, "Sam")
    await store.resolve(ticket.ticket_id, "agent:100", Resolution.AGENT, None)
    await store.rate(ticket.ticket_id, 5)
    await store.open(2, "menu", "user:2")
    assert len(await facts_since(db, 0)) == 2
    monkeypatch.setenv("DATABASE_PATH", str(db.path))
    assert await asyncio.to_thread(main, ["support", "stats", "--json", "--days", "7"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["opened"] == 2 and report["overall"]["closed"] == 1
    assert report["overall"]["average_rating"] == 5.0 and report["days"] == 7
    assert [a["name"] for a in report["agents"]] == ["Sam"]
    assert await asyncio.to_thread(main, ["support", "stats"]) == 0
    assert "2 opened, 1 closed" in capsys.readouterr().out
    with pytest.raises(SystemExit) as caught:
        main(["support", "stats", "--days", "0"])
    assert caught.value.code == 2


def test_support_settings_are_checked() -> None:
    from bot.config import load_settings

    with pytest.raises(ConfigError, match="SUPPORT_AGENT_IDS: expected comma-separated"):
        load_settings(support_agent_ids="12,abc")
    settings = load_settings(support_refund_ids="7, 8", _env_file=None)
    assert settings.support_refund_ids == {7, 8}


def test_a_broken_desk_file_stops_start_up_naming_it(tmp_path: Path) -> None:
    from tests.test_config import run_bot

    broken = tmp_path / "desk.toml"
    broken.write_text('[hours]\ntimezone = "Nowhere/City"\n', "utf-8")
    result = run_bot(
        {
            "BOT_TOKEN": "123:abc",
            "SUPPORT_CONFIG_PATH": str(broken),
            "DATABASE_PATH": str(tmp_path / "db"),
        },
        tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"config error: {broken}: hours.timezone: unknown timezone 'Nowhere/City' "
        '(e.g. "UTC", "America/Sao_Paulo")'
    )
