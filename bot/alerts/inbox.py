"""The durable inbox: every notification stored before it is acknowledged, every alert a
work item that ends in a recorded state.

An item's key is the alert's idempotency key (fingerprint, status, startsAt, and endsAt
when resolved), unique in the database, so Alertmanager redelivering a notification,
or two Alertmanager peers delivering the same one to two replicas at the same moment,
adds no work. A repeat of a still-firing alert (`repeat_interval`) that arrives at least
`recheck_after` seconds after the item was done re-arms it once, to look again for a
changed diagnosis.

States: pending -> claimed -> done | ignored | failed; a retry puts an item back to
pending with a later `next_at`. A claim names its replica (`claimed_by`) and lasts
until `lease_until`; the replica renews the leases of what it holds, so an item whose
lease ran out belongs to a replica that died and the next claim takes it over. With
one process on a SQLite file, items still claimed at start-up are put back at once
(`reclaim`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.alerts.payload import Alert, Notification
from bot.state.base import Database, Tx

TERMINAL = ("done", "ignored", "failed")
_ITEM_COLS = "id, key, fingerprint, status, hint, alert, attempts, outcome"


@dataclass(frozen=True, slots=True)
class NewItem:
    alert: Alert
    hint: str
    state: str = "pending"  # or "ignored" when the alert was not selected
    outcome: str = ""


@dataclass(frozen=True, slots=True)
class Added:
    notification_id: int
    new: int  # items created
    duplicates: int  # redeliveries: nothing to do
    rechecks: int  # repeats re-armed for a fresh look


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    key: str
    fingerprint: str
    status: str
    hint: str
    alert: Alert
    attempts: int
    outcome: str


def _in(ids: list[int]) -> str:
    return "(" + ", ".join("?" for _ in ids) + ")"


class Inbox:
    def __init__(
        self,
        db: Database,
        *,
        recheck_after: float = 300.0,
        owner: str = "local",
        lease: float = 30.0,
    ) -> None:
        self.db = db
        self.recheck_after = recheck_after
        self.owner = owner
        self.lease = lease

    async def add(self, body: bytes, notification: Notification, items: list[NewItem]) -> Added:
        """Store the body and its items in one durable transaction."""
        now = time.time()
        # One order for every transaction: two replicas storing overlapping
        # notifications wait for each other's keys instead of deadlocking.
        ordered = sorted(items, key=lambda it: it.alert.idempotency_key())

        async def tx(c: Tx) -> Added:
            row = await c.fetchone(
                "INSERT INTO notifications (received_at, group_key, body) VALUES (?, ?, ?)"
                " RETURNING id",
                (now, notification.group_key, body.decode("utf-8", "replace")),
            )
            assert row is not None
            nid = int(row[0])
            new = dup = rearmed = 0
            for it in ordered:
                a = it.alert
                key = a.idempotency_key()
                inserted = await c.fetchone(
                    "INSERT INTO items (key, notification_id, fingerprint, status, hint,"
                    " alert, state, outcome, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (key) DO NOTHING RETURNING id",
                    (
                        key,
                        nid,
                        a.alert_fingerprint,
                        a.status,
                        it.hint,
                        a.model_dump_json(by_alias=True),
                        it.state,
                        it.outcome,
                        now,
                        now,
                    ),
                )
                if inserted is not None:
                    new += 1
                    continue
                if await c.execute(
                    "UPDATE items SET state = 'pending', outcome = 'recheck', attempts = 0,"
                    " next_at = 0, deliveries = deliveries + 1, notification_id = ?,"
                    " updated_at = ? WHERE key = ? AND state = 'done' AND status = 'firing'"
                    " AND updated_at <= ?",
                    (nid, now, key, now - self.recheck_after),
                ):
                    rearmed += 1
                else:
                    await c.execute(
                        "UPDATE items SET deliveries = deliveries + 1 WHERE key = ?", (key,)
                    )
                    dup += 1
            return Added(nid, new, dup, rearmed)

        return await self.db.run(tx)

    async def reclaim(self) -> int:
        """One process on a SQLite file: put items a previous process claimed back.

        With a shared database they may belong to a live replica: their leases decide.
        """
        if self.db.shared:
            return 0

        async def tx(c: Tx) -> int:
            return await c.execute(
                "UPDATE items SET state = 'pending', claimed_by = '', updated_at = ?"
                " WHERE state = 'claimed'",
                (time.time(),),
            )

        return await self.db.run(tx, single=True)

    async def claim(self, limit: int = 100) -> list[Item]:
        """The oldest due items (pending, or claimed with a lease run out), now ours.

        Items of a workload hint that another replica holds a live claim on are left to
        it (two replicas claiming at the same moment may still share one: the thread
        lock keeps that correct, this only keeps it rare).
        """
        now = time.time()
        if limit <= 0:
            return []

        async def tx(c: Tx) -> list[Item]:
            rows = await c.fetchall(
                "UPDATE items SET state = 'claimed', claimed_by = ?, lease_until = ?,"
                " updated_at = ? WHERE id IN (SELECT id FROM items"
                " WHERE ((state = 'pending' AND next_at <= ?)"
                " OR (state = 'claimed' AND lease_until < ?))"
                # Leave a workload another replica is working on to that replica: its
                # items would only wait here for the thread's lock.
                " AND hint NOT IN (SELECT hint FROM items WHERE state = 'claimed'"
                " AND claimed_by != ? AND lease_until >= ?)"
                f" ORDER BY id LIMIT ?{self.db.dialect.skip_locked}) RETURNING {_ITEM_COLS}",
                (self.owner, now + self.lease, now, now, now, self.owner, now, limit),
            )
            return [
                Item(r[0], r[1], r[2], r[3], r[4], Alert.model_validate_json(r[5]), r[6], r[7])
                for r in sorted(rows, key=lambda r: int(r[0]))
            ]

        return await self.db.run(tx, single=True)

    async def renew(self, item_ids: list[int]) -> int:
        """Extend the leases of the items this replica still holds; how many it holds."""
        if not item_ids:
            return 0
        until = time.time() + self.lease

        async def tx(c: Tx) -> int:
            return await c.execute(
                "UPDATE items SET lease_until = ? WHERE state = 'claimed' AND claimed_by = ?"
                f" AND id IN {_in(item_ids)}",
                (until, self.owner, *item_ids),
            )

        return await self.db.run(tx, single=True)

    async def finish(self, item_id: int, state: str, outcome: str) -> bool:
        """Record the item's end; False when its claim was lost to another replica."""
        assert state in TERMINAL

        async def tx(c: Tx) -> int:
            return await c.execute(
                "UPDATE items SET state = ?, outcome = ?, updated_at = ?, claimed_by = ''"
                " WHERE id = ? AND state = 'claimed' AND claimed_by = ?",
                (state, outcome, time.time(), item_id, self.owner),
            )

        return bool(await self.db.run(tx, single=True))

    async def retry(self, item_id: int, outcome: str, delay: float) -> bool:
        now = time.time()

        async def tx(c: Tx) -> int:
            return await c.execute(
                "UPDATE items SET state = 'pending', outcome = ?, attempts = attempts + 1,"
                " next_at = ?, updated_at = ?, claimed_by = ''"
                " WHERE id = ? AND state = 'claimed' AND claimed_by = ?",
                (outcome, now + delay, now, item_id, self.owner),
            )

        return bool(await self.db.run(tx, single=True))

    async def firing_unfinished(self, fingerprint: str, before_id: int) -> bool:
        """Is an earlier firing item of this alert still to be processed?"""

        async def tx(c: Tx) -> bool:
            row = await c.fetchone(
                "SELECT 1 FROM items WHERE fingerprint = ? AND status = 'firing'"
                " AND state IN ('pending', 'claimed') AND id < ? LIMIT 1",
                (fingerprint, before_id),
            )
            return row is not None

        return await self.db.run(tx, single=True)

    async def depth(self) -> int:
        """Items not yet in a final state."""

        async def tx(c: Tx) -> int:
            row = await c.fetchone(
                "SELECT COUNT(*) FROM items WHERE state IN ('pending', 'claimed')"
            )
            return int(row[0]) if row else 0

        return await self.db.run(tx, single=True)

    async def next_due(self) -> float | None:
        """When the next pending item becomes due (epoch seconds), if any."""

        async def tx(c: Tx) -> float | None:
            row = await c.fetchone("SELECT MIN(next_at) FROM items WHERE state = 'pending'")
            return float(row[0]) if row and row[0] is not None else None

        return await self.db.run(tx, single=True)

    async def counts(self) -> dict[str, int]:
        async def tx(c: Tx) -> dict[str, int]:
            rows = await c.fetchall("SELECT state, COUNT(*) FROM items GROUP BY state")
            return {str(s): int(n) for s, n in rows}

        return await self.db.run(tx, single=True)

    async def prune(self, older_than_seconds: float) -> int:
        """Forget finished items and their notifications older than the given age."""
        cutoff = time.time() - older_than_seconds
        done = ", ".join(f"'{s}'" for s in TERMINAL)

        async def tx(c: Tx) -> int:
            n = await c.execute(
                f"DELETE FROM items WHERE state IN ({done}) AND updated_at < ?", (cutoff,)
            )
            await c.execute(
                "DELETE FROM notifications WHERE received_at < ? AND id NOT IN"
                " (SELECT notification_id FROM items)",
                (cutoff,),
            )
            return n

        return await self.db.run(tx)
