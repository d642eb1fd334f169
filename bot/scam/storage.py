"""Scam shield storage: checks and their reasons, reports, group watch settings, statistics.

A check is recorded for every message scanned in a private chat (so statistics cover safe ones
too) and for every group message the bot acted on; its text and forward origin are kept only
when it was flagged in a private chat: that is what "Report this seller" refers to, and nothing
else needs the words.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.db import Database, now
from bot.scam.model import Verdict

Source = Literal["private", "forwarded", "group"]
WatchMode = Literal["warn", "delete", "off"]
WATCH_MODES: tuple[WatchMode, ...] = ("warn", "delete", "off")
DEFAULT_WATCH_MODE: WatchMode = "warn"


@dataclass(frozen=True)
class StoredCheck:
    check_id: int
    source: Source
    chat_id: int
    user_id: int | None
    verdict: str
    score: float
    text: str | None
    forward_origin: dict[str, Any] | None
    reasons: tuple[tuple[str, str], ...]  # (code, evidence)


@dataclass(frozen=True)
class FlaggedCheck:
    verdict: str
    created_at: int
    codes: str  # reason codes, comma-separated
    reported: bool


@dataclass(frozen=True)
class WatchSetting:
    mode: WatchMode
    locale: str | None  # None: not chosen yet


@dataclass
class ScamStats:
    verdicts: dict[str, dict[str, int]] = field(default_factory=dict)  # source -> verdict -> n
    flagged_reasons: dict[str, int] = field(default_factory=dict)  # code -> flagged checks
    reported_reasons: dict[str, int] = field(default_factory=dict)  # code -> reports
    reports: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "verdicts": self.verdicts,
            "reasons_in_flagged_checks": self.flagged_reasons,
            "reports": self.reports,
            "reports_by_reason": self.reported_reasons,
        }


class ScamStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record_check(
        self,
        *,
        source: Source,
        chat_id: int,
        user_id: int | None,
        verdict: Verdict,
        text: str | None = None,
        forward_origin: Mapping[str, Any] | None = None,
    ) -> int:
        """Store a check with its reasons in one transaction; return its id."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO scam_checks (source, chat_id, user_id, verdict, score, text, "
                "forward_origin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    source,
                    chat_id,
                    user_id,
                    verdict.verdict,
                    min(max(verdict.score, 0.0), 1.0),
                    text,
                    json.dumps(forward_origin, ensure_ascii=False) if forward_origin else None,
                    now(),
                ),
            )
            check_id = cursor.lastrowid
            assert check_id is not None
            await conn.executemany(
                "INSERT INTO scam_check_reasons (check_id, code, evidence) VALUES (?, ?, ?)",
                [(check_id, reason.code, reason.evidence) for reason in verdict.reasons],
            )
        return check_id

    async def check(self, check_id: int) -> StoredCheck | None:
        row = await self._db.fetchone(
            "SELECT check_id, source, chat_id, user_id, verdict, score, text, forward_origin "
            "FROM scam_checks WHERE check_id = ?",
            (check_id,),
        )
        if row is None:
            return None
        reasons = await self._db.fetchall(
            "SELECT code, evidence FROM scam_check_reasons WHERE check_id = ? ORDER BY rowid",
            (check_id,),
        )
        origin = row["forward_origin"]
        return StoredCheck(
            check_id=row["check_id"],
            source=row["source"],
            chat_id=row["chat_id"],
            user_id=row["user_id"],
            verdict=row["verdict"],
            score=row["score"],
            text=row["text"],
            forward_origin=json.loads(origin) if origin else None,
            reasons=tuple((r["code"], r["evidence"]) for r in reasons),
        )

    async def flagged_of_user(self, user_id: int, limit: int) -> list[FlaggedCheck]:
        """The user's latest private checks that were not safe, newest first, with their reason
        codes and whether the user reported the seller."""
        rows = await self._db.fetchall(
            "SELECT c.check_id, c.verdict, c.created_at, "
            "(SELECT GROUP_CONCAT(r.code, ', ') FROM scam_check_reasons r "
            " WHERE r.check_id = c.check_id) AS codes, "
            "EXISTS (SELECT 1 FROM scam_reports p WHERE p.check_id = c.check_id "
            " AND p.reporter_id = c.user_id) AS reported "
            "FROM scam_checks c WHERE c.user_id = ? AND c.source != 'group' "
            "AND c.verdict != 'safe' ORDER BY c.check_id DESC LIMIT ?",
            (user_id, limit),
        )
        return [
            FlaggedCheck(r["verdict"], r["created_at"], r["codes"] or "", bool(r["reported"]))
            for r in rows
        ]

    async def report(self, check_id: int, reporter_id: int) -> bool:
        """File a report about a check; False when this reporter already reported it."""
        rows = await self._db.execute(
            "INSERT INTO scam_reports (check_id, reporter_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (check_id, reporter_id) DO NOTHING RETURNING report_id",
            (check_id, reporter_id, now()),
        )
        return bool(rows)

    async def watch(self, chat_id: int) -> WatchSetting:
        row = await self._db.fetchone(
            "SELECT mode, locale FROM scam_group_watch WHERE chat_id = ?", (chat_id,)
        )
        if row is None:
            return WatchSetting(DEFAULT_WATCH_MODE, None)
        return WatchSetting(row["mode"], row["locale"])

    async def set_watch(self, chat_id: int, mode: WatchMode, locale: str, user_id: int) -> None:
        await self._db.execute(
            "INSERT INTO scam_group_watch (chat_id, mode, locale, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET mode = excluded.mode, "
            "locale = excluded.locale, updated_by = excluded.updated_by, "
            "updated_at = excluded.updated_at",
            (chat_id, mode, locale, user_id, now()),
        )

    async def stats(self, since: int = 0) -> ScamStats:
        """Verdicts by source, reasons of flagged checks, and reports by reason, since a time."""
        stats = ScamStats()
        for row in await self._db.fetchall(
            "SELECT source, verdict, COUNT(*) AS n FROM scam_checks WHERE created_at >= ? "
            "GROUP BY source, verdict ORDER BY source, verdict",
            (since,),
        ):
            stats.verdicts.setdefault(row["source"], {})[row["verdict"]] = row["n"]
        for row in await self._db.fetchall(
            "SELECT r.code, COUNT(*) AS n FROM scam_check_reasons r "
            "JOIN scam_checks c USING (check_id) "
            "WHERE c.verdict != 'safe' AND c.created_at >= ? GROUP BY r.code "
            "ORDER BY n DESC, r.code",
            (since,),
        ):
            stats.flagged_reasons[row["code"]] = row["n"]
        for row in await self._db.fetchall(
            "SELECT r.code, COUNT(*) AS n FROM scam_reports p "
            "JOIN scam_check_reasons r USING (check_id) WHERE p.created_at >= ? "
            "GROUP BY r.code ORDER BY n DESC, r.code",
            (since,),
        ):
            stats.reported_reasons[row["code"]] = row["n"]
        total = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM scam_reports WHERE created_at >= ?", (since,)
        )
        stats.reports = total["n"] if total else 0
        return stats
