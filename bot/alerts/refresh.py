"""Bringing a thread's Slack messages up to date, at most once per interval per thread.

Workers only record what happened to a thread's pods (another pod crashing, a pod
resolved) and mark the thread dirty. The refresher then edits the root message (pod
count, causes, "Resolved after 42m") and posts one note for everything new since the
last refresh, so a storm of a hundred pods costs a few messages, not a hundred.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import aiohttp

from bot.alerts import messages
from bot.alerts.locks import Locks
from bot.alerts.threads import ThreadStore
from bot.slack.poster import BACKGROUND, PostError, SlackPoster

log = logging.getLogger(__name__)


class Refresher:
    def __init__(
        self,
        *,
        threads: ThreadStore,
        poster: SlackPoster,
        locks: Locks,
        interval: float = 2.0,
        tick: float = 0.25,
    ) -> None:
        self.threads = threads
        self.poster = poster
        self.locks = locks
        self.interval = interval
        self.tick = tick
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="crashloop-alert-refresher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                # Concurrently: each channel's pacer still spaces its own posts, but one
                # busy channel no longer holds back the threads of all the others.
                due = await self.threads.due(time.time() - self.interval)
                await asyncio.gather(*(self.refresh(key) for key in due))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("alert thread refresh failed")
            await asyncio.sleep(self.tick)

    async def refresh(self, key: str) -> None:
        async with self.locks(key):
            thread = await self.threads.thread(key)
            if thread is None or thread.root_ts is None or thread.state != "posted":
                return
            try:
                pods = await self.threads.pods(key)
                status = messages.status_line(pods, thread.owner)
                if status != thread.shown_status:
                    root = messages.with_status(thread.base, status)
                    await self.poster.update(
                        thread.channel, thread.root_ts, root, priority=BACKGROUND
                    )
                    await self.threads.shown(key, status)
                new = [p for p in pods if not p.noted]
                fresh = [p for p in new if p.state == "firing"]
                if fresh:
                    note = messages.also_crashing(fresh, thread.owner)
                    await self.poster.post(
                        thread.channel, note, thread_ts=thread.root_ts, priority=BACKGROUND
                    )
                if new:
                    await self.threads.noted([p.fingerprint for p in new], resolved=False)
                gone = [p for p in pods if p.state == "resolved" and not p.resolved_noted]
                if gone:
                    note = messages.resolved(gone)
                    await self.poster.post(
                        thread.channel, note, thread_ts=thread.root_ts, priority=BACKGROUND
                    )
                    await self.threads.noted([p.fingerprint for p in gone], resolved=True)
                await self.threads.refreshed(key)
            except PostError as e:
                if e.cannot_post_here:
                    log.error("cannot update alert thread: %s", e, extra={"thread": key})
                    await self.threads.set_failed(key)
                else:
                    log.warning("alert thread refresh postponed: %s", e, extra={"thread": key})
                    await self.threads.postpone(key)
            except (aiohttp.ClientError, TimeoutError, OSError) as e:
                log.warning("alert thread refresh postponed: %r", e, extra={"thread": key})
                await self.threads.postpone(key)
