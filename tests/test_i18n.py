"""Catalog completeness and locale behaviour: every shipped locale, every string."""

from __future__ import annotations

import gettext
import re
import tokenize
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, SUPPORTED_LOCALES, Catalogs, negotiate_locale, normalize_locale

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")
TAG = re.compile(r"</?[a-z-]+")


def load(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "bot.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def source_msgids() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT / "bot"), method_map=[("**.py", "python")], keywords=keywords
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


@pytest.fixture(scope="module")
def msgids() -> set[str | tuple[str, str]]:
    return source_msgids()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_is_complete_and_consistent(
    locale: str, msgids: set[str | tuple[str, str]]
) -> None:
    catalog = load(locale)
    problems: list[str] = []
    in_catalog = {m.id for m in catalog if m.id}
    problems += [f"missing (run `make i18n`): {m!r}" for m in msgids - in_catalog]
    problems += [f"obsolete (run `make i18n`): {m!r}" for m in in_catalog - msgids]
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
            continue
        expected = {p for text in ids for p in PLACEHOLDER.findall(text)}
        found = [set(PLACEHOLDER.findall(text)) for text in strings]
        if any(f - expected for f in found) or not any(f == expected for f in found):
            problems.append(f"placeholders differ: {message.id!r} -> {strings!r}")
        if sorted(TAG.findall(ids[0])) != sorted(TAG.findall(strings[-1])):
            problems.append(f"HTML tags differ: {message.id!r} -> {strings!r}")
    assert not problems, "\n".join(problems)


def test_no_gettext_call_hides_inside_an_f_string() -> None:
    """pybabel cannot extract ``t._("...")`` written inside an f-string: it would stay English."""
    hidden = []
    for path in (ROOT / "bot").rglob("*.py"):
        with path.open("rb") as handle:
            for token in tokenize.tokenize(handle.readline):
                f_string = token.type == tokenize.STRING and token.string[:2].lower() in {
                    'f"',
                    "f'",
                }
                if f_string and re.search(r"(\b_|gettext)\(\s*['\"]", token.string):
                    hidden.append(f"{path.relative_to(ROOT)}:{token.start[0]}")
    assert not hidden, hidden


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("ar", {0: 0, 1: 1, 2: 2, 5: 3, 11: 4, 99: 4, 100: 5, 102: 5}),
        ("ru", {1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 21: 0, 22: 1, 25: 2}),
        ("pt_BR", {0: 0, 1: 0, 2: 1}),
        ("en", {0: 1, 1: 0, 2: 1}),
    ],
)
def test_plural_forms_pick_the_right_form(locale: str, expected: dict[int, int]) -> None:
    plural = gettext.c2py(load(locale).plural_expr)  # type: ignore[attr-defined]
    assert {n: plural(n) for n in expected} == expected


@pytest.mark.parametrize(
    ("saved", "language_code", "expected"),
    [
        ("ru", "es", "ru"),
        (None, "pt-br", "pt_BR"),
        (None, "pt-PT", "pt_BR"),
        (None, "es-419", "es"),
        (None, "ES", "es"),
        (None, "in", "id"),
        (None, "hi", "hi"),
        (None, "xx", "en"),
        (None, None, "en"),
        ("zz", None, "en"),
    ],
)
def test_negotiate_locale(saved: str | None, language_code: str | None, expected: str) -> None:
    assert negotiate_locale(saved, language_code, "en") == expected


def test_normalize_rejects_junk() -> None:
    assert normalize_locale("") is None
    assert normalize_locale("--") is None
    assert normalize_locale("klingon") is None


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs()


def test_money_numbers_and_dates_follow_the_locale(catalogs: Catalogs) -> None:
    assert catalogs["pt_BR"].money(Decimal("54.90"), "BRL") == "R$\xa054,90"
    assert catalogs["en"].money(Decimal("4.99"), "USD") == "$4.99"
    assert catalogs["hi"].number(140000) == "1,40,000"
    assert catalogs["ru"].number(1400) == "1\xa0400"
    assert catalogs["en"].stars(1500) == "1,500 ⭐"
    assert catalogs["ru"].date_text(date(2026, 3, 1)) == "1 мар. 2026\u202fг."


def test_arabic_isolates_values_inside_rtl_text(catalogs: Catalogs) -> None:
    ar = catalogs["ar"]
    assert ar.rtl and not catalogs["en"].rtl
    price = ar.money(Decimal("4.99"), "USD")
    assert price.startswith("\u2068") and price.endswith("\u2069")
    text = ar._("Hi, {name}!", name=ar.isolate("Ana"))
    assert text == "مرحبًا يا \u2068Ana\u2069!"


def test_every_locale_translates_the_greeting(catalogs: Catalogs) -> None:
    greetings = {t.locale: t._("What would you like to do?") for t in catalogs.all()}
    assert len(set(greetings.values())) == len(SUPPORTED_LOCALES)


def test_stale_mo_falls_back_to_the_po(tmp_path: Path) -> None:
    for locale in SUPPORTED_LOCALES:
        target = tmp_path / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        (target / "bot.po").write_bytes(
            (LOCALES_DIR / locale / "LC_MESSAGES" / "bot.po").read_bytes()
        )
    fresh = Catalogs(tmp_path)
    assert fresh["es"]._("What would you like to do?") == "¿Qué quieres hacer?"
