"""What features offer the user: main-menu entries and bot commands.

Features register here at start-up; the main menu and the per-language command list are built from
whatever registered, so a feature that is not installed shows nothing rather than a dead button.
Labels and descriptions are untranslated msgids (marked with ``N_``) rendered per user.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass
class Registry:
    menu: list[MenuEntry] = field(default_factory=list)
    commands: list[CommandEntry] = field(default_factory=list)

    def add_menu_entry(self, label: str, callback_data: str, *, order: int) -> None:
        self.menu.append(MenuEntry(label, callback_data, order))
        self.menu.sort(key=lambda entry: entry.order)

    def add_command(self, command: str, description: str, *, order: int) -> None:
        if any(existing.command == command for existing in self.commands):
            raise ValueError(f"command /{command} registered twice")
        self.commands.append(CommandEntry(command, description, order))
        self.commands.sort(key=lambda entry: entry.order)
