"""Slack's pace of about one message per second per channel, shared by all replicas.

A channel's turn is one row of `channel_slots`: a replica takes it when the row's
`next_at` has passed (an atomic upsert naming itself as `holder`), makes its Slack
call, and gives the turn back with `next_at` one interval after the call returned.
That is the single-process pacer's rule (an interval from the end of one call to the
start of the next), held in the database, so a channel gets one message per interval
however many replicas post to it, even when a replica's event loop runs late. A turn
taken by a replica that dies is free again after `HOLD` seconds. Times are wall-clock:
the replicas' clocks are assumed NTP-synchronised.
"""

from __future__ import annotations

import asyncio
import time

from bot.state.base import Database, Tx

HOLD = 30.0  # the longest a Slack call (with slack_sdk's own retries) may hold a turn
POLL = 0.1  # how often to look again while another replica is posting


class ChannelSlots:
    def __init__(self, db: Database, *, owner: str) -> None:
        self.db = db
        self.owner = owner

    async def acquire(self, channel: str, interval: float) -> None:
        """Wait for the channel's turn and take it."""
        while True:
            wait = await self._try(channel)
            if wait <= 0:
                return
            await asyncio.sleep(min(wait, interval))

    async def _try(self, channel: str) -> float:
        """0 when the turn is ours; else how long to wait before looking again."""
        now = time.time()

        async def tx(c: Tx) -> float:
            taken = await c.fetchone(
                "INSERT INTO channel_slots (channel, next_at, holder) VALUES (?, ?, ?)"
                " ON CONFLICT (channel) DO UPDATE SET next_at = excluded.next_at,"
                " holder = excluded.holder WHERE channel_slots.next_at <= ? RETURNING channel",
                (channel, now + HOLD, self.owner, now),
            )
            if taken is not None:
                return 0.0
            row = await c.fetchone(
                "SELECT next_at, holder FROM channel_slots WHERE channel = ?", (channel,)
            )
            if row is None or row[1]:  # someone is posting: its end is not known yet
                return POLL
            return max(0.01, float(row[0]) - now)

        return await self.db.run(tx)

    async def release(self, channel: str, interval: float) -> None:
        """Give the turn back: the next post may start one interval from now."""

        async def tx(c: Tx) -> None:
            await c.execute(
                "UPDATE channel_slots SET next_at = ?, holder = ''"
                " WHERE channel = ? AND holder = ?",
                (time.time() + interval, channel, self.owner),
            )

        await self.db.run(tx, single=True)
