"""Working hours: when agents answer, and when the next answer can be expected.

A timezone, a list of ``HH:MM-HH:MM`` intervals per weekday and a list of holidays (closed all
day). Intervals do not cross midnight (write ``22:00-24:00`` and ``00:00-02:00`` instead). Pure:
times in, times out; the desk's config file builds it (:mod:`bot.support.config`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_INTERVAL = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
MINUTES_PER_DAY = 24 * 60
# Looking further than this for an opening means the schedule is always closed.
SEARCH_DAYS = 400


@dataclass(frozen=True)
class Interval:
    start: int  # minutes after midnight
    end: int  # exclusive; 1440 = midnight at the end of the day

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_interval(text: str) -> Interval:
    """``"09:00-18:00"`` -> Interval; ValueError saying what is wrong."""
    match = _INTERVAL.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
        raise ValueError(f"{text!r} is not a time of day (00:00-24:00)")
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts; split intervals at midnight")
    return Interval(start, end)


def normalize(intervals: Sequence[Interval]) -> tuple[Interval, ...]:
    """Sorted; overlapping or touching intervals refused (a typo more often than intended)."""
    ordered = tuple(sorted(intervals, key=lambda interval: interval.start))
    for before, after in pairwise(ordered):
        if after.start <= before.end:
            raise ValueError(f"{before} and {after} overlap")
    return ordered


@dataclass(frozen=True)
class WorkingHours:
    timezone: ZoneInfo
    week: tuple[tuple[Interval, ...], ...]  # Monday first, seven entries
    holidays: frozenset[date]

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("working hours need seven weekdays")

    @property
    def always_closed(self) -> bool:
        return not any(self.week)

    def _intervals_on(self, day: date) -> tuple[Interval, ...]:
        return () if day in self.holidays else self.week[day.weekday()]

    def _local(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("working hours need an aware datetime")
        return at.astimezone(self.timezone)

    def _moment(self, day: date, minutes: int) -> datetime:
        if minutes >= MINUTES_PER_DAY:
            return datetime.combine(day + timedelta(days=1), time(0), self.timezone)
        return datetime.combine(day, time(minutes // 60, minutes % 60), self.timezone)

    def open_since(self, at: datetime) -> datetime | None:
        """When the working period containing ``at`` began; None when closed at ``at``."""
        local = self._local(at)
        minute = local.hour * 60 + local.minute
        for interval in self._intervals_on(local.date()):
            if interval.start <= minute < interval.end:
                return self._moment(local.date(), interval.start)
        return None

    def is_open(self, at: datetime) -> bool:
        return self.open_since(at) is not None

    def next_open(self, at: datetime) -> datetime | None:
        """``at`` itself when open, else the next opening; None if there is none within a year."""
        local = self._local(at)
        if self.open_since(at) is not None:
            return local
        minute = local.hour * 60 + local.minute
        for offset in range(SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            for interval in self._intervals_on(day):
                if offset > 0 or interval.start > minute:
                    return self._moment(day, interval.start)
        return None
