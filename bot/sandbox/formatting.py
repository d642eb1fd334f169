"""Telegram's HTML parse mode, as the server applies it: text plus entities, or a refusal.

Strict like Telegram: an unsupported tag, an unclosed or mismatched tag, or a bare ``<`` is an
error ("can't parse entities"), which is exactly what an unescaped user string would cause in
production. Offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import html
import re
from typing import Any

_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
_ENTITY_REF = re.compile(r"&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_OTHER_TAGS = {"a", "span", "blockquote", "tg-emoji"}


class EntityParseError(ValueError):
    pass


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and the MessageEntity list that Telegram would make of ``source``."""
    out: list[str] = []
    offset = 0  # UTF-16 units written so far
    open_tags: list[tuple[str, int, dict[str, Any]]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "<":
            match = _TAG.match(source, i)
            if match is None:
                raise EntityParseError(
                    f"can't parse entities: unexpected '<' at byte offset {_byte(source, i)}"
                )
            closing, name, attrs = match[1], match[2].lower(), match[3]
            if closing:
                if not open_tags or open_tags[-1][0] != name:
                    expected = f'"</{open_tags[-1][0]}>"' if open_tags else "no end tag"
                    raise EntityParseError(
                        f"can't parse entities: unmatched end tag at byte offset "
                        f'{_byte(source, i)}, expected {expected}, found "</{name}>"'
                    )
                _, start, entity = open_tags.pop()
                if offset > start and entity:
                    entities.append({**entity, "offset": start, "length": offset - start})
            else:
                open_tags.append((name, offset, _entity_for(name, _attributes(attrs), source, i)))
            i = match.end()
            continue
        if char == "&":
            match = _ENTITY_REF.match(source, i)
            if match:
                text = html.unescape(match[0])
                out.append(text)
                offset += utf16_len(text)
                i = match.end()
                continue
        if char == ">":
            raise EntityParseError(
                f"can't parse entities: unexpected '>' at byte offset {_byte(source, i)}"
            )
        out.append(char)
        offset += utf16_len(char)
        i += 1
    if open_tags:
        raise EntityParseError(
            "can't parse entities: can't find end tag corresponding to start tag "
            f'"{open_tags[-1][0]}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _byte(source: str, index: int) -> int:
    return len(source[:index].encode())


def _attributes(text: str) -> dict[str, str]:
    return {m[1].lower(): html.unescape(m[2] or m[3] or m[4] or "") for m in _ATTR.finditer(text)}


def _entity_for(name: str, attrs: dict[str, str], source: str, index: int) -> dict[str, Any]:
    if name in _SIMPLE_TAGS:
        entity: dict[str, Any] = {"type": _SIMPLE_TAGS[name]}
        if name == "code" and attrs.get("class", "").startswith("language-"):
            entity = {"type": "pre", "language": attrs["class"].removeprefix("language-")}
        return entity
    if name == "a":
        href = attrs.get("href", "")
        if not href:
            return {}
        return {"type": "text_link", "url": href}
    if name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                'can\'t parse entities: tag "span" must have class "tg-spoiler" '
                f"at byte offset {_byte(source, index)}"
            )
        return {"type": "spoiler"}
    if name == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
    if name == "tg-emoji":
        return {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id", "")}
    raise EntityParseError(
        f'can\'t parse entities: unsupported start tag "{name}" '
        f"at byte offset {_byte(source, index)}"
    )


_COMMAND = re.compile(r"(?<![\w/])/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{5,32})?")
_URL = re.compile(r"(?i)\b(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,24}(?:/[^\s]*)?")
_MENTION = re.compile(r"(?<!\w)@[a-zA-Z0-9_]{5,32}")


def detect_entities(text: str) -> list[dict[str, Any]]:
    """What a Telegram client marks up in a user's plain text: commands, mentions and links."""
    spans: list[tuple[int, int, str]] = []
    for pattern, kind in ((_COMMAND, "bot_command"), (_MENTION, "mention"), (_URL, "url")):
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end, _ in spans):
                continue
            spans.append((match.start(), match.end(), kind))
    spans.sort()
    return [
        {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
        for start, end, kind in spans
    ]
