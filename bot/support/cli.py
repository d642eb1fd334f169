"""``python -m bot support stats``: how the desk is doing, overall and per agent."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.config import load_settings

DAY = 86400


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if not 1 <= value <= 3660:
        raise argparse.ArgumentTypeError("between 1 and 3660 days")
    return value


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def _stats(args: argparse.Namespace) -> int:
    from pydantic import BaseModel

    from bot.db import Database, now
    from bot.support.stats import Figures, summarize
    from bot.support.tickets import facts_since

    class FiguresOut(BaseModel):
        closed: int
        median_first_response_seconds: float | None
        median_resolution_seconds: float | None
        average_rating: float | None
        ratings: int

        @classmethod
        def of(cls, figures: Figures) -> FiguresOut:
            return cls(
                closed=figures.closed,
                median_first_response_seconds=figures.median_first_response,
                median_resolution_seconds=figures.median_resolution,
                average_rating=figures.average_rating,
                ratings=figures.ratings,
            )

    class AgentOut(FiguresOut):
        agent_id: int
        name: str

    class StatsOut(BaseModel):
        since: int
        until: int
        days: int
        opened: int
        overall: FiguresOut
        agents: list[AgentOut]

    settings = load_settings()

    async def collect() -> Any:
        db = await Database.open(settings.database_path)
        try:
            until = now()
            since = until - args.days * DAY
            return summarize(await facts_since(db, since), since, until)
        finally:
            await db.close()

    summary = asyncio.run(collect())
    report = StatsOut(
        since=summary.since,
        until=summary.until,
        days=args.days,
        opened=summary.opened,
        overall=FiguresOut.of(summary.overall),
        agents=[
            AgentOut(agent_id=a.agent_id, name=a.name, **FiguresOut.of(a.figures).model_dump())
            for a in summary.agents
        ],
    )
    if args.json:
        print(report.model_dump_json())
        return 0
    overall = report.overall
    print(f"last {args.days} days: {report.opened} opened, {overall.closed} closed")
    print(
        f"median first response {_duration(overall.median_first_response_seconds)}, "
        f"median resolution {_duration(overall.median_resolution_seconds)}, "
        f"rating {overall.average_rating or '—'} ({overall.ratings} rated)"
    )
    for agent in report.agents:
        print(
            f"  {agent.name} ({agent.agent_id}): {agent.closed} closed, first response "
            f"{_duration(agent.median_first_response_seconds)}, resolution "
            f"{_duration(agent.median_resolution_seconds)}, rating {agent.average_rating or '—'} "
            f"({agent.ratings} rated)"
        )
    return 0


def add_commands(subparsers: Any) -> None:
    support = subparsers.add_parser("support", help="the support desk")
    actions = support.add_subparsers(dest="support_command", metavar="ACTION", required=True)
    stats = actions.add_parser(
        "stats", help="tickets opened and closed, response and resolution times, ratings"
    )
    stats.add_argument("--days", type=_days, default=30, help="the period (default: 30)")
    stats.add_argument("--json", action="store_true", help="one JSON object")
    stats.set_defaults(handler=_stats)
