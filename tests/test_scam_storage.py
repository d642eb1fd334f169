"""Scam shield storage against a real SQLite file: checks, reports, group settings, statistics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.brand import default_brand
from bot.db import Database
from bot.scam import scan
from bot.scam.storage import ScamStore
from bot.scam.watch import WarningLimiter

BRAND = default_brand()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ScamStore]:
    db = await Database.open(tmp_path / "scam.sqlite3")
    try:
        yield ScamStore(db)
    finally:
        await db.close()


async def test_a_check_keeps_its_reasons_text_and_origin(store: ScamStore) -> None:
    verdict = scan("Cheap coins!! DM me @seller", locale="en", brand=BRAND)
    origin = {"type": "user", "user_id": 7, "username": "seller", "name": "Coin Seller"}
    check_id = await store.record_check(
        source="forwarded",
        chat_id=42,
        user_id=42,
        verdict=verdict,
        text="Cheap coins!! DM me @seller",
        forward_origin=origin,
    )
    check = await store.check(check_id)
    assert check is not None
    assert (check.source, check.verdict, check.text) == (
        "forwarded",
        "scam",
        "Cheap coins!! DM me @seller",
    )
    assert check.forward_origin == origin
    assert check.reasons == (("cheap_coins", "Cheap coins"), ("off_platform_contact", "DM me"))
    assert await store.check(check_id + 1) is None


async def test_a_report_is_filed_once_per_reporter(store: ScamStore) -> None:
    verdict = scan("Cheap coins, DM me", locale="en", brand=BRAND)
    check_id = await store.record_check(
        source="private", chat_id=1, user_id=1, verdict=verdict, text="Cheap coins, DM me"
    )
    assert await store.report(check_id, 1) is True
    assert await store.report(check_id, 1) is False
    assert await store.report(check_id, 2) is True


async def test_statistics_count_verdicts_reasons_and_reports(store: ScamStore) -> None:
    for text, source in [
        ("Cheap coins, DM me", "private"),
        ("Free coins generator at coins-gen.xyz", "group"),
        ("hello there", "private"),
    ]:
        verdict = scan(text, locale="en", brand=BRAND)
        check_id = await store.record_check(
            source=source,
            chat_id=1,
            user_id=1,
            verdict=verdict,
            text=text,  # type: ignore[arg-type]
        )
        if verdict.flagged and source == "private":
            await store.report(check_id, 1)
    stats = await store.stats()
    assert stats.verdicts == {"group": {"scam": 1}, "private": {"safe": 1, "scam": 1}}
    assert stats.flagged_reasons == {
        "cheap_coins": 1,
        "free_coin_generator": 1,
        "off_platform_contact": 1,
        "unofficial_link": 1,
    }
    assert stats.reports == 1
    assert stats.reported_reasons == {"cheap_coins": 1, "off_platform_contact": 1}
    assert (await store.stats(since=2**40)).verdicts == {}


async def test_group_watch_defaults_to_warn(store: ScamStore) -> None:
    assert (await store.watch(-100)).mode == "warn"
    await store.set_watch(-100, "delete", "es", user_id=5)
    setting = await store.watch(-100)
    assert (setting.mode, setting.locale) == ("delete", "es")
    await store.set_watch(-100, "off", "en", user_id=6)
    assert (await store.watch(-100)).mode == "off"


def test_warnings_are_limited_per_group_and_window() -> None:
    limiter = WarningLimiter(limit=2, window=60)
    assert [limiter.allow(1, t) for t in (0, 1, 2)] == [True, True, False]
    assert limiter.allow(2, 2)  # another group has its own budget
    assert limiter.allow(1, 60.5)  # the warning at 0 left the window
    assert not limiter.allow(1, 60.5)  # the one at 1 still counts
