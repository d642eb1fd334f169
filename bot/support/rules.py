"""Support's rules as plain values and functions: no database, no Telegram.

A user is with the bot until a handoff opens a ticket; the ticket waits in the queue until an
agent claims it (or answers it), may go back to the queue when the agent lets it go, and ends
resolved, which puts the user back with the bot. A user who asks for a person again within the
reopen window gets a new ticket linked to the one before. Also here: the queue estimate, the
topic name, the pace of topic creation, and who may run which agent command.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import N_


class TicketState(StrEnum):
    BOT = "bot"  # no ticket: the user talks to the bot
    QUEUED = "queued"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"


TRANSITIONS: dict[TicketState, frozenset[TicketState]] = {
    TicketState.BOT: frozenset({TicketState.QUEUED}),
    TicketState.QUEUED: frozenset({TicketState.ASSIGNED, TicketState.RESOLVED}),
    # assigned -> assigned: another agent takes the ticket over from the assignee
    TicketState.ASSIGNED: frozenset(
        {TicketState.QUEUED, TicketState.ASSIGNED, TicketState.RESOLVED}
    ),
    TicketState.RESOLVED: frozenset({TicketState.BOT}),
}


def can_transition(current: TicketState, target: TicketState) -> bool:
    return target in TRANSITIONS[current]


class Resolution(StrEnum):
    AGENT = "agent"  # an agent ran /close
    USER = "user"  # the user tapped "Back to the bot"
    AUTO = "auto"  # nobody wrote for too long
    BANNED = "banned"  # an agent banned the user from support


class EventKind(StrEnum):
    OPENED = "opened"
    CLAIMED = "claimed"
    UNCLAIMED = "unclaimed"
    RESOLVED = "resolved"
    RETURNED = "returned"  # resolved -> bot: the user's messages go to the bot again
    NOTE = "note"
    CANNED = "canned"
    REFUND = "refund"
    TOPIC_CREATED = "topic_created"
    TOPIC_RECREATED = "topic_recreated"
    DELIVERY_FAILED = "delivery_failed"
    RATED = "rated"
    BANNED = "banned"
    UNBANNED = "unbanned"
    SLA_PINGED = "sla_pinged"


# Reason codes other features put in "Talk to a human" buttons, and what agents see for them.
REASON_LABELS: dict[str, str] = {
    "menu": N_("Main menu"),
    "command": N_("The /human command"),
    "paysupport": N_("Payment help"),
    "pay-failed": N_("Payment help: a payment failed"),
    "pay-missing": N_("Payment help: coins did not arrive"),
    "pay-balance": N_("Payment help: the balance looks wrong"),
    "faq": N_("Questions the FAQ could not answer"),
    "scam": N_("Scam check or report"),
}
OTHER_REASON_LABEL = N_("Other")
MAX_REASON_LENGTH = 24


def valid_reason(code: str) -> bool:
    """Reason codes arrive in callback data (untrusted): short, lower-case, letters and dashes.

    Unknown but well-formed codes are accepted, so a feature added later needs no change here;
    agents see them as "Other".
    """
    return (
        0 < len(code) <= MAX_REASON_LENGTH
        and code[0].isalpha()
        and all(c.isascii() and (c.islower() or c.isdigit() or c == "-") for c in code)
    )


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code, OTHER_REASON_LABEL)


# ------------------------------------------------------------------------------ the topic
STATE_MARKERS: dict[TicketState, str] = {
    TicketState.QUEUED: "🟡",
    TicketState.ASSIGNED: "🟢",
    TicketState.RESOLVED: "✅",
}
BANNED_MARKER = "⛔"
TOPIC_NAME_LIMIT = 128
NAME_IN_TOPIC = 40


def topic_name(ticket_id: int, first_name: str, state: TicketState, *, banned: bool = False) -> str:
    """``🟡 #12 · Ana``: the marker first, so the topic list reads as a status board."""
    marker = BANNED_MARKER if banned else STATE_MARKERS.get(state, "")
    name = " ".join(first_name.split()) or "?"
    if len(name) > NAME_IN_TOPIC:
        name = name[: NAME_IN_TOPIC - 1] + "…"
    return f"{marker} #{ticket_id} · {name}"[:TOPIC_NAME_LIMIT]


class CreationWindow:
    """At most ``limit`` topic creations in any ``period`` seconds (Telegram allows about 20 a
    minute per chat); :meth:`delay` says how long the next one must wait."""

    def __init__(self, limit: int, period: float) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("a creation window needs a positive limit and period")
        self.limit = limit
        self.period = period
        self._times: deque[float] = deque()

    def delay(self, now: float) -> float:
        while self._times and now - self._times[0] >= self.period:
            self._times.popleft()
        if len(self._times) < self.limit:
            return 0.0
        return self._times[0] + self.period - now

    def record(self, now: float) -> None:
        self._times.append(now)


# ------------------------------------------------------------------------------ the queue
@dataclass(frozen=True)
class QueueEstimate:
    position: int  # 1 = next in line
    wait_seconds: int | None  # None: no recent history to estimate from


def estimate_wait(
    position: int, handling_seconds: Sequence[int], agents_active: int
) -> QueueEstimate:
    """Each agent takes one ticket at a time for about the median handling time of recent
    tickets, so the tickets ahead drain at ``agents`` per median; at least one minute."""
    if position < 1:
        raise ValueError("a queue position starts at 1")
    if not handling_seconds:
        return QueueEstimate(position, None)
    median = statistics.median(handling_seconds)
    rounds = math.ceil(position / max(agents_active, 1))
    return QueueEstimate(position, max(60, int(rounds * median)))


# ------------------------------------------------------------------------------ housekeeping
def sla_due(
    queued_since: int, now: int, sla_seconds: int, open_since: int | None, pinged: bool
) -> bool:
    """A queued ticket needs a ping once it has waited ``sla_seconds`` of working time.

    ``open_since`` is when the current working period began (None: closed now): a ticket that
    arrived overnight is counted from the opening, and nobody is pinged out of hours.
    """
    if pinged or open_since is None:
        return False
    return now - max(queued_since, open_since) >= sla_seconds


def inactive(last_activity_at: int, now: int, limit_seconds: int) -> bool:
    return now - last_activity_at >= limit_seconds


def within_reopen_window(resolved_at: int | None, now: int, window_seconds: int) -> bool:
    return resolved_at is not None and 0 <= now - resolved_at <= window_seconds


# ------------------------------------------------------------------------------ ratings
RATING_SCORES = range(1, 6)
COMMENT_LIMIT = 1000


def stars(score: int) -> str:
    return "★" * score + "☆" * (5 - score)
