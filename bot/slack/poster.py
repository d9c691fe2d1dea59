"""Posting to Slack: paced per channel, retried on 429 and 5xx, never a silent loss.

Slack allows about one message per second per channel. Every post to a channel goes
through that channel's pacer, so a burst of commands or an alert storm is spread out
instead of being answered with 429s; when a 429 still comes, slack_sdk's retry
handler waits for `Retry-After` and tries again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


@dataclass
class _Pacer:
    interval: float
    lock: asyncio.Lock
    last: float = 0.0


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
        self._pacers: dict[str, _Pacer] = {}
        self._on_call = on_call

    async def post(
        self, channel: str, message: SlackMessage, *, thread_ts: str | None = None
    ) -> str:
        """Post a message (a thread reply when thread_ts is set); returns its ts."""
        kwargs: dict[str, Any] = {
            "channel": channel,
            "text": message.text,
            "blocks": message.blocks,
        }
        if thread_ts is not None:
            kwargs["thread_ts"] = thread_ts
        resp = await self._call("chat.postMessage", channel, self.client.chat_postMessage, kwargs)
        return str(resp["ts"])

    async def post_thread(
        self, channel: str, messages: list[SlackMessage], *, thread_ts: str
    ) -> list[str]:
        return [await self.post(channel, m, thread_ts=thread_ts) for m in messages]

    async def update(self, channel: str, ts: str, message: SlackMessage) -> None:
        kwargs = {"channel": channel, "ts": ts, "text": message.text, "blocks": message.blocks}
        await self._call("chat.update", channel, self.client.chat_update, kwargs)

    async def _call(
        self, method: str, channel: str, fn: Callable[..., Any], kwargs: dict[str, Any]
    ) -> Any:
        pacer = self._pacer(channel)
        async with pacer.lock:
            wait = pacer.last + pacer.interval - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                resp = await fn(**kwargs)
                self._count(method, "ok")
                return resp
            except SlackApiError as e:
                error = str(e.response.get("error", "unknown_error"))
                self._count(method, error)
                raise PostError(error, channel) from e
            finally:
                pacer.last = self.clock()

    def _pacer(self, channel: str) -> _Pacer:
        if channel not in self._pacers:
            self._pacers[channel] = _Pacer(self.interval, asyncio.Lock())
        return self._pacers[channel]

    def _count(self, method: str, outcome: str) -> None:
        if self._on_call is not None:
            self._on_call(method, outcome)
