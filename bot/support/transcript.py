"""The last messages of each user's conversation with the bot, for the agents' context card.

What is captured, and how:
- the user's messages and the buttons they tap, by a handler in its own group that sees every
  private update after the plumbing has dropped replays (``record_update``);
- the bot's messages as the user saw them: a tapped button's update carries the message it sat
  under, exactly as displayed, and so does a reply to a bot message;
- support's own messages to the user (notices, relayed agent answers), where support sends them.

So a bot answer the user never reacted to is missing. Wrapping the Bot to log every send would
catch it, but would cost a write per outgoing message for every user, and change how the
Application is built for everyone; what the user acted on is what explains how they got here.

Texts are masked (codes, card numbers) and clipped before they are kept; only the last
``KEEP`` entries per user are kept. Rows are buffered and written in batches (one transaction for
many updates) and flushed before a card is built, so the card is current.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db import Database, now
from bot.support.masking import mask_secrets

KEEP = 20
TEXT_LIMIT = 300


@dataclass(frozen=True)
class Line:
    user_id: int
    message_id: int
    role: str  # user | press | bot | support
    text: str
    at: int


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Transcript:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._buffer: list[Line] = []

    def add(
        self, user_id: int, message_id: int, role: str, text: str, at: int | None = None
    ) -> None:
        if not text.strip():
            return
        self._buffer.append(
            Line(user_id, message_id, role, clip(mask_secrets(text).text), at or now())
        )

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    async def flush(self) -> int:
        """Write what is buffered in one transaction; keep the last ``KEEP`` per user."""
        lines, self._buffer = self._buffer, []
        if not lines:
            return 0
        users = sorted({line.user_id for line in lines})
        try:
            async with self._db.transaction() as conn:
                for line in lines:
                    await conn.execute(
                        "INSERT INTO support_transcript (user_id, message_id, role, text, at) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, role, message_id) "
                        "WHERE role <> 'press' DO UPDATE SET text = excluded.text",
                        (line.user_id, line.message_id, line.role, line.text, line.at),
                    )
                for user_id in users:
                    await conn.execute(
                        "DELETE FROM support_transcript WHERE user_id = ? AND entry_id NOT IN ("
                        "SELECT entry_id FROM support_transcript WHERE user_id = ? "
                        "ORDER BY at DESC, message_id DESC, entry_id DESC LIMIT ?)",
                        (user_id, user_id, KEEP),
                    )
        except sqlite3.Error:
            self._buffer = lines + self._buffer  # keep them for the next flush
            raise
        return len(lines)

    async def recent(self, user_id: int, limit: int = KEEP) -> list[Line]:
        """Oldest first."""
        await self.flush()
        rows = await self._db.fetchall(
            "SELECT user_id, message_id, role, text, at FROM support_transcript WHERE user_id = ? "
            "ORDER BY at DESC, message_id DESC, entry_id DESC LIMIT ?",
            (user_id, limit),
        )
        return [Line(**dict(row)) for row in reversed(rows)]
