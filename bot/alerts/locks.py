"""One writer per thread at a time, across every replica: a thread's messages in order.

Within a process an asyncio lock per thread key does it. With a shared database each
holder also takes the thread's row in `thread_locks`, a lease naming the replica that
it renews while it holds the lock and deletes when done. A replica that dies holding
one blocks that thread until the lease runs out, then the next taker gets it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator

from bot.state.base import Database, Tx

log = logging.getLogger(__name__)


class Locks:
    def __init__(
        self,
        db: Database | None = None,
        *,
        owner: str = "local",
        lease: float = 30.0,
        poll: float = 0.05,
    ) -> None:
        self.db = db if db is not None and db.shared else None
        self.owner = owner
        self.lease = lease
        self.poll = poll
        self._local: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    @contextlib.asynccontextmanager
    async def __call__(self, key: str) -> AsyncIterator[None]:
        async with self._local[key]:
            if self.db is None:
                yield
                return
            await self._acquire(key)
            renewer = asyncio.create_task(self._renew(key), name=f"crashloop-lock-{key}")
            try:
                yield
            finally:
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer
                try:
                    await asyncio.shield(self._release(key))
                except Exception as e:  # the lease runs out by itself
                    log.warning("thread lock not released: %r", e, extra={"thread": key})

    async def _try(self, key: str) -> bool:
        assert self.db is not None
        now = time.time()

        async def tx(c: Tx) -> bool:
            row = await c.fetchone(
                "INSERT INTO thread_locks (key, holder, until_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET holder = excluded.holder,"
                " until_at = excluded.until_at"
                " WHERE thread_locks.until_at < ? OR thread_locks.holder = excluded.holder"
                " RETURNING holder",
                (key, self.owner, now + self.lease, now),
            )
            return row is not None

        return await self.db.run(tx, single=True)

    async def _acquire(self, key: str) -> None:
        wait = self.poll
        while not await self._try(key):
            await asyncio.sleep(wait)
            wait = min(wait * 2, 0.5)

    async def _renew(self, key: str) -> None:
        assert self.db is not None
        db = self.db
        while True:
            await asyncio.sleep(self.lease / 3)

            async def tx(c: Tx) -> int:
                return await c.execute(
                    "UPDATE thread_locks SET until_at = ? WHERE key = ? AND holder = ?",
                    (time.time() + self.lease, key, self.owner),
                )

            try:
                if not await db.run(tx, single=True):
                    log.error("thread lock lost to another replica", extra={"thread": key})
            except Exception as e:
                log.warning("thread lock not renewed: %r", e, extra={"thread": key})

    async def _release(self, key: str) -> None:
        assert self.db is not None

        async def tx(c: Tx) -> None:
            await c.execute(
                "DELETE FROM thread_locks WHERE key = ? AND holder = ?", (key, self.owner)
            )

        await self.db.run(tx, single=True)
