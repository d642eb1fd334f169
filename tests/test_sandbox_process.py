"""`python -m bot` without a token: the sandbox starts, serves, stops on Ctrl-C, keeps the chats."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ANA = 5001


def start_sandbox(tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "DATABASE_", "DEFAULT_", "SANDBOX_", "WEB_", "PAYMENT_"))
    }
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"),
        "SANDBOX_PORT": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready, _, _ = select.select([process.stdout], [], [], 30)
    assert ready, "the sandbox printed no URL within 30 s"
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"open (http://127\.0\.0\.1:\d+) ", line)
    assert found, f"no URL in {line!r}"
    return process, found[1]


def call(url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read()) if "json" in response.headers["Content-Type"] else None


def stop(process: subprocess.Popen[str]) -> tuple[int, float, str]:
    began = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=20)
    return process.returncode, time.monotonic() - began, stderr


def test_no_token_runs_the_sandbox_until_ctrl_c_and_a_restart_keeps_the_chat(
    tmp_path: Path,
) -> None:
    process, url = start_sandbox(tmp_path)
    try:
        with urllib.request.urlopen(url + "/", timeout=10) as page:
            assert '<script src="/static/app.js"' in page.read().decode()
        call(url + "/_emulator/send", {"user_id": ANA, "text": "/start"})
        events = call(url + "/_emulator/events?after=0&kinds=message&min=1&timeout=10")
        [menu] = [e["payload"] for e in events["events"] if e["chat_id"] == ANA]
        assert "Hi, Ana!" in menu["text"] and menu["reply_markup"]["inline_keyboard"]
    finally:
        code, took, stderr = stop(process)
    assert code == 0 and took < 5, stderr
    assert "Traceback" not in stderr and "Error" not in stderr, stderr

    process, url = start_sandbox(tmp_path)
    try:
        messages = call(f"{url}/_emulator/chats/{ANA}/messages")["messages"]
        assert [m["text"][:6] for m in messages] == ["/start", "Hi, An"]
    finally:
        code, _, stderr = stop(process)
    assert code == 0, stderr
