"""Callback data: ``feature:action[:arg...]``, at most 64 bytes, and always untrusted.

Telegram returns whatever bytes a client sends, so every handler parses with :func:`unpack` and
treats a mismatch as a stale or forged button.
"""

from __future__ import annotations

MAX_CALLBACK_BYTES = 64
SEPARATOR = ":"


def pack(*parts: str | int) -> str:
    """Join parts into callback data; a part may not contain the separator."""
    texts = [str(part) for part in parts]
    if any(SEPARATOR in text or not text for text in texts):
        raise ValueError(f"callback part is empty or contains {SEPARATOR!r}: {texts}")
    data = SEPARATOR.join(texts)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None, prefix: str, arity: int) -> list[str] | None:
    """The ``arity`` arguments after ``prefix:``, or None when the data does not have that shape."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    head, _, rest = data.partition(SEPARATOR)
    if head != prefix:
        return None
    args = rest.split(SEPARATOR) if rest else []
    if len(args) != arity or not all(args):
        return None
    return args
