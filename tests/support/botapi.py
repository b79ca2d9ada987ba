"""A Telegram Bot API server of ours for tests: real HTTP on 127.0.0.1, driven from Python.

The real python-telegram-bot ``Application`` runs against it unchanged (``base_url`` and
``base_file_url`` point here). Tests inject user messages and button presses, inject faults,
and inspect what the bot sent. Behaviour follows Telegram's: long polling, webhook delivery
with the secret token header, 409 on getUpdates while a webhook is set, and the error texts
Telegram uses for the limits our code has to respect.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import hashlib
import http.client
import itertools
import json
import math
import re
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

T = TypeVar("T")

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_POLL_TIMEOUT = 50.0
# Telegram retries a failed webhook delivery after a while; tests want that "while" short.
WEBHOOK_RETRY_DELAY = 0.2

FAULT_KINDS = ("429", "500", "timeout", "timeout_lost", "403", "400_chat_not_found")

MESSAGE_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"

# Realistic Vietnamese users, picked by chat id so a chat always has the same person.
_VIETNAMESE_USERS = (
    ("Lan", "Nguyễn Thị", "lan_nguyen"),
    ("Hùng", "Trần Văn", "hung_tran"),
    ("Hương", "Lê Thị", None),
    ("Dũng", "Phạm Quốc", "dung_pham"),
    ("Minh", "Hoàng Đức", None),
    ("Thảo", "Võ Thị Phương", "thao_vo"),
)
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?")
_ALLOWED_HTML_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
    "blockquote", "tg-emoji",
})


class BotAPIError(Exception):
    """An error answer of the Bot API: HTTP status equals ``error_code``."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as received: ``params`` are the raw decoded values (form values are str)."""

    method: str
    params: dict[str, Any]
    timestamp: float
    http_method: str
    content_type: str
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass(frozen=True)
class Edit:
    """One successful edit of a sent message; ``text``/``reply_markup`` are the values after it."""

    method: str
    text: str | None
    reply_markup: dict[str, Any] | None
    timestamp: float


@dataclass
class SentMessage:
    """A message the bot sent, in its current state, with the history of its edits."""

    chat_id: int
    message_id: int
    method: str
    date: int
    sent_at: float
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    edits: list[Edit] = field(default_factory=list)


@dataclass(frozen=True)
class AnsweredCallback:
    """An answerCallbackQuery call matched to the press it answers."""

    callback_query_id: str
    chat_id: int
    message_id: int
    data: str
    text: str | None
    show_alert: bool
    url: str | None
    latency: float


@dataclass(frozen=True)
class FloodViolation:
    """A send refused by flood control, and why."""

    chat_id: int
    method: str
    reason: str
    retry_after: int
    timestamp: float


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to POST an update to the webhook."""

    update_id: int
    status: int | None
    error: str | None
    timestamp: float


@dataclass
class _Fault:
    method: str
    kind: str
    remaining: int
    chat_id: str | None
    retry_after: int
    delay: float


@dataclass
class _FloodControl:
    per_chat_interval: float
    global_per_second: int
    per_group_per_minute: int
    slack: float


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    content: bytes
    declared_size: int | None = None

    def as_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content) if self.declared_size is None else self.declared_size,
        }
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc


def free_tcp_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for PTB's webhook server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities the way Telegram computes them (offsets in UTF-16 code units)."""
    return [
        {"offset": _utf16_len(text[: m.start()]), "length": _utf16_len(m.group()), "type": "bot_command"}
        for m in _COMMAND_RE.finditer(text)
    ]


class _HTMLTextExtractor(HTMLParser):
    """Strips Telegram HTML to plain text, refusing tags Telegram refuses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_HTML_TAGS:
            raise BotAPIError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise BotAPIError(400, f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _visible_text(text: str, parse_mode: str | None) -> str:
    """The text Telegram stores after parsing markup (HTML handled; other modes kept as is)."""
    if (parse_mode or "").lower() != "html":
        return text
    parser = _HTMLTextExtractor()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise BotAPIError(
            400, f'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "'
            f'{parser.stack[-1]}"'
        )
    return "".join(parser.parts)  # convert_charrefs already turned &lt; and friends into text


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """Split a multipart/form-data body into text fields and files (name -> (filename, bytes))."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise BotAPIError(400, "Bad Request: invalid multipart body")
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'\bname="([^"]*)"', headers)
        filename = re.search(r'\bfilename="([^"]*)"', headers)
        if not name:
            continue
        if filename:
            files[name.group(1)] = (unquote(filename.group(1)), content)
        else:
            fields[name.group(1)] = content.decode("utf-8")
    return fields, files


def _json_value(value: Any, what: str) -> Any:
    """PTB sends JSON-typed parameters as JSON strings in forms; JSON bodies carry objects."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise BotAPIError(400, f"Bad Request: can't parse {what} JSON object") from None


def _number(params: dict[str, Any], name: str, default: Any, kind: Callable[[Any], Any] = int) -> Any:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise BotAPIError(400, f"Bad Request: invalid {name} specified") from None


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("true", "1")


class _Server(ThreadingHTTPServer):
    # Joined in server_close(), so no handler thread outlives stop().
    daemon_threads = False
    block_on_close = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        # Keep-alive connections would otherwise keep their handler threads reading forever.
        with self.connections_lock:
            for conn in self.connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class FakeBotAPI:
    """A local Bot API server for tests; see the module docstring."""

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_username: str = "dondoc_test_bot",
        strict_chats: bool = False,
    ) -> None:
        bot_id = 7000000000 + secrets.randbelow(10**8)
        self.token = token or f"{bot_id}:{secrets.token_urlsafe(26)[:35]}"
        self.bot_user: dict[str, Any] = {
            "id": int(self.token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "Đôn đốc (test)",
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        # When set, sending to a chat that never wrote to the bot fails like Telegram does.
        self.strict_chats = strict_chats
        self.root = ""
        self.port = 0

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []

        self._update_ids = itertools.count(100_000_001)
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._pending: list[dict[str, Any]] = []
        self._poll_generation = 0
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], SentMessage] = {}
        self._sent_order: list[tuple[int, int]] = []
        self._incoming: dict[tuple[int, int], dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._requests: list[RecordedRequest] = []
        self._open_callbacks: dict[str, tuple[dict[str, Any], float]] = {}
        self._answered: list[AnsweredCallback] = []
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._faults: list[_Fault] = []
        self._blocked: set[int] = set()
        self._flood: _FloodControl | None = None
        self._send_times: dict[int, list[float]] = {}
        self._recent_sends: deque[float] = deque()
        self._flood_violations: list[FloodViolation] = []
        self._webhook: dict[str, Any] = {}
        self._webhook_error: tuple[int, str] | None = None
        self._deliveries: list[WebhookDelivery] = []
        self._server_errors: list[str] = []

        self._methods: dict[str, Callable[[dict[str, Any], dict[str, tuple[str, bytes]]], Any]] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "getfile": self._get_file,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "close": lambda params, files: True,
            "logout": lambda params, files: True,
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotAPI:
        """Bind 127.0.0.1 on a free port and serve in background threads."""
        if self._server is not None:
            raise RuntimeError("FakeBotAPI is already started")
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._server = _Server(handler)
        self.port = self._server.server_address[1]
        self.root = f"http://127.0.0.1:{self.port}"
        self._threads = [
            threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                             name=f"fake-botapi-{self.port}", daemon=True),
            threading.Thread(target=self._deliver_webhooks, name=f"fake-botapi-webhook-{self.port}",
                             daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Wake long polls, close every connection and join every thread."""
        if self._server is None:
            return
        with self._cond:
            self._stopping.set()
            self._cond.notify_all()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)``."""
        return f"{self.root}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.root}/file/bot"

    # ------------------------------------------------------------------ injection

    def default_user(self, user_id: int) -> dict[str, Any]:
        """The Vietnamese-named user that writes from private chat ``user_id`` by default."""
        first, last, username = _VIETNAMESE_USERS[user_id % len(_VIETNAMESE_USERS)]
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first, "last_name": last,
                                "language_code": "vi"}
        if username:
            user["username"] = f"{username}_{user_id}"
        return user

    def inject_message(
        self,
        chat_id: int,
        text: str | None,
        *,
        user: dict[str, Any] | None = None,
        document: dict[str, Any] | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """Queue a user's message in a private chat; with ``document``, ``text`` is its caption."""
        with self._cond:
            sender = copy.deepcopy(user) if user else self.default_user(chat_id)
            self._users[chat_id] = sender
            message: dict[str, Any] = {
                "message_id": self._take_message_id(chat_id),
                "from": sender,
                "chat": self._chat(chat_id),
                "date": int(time.time()),
            }
            key, entities_key = ("caption", "caption_entities") if document else ("text", "entities")
            if text:
                message[key] = text
                if entities := _command_entities(text):
                    message[entities_key] = entities
            if document:
                message["document"] = copy.deepcopy(document)
            if reply_to is not None:
                message["reply_to_message"] = self._message_dict(self._require_message(chat_id, reply_to))
            self._incoming[(chat_id, message["message_id"])] = message
            return self._enqueue({"message": message})

    def inject_document(
        self,
        chat_id: int,
        filename: str,
        content: bytes,
        caption: str | None = None,
        *,
        mime_type: str | None = None,
        user: dict[str, Any] | None = None,
        declared_size: int | None = None,
    ) -> dict[str, Any]:
        """Queue a user's document upload; the bot can fetch it through getFile.

        ``declared_size`` is the ``file_size`` the update and getFile claim instead of the real one
        (a modified client, or a self-hosted Bot API that reports no or wrong sizes)."""
        with self._cond:
            stored = self._store_file(content, filename, mime_type or _guess_mime(filename))
            stored.declared_size = declared_size
            return self.inject_message(chat_id, caption, user=user, document=stored.as_document())

    def inject_callback(
        self, chat_id: int, message_id: int, data: str, *, user: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Queue a press on an inline button of a message the bot sent."""
        with self._cond:
            sent = self._require_message(chat_id, message_id)
            query_id = str(next(self._callback_ids))
            query = {
                "id": query_id,
                "from": copy.deepcopy(user) if user else self._users.get(chat_id, self.default_user(chat_id)),
                "message": self._message_dict(sent),
                "chat_instance": str(-abs(hash((self.token, chat_id))) % 10**19),
                "data": data,
            }
            self._open_callbacks[query_id] = (query, time.monotonic())
            return self._enqueue({"callback_query": query})

    # ------------------------------------------------------------------ inspection

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (current state and edits), oldest first; copies."""
        with self._lock:
            # Stored dicts are replaced on change, never mutated, so a shallow copy is a snapshot.
            return [
                dataclasses.replace(self._messages[key], edits=list(self._messages[key].edits))
                for key in self._sent_order
                if chat_id is None or key[0] == chat_id
            ]

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order (a snapshot)."""
        with self._lock:
            return list(self._requests)

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Raw params of every request to ``method`` (case-insensitive)."""
        return [r.params for r in self.requests if r.method.lower() == method.lower()]

    @property
    def answered_callbacks(self) -> list[AnsweredCallback]:
        """Callback queries the bot answered, in order."""
        with self._lock:
            return list(self._answered)

    @property
    def webhook(self) -> dict[str, Any]:
        """The webhook as set: ``url``, ``secret_token``, ``max_connections``, ``allowed_updates``."""
        with self._lock:
            return dict(self._webhook)

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every attempt to POST an update to the webhook."""
        with self._lock:
            return list(self._deliveries)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by getUpdates nor delivered to the webhook."""
        with self._lock:
            return copy.deepcopy(self._pending)

    @property
    def server_errors(self) -> list[str]:
        """Unexpected exceptions inside the fake itself; tests may assert this stays empty."""
        with self._lock:
            return list(self._server_errors)

    def file_content(self, file_id: str) -> bytes:
        """Bytes of an uploaded or injected file."""
        with self._lock:
            return self._files[file_id].content

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]:
        """Commands set for a scope (default scope when None) and language."""
        with self._lock:
            return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    def send_times(self) -> dict[int, list[float]]:
        """Monotonic arrival times of accepted sends, per chat."""
        with self._lock:
            return {chat: list(times) for chat, times in self._send_times.items()}

    def spacing_violations(self, min_interval: float = 1.0) -> list[tuple[int, float]]:
        """(chat_id, gap) for every pair of consecutive accepted sends to a chat closer than allowed."""
        return [
            (chat, later - earlier)
            for chat, times in self.send_times().items()
            for earlier, later in itertools.pairwise(times)
            if later - earlier < min_interval
        ]

    @property
    def flood_violations(self) -> list[FloodViolation]:
        """Sends refused by flood control."""
        with self._lock:
            return list(self._flood_violations)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.01) -> T:
        """Poll ``predicate`` until it returns something truthy; return that or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            time.sleep(interval)

    async def wait_for_async(
        self, predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.01
    ) -> T:
        """Like ``wait_for`` but yields to the event loop, for tests running PTB in the same loop."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            await asyncio.sleep(interval)

    def route_webhook(self, url: str) -> None:
        """Deliver the next updates to `url` with the same secret: a reverse proxy in front of replicas."""
        with self._cond:
            if not self._webhook.get("url"):
                raise RuntimeError("no webhook is set")
            self._webhook["url"] = url
            self._cond.notify_all()

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        kind: str | int,
        count: int = 1,
        *,
        chat_id: int | None = None,
        retry_after: int = 5,
        delay: float = 6.0,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (for ``chat_id`` if given) fail with ``kind``.

        Kinds: ``429`` (retry_after), ``500``, ``403`` (bot blocked), ``400_chat_not_found``,
        ``timeout`` (the method takes effect, then the answer is held ``delay`` seconds — longer
        than PTB's default 5 s read timeout — as when Telegram is slow) and ``timeout_lost``
        (held ``delay`` seconds, then answered 504 with nothing done).
        """
        kind = str(kind)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        with self._lock:
            self._faults.append(_Fault(method.lower(), kind, count,
                                       None if chat_id is None else str(chat_id), retry_after, delay))

    def clear_faults(self) -> None:
        """Forget faults not yet triggered."""
        with self._lock:
            self._faults.clear()

    def block(self, chat_id: int) -> None:
        """The user of ``chat_id`` blocks the bot: every send there gets 403 until unblocked."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """The user of ``chat_id`` unblocks the bot."""
        with self._lock:
            self._blocked.discard(chat_id)

    def flood_control(
        self,
        per_chat_interval: float = 1.0,
        global_per_second: int = 30,
        *,
        per_group_per_minute: int = 20,
        slack: float = 0.05,
    ) -> None:
        """Answer 429 with retry_after to sends beyond Telegram's limits.

        ``slack`` tolerates arrival jitter: a client limiter spacing sends exactly 1 s apart
        can see them arrive a few milliseconds closer. ``spacing_violations`` measures exactly.
        """
        with self._lock:
            self._flood = _FloodControl(per_chat_interval, global_per_second, per_group_per_minute, slack)

    def no_flood_control(self) -> None:
        """Turn flood control off again."""
        with self._lock:
            self._flood = None

    # ------------------------------------------------------------------ HTTP entry point

    def handle_http(
        self, http_method: str, target: str, content_type: str, body: bytes
    ) -> tuple[int, str, bytes]:
        """Answer one HTTP request: (status, content type, body)."""
        path, _, query = target.partition("?")
        try:
            if path.startswith("/file/bot"):
                return self._download(path.removeprefix("/file/bot"))
            match = re.fullmatch(r"/bot([^/]*)/([A-Za-z]+)", unquote(path))
            if not match:
                raise BotAPIError(404, "Not Found")
            token, method = match.groups()
            params, files = self._decode_params(query, content_type, body)
            with self._lock:
                self._requests.append(RecordedRequest(method, params, time.time(), http_method,
                                                      content_type.split(";")[0], files))
            if token != self.token:
                raise BotAPIError(401, "Unauthorized")
            handler = self._methods.get(method.lower())
            if handler is None:
                raise BotAPIError(404, "Not Found")
            result = self._call(method.lower(), handler, params, files)
            return 200, "application/json", json.dumps({"ok": True, "result": result}).encode()
        except BotAPIError as exc:
            return exc.code, "application/json", json.dumps(exc.payload()).encode()
        except Exception as exc:  # the fake must never hang a client, even when it is wrong
            with self._lock:
                self._server_errors.append(repr(exc))
            error = BotAPIError(500, f"Internal Server Error: fake Bot API failed: {exc!r}")
            return 500, "application/json", json.dumps(error.payload()).encode()

    def _decode_params(
        self, query: str, content_type: str, body: bytes
    ) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        files: dict[str, tuple[str, bytes]] = {}
        kind = content_type.split(";")[0].strip().lower()
        if not body:
            return params, files
        if kind == "application/json":
            try:
                decoded = json.loads(body)
            except ValueError:
                raise BotAPIError(400, "Bad Request: can't parse JSON body") from None
            if not isinstance(decoded, dict):
                raise BotAPIError(400, "Bad Request: parameters must be a JSON object")
            params.update(decoded)
        elif kind == "multipart/form-data":
            fields, files = _parse_multipart(body, content_type)
            params.update(fields)
        else:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return params, files

    def _call(
        self,
        method: str,
        handler: Callable[[dict[str, Any], dict[str, tuple[str, bytes]]], Any],
        params: dict[str, Any],
        files: dict[str, tuple[str, bytes]],
    ) -> Any:
        fault = self._take_fault(method, params)
        if fault is not None and fault.kind == "timeout_lost":
            self._stopping.wait(fault.delay)
            raise BotAPIError(504, "Gateway Timeout")
        if fault is not None and fault.kind != "timeout":
            raise _fault_error(fault)
        result = handler(params, files)
        if fault is not None:  # "timeout": done, but the client gives up before it hears so
            self._stopping.wait(fault.delay)
        return result

    def _take_fault(self, method: str, params: dict[str, Any]) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.chat_id in (None, str(params.get("chat_id"))):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _check_recipient(self, chat_id: int, method: str) -> None:
        # Called with the lock held, in the same hold that records the send, so concurrent
        # sends to one chat cannot both slip through flood control.
        if chat_id in self._blocked:
            raise BotAPIError(403, "Forbidden: bot was blocked by the user")
        if self.strict_chats and chat_id not in self._users and chat_id not in self._next_message_id:
            raise BotAPIError(400, "Bad Request: chat not found")
        if self._flood is not None:
            self._apply_flood_control(chat_id, method, self._flood)

    def _apply_flood_control(self, chat_id: int, method: str, flood: _FloodControl) -> None:
        now = time.monotonic()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        history = self._send_times.get(chat_id, [])
        refusal: tuple[str, float] | None = None
        if history and now - history[-1] < flood.per_chat_interval - flood.slack:
            refusal = ("per_chat", flood.per_chat_interval - (now - history[-1]))
        elif len(self._recent_sends) >= flood.global_per_second:
            refusal = ("global", 1.0 - (now - self._recent_sends[0]))
        elif chat_id < 0:
            in_last_minute = [t for t in history if now - t < 60.0]
            if len(in_last_minute) >= flood.per_group_per_minute:
                refusal = ("per_group", 60.0 - (now - in_last_minute[0]))
        if refusal is not None:
            retry_after = max(1, math.ceil(refusal[1]))
            self._flood_violations.append(FloodViolation(chat_id, method, refusal[0], retry_after, now))
            raise BotAPIError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    def _record_send(self, chat_id: int) -> float:
        now = time.monotonic()
        self._send_times.setdefault(chat_id, []).append(now)
        self._recent_sends.append(now)
        return now

    # ------------------------------------------------------------------ Bot API methods

    def _get_me(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        return self.bot_user

    def _get_updates(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        offset = _number(params, "offset", 0)
        limit = min(max(_number(params, "limit", 100), 1), 100)
        timeout = min(max(_number(params, "timeout", 0, float), 0.0), MAX_POLL_TIMEOUT)
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._webhook.get("url"):
                raise BotAPIError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                       "use deleteWebhook to delete the webhook first")
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()  # an older long poll ends with 409, as on Telegram
            if offset < 0:
                self._pending = self._pending[offset:]
            elif offset > 0:
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
            while True:
                if self._webhook.get("url"):
                    raise BotAPIError(409, "Conflict: terminated by setWebhook request")
                if generation != self._poll_generation:
                    raise BotAPIError(409, "Conflict: terminated by other getUpdates request; "
                                           "make sure that only one bot instance is running")
                remaining = deadline - time.monotonic()
                if self._pending or remaining <= 0 or self._stopping.is_set():
                    return copy.deepcopy(self._pending[:limit])
                self._cond.wait(remaining)

    def _set_webhook(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params, files)
        if not re.match(r"https?://", url):
            raise BotAPIError(400, "Bad Request: bad webhook: Webhook can be set up only on ports "
                                   "80, 88, 443 or 8443")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise BotAPIError(400, "Bad Request: secret token contains unallowed characters")
        with self._cond:
            if _truthy(params.get("drop_pending_updates")):
                self._pending.clear()
            self._webhook = {
                "url": url,
                "secret_token": secret,
                "max_connections": _number(params, "max_connections", 40),
                "allowed_updates": _json_value(params.get("allowed_updates"), "allowed_updates"),
            }
            self._webhook_error = None
            self._cond.notify_all()
        return True

    def _delete_webhook(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        with self._cond:
            if _truthy(params.get("drop_pending_updates")):
                self._pending.clear()
            self._webhook = {}
            self._cond.notify_all()
        return True

    def _get_webhook_info(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        with self._lock:
            info: dict[str, Any] = {
                "url": self._webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }
            if self._webhook:
                info["max_connections"] = self._webhook["max_connections"]
                if self._webhook["allowed_updates"]:
                    info["allowed_updates"] = self._webhook["allowed_updates"]
            if self._webhook_error:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
            return info

    def _send_message(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        chat_id = self._chat_id(params)
        raw = params.get("text")
        if raw is None or raw == "":
            raise BotAPIError(400, "Bad Request: message text is empty")
        text = _visible_text(str(raw), params.get("parse_mode"))
        if not text.strip():
            raise BotAPIError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise BotAPIError(400, "Bad Request: message is too long")
        markup = self._reply_markup(params)
        with self._lock:
            self._check_recipient(chat_id, "sendMessage")
            message = self._new_sent(chat_id, "sendMessage", params)
            message.text, message.reply_markup = text, markup
            return self._message_dict(message)

    def _send_document(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        chat_id = self._chat_id(params)
        caption = params.get("caption")
        if caption is not None:
            caption = _visible_text(str(caption), params.get("parse_mode"))
            if len(caption) > MAX_CAPTION_LENGTH:
                raise BotAPIError(400, "Bad Request: message caption is too long")
        markup = self._reply_markup(params)
        with self._lock:
            self._check_recipient(chat_id, "sendDocument")
            stored = self._resolve_document(params, files)
            message = self._new_sent(chat_id, "sendDocument", params)
            message.caption, message.reply_markup = caption or None, markup
            message.document = stored.as_document()
            return self._message_dict(message)

    def _resolve_document(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> _StoredFile:
        value = params.get("document")
        if isinstance(value, str) and value.startswith("attach://"):
            value = None
            attach_name = params["document"].removeprefix("attach://")
            upload = files.get(attach_name)
        else:
            upload = files.get("document")
        if upload is not None:
            filename, content = upload
            if not content:
                raise BotAPIError(400, "Bad Request: file must be non-empty")
            return self._store_file(content, filename, _guess_mime(filename))
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if value:
            raise BotAPIError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise BotAPIError(400, "Bad Request: there is no document in the request")

    def _get_file(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        with self._lock:
            stored = self._files.get(str(params.get("file_id") or ""))
            if stored is None:
                raise BotAPIError(400, "Bad Request: invalid file_id")
            return {**stored.as_document(), "file_path": stored.file_path}

    def _edit_message_text(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        raw = params.get("text")
        if not raw:
            raise BotAPIError(400, "Bad Request: text must be non-empty")
        text = _visible_text(str(raw), params.get("parse_mode"))
        if len(text) > MAX_TEXT_LENGTH:
            raise BotAPIError(400, "Bad Request: message is too long")
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = self._reply_markup(params)
        with self._lock:
            message = self._editable(params)
            if message.text is None:
                raise BotAPIError(400, "Bad Request: there is no text in the message to edit")
            if message.text == text and message.reply_markup == markup:
                raise BotAPIError(400, MESSAGE_NOT_MODIFIED)
            message.text, message.reply_markup = text, markup
            return self._apply_edit(message, "editMessageText")

    def _edit_message_reply_markup(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        markup = self._reply_markup(params)
        with self._lock:
            message = self._editable(params)
            if message.reply_markup == markup:
                raise BotAPIError(400, MESSAGE_NOT_MODIFIED)
            message.reply_markup = markup
            return self._apply_edit(message, "editMessageReplyMarkup")

    def _answer_callback_query(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise BotAPIError(400, "Bad Request: MESSAGE_TOO_LONG")
        with self._lock:
            opened = self._open_callbacks.pop(query_id, None)
            if opened is None:  # unknown, or already answered once
                raise BotAPIError(400, QUERY_INVALID)
            query, injected_at = opened
            self._answered.append(AnsweredCallback(
                callback_query_id=query_id,
                chat_id=query["message"]["chat"]["id"],
                message_id=query["message"]["message_id"],
                data=query["data"],
                text=None if text is None else str(text),
                show_alert=_truthy(params.get("show_alert")),
                url=params.get("url"),
                latency=time.monotonic() - injected_at,
            ))
        return True

    def _set_my_commands(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        commands = _json_value(params.get("commands"), "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise BotAPIError(400, "Bad Request: commands must be a list of at most 100 commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise BotAPIError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise BotAPIError(400, "Bad Request: command description is empty or too long")
        key = self._commands_key(_json_value(params.get("scope"), "scope"), params.get("language_code"))
        with self._lock:
            self._commands[key] = [{k: c[k] for k in ("command", "description")} for c in commands]
        return True

    def _get_my_commands(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        key = self._commands_key(_json_value(params.get("scope"), "scope"), params.get("language_code"))
        with self._lock:
            return copy.deepcopy(self._commands.get(key, []))

    def _delete_my_commands(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        key = self._commands_key(_json_value(params.get("scope"), "scope"), params.get("language_code"))
        with self._lock:
            self._commands.pop(key, None)
        return True

    def _download(self, rest: str) -> tuple[int, str, bytes]:
        token, _, file_path = unquote(rest).partition("/")
        if token != self.token:
            raise BotAPIError(401, "Unauthorized")
        with self._lock:
            self._requests.append(RecordedRequest("file", {"file_path": file_path}, time.time(), "GET", ""))
            stored = self._files_by_path.get(file_path)
        if stored is None:
            raise BotAPIError(404, "Not Found: file not found")
        return 200, stored.mime_type or "application/octet-stream", stored.content

    def misdeclared(self, target: str) -> bool:
        """Whether the file behind a download URL was injected with a ``declared_size``."""
        _token, _, file_path = unquote(target.removeprefix("/file/bot")).partition("/")
        with self._lock:
            stored = self._files_by_path.get(file_path)
            return stored is not None and stored.declared_size is not None

    # ------------------------------------------------------------------ helpers (lock held)

    def _chat_id(self, params: dict[str, Any]) -> int:
        value = params.get("chat_id")
        if value in (None, ""):
            raise BotAPIError(400, "Bad Request: chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise BotAPIError(400, "Bad Request: chat not found") from None

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            kind = "supergroup" if chat_id <= -10**12 else "group"
            return {"id": chat_id, "type": kind, "title": f"Nhóm {abs(chat_id)}"}
        chat: dict[str, Any] = {"id": chat_id, "type": "private"}
        user = self._users.get(chat_id)
        if user:
            chat.update({k: user[k] for k in ("first_name", "last_name", "username") if k in user})
        return chat

    def _take_message_id(self, chat_id: int) -> int:
        # One sequence per chat shared by both sides, like a private chat on Telegram.
        self._next_message_id[chat_id] = self._next_message_id.get(chat_id, 0) + 1
        return self._next_message_id[chat_id]

    def _enqueue(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **payload}
        self._pending.append(update)
        self._cond.notify_all()
        return copy.deepcopy(update)

    def _reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = _json_value(params.get("reply_markup"), "reply keyboard markup")
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise BotAPIError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                    raise BotAPIError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _new_sent(self, chat_id: int, method: str, params: dict[str, Any]) -> SentMessage:
        reply_to = params.get("reply_to_message_id")
        if reply_to is None and params.get("reply_parameters"):
            reply_to = _json_value(params["reply_parameters"], "reply parameters").get("message_id")
        message = SentMessage(
            chat_id=chat_id,
            message_id=self._take_message_id(chat_id),
            method=method,
            date=int(time.time()),
            sent_at=self._record_send(chat_id),
            parse_mode=params.get("parse_mode"),
            reply_to_message_id=None if reply_to is None else int(reply_to),
        )
        self._messages[(chat_id, message.message_id)] = message
        self._sent_order.append((chat_id, message.message_id))
        return message

    def _require_message(self, chat_id: int, message_id: int) -> SentMessage:
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise LookupError(f"the bot sent no message {message_id} in chat {chat_id}")
        return message

    def _editable(self, params: dict[str, Any]) -> SentMessage:
        if params.get("inline_message_id"):
            raise BotAPIError(400, "Bad Request: inline messages are not supported by this fake")
        chat_id = self._chat_id(params)
        key = (chat_id, _number(params, "message_id", 0))
        if key in self._incoming:
            raise BotAPIError(400, "Bad Request: message can't be edited")
        if key not in self._messages:
            raise BotAPIError(400, "Bad Request: message to edit not found")
        return self._messages[key]

    def _apply_edit(self, message: SentMessage, method: str) -> dict[str, Any]:
        message.edit_date = int(time.time())
        message.edits.append(Edit(method, message.text, copy.deepcopy(message.reply_markup), time.time()))
        return self._message_dict(message)

    def _message_dict(self, message: SentMessage) -> dict[str, Any]:
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self._chat(message.chat_id),
            "date": message.date,
        }
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if message.text is not None:
            result["text"] = message.text
        if message.document is not None:
            result["document"] = message.document
        if message.caption:
            result["caption"] = message.caption
        if message.reply_to_message_id is not None:
            original = self._incoming.get((message.chat_id, message.reply_to_message_id))
            if original is not None:
                result["reply_to_message"] = original
        # Telegram echoes only inline keyboards back in the Message.
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            result["reply_markup"] = message.reply_markup
        return copy.deepcopy(result)

    def _store_file(self, content: bytes, filename: str | None, mime_type: str | None) -> _StoredFile:
        number = next(self._file_ids)
        digest = hashlib.sha256(content).hexdigest()
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1]
        stored = _StoredFile(
            file_id=f"BQACAgIAAxkBAAI{number:05d}{secrets.token_urlsafe(12)}",
            file_unique_id=f"AgAD{digest[:12]}",
            file_path=f"documents/file_{number}{suffix}",
            file_name=filename,
            mime_type=mime_type,
            content=content,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> str:
        scope = scope or {"type": "default"}
        return json.dumps([scope, language_code or ""], sort_keys=True)

    # ------------------------------------------------------------------ webhook delivery

    def _deliver_webhooks(self) -> None:
        """Background loop: POST pending updates to the webhook one at a time, like Telegram."""
        while True:
            with self._cond:
                while not self._stopping.is_set() and not (self._webhook.get("url") and self._pending):
                    self._cond.wait()
                if self._stopping.is_set():
                    return
                update = copy.deepcopy(self._pending[0])
                url, secret = self._webhook["url"], self._webhook.get("secret_token")
            status, error = _post_json(url, update, secret)
            with self._cond:
                self._deliveries.append(WebhookDelivery(update["update_id"], status, error, time.time()))
                if error is None:
                    self._pending = [u for u in self._pending if u["update_id"] != update["update_id"]]
                    continue
                self._webhook_error = (int(time.time()), error)
            self._stopping.wait(WEBHOOK_RETRY_DELAY)


def _post_json(url: str, update: dict[str, Any], secret: str | None) -> tuple[int | None, str | None]:
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "127.0.0.1", parts.port, timeout=5)
    headers = {"Content-Type": "application/json"}  # PTB's webhook server wants exactly this
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        connection.request("POST", target, body=json.dumps(update).encode(), headers=headers)
        response = connection.getresponse()
        response.read()
    except OSError as exc:
        return None, f"Connection failed: {exc}"
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return response.status, None
    return response.status, f"Wrong response from the webhook: {response.status} {response.reason}"


def _fault_error(fault: _Fault) -> BotAPIError:
    if fault.kind == "429":
        return BotAPIError(429, f"Too Many Requests: retry after {fault.retry_after}",
                           retry_after=fault.retry_after)
    if fault.kind == "500":
        return BotAPIError(500, "Internal Server Error")
    if fault.kind == "403":
        return BotAPIError(403, "Forbidden: bot was blocked by the user")
    return BotAPIError(400, "Bad Request: chat not found")


def _guess_mime(filename: str | None) -> str | None:
    import mimetypes

    return mimetypes.guess_type(filename or "")[0]


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP/1.1 adapter (keep-alive, as httpx expects) around ``FakeBotAPI.handle_http``."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeBotAPI/1.0"
    timeout = 60  # an idle keep-alive connection is dropped eventually
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's delayed ACK
    # (~40 ms on Linux), which real Telegram does not add to every call.
    disable_nagle_algorithm = True
    fake: FakeBotAPI

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, http_method: str) -> None:
        body = b"".join(self._body_chunks())
        status, content_type, payload = self.fake.handle_http(
            http_method, self.path, self.headers.get("Content-Type", ""), body
        )
        # A file whose size was misdeclared is sent chunked: the client learns its size only by reading it.
        chunked = status == 200 and self.path.startswith("/file/bot") and self.fake.misdeclared(self.path)
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(payload), 65536):
                    piece = payload[start:start + 65536]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
                return
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (read timeout, cancelled long poll)
            self.close_connection = True

    def _body_chunks(self) -> Iterator[bytes]:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                yield self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            yield self.rfile.read(length)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; ``FakeBotAPI.requests`` records everything."""
