"""``python -m bot faq …`` as operators and pipelines run it: a real subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAQ_", "DATABASE_"))}
    env["DATABASE_PATH"] = str(tmp_path / "bot.sqlite3")
    return subprocess.run(
        [sys.executable, "-m", "bot", "faq", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_search_json_is_ranked_and_localized(tmp_path: Path) -> None:
    result = run(
        tmp_path, "search", "coins wapas milenge?", "--locale", "hi", "--json", "--limit", "3"
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert list(output) == ["results"]
    results = output["results"]
    assert len(results) == 3
    assert results[0]["id"] == "refunds"
    assert results[0]["question"] == "क्या कॉइन का रिफ़ंड मिल सकता है?"
    assert set(results[0]) == {"id", "score", "question"}
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and 0 <= scores[-1] <= scores[0] <= 1


def test_search_text_output(tmp_path: Path) -> None:
    result = run(tmp_path, "search", "is it cheaper on the website?")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split()[1] == "app-vs-website-price"


def test_search_rejects_bad_arguments(tmp_path: Path) -> None:
    result = run(tmp_path, "search", "refund", "--locale", "fr")
    assert result.returncode == 2
    assert result.stderr.startswith("--locale: 'fr' is not one of")
    assert run(tmp_path, "search", "refund", "--limit", "0").returncode == 2


def test_votes_lists_the_least_helpful_first(tmp_path: Path) -> None:
    assert run(tmp_path, "votes").stdout.strip() == "no votes yet"  # creates and migrates the db
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        conn.executemany(
            "INSERT INTO users (user_id, first_name, first_seen_at, last_seen_at) VALUES (?, '', 0, 0)",
            [(1,), (2,)],
        )
        conn.executemany(
            "INSERT INTO faq_votes (user_id, entry_id, locale, helpful, voted_at) VALUES (?, ?, 'en', ?, 0)",
            [(1, "refunds", 1), (2, "refunds", 1), (1, "delayed-coins", 0)],
        )
    result = run(tmp_path, "votes", "--json")
    assert json.loads(result.stdout) == {
        "votes": [
            {"id": "delayed-coins", "helpful": 0, "not_helpful": 1},
            {"id": "refunds", "helpful": 2, "not_helpful": 0},
        ]
    }
