from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox.emulator import Emulator
from tests.harness import TOKEN, Harness, make_settings, running_bot, serve_emulator


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(TOKEN)


@pytest.fixture
async def harness(emulator: Emulator, tmp_path: Path) -> AsyncIterator[Harness]:
    async with serve_emulator(emulator) as base_url:
        settings = make_settings(base_url, tmp_path / "bot.sqlite3")
        async with running_bot(settings, emulator) as (application, services):
            yield Harness(emulator, application, services)
