"""Translations, locale negotiation and locale-aware formatting.

Telegram-facing text is gettext: ``bot.po`` catalogs under ``locales/<locale>/LC_MESSAGES``. The
compiled ``.mo`` files are build output (``make i18n``, also a prerequisite of ``make run`` and
``make test``) and are not committed; when a ``.mo`` is missing or older than its ``.po`` (someone
edited a catalog and started the bot directly) the catalog is compiled in memory, so a stale
binary can never hide a fresh translation.

Right-to-left: values interpolated into Arabic text (numbers, prices, names) are wrapped in
Unicode "first strong isolate" marks so a Latin price or name keeps its own direction and does not
reorder the sentence around it.
"""

from __future__ import annotations

import copy
import gettext
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

log = logging.getLogger(__name__)

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "es", "pt_BR", "id", "hi", "ar", "ru")
LOCALE_NAMES: Mapping[str, str] = {
    "en": "English",
    "es": "Español",
    "pt_BR": "Português (Brasil)",
    "id": "Bahasa Indonesia",
    "hi": "हिन्दी",
    "ar": "العربية",
    "ru": "Русский",
}
DOMAIN = "bot"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

# Telegram sends IETF-ish tags ("pt-br", "es-419", "en"); the primary subtag decides, except where
# we ship a regional variant. Legacy "in" is Indonesian's pre-1989 code, still seen on old devices.
_PRIMARY_TO_LOCALE: Mapping[str, str] = {
    "en": "en",
    "es": "es",
    "pt": "pt_BR",
    "id": "id",
    "in": "id",
    "hi": "hi",
    "ar": "ar",
    "ru": "ru",
}

FSI = "\u2068"  # first strong isolate
PDI = "\u2069"  # pop directional isolate


def normalize_locale(value: str | None) -> str | None:
    """The shipped locale a tag names (``pt-br`` -> ``pt_BR``, ``es-419`` -> ``es``), else None."""
    if not value:
        return None
    if value in SUPPORTED_LOCALES:
        return value
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return _PRIMARY_TO_LOCALE.get(primary)


def negotiate_locale(saved: str | None, language_code: str | None, default: str) -> str:
    """The user's saved choice, else Telegram's ``language_code``, else the default."""
    if saved in SUPPORTED_LOCALES:
        return saved
    return normalize_locale(language_code) or default


def telegram_language_code(locale: str) -> str:
    """The two-letter code Telegram uses for per-language command lists."""
    return locale.split("_", 1)[0]


def _load_catalog(locales_dir: Path, locale: str) -> gettext.GNUTranslations:
    po_path = locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo_path = po_path.with_suffix(".mo")
    if not po_path.exists():
        raise FileNotFoundError(f"missing translation catalog {po_path}")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    log.debug("compiling %s in memory (no fresh .mo; run `make i18n`)", po_path)
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Catalogs:
    """Every shipped locale's translations, loaded once at start-up."""

    def __init__(self, locales_dir: Path = LOCALES_DIR, default_locale: str = "en") -> None:
        self.default_locale = default_locale
        self._translators = {
            locale: Translator(locale, _load_catalog(locales_dir, locale))
            for locale in SUPPORTED_LOCALES
        }

    def __getitem__(self, locale: str) -> Translator:
        return self._translators.get(locale) or self._translators[self.default_locale]

    def all(self) -> list[Translator]:
        return list(self._translators.values())


@dataclass(frozen=True)
class Translator:
    """One locale's gettext plus its number, money and date formats."""

    locale: str
    translations: gettext.NullTranslations

    @cached_property
    def babel_locale(self) -> Locale:
        return Locale.parse(self.locale)

    @property
    def rtl(self) -> bool:
        return self.babel_locale.character_order == "right-to-left"

    def _(self, message: str, /, **values: object) -> str:
        text = self.translations.gettext(message)
        return text.format(**values) if values else text

    def gettext(self, message: str, /, **values: object) -> str:
        return self._(message, **values)

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        return self.translations.ngettext(singular, plural, n).format(**values)

    def isolate(self, text: str) -> str:
        """Keep a value's own direction inside right-to-left text."""
        return f"{FSI}{text}{PDI}" if self.rtl else text

    def number(self, value: int | float | Decimal) -> str:
        return self.isolate(_number(self.locale, value))

    def money(self, amount: Decimal | float | int, currency: str) -> str:
        """A price as people write it here; whole amounts without decimals (₹849, Rp16.000)."""
        return self.isolate(_money(self.locale, Decimal(amount), currency))

    def stars(self, amount: int) -> str:
        return self.isolate(f"{_number(self.locale, amount)} ⭐")

    def date_text(self, value: date | int) -> str:
        """A day; an int is a stored timestamp (unix seconds, UTC)."""
        day = _from_timestamp(value) if isinstance(value, int) else value
        return self.isolate(format_date(day, format="medium", locale=self.babel_locale))

    def datetime_text(self, value: datetime | int) -> str:
        """A moment, in UTC and saying so: users are everywhere, the bot does not know where."""
        moment = _from_timestamp(value) if isinstance(value, int) else value
        text = format_datetime(moment, format="short", tzinfo=UTC, locale=self.babel_locale)
        return self.isolate(f"{text} UTC")


def _from_timestamp(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


# Formatting with babel costs about 0.1 ms a number; a price list formats the same few dozen
# prices again and again, so the results are remembered.
@lru_cache(maxsize=4096)
def _number(locale: str, value: int | float | Decimal) -> str:
    return format_decimal(value, locale=locale)


@lru_cache(maxsize=4096)
def _money(locale: str, amount: Decimal, currency: str) -> str:
    if amount == amount.to_integral_value():
        babel_locale = Locale.parse(locale)
        pattern = copy.copy(babel_locale.currency_formats["standard"])
        pattern.frac_prec = (0, 0)
        return str(pattern.apply(amount, babel_locale, currency=currency, currency_digits=False))
    return format_currency(amount, currency, locale=locale)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (menu labels, reasons)."""
    return message
