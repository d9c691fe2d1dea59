"""A local fake of the Slack Web API, response_url endpoints and Socket Mode.

It speaks the real protocols over HTTP/WebSocket so that the real ``slack_sdk`` /
``slack_bolt`` clients can be pointed at it::

    api = FakeSlackAPI()
    url = await api.start()                     # "http://127.0.0.1:PORT"
    client = AsyncWebClient(token=api.token, base_url=url + "/api/")
    ...
    await api.stop()

From synchronous code (e.g. a test that runs the bot as a subprocess)::

    with FakeSlackAPI().serve_in_thread() as api:
        env["SLACK_API_URL"] = api.api_url
        ...

Everything is recorded (``api.calls``, ``api.messages()``, ``api.responses``,
``api.socket_acks``) and faults can be injected (``rate_limit``, ``fail``, ``error``,
``not_in_channel``, ``channel_not_found``, ``latency``, ``channel_rate_limit``).
All times recorded by the fake are ``time.monotonic()`` values.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import WSCloseCode, WSMsgType, web

T = TypeVar("T")

DEFAULT_BOT_TOKEN = "xoxb-0000000000-0000000000000-faketokenfaketokenfaketo"
DEFAULT_APP_TOKEN = "xapp-1-A0123456789-0000000000000-fakeapptokenfakeapptoken"

# Fields that clients send as JSON strings in form-encoded bodies.
_JSON_STRING_FIELDS = ("blocks", "attachments", "metadata", "unfurl_links_json")


# --------------------------------------------------------------------------- records


@dataclass
class Call:
    """One HTTP request to a Web API method (recorded even when it was rejected)."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    time: float  # time.monotonic() when the request arrived
    http_method: str = "POST"
    token: str | None = None
    status: int = 200  # filled in once answered
    response: dict[str, Any] | None = None  # filled in once answered


@dataclass
class Message:
    """A message posted with chat.postMessage (and possibly edited with chat.update)."""

    channel: str
    ts: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    params: dict[str, Any]
    time: float
    attachments: list[Any] | None = None
    metadata: dict[str, Any] | None = None
    reply_broadcast: bool = False
    # previous versions (params of postMessage, then each chat.update before the last)
    history: list[dict[str, Any]] = field(default_factory=list)
    updated: bool = False

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass
class Ephemeral:
    channel: str
    user: str
    message_ts: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    params: dict[str, Any]
    time: float


@dataclass
class SocketAck:
    envelope_id: str
    payload: dict[str, Any] | None
    raw: dict[str, Any]
    time: float


@dataclass
class SocketEnvelope:
    envelope_id: str
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    time: float
    raw: dict[str, Any]


@dataclass
class UploadedFile:
    """A file uploaded through files.getUploadURLExternal, the upload URL and
    files.completeUploadExternal (what slack_sdk's files_upload_v2 does)."""

    id: str
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None  # once sent to the upload URL
    title: str | None = None  # once completed
    channel: str | None = None
    thread_ts: str | None = None
    completed: bool = False


@dataclass
class _Fault:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str]
    remaining: int


# --------------------------------------------------------------------------- helpers


async def wait_for(
    predicate: Callable[[], Any],
    timeout: float = 5.0,
    interval: float = 0.01,
    message: str | None = None,
) -> Any:
    """Poll ``predicate`` (sync or async) until it returns something truthy; return it.

    Raises ``TimeoutError`` after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(message or f"condition not met within {timeout}s: {predicate!r}")
        await asyncio.sleep(interval)


def wait_for_sync(
    predicate: Callable[[], Any],
    timeout: float = 5.0,
    interval: float = 0.01,
    message: str | None = None,
) -> Any:
    """Blocking twin of :func:`wait_for` for synchronous tests (predicate must be sync)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(message or f"condition not met within {timeout}s: {predicate!r}")
        time.sleep(interval)


def _max_in_window(times: list[float], window: float) -> int:
    """Largest number of events falling in any half-open interval of length ``window``."""
    best = 0
    start = 0
    ordered = sorted(times)
    for end, t in enumerate(ordered):
        while t - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


# --------------------------------------------------------------------------- block checks


def _text_len(obj: Any) -> int:
    if isinstance(obj, dict):
        return len(str(obj.get("text", "")))
    return 0


def validate_blocks(blocks: Any) -> list[str]:
    """A light version of Slack's Block Kit validation; returns error strings."""
    errors: list[str] = []
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    if len(blocks) > 50:
        errors.append(f"must provide at most 50 items [json-pointer:/blocks] (got {len(blocks)})")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{i}]"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"missing required field: type {where}")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > 255:
                errors.append(f"must be less than 256 characters {where}/block_id")
            if block_id in block_ids:
                errors.append(f"duplicate block_id {block_id!r} {where}/block_id")
            block_ids.add(block_id)
        kind = block["type"]
        if kind == "section":
            text, fields = block.get("text"), block.get("fields")
            if text is None and not fields:
                errors.append(f"must provide text or fields {where}")
            if text is not None:
                n = _text_len(text)
                if n == 0:
                    errors.append(f"must be more than 0 characters {where}/text/text")
                elif n > 3000:
                    errors.append(f"must be less than 3001 characters {where}/text/text")
            if fields:
                if len(fields) > 10:
                    errors.append(f"must provide at most 10 items {where}/fields")
                for j, f in enumerate(fields):
                    if not 0 < _text_len(f) <= 2000:
                        errors.append(f"must be 1-2000 characters {where}/fields/{j}/text")
        elif kind == "header":
            text = block.get("text")
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                errors.append(f"header text must be plain_text {where}/text")
            elif not 0 < _text_len(text) <= 150:
                errors.append(f"must be 1-150 characters {where}/text/text")
        elif kind == "context":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 10:
                errors.append(f"must provide 1-10 elements {where}/elements")
            for j, el in enumerate(elements):
                is_text = isinstance(el, dict) and el.get("type") in ("mrkdwn", "plain_text")
                if is_text and not 0 < _text_len(el) <= 3000:
                    errors.append(f"must be 1-3000 characters {where}/elements/{j}/text")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 25:
                errors.append(f"must provide 1-25 elements {where}/elements")
            action_ids: set[str] = set()
            for j, el in enumerate(elements):
                ewhere = f"{where}/elements/{j}"
                if not isinstance(el, dict):
                    errors.append(f"element must be an object {ewhere}")
                    continue
                action_id = el.get("action_id")
                if action_id is not None:
                    if len(str(action_id)) > 255:
                        errors.append(f"must be less than 256 characters {ewhere}/action_id")
                    if action_id in action_ids:
                        errors.append(f"duplicate action_id {action_id!r} {ewhere}/action_id")
                    action_ids.add(action_id)
                if el.get("type") == "button":
                    if not 0 < _text_len(el.get("text")) <= 75:
                        errors.append(f"must be 1-75 characters {ewhere}/text/text")
                    if len(str(el.get("value", ""))) > 2000:
                        errors.append(f"must be less than 2001 characters {ewhere}/value")
                    if el.get("style") not in (None, "primary", "danger"):
                        errors.append(f"must be primary or danger {ewhere}/style")
    return errors


# --------------------------------------------------------------------------- the fake


class FakeSlackAPI:
    """Slack Web API + response_url + Socket Mode, served by aiohttp on 127.0.0.1."""

    def __init__(
        self,
        token: str = DEFAULT_BOT_TOKEN,
        app_token: str = DEFAULT_APP_TOKEN,
        *,
        team_id: str = "T0123",
        team_domain: str = "example",
        team_name: str = "Example",
        bot_user_id: str = "UBOT0001",
        bot_id: str = "BBOT0001",
        bot_name: str = "crashloop",
        app_id: str = "A0123",
        ts_base: float | None = 1764074400.0,
        validate_blocks: bool = True,
    ) -> None:
        self.token = token
        self.app_token = app_token
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.ts_base = ts_base
        self.validate_blocks = validate_blocks

        # records
        self.calls: list[Call] = []
        self.responses: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.response_calls: list[tuple[str, dict[str, Any], float]] = []
        self.ephemerals: list[Ephemeral] = []
        self.socket_acks: list[SocketAck] = []
        self.socket_sent: list[SocketEnvelope] = []
        self.socket_received: list[dict[str, Any]] = []  # every JSON frame from clients
        self.socket_connect_count = 0
        self.post_attempts: dict[str, list[float]] = defaultdict(list)  # per channel
        self._messages: dict[tuple[str, str], Message] = {}
        self._message_order: list[Message] = []
        self.files: dict[str, UploadedFile] = {}  # by file id, in upload order

        # world
        self.channels: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.not_in_channel: set[str] = set()
        self.channel_not_found: set[str] = set()
        self.archived: set[str] = set()
        self.user_not_found: set[str] = set()

        # faults
        self.latency: float = 0.0
        self.method_latency: dict[str, float] = {}
        self.channel_rate_limit: tuple[int, float] | None = None  # (messages, per seconds)
        self._faults: dict[str, list[_Fault]] = defaultdict(list)

        # server state
        self._ts_counter = 0
        self._last_ts_us = 0
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.url: str = ""

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_url(self) -> str:
        """The Web API base URL for ``AsyncWebClient(base_url=...)`` / ``SLACK_API_URL``."""
        return self.url + "/api/"

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    async def start(self) -> str:
        """Start serving on 127.0.0.1 and a free port; return ``http://127.0.0.1:PORT``."""
        if self._runner is not None:
            return self.url
        self._loop = asyncio.get_running_loop()
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{rid}", self._handle_response_url)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_get("/link/", self._handle_socket)
        app.router.add_get("/link", self._handle_socket)
        app.router.add_route("*", "/{tail:.*}", self._handle_wrong_path)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        """Close every WebSocket and stop the server."""
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
        self._sockets.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlackAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def serve_in_thread(self, timeout: float = 10.0) -> Iterator[FakeSlackAPI]:
        """Run the fake on its own event loop in a daemon thread (for sync tests)."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        thread = threading.Thread(target=run, name="fake-slack-api", daemon=True)
        thread.start()
        ready.wait(timeout)
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout)
            yield self
        finally:
            try:
                asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout)

                async def drain() -> None:
                    me = asyncio.current_task()
                    tasks = [t for t in asyncio.all_tasks() if t is not me]
                    for t in tasks:
                        t.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                    await loop.shutdown_asyncgens()

                asyncio.run_coroutine_threadsafe(drain(), loop).result(timeout)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(timeout)
                loop.close()

    def run_sync(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a coroutine on the fake's loop from another thread (``serve_in_thread``)."""
        assert self._loop is not None, "fake not started"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _on_own_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the fake's loop, whichever loop the caller runs on."""
        assert self._loop is not None, "fake not started"
        if asyncio.get_running_loop() is self._loop:
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    # ------------------------------------------------------------------ world setup

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
    ) -> dict[str, Any]:
        info = self._channel_info(channel_id)
        info.update(
            name=name or info["name"],
            name_normalized=name or info["name"],
            is_private=is_private,
            is_group=False,
        )
        self.channels[channel_id] = info
        if not is_member:
            self.not_in_channel.add(channel_id)
        if is_archived:
            self.archived.add(channel_id)
        return info

    def add_user(self, user_id: str, name: str, **fields: Any) -> dict[str, Any]:
        user = self._user_info(user_id)
        user.update(name=name, real_name=fields.pop("real_name", name))
        user["profile"].update(real_name=user["real_name"], display_name=name)
        user.update(fields)
        self.users[user_id] = user
        return user

    def _channel_info(self, channel_id: str) -> dict[str, Any]:
        base = self.channels.get(channel_id)
        info = (
            dict(base)
            if base
            else {
                "id": channel_id,
                "name": f"channel-{channel_id.lower()}",
                "name_normalized": f"channel-{channel_id.lower()}",
                "is_channel": True,
                "is_group": False,
                "is_im": False,
                "is_mpim": False,
                "is_private": False,
                "is_general": False,
                "is_shared": False,
                "is_ext_shared": False,
                "is_org_shared": False,
                "created": 1700000000,
                "creator": "U0000000",
                "context_team_id": self.team_id,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
            }
        )
        info["is_member"] = channel_id not in self.not_in_channel
        info["is_archived"] = channel_id in self.archived
        return info

    def _user_info(self, user_id: str) -> dict[str, Any]:
        if user_id in self.users:
            return json.loads(json.dumps(self.users[user_id]))
        name = f"user-{user_id.lower()}"
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": name,
            "tz": "Europe/Berlin",
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "is_admin": False,
            "is_owner": False,
            "is_bot": user_id == self.bot_user_id,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": {"real_name": name, "display_name": name, "team": self.team_id},
        }

    def _resolve_channel(self, channel: str) -> str:
        if channel.startswith("#"):
            for cid, info in self.channels.items():
                if info.get("name") == channel[1:]:
                    return cid
        return channel

    # ------------------------------------------------------------------ fault knobs

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls to ``method`` ("*" = any) answer HTTP 429."""
        self._faults[method].append(
            _Fault(
                status=429,
                body={"ok": False, "error": "ratelimited"},
                headers={"Retry-After": str(retry_after)},
                remaining=times,
            )
        )

    def fail(
        self,
        method: str,
        status: int = 503,
        times: int = 1,
        body: dict[str, Any] | str | None = None,
    ) -> None:
        """The next ``times`` calls to ``method`` ("*" = any, "response_url") answer ``status``."""
        self._faults[method].append(
            _Fault(
                status=status,
                body=body if body is not None else {"ok": False, "error": f"http_{status}"},
                headers={},
                remaining=times,
            )
        )

    def error(self, method: str, error: str, times: int = 1, **extra: Any) -> None:
        """The next ``times`` calls to ``method`` answer HTTP 200 ``{"ok": false, "error"}``."""
        self._faults[method].append(
            _Fault(
                status=200,
                body={"ok": False, "error": error, **extra},
                headers={},
                remaining=times,
            )
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    def _take_fault(self, method: str) -> _Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            while queue:
                fault = queue[0]
                if fault.remaining <= 0:
                    queue.pop(0)
                    continue
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.pop(0)
                return fault
        return None

    # ------------------------------------------------------------------ queries

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def messages(self, channel: str | None = None) -> list[Message]:
        """Messages posted (in posting order), optionally in one channel."""
        return [m for m in self._message_order if channel is None or m.channel == channel]

    def message(self, channel: str, ts: str) -> Message | None:
        return self._messages.get((channel, ts))

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        """Replies in a thread (not including the parent)."""
        return [m for m in self.messages(channel) if m.thread_ts == thread_ts and m.ts != thread_ts]

    def top_level(self, channel: str | None = None) -> list[Message]:
        return [m for m in self.messages(channel) if not m.is_reply]

    def post_times(self, channel: str) -> list[float]:
        """Monotonic arrival times of every chat.postMessage attempt in ``channel``."""
        return list(self.post_attempts.get(channel, []))

    def max_posts_per_window(self, channel: str, window: float = 1.0) -> int:
        """Most chat.postMessage attempts in ``channel`` within any ``window`` seconds."""
        return _max_in_window(self.post_attempts.get(channel, []), window)

    def min_post_interval(self, channel: str) -> float | None:
        ts = sorted(self.post_attempts.get(channel, []))
        if len(ts) < 2:
            return None
        return min(b - a for a, b in itertools.pairwise(ts))

    def reset(self) -> None:
        """Forget recorded traffic (not the world setup or faults)."""
        self.calls.clear()
        self.responses.clear()
        self.response_calls.clear()
        self.ephemerals.clear()
        self.socket_acks.clear()
        self.socket_sent.clear()
        self.socket_received.clear()
        self.post_attempts.clear()
        self._messages.clear()
        self._message_order.clear()

    # ------------------------------------------------------------------ response_url

    def response_url(self, rid: str | None = None) -> str:
        """A response_url served by this fake; POSTs to it land in ``responses[rid]``."""
        return f"{self.url}/response/{rid or uuid.uuid4().hex}"

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        rid = request.match_info["rid"]
        raw = await request.text()
        if request.content_type == "application/json":
            body: dict[str, Any] = json.loads(raw) if raw else {}
        else:
            form = dict(await request.post())
            body = _maybe_json(form.get("payload")) if "payload" in form else dict(form)
        if isinstance(body, dict) and isinstance(body.get("blocks"), str):
            body["blocks"] = _maybe_json(body["blocks"])
        self.response_calls.append((rid, body, time.monotonic()))
        fault = self._take_fault("response_url")
        if fault is not None:
            return self._fault_response(fault)
        self.responses[rid].append(body)
        return web.Response(text="ok", content_type="text/html")

    # ------------------------------------------------------------------ Web API

    async def _handle_wrong_path(self, request: web.Request) -> web.StreamResponse:
        hint = f"fake Slack serves the Web API under {self.api_url} (got {request.path})"
        return web.json_response(
            {"ok": False, "error": "fake_wrong_path", "hint": hint}, status=404
        )

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.body_exists:
            if request.content_type == "application/json":
                raw = await request.text()
                if raw:
                    body = json.loads(raw)
                    if isinstance(body, dict):
                        params.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if not isinstance(value, str):  # a file part
                        value = getattr(value, "filename", "")
                    params[key] = value
        for key in _JSON_STRING_FIELDS:
            if key in params:
                params[key] = _maybe_json(params[key])
        return params

    def _fault_response(self, fault: _Fault) -> web.Response:
        if isinstance(fault.body, str):
            return web.Response(status=fault.status, text=fault.body, headers=fault.headers)
        return web.json_response(fault.body, status=fault.status, headers=fault.headers)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        arrived = time.monotonic()
        params = await self._read_params(request)
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if token is None and isinstance(params.get("token"), str):
            token = params["token"]
        call = Call(
            method=method,
            params=params,
            headers=dict(request.headers),
            time=arrived,
            http_method=request.method,
            token=token,
        )
        self.calls.append(call)
        if method == "chat.postMessage" and isinstance(params.get("channel"), str):
            self.post_attempts[self._resolve_channel(params["channel"])].append(arrived)

        delay = self.method_latency.get(method, self.latency)
        if delay > 0:
            await asyncio.sleep(delay)

        fault = self._take_fault(method)
        if fault is not None:
            resp = self._fault_response(fault)
            call.status = fault.status
            call.response = fault.body if isinstance(fault.body, dict) else {"raw": fault.body}
            return resp

        status, headers, body = self._dispatch(method, params, token)
        call.status = status
        call.response = body
        return web.json_response(body, status=status, headers=headers)

    def _dispatch(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        handler = self._methods().get(method)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method", "req_method": method}
        expected = self.app_token if method == "apps.connections.open" else self.token
        if not token:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if token != expected:
            wrong_type = (method == "apps.connections.open" and token.startswith("xox")) or (
                method != "apps.connections.open" and token.startswith("xapp-")
            )
            if wrong_type and token in (self.token, self.app_token):
                return 200, {}, {"ok": False, "error": "not_allowed_token_type"}
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        result = handler(params)
        if isinstance(result, tuple):
            return result
        return 200, {}, result

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            "api.test": lambda p: {"ok": True, "args": {k: p[k] for k in p if k != "token"}},
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.history": self._conversations_history,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "apps.connections.open": self._apps_connections_open,
        }

    def _next_ts(self) -> str:
        if self.ts_base is None:
            us = max(int(time.time() * 1_000_000), self._last_ts_us + 1)
        else:
            self._ts_counter += 1
            us = int(self.ts_base) * 1_000_000 + self._ts_counter * 100
        self._last_ts_us = us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _channel_error(self, channel: Any) -> dict[str, Any] | None:
        if not channel or not isinstance(channel, str) or channel in self.channel_not_found:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.archived:
            return {"ok": False, "error": "is_archived"}
        if channel in self.not_in_channel:
            return {"ok": False, "error": "not_in_channel"}
        return None

    def _content_error(self, params: dict[str, Any]) -> dict[str, Any] | None:
        text, blocks = params.get("text"), params.get("blocks")
        attachments = params.get("attachments")
        if not text and not blocks and not attachments:
            return {"ok": False, "error": "no_text"}
        if isinstance(text, str) and len(text) > 40000:
            return {"ok": False, "error": "msg_too_long"}
        if blocks is not None and self.validate_blocks:
            errors = validate_blocks(blocks)
            if errors:
                return {
                    "ok": False,
                    "error": "invalid_blocks",
                    "errors": errors,
                    "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
                }
        return None

    def _message_dict(self, m: Message) -> dict[str, Any]:
        d: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": m.ts,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": m.text or "",
            "team": self.team_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": self.bot_name,
                "deleted": False,
                "team_id": self.team_id,
            },
        }
        if m.blocks is not None:
            d["blocks"] = m.blocks
        if m.attachments is not None:
            d["attachments"] = m.attachments
        if m.thread_ts is not None:
            d["thread_ts"] = m.thread_ts
            if m.is_reply:
                d["parent_user_id"] = self.bot_user_id
        if m.metadata is not None:
            d["metadata"] = m.metadata
        if m.updated:
            d["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return d

    def _conversations_history(self, params: dict[str, Any]) -> Any:
        """Top-level messages of a channel, newest first (metadata only when asked for)."""
        channel = self._resolve_channel(str(params.get("channel") or ""))
        err = self._channel_error(channel)
        if err:
            return err
        limit = int(params.get("limit") or 100)
        oldest = float(params.get("oldest") or 0)
        with_metadata = _truthy(params.get("include_all_metadata", False))
        found = [m for m in self.top_level(channel) if float(m.ts) >= oldest][::-1][:limit]
        out = []
        for m in found:
            d = self._message_dict(m)
            if not with_metadata:
                d.pop("metadata", None)
            out.append(d)
        return {"ok": True, "messages": out, "has_more": False}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: dict[str, Any]) -> Any:
        channel = self._resolve_channel(str(params.get("channel") or ""))
        err = self._channel_error(channel) or self._content_error(params)
        if err:
            return err
        if self.channel_rate_limit is not None:
            limit, per = self.channel_rate_limit
            now = time.monotonic()
            recent = [m for m in self.messages(channel) if now - m.time < per]
            if len(recent) >= limit:
                return 429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}
        thread_ts = params.get("thread_ts") or None
        msg = Message(
            channel=channel,
            ts=self._next_ts(),
            text=params.get("text"),
            blocks=params.get("blocks"),
            thread_ts=str(thread_ts) if thread_ts else None,
            params=params,
            time=time.monotonic(),
            attachments=params.get("attachments"),
            metadata=params.get("metadata"),
            reply_broadcast=_truthy(params.get("reply_broadcast", False)),
        )
        self._messages[(channel, msg.ts)] = msg
        self._message_order.append(msg)
        return {"ok": True, "channel": channel, "ts": msg.ts, "message": self._message_dict(msg)}

    def _chat_update(self, params: dict[str, Any]) -> Any:
        channel = self._resolve_channel(str(params.get("channel") or ""))
        if not channel or channel in self.channel_not_found:
            return {"ok": False, "error": "channel_not_found"}
        msg = self._messages.get((channel, str(params.get("ts") or "")))
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        if not params.get("text") and not params.get("blocks") and not params.get("attachments"):
            return {"ok": False, "error": "no_text"}
        err = self._content_error(params)
        if err:
            return err
        msg.history.append(dict(msg.params))
        merged = dict(msg.params)
        merged.update(params)
        msg.params = merged
        if "text" in params:
            msg.text = params["text"]
        if "blocks" in params:
            msg.blocks = params["blocks"]
        if "attachments" in params:
            msg.attachments = params["attachments"]
        if "metadata" in params:
            msg.metadata = params["metadata"]
        msg.updated = True
        message = self._message_dict(msg)
        return {
            "ok": True,
            "channel": channel,
            "ts": msg.ts,
            "text": msg.text or "",
            "message": message,
        }

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> Any:
        channel = self._resolve_channel(str(params.get("channel") or ""))
        err = self._channel_error(channel)
        if err:
            return err
        user = params.get("user")
        if not user or user in self.user_not_found:
            return {"ok": False, "error": "user_not_found"}
        err = self._content_error(params)
        if err:
            return err
        ts = self._next_ts()
        self.ephemerals.append(
            Ephemeral(
                channel=channel,
                user=str(user),
                message_ts=ts,
                text=params.get("text"),
                blocks=params.get("blocks"),
                thread_ts=params.get("thread_ts") or None,
                params=params,
                time=time.monotonic(),
            )
        )
        return {"ok": True, "message_ts": ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> Any:
        channel = str(params.get("channel") or "")
        if not channel or channel in self.channel_not_found:
            return {"ok": False, "error": "channel_not_found"}
        ts = str(params.get("message_ts") or "")
        msg = self._messages.get((channel, ts))
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        link = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        if msg.is_reply:
            link += "?" + urlencode({"thread_ts": msg.thread_ts, "cid": channel})
        return {"ok": True, "channel": channel, "permalink": link}

    def _conversations_info(self, params: dict[str, Any]) -> Any:
        channel = str(params.get("channel") or "")
        if not channel or channel in self.channel_not_found:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": self._channel_info(channel)}

    def _conversations_join(self, params: dict[str, Any]) -> Any:
        channel = str(params.get("channel") or "")
        if not channel or channel in self.channel_not_found:
            return {"ok": False, "error": "channel_not_found"}
        info = self._channel_info(channel)
        if info.get("is_private"):
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        if channel in self.archived:
            return {"ok": False, "error": "is_archived"}
        already = channel not in self.not_in_channel
        self.not_in_channel.discard(channel)
        info = self._channel_info(channel)
        body: dict[str, Any] = {"ok": True, "channel": info}
        if already:
            body["warning"] = "already_in_channel"
            body["response_metadata"] = {"warnings": ["already_in_channel"]}
        return body

    def _users_info(self, params: dict[str, Any]) -> Any:
        user = str(params.get("user") or "")
        if not user or user in self.user_not_found:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self._user_info(user)}

    def _files_get_upload_url(self, params: dict[str, Any]) -> Any:
        filename, length = params.get("filename"), str(params.get("length") or "")
        if not filename or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{len(self.files) + 1:010d}"
        self.files[file_id] = UploadedFile(
            id=file_id, filename=str(filename), length=int(length), alt_txt=params.get("alt_txt")
        )
        return {"ok": True, "upload_url": f"{self.url}/upload/v1/{file_id}", "file_id": file_id}

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        f = self.files.get(request.match_info["file_id"])
        if f is None:
            return web.Response(status=404, text="unknown upload")
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = next(iter(form.values()), None)
            data = part.file.read() if hasattr(part, "file") else str(part or "").encode()
        else:
            data = await request.read()
        if len(data) != f.length:  # Slack rejects a body that is not the announced length
            return web.Response(status=400, text=f"length mismatch: {len(data)} != {f.length}")
        f.content = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    def _files_complete_upload(self, params: dict[str, Any]) -> Any:
        files = _maybe_json(params.get("files"))
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        channel = params.get("channel_id")
        if channel:
            err = self._channel_error(self._resolve_channel(str(channel)))
            if err:
                return err
        done = []
        for item in files:
            f = self.files.get(str(item.get("id"))) if isinstance(item, dict) else None
            if f is None or f.content is None:
                return {"ok": False, "error": "file_not_found"}
            f.title = item.get("title") or f.filename
            f.channel = str(channel) if channel else None
            f.thread_ts = str(params.get("thread_ts")) if params.get("thread_ts") else None
            f.completed = True
            done.append({"id": f.id, "name": f.filename, "title": f.title, "alt_txt": f.alt_txt})
        return {"ok": True, "files": done}

    def _apps_connections_open(self, params: dict[str, Any]) -> Any:
        ticket = str(uuid.uuid4())
        self._tickets.add(ticket)
        ws = "ws" + self.url[len("http") :]
        return {"ok": True, "url": f"{ws}/link/?ticket={ticket}&app_id={self.app_id}"}

    # ------------------------------------------------------------------ Socket Mode

    @property
    def socket_connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connect_count += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": sum(1 for s in self._sockets if not s.closed),
                "debug_info": {
                    "host": "applink-fake-1",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
        )
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if not isinstance(data, dict):
                    continue
                self.socket_received.append(data)
                if "envelope_id" in data:
                    self.socket_acks.append(
                        SocketAck(
                            envelope_id=str(data["envelope_id"]),
                            payload=data.get("payload"),
                            raw=data,
                            time=time.monotonic(),
                        )
                    )
        finally:
            with contextlib.suppress(ValueError):
                self._sockets.remove(ws)
        return ws

    async def wait_for_socket(self, timeout: float = 5.0) -> None:
        """Wait until a Socket Mode client is connected."""
        await wait_for(lambda: self.socket_connected, timeout, message="no Socket Mode client")

    async def socket_send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        accepts_response_payload: bool = False,
        *,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Send an envelope to the newest connected client; return its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        elif retry_attempt is not None:
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or ""

        async def send() -> None:
            await self.wait_for_socket(timeout)
            ws = [s for s in self._sockets if not s.closed][-1]
            self.socket_sent.append(
                SocketEnvelope(
                    envelope_id=envelope_id,
                    type=envelope_type,
                    payload=payload,
                    accepts_response_payload=accepts_response_payload,
                    time=time.monotonic(),
                    raw=envelope,
                )
            )
            await ws.send_json(envelope)

        await self._on_own_loop(send())
        return envelope_id

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> SocketAck:
        def find() -> SocketAck | None:
            return next((a for a in self.socket_acks if a.envelope_id == envelope_id), None)

        result: SocketAck = await wait_for(find, timeout, message=f"no ack for {envelope_id}")
        return result

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` message to every connected client."""

        async def send() -> None:
            for ws in [s for s in self._sockets if not s.closed]:
                await ws.send_json(
                    {
                        "type": "disconnect",
                        "reason": reason,
                        "debug_info": {"host": "applink-fake-1"},
                    }
                )

        await self._on_own_loop(send())

    async def socket_drop(self, code: int = WSCloseCode.GOING_AWAY) -> None:
        """Close every Socket Mode connection from the server side."""

        async def close() -> None:
            for ws in list(self._sockets):
                await ws.close(code=code)

        await self._on_own_loop(close())


__all__ = [
    "DEFAULT_APP_TOKEN",
    "DEFAULT_BOT_TOKEN",
    "Call",
    "Ephemeral",
    "FakeSlackAPI",
    "Message",
    "SocketAck",
    "SocketEnvelope",
    "UploadedFile",
    "validate_blocks",
    "wait_for",
    "wait_for_sync",
]
