"""Compile one ``bot.po`` into its ``bot.mo`` (what ``pybabel compile`` does, minus one check).

``pybabel compile`` (babel 2.17 and later fails on it) checks every msgid that looks like a
``%``-format string, and babel decides that from a guess: "80% of" reads as the ``% o``
conversion. The bot formats with braces only, so ``%`` is literal text, and a translation that
writes "80 %" or puts the sign first, as many languages do, would be refused. Brace placeholders
and HTML tags are checked by ``tests/test_i18n.py`` instead.

Usage: ``python locales/compile_mo.py LOCALE PO_PATH MO_PATH``
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_catalog(locale: str, po_path: Path, mo_path: Path) -> int:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    with mo_path.open("wb") as handle:
        write_mo(handle, catalog)  # fuzzy entries are left out, as pybabel compile does
    return sum(1 for message in catalog if message.id and message.string and not message.fuzzy)


if __name__ == "__main__":
    locale, po, mo = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    print(f"{po}: {compile_catalog(locale, po, mo)} message(s) compiled to {mo}")
