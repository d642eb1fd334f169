"""SQLite storage: one writer connection, readers, numbered migrations.

Write transactions go through :meth:`Database.transaction`, which serializes writers on the single
writer connection (``BEGIN IMMEDIATE``) so two coroutines never interleave statements inside one
transaction. The default is ``synchronous=NORMAL`` (consistent after a crash, may lose the last
commits on power loss).

Reads never wait for writers (WAL) and see the last committed state. :meth:`Database.fetchall`
runs on the event loop's own thread with a read-only connection: the reads the bot makes per
update are indexed lookups of about 15 µs, while handing a query to aiosqlite's thread and back
costs about 400 µs on these machines, so a worker thread would make every lookup 30 times slower.
Scans that read a whole table (verification, statistics) use :meth:`Database.scan`, which runs on a
thread so the bot keeps answering meanwhile.

Money goes through :meth:`Database.durable`: the operation's result is returned only after its
commit is fsynced. Concurrent durable operations share one commit (group commit), each inside its
own savepoint, so one failing operation rolls back alone and the disk's fsync rate does not cap the
number of payments per second. A durable operation is a plain synchronous function of a
``sqlite3.Connection``: the whole group runs in the connection's thread in one hand-off, because
each await of an aiosqlite call is a thread round trip (about 0.4 ms on these machines) and a
payment needs half a dozen statements.

Migrations are ``bot/migrations/NNNN_name.sql``. Each is applied in its own transaction together
with its row in ``schema_migrations`` (version, name, SHA-256 of the file). Start-up refuses a
database whose applied migrations were edited afterwards or that is newer than this code.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.config import ConfigError

BUSY_TIMEOUT_MS = 5000
_MIGRATION_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")
DurableOperation = Callable[[sqlite3.Connection], Any]


class MigrationError(Exception):
    """The database and the code disagree about the schema; start-up must stop."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    """The migrations shipped with the code, in order; a gap in the numbers is a packaging bug."""
    found = []
    for entry in resources.files("bot.migrations").iterdir():
        match = _MIGRATION_FILE.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda migration: migration.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {expected:04d} is missing before {migration.name}")
    return found


def now() -> int:
    """Unix seconds: what every timestamp column stores."""
    return int(time.time())


class Database:
    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: sqlite3.Connection,
        scanner: aiosqlite.Connection,
        migrations_applied: int = 0,
    ) -> None:
        self.path = path
        self.migrations_applied = migrations_applied
        self._writer = writer
        self._reader = reader
        self._scanner = scanner
        self._write_lock = asyncio.Lock()
        self._durable_queue: list[tuple[DurableOperation, asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path, *, migrations: Iterable[Migration] | None = None) -> Database:
        """Open (creating the file and its folder), configure and migrate the database."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = await _connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"DATABASE_PATH: cannot open {path}: {exc}") from None
        try:
            applied = await apply_migrations(
                writer, load_migrations() if migrations is None else migrations
            )
            reader = _connect_reader(path)
            scanner = await _connect(path)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader, scanner, applied)

    async def close(self) -> None:
        if self._committer is not None:
            await self._committer
        self._reader.close()
        await self._scanner.close()
        await self._writer.close()

    @asynccontextmanager
    async def transaction(self, *, durable: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        async with self._write_lock:
            conn = self._writer
            if durable:
                await conn.execute("PRAGMA synchronous=FULL")
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.rollback()
                raise
            else:
                await conn.commit()
            finally:
                if durable:
                    await conn.execute("PRAGMA synchronous=NORMAL")

    async def durable(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``operation`` atomically and return its result once the commit is on disk.

        It may share the commit with other durable operations, but it runs in its own savepoint:
        if it raises, only its own changes are undone and the exception is re-raised here.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._durable_queue.append((operation, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_groups())
        return await asyncio.shield(future)

    async def _commit_groups(self) -> None:
        while self._durable_queue:
            group, self._durable_queue = self._durable_queue, []
            async with self._write_lock:
                try:
                    outcomes = await self._in_writer_thread(_commit_group, [op for op, _ in group])
                except Exception as exc:
                    outcomes = [(None, exc)] * len(group)
            for (_, future), (value, error) in zip(group, outcomes, strict=True):
                if future.done():
                    continue
                if error is None:
                    future.set_result(value)
                else:
                    future.set_exception(error)

    async def _in_writer_thread(self, function: Callable[..., T], *args: Any) -> T:
        # aiosqlite runs everything on the connection's own thread; this hands it one function
        # (aiosqlite's internal entry point, the same one its public methods use).
        result: T = await self._writer._execute(  # type: ignore[no-untyped-call]
            function, self._writer._conn, *args
        )
        return result

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self._reader.execute(sql, params).fetchall()

    async def scan(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """A read that may touch many rows, run off the event loop's thread."""
        return list(await self._scanner.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """One write statement, atomic on its own; returns its rows (for ``RETURNING``)."""
        async with self._write_lock:
            return list(await self._writer.execute_fetchall(sql, params))


def _commit_group(
    conn: sqlite3.Connection, operations: list[DurableOperation]
) -> list[tuple[Any, Exception | None]]:
    """Run every operation in its own savepoint inside one fsynced transaction."""
    conn.execute("PRAGMA synchronous=FULL")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            outcomes = [_in_savepoint(conn, operation) for operation in operations]
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA synchronous=NORMAL")
    return outcomes


def _in_savepoint(
    conn: sqlite3.Connection, operation: DurableOperation
) -> tuple[Any, Exception | None]:
    conn.execute("SAVEPOINT durable_operation")
    try:
        value = operation(conn)
    except Exception as exc:  # the operation's own failure: undo it alone
        conn.execute("ROLLBACK TO durable_operation")
        conn.execute("RELEASE durable_operation")
        return None, exc
    conn.execute("RELEASE durable_operation")
    return value, None


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA synchronous=NORMAL")
    await conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _connect_reader(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


async def apply_migrations(conn: aiosqlite.Connection, migrations: Iterable[Migration]) -> int:
    """Apply what is pending; return how many were applied. Refuse an edited or newer database."""
    known = {migration.version: migration for migration in migrations}
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
        " applied_at INTEGER NOT NULL) STRICT"
    )
    applied = await conn.execute_fetchall("SELECT version, name, checksum FROM schema_migrations")
    newest_known = max(known, default=0)
    for version, name, checksum in applied:
        if version > newest_known:
            raise MigrationError(
                f"the database is at schema version {version} ({name}) but this code only knows "
                f"up to {newest_known}; run a newer release or restore a backup"
            )
        if known[version].checksum != checksum:
            raise MigrationError(
                f"migration {name} was edited after it was applied to this database; "
                "restore the original file and put the change in a new migration"
            )
    done = {row[0] for row in applied}
    pending = [known[version] for version in sorted(known) if version not in done]
    for migration in pending:
        await _apply_one(conn, migration)
    return len(pending)


async def _apply_one(conn: aiosqlite.Connection, migration: Migration) -> None:
    # executescript cannot bind parameters; every value here comes from a validated file name or
    # a hex digest, never from input.
    script = (
        f"BEGIN IMMEDIATE;\n{migration.sql}\n;\n"
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES "
        f"({migration.version}, '{migration.name}', '{migration.checksum}', {now()});\n"
        "COMMIT;"
    )
    try:
        await conn.executescript(script)
    except sqlite3.Error as exc:
        if conn.in_transaction:
            await conn.rollback()
        raise MigrationError(f"migration {migration.name} failed: {exc}") from exc


def backup(source: Path, destination: Path) -> None:
    """Copy a live database with SQLite's online backup API; the copy appears atomically."""
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
        src.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        src.backup(dst)
    partial.replace(destination)
