"""Feeding inbox items to N workers, in order per workload, with retries and backoff.

Items are claimed from the inbox oldest first and handed to the worker chosen by
their workload hint, so the alerts of one workload are handled one after another by
one worker (a resolution never overtakes its firing, two pods of a workload never race
to start the same thread) while different workloads proceed in parallel.

Every claimed item is held under a lease that a heartbeat renews while the item waits
in memory or is being handled; an item whose handling ends without a recorded state
(the database failed) is let go, and its lease running out hands it to whichever
replica claims next. With a shared database a replica claims small batches, so a storm
spreads over the replicas instead of queueing in the first one's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Awaitable, Callable

from bot.alerts.inbox import Inbox, Item
from bot.alerts.worker import Done, Failed, Retry

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # about an hour of retries with the backoff below
BACKOFF_CAP = 600.0
QUEUE_TARGET = 200  # claimed items waiting in memory, at most (roughly)


def backoff(attempts: int, *, base: float = 1.0) -> float:
    """Seconds before the next try after `attempts` failures: 1, 2, 4 ... capped."""
    return float(min(BACKOFF_CAP, base * 2 ** max(0, attempts)))


class Dispatcher:
    def __init__(
        self,
        inbox: Inbox,
        process: Callable[[Item], Awaitable[Done]],
        *,
        workers: int,
        on_depth: Callable[[int], None] | None = None,
        backoff_base: float = 1.0,
        poll: float = 1.0,
        batch: int = QUEUE_TARGET,
    ) -> None:
        self.inbox = inbox
        self.process = process
        self.on_depth = on_depth
        self.backoff_base = backoff_base
        self.poll = poll
        self._queues: list[asyncio.Queue[Item]] = [asyncio.Queue() for _ in range(workers)]
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._held: set[int] = set()  # claimed items this replica has not let go of
        self.batch = batch

    async def start(self) -> None:
        reclaimed = await self.inbox.reclaim()
        if reclaimed:
            log.info("resuming alert items left unfinished", extra={"items": reclaimed})
        self._tasks.append(asyncio.create_task(self._feed(), name="crashloop-alert-feed"))
        self._tasks.append(asyncio.create_task(self._heartbeat(), name="crashloop-alert-heartbeat"))
        for i, q in enumerate(self._queues):
            self._tasks.append(asyncio.create_task(self._work(q), name=f"crashloop-alert-{i}"))

    async def stop(self) -> None:
        pending = set(self._tasks)
        for _ in range(10):  # a task that missed one cancellation gets another
            if not pending:
                break
            for t in pending:
                t.cancel()
            _, pending = await asyncio.wait(pending, timeout=1.0)
        if pending:
            log.error("alert workers did not stop", extra={"tasks": len(pending)})
        self._tasks.clear()

    def wake(self) -> None:
        self._wake.set()

    async def _feed(self) -> None:
        while True:
            try:
                await self._report_depth()
                waiting = sum(q.qsize() for q in self._queues)
                low = waiting <= self.batch // 4
                items = await self.inbox.claim(self.batch - waiting) if low else []
                for item in items:
                    self._held.add(item.id)
                    self._queues[zlib.crc32(item.hint.encode()) % len(self._queues)].put_nowait(
                        item
                    )
                if items:
                    continue
                due = await self.inbox.next_due()
                delay = self.poll if due is None else min(self.poll, max(0.0, due - time.time()))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("alert inbox read failed")
                delay = self.poll
            self._wake.clear()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that lands as its timeout fires, and stop() would wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(delay, 0.05)):
                    await self._wake.wait()

    async def _work(self, queue: asyncio.Queue[Item]) -> None:
        while True:
            item = await queue.get()
            try:
                await self._handle(item)
            except asyncio.CancelledError:
                raise
            except Exception:  # the state itself failed: the lease hands the item on
                log.exception("alert item could not be recorded", extra={"alert_key": item.key})
            finally:
                self._held.discard(item.id)
            if queue.empty():
                self._wake.set()

    async def _heartbeat(self) -> None:
        """Renew the leases of the items held here, well before they run out."""
        while True:
            await asyncio.sleep(self.inbox.lease / 3)
            try:
                await self.inbox.renew(sorted(self._held))
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.warning("alert item leases not renewed: %r", e)

    async def _handle(self, item: Item) -> None:
        extra = {"alert_key": item.key, "attempt": item.attempts + 1}
        try:
            done = await self.process(item)
        except Retry as e:
            await self._retry(item, str(e), extra)
            return
        except Failed as e:
            log.error("alert item failed: %s", e, extra=extra)
            await self.inbox.finish(item.id, "failed", str(e))
            return
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.exception("alert item raised", extra=extra)
            await self._retry(item, f"error: {type(e).__name__}: {e}", extra)
            return
        log.info("alert item %s: %s", done.state, done.outcome, extra=extra)
        await self.inbox.finish(item.id, done.state, done.outcome)

    async def _retry(self, item: Item, reason: str, extra: dict[str, object]) -> None:
        if item.attempts + 1 >= MAX_ATTEMPTS:
            log.error("alert item failed after %d tries: %s", MAX_ATTEMPTS, reason, extra=extra)
            await self.inbox.finish(item.id, "failed", f"gave up: {reason}")
            return
        delay = backoff(item.attempts, base=self.backoff_base)
        log.warning("alert item will be retried in %.0fs: %s", delay, reason, extra=extra)
        prefix = "recheck; " if item.outcome.startswith("recheck") else ""
        await self.inbox.retry(item.id, f"{prefix}retry: {reason}", delay)

    async def _report_depth(self) -> None:
        if self.on_depth is not None:
            self.on_depth(await self.inbox.depth())
