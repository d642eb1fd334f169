"""Telegram side of the FAQ: /faq browsing, free-text answers, the /myths quiz, inline mode.

- ``/faq`` and the "📚 FAQ" menu entry: categories -> questions (paginated) -> the answer, with
  its action buttons, related questions, and a "Was this helpful?" 👍/👎 pair (votes are stored).
- Free text in a private chat (a registry text responder, order 30, after the scam check): a
  confident match is answered in the user's language; a weak one gets the three best questions as
  buttons plus "Talk to a human" when support is installed; nothing close lets the menu answer.
  ``context.user_data["faq_misses"]`` (:data:`MISSES_KEY`) counts the user's consecutive weak
  answers and is reset whenever an answer is shown; at the second in a row the user is handed to
  a person through ``registry.start_handoff`` (when support is installed).
- ``/myths``: a round of the myth-or-reality quiz (:mod:`bot.faq.quiz`) with a running score.
- Inline mode: ``@bot refund`` in any chat lists matching entries in the user's language; the
  chosen one is posted as the full answer. Messages that come back to us through our own inline
  mode are not answered again.

Callback data: ``faq:home`` · ``faq:cat:<category>:<page>`` · ``faq:q:<entry>`` ·
``faq:v:<entry>:<1|0>`` · ``faq:quiz:start`` · ``faq:quiz:next`` ·
``faq:qa:<entry>:<myth|reality>``.
Anything else under ``faq:`` is a stale or forged button.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import MAX_CALLBACK_BYTES, pack
from bot.context import BotContext, Services
from bot.faq.content import Action, Entry, Kind
from bot.faq.placeholders import fill
from bot.faq.quiz import QuizRound, Side
from bot.faq.render import feedback_line
from bot.faq.search import SUGGEST_THRESHOLD, decide
from bot.faq.service import Faq
from bot.faq.storage import FaqStore
from bot.home.handlers import back_to_menu_button, button_expired
from bot.i18n import N_, Translator
from bot.plumbing import answer_callback, reply
from bot.registry import Registry

MISSES_KEY = "faq_misses"
HANDOFF_AFTER_MISSES = 2
QUIZ_KEY = "faq_quiz"
HOME_CALLBACK = pack("faq", "home")
QUIZ_START_CALLBACK = pack("faq", "quiz", "start")
QUIZ_NEXT_CALLBACK = pack("faq", "quiz", "next")
PAGE_SIZE = 5
BUTTON_CHARS = 60
INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 60
SNIPPET_CHARS = 120
_COLUMNS = 2
_TAG = re.compile(r"<[^>]*>")
_ACTION_LABELS = {
    Action.RECHARGE: N_("💳 Recharge now"),
    Action.RETRY: N_("🔁 Try again"),
    Action.ORDERS: N_("🧾 Check my orders"),
    Action.HUMAN: N_("🙋 Talk to a human"),
}
# The registry action each button leads to ("human" is the support hand-off instead).
_ACTION_TARGETS = {Action.RECHARGE: "recharge", Action.RETRY: "recharge", Action.ORDERS: "orders"}


def _clip(text: str, limit: int = BUTTON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class FaqBot:
    """The handlers, bound to the FAQ service, its storage and the registry."""

    faq: Faq
    store: FaqStore
    registry: Registry

    # ------------------------------------------------------------------ helpers
    def _values(self, context: BotContext) -> dict[str, str]:
        return self.faq.values(context.t, context.user.region if context.user else None)

    def _human_button(self, t: Translator) -> InlineKeyboardButton | None:
        data = self.registry.handoff_data("faq")
        return (
            InlineKeyboardButton(t._(_ACTION_LABELS[Action.HUMAN]), callback_data=data)
            if data
            else None
        )

    def _question_button(
        self, entry_id: str, t: Translator, values: dict[str, str]
    ) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            _clip(self.faq.question(entry_id, t, values)), callback_data=pack("faq", "q", entry_id)
        )

    def _action_buttons(self, entry: Entry, t: Translator) -> list[InlineKeyboardButton]:
        buttons = []
        for action in entry.actions:
            data = (
                self.registry.handoff_data("faq")
                if action is Action.HUMAN
                else self.registry.action_data(_ACTION_TARGETS[action])
            )
            if data:
                buttons.append(
                    InlineKeyboardButton(t._(_ACTION_LABELS[action]), callback_data=data)
                )
        return buttons

    def _answer_view(
        self, entry: Entry, context: BotContext, vote: bool | None = None
    ) -> tuple[str, InlineKeyboardMarkup]:
        """The answer and its buttons; ``vote`` is the user's vote just given, if any."""
        t = context.t
        values = self._values(context)
        text = self.faq.answer(entry.id, t, values)
        rows: list[list[InlineKeyboardButton]] = []
        actions = self._action_buttons(entry, t)
        human = self._human_button(t)
        if vote is False and human and Action.HUMAN not in entry.actions:
            actions.append(human)
        rows += [actions[i : i + _COLUMNS] for i in range(0, len(actions), _COLUMNS)]
        rows += [[self._question_button(related, t, values)] for related in entry.related]
        text += "\n\n" + feedback_line(t, vote, human is not None)
        if vote is None:
            rows.append(
                [
                    InlineKeyboardButton(
                        t._("👍 Yes"), callback_data=pack("faq", "v", entry.id, 1)
                    ),
                    InlineKeyboardButton(t._("👎 No"), callback_data=pack("faq", "v", entry.id, 0)),
                ]
            )
        category = self.faq.content.categories[entry.category]
        page = category.entry_ids.index(entry.id) // PAGE_SIZE
        rows.append(
            [
                InlineKeyboardButton(
                    f"⬅️ {category.icon} {category.name(t.locale)}",
                    callback_data=pack("faq", "cat", category.id, page),
                )
            ]
        )
        rows.append([back_to_menu_button(t)])
        return text, InlineKeyboardMarkup(rows)

    async def _show_answer(
        self, update: Update, context: BotContext, entry: Entry, *, edit: bool = True
    ) -> None:
        if context.user_data is not None:
            context.user_data[MISSES_KEY] = 0
        text, keyboard = self._answer_view(entry, context)
        await reply(update, context, text, keyboard, edit=edit)

    # -------------------------------------------------------------- browsing
    async def show_home(self, update: Update, context: BotContext) -> None:
        t = context.t
        categories = [
            InlineKeyboardButton(
                f"{category.icon} {category.name(t.locale)}",
                callback_data=pack("faq", "cat", category.id, 0),
            )
            for category in self.faq.content.categories.values()
            if category.entry_ids
        ]
        rows = [categories[i : i + _COLUMNS] for i in range(0, len(categories), _COLUMNS)]
        rows.append(
            [
                InlineKeyboardButton(
                    t._("🎯 Myth or reality? Take the quiz"), callback_data=QUIZ_START_CALLBACK
                )
            ]
        )
        rows.append([back_to_menu_button(t)])
        text = "\n\n".join(
            [
                "📚 <b>" + t._("Frequently asked questions") + "</b>",
                t._("Pick a topic, or simply type your question in your own words."),
            ]
        )
        await reply(update, context, text, InlineKeyboardMarkup(rows))
        await answer_callback(update, context)

    async def show_category(
        self, update: Update, context: BotContext, category_id: str, page_text: str
    ) -> None:
        category = self.faq.content.categories.get(category_id)
        pages = -(-len(category.entry_ids) // PAGE_SIZE) if category else 0
        if category is None or not page_text.isdigit() or int(page_text) >= pages:
            await button_expired(update, context)
            return
        page = int(page_text)
        t = context.t
        values = self._values(context)
        shown = category.entry_ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        rows = [[self._question_button(entry_id, t, values)] for entry_id in shown]
        paging = []
        if page > 0:
            paging.append(
                InlineKeyboardButton(
                    t._("◀️ Previous"), callback_data=pack("faq", "cat", category.id, page - 1)
                )
            )
        if page + 1 < pages:
            paging.append(
                InlineKeyboardButton(
                    t._("Next ▶️"), callback_data=pack("faq", "cat", category.id, page + 1)
                )
            )
        if paging:
            rows.append(paging)
        rows.append([InlineKeyboardButton(t._("⬅️ All topics"), callback_data=HOME_CALLBACK)])
        title = f"{category.icon} <b>{category.name(t.locale)}</b>"
        if pages > 1:
            title += "\n" + t._(
                "Page {page} of {pages}", page=t.number(page + 1), pages=t.number(pages)
            )
        await reply(update, context, title, InlineKeyboardMarkup(rows))
        await answer_callback(update, context)

    async def show_entry(self, update: Update, context: BotContext, entry_id: str) -> None:
        entry = self.faq.entry(entry_id)
        if entry is None:
            await button_expired(update, context)
            return
        await self._show_answer(update, context, entry)
        await answer_callback(update, context)

    async def vote(self, update: Update, context: BotContext, entry_id: str, value: str) -> None:
        entry = self.faq.entry(entry_id)
        user = update.effective_user
        if entry is None or value not in {"0", "1"} or user is None:
            await button_expired(update, context)
            return
        helpful = value == "1"
        await self.store.record_vote(user.id, entry.id, context.t.locale, helpful)
        text, keyboard = self._answer_view(entry, context, vote=helpful)
        await reply(update, context, text, keyboard)
        await answer_callback(update, context, context.t._("Thanks for your feedback!"))

    # -------------------------------------------------------------- free text
    async def answer_text(self, update: Update, context: BotContext) -> bool:
        """The registry text responder: answer from the FAQ if anything is close enough."""
        message = update.effective_message
        if (
            message is None
            or update.effective_chat is None
            or update.effective_chat.type != "private"
        ):
            return False
        query = message.text or message.caption or ""
        if not query.strip() or query.startswith("/"):
            return False
        t = context.t
        decision = decide(self.faq.index.search(query, t.locale, 3))
        if decision.answer is not None:
            await self._show_answer(
                update, context, self.faq.content.entries[decision.answer.entry_id], edit=False
            )
            return True
        if not decision.suggestions:
            return False
        misses = 1
        if context.user_data is not None:
            misses = int(context.user_data.get(MISSES_KEY, 0)) + 1
            context.user_data[MISSES_KEY] = misses
        handoff = context.services.registry.start_handoff
        if misses >= HANDOFF_AFTER_MISSES and handoff is not None:
            # Twice in a row we could not tell what they need: a person can.
            if context.user_data is not None:
                context.user_data[MISSES_KEY] = 0
            await handoff(update, context, "faq")
            return True
        values = self._values(context)
        rows = [[self._question_button(m.entry_id, t, values)] for m in decision.suggestions]
        human = self._human_button(t)
        if human:
            rows.append([human])
        rows.append(
            [InlineKeyboardButton(t._("📚 Browse all topics"), callback_data=HOME_CALLBACK)]
        )
        await reply(
            update,
            context,
            t._("I'm not sure I understood. Did you mean one of these?"),
            InlineKeyboardMarkup(rows),
            edit=False,
        )
        return True

    # ------------------------------------------------------------------ quiz
    async def start_quiz(self, update: Update, context: BotContext) -> None:
        myths = [entry.id for entry in self.faq.content.of_kind(Kind.MYTH)]
        if context.user_data is None or not myths:
            await button_expired(update, context)
            return
        context.user_data[QUIZ_KEY] = QuizRound.start(myths)
        await self._ask(update, context, edit=update.callback_query is not None)
        await answer_callback(update, context)

    async def next_statement(self, update: Update, context: BotContext) -> None:
        round_ = context.user_data.get(QUIZ_KEY) if context.user_data is not None else None
        if not isinstance(round_, QuizRound) or round_.finished:
            await button_expired(update, context)
            return
        await self._ask(update, context)
        await answer_callback(update, context)

    async def _ask(self, update: Update, context: BotContext, *, edit: bool = True) -> None:
        assert context.user_data is not None
        round_: QuizRound = context.user_data[QUIZ_KEY]
        current = round_.next_statement()
        assert current is not None  # callers check that the round has statements left
        entry_id, side = current
        t = context.t
        text = self.faq.content.entries[entry_id].text(t.locale)
        statement = text.myth if side is Side.MYTH else text.reality
        values = self._values(context)
        body = "\n\n".join(
            [
                "🎯 <b>"
                + t._("Myth or reality?")
                + "</b> "
                + t._(
                    "Statement {number} of {total}",
                    number=t.number(round_.number),
                    total=t.number(round_.total),
                ),
                f"«{fill(statement or '', values)}»",
            ]
        )
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t._("❌ Myth"), callback_data=pack("faq", "qa", entry_id, Side.MYTH)
                    ),
                    InlineKeyboardButton(
                        t._("✅ Reality"), callback_data=pack("faq", "qa", entry_id, Side.REALITY)
                    ),
                ]
            ]
        )
        await reply(update, context, body, keyboard, edit=edit)

    async def answer_quiz(
        self, update: Update, context: BotContext, entry_id: str, choice: str
    ) -> None:
        round_ = context.user_data.get(QUIZ_KEY) if context.user_data is not None else None
        user = update.effective_user
        if not isinstance(round_, QuizRound) or choice not in set(Side) or user is None:
            await button_expired(update, context)
            return
        result = round_.answer(entry_id, Side(choice))
        if result is None:
            await button_expired(update, context)
            return
        shown, right = result
        await self.store.record_quiz_answer(user.id, entry_id, shown, right)
        t = context.t
        entry = self.faq.content.entries[entry_id]
        parts = [
            "<b>" + (t._("✅ Right!") if right else t._("❌ Not quite.")) + "</b>",
            self.faq.answer(entry.id, t, self._values(context)),
            t._(
                "Score: {correct} of {answered}",
                correct=t.number(round_.correct),
                answered=t.number(round_.answered),
            ),
        ]
        rows: list[list[InlineKeyboardButton]] = []
        if round_.finished:
            correct, answered = await self.store.quiz_totals(user.id)
            parts.append(
                "🏁 "
                + t._(
                    "Done! You got {correct} of {total} right.",
                    correct=t.number(round_.correct),
                    total=t.number(round_.total),
                )
                + "\n"
                + t._(
                    "All time: {correct} of {answered} correct.",
                    correct=t.number(correct),
                    answered=t.number(answered),
                )
            )
            rows.append(
                [InlineKeyboardButton(t._("🔁 Play again"), callback_data=QUIZ_START_CALLBACK)]
            )
        else:
            rows.append(
                [InlineKeyboardButton(t._("Next statement ▶️"), callback_data=QUIZ_NEXT_CALLBACK)]
            )
        rows.append([InlineKeyboardButton(t._("⬅️ All topics"), callback_data=HOME_CALLBACK)])
        await reply(update, context, "\n\n".join(parts), InlineKeyboardMarkup(rows))
        await answer_callback(update, context, t._("✅ Right!") if right else t._("❌ Not quite."))

    # ---------------------------------------------------------------- inline
    async def inline_query(self, update: Update, context: BotContext) -> None:
        query = update.inline_query
        if query is None:
            return
        t = context.t
        values = self._values(context)
        text = query.query.strip()
        if text:
            matches = self.faq.index.search(text, t.locale, INLINE_RESULTS)
            entry_ids = [m.entry_id for m in matches if m.score >= SUGGEST_THRESHOLD]
        else:  # nothing typed yet: the first question of each topic
            entry_ids = [
                c.entry_ids[0] for c in self.faq.content.categories.values() if c.entry_ids
            ]
        results = [
            InlineQueryResultArticle(
                id=entry_id,
                title=_clip(self.faq.question(entry_id, t, values), 100),
                description=self._snippet(entry_id, t, values),
                input_message_content=InputTextMessageContent(
                    self.faq.answer(entry_id, t, values), parse_mode=ParseMode.HTML
                ),
            )
            for entry_id in entry_ids
        ]
        button = (
            None
            if results
            else InlineQueryResultsButton(
                t._("No answer found. Ask me in a private chat"), start_parameter="faq"
            )
        )
        await query.answer(
            results, cache_time=INLINE_CACHE_SECONDS, is_personal=True, button=button
        )

    def _snippet(self, entry_id: str, t: Translator, values: dict[str, str]) -> str:
        entry = self.faq.content.entries[entry_id]
        text = entry.text(t.locale)
        first = text.reality if entry.kind is Kind.MYTH and text.reality else text.answer
        plain = _strip_tags(fill(first, values)).replace("\n", " ")
        return _clip(" ".join(plain.split()), SNIPPET_CHARS)

    # ------------------------------------------------------------- dispatch
    async def on_callback(self, update: Update, context: BotContext) -> None:
        data = update.callback_query.data if update.callback_query else None
        parts = data.split(":") if data and len(data.encode()) <= MAX_CALLBACK_BYTES else []
        match parts:
            case ["faq", "home"]:
                await self.show_home(update, context)
            case ["faq", "cat", category, page]:
                await self.show_category(update, context, category, page)
            case ["faq", "q", entry_id]:
                await self.show_entry(update, context, entry_id)
            case ["faq", "v", entry_id, value]:
                await self.vote(update, context, entry_id, value)
            case ["faq", "quiz", "start"]:
                await self.start_quiz(update, context)
            case ["faq", "quiz", "next"]:
                await self.next_statement(update, context)
            case ["faq", "qa", entry_id, choice]:
                await self.answer_quiz(update, context, entry_id, choice)
            case _:
                await button_expired(update, context)

    async def ignore(self, update: Update, context: BotContext) -> None:
        """A message posted through our own inline mode: it already is an answer."""


def _strip_tags(text: str) -> str:
    return _TAG.sub("", text)


class _ViaThisBot(filters.MessageFilter):
    """Messages that a user sent through this bot's inline mode."""

    def filter(self, message: Message) -> bool:
        return message.via_bot is not None and message.via_bot.id == message.get_bot().id


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    if services.faq is None:
        raise RuntimeError("the FAQ feature needs services.faq (see bot.app.open_services)")
    handlers = FaqBot(services.faq, FaqStore(services.db), services.registry)
    registry = services.registry
    registry.add_menu_entry(N_("📚 FAQ"), HOME_CALLBACK, order=30)
    registry.add_command("faq", N_("Answers to common questions"), order=30)
    registry.add_command("myths", N_("Myth or reality? A quick quiz"), order=31)
    registry.add_action("faq", HOME_CALLBACK)
    registry.add_text_responder("faq", handlers.answer_text, order=30)
    registry.add_warm_up(services.faq.warm)

    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & _ViaThisBot(), handlers.ignore))
    application.add_handler(CommandHandler("faq", handlers.show_home, filters=private))
    application.add_handler(CommandHandler("myths", handlers.start_quiz, filters=private))
    application.add_handler(CallbackQueryHandler(handlers.on_callback, pattern="^faq:"))
    application.add_handler(InlineQueryHandler(handlers.inline_query))
