"""``faq lint``: everything that can be wrong with the FAQ content, as a list of problems.

On top of what reading the files finds (:mod:`bot.faq.content`), it renders every entry in every
language for every catalog region with the real placeholder values and the longest feedback line
shown under answers, and parses the result exactly as Telegram would (the emulator's HTML
parser), so an answer that grows past one message once a long package table or method list is
filled in, or whose markup Telegram would reject, is caught before a user sees it. It also checks
that the ids other features link to exist and that every synonym is one word (the search matches
synonyms word by word).
"""

from __future__ import annotations

from pathlib import Path

from bot.brand import Brand
from bot.catalog import Catalog
from bot.faq.content import SEARCH_FILE, STRUCTURE_FILE, FaqContent, Problem, read_content
from bot.faq.placeholders import placeholder_values
from bot.faq.render import longest_feedback_line, render_answer
from bot.faq.text import tokens
from bot.i18n import Catalogs
from bot.sandbox.formatting import EntityParseError, parse_html, utf16_len

TELEGRAM_MESSAGE_LIMIT = 4096

# Other features put buttons to these entries under their own answers.
LINKED_IDS = (
    "what-is-recharge",
    "why-recharge",
    "recharge-in-app",
    "recharge-on-website",
    "app-vs-website-price",
    "package-prices",
    "payment-methods-by-region",
    "failed-payment",
    "delayed-coins",
    "incorrect-balance",
    "regional-restrictions",
    "refunds",
    "transfer-coins",
    "third-party-sellers",
    "safety-tips",
    "gifts-and-diamonds",
    "diamonds-to-cash",
    "manage-spending",
    "parental-controls",
    "check-balance",
    "contact-support",
    "myth-recharge-free",
    "myth-cheap-third-party",
    "myth-transfer-coins",
    "myth-coin-generators",
    "myth-support-asks-password",
)


def lint(root: Path, catalogs: Catalogs, brand: Brand, catalog: Catalog) -> list[Problem]:
    content, problems = read_content(root)
    if content is None:
        return problems
    problems = list(problems)
    structure = f"{root.name}/{STRUCTURE_FILE}"
    problems += [
        Problem(structure, entry_id, "missing: other features link to this id")
        for entry_id in LINKED_IDS
        if entry_id not in content.entries
    ]
    problems += [
        Problem(structure, f"categories.{category.id}", "no entries in this category")
        for category in content.categories.values()
        if not category.entry_ids
    ]
    problems += _check_synonyms(root, content)
    problems += _check_rendering(root, content, catalogs, brand, catalog)
    return problems


def _check_synonyms(root: Path, content: FaqContent) -> list[Problem]:
    found = []
    for locale, hints in content.hints.items():
        for group in hints.synonyms:
            for word in group:
                if len(tokens(word)) != 1:
                    found.append(
                        Problem(
                            f"{root.name}/{locale}/{SEARCH_FILE}",
                            "synonyms",
                            f"{word!r} is not a single word (synonyms are matched word by word)",
                        )
                    )
    return found


def _check_rendering(
    root: Path, content: FaqContent, catalogs: Catalogs, brand: Brand, catalog: Catalog
) -> list[Problem]:
    found = []
    for locale in content.locales:
        t = catalogs[locale]
        footer = "\n\n" + longest_feedback_line(t)  # shown under the answer in the chat
        path = f"{root.name}/{locale}/{STRUCTURE_FILE}"
        for region_id in catalog.regions:
            values = placeholder_values(t, brand, catalog, region_id)
            for entry in content.entries.values():
                if locale not in entry.texts:
                    continue
                html = render_answer(entry, t, values) + footer
                try:
                    text, _ = parse_html(html)
                except EntityParseError as exc:
                    found.append(Problem(path, entry.id, f"Telegram would reject the HTML: {exc}"))
                    continue
                length = utf16_len(text)
                if length > TELEGRAM_MESSAGE_LIMIT:
                    found.append(
                        Problem(
                            path,
                            entry.id,
                            f"{length} characters in region {region_id}: over Telegram's "
                            f"{TELEGRAM_MESSAGE_LIMIT} for one message",
                        )
                    )
    return _unique(found)


def _unique(problems: list[Problem]) -> list[Problem]:
    """An HTML error repeats for every region; report it once."""
    seen: set[str] = set()
    unique = []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            unique.append(problem)
    return unique
