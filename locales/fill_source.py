"""Fill the English catalog from the source strings (English is the source language).

Run by ``make i18n`` after ``pybabel update``: every empty English msgstr becomes its msgid, so the
English catalog is complete like the others and the completeness test treats all seven alike.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def fill(path: Path) -> int:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = (message.id[0], message.id[1])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_output=True)
    return filled


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "locales/en/LC_MESSAGES/bot.po")
    print(f"{target}: {fill(target)} English message(s) filled from the source")
