"""Posting to Slack: paced per channel, retried on 429 and 5xx, never a silent loss.

Slack allows about one message per second per channel. Every post to a channel goes
through that channel's pacer, so a burst of commands or an alert storm is spread out
instead of being answered with 429s; when a 429 still comes, slack_sdk's retry
handler waits for `Retry-After` and tries again. With several replicas the pace is
shared: after its local turn, a post also takes the channel's turn in the shared
state (`share_pacing`) and gives it back when its call is done, so the replicas
together keep to it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.blocks import SlackMessage

log = logging.getLogger(__name__)

# Errors meaning "the bot may not write here", answered through response_url instead.
CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})


class SharedSlots(Protocol):
    """A channel's turn to post, shared with the other replicas."""

    async def acquire(self, channel: str, interval: float) -> None: ...

    async def release(self, channel: str, interval: float) -> None: ...


class PostError(Exception):
    def __init__(self, error: str, channel: str) -> None:
        super().__init__(f"Slack refused the post to {channel}: {error}")
        self.error = error
        self.channel = channel

    @property
    def cannot_post_here(self) -> bool:
        return self.error in CANNOT_POST


def make_client(token: str, *, base_url: str | None = None, retries: int = 5) -> AsyncWebClient:
    """A Web API client that waits out 429s and retries transient failures."""
    client = AsyncWebClient(token=token, base_url=base_url or AsyncWebClient.BASE_URL)
    client.retry_handlers.extend(
        [
            AsyncRateLimitErrorRetryHandler(max_retry_count=retries),
            AsyncServerErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=3),
        ]
    )
    return client


# What waits for a channel's turn goes in this order: a new diagnosis before the edits
# and notes that keep older threads up to date.
URGENT = 0
BACKGROUND = 1


class _Turns:
    """A lock whose waiters are served by priority, then in arrival order."""

    def __init__(self) -> None:
        self.busy = False
        self.last = 0.0  # when the holder's call ended, for pacing
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def ticket(self) -> int:
        return next(self._seq)

    def more_urgent_than(self, priority: int) -> bool:
        return any(p < priority and not f.done() for p, _, f in self._waiters)

    async def acquire(self, priority: int, ticket: int) -> None:
        if not self.busy and not self._waiters:
            self.busy = True
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, ticket, fut))
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # the turn was given to us as we were cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiters:
            _, _, fut = heapq.heappop(self._waiters)
            if not fut.done():
                fut.set_result(None)  # the turn passes on; busy stays True
                return
        self.busy = False


class SlackPoster:
    """chat.postMessage / chat.update with per-channel pacing."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        per_second: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        on_call: Callable[[str, str], None] | None = None,
    ) -> None:
        self.client = client
        self.interval = 1.0 / per_second
        self.clock = clock
        self._turns: dict[str, _Turns] = {}
        self._on_call = on_call
        self._shared: SharedSlots | None = None

    def share_pacing(self, slots: SharedSlots | None) -> None:
        """Pace with the other replicas through these slots (None: this process alone)."""
        self._shared = slots

    async def post(
        self,
        channel: str,
        message: SlackMessage,
        *,
        thread_ts: str | None = None,
        priority: int = URGENT,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Post a message (a thread reply when thread_ts is set); returns its ts."""
        kwargs: dict[str, Any] = {
            "channel": channel,
            "text": message.text,
            "blocks": message.blocks,
        }
        if thread_ts is not None:
            kwargs["thread_ts"] = thread_ts
        if metadata is not None:
            kwargs["metadata"] = metadata
        resp = await self._call(
            "chat.postMessage", channel, self.client.chat_postMessage, kwargs, priority
        )
        return str(resp["ts"])

    async def post_thread(
        self, channel: str, messages: list[SlackMessage], *, thread_ts: str
    ) -> list[str]:
        return [await self.post(channel, m, thread_ts=thread_ts) for m in messages]

    async def upload(
        self,
        channel: str,
        *,
        thread_ts: str,
        filename: str,
        content: bytes,
        title: str,
        alt_txt: str,
        priority: int = URGENT,
    ) -> None:
        """Upload a file into a thread (files_upload_v2: get an upload URL, send, complete)."""
        kwargs: dict[str, Any] = {
            "channel": channel,
            "thread_ts": thread_ts,
            "filename": filename,
            "content": content,
            "title": title,
            "alt_txt": alt_txt,
        }
        await self._call("files.upload", channel, self.client.files_upload_v2, kwargs, priority)

    async def update(
        self, channel: str, ts: str, message: SlackMessage, *, priority: int = URGENT
    ) -> None:
        kwargs = {"channel": channel, "ts": ts, "text": message.text, "blocks": message.blocks}
        await self._call("chat.update", channel, self.client.chat_update, kwargs, priority)

    async def _call(
        self,
        method: str,
        channel: str,
        fn: Callable[..., Any],
        kwargs: dict[str, Any],
        priority: int,
    ) -> Any:
        turns = self._turns.setdefault(channel, _Turns())
        ticket = turns.ticket()
        await turns.acquire(priority, ticket)
        held = True
        try:
            while (wait := turns.last + self.interval - self.clock()) > 0:
                await asyncio.sleep(wait)
                if turns.more_urgent_than(priority):
                    # Something more urgent arrived while we waited for the channel's
                    # next slot: let it have the slot, and keep our place behind it.
                    held = False
                    turns.release()
                    await turns.acquire(priority, ticket)
                    held = True
            shared = await self._shared_turn(channel)
            try:
                resp = await fn(**kwargs)
                self._count(method, "ok")
                return resp
            except SlackApiError as e:
                error = str(e.response.get("error", "unknown_error"))
                self._count(method, error)
                raise PostError(error, channel) from e
            finally:
                turns.last = self.clock()
                if shared is not None:
                    await self._give_back(shared, channel)
        finally:
            if held:
                turns.release()

    async def _shared_turn(self, channel: str) -> SharedSlots | None:
        """Take the channel's shared turn; None when there is none to take."""
        shared = self._shared
        if shared is None:
            return None
        try:
            await shared.acquire(channel, self.interval)
        except Exception as e:  # the database is down: pace locally rather than not post
            log.warning("shared Slack pacing unavailable: %r", e, extra={"channel": channel})
            return None
        return shared

    async def _give_back(self, shared: SharedSlots, channel: str) -> None:
        try:
            await asyncio.shield(shared.release(channel, self.interval))
        except Exception as e:  # the turn frees itself after pacing.HOLD
            log.warning("shared Slack pacing turn not released: %r", e, extra={"channel": channel})

    async def find_own_root(self, channel: str, event_type: str, key: str) -> str | None:
        """The ts of a recent top-level message of ours tagged with this key, if any.

        Needs the channels:history (groups:history for private channels) scope; without
        it, or on any error, says None and the caller posts as it would have.
        """
        try:
            resp = await self.client.conversations_history(
                channel=channel, limit=200, include_all_metadata=True
            )
        except SlackApiError as e:
            log.warning("cannot look for an earlier post: %s", e.response.get("error"))
            return None
        for m in resp.get("messages") or []:
            meta = m.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == event_type and payload.get("key") == key:
                return str(m["ts"])
        return None

    def _count(self, method: str, outcome: str) -> None:
        if self._on_call is not None:
            self._on_call(method, outcome)
