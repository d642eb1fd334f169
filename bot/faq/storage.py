"""FAQ tables: helpfulness votes and myth-quiz answers (migration ``0002_faq.sql``)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database, now


@dataclass(frozen=True)
class VoteCount:
    entry_id: str
    helpful: int
    not_helpful: int


class FaqStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record_vote(self, user_id: int, entry_id: str, locale: str, helpful: bool) -> None:
        """The user's vote on an entry; a second vote on the same entry replaces the first."""
        await self._db.execute(
            "INSERT INTO faq_votes (user_id, entry_id, locale, helpful, voted_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, entry_id) DO UPDATE SET "
            "locale = excluded.locale, helpful = excluded.helpful, voted_at = excluded.voted_at",
            (user_id, entry_id, locale, int(helpful), now()),
        )

    async def vote_counts(self) -> list[VoteCount]:
        rows = await self._db.fetchall(
            "SELECT entry_id, SUM(helpful) AS yes, SUM(1 - helpful) AS no FROM faq_votes "
            "GROUP BY entry_id ORDER BY no DESC, yes DESC, entry_id"
        )
        return [VoteCount(row["entry_id"], row["yes"], row["no"]) for row in rows]

    async def record_quiz_answer(
        self, user_id: int, entry_id: str, statement: str, correct: bool
    ) -> None:
        await self._db.execute(
            "INSERT INTO faq_quiz_answers (user_id, entry_id, statement, correct, answered_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (user_id, entry_id, statement, int(correct), now()),
        )

    async def quiz_totals(self, user_id: int) -> tuple[int, int]:
        """(correct, answered) over every quiz the user played."""
        row = await self._db.fetchone(
            "SELECT COALESCE(SUM(correct), 0) AS correct, COUNT(*) AS answered "
            "FROM faq_quiz_answers WHERE user_id = ?",
            (user_id,),
        )
        return (row["correct"], row["answered"]) if row else (0, 0)
