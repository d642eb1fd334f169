"""One FAQ entry as the HTML message a user reads, in their language, with their prices.

Used by the chat handlers, by inline mode and by ``faq lint`` (which renders every entry for every
language and region, with the longest feedback line, to prove it fits one Telegram message), so
all three show the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.faq.content import Entry, Kind
from bot.faq.placeholders import fill
from bot.i18n import Translator


def render_answer(entry: Entry, t: Translator, values: Mapping[str, str]) -> str:
    text = entry.text(t.locale)
    parts = [f"<b>{fill(text.question, values)}</b>"]
    if entry.kind is Kind.MYTH and text.myth and text.reality:
        myth_label, reality_label = t._("Myth:"), t._("Reality:")
        parts.append(f"❌ <b>{myth_label}</b> {fill(text.myth, values)}")
        parts.append(f"✅ <b>{reality_label}</b> {fill(text.reality, values)}")
    parts.append(fill(text.answer, values))
    if text.steps:
        parts.append(
            "\n".join(
                f"{t.number(number)}. {fill(step, values)}"
                for number, step in enumerate(text.steps, start=1)
            )
        )
    return "\n\n".join(parts)


def render_question(entry: Entry, t: Translator, values: Mapping[str, str]) -> str:
    """The question alone, as plain text (buttons and inline titles are not HTML)."""
    return fill(entry.text(t.locale).question, values)


def feedback_line(t: Translator, vote: bool | None, human: bool) -> str:
    """The line under an answer in the chat: the "Was this helpful?" question, or what follows
    the user's vote (``human``: whether a "Talk to a human" button is there to point at)."""
    if vote is None:
        line = t._("Was this helpful?")
    elif vote:
        line = t._("Thanks! Glad it helped.")
    elif human:
        line = t._("Sorry it didn't help. Ask again in your own words, or talk to a human.")
    else:
        line = t._("Sorry it didn't help. Try asking again in your own words.")
    return f"<i>{line}</i>"


def longest_feedback_line(t: Translator) -> str:
    lines = [
        feedback_line(t, vote, human) for vote in (None, True, False) for human in (True, False)
    ]
    return max(lines, key=len)
