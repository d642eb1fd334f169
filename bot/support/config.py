"""The support desk's config file (``bot/support/desk.toml``, or ``SUPPORT_CONFIG_PATH``).

Working hours (timezone, hours per weekday, holidays), the desk's timings (reopen window, SLA,
auto-close), the language of the staff side, and the folder of canned replies. Read and
validated once at start; a problem stops start-up with one line naming the file and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from bot.config import ConfigError, load_toml
from bot.i18n import SUPPORTED_LOCALES
from bot.support.canned import CannedReplies, load_canned
from bot.support.hours import WEEKDAYS, WorkingHours, normalize, parse_interval

DEFAULT_DESK_PATH = Path(__file__).with_name("desk.toml")
SETTING = "SUPPORT_CONFIG_PATH"
_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Telegram allows about 20 new topics a minute in one chat.
TELEGRAM_TOPICS_PER_MINUTE = 20


def parse_duration(value: Any) -> int:
    """``"90s"``, ``"15m"``, ``"48h"``, ``"2d"`` -> seconds."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError('expected a duration such as "90s", "15m", "48h" or "2d"')
    match = _DURATION.match(value.strip())
    if match is None:
        raise ValueError(f'{value!r} is not a duration such as "15m", "48h" or "2d"')
    return int(match[1]) * _UNIT_SECONDS[match[2]]


Duration = Annotated[int, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Hours(_Strict):
    timezone: str
    monday: list[str] = []
    tuesday: list[str] = []
    wednesday: list[str] = []
    thursday: list[str] = []
    friday: list[str] = []
    saturday: list[str] = []
    sunday: list[str] = []
    holidays: list[date] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'unknown timezone {value!r} (e.g. "UTC", "America/Sao_Paulo")'
            ) from None
        return value

    @field_validator(*WEEKDAYS)
    @classmethod
    def _intervals(cls, value: list[str]) -> list[str]:
        normalize([parse_interval(item) for item in value])
        return value


class _Timing(_Strict):
    reopen_window: Duration = Field(default=30 * 60, ge=0)
    sla: Duration = Field(default=15 * 60, gt=0)
    auto_close_after: Duration = Field(default=48 * 3600, gt=0)
    housekeeping_interval: Duration = Field(default=30, ge=1)
    topics_per_minute: int = Field(default=TELEGRAM_TOPICS_PER_MINUTE, ge=1)

    @field_validator("topics_per_minute")
    @classmethod
    def _telegram_limit(cls, value: int) -> int:
        if value > TELEGRAM_TOPICS_PER_MINUTE:
            raise ValueError(f"Telegram allows at most {TELEGRAM_TOPICS_PER_MINUTE}")
        return value


class _DeskFile(_Strict):
    staff_locale: str | None = None
    canned_dir: str = "canned"
    hours: _Hours
    timing: _Timing = _Timing()

    @field_validator("staff_locale")
    @classmethod
    def _shipped(cls, value: str | None) -> str | None:
        if value is not None and value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)} (got {value!r})")
        return value


@dataclass(frozen=True)
class DeskConfig:
    hours: WorkingHours
    staff_locale: str | None  # None: DEFAULT_LOCALE
    reopen_window: int  # seconds
    sla: int
    auto_close_after: int
    housekeeping_interval: int
    topics_per_minute: int
    canned: CannedReplies
    path: Path


def load_desk_config(path: Path | None = None) -> DeskConfig:
    path = path or DEFAULT_DESK_PATH
    desk = load_toml(path, SETTING, _DeskFile)
    hours = WorkingHours(
        timezone=ZoneInfo(desk.hours.timezone),
        week=tuple(
            normalize([parse_interval(text) for text in getattr(desk.hours, day)])
            for day in WEEKDAYS
        ),
        holidays=frozenset(desk.hours.holidays),
    )
    if hours.always_closed:
        raise ConfigError(f"{path}: hours: every weekday is closed; list some working hours")
    timing = desk.timing
    return DeskConfig(
        hours=hours,
        staff_locale=desk.staff_locale,
        reopen_window=timing.reopen_window,
        sla=timing.sla,
        auto_close_after=timing.auto_close_after,
        housekeeping_interval=timing.housekeeping_interval,
        topics_per_minute=timing.topics_per_minute,
        canned=load_canned((path.parent / desk.canned_dir).resolve(), SETTING),
        path=path,
    )
