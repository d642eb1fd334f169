"""Signatures that keep payments honest: invoice payloads and web-checkout notifications.

An invoice payload is the order reference plus an HMAC, so a forged or edited payload in a
pre-checkout query is refused before any lookup. A payment notification from the official website
is signed over its timestamp and body (HMAC-SHA256) and is accepted only within five minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from enum import StrEnum

PAYLOAD_SEPARATOR = "."
PAYLOAD_SIGNATURE_CHARS = 22  # 132 bits of the HMAC, base64url
NOTIFICATION_WINDOW_SECONDS = 5 * 60


def payload_key(bot_token: str) -> bytes:
    """The payload key is derived from the bot's token: nothing extra to configure or leak."""
    return hmac.new(bot_token.encode(), b"recharge-desk invoice payload", hashlib.sha256).digest()


def sign_payload(key: bytes, order_reference: str) -> str:
    digest = hmac.new(key, order_reference.encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(digest).decode()[:PAYLOAD_SIGNATURE_CHARS]
    return f"{order_reference}{PAYLOAD_SEPARATOR}{signature}"


def verify_payload(key: bytes, payload: str) -> str | None:
    """The order reference inside a payload we signed, or None for anything else."""
    reference, separator, _ = payload.rpartition(PAYLOAD_SEPARATOR)
    if not separator or len(payload) > 128:
        return None
    expected = sign_payload(key, reference).encode()
    return reference if hmac.compare_digest(expected, payload.encode()) else None


class NotificationProblem(StrEnum):
    NOT_CONFIGURED = "not_configured"
    MISSING_HEADERS = "missing_headers"
    BAD_SIGNATURE = "bad_signature"
    STALE = "stale_timestamp"


def notification_signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def check_notification(
    secret: str | None, timestamp: str | None, signature: str | None, body: bytes, now: int
) -> NotificationProblem | None:
    """Why a notification must be rejected, or None when it is authentic and fresh."""
    if not secret:
        return NotificationProblem.NOT_CONFIGURED
    if not timestamp or not signature or not timestamp.isdigit() or len(timestamp) > 12:
        return NotificationProblem.MISSING_HEADERS
    expected = notification_signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        return NotificationProblem.BAD_SIGNATURE
    if abs(now - int(timestamp)) > NOTIFICATION_WINDOW_SECONDS:
        return NotificationProblem.STALE
    return None
