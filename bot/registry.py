"""What features offer the user: main-menu entries, bot commands, answers to free text.

Features register here at start-up; the main menu and the per-language command list are built from
whatever registered, so a feature that is not installed shows nothing rather than a dead button.
Labels and descriptions are untranslated msgids (marked with ``N_``) rendered per user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

# (update, context) -> whether it answered. Typed loosely so this module stays free of Telegram.
TextResponder = Callable[[Any, Any], Awaitable[bool]]


@dataclass(frozen=True)
class MenuEntry:
    label: str
    callback_data: str
    order: int


@dataclass(frozen=True)
class CommandEntry:
    command: str
    description: str
    order: int


@dataclass(frozen=True)
class TextResponderEntry:
    name: str
    responder: TextResponder
    order: int


@dataclass
class Registry:
    menu: list[MenuEntry] = field(default_factory=list)
    commands: list[CommandEntry] = field(default_factory=list)
    text_responders: list[TextResponderEntry] = field(default_factory=list)

    def add_menu_entry(self, label: str, callback_data: str, *, order: int) -> None:
        self.menu.append(MenuEntry(label, callback_data, order))
        self.menu.sort(key=lambda entry: entry.order)

    def add_command(self, command: str, description: str, *, order: int) -> None:
        if any(existing.command == command for existing in self.commands):
            raise ValueError(f"command /{command} registered twice")
        self.commands.append(CommandEntry(command, description, order))
        self.commands.sort(key=lambda entry: entry.order)

    def add_text_responder(self, name: str, responder: TextResponder, *, order: int) -> None:
        """Offer free text in private chats to ``responder``; lower orders are asked first.

        The first responder that returns True has answered; the rest are not asked. Open support
        tickets, pending questions (a custom amount) and the scam check sit before the FAQ.
        """
        self.text_responders.append(TextResponderEntry(name, responder, order))
        self.text_responders.sort(key=lambda entry: entry.order)
