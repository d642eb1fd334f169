"""``python -m bot scan``: the JSON-lines contract, the readable report, statistics, bad input."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.brand import default_brand
from bot.db import Database
from bot.scam import scan
from bot.scam.storage import ScamStore

ROOT = Path(__file__).resolve().parent.parent


def run_scan(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_"))}
    env["DATABASE_PATH"] = str(tmp_path / "bot.sqlite3")
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", "scan", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )


def test_jsonl_keeps_the_input_and_adds_the_verdict(tmp_path: Path) -> None:
    lines = [
        {"id": 1, "text": "Cheap TikTok coins 50% off, DM me"},
        {"id": 2, "text": "free live tonight!", "source": "comments"},
    ]
    result = run_scan(tmp_path, "--jsonl", stdin="\n".join(json.dumps(x) for x in lines) + "\n\n")
    assert result.returncode == 0, result.stderr
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert first["id"] == 1 and first["verdict"] == "scam" and 0.7 <= first["score"] <= 1
    assert first["reasons"][0] == {
        "code": "cheap_coins",
        "message": "It offers coins cheaper than the official price. Nobody can sell coins "
        "below the official price.",
        "evidence": "Cheap TikTok coins",
    }
    assert second == {**lines[1], "verdict": "safe", "score": 0.0, "reasons": []}


def test_jsonl_answers_bad_lines_in_place_and_exits_2(tmp_path: Path) -> None:
    stdin = '{"text": "hello"}\nnot json\n[1, 2]\n{"text": 5}\n{"text": "Cheap coins, DM me"}\n'
    result = run_scan(tmp_path, "--jsonl", stdin=stdin)
    assert result.returncode == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("verdict") for o in out] == ["safe", None, None, None, "scam"]
    assert [o.get("line") for o in out[1:4]] == [2, 3, 4]
    assert "line 2: not JSON" in result.stderr
    assert 'line 4: expected a "text" field holding a string' in result.stderr


def test_jsonl_reasons_follow_the_locale(tmp_path: Path) -> None:
    result = run_scan(
        tmp_path, "--jsonl", "--locale", "ru", stdin='{"text": "cheap coins dm me"}\n'
    )
    assert json.loads(result.stdout)["reasons"][0]["message"].startswith("Предлагают монеты")


def test_text_gets_a_readable_report(tmp_path: Path) -> None:
    result = run_scan(tmp_path, "Verify your account at tiktok-verify.xyz now")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("⛔ SCAM")
    assert "lookalike_domain" in result.stdout and "evidence: tiktok-verify.xyz" in result.stdout
    safe = run_scan(tmp_path, "-", stdin="see you at the live tonight")
    assert "✅ SAFE" in safe.stdout and "no signs of a scam" in safe.stdout


def test_bad_arguments_exit_2_with_one_line(tmp_path: Path) -> None:
    for args in (["--locale", "xx", "hi"], [], ["--jsonl", "hi"], ["stats", "--days", "0"]):
        result = run_scan(tmp_path, *args)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_stats_summarize_the_database(tmp_path: Path) -> None:
    async def fill() -> None:
        db = await Database.open(tmp_path / "bot.sqlite3")
        store = ScamStore(db)
        verdict = scan("Cheap coins, DM me", locale="en", brand=default_brand())
        check_id = await store.record_check(
            source="forwarded", chat_id=1, user_id=1, verdict=verdict, text="Cheap coins, DM me"
        )
        await store.report(check_id, 1)
        await db.close()

    asyncio.run(fill())
    result = run_scan(tmp_path, "stats")
    assert result.returncode == 0, result.stderr
    assert "forwarded  1 scam, 0 suspicious, 0 safe" in result.stdout
    assert "Reports: 1, by reason" in result.stdout
    as_json = json.loads(run_scan(tmp_path, "stats", "--json").stdout)
    assert as_json["reports_by_reason"] == {"cheap_coins": 1, "off_platform_contact": 1}
