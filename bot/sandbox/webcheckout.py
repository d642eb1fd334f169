"""The payment platform's side of the official web checkout, as the sandbox plays it.

When a person pays on the platform's website, the platform tells the bot with a signed HTTP POST
to the bot's payment notification endpoint: a JSON body ``{"order_ref", "external_payment_id",
"amount", "currency", "status": "paid"}`` (the amount as the decimal string of the checkout
link), the header ``X-Timestamp`` (unix seconds) and ``X-Signature``, the hex HMAC-SHA256 of
``f"{timestamp}.{raw_body}"`` under the secret both sides share (``PAYMENT_WEBHOOK_SECRET``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import aiohttp

NOTIFY_PATH = "/payments/notify"
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ORDER_REF = re.compile(r"^\S{1,128}$")


def signature(secret: str, timestamp: int, raw_body: bytes) -> str:
    return hmac.new(
        secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256
    ).hexdigest()


@dataclass(frozen=True)
class CheckoutOrder:
    """The order a checkout link names; built only from values that make sense."""

    order_ref: str
    amount: str
    currency: str

    @classmethod
    def parse(cls, order_ref: str, amount: str, currency: str) -> CheckoutOrder:
        """The order, or ValueError saying which value of the link is wrong."""
        if not _ORDER_REF.match(order_ref):
            raise ValueError("order: expected the order reference from the bot")
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise ValueError("amount: expected a decimal number such as 54.90") from None
        if not value.is_finite() or value <= 0:
            raise ValueError("amount: expected a positive amount")
        if not _CURRENCY.match(currency):
            raise ValueError("currency: expected a three-letter code such as BRL")
        return cls(order_ref, amount, currency)

    def notification(self, external_payment_id: str) -> bytes:
        body = {
            "order_ref": self.order_ref,
            "external_payment_id": external_payment_id,
            "amount": self.amount,
            "currency": self.currency,
            "status": "paid",
        }
        return json.dumps(body, separators=(",", ":")).encode()


async def notify(
    session: aiohttp.ClientSession, url: str, secret: str, raw_body: bytes
) -> tuple[int, str]:
    """POST a signed notification; the endpoint's HTTP status and (clipped) answer."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Timestamp": str(timestamp),
        "X-Signature": signature(secret, timestamp, raw_body),
    }
    async with session.post(url, data=raw_body, headers=headers) as response:
        return response.status, (await response.text())[:500]
