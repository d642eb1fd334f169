"""Sandbox start-up: from launching `python -m bot` (no token) to the menu on the page after /start.

Each run starts the bot on a fresh database and a free port, opens the page in headless Chromium
(started once, before the clock), sends /start through the page and stops the clock when the
bot's menu buttons are on screen. Prints every run and the median of five. Target: < 3 s.

    .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sandboxing import CHROMIUM_FLAGS  # noqa: E402

RUNS = 5
TARGET = 3.0


def one_run(browser: Browser, workdir: Path) -> tuple[float, float]:
    """(seconds until the URL was printed, seconds until the menu was shown)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "SANDBOX_"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_PATH": str(workdir / "bot.sqlite3"),
        "SANDBOX_PORT": "0",
        "LOG_LEVEL": "WARNING",
    }
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        found = re.search(r"http://\S+", process.stdout.readline())
        if found is None:
            raise SystemExit("the sandbox did not print its URL")
        printed = time.monotonic() - began
        context = browser.new_context()
        page = context.new_page()
        page.goto(found[0])
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        page.fill("#text", "/start")
        page.press("#text", "Enter")
        page.wait_for_selector("#messages li.in .key", timeout=30_000)
        shown = time.monotonic() - began
        context.close()
        return printed, shown
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def main() -> None:
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Chromium is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        totals = []
        for run in range(1, RUNS + 1):
            with tempfile.TemporaryDirectory() as workdir:
                printed, shown = one_run(browser, Path(workdir))
            totals.append(shown)
            print(f"run {run}: URL printed {printed:5.2f} s, menu on the page {shown:5.2f} s")
        browser.close()
    median = statistics.median(totals)
    verdict = "ok" if median < TARGET else "over target"
    print(f"median of {RUNS}: {median:.2f} s to the menu ({verdict}: target < {TARGET} s)")


if __name__ == "__main__":
    main()
