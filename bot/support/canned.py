"""Canned replies: ready answers agents send with ``/canned NAME``, in the user's language.

One file per shipped locale, ``<canned dir>/<locale>.toml``, each a table per reply name with its
``text`` (Telegram HTML). Every locale has the same names, and each reply uses the same
placeholders in every locale, from a fixed set the desk can fill: ``{first_name}``,
``{balance}``, ``{order}`` and ``{ticket}``. A problem stops start-up naming the file and reply.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, RootModel

from bot.config import ConfigError, load_toml
from bot.i18n import SUPPORTED_LOCALES

PLACEHOLDERS = frozenset({"first_name", "balance", "order", "ticket"})
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
TEXT_LIMIT = 3500  # leaves room for the signature within Telegram's 4096


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1, max_length=TEXT_LIMIT)


class _File(RootModel[dict[str, _Reply]]):
    pass


def placeholders_of(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


@dataclass(frozen=True)
class CannedReplies:
    """Reply texts by locale, then by name."""

    texts: Mapping[str, Mapping[str, str]]

    @property
    def names(self) -> list[str]:
        return sorted(next(iter(self.texts.values()), {}))

    def get(self, locale: str, name: str) -> str | None:
        return self.texts.get(locale, {}).get(name)

    def needs(self, name: str) -> frozenset[str]:
        text = self.get(next(iter(self.texts), ""), name)
        return placeholders_of(text) if text else frozenset()


def load_canned(folder: Path, setting: str = "SUPPORT_CONFIG_PATH") -> CannedReplies:
    texts: dict[str, dict[str, str]] = {}
    for locale in SUPPORTED_LOCALES:
        path = folder / f"{locale}.toml"
        parsed = load_toml(path, setting, _File)
        for name, reply in parsed.root.items():
            if not re.match(NAME_PATTERN, name):
                raise ConfigError(f"{path}: {name}: a reply name is a-z, 0-9 and _")
            try:
                used = placeholders_of(reply.text)
            except ValueError as exc:
                raise ConfigError(f"{path}: {name}.text: {exc}") from None
            unknown = used - PLACEHOLDERS
            if unknown:
                raise ConfigError(
                    f"{path}: {name}.text: unknown placeholder {{{sorted(unknown)[0]}}} "
                    f"(known: {', '.join(sorted(PLACEHOLDERS))})"
                )
        texts[locale] = {name: reply.text for name, reply in parsed.root.items()}
    reference_locale = SUPPORTED_LOCALES[0]
    reference = texts[reference_locale]
    for locale, replies in texts.items():
        path = folder / f"{locale}.toml"
        if set(replies) != set(reference):
            difference = sorted(set(replies) ^ set(reference))
            raise ConfigError(
                f"{path}: replies differ from {reference_locale}.toml: {', '.join(difference)}"
            )
        for name, text in replies.items():
            if placeholders_of(text) != placeholders_of(reference[name]):
                raise ConfigError(
                    f"{path}: {name}.text: placeholders differ from {reference_locale}.toml"
                )
    return CannedReplies(texts)
