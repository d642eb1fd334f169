"""The FAQ as the bot holds it while running: content, search index, and rendering per user.

Created once at start-up (:func:`open_faq`, which stops start-up on invalid content) and shared
by the chat handlers, inline mode and the command line. The search index is built on first use
or by :meth:`Faq.warm` (the bot warms it in a thread once it runs): building it takes about
half a second that start-up need not wait for. Placeholder values depend only on the language
and the region, so they are computed once per pair and reused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.brand import Brand, default_brand, load_brand
from bot.catalog import Catalog, default_catalog, load_catalog
from bot.faq.content import DEFAULT_FAQ_DIR, Entry, FaqContent, load_content
from bot.faq.placeholders import placeholder_values, user_region
from bot.faq.render import render_answer, render_question
from bot.faq.search import FaqIndex
from bot.i18n import Catalogs, Translator

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)


@dataclass
class Faq:
    content: FaqContent
    brand: Brand
    catalog: Catalog
    translators: Catalogs
    _values: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    _index: FaqIndex | None = None

    @property
    def index(self) -> FaqIndex:
        if self._index is None:
            self._index = FaqIndex(self.content, ignored=[self.brand.platform])
        return self._index

    def warm(self) -> None:
        """Build the search index now rather than for the first question."""
        self.index  # noqa: B018 - built on access

    def entry(self, entry_id: str) -> Entry | None:
        return self.content.entry(entry_id)

    def values(self, t: Translator, saved_region: str | None) -> dict[str, str]:
        """Placeholder values for a user of ``t``'s language in their (saved or guessed) region."""
        region = user_region(self.catalog, saved_region, t.locale)
        key = (t.locale, region)
        if key not in self._values:
            self._values[key] = placeholder_values(t, self.brand, self.catalog, region)
        return self._values[key]

    def question(self, entry_id: str, t: Translator, values: dict[str, str]) -> str:
        entry = self.content.entries[entry_id]
        return render_question(entry, t, values)

    def answer(self, entry_id: str, t: Translator, values: dict[str, str]) -> str:
        return render_answer(self.content.entries[entry_id], t, values)


def open_faq(
    settings: Settings,
    *,
    brand: Brand | None = None,
    catalog: Catalog | None = None,
    catalogs: Catalogs | None = None,
) -> Faq:
    """Load and index the content; a ConfigError names the file and field of invalid content."""
    if brand is None:
        brand = load_brand(settings.brand_path) if settings.brand_path else default_brand()
    if catalog is None:
        catalog = (
            load_catalog(settings.catalog_path) if settings.catalog_path else default_catalog()
        )
    content = load_content(settings.faq_dir or DEFAULT_FAQ_DIR)
    for problem in content.problems:
        log.warning("faq content: %s (run `python -m bot faq lint`)", problem)
    return Faq(
        content=content,
        brand=brand,
        catalog=catalog,
        translators=catalogs or Catalogs(default_locale=settings.default_locale),
    )
