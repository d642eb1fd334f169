"""A Bot API server for tests and the local sandbox: the real bot talks HTTP to this.

``/bot<token>/<method>`` behaves like Telegram for every method the bot uses: requests are
checked against the Bot API specification (:mod:`bot.sandbox.spec`), HTML is parsed as Telegram
parses it, production limits are enforced, and errors come back in Telegram's JSON format with its
status codes. Methods in the specification that the emulator does not implement answer 501, so a
new call in the bot shows up as a failing test instead of a silent fake.

The other side, the people, is driven through :class:`Emulator` methods (``send_text``,
``press``, ``wait_for``...) from tests, and through the ``/_emulator/`` HTTP endpoints from other
processes (benchmarks, the sandbox page).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import BodyPartReader, web

from bot.sandbox.formatting import EntityParseError, detect_entities, parse_html, utf16_len
from bot.sandbox.spec import ApiError, MethodSpec, Spec, bad_request, load_spec

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200
CALLBACK_QUERY_TTL = 15 * 60
INLINE_QUERY_TTL = 10  # seconds Telegram waits for answerInlineQuery
INLINE_RESULTS_LIMIT = 50
_START_PARAMETER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_POLL_TIMEOUT = 50

Json = dict[str, Any]
Handler = Callable[[Json], Awaitable[Any]]
_Method = TypeVar("_Method", bound=Callable[..., Awaitable[Any]])


def api(name: str) -> Callable[[_Method], _Method]:
    """Mark an Emulator method as the implementation of a Bot API method."""

    def mark(func: _Method) -> _Method:
        func.__api_name__ = name  # type: ignore[attr-defined]
        return func

    return mark


@dataclass
class Event:
    """Something the bot did that a person would see (or a test would check)."""

    seq: int
    kind: str  # message | edit | delete | callback_answer | commands | ...
    chat_id: int | None
    payload: Json


@dataclass
class ChatState:
    chat: Json
    messages: dict[int, Json] = field(default_factory=dict)
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    bot_blocked: bool = False


@dataclass
class InlineQueryState:
    """An inline query a person typed, and the bot's answer once it came."""

    user_id: int
    query: str
    asked_at: float
    answer: Json | None = None


@dataclass
class FloodLimits:
    """Telegram's flood control, when a test wants it: per chat and overall, per second."""

    per_chat: float = 1.0
    overall: float = 30.0
    _sent: dict[int | None, list[float]] = field(default_factory=dict)

    def check(self, chat_id: int) -> None:
        clock = time.monotonic()
        for key, limit in ((chat_id, self.per_chat), (None, self.overall)):
            recent = [t for t in self._sent.get(key, []) if clock - t < 1.0]
            if len(recent) >= limit:
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
            self._sent[key] = recent
        for key in (chat_id, None):
            self._sent[key].append(clock)


class Emulator:
    def __init__(
        self,
        token: str,
        *,
        bot_username: str = "RechargeDeskBot",
        bot_name: str = "Recharge Desk",
        spec: Spec | None = None,
        check_responses: bool = True,
        flood_limits: FloodLimits | None = None,
    ) -> None:
        self.token = token
        self.spec = spec or load_spec()
        self.check_responses = check_responses
        self.flood_limits = flood_limits
        self.bot_user: Json = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.users: dict[int, Json] = {}
        self.chats: dict[int, ChatState] = {}
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.calls: list[tuple[str, Json]] = []
        self.events: list[Event] = []
        self._event_seq = itertools.count(1)
        self._change: asyncio.Future[None] | None = None
        self._updates: list[Json] = []
        self._polls_released = False
        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(10_001)
        self._callback_ids = itertools.count(1)
        self._callback_queries: dict[str, tuple[float, bool]] = {}
        self._inline_ids = itertools.count(1)
        self._inline_queries: dict[str, InlineQueryState] = {}
        self._handlers: dict[str, Handler] = {}
        for attribute in dir(self):
            func = getattr(self, attribute)
            name = getattr(func, "__api_name__", None)
            if name is not None:
                self._handlers[name.lower()] = func

    # ----------------------------------------------------------------- HTTP
    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._http_call)
        from bot.sandbox.control import add_control_routes

        add_control_routes(app, self)
        return app

    async def _http_call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        name = request.match_info["method"]
        try:
            raw = await _request_params(request)
            result = await self.call(name, raw)
        except ApiError as exc:
            return web.json_response(exc.payload(), status=exc.code)
        return web.json_response({"ok": True, "result": result})

    async def call(self, name: str, raw: Json) -> Any:
        """Check a call against the spec, run it, check what it returns."""
        method = self.spec.method(name)
        params = self.spec.coerce_call(method, raw)
        handler = self._handlers.get(method.name.lower())
        if handler is None:
            raise ApiError(501, f"Not Implemented: the emulator does not implement {method.name}")
        self.calls.append((method.name, params))
        result = await handler(params)
        self._check_result(method, result)
        return result

    def _check_result(self, method: MethodSpec, result: Any) -> None:
        if not self.check_responses:
            return
        problems = self.spec.result_problems(method, result)
        if problems:
            raise ApiError(
                500,
                f"Internal Server Error: invalid {method.name} result: {problems[:3]}",
            )

    # ---------------------------------------------------------- people's side
    def add_user(
        self,
        first_name: str = "Test",
        *,
        user_id: int | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        last_name: str | None = None,
    ) -> Json:
        user: Json = {
            "id": user_id or next(self._user_ids),
            "is_bot": False,
            "first_name": first_name,
        }
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user["id"]] = user
        chat = {"id": user["id"], "type": "private", "first_name": first_name}
        if username:
            chat["username"] = username
        self.chats.setdefault(user["id"], ChatState(chat))
        return user

    def add_group(self, title: str, *, chat_id: int, forum: bool = False) -> Json:
        chat: Json = {"id": chat_id, "type": "supergroup", "title": title}
        if forum:
            chat["is_forum"] = True
        self.chats[chat_id] = ChatState(chat)
        return chat

    def user_blocks_bot(self, user_id: int, blocked: bool = True) -> None:
        self.chats[user_id].bot_blocked = blocked

    def send_text(
        self, user_id: int, text: str, *, chat_id: int | None = None, **extra: Any
    ) -> Json:
        """The user sends ``text`` (commands and links are marked up as a client would)."""
        fields: Json = {"text": text}
        entities = detect_entities(text)
        if entities:
            fields["entities"] = entities
        return self.send_message(user_id, chat_id=chat_id, **fields, **extra)

    def send_message(self, user_id: int, *, chat_id: int | None = None, **fields: Any) -> Json:
        """The user sends any message (photo, sticker, caption, forward...) given as fields."""
        state = self.chats[chat_id if chat_id is not None else user_id]
        message: Json = {
            "message_id": next(state.message_ids),
            "from": self.users[user_id],
            "chat": state.chat,
            "date": int(time.time()),
            **fields,
        }
        state.messages[message["message_id"]] = message
        self.push_update({"message": message})
        return message

    def press(self, user_id: int, message: Json, data: str) -> str:
        """The user taps the inline button carrying ``data`` under ``message``."""
        current = self.chats[message["chat"]["id"]].messages.get(message["message_id"])
        keyboard = (current or {}).get("reply_markup", {}).get("inline_keyboard", [])
        if not any(button.get("callback_data") == data for row in keyboard for button in row):
            raise LookupError(f"no button with callback data {data!r} under that message")
        return self.send_callback(user_id, current or message, data)

    def send_callback(self, user_id: int, message: Json, data: str) -> str:
        """A callback query with any data: what a modified client or a stale button sends."""
        query_id = str(next(self._callback_ids))
        self._callback_queries[query_id] = (time.monotonic(), False)
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.users[user_id],
                    "message": message,
                    "chat_instance": str(message["chat"]["id"]),
                    "data": data,
                }
            }
        )
        return query_id

    def push_update(self, body: Json) -> Json:
        update = {"update_id": next(self._update_ids), **body}
        self._updates.append(update)
        self._notify()
        return update

    def replay_update(self, update: Json) -> None:
        """Deliver an update again, with its original id (what a webhook retry does)."""
        self._updates.append(update)
        self._notify()

    def release_long_polls(self) -> None:
        """Answer waiting and future getUpdates at once, so a stopping bot need not wait."""
        self._polls_released = True
        self._notify()

    # --------------------------------------------------------------- observing
    def messages(self, chat_id: int) -> list[Json]:
        """The chat as a person sees it now: every message, edits applied, deletions gone."""
        return list(self.chats[chat_id].messages.values())

    def bot_messages(self, chat_id: int) -> list[Json]:
        return [m for m in self.messages(chat_id) if m["from"]["id"] == self.bot_user["id"]]

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0, *, what: str = "condition"
    ) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every change); return its value."""
        value = await self._until(predicate, timeout)
        if not value:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        return value

    async def _until(self, predicate: Callable[[], Any], timeout: float) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (value := predicate()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return value
            if self._change is None:
                self._change = loop.create_future()
            # shield: one waiter timing out must not cancel the future the others wait on
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._change), remaining)
        return value

    def events_after(
        self, seq: int, kinds: set[str] | None = None, chat_id: int | None = None
    ) -> list[Event]:
        # sequence numbers are consecutive from 1, so the list index of seq+1 is seq
        return [
            e
            for e in self.events[max(seq, 0) :]
            if (kinds is None or e.kind in kinds) and (chat_id is None or e.chat_id == chat_id)
        ]

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    def _record(self, kind: str, chat_id: int | None, payload: Json) -> None:
        self.events.append(Event(next(self._event_seq), kind, chat_id, payload))
        self._notify()

    def _notify(self) -> None:
        change, self._change = self._change, None
        if change is not None and not change.done():
            change.set_result(None)

    # ------------------------------------------------------------ shared checks
    def _chat(self, chat_id: Any) -> ChatState:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            found = [s for s in self.chats.values() if s.chat.get("username") == chat_id[1:]]
            if found:
                return found[0]
        state = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if state is None:
            raise bad_request("chat not found")
        return state

    def _writable_chat(self, chat_id: Any) -> ChatState:
        state = self._chat(chat_id)
        if state.bot_blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self.flood_limits is not None:
            self.flood_limits.check(state.chat["id"])
        return state

    def _message(self, state: ChatState, message_id: int, action: str) -> Json:
        message = state.messages.get(message_id)
        if message is None:
            raise bad_request(f"message to {action} not found")
        return message

    def _formatted(self, params: Json, key: str, limit: int, *, required: bool) -> Json:
        """Text (or caption) and entities after parsing, or Telegram's refusal."""
        source = params.get(key)
        if source is None or source == "":
            if required:
                raise bad_request(f"{'message text' if key == 'text' else key} is empty")
            return {}
        text, entities = source, params.get("entities") or params.get("caption_entities") or []
        mode = (params.get("parse_mode") or "").lower()
        if mode == "html":
            try:
                text, entities = parse_html(source)
            except EntityParseError as exc:
                raise bad_request(str(exc)) from None
        elif mode:
            raise bad_request(f"unsupported parse_mode {params['parse_mode']!r} in the emulator")
        if not text.strip():
            raise bad_request(f"{'message text' if key == 'text' else key} is empty")
        if utf16_len(text) > limit:
            raise bad_request(
                "message is too long" if key == "text" else "message caption is too long"
            )
        result: Json = {key: text}
        if entities:
            result["caption_entities" if key == "caption" else "entities"] = entities
        return result

    def _markup(self, params: Json) -> Json:
        markup = params.get("reply_markup")
        if not markup:
            return {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                    raise bad_request("BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise bad_request("text buttons are unallowed in the inline keyboard")
        return {"reply_markup": markup} if "inline_keyboard" in markup else {}

    def _bot_message(self, state: ChatState, fields: Json, params: Json) -> Json:
        message: Json = {
            "message_id": next(state.message_ids),
            "from": self.bot_user,
            "chat": state.chat,
            "date": int(time.time()),
            **fields,
        }
        if "message_thread_id" in params:
            message["message_thread_id"] = params["message_thread_id"]
        state.messages[message["message_id"]] = message
        self._record("message", state.chat["id"], message)
        return message

    # ------------------------------------------------------------- the methods
    @api("getMe")
    async def get_me(self, params: Json) -> Json:
        return self.bot_user

    @api("logOut")
    async def log_out(self, params: Json) -> bool:
        return True

    @api("close")
    async def close(self, params: Json) -> bool:
        return True

    @api("deleteWebhook")
    async def delete_webhook(self, params: Json) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    @api("getWebhookInfo")
    async def get_webhook_info(self, params: Json) -> Json:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @api("getUpdates")
    async def get_updates(self, params: Json) -> list[Json]:
        offset = params.get("offset")
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = min(max(params.get("limit", 100), 1), 100)
        timeout = min(max(params.get("timeout", 0), 0), MAX_POLL_TIMEOUT)
        allowed = params.get("allowed_updates") or None
        if not self._updates and timeout:
            await self._until(lambda: self._updates or self._polls_released, timeout)
        batch = [u for u in self._updates if allowed is None or any(k in u for k in allowed)]
        return batch[:limit]

    @api("setMyCommands")
    async def set_my_commands(self, params: Json) -> bool:
        commands = params["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            name, description = command["command"], command["description"]
            if not (1 <= len(name) <= 32 and name.islower() and name.replace("_", "").isalnum()):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (
            json.dumps(params.get("scope", {"type": "default"}), sort_keys=True),
            params.get("language_code", ""),
        )
        self.commands[key] = commands
        self._record("commands", None, {"language_code": key[1], "commands": commands})
        return True

    @api("getMyCommands")
    async def get_my_commands(self, params: Json) -> list[Json]:
        key = (
            json.dumps(params.get("scope", {"type": "default"}), sort_keys=True),
            params.get("language_code", ""),
        )
        return self.commands.get(key, [])

    @api("deleteMyCommands")
    async def delete_my_commands(self, params: Json) -> bool:
        key = (
            json.dumps(params.get("scope", {"type": "default"}), sort_keys=True),
            params.get("language_code", ""),
        )
        self.commands.pop(key, None)
        return True

    @api("sendChatAction")
    async def send_chat_action(self, params: Json) -> bool:
        self._writable_chat(params["chat_id"])
        return True

    @api("sendMessage")
    async def send_message_method(self, params: Json) -> Json:
        state = self._writable_chat(params["chat_id"])
        fields = self._formatted(params, "text", MESSAGE_LIMIT, required=True)
        return self._bot_message(state, {**fields, **self._markup(params)}, params)

    @api("editMessageText")
    async def edit_message_text(self, params: Json) -> Json:
        state = self._chat(params.get("chat_id"))
        message = self._message(state, params.get("message_id", 0), "edit")
        fields = self._formatted(params, "text", MESSAGE_LIMIT, required=True)
        return self._edit(state, message, {**fields, **self._markup(params)}, keep=())

    @api("editMessageReplyMarkup")
    async def edit_message_reply_markup(self, params: Json) -> Json:
        state = self._chat(params.get("chat_id"))
        message = self._message(state, params.get("message_id", 0), "edit")
        return self._edit(
            state,
            message,
            self._markup(params),
            keep=("text", "entities", "caption", "caption_entities"),
        )

    def _edit(self, state: ChatState, message: Json, fields: Json, keep: tuple[str, ...]) -> Json:
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        kept = {k: message[k] for k in keep if k in message}
        base = {
            k: v
            for k, v in message.items()
            if k not in {"text", "entities", "reply_markup", "edit_date"}
        }
        edited = {**base, **kept, **fields}
        if all(
            edited.get(k) == message.get(k) for k in ("text", "entities", "caption", "reply_markup")
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        edited["edit_date"] = int(time.time())
        state.messages[message["message_id"]] = edited
        self._record("edit", state.chat["id"], edited)
        return edited

    @api("deleteMessage")
    async def delete_message(self, params: Json) -> bool:
        state = self._chat(params["chat_id"])
        message = self._message(state, params["message_id"], "delete")
        del state.messages[message["message_id"]]
        self._record("delete", state.chat["id"], {"message_id": message["message_id"]})
        return True

    @api("answerCallbackQuery")
    async def answer_callback_query(self, params: Json) -> bool:
        query_id = params["callback_query_id"]
        asked = self._callback_queries.get(query_id)
        if asked is None or asked[1] or time.monotonic() - asked[0] > CALLBACK_QUERY_TTL:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(params.get("text", "")) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = (asked[0], True)
        self._record("callback_answer", None, {"callback_query_id": query_id, **params})
        return True

    def callback_answer(self, query_id: str) -> Json | None:
        for event in reversed(self.events):
            if event.kind == "callback_answer" and event.payload["callback_query_id"] == query_id:
                return event.payload
        return None

    # ------------------------------------------------- inline mode (added with the FAQ feature)
    def send_inline_query(self, user_id: int, query: str, *, chat_type: str = "sender") -> str:
        """The user types ``@bot query`` in a chat of ``chat_type``; returns the query id."""
        query_id = str(next(self._inline_ids))
        self._inline_queries[query_id] = InlineQueryState(user_id, query, time.monotonic())
        self.push_update(
            {
                "inline_query": {
                    "id": query_id,
                    "from": self.users[user_id],
                    "query": query,
                    "offset": "",
                    "chat_type": chat_type,
                }
            }
        )
        return query_id

    def inline_answer(self, query_id: str) -> Json | None:
        """What the bot answered to an inline query (None until it answered)."""
        state = self._inline_queries.get(query_id)
        return state.answer if state else None

    def choose_inline_result(
        self, user_id: int, query_id: str, result_id: str, *, chat_id: int | None = None
    ) -> Json:
        """The user taps a result: their client posts its message in the chat, "via" the bot.

        Telegram delivers such a message to the bot as well (even in privacy mode), so it is
        pushed as an update like any message the user sends.
        """
        state = self._inline_queries.get(query_id)
        if state is None or state.answer is None or state.user_id != user_id:
            raise LookupError(f"inline query {query_id!r} of user {user_id} has no answer")
        result = next((r for r in state.answer["results"] if r["id"] == result_id), None)
        if result is None:
            raise LookupError(f"no result {result_id!r} in the answer to {query_id!r}")
        chat = self.chats[chat_id if chat_id is not None else user_id]
        message: Json = {
            "message_id": next(chat.message_ids),
            "from": self.users[user_id],
            "chat": chat.chat,
            "date": int(time.time()),
            "via_bot": self.bot_user,
            **result["_message"],
        }
        chat.messages[message["message_id"]] = message
        self.push_update({"message": message})
        return message

    @api("answerInlineQuery")
    async def answer_inline_query(self, params: Json) -> bool:
        state = self._inline_queries.get(params["inline_query_id"])
        if (
            state is None
            or state.answer is not None
            or time.monotonic() - state.asked_at > INLINE_QUERY_TTL
        ):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        results = params["results"]
        if len(results) > INLINE_RESULTS_LIMIT:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        stored = []
        for result in results:
            result_id = result["id"]
            if not 1 <= len(result_id.encode()) <= 64:
                raise bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            if result.get("type") != "article":
                raise ApiError(
                    501, f"Not Implemented: inline results of type {result.get('type')!r}"
                )
            if not result["title"].strip():
                raise bad_request("RESULT_TITLE_EMPTY")
            content = result["input_message_content"]
            if "message_text" not in content:
                raise ApiError(501, "Not Implemented: inline results other than text")
            message = self._formatted(
                {
                    "text": content["message_text"],
                    "parse_mode": content.get("parse_mode"),
                    "entities": content.get("entities"),
                },
                "text",
                MESSAGE_LIMIT,
                required=True,
            )
            stored.append({**result, "_message": {**message, **self._markup(result)}})
        button = params.get("button")
        if (
            button is not None
            and "web_app" not in button
            and not _START_PARAMETER.match(button.get("start_parameter", ""))
        ):
            raise bad_request("START_PARAM_INVALID")
        state.answer = {**params, "results": stored}
        self._record("inline_answer", None, {"inline_query_id": params["inline_query_id"]})
        return True


async def _request_params(request: web.Request) -> Json:
    """Parameters from the query string and a JSON, form or multipart body, as Telegram accepts."""
    params: Json = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        params.update(body)
    elif request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            params[part.name] = await part.read() if part.filename else await part.text()
    else:
        params.update(await request.post())
    return params


def main() -> None:
    """Serve the emulator alone: ``python -m bot.sandbox.emulator --port 8081 --token T``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bot.sandbox.emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", required=True)
    parser.add_argument("--no-check", action="store_true", help="skip checking results")
    args = parser.parse_args()
    emulator = Emulator(args.token, check_responses=not args.no_check)
    web.run_app(emulator.web_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
