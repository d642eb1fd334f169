"""What features offer the user: main-menu entries, bot commands, answers to free text.

Also what features offer support agents: sections of the context card an agent sees when a user
is handed over, and the hook to hand a user over from code.

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
# An aiohttp request handler.
WebHandler = Callable[[Any], Awaitable[Any]]
# (services, user_id, translator) -> HTML lines about the user for the agents' context card, in
# the translator's language (user text escaped); [] when the feature has nothing to show.
ContextSection = Callable[[Any, int, Any], Awaitable[list[str]]]
# (update, context, reason code) -> the user is handed to a person, and told so.
HandoffStarter = Callable[[Any, Any, str], Awaitable[None]]


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


@dataclass(frozen=True)
class ContextSectionEntry:
    name: str
    provider: ContextSection
    order: int


@dataclass
class Registry:
    menu: list[MenuEntry] = field(default_factory=list)
    commands: list[CommandEntry] = field(default_factory=list)
    text_responders: list[TextResponderEntry] = field(default_factory=list)
    # Callback-data prefix of the "Talk to a human" button, set by the support feature.
    handoff_prefix: str | None = None
    # Named entry points other features may link to: "recharge", "orders", "faq", ...
    actions: dict[str, str] = field(default_factory=dict)
    # HTTP endpoints (method, path, handler) the bot serves besides Telegram's updates.
    web_routes: list[tuple[str, str, WebHandler]] = field(default_factory=list)
    context_sections: list[ContextSectionEntry] = field(default_factory=list)
    # Set by the support feature: ``await registry.start_handoff(update, context, "faq")`` hands
    # the user to a person from code (the FAQ does after two answers in a row it was unsure of)
    # and tells them so, exactly as the "Talk to a human" button would. None without support.
    start_handoff: HandoffStarter | None = None
    # Slow preparations (compiling phrase lists, indexing the FAQ) run in a thread once the bot
    # is up, instead of delaying start-up; whatever needs them first prepares them itself.
    warm_ups: list[Callable[[], None]] = field(default_factory=list)

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

    def enable_handoff(self, prefix: str) -> None:
        self.handoff_prefix = prefix

    def handoff_data(self, reason: str) -> str | None:
        """Callback data for "Talk to a human" with a reason code, or None without support.

        Features put the button under their answers only when this is not None, so there is
        never a button that leads nowhere.
        """
        return f"{self.handoff_prefix}:{reason}" if self.handoff_prefix else None

    def add_action(self, name: str, callback_data: str) -> None:
        """Let other features put a button to this entry point under their own answers."""
        self.actions[name] = callback_data

    def action_data(self, name: str) -> str | None:
        return self.actions.get(name)

    def add_web_route(self, method: str, path: str, handler: WebHandler) -> None:
        self.web_routes.append((method, path, handler))

    def add_context_section(self, name: str, provider: ContextSection, *, order: int) -> None:
        """Show ``provider``'s lines on the card agents see for a handed-over user.

        Sections appear in ``order`` (wallet 10, orders 20, scam checks 30); a provider that
        has nothing to say returns [] and its section is left out.
        """
        if any(existing.name == name for existing in self.context_sections):
            raise ValueError(f"context section {name!r} registered twice")
        self.context_sections.append(ContextSectionEntry(name, provider, order))
        self.context_sections.sort(key=lambda entry: entry.order)

    def add_warm_up(self, prepare: Callable[[], None]) -> None:
        self.warm_ups.append(prepare)
