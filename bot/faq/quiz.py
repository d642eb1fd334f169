"""The myth-or-reality quiz: one round over every myth, each shown as its myth or its reality.

Showing the reality half of the time makes it a real question (otherwise "Myth" would always be
the answer). A round lives in the user's ``context.user_data`` between button presses; only the
statement currently on screen can be answered, so a replayed or forged button scores nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum


class Side(StrEnum):
    MYTH = "myth"
    REALITY = "reality"


@dataclass
class QuizRound:
    queue: list[str]
    total: int
    current: tuple[str, Side] | None = None
    correct: int = 0
    answered: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def start(cls, myth_ids: list[str], rng: random.Random | None = None) -> QuizRound:
        rng = rng or random.Random()  # noqa: S311 - a quiz order, not a secret
        queue = list(myth_ids)
        rng.shuffle(queue)
        return cls(queue=queue, total=len(queue), _rng=rng)

    @property
    def number(self) -> int:
        """Which statement of the round is on screen (1-based)."""
        return self.total - len(self.queue)

    def next_statement(self) -> tuple[str, Side] | None:
        if self.current is not None:
            return self.current
        if not self.queue:
            return None
        side = Side.MYTH if self._rng.random() < 0.5 else Side.REALITY
        self.current = (self.queue.pop(0), side)
        return self.current

    def answer(self, entry_id: str, choice: Side) -> tuple[Side, bool] | None:
        """(the side that was shown, whether the choice was right), or None if not on screen."""
        if self.current is None or self.current[0] != entry_id:
            return None
        shown = self.current[1]
        self.current = None
        right = choice is shown
        self.answered += 1
        self.correct += int(right)
        return shown, right

    @property
    def finished(self) -> bool:
        return self.current is None and not self.queue
