from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.db import load_migrations

ROOT = Path(__file__).resolve().parent.parent


def run_bot(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "DEFAULT_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"BOT_TOKEN": "123:abc", "DATABASE_PATH": "/proc/nope/db"}, "DATABASE_PATH"),
        ({"BOT_TOKEN": "123:abc", "DEFAULT_LOCALE": "xx"}, "DEFAULT_LOCALE"),
        ({"BOT_TOKEN": "not a token"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "123:abc", "ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"BOT_TOKEN": "123:abc", "WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
        ({"BOT_TOKEN": "123:abc", "BOT_API_URL": "ftp://x"}, "BOT_API_URL"),
        ({"BOT_TOKEN": "123:abc", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_bad_setting_exits_2_with_one_line_naming_it(
    env: dict[str, str], setting: str, tmp_path: Path
) -> None:
    env.setdefault("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    result = run_bot(env, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"config error: {setting}:")


def test_settings_read_dotenv_and_parse_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "ADMIN_IDS", "STAFF_CHAT_ID", "DEFAULT_LOCALE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(
        "BOT_TOKEN=42:xyz\nADMIN_IDS= 1, 2 ,3\nSTAFF_CHAT_ID=\nDEFAULT_LOCALE=pt_BR\n"
    )
    settings = load_settings()
    assert settings.token == "42:xyz"
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.staff_chat_id is None
    assert settings.default_locale == "pt_BR"
    assert "42:xyz" not in repr(settings)


def test_file_url_follows_the_api_url() -> None:
    local = load_settings(bot_api_url="http://127.0.0.1:8081/bot", _env_file=None)
    assert local.bot_api_file_url == "http://127.0.0.1:8081/file/bot"
    assert load_settings(_env_file=None).bot_api_file_url == "https://api.telegram.org/file/bot"


def test_load_settings_names_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"^WEBHOOK_SECRET_TOKEN: "):
        load_settings(webhook_secret_token="has spaces", _env_file=None)


def test_db_migrate_and_backup_commands(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "data" / "live.sqlite3")}
    first = run_bot(env, tmp_path, "db", "migrate")
    assert first.returncode == 0, first.stderr
    assert f"{len(load_migrations())} migration(s) applied" in first.stdout
    again = run_bot(env, tmp_path, "db", "migrate")
    assert "0 migration(s) applied" in again.stdout
    copy = run_bot(env, tmp_path, "db", "backup", str(tmp_path / "backup" / "copy.sqlite3"))
    assert copy.returncode == 0, copy.stderr
    assert (tmp_path / "backup" / "copy.sqlite3").stat().st_size > 0


def test_missing_token_exits_2_with_a_hint(tmp_path: Path) -> None:
    result = run_bot({"DATABASE_PATH": str(tmp_path / "db.sqlite3")}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("config error: BOT_TOKEN: not set")
