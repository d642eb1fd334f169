"""The emulator's people-side over HTTP, for processes that cannot call it directly.

Under ``/_emulator/``: create users, send messages as them, press buttons, read chats, and
long-poll the event log. Benchmarks and the sandbox page use it; tests in the same process call
the :class:`~bot.sandbox.emulator.Emulator` methods instead.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.sandbox.emulator import Emulator

MAX_EVENT_WAIT = 30.0


def add_control_routes(app: web.Application, emulator: Emulator) -> None:
    async def body(request: web.Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="expected a JSON object") from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        return data

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
            messages = [
                emulator.send_text(int(item["user_id"]), str(item["text"]))
                for item in data.get("messages", [data])
            ]
        except (KeyError, ValueError) as exc:
            raise web.HTTPBadRequest(text=f"bad message: {exc}") from None
        return web.json_response({"messages": messages})

    async def press(request: web.Request) -> web.Response:
        data = await body(request)
        chat = emulator.chats.get(int(data["chat_id"]))
        message = chat.messages.get(int(data["message_id"])) if chat else None
        if message is None:
            raise web.HTTPNotFound(text="no such message")
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
