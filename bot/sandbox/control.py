"""The emulator's people-side over HTTP, for processes that cannot call it directly.

Under ``/_emulator/``: create users, send messages as them, press buttons, pay invoices (also
forged pre-checkout queries and replayed payments), read chats, and long-poll the event log.
Benchmarks and the sandbox page use it; tests in the same process call the
:class:`~bot.sandbox.emulator.Emulator` methods instead.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.spec import ApiError

if TYPE_CHECKING:
    from bot.sandbox.emulator import Emulator

MAX_EVENT_WAIT = 30.0


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="expected a JSON object") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return data


def _message_of(emulator: Emulator, data: dict[str, Any]) -> dict[str, Any]:
    """The message named by ``chat_id`` and ``message_id`` in a request, or an HTTP error."""
    try:
        chat = emulator.chats.get(int(data["chat_id"]))
        found = chat.messages.get(int(data["message_id"])) if chat else None
    except (KeyError, TypeError, ValueError):
        raise web.HTTPBadRequest(text="expected chat_id and message_id") from None
    if found is None:
        raise web.HTTPNotFound(text="no such message")
    return found


def _user_id(emulator: Emulator, data: dict[str, Any]) -> int:
    try:
        found = int(data["user_id"])
    except (KeyError, TypeError, ValueError):
        raise web.HTTPBadRequest(text="expected a user_id") from None
    if found not in emulator.users:
        raise web.HTTPNotFound(text="no such user")
    return found


def _sent(emulator: Emulator, item: dict[str, Any]) -> dict[str, Any]:
    """A person's text, in their private chat, in ``chat_id``, or in a forum topic there."""
    user_id, text = int(item["user_id"]), str(item["text"])
    if item.get("message_thread_id") is not None:
        return emulator.send_in_topic(
            user_id, int(item["chat_id"]), int(item["message_thread_id"]), text=text
        )
    chat_id = int(item["chat_id"]) if item.get("chat_id") is not None else None
    return emulator.send_text(user_id, text, chat_id=chat_id)


def add_control_routes(app: web.Application, emulator: Emulator) -> None:
    body = _json_object

    async def add_users(request: web.Request) -> web.Response:
        data = await body(request)
        users = [
            emulator.add_user(
                str(item.get("first_name", "Test")),
                user_id=item.get("user_id"),
                username=item.get("username"),
                language_code=item.get("language_code", "en"),
            )
            for item in data.get("users", [data])
        ]
        return web.json_response({"users": users})

    async def send(request: web.Request) -> web.Response:
        data = await body(request)
        try:
            messages = [_sent(emulator, item) for item in data.get("messages", [data])]
        except (KeyError, ValueError, PermissionError, ApiError) as exc:
            raise web.HTTPBadRequest(text=f"bad message: {exc}") from None
        return web.json_response({"messages": messages})

    async def press(request: web.Request) -> web.Response:
        data = await body(request)
        message = _message_of(emulator, data)
        try:
            query_id = emulator.press(int(data["user_id"]), message, str(data["data"]))
        except LookupError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response({"callback_query_id": query_id})

    async def chat_messages(request: web.Request) -> web.Response:
        chat = emulator.chats.get(int(request.match_info["chat_id"]))
        if chat is None:
            raise web.HTTPNotFound(text="no such chat")
        return web.json_response({"messages": list(chat.messages.values())})

    async def events(request: web.Request) -> web.Response:
        after = int(request.query.get("after", 0))
        kinds = set(request.query["kinds"].split(",")) if "kinds" in request.query else None
        wanted = int(request.query.get("min", 1))
        timeout = min(float(request.query.get("timeout", 0)), MAX_EVENT_WAIT)
        await emulator._until(lambda: len(emulator.events_after(after, kinds)) >= wanted, timeout)
        found = emulator.events_after(after, kinds)
        return web.json_response(
            {"events": [asdict(e) for e in found], "last_seq": emulator.last_seq}
        )

    app.router.add_post("/_emulator/users", add_users)
    app.router.add_post("/_emulator/send", send)
    app.router.add_post("/_emulator/press", press)
    app.router.add_get("/_emulator/chats/{chat_id}/messages", chat_messages)
    app.router.add_get("/_emulator/events", events)
    add_payment_routes(app, emulator)
    add_page_routes(app, emulator)


def add_payment_routes(app: web.Application, emulator: Emulator) -> None:
    """Paying invoices: what the sandbox page's "Pay" button and out-of-process tests use."""

    async def pay(request: web.Request) -> web.Response:
        """Pay as the user; answers once the payment has finished one way or another."""
        data = await _json_object(request)
        payer, invoice = _user_id(emulator, data), _message_of(emulator, data)
        try:
            result = await emulator.pay(payer, invoice, fail=bool(data.get("fail", False)))
        except LookupError as exc:
            raise web.HTTPConflict(text=str(exc)) from None
        return web.json_response(result.as_json())

    async def pre_checkout(request: web.Request) -> web.Response:
        """Only the pre-checkout query, with any of amount, currency and payload altered."""
        data = await _json_object(request)
        payer, invoice = _user_id(emulator, data), _message_of(emulator, data)
        try:
            answer = await emulator.pre_checkout(
                payer,
                invoice,
                total_amount=data.get("total_amount"),
                currency=data.get("currency"),
                invoice_payload=data.get("invoice_payload"),
            )
        except LookupError as exc:
            raise web.HTTPConflict(text=str(exc)) from None
        return web.json_response(asdict(answer))

    async def replay_payment(request: web.Request) -> web.Response:
        data = await _json_object(request)
        charge_id = str(data.get("telegram_payment_charge_id", ""))
        if charge_id not in emulator.star_payments:
            raise web.HTTPNotFound(text="no such payment")
        update = emulator.replay_successful_payment(
            charge_id, same_update_id=bool(data.get("same_update_id", False))
        )
        return web.json_response({"update": update})

    app.router.add_post("/_emulator/pay", pay)
    app.router.add_post("/_emulator/pre_checkout", pre_checkout)
    app.router.add_post("/_emulator/replay_payment", replay_payment)


def add_page_routes(app: web.Application, emulator: Emulator) -> None:
    """What a chat client needs besides sending: forwards, the command menu, paid invoices."""

    async def forward(request: web.Request) -> web.Response:
        data = await _json_object(request)
        sender, text = _user_id(emulator, data), str(data.get("text", ""))
        name = str(data.get("sender_name", "")).strip()
        if not text.strip() or not name:
            raise web.HTTPBadRequest(text="a forward needs a text and a sender_name")
        message = emulator.forward_text(sender, text, sender_name=name)
        return web.json_response({"message": message})

    async def commands(request: web.Request) -> web.Response:
        user = _user_id(emulator, dict(request.query))
        language = request.query.get("language_code", emulator.users[user].get("language_code"))
        return web.json_response({"commands": emulator.commands_for(user, language)})

    async def invoices(request: web.Request) -> web.Response:
        try:
            chat_id = int(request.match_info["chat_id"])
        except ValueError:
            raise web.HTTPBadRequest(text="expected a numeric chat id") from None
        found = [
            {"message_id": record.message_id, "paid": record.paid_charge_id is not None}
            for record in emulator.invoices.values()
            if record.chat_id == chat_id
        ]
        return web.json_response({"invoices": found})

    app.router.add_post("/_emulator/forward", forward)
    app.router.add_get("/_emulator/commands", commands)
    app.router.add_get("/_emulator/chats/{chat_id}/invoices", invoices)
