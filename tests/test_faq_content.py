"""FAQ content: the shipped files are complete and lint-clean; broken files are caught and named."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.brand import default_brand
from bot.catalog import default_catalog
from bot.config import ConfigError
from bot.faq.cli import EXIT_FAILURE, EXIT_OK
from bot.faq.content import DEFAULT_FAQ_DIR, Kind, load_content, read_content
from bot.faq.lint import LINKED_IDS, lint
from bot.faq.placeholders import PLACEHOLDERS, placeholder_values
from bot.faq.render import render_answer
from bot.i18n import SUPPORTED_LOCALES, Catalogs


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.fixture
def faq_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped content, to break on purpose."""
    target = tmp_path / "faq"
    shutil.copytree(DEFAULT_FAQ_DIR, target)
    return target


def test_shipped_content_is_complete() -> None:
    content = load_content()
    assert len(content.entries) >= 30
    assert set(LINKED_IDS) <= set(content.entries)
    assert content.locales == SUPPORTED_LOCALES
    for entry in content.entries.values():
        assert set(entry.texts) == set(SUPPORTED_LOCALES), entry.id
        for text in entry.texts.values():
            assert (text.myth is not None) == (entry.kind is Kind.MYTH)
            assert bool(text.steps) == (entry.kind is Kind.TROUBLESHOOTING)
    for category in content.categories.values():
        assert set(category.names) == set(SUPPORTED_LOCALES)


def test_faq_lint_passes_on_the_shipped_content(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq", "lint"]) == EXIT_OK
    assert "no problems" in capsys.readouterr().out


def test_content_never_types_a_price_or_a_package_size() -> None:
    """Prices and sizes come from the catalog through placeholders, never from the text."""
    money_or_amount = re.compile(r"\d{2,}|[$€£₹₽]|R\$|Rp\s?\d|US\$")
    for entry in load_content().entries.values():
        for locale, text in entry.texts.items():
            for body in text.bodies():
                assert not money_or_amount.search(body), (entry.id, locale, body)


def test_translations_are_not_copies_of_the_english() -> None:
    for entry in load_content().entries.values():
        english = entry.texts["en"].answer
        for locale in SUPPORTED_LOCALES[1:]:
            assert entry.texts[locale].answer != english, (entry.id, locale)


@pytest.mark.parametrize(
    ("region", "expected"),
    [("brazil", "R$\xa05,90"), ("india", "₹85"), ("north_america", "$0.99")],
)
def test_prices_follow_the_region(region: str, expected: str, catalogs: Catalogs) -> None:
    content = load_content()
    t = catalogs["pt_BR" if region == "brazil" else "en"]
    values = placeholder_values(t, default_brand(), default_catalog(), region)
    answer = render_answer(content.entries["package-prices"], t, values)
    assert expected in answer
    assert "{" not in answer


def test_methods_follow_the_region(catalogs: Catalogs) -> None:
    t = catalogs["hi"]
    india = placeholder_values(t, default_brand(), default_catalog(), "india")
    assert "UPI" in india["methods_in_region"] and "Pix" not in india["methods_in_region"]
    closed = placeholder_values(t, default_brand(), default_catalog(), "unavailable")
    assert closed["methods_in_region"] == t._("none: recharging is not available in your region")
    # prices are still shown, as the user's language's usual region has them
    assert "₹" in closed["smallest_package_price"]


def test_arabic_values_are_isolated(catalogs: Catalogs) -> None:
    values = placeholder_values(catalogs["ar"], default_brand(), default_catalog(), "middle_east")
    assert values["smallest_package_price"] == catalogs["ar"].money(Decimal("0.99"), "USD")
    assert values["smallest_package_price"].startswith("\u2068")


def test_every_placeholder_is_documented_and_used() -> None:
    used = set()
    for entry in load_content().entries.values():
        for text in entry.texts.values():
            used |= set(re.findall(r"\{(\w+)\}", " ".join(text.bodies())))
    assert used <= set(PLACEHOLDERS)
    assert all(description for description in PLACEHOLDERS.values())


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_invalid_file_stops_start_up_naming_file_and_field(faq_copy: Path) -> None:
    _replace(faq_copy / "es" / "entries.toml", 'question = "¿Cuánto cuestan las monedas?"', "")
    with pytest.raises(ConfigError) as error:
        load_content(faq_copy)
    message = str(error.value)
    assert "faq/es/entries.toml" in message
    assert "question" in message and "package-prices" in message


def test_toml_syntax_error_names_the_file(faq_copy: Path) -> None:
    (faq_copy / "ru" / "search.toml").write_text("stopwords = [", "utf-8")
    with pytest.raises(ConfigError, match=r"faq/ru/search\.toml"):
        load_content(faq_copy)


def test_unknown_placeholder_stops_start_up(faq_copy: Path) -> None:
    _replace(faq_copy / "id" / "entries.toml", "{recharge_url}", "{recharge_link}")
    with pytest.raises(
        ConfigError, match=r"faq/id/entries\.toml: .*unknown placeholder \{recharge_link\}"
    ):
        load_content(faq_copy)


def test_myth_without_reality_stops_start_up(faq_copy: Path) -> None:
    _replace(
        faq_copy / "hi" / "entries.toml",
        'reality = "रिचार्ज में हमेशा असली पैसा लगता है।"\n',
        "",
    )
    with pytest.raises(ConfigError, match=r"myth-recharge-free: a myth needs both"):
        load_content(faq_copy)


def test_lint_reports_every_content_problem(faq_copy: Path, catalogs: Catalogs) -> None:
    structure = faq_copy / "entries.toml"
    _replace(
        structure,
        'related = ["why-recharge", "what-coins-buy",',
        'related = ["no-such-entry", "what-coins-buy",',
    )
    structure.write_text(
        structure.read_text("utf-8")
        + '\n[[entries]]\nid = "refunds"\nkind = "faq"\ncategory = "account"\n',
        "utf-8",
    )
    english = faq_copy / "en" / "entries.toml"
    _replace(english, 'id = "custom-amount"', 'id = "custom-amounts"')
    _replace(faq_copy / "ru" / "entries.toml", "{official_domain}", "официальный домен")
    problems = [str(p) for p in lint(faq_copy, catalogs, default_brand(), default_catalog())]
    text = "\n".join(problems)
    assert "faq/entries.toml: what-is-recharge: related: unknown entry 'no-such-entry'" in text
    assert "faq/entries.toml: refunds: duplicate id" in text
    assert "faq/en/entries.toml: custom-amounts: unknown id" in text
    assert "faq/en/entries.toml: custom-amount: missing in this language" in text
    assert (
        "faq/ru/entries.toml: safety-tips: placeholders differ from en: missing {official_domain}"
        in text
    )


def test_lint_catches_an_answer_too_long_for_one_message(
    faq_copy: Path, catalogs: Catalogs
) -> None:
    long_step = "Comprueba esto con calma. " * 110  # about 2,900 characters
    _replace(
        faq_copy / "es" / "entries.toml",
        '    "Repórtalo a soporte con la fecha y el importe.",\n',
        f'    "Repórtalo a soporte con la fecha y el importe.",\n    "{long_step}",\n    "{long_step}",\n',
    )
    problems = [str(p) for p in lint(faq_copy, catalogs, default_brand(), default_catalog())]
    assert any(
        "faq/es/entries.toml: unauthorized-charge:" in p and "over Telegram's 4096" in p
        for p in problems
    ), problems


def test_lint_catches_html_telegram_would_reject(faq_copy: Path, catalogs: Catalogs) -> None:
    _replace(
        faq_copy / "pt_BR" / "entries.toml",
        "<b>não são reembolsáveis</b>",
        "<b>não são reembolsáveis",
    )
    problems = [str(p) for p in lint(faq_copy, catalogs, default_brand(), default_catalog())]
    assert any(
        "faq/pt_BR/entries.toml: refunds: Telegram would reject the HTML" in p for p in problems
    )


def test_missing_translation_falls_back_to_english(faq_copy: Path) -> None:
    path = faq_copy / "id" / "entries.toml"
    text = path.read_text("utf-8")
    start = text.index('[[entries]]\nid = "custom-amount"')
    end = text.index("[[entries]]", start + 10)
    path.write_text(text[:start] + text[end:], "utf-8")
    content, problems = read_content(faq_copy)
    assert content is not None
    assert content.entries["custom-amount"].text("id").question == (
        content.entries["custom-amount"].texts["en"].question
    )
    assert any("custom-amount: missing in this language" in str(p) for p in problems)


def test_cli_lint_exits_1_on_problems(faq_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _replace(faq_copy / "entries.toml", 'related = ["why-recharge",', 'related = ["nope",')
    monkeypatch.setenv("FAQ_DIR", str(faq_copy))
    assert main(["faq", "lint"]) == EXIT_FAILURE


def test_cli_reports_a_broken_file(
    faq_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (faq_copy / "entries.toml").write_text("[[entries]]\nid = 'x'\n", "utf-8")
    monkeypatch.setenv("FAQ_DIR", str(faq_copy))
    assert main(["faq", "lint"]) == EXIT_FAILURE
    assert "faq/entries.toml" in capsys.readouterr().out
    # the bot (and every command that loads the FAQ) refuses to start: exit 2, one line
    assert main(["faq", "search", "refund"]) == 2
    assert "faq/entries.toml" in capsys.readouterr().err
