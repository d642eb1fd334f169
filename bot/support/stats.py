"""Support statistics from ticket facts: pure arithmetic, shared by the CLI and the tests.

Over a period (both ends included): tickets opened and closed, the median time to the first
answer (from opening to the first agent message the user received) and to resolution, the average
rating; the same per agent (the agent a ticket was with when it closed).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from bot.support.tickets import TicketFacts


@dataclass(frozen=True)
class Figures:
    closed: int
    median_first_response: float | None  # seconds
    median_resolution: float | None
    average_rating: float | None
    ratings: int


@dataclass(frozen=True)
class AgentFigures:
    agent_id: int
    name: str
    figures: Figures


@dataclass(frozen=True)
class Summary:
    since: int
    until: int
    opened: int
    overall: Figures
    agents: list[AgentFigures]


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def figures(facts: list[TicketFacts], since: int, until: int) -> Figures:
    closed = [f for f in facts if f.resolved_at is not None and since <= f.resolved_at <= until]
    answered = [
        f.first_response_at - f.created_at
        for f in facts
        if f.first_response_at is not None and since <= f.first_response_at <= until
    ]
    scores = [f.score for f in closed if f.score is not None]
    return Figures(
        closed=len(closed),
        median_first_response=_median(answered),
        median_resolution=_median([f.resolved_at - f.created_at for f in closed if f.resolved_at]),
        average_rating=round(statistics.fmean(scores), 2) if scores else None,
        ratings=len(scores),
    )


def summarize(facts: list[TicketFacts], since: int, until: int) -> Summary:
    by_agent: dict[int, list[TicketFacts]] = defaultdict(list)
    names: dict[int, str] = {}
    for fact in facts:
        if fact.agent_id is not None:
            by_agent[fact.agent_id].append(fact)
            names[fact.agent_id] = fact.agent_name or str(fact.agent_id)
    agents = [
        AgentFigures(agent_id, names[agent_id], figures(own, since, until))
        for agent_id, own in by_agent.items()
    ]
    agents.sort(key=lambda agent: (-agent.figures.closed, agent.name))
    return Summary(
        since=since,
        until=until,
        opened=sum(1 for f in facts if since <= f.created_at <= until),
        overall=figures(facts, since, until),
        agents=[agent for agent in agents if agent.figures.closed or agent.figures.ratings],
    )
