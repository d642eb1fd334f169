"""Group watch rules that need no Telegram: how often a group may be warned.

A group flooded with scam offers must not be flooded with warnings too: each group gets at most
``limit`` warnings (or removal notices) per ``window`` seconds; past that the bot keeps deleting
(in delete mode) but stays quiet.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

WARNINGS_PER_WINDOW = 3
WINDOW_SECONDS = 600.0


@dataclass
class WarningLimiter:
    limit: int = WARNINGS_PER_WINDOW
    window: float = WINDOW_SECONDS
    _sent: dict[int, deque[float]] = field(default_factory=dict)

    def allow(self, chat_id: int, clock: float) -> bool:
        """Whether a warning may go to ``chat_id`` at ``clock``; counts it when it may."""
        sent = self._sent.setdefault(chat_id, deque())
        while sent and clock - sent[0] >= self.window:
            sent.popleft()
        if len(sent) >= self.limit:
            return False
        sent.append(clock)
        return True
