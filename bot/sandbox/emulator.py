"""A Bot API server for tests and the local sandbox: the real bot talks HTTP to this.

``/bot<token>/<method>`` behaves like Telegram for every method the bot uses: requests are
checked against the Bot API specification (:mod:`bot.sandbox.spec`), HTML is parsed as Telegram
parses it, production limits are enforced, and errors come back in Telegram's JSON format with its
status codes. Methods in the specification that the emulator does not implement answer 501, so a
new call in the bot shows up as a failing test instead of a silent fake.

The other side, the people, is driven through :class:`Emulator` methods (``send_text``, ``pay``,
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
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from aiohttp import BodyPartReader, ClientError, ClientSession, web

from bot.sandbox.formatting import EntityParseError, detect_entities, parse_html, utf16_len
from bot.sandbox.spec import ApiError, MethodSpec, Spec, bad_request, load_spec

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200
CALLBACK_QUERY_TTL = 15 * 60
MAX_POLL_TIMEOUT = 50
INLINE_QUERY_TTL = 10  # seconds Telegram waits for answerInlineQuery
INLINE_RESULTS_LIMIT = 50
_START_PARAMETER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
WEBHOOK_RETRY_SECONDS = 0.5
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Telegram Payments: the bot must answer a pre-checkout query within 10 s; a Stars invoice costs
# 1..10000 Stars (the XTR bounds of Telegram's currencies.json); payloads are 1-128 bytes.
PRE_CHECKOUT_TIMEOUT = 10.0
STARS_CURRENCY = "XTR"
STARS_INVOICE_MAX = 10_000
INVOICE_TITLE_LIMIT = 32
INVOICE_DESCRIPTION_LIMIT = 255
INVOICE_PAYLOAD_LIMIT = 128
# Forum topics: names of 1-128 characters, in one of the six colors Telegram offers.
TOPIC_NAME_LIMIT = 128
TOPIC_ICON_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
# What a copy carries over from its source; a message with none of these cannot be copied.
COPIED_FIELDS = (
    "text",
    "entities",
    "link_preview_options",
    "animation",
    "audio",
    "document",
    "photo",
    "sticker",
    "video",
    "video_note",
    "voice",
    "caption",
    "caption_entities",
    "show_caption_above_media",
    "has_media_spoiler",
    "contact",
    "dice",
    "location",
    "venue",
    "poll",
)
CAPTIONED_MEDIA = ("animation", "audio", "document", "photo", "video", "voice")
# The sender of messages an anonymous group admin posts "as the group".
GROUP_ANONYMOUS_BOT_ID = 1087968824
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)

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
    kind: str  # message | edit | delete | callback_answer | commands | incoming | ...
    chat_id: int | None
    payload: Json


@dataclass
class ChatState:
    chat: Json
    messages: dict[int, Json] = field(default_factory=dict)
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    bot_blocked: bool = False


@dataclass
class ForumTopicState:
    """A topic of a forum supergroup; its id is the id of the service message that opened it."""

    thread_id: int
    name: str
    icon_color: int
    closed: bool = False
    deleted: bool = False


@dataclass
class InlineQueryState:
    """An inline query a person typed, and the bot's answer once it came."""

    user_id: int
    query: str
    asked_at: float
    answer: Json | None = None


@dataclass
class InvoiceRecord:
    """What the emulator remembers of an invoice it sent: what the payer will be charged."""

    chat_id: int
    message_id: int
    title: str
    payload: str
    currency: str
    total_amount: int
    paid_charge_id: str | None = None


@dataclass
class PreCheckout:
    """A pre-checkout query sent to the bot and, once it has answered, its answer."""

    query: Json
    asked_at: float
    answer: Json | None = None
    answered_at: float | None = None  # time.monotonic(), like asked_at
    expired: bool = False


@dataclass
class StarPayment:
    """A completed Stars payment: what ``refundStarPayment`` and ``getStarTransactions`` see."""

    user_id: int
    chat_id: int
    successful_payment: Json
    update: Json
    paid_at: float  # unix time; precise enough to order a refund after its payment
    refunded_at: float | None = None

    @property
    def charge_id(self) -> str:
        return str(self.successful_payment["telegram_payment_charge_id"])


@dataclass(frozen=True)
class CheckoutAnswer:
    """How the bot answered a pre-checkout query: ok, refused with a message, or not in time."""

    query_id: str
    ok: bool | None  # None: no answer within the timeout
    error_message: str | None = None


@dataclass(frozen=True)
class PaymentResult:
    """What happened when a person paid an invoice.

    ``outcome`` is ``paid`` (the successful_payment message was delivered), ``declined`` (the bot
    refused the pre-checkout query with ``error_message``), ``timeout`` (the bot did not answer
    within 10 s, so Telegram cancelled the payment) or ``failed`` (the bot said yes but the
    payment itself failed, so no successful_payment message came).
    """

    outcome: str
    pre_checkout_query_id: str
    error_message: str | None = None
    payment: StarPayment | None = None

    def as_json(self) -> Json:
        return {
            "outcome": self.outcome,
            "pre_checkout_query_id": self.pre_checkout_query_id,
            "error_message": self.error_message,
            "telegram_payment_charge_id": self.payment.charge_id if self.payment else None,
            "message": self.payment.update["message"] if self.payment else None,
        }


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
        self.webhook: Json | None = None
        self.webhook_error: tuple[int, str] | None = None
        self._webhook_delivery: asyncio.Task[None] | None = None
        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(10_001)
        self._callback_ids = itertools.count(1)
        self._callback_queries: dict[str, tuple[float, bool]] = {}
        # Telegram Payments: see the "Telegram Payments (Stars)" section.
        self.pre_checkout_timeout = PRE_CHECKOUT_TIMEOUT
        self.invoices: dict[tuple[int, int], InvoiceRecord] = {}
        self.star_payments: dict[str, StarPayment] = {}
        self._pre_checkouts: dict[str, PreCheckout] = {}
        self._pre_checkout_ids = itertools.count(1)
        self._inline_ids = itertools.count(1)
        self._inline_queries: dict[str, InlineQueryState] = {}
        # Forums, chat members, files: see the "Forum topics, copies, pins, members" section.
        self.topics: dict[int, dict[int, ForumTopicState]] = {}
        self.members: dict[int, dict[int, Json]] = {}
        self.pins: dict[int, list[int]] = {}
        self._file_ids = itertools.count(1)
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
        app.on_cleanup.append(self._stop_webhook_delivery)
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
        if "parse_mode" in raw and "parse_mode" not in method.fields:
            # python-telegram-bot sends its default parse_mode with every method that sends a
            # message (sendInvoice too); Telegram ignores a parameter the method does not take.
            raw = {key: value for key, value in raw.items() if key != "parse_mode"}
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
        message = self._incoming(user_id, chat_id, fields)
        self.push_update({"message": message})
        return message

    def _incoming(self, user_id: int, chat_id: int | None, fields: Json) -> Json:
        """A person's message, in the chat and the event log (``incoming``), not yet delivered."""
        state = self.chats[chat_id if chat_id is not None else user_id]
        message: Json = {
            "message_id": next(state.message_ids),
            "from": self.users[user_id],
            "chat": state.chat,
            "date": int(time.time()),
            **fields,
        }
        state.messages[message["message_id"]] = message
        self._record("incoming", state.chat["id"], message)
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

    def _markup(self, params: Json, *, invoice: bool = False) -> Json:
        markup = params.get("reply_markup")
        if not markup:
            return {}
        for row_index, row in enumerate(markup.get("inline_keyboard", [])):
            for index, button in enumerate(row):
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                    raise bad_request("BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                # A Pay button exists only in invoices, and only as the very first button.
                if button.get("pay") and not (invoice and row_index == 0 and index == 0):
                    raise bad_request("BUTTON_TYPE_INVALID")
        return {"reply_markup": markup} if "inline_keyboard" in markup else {}

    def _bot_message(self, state: ChatState, fields: Json, params: Json) -> Json:
        placement = self._placement(state, params)
        message: Json = {
            "message_id": next(state.message_ids),
            "from": self.bot_user,
            "chat": state.chat,
            "date": int(time.time()),
            **fields,
            **placement,
        }
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

    # ============================================================== webhook delivery
    # Telegram requires HTTPS on ports 443, 80, 88 or 8443; the emulator also delivers to plain
    # HTTP on any port, because the bot under test listens on loopback.

    @api("setWebhook")
    async def set_webhook(self, params: Json) -> bool:
        url = params["url"]
        if not url:
            return await self.delete_webhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: an HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not WEBHOOK_SECRET.match(secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {"url": url, "secret_token": secret}
        if self._webhook_delivery is None or self._webhook_delivery.done():
            self._webhook_delivery = asyncio.create_task(self._deliver_to_webhook())
        return True

    @api("deleteWebhook")
    async def delete_webhook(self, params: Json) -> bool:
        self.webhook = None
        self._notify()
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    @api("getWebhookInfo")
    async def get_webhook_info(self, params: Json) -> Json:
        info: Json = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_error:
            info["last_error_date"], info["last_error_message"] = self.webhook_error
        return info

    async def _deliver_to_webhook(self) -> None:
        """POST pending updates to the webhook in order, each until it is accepted (200)."""
        async with ClientSession() as session:
            while self.webhook is not None:
                await self._until(lambda: self._updates or self.webhook is None, 3600)
                if self.webhook is None or not self._updates:
                    continue
                update, hook = self._updates[0], self.webhook
                headers = (
                    {"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]}
                    if hook["secret_token"]
                    else {}
                )
                try:
                    async with session.post(hook["url"], json=update, headers=headers) as response:
                        accepted = response.status == 200
                        problem = f"Wrong response from the webhook: {response.status}"
                except (ClientError, OSError) as exc:
                    accepted, problem = False, f"Connection failed: {exc}"
                if accepted:
                    self._updates.remove(update)
                else:
                    self.webhook_error = (int(time.time()), problem)
                    await asyncio.sleep(WEBHOOK_RETRY_SECONDS)

    async def _stop_webhook_delivery(self, app: web.Application) -> None:
        if self._webhook_delivery is not None:
            self._webhook_delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_delivery

    @api("getUpdates")
    async def get_updates(self, params: Json) -> list[Json]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
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
        return self._edit(
            state,
            message,
            {**fields, **self._markup(params)},
            replaced=("text", "entities", "reply_markup"),
        )

    @api("editMessageReplyMarkup")
    async def edit_message_reply_markup(self, params: Json) -> Json:
        state = self._chat(params.get("chat_id"))
        message = self._message(state, params.get("message_id", 0), "edit")
        return self._edit(state, message, self._markup(params), replaced=("reply_markup",))

    def _edit(
        self, state: ChatState, message: Json, fields: Json, replaced: tuple[str, ...]
    ) -> Json:
        """Replace the ``replaced`` parts of a bot message with ``fields`` (absent: removed)."""
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        edited = {k: v for k, v in message.items() if k not in {*replaced, "edit_date"}}
        edited.update(fields)
        if all(edited.get(k) == message.get(k) for k in replaced):
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
        self._check_delete_rights(state, message)
        del state.messages[message["message_id"]]
        self._record("delete", state.chat["id"], {"message_id": message["message_id"]})
        return True

    @api("answerCallbackQuery")
    async def answer_callback_query(self, params: Json) -> bool:
        query_id = params["callback_query_id"]
        asked = self._callback_queries.get(query_id)
        if asked is None or asked[1] or time.monotonic() - asked[0] > CALLBACK_QUERY_TTL:
            raise bad_request(QUERY_TOO_OLD)  # late, twice, or unknown
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
        return self.send_message(
            user_id, chat_id=chat_id, via_bot=self.bot_user, **result["_message"]
        )

    @api("answerInlineQuery")
    async def answer_inline_query(self, params: Json) -> bool:
        state = self._inline_queries.get(params["inline_query_id"])
        if (
            state is None
            or state.answer is not None
            or time.monotonic() - state.asked_at > INLINE_QUERY_TTL
        ):
            raise bad_request(QUERY_TOO_OLD)  # late, twice, or unknown
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

    # ======================================================= Telegram Payments (Stars)
    # Digital goods are sold in Telegram Stars only: currency XTR, no provider token, exactly one
    # price, no tips. Error descriptions in capitals are Telegram's own codes; the others are
    # TDLib's wording or, where Telegram's is not public, a plain statement of the documented rule.

    @api("sendInvoice")
    async def send_invoice(self, params: Json) -> Json:
        state = self._writable_chat(params["chat_id"])
        currency = params["currency"]
        if currency != STARS_CURRENCY:
            raise ApiError(
                501,
                "Not Implemented: the emulator takes Telegram Stars (XTR) invoices only; "
                "digital goods must be sold in Stars",
            )
        if params.get("provider_token"):
            raise bad_request("PAYMENT_PROVIDER_INVALID")
        title, description = params["title"], params["description"]
        if not 1 <= len(title) <= INVOICE_TITLE_LIMIT:
            raise bad_request(f"invoice title must be 1-{INVOICE_TITLE_LIMIT} characters")
        if not 1 <= len(description) <= INVOICE_DESCRIPTION_LIMIT:
            raise bad_request(
                f"invoice description must be 1-{INVOICE_DESCRIPTION_LIMIT} characters"
            )
        if not 1 <= len(params["payload"].encode()) <= INVOICE_PAYLOAD_LIMIT:
            raise bad_request("INVOICE_PAYLOAD_INVALID")
        prices = params["prices"]
        if len(prices) != 1 or params.get("max_tip_amount") or params.get("suggested_tip_amounts"):
            raise bad_request("STARS_INVOICE_INVALID")
        total = prices[0]["amount"]
        if total <= 0:
            raise bad_request("Total price must be positive")
        if total > STARS_INVOICE_MAX:
            raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
        markup = self._markup(params, invoice=True)
        keyboard = markup.get("reply_markup", {}).get("inline_keyboard", [])
        if keyboard and not (keyboard[0] and keyboard[0][0].get("pay")):
            raise bad_request("REPLY_MARKUP_BUY_EMPTY")
        invoice = {
            "title": title,
            "description": description,
            "start_parameter": params.get("start_parameter", ""),
            "currency": currency,
            "total_amount": total,
        }
        message = self._bot_message(state, {"invoice": invoice, **markup}, params)
        self.invoices[(state.chat["id"], message["message_id"])] = InvoiceRecord(
            state.chat["id"], message["message_id"], title, params["payload"], currency, total
        )
        return message

    @api("answerPreCheckoutQuery")
    async def answer_pre_checkout_query(self, params: Json) -> bool:
        record = self._pre_checkouts.get(params["pre_checkout_query_id"])
        if (
            record is None
            or record.answer is not None
            or record.expired
            or time.monotonic() - record.asked_at > self.pre_checkout_timeout
        ):
            raise bad_request(QUERY_TOO_OLD)  # late, twice, or unknown
        if not params["ok"] and not params.get("error_message"):
            raise bad_request("parameter 'error_message' is required")
        record.answer = {"ok": params["ok"], "error_message": params.get("error_message")}
        record.answered_at = time.monotonic()
        self._record(
            "pre_checkout_answer",
            record.query["from"]["id"],
            {"pre_checkout_query_id": record.query["id"], **record.answer},
        )
        return True

    @api("refundStarPayment")
    async def refund_star_payment(self, params: Json) -> bool:
        payment = self.star_payments.get(params["telegram_payment_charge_id"])
        if payment is None or payment.user_id != params["user_id"]:
            raise bad_request("CHARGE_NOT_FOUND")
        if payment.refunded_at is not None:
            raise bad_request("CHARGE_ALREADY_REFUNDED")
        payment.refunded_at = time.time()
        paid = payment.successful_payment
        refunded = {
            key: paid[key]
            for key in (
                "currency",
                "total_amount",
                "invoice_payload",
                "telegram_payment_charge_id",
                "provider_payment_charge_id",
            )
        }
        self.send_message(payment.user_id, chat_id=payment.chat_id, refunded_payment=refunded)
        return True

    @api("getStarTransactions")
    async def get_star_transactions(self, params: Json) -> Json:
        # Telegram clamps both to their ranges rather than refusing them.
        offset = max(params.get("offset", 0), 0)
        limit = min(max(params.get("limit", 100), 1), 100)
        transactions: list[tuple[float, Json]] = []
        for payment in self.star_payments.values():
            paid = payment.successful_payment
            partner = {
                "type": "user",
                "transaction_type": "invoice_payment",
                "user": self.users[payment.user_id],
                "invoice_payload": paid["invoice_payload"],
            }
            base = {"id": payment.charge_id, "amount": paid["total_amount"]}
            when = payment.paid_at
            transactions.append((when, {**base, "date": int(when), "source": partner}))
            if payment.refunded_at is not None:
                when = payment.refunded_at
                transactions.append((when, {**base, "date": int(when), "receiver": partner}))
        transactions.sort(key=lambda item: item[0], reverse=True)  # newest first, as Telegram
        return {"transactions": [t for _, t in transactions[offset : offset + limit]]}

    def pre_checkout_records(self) -> list[PreCheckout]:
        """Every pre-checkout query asked so far, with when (and how) the bot answered."""
        return list(self._pre_checkouts.values())

    # ------------------------------------------------ payments, the people's side
    def invoice_for(self, message: Json) -> InvoiceRecord:
        record = self.invoices.get((message["chat"]["id"], message["message_id"]))
        if record is None:
            raise LookupError("that message is not an invoice the bot sent")
        return record

    async def pre_checkout(
        self,
        user_id: int,
        invoice_message: Json,
        *,
        total_amount: int | None = None,
        currency: str | None = None,
        invoice_payload: str | None = None,
    ) -> CheckoutAnswer:
        """The user confirms the payment form: the bot gets a pre_checkout_query; its answer.

        The amount, currency and payload come from the invoice; pass any of them to send a query
        that disagrees with it (a stale or forged checkout the bot must refuse).
        """
        invoice = self.invoice_for(invoice_message)
        query: Json = {
            "id": str(next(self._pre_checkout_ids)),
            "from": self.users[user_id],
            "currency": currency if currency is not None else invoice.currency,
            "total_amount": total_amount if total_amount is not None else invoice.total_amount,
            "invoice_payload": invoice_payload if invoice_payload is not None else invoice.payload,
        }
        record = PreCheckout(query, time.monotonic())
        self._pre_checkouts[query["id"]] = record
        self.push_update({"pre_checkout_query": query})
        await self._until(lambda: record.answer is not None, self.pre_checkout_timeout)
        if record.answer is None:
            record.expired = True
            return CheckoutAnswer(query["id"], None)
        return CheckoutAnswer(query["id"], record.answer["ok"], record.answer["error_message"])

    async def pay(
        self, user_id: int, invoice_message: Json, *, fail: bool = False
    ) -> PaymentResult:
        """The user pays the invoice: pre-checkout, then (if the bot agreed) the payment.

        ``fail`` makes the payment itself fail after the bot's yes, as a declined card or an
        interrupted Stars purchase would: no successful_payment message follows.
        """
        invoice = self.invoice_for(invoice_message)
        if invoice.paid_charge_id is not None:
            raise LookupError("that invoice is already paid")
        answer = await self.pre_checkout(user_id, invoice_message)
        if answer.ok is None:
            return PaymentResult("timeout", answer.query_id)
        if not answer.ok:
            return PaymentResult("declined", answer.query_id, answer.error_message)
        if fail:
            return PaymentResult("failed", answer.query_id)
        successful_payment = {
            "currency": invoice.currency,
            "total_amount": invoice.total_amount,
            "invoice_payload": invoice.payload,
            "telegram_payment_charge_id": f"stx{secrets.token_urlsafe(32)}",
            "provider_payment_charge_id": f"{user_id}_{secrets.token_hex(8)}",
        }
        message = self._incoming(
            user_id, invoice.chat_id, {"successful_payment": successful_payment}
        )
        update = self.push_update({"message": message})
        payment = StarPayment(user_id, invoice.chat_id, successful_payment, update, time.time())
        self.star_payments[payment.charge_id] = payment
        invoice.paid_charge_id = payment.charge_id
        return PaymentResult("paid", answer.query_id, payment=payment)

    def replay_successful_payment(self, charge_id: str, *, same_update_id: bool = False) -> Json:
        """Deliver a payment's successful_payment message again; return the update.

        By default the copy comes with a new update id, as a duplicate delivery after a restart
        would, so it gets past the bot's replayed-update filter and tests that crediting is keyed
        by ``telegram_payment_charge_id``. ``same_update_id`` resends the identical update.
        """
        payment = self.star_payments[charge_id]
        if same_update_id:
            self.replay_update(payment.update)
            return payment.update
        return self.push_update({"message": payment.update["message"]})

    # ============================================= Forum topics, copies, pins, members
    # What the support desk uses: topics in a forum supergroup, copies of messages, pins, chat
    # members and their rights, caption edits, media sent again by file_id. Error descriptions
    # in capitals are Telegram's codes; "message thread not found" is what the Bot API answers
    # for a topic that was deleted or never existed.

    def _placement(self, state: ChatState, params: Json) -> Json:
        """Where a new bot message goes: its topic, and the message it replies to."""
        placed: Json = {}
        thread = params.get("message_thread_id")
        if thread is not None:
            topic = self.topics.get(state.chat["id"], {}).get(thread)
            if topic is None or topic.deleted:
                raise bad_request("message thread not found")
            if topic.closed and not self._bot_may(state.chat["id"], "can_manage_topics"):
                raise bad_request("TOPIC_CLOSED")
            placed = {"message_thread_id": thread, "is_topic_message": True}
        reply = params.get("reply_parameters") or {}
        if reply:
            target_chat = reply.get("chat_id", state.chat["id"])
            target = self._chat(target_chat).messages.get(reply.get("message_id", 0))
            if target is not None:
                placed["reply_to_message"] = {
                    k: v for k, v in target.items() if k != "reply_to_message"
                }
            elif not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        return placed

    def _member_record(self, chat_id: int, user_id: int) -> Json:
        """Someone's status and rights in a group, as ``set_member`` stored them.

        A group nobody gave members to (``add_group``) is not modelled: the bot administers it
        with every right and every person is a member, as the simplest tests assume.
        """
        members = self.members.get(chat_id)
        if members is None:
            if user_id == self.bot_user["id"]:
                return {"status": "administrator", **dict.fromkeys(ADMIN_RIGHTS, True)}
            return {"status": "member"}
        return members.get(user_id, {"status": "left"})

    def _bot_member(self, chat_id: int) -> Json:
        return self._member_record(chat_id, self.bot_user["id"])

    def _bot_in_chat(self, state: ChatState) -> None:
        """Telegram answers a bot that left (or was removed from) a group with 403."""
        private = state.chat["type"] == "private"
        if not private and self._bot_member(state.chat["id"])["status"] in ("left", "kicked"):
            raise ApiError(403, f"Forbidden: bot is not a member of the {state.chat['type']} chat")

    def _bot_may(self, chat_id: int, right: str) -> bool:
        """Whether the bot has an administrator right in a chat (always, in private chats)."""
        state = self.chats.get(chat_id)
        if state is not None and state.chat["type"] == "private":
            return True
        member = self._bot_member(chat_id)
        return member["status"] == "creator" or (
            member["status"] == "administrator" and bool(member.get(right))
        )

    def _forum(self, chat_id: Any) -> ChatState:
        state = self._chat(chat_id)
        if not state.chat.get("is_forum"):
            raise bad_request("the chat is not a forum")
        return state

    def _topic(self, state: ChatState, thread_id: int) -> ForumTopicState:
        topic = self.topics.get(state.chat["id"], {}).get(thread_id)
        if topic is None:
            raise bad_request("TOPIC_ID_INVALID")
        if topic.deleted:
            raise bad_request("TOPIC_DELETED")
        return topic

    @api("createForumTopic")
    async def create_forum_topic(self, params: Json) -> Json:
        state = self._forum(params["chat_id"])
        if not self._bot_may(state.chat["id"], "can_manage_topics"):
            raise bad_request("not enough rights to create a topic")
        name = params["name"]
        if not 1 <= len(name) <= TOPIC_NAME_LIMIT:
            raise bad_request(f"topic name must be 1-{TOPIC_NAME_LIMIT} characters")
        color = params.get("icon_color", TOPIC_ICON_COLORS[0])
        if color not in TOPIC_ICON_COLORS:
            raise bad_request("TOPIC_COLOR_INVALID")
        thread_id = next(state.message_ids)
        topic = ForumTopicState(thread_id, name, color)
        self.topics.setdefault(state.chat["id"], {})[thread_id] = topic
        opening: Json = {
            "message_id": thread_id,
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "from": self.bot_user,
            "chat": state.chat,
            "date": int(time.time()),
            "forum_topic_created": {"name": name, "icon_color": color},
        }
        state.messages[thread_id] = opening
        self._record("message", state.chat["id"], opening)
        return {"message_thread_id": thread_id, "name": name, "icon_color": color}

    @api("editForumTopic")
    async def edit_forum_topic(self, params: Json) -> bool:
        state = self._forum(params["chat_id"])
        topic = self._topic(state, params["message_thread_id"])
        if not self._bot_may(state.chat["id"], "can_manage_topics"):
            raise bad_request("not enough rights to manage topics")
        name = params.get("name")
        if name is not None and not 1 <= len(name) <= TOPIC_NAME_LIMIT:
            raise bad_request(f"topic name must be 1-{TOPIC_NAME_LIMIT} characters")
        if name is None or name == topic.name:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.name = name
        self._bot_message(
            state, {"forum_topic_edited": {"name": name}}, {"message_thread_id": topic.thread_id}
        )
        return True

    async def _set_closed(self, params: Json, closed: bool) -> bool:
        state = self._forum(params["chat_id"])
        topic = self._topic(state, params["message_thread_id"])
        if not self._bot_may(state.chat["id"], "can_manage_topics"):
            raise bad_request("not enough rights to manage topics")
        if topic.closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        service = "forum_topic_closed" if closed else "forum_topic_reopened"
        self._bot_message(state, {service: {}}, {"message_thread_id": topic.thread_id})
        return True

    @api("closeForumTopic")
    async def close_forum_topic(self, params: Json) -> bool:
        return await self._set_closed(params, True)

    @api("reopenForumTopic")
    async def reopen_forum_topic(self, params: Json) -> bool:
        return await self._set_closed(params, False)

    @api("deleteForumTopic")
    async def delete_forum_topic(self, params: Json) -> bool:
        state = self._forum(params["chat_id"])
        self._topic(state, params["message_thread_id"])
        if not self._bot_may(state.chat["id"], "can_delete_messages"):
            raise bad_request("not enough rights to delete the topic")
        self.delete_topic(state.chat["id"], params["message_thread_id"])
        return True

    @api("copyMessage")
    async def copy_message(self, params: Json) -> Json:
        source_chat = self._chat(params["from_chat_id"])
        source = source_chat.messages.get(params["message_id"])
        if source is None:
            raise bad_request("message to copy not found")
        content = {key: source[key] for key in COPIED_FIELDS if key in source}
        if not content or source.get("invoice"):
            raise bad_request("message can't be copied")
        state = self._writable_chat(params["chat_id"])
        if "caption" in params and any(key in source for key in CAPTIONED_MEDIA):
            content = {k: v for k, v in content.items() if k not in {"caption", "caption_entities"}}
            content.update(self._formatted(params, "caption", CAPTION_LIMIT, required=False))
        message = self._bot_message(state, {**content, **self._markup(params)}, params)
        return {"message_id": message["message_id"]}

    @api("pinChatMessage")
    async def pin_chat_message(self, params: Json) -> bool:
        state = self._chat(params["chat_id"])
        message = self._message(state, params["message_id"], "pin")
        if not self._bot_may(state.chat["id"], "can_pin_messages"):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        pins = self.pins.setdefault(state.chat["id"], [])
        if message["message_id"] in pins:
            pins.remove(message["message_id"])
        pins.append(message["message_id"])
        pinned = {k: v for k, v in message.items() if k != "reply_to_message"}
        thread = (
            {"message_thread_id": message["message_thread_id"]}
            if message.get("is_topic_message")
            else {}
        )
        if not params.get("disable_notification") or state.chat["type"] != "private":
            self._bot_message(state, {"pinned_message": pinned}, thread)
        self._record("pin", state.chat["id"], {"message_id": message["message_id"]})
        return True

    @api("getChatMember")
    async def get_chat_member(self, params: Json) -> Json:
        state = self._chat(params["chat_id"])
        self._bot_in_chat(state)
        return self._chat_member(state, params["user_id"])

    @api("getChatAdministrators")
    async def get_chat_administrators(self, params: Json) -> list[Json]:
        state = self._chat(params["chat_id"])
        if state.chat["type"] == "private":
            raise bad_request("there are no administrators in the private chat")
        self._bot_in_chat(state)
        bots = params.get("return_bots", False)
        return [
            self._chat_member(state, user_id)
            for user_id, member in self.members.get(state.chat["id"], {}).items()
            if member["status"] in {"creator", "administrator"}
            and (bots or user_id != self.bot_user["id"])
        ]

    def _chat_member(self, state: ChatState, user_id: int) -> Json:
        user = self.bot_user if user_id == self.bot_user["id"] else self.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        if state.chat["type"] == "private":
            member = (
                {"status": "member"}
                if user_id in {state.chat["id"], self.bot_user["id"]}
                else {"status": "left"}
            )
        else:
            member = self._member_record(state.chat["id"], user_id)
        status = member["status"]
        found: Json = {"status": status, "user": user}
        if status == "creator":
            found["is_anonymous"] = bool(member.get("is_anonymous", False))
        elif status == "administrator":
            found.update(
                {"can_be_edited": False, "is_anonymous": bool(member.get("is_anonymous", False))}
            )
            found.update({right: bool(member.get(right, False)) for right in ADMIN_RIGHTS})
        elif status == "kicked":
            found["until_date"] = 0
        return found

    @api("editMessageCaption")
    async def edit_message_caption(self, params: Json) -> Json:
        state = self._chat(params.get("chat_id"))
        message = self._message(state, params.get("message_id", 0), "edit")
        if not any(key in message for key in CAPTIONED_MEDIA):
            raise bad_request("there is no caption in the message to edit")
        fields = self._formatted(params, "caption", CAPTION_LIMIT, required=False)
        return self._edit(
            state,
            message,
            {**fields, **self._markup(params)},
            replaced=("caption", "caption_entities", "reply_markup"),
        )

    async def _send_file(self, params: Json, kind: str) -> Json:
        state = self._writable_chat(params["chat_id"])
        media = self._file(kind, params[kind])
        fields: Json = {kind: media}
        if kind == "sticker":
            fields = {kind: {**media, **({"emoji": params["emoji"]} if "emoji" in params else {})}}
        else:
            fields.update(self._formatted(params, "caption", CAPTION_LIMIT, required=False))
        return self._bot_message(state, {**fields, **self._markup(params)}, params)

    def _file(self, kind: str, value: Any) -> Any:
        """The media a file_id stands for (any file the emulator has seen), or a new upload."""
        if isinstance(value, str):
            for event in reversed(self.events):
                found = event.payload.get(kind)
                ids = (
                    [size["file_id"] for size in found]
                    if isinstance(found, list)
                    else (
                        [found["file_id"]] if isinstance(found, dict) and "file_id" in found else []
                    )
                )
                if value in ids:
                    return found
            raise bad_request("wrong file identifier/HTTP URL specified")
        number = next(self._file_ids)
        base = {"file_id": f"upload-{kind}-{number}", "file_unique_id": f"u{number}"}
        if kind == "photo":
            return [{**base, "width": 1280, "height": 720, "file_size": len(value)}]
        if kind == "voice":
            return {**base, "duration": 1}
        if kind == "sticker":
            return {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        return {**base, "file_size": len(value)}

    @api("sendPhoto")
    async def send_photo(self, params: Json) -> Json:
        return await self._send_file(params, "photo")

    @api("sendDocument")
    async def send_document(self, params: Json) -> Json:
        return await self._send_file(params, "document")

    @api("sendVoice")
    async def send_voice(self, params: Json) -> Json:
        return await self._send_file(params, "voice")

    @api("sendSticker")
    async def send_sticker(self, params: Json) -> Json:
        return await self._send_file(params, "sticker")

    # ---------------------------------------------------- forums, the people's side
    def add_forum(self, title: str, *, chat_id: int) -> Json:
        """A forum supergroup where the bot is an admin allowed to manage topics and pins."""
        chat = self.add_group(title, chat_id=chat_id, forum=True)
        self.set_member(
            chat_id,
            self.bot_user["id"],
            "administrator",
            can_manage_topics=True,
            can_pin_messages=True,
            can_delete_messages=True,
        )
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str, **rights: bool) -> None:
        """Who is in a group, and with which administrator rights."""
        if status not in {"creator", "administrator", "member", "left", "kicked"}:
            raise ValueError(f"unsupported member status {status!r}")
        self.members.setdefault(chat_id, {})[user_id] = {"status": status, **rights}

    def send_in_topic(
        self,
        user_id: int,
        chat_id: int,
        thread_id: int,
        *,
        reply_to: Json | None = None,
        **fields: Any,
    ) -> Json:
        """A member writes in a topic (text given as ``text`` gets a client's entities)."""
        member = self.members.get(chat_id, {}).get(user_id, {"status": "left"})
        if member["status"] not in {"creator", "administrator", "member"}:
            raise PermissionError(f"user {user_id} is not a member of chat {chat_id}")
        state = self.chats[chat_id]
        topic = self._topic(state, thread_id)
        if topic.closed and not (member["status"] == "creator" or member.get("can_manage_topics")):
            raise PermissionError("TOPIC_CLOSED: only admins who manage topics can write there")
        if "text" in fields and "entities" not in fields:
            entities = detect_entities(fields["text"])
            if entities:
                fields["entities"] = entities
        answered = reply_to or state.messages[thread_id]
        placed = {
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "reply_to_message": {k: v for k, v in answered.items() if k != "reply_to_message"},
        }
        return self.send_message(user_id, chat_id=chat_id, **placed, **fields)

    def send_as_chat(self, chat_id: int, thread_id: int, text: str) -> Json:
        """An anonymous admin posts as the group itself (``from`` is Telegram's placeholder)."""
        anonymous_id = GROUP_ANONYMOUS_BOT_ID
        self.users.setdefault(
            anonymous_id,
            {
                "id": anonymous_id,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            },
        )
        fields: Json = {
            "text": text,
            "sender_chat": self.chats[chat_id].chat,
            "message_thread_id": thread_id,
            "is_topic_message": True,
        }
        entities = detect_entities(text)
        if entities:
            fields["entities"] = entities
        return self.send_message(anonymous_id, chat_id=chat_id, **fields)

    def edit_message(self, user_id: int, chat_id: int, message_id: int, **fields: Any) -> Json:
        """A person edits their message (``text`` or ``caption``); the bot gets edited_message."""
        state = self.chats[chat_id]
        message = state.messages.get(message_id)
        if message is None or message["from"]["id"] != user_id:
            raise LookupError("no such message of that person")
        edited = {k: v for k, v in message.items() if k not in {"entities", "caption_entities"}}
        edited.update(fields)
        if "text" in fields:
            entities = detect_entities(fields["text"])
            if entities:
                edited["entities"] = entities
        edited["edit_date"] = int(time.time())
        state.messages[message_id] = edited
        self._record("incoming_edit", chat_id, edited)
        self.push_update({"edited_message": edited})
        return edited

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """An admin deletes a topic with all its messages (the bot is not told)."""
        state = self.chats[chat_id]
        topic = self._topic(state, thread_id)
        topic.deleted = True
        for message_id in [
            m["message_id"]
            for m in state.messages.values()
            if m.get("message_thread_id") == thread_id
        ]:
            del state.messages[message_id]
        self._record("topic_deleted", chat_id, {"message_thread_id": thread_id})

    def topic(self, chat_id: int, thread_id: int) -> ForumTopicState:
        return self.topics[chat_id][thread_id]

    def topic_messages(self, chat_id: int, thread_id: int) -> list[Json]:
        """A topic as its members see it now."""
        return [m for m in self.messages(chat_id) if m.get("message_thread_id") == thread_id]

    # ================================================ the sandbox page: forwards, commands, state
    def forward_text(
        self, user_id: int, text: str, *, sender_name: str, chat_id: int | None = None
    ) -> Json:
        """The user forwards a text that a stranger (a made-up user) wrote an hour ago."""
        stranger = {"id": next(self._user_ids), "is_bot": False, "first_name": sender_name}
        origin = {"type": "user", "date": int(time.time()) - 3600, "sender_user": stranger}
        return self.send_text(user_id, text, chat_id=chat_id, forward_origin=origin)

    def commands_for(self, user_id: int, language_code: str | None) -> list[Json]:
        """The command list a Telegram client in ``language_code`` shows in the user's chat.

        Telegram's order: this chat's scope, all private chats, the default scope; in each, the
        list for the language before the list for every language.
        """
        language = (language_code or "").split("-", 1)[0].lower()
        scopes = [{"type": "chat", "chat_id": user_id}, {"type": "all_private_chats"}]
        for scope in [*scopes, {"type": "default"}]:
            for code in dict.fromkeys([language, ""]):
                found = self.commands.get((json.dumps(scope, sort_keys=True), code))
                if found is not None:
                    return found
        return []

    def export_state(self) -> Json:
        """What must survive a restart: people, chats, updates, payments, forums and members."""
        counters = {name: _peek(self, name) for name in _COUNTERS}
        chats = []
        for state in self.chats.values():
            chats.append(
                {
                    "chat": state.chat,
                    "messages": list(state.messages.values()),
                    "next_message_id": _peek(state, "message_ids"),
                    "bot_blocked": state.bot_blocked,
                }
            )
        return {
            "version": STATE_VERSION,
            "users": list(self.users.values()),
            "chats": chats,
            "updates": self._updates,
            "counters": counters,
            "invoices": [asdict(record) for record in self.invoices.values()],
            "star_payments": [asdict(payment) for payment in self.star_payments.values()],
            "topics": [
                {"chat_id": chat_id, **asdict(topic)}
                for chat_id, topics in self.topics.items()
                for topic in topics.values()
            ],
            "members": [
                {"chat_id": chat_id, "user_id": user_id, **member}
                for chat_id, members in self.members.items()
                for user_id, member in members.items()
            ],
            "pins": [
                {"chat_id": chat_id, "message_ids": ids} for chat_id, ids in self.pins.items()
            ],
        }

    def import_state(self, data: Json) -> None:
        """Restore what :meth:`export_state` gave; ValueError (and no change) if malformed."""
        try:
            if data["version"] != STATE_VERSION:
                raise ValueError(f"state version {data['version']}, expected {STATE_VERSION}")
            users = {int(user["id"]): user for user in data["users"]}
            chats = {
                int(item["chat"]["id"]): ChatState(
                    item["chat"],
                    {int(m["message_id"]): m for m in item["messages"]},
                    itertools.count(int(item["next_message_id"])),
                    bool(item["bot_blocked"]),
                )
                for item in data["chats"]
            }
            invoices = [InvoiceRecord(**record) for record in data["invoices"]]
            payments = [StarPayment(**payment) for payment in data["star_payments"]]
            counters = {
                name: itertools.count(int(data["counters"].get(name, 1))) for name in _COUNTERS
            }
            updates = list(data["updates"])
            topics: dict[int, dict[int, ForumTopicState]] = {}
            for item in data.get("topics", []):
                topic = ForumTopicState(**{k: v for k, v in item.items() if k != "chat_id"})
                topics.setdefault(int(item["chat_id"]), {})[topic.thread_id] = topic
            members: dict[int, dict[int, Json]] = {}
            for item in data.get("members", []):
                member = {k: v for k, v in item.items() if k not in ("chat_id", "user_id")}
                members.setdefault(int(item["chat_id"]), {})[int(item["user_id"])] = member
            pins = {
                int(item["chat_id"]): list(item["message_ids"]) for item in data.get("pins", [])
            }
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed emulator state: {exc!r}") from None
        self.users, self.chats, self._updates = users, chats, updates
        self.invoices = {(r.chat_id, r.message_id): r for r in invoices}
        self.star_payments = {payment.charge_id: payment for payment in payments}
        self.topics, self.members, self.pins = topics, members, pins
        for name, counter in counters.items():
            setattr(self, name, counter)

    # ------------------------------------------------------ group membership
    # Groups where the bot watches for scams: people creating and joining them, the bot being
    # added (Telegram tells it with ``my_chat_member``), members and anonymous admins posting.
    # Membership lives in ``members`` (see the forum section), shared with the staff forum.
    def create_group(
        self, title: str, *, chat_id: int, creator_id: int, kind: str = "supergroup"
    ) -> Json:
        """A group ("group" or "supergroup") created by a user, who is its owner."""
        if kind not in ("group", "supergroup"):
            raise ValueError(f"not a group type: {kind}")
        chat: Json = {"id": chat_id, "type": kind, "title": title}
        self.chats[chat_id] = ChatState(chat)
        self.set_member(chat_id, creator_id, "creator")
        return chat

    def join_group(
        self, chat_id: int, user_id: int, *, admin: bool = False, can_delete_messages: bool = False
    ) -> None:
        """A user joins (as a member, or as an administrator with the usual moderator rights)."""
        if admin:
            self.set_member(
                chat_id,
                user_id,
                "administrator",
                can_manage_chat=True,
                can_invite_users=True,
                can_delete_messages=can_delete_messages,
            )
        else:
            self.set_member(chat_id, user_id, "member")

    def add_bot_to_group(
        self,
        chat_id: int,
        by_user_id: int,
        *,
        admin: bool = False,
        can_delete_messages: bool = False,
    ) -> Json:
        """Someone adds the bot (or changes its rights): Telegram sends ``my_chat_member``."""
        state = self.chats[chat_id]
        bot_id = self.bot_user["id"]
        old = self._chat_member(state, bot_id)
        self.join_group(chat_id, bot_id, admin=admin, can_delete_messages=can_delete_messages)
        return self.push_update(
            {
                "my_chat_member": {
                    "chat": state.chat,
                    "from": self.users[by_user_id],
                    "date": int(time.time()),
                    "old_chat_member": old,
                    "new_chat_member": self._chat_member(state, bot_id),
                }
            }
        )

    def post_in_group(self, user_id: int, chat_id: int, text: str, **extra: Any) -> Json:
        """A member posts in a group; only members can."""
        if self._member_record(chat_id, user_id)["status"] in ("left", "kicked"):
            raise LookupError(f"user {user_id} is not a member of chat {chat_id}")
        return self.send_text(user_id, text, chat_id=chat_id, **extra)

    def post_anonymously(self, chat_id: int, text: str) -> Json:
        """An anonymous administrator posts: the message comes from the group itself."""
        state = self.chats[chat_id]
        message: Json = {
            "message_id": next(state.message_ids),
            "from": ANONYMOUS_ADMIN,
            "sender_chat": state.chat,
            "chat": state.chat,
            "date": int(time.time()),
            "text": text,
        }
        state.messages[message["message_id"]] = message
        self.push_update({"message": message})
        return message

    def _check_delete_rights(self, state: ChatState, message: Json) -> None:
        """Telegram's rules for deleting someone else's message in a group."""
        if time.time() - message["date"] > 48 * 3600:
            raise bad_request("message can't be deleted")
        if state.chat["type"] not in ("group", "supergroup"):
            return
        if message["from"]["id"] == self.bot_user["id"]:
            return
        bot = self._bot_member(state.chat["id"])
        allowed = bot["status"] == "creator" or (
            bot["status"] == "administrator"
            and (state.chat["type"] == "group" or bool(bot.get("can_delete_messages")))
        )
        if not allowed:
            raise bad_request("message can't be deleted")


STATE_VERSION = 1
_COUNTERS = ("_update_ids", "_user_ids", "_callback_ids", "_pre_checkout_ids", "_file_ids")


def _peek(owner: object, name: str) -> int:
    """The next value of the counter ``owner.name`` without using it up."""
    value = int(next(getattr(owner, name)))
    setattr(owner, name, itertools.count(value))
    return value


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
            params[part.name] = bytes(await part.read()) if part.filename else await part.text()
    else:
        params.update(await request.post())
    return params


# ----------------------------------------------------------- group membership (see Emulator)
# Telegram's fixed sender of messages that anonymous group administrators post.
ANONYMOUS_ADMIN: Json = {
    "id": GROUP_ANONYMOUS_BOT_ID,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


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
