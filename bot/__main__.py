"""Command line: ``python -m bot [run]`` serves the bot; ``db`` maintains storage.

Without ``BOT_TOKEN``, ``run`` starts the local sandbox instead: the Bot API emulator, the bot
against it, and a web chat (:mod:`bot.sandbox.server`).

Exit codes: 0 success, 1 runtime failure, 2 bad arguments or bad configuration (one line naming
what is wrong).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

# Each feature's command line: a module with ``add_commands(subparsers)``. Its handlers return an
# exit code and import what they need when they run, so ``--help`` stays fast.
FEATURE_CLIS: tuple[str, ...] = ("bot.wallet.cli", "bot.scam.cli", "bot.faq.cli", "bot.support.cli")


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    _configure_logging(settings)
    if settings.bot_token is None:
        from bot.sandbox.server import run_sandbox

        asyncio.run(run_sandbox(settings))
        return EXIT_OK
    from bot.runner import run_bot

    asyncio.run(run_bot(settings))
    return EXIT_OK


def _db_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    from bot.db import Database

    async def migrate() -> int:
        db = await Database.open(settings.database_path)
        await db.close()
        return db.migrations_applied

    count = asyncio.run(migrate())
    print(f"{settings.database_path}: {count} migration(s) applied, schema up to date")
    return EXIT_OK


def _db_backup(args: argparse.Namespace) -> int:
    settings = load_settings()
    import sqlite3

    from bot.db import backup

    try:
        backup(settings.database_path, args.path)
    except (OSError, sqlite3.Error) as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"backed up {settings.database_path} to {args.path}")
    return EXIT_OK


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO, which drowns the bot's own log.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Recharge Desk bot")
    parser.set_defaults(handler=_run)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="serve the bot (the default)").set_defaults(handler=_run)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("migrate", help="apply pending migrations").set_defaults(
        handler=_db_migrate
    )
    backup = db_commands.add_parser("backup", help="copy the live database to PATH")
    backup.add_argument("path", type=Path)
    backup.set_defaults(handler=_db_backup)

    for module_name in FEATURE_CLIS:
        importlib.import_module(module_name).add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.db import MigrationError

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MigrationError as exc:
        print(f"database error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
