from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.db import Database, Migration, MigrationError, backup, load_migrations
from bot.users import UserRepository


async def test_open_applies_migrations_with_checksums(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "a.sqlite3")
    try:
        rows = await db.fetchall("SELECT version, name, checksum FROM schema_migrations")
        assert [(r[0], r[1]) for r in rows] == [(m.version, m.name) for m in load_migrations()]
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.scan("PRAGMA foreign_keys"))[0][0] == 1  # on the connections that write
    finally:
        await db.close()
    reopened = await Database.open(tmp_path / "a.sqlite3")
    assert reopened.migrations_applied == 0
    await reopened.close()


async def test_edited_migration_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    original = Migration(1, "0001_init.sql", "CREATE TABLE t (x INTEGER);")
    db = await Database.open(path, migrations=[original])
    await db.close()
    edited = Migration(1, "0001_init.sql", "CREATE TABLE t (x INTEGER, y INTEGER);")
    with pytest.raises(MigrationError, match=r"0001_init\.sql was edited"):
        await Database.open(path, migrations=[edited])


async def test_database_newer_than_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    first = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    second = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER);")
    db = await Database.open(path, migrations=[first, second])
    await db.close()
    with pytest.raises(MigrationError, match="schema version 2"):
        await Database.open(path, migrations=[first])


async def test_failed_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);")
    with pytest.raises(MigrationError, match=r"0002_b\.sql failed"):
        await Database.open(path, migrations=[good, bad])
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert "a" in tables and "b" not in tables
    assert versions == [1]


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "e.sqlite3")
    users = UserRepository(db)
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction(durable=True) as conn:
                await conn.execute(
                    "INSERT INTO users (user_id, first_seen_at, last_seen_at) VALUES (1, 0, 0)"
                )
                raise RuntimeError("abort")
        assert await users.get(1) is None
        assert (await db.fetchone("PRAGMA synchronous"))[0] in (1, 2)
    finally:
        await db.close()


async def test_concurrent_writers_do_not_interleave(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "f.sqlite3")
    users = UserRepository(db)
    try:
        await asyncio.gather(*(users.touch(i, f"u{i}", None, "en") for i in range(200)))
        row = await db.fetchone("SELECT COUNT(*) FROM users")
        assert row is not None and row[0] == 200
    finally:
        await db.close()


async def test_backup_while_the_bot_writes(tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite3"
    db = await Database.open(source)
    users = UserRepository(db)
    stop = asyncio.Event()

    async def keep_writing() -> None:
        i = 0
        while not stop.is_set():
            await users.touch(i, "x", None, None)
            i += 1

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.05)
    await asyncio.to_thread(backup, source, tmp_path / "copy.sqlite3")
    stop.set()
    await writer
    await db.close()
    with sqlite3.connect(tmp_path / "copy.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] > 0


def test_shipped_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in load_migrations()]
    assert versions == list(range(1, len(versions) + 1))
