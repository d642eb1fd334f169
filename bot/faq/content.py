"""The FAQ content on disk (``faq/``), validated into plain objects.

``faq/entries.toml`` holds what is the same in every language: each entry's stable id, kind
(``faq``, ``myth``, ``troubleshooting``), category, related ids and, for troubleshooting, the
buttons its steps end in; and the categories in display order. ``faq/<locale>/entries.toml`` holds
one language's words: category names and, per entry, the question, other ways people ask it,
keywords, the answer (and a myth's two statements, a troubleshooting entry's steps).
``faq/<locale>/search.toml`` holds that language's stopwords and synonym groups.

Reading collects every problem it sees. Fatal ones (a file that does not parse or fails its schema,
a text that cannot be rendered: an unknown placeholder, a myth without its reality) stop start-up
with a ConfigError naming the file and field. The rest (a language missing an entry, a duplicate or
unknown id, a broken related link, placeholders that differ between languages) leave a usable FAQ
— a missing translation falls back to English — and are what ``python -m bot faq lint`` reports.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.config import ConfigError, describe_validation_error
from bot.faq.placeholders import PLACEHOLDERS, placeholders_in
from bot.i18n import SUPPORTED_LOCALES

DEFAULT_FAQ_DIR = Path(__file__).resolve().parent.parent.parent / "faq"
STRUCTURE_FILE = "entries.toml"
SEARCH_FILE = "search.toml"
SOURCE_LOCALE = "en"  # the language other languages are checked against and fall back to

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=32)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=3000, strip_whitespace=True)]
Word = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]


class Kind(StrEnum):
    FAQ = "faq"
    MYTH = "myth"
    TROUBLESHOOTING = "troubleshooting"


class Action(StrEnum):
    """Buttons under an answer, e.g. where troubleshooting steps end (each shown only while the
    feature it leads to is installed)."""

    RECHARGE = "recharge"  # "Recharge now": the recharge flow
    RETRY = "retry"  # "Try again": the recharge flow, after a failure
    ORDERS = "orders"  # the user's orders
    HUMAN = "human"  # a support agent


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategorySpec(_Strict):
    id: Slug
    icon: str = Field(min_length=1, max_length=8)


class EntrySpec(_Strict):
    id: Slug
    kind: Kind
    category: Slug
    related: list[Slug] = Field(default_factory=list, max_length=6)
    actions: list[Action] = Field(default_factory=list)


class StructureFile(_Strict):
    categories: list[CategorySpec] = Field(min_length=1)
    entries: list[EntrySpec] = Field(min_length=1)


class LocalizedEntry(_Strict):
    id: Slug
    question: Line
    phrasings: list[Line] = Field(default_factory=list)
    keywords: list[Line] = Field(default_factory=list)
    answer: Body
    myth: Line | None = None
    reality: Body | None = None
    steps: list[Body] = Field(default_factory=list, max_length=10)


class LocaleFile(_Strict):
    categories: dict[Slug, Line]
    entries: list[LocalizedEntry]


class SearchFile(_Strict):
    stopwords: list[Word] = Field(default_factory=list)
    synonyms: list[Annotated[list[Word], Field(min_length=2)]] = Field(default_factory=list)


@dataclass(frozen=True)
class Text:
    """One entry in one language."""

    question: str
    phrasings: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    myth: str | None
    reality: str | None
    steps: tuple[str, ...]

    def bodies(self) -> list[str]:
        """Every text shown to users (placeholders allowed there)."""
        return [
            self.question,
            self.answer,
            *([self.myth] if self.myth else []),
            *([self.reality] if self.reality else []),
            *self.steps,
        ]


@dataclass(frozen=True)
class Entry:
    id: str
    kind: Kind
    category: str
    related: tuple[str, ...]
    actions: tuple[Action, ...]
    texts: Mapping[str, Text]

    def text(self, locale: str) -> Text:
        """The entry in ``locale``; English (or any language) where it is not translated yet."""
        return (
            self.texts.get(locale)
            or self.texts.get(SOURCE_LOCALE)
            or next(iter(self.texts.values()))
        )


@dataclass(frozen=True)
class Category:
    id: str
    icon: str
    names: Mapping[str, str]
    entry_ids: tuple[str, ...]

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names.get(SOURCE_LOCALE) or self.id


@dataclass(frozen=True)
class SearchHints:
    stopwords: frozenset[str]
    synonyms: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Problem:
    path: str
    where: str
    message: str
    fatal: bool = False

    def __str__(self) -> str:
        return (
            f"{self.path}: {self.where}: {self.message}"
            if self.where
            else f"{self.path}: {self.message}"
        )


@dataclass
class FaqContent:
    entries: dict[str, Entry]
    categories: dict[str, Category]
    hints: dict[str, SearchHints]
    locales: tuple[str, ...]
    problems: list[Problem] = field(default_factory=list)

    def entry(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)

    def of_kind(self, kind: Kind) -> list[Entry]:
        return [entry for entry in self.entries.values() if entry.kind is kind]


_Model = TypeVar("_Model", bound=BaseModel)


class _Reader:
    """Reads the folder, remembering every problem and the file it is in."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def problem(self, path: Path | str, where: str, message: str, *, fatal: bool = False) -> None:
        shown = path.relative_to(self.root.parent) if isinstance(path, Path) else path
        self.problems.append(Problem(str(shown), where, message, fatal))

    def parse(self, path: Path, model: type[_Model]) -> _Model | None:
        try:
            raw = tomllib.loads(path.read_text("utf-8"))
        except OSError as exc:
            self.problem(path, "", f"cannot read: {exc.strerror}", fatal=True)
            return None
        except tomllib.TOMLDecodeError as exc:
            self.problem(path, "", str(exc), fatal=True)
            return None
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            self.problem(path, "", _describe(exc, raw), fatal=True)
            return None


def _describe(exc: ValidationError, raw: Any) -> str:
    """The first schema error, naming the entry by id where the path runs through one."""
    text = describe_validation_error(exc)
    location = exc.errors()[0]["loc"]
    if len(location) >= 2 and location[0] == "entries" and isinstance(location[1], int):
        entries = raw.get("entries") if isinstance(raw, dict) else None
        if isinstance(entries, list) and location[1] < len(entries):
            entry = entries[location[1]]
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                text = f"{text} (entry {entry['id']!r})"
    return text


def read_content(root: Path = DEFAULT_FAQ_DIR) -> tuple[FaqContent | None, list[Problem]]:
    """The content and every problem found; None when a fatal problem makes it unusable."""
    reader = _Reader(root)
    structure_path = root / STRUCTURE_FILE
    structure = reader.parse(structure_path, StructureFile)
    if structure is None:
        return None, reader.problems
    specs = _unique_specs(reader, structure_path, structure)
    category_ids = [c.id for c in structure.categories]
    for spec in specs.values():
        if spec.category not in category_ids:
            reader.problem(
                structure_path, spec.id, f"unknown category {spec.category!r}", fatal=True
            )
        for related in spec.related:
            if related not in specs:
                reader.problem(structure_path, spec.id, f"related: unknown entry {related!r}")
            elif related == spec.id:
                reader.problem(structure_path, spec.id, "related: links to itself")

    texts: dict[str, dict[str, Text]] = {entry_id: {} for entry_id in specs}
    category_names: dict[str, dict[str, str]] = {c: {} for c in category_ids}
    hints: dict[str, SearchHints] = {}
    locales: list[str] = []
    for locale in SUPPORTED_LOCALES:
        folder = root / locale
        if not folder.is_dir():
            reader.problem(folder, "", "missing locale: no folder for this language")
            continue
        locales.append(locale)
        _read_locale(
            reader, folder, locale, specs=specs, texts=texts, category_names=category_names
        )
        search = (
            reader.parse(folder / SEARCH_FILE, SearchFile)
            if (folder / SEARCH_FILE).exists()
            else SearchFile()
        )
        if search is not None:
            hints[locale] = SearchHints(
                frozenset(search.stopwords),
                tuple(tuple(group) for group in search.synonyms),
            )
    _compare_placeholders(reader, root, texts)
    if any(problem.fatal for problem in reader.problems):
        return None, reader.problems
    usable = {entry_id: spec for entry_id, spec in specs.items() if texts[entry_id]}
    entries = {
        entry_id: Entry(
            id=entry_id,
            kind=spec.kind,
            category=spec.category,
            related=tuple(r for r in spec.related if r in usable and r != entry_id),
            actions=tuple(spec.actions),
            texts=texts[entry_id],
        )
        for entry_id, spec in usable.items()
    }
    categories = {
        c.id: Category(
            c.id,
            c.icon,
            category_names[c.id],
            tuple(e.id for e in entries.values() if e.category == c.id),
        )
        for c in structure.categories
    }
    content = FaqContent(entries, categories, hints, tuple(locales), reader.problems)
    return content, reader.problems


def load_content(root: Path = DEFAULT_FAQ_DIR) -> FaqContent:
    """The content for the bot; a ConfigError names the first fatal problem's file and field."""
    content, problems = read_content(root)
    if content is None:
        fatal = next(p for p in problems if p.fatal)
        raise ConfigError(str(fatal))
    return content


def _unique_specs(reader: _Reader, path: Path, structure: StructureFile) -> dict[str, EntrySpec]:
    specs: dict[str, EntrySpec] = {}
    for spec in structure.entries:
        if spec.id in specs:
            reader.problem(path, spec.id, "duplicate id (the first one is used)")
            continue
        specs[spec.id] = spec
    seen: set[str] = set()
    for category in structure.categories:
        if category.id in seen:
            reader.problem(path, f"categories.{category.id}", "duplicate category id", fatal=True)
        seen.add(category.id)
    return specs


def _read_locale(
    reader: _Reader,
    folder: Path,
    locale: str,
    *,
    specs: Mapping[str, EntrySpec],
    texts: dict[str, dict[str, Text]],
    category_names: dict[str, dict[str, str]],
) -> None:
    path = folder / STRUCTURE_FILE
    if not path.exists():
        reader.problem(path, "", "missing locale: no entries file for this language")
        return
    parsed = reader.parse(path, LocaleFile)
    if parsed is None:
        return
    for category_id, names in category_names.items():
        if category_id in parsed.categories:
            names[locale] = parsed.categories[category_id]
        else:
            reader.problem(path, f"categories.{category_id}", "missing name in this language")
    for category_id in set(parsed.categories) - set(category_names):
        reader.problem(path, f"categories.{category_id}", "unknown category")
    for localized in parsed.entries:
        spec = specs.get(localized.id)
        if spec is None:
            reader.problem(path, localized.id, f"unknown id (not in {STRUCTURE_FILE})")
            continue
        if locale in texts[localized.id]:
            reader.problem(path, localized.id, "duplicate id in this language (the first is used)")
            continue
        text = Text(
            question=localized.question,
            phrasings=tuple(localized.phrasings),
            keywords=tuple(localized.keywords),
            answer=localized.answer,
            myth=localized.myth,
            reality=localized.reality,
            steps=tuple(localized.steps),
        )
        if _renderable(reader, path, spec, text):
            texts[localized.id][locale] = text
    present = {localized.id for localized in parsed.entries}
    for entry_id in specs:
        if entry_id not in present:
            reader.problem(path, entry_id, "missing in this language")


def _renderable(reader: _Reader, path: Path, spec: EntrySpec, text: Text) -> bool:
    ok = True
    if spec.kind is Kind.MYTH and not (text.myth and text.reality):
        reader.problem(path, spec.id, "a myth needs both `myth` and `reality`", fatal=True)
        ok = False
    if spec.kind is not Kind.MYTH and (text.myth or text.reality):
        reader.problem(
            path, spec.id, f"`myth`/`reality` belong to myths, not {spec.kind}", fatal=True
        )
        ok = False
    if spec.kind is Kind.TROUBLESHOOTING and not text.steps:
        reader.problem(path, spec.id, "a troubleshooting entry needs `steps`", fatal=True)
        ok = False
    if spec.kind is not Kind.TROUBLESHOOTING and text.steps:
        reader.problem(
            path, spec.id, f"`steps` belong to troubleshooting, not {spec.kind}", fatal=True
        )
        ok = False
    for name in sorted(set(placeholders_in(text.bodies()))):
        if name not in PLACEHOLDERS:
            reader.problem(
                path,
                spec.id,
                f"unknown placeholder {{{name}}} (known: {', '.join(sorted(PLACEHOLDERS))})",
                fatal=True,
            )
            ok = False
    return ok


def _compare_placeholders(
    reader: _Reader, root: Path, texts: Mapping[str, Mapping[str, Text]]
) -> None:
    """Each language should use the same placeholders as the source, or a price goes missing."""
    for entry_id, by_locale in texts.items():
        source = by_locale.get(SOURCE_LOCALE)
        if source is None:
            continue
        expected = set(placeholders_in(source.bodies()))
        for locale, text in by_locale.items():
            found = set(placeholders_in(text.bodies()))
            if found != expected:
                missing = ", ".join(f"{{{n}}}" for n in sorted(expected - found)) or "none"
                extra = ", ".join(f"{{{n}}}" for n in sorted(found - expected)) or "none"
                reader.problem(
                    root / locale / STRUCTURE_FILE,
                    entry_id,
                    f"placeholders differ from {SOURCE_LOCALE}: missing {missing}; extra {extra}",
                )
