"""The sandbox's chats on disk: a JSON file next to the database, so a restart shows them again.

The bot's own data is in the database; what people saw and sent lives in the emulator, which
this module saves shortly after every change (a burst of changes is one write) and once more on
shutdown. A file that cannot be read is moved aside, and the sandbox starts with empty chats.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from bot.sandbox.emulator import Emulator

log = logging.getLogger(__name__)

SAVE_DELAY = 0.25  # seconds of quiet gathered into one write
IDLE_CHECK = 30.0


def state_path(database_path: Path) -> Path:
    """``data/recharge.sqlite3`` -> ``data/recharge.sandbox.json``."""
    return database_path.with_name(f"{database_path.stem}.sandbox.json")


class SavedChats:
    def __init__(self, path: Path, emulator: Emulator) -> None:
        self.path = path
        self.emulator = emulator
        self._saved_seq = -1
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    def load(self) -> bool:
        """Restore the chats saved by an earlier run; False if there were none to restore."""
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return False
        try:
            self.emulator.import_state(json.loads(text))
        except ValueError as exc:
            aside = self.path.with_name(self.path.name + ".unreadable")
            self.path.replace(aside)
            log.warning("%s could not be read (%s); moved to %s", self.path, exc, aside)
            return False
        return True

    def save(self) -> None:
        """Write the emulator's state now (atomically: a crash leaves the old file whole)."""
        self._saved_seq = self.emulator.last_seq
        self._write(json.dumps(self.emulator.export_state(), ensure_ascii=False))

    def _write(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(text, "utf-8")
        partial.replace(self.path)

    def start(self) -> None:
        """From now on, save after every change until :meth:`close`."""
        self._task = asyncio.create_task(self._keep_saved(), name="sandbox-state")

    async def _keep_saved(self) -> None:
        emulator = self.emulator
        while not self._closing:
            await emulator._until(
                lambda: self._closing or emulator.last_seq != self._saved_seq, IDLE_CHECK
            )
            # gather a burst of changes into one write; closing cuts the wait short
            await emulator._until(lambda: self._closing, SAVE_DELAY)
            if self._closing or emulator.last_seq == self._saved_seq:
                continue
            self._saved_seq = emulator.last_seq
            # the snapshot is taken here, between changes; only the disk write leaves the loop
            text = json.dumps(emulator.export_state(), ensure_ascii=False)
            await asyncio.to_thread(self._write, text)

    async def close(self) -> None:
        """Let a write in progress finish, stop saving after changes, save a last time."""
        self._closing = True
        self.emulator._notify()  # wakes the saver's wait
        if self._task is not None:
            await self._task
        self.save()
