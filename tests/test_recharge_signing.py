from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.recharge.signing import (
    NotificationProblem,
    check_notification,
    notification_signature,
    payload_key,
    sign_payload,
    verify_payload,
)

KEY = payload_key("123:abc")


def test_payload_round_trip_and_fits_telegram() -> None:
    payload = sign_payload(KEY, "RD-ABCDEFGH")
    assert verify_payload(KEY, payload) == "RD-ABCDEFGH"
    assert len(payload.encode()) <= 128


def test_payload_refuses_tampering_and_other_bots() -> None:
    payload = sign_payload(KEY, "RD-ABCDEFGH")
    assert verify_payload(KEY, payload.replace("RD-ABCDEFGH", "RD-ABCDEFGJ")) is None
    assert verify_payload(payload_key("999:other"), payload) is None
    assert verify_payload(KEY, "RD-ABCDEFGH") is None


@given(st.text(max_size=200))
def test_verify_payload_never_accepts_junk(text: str) -> None:
    assert (
        verify_payload(KEY, text) is None
        or sign_payload(KEY, verify_payload(KEY, text) or "") == text
    )


def test_notification_checks() -> None:
    body = b'{"order_ref": "RD-1"}'
    good = notification_signature("s", "1000", body)
    assert check_notification("s", "1000", good, body, now=1100) is None
    assert check_notification("s", "1000", good.upper(), body, now=1100) is None
    assert (
        check_notification(None, "1000", good, body, now=1100) == NotificationProblem.NOT_CONFIGURED
    )
    assert (
        check_notification("s", None, good, body, now=1100) == NotificationProblem.MISSING_HEADERS
    )
    assert (
        check_notification("s", "10e3", good, body, now=1100) == NotificationProblem.MISSING_HEADERS
    )
    assert (
        check_notification("s", "1000", good, body + b" ", now=1100)
        == NotificationProblem.BAD_SIGNATURE
    )
    assert (
        check_notification("other", "1000", good, body, now=1100)
        == NotificationProblem.BAD_SIGNATURE
    )
    assert check_notification("s", "1000", good, body, now=1301) == NotificationProblem.STALE
    assert check_notification("s", "1000", good, body, now=699) == NotificationProblem.STALE
