"""The durable inbox: every notification stored before it is acknowledged, every alert a
work item that ends in a recorded state.

An item's key is the alert's idempotency key (fingerprint, status, startsAt, and endsAt
when resolved), so Alertmanager redelivering a notification adds no work. A repeat of a
still-firing alert (`repeat_interval`) that arrives at least `recheck_after` seconds
after the item was done re-arms it once, to look again for a changed diagnosis.

States: pending -> claimed -> done | ignored | failed; a retry puts an item back to
pending with a later `next_at`. Only one process owns the file, so items still
`claimed` at start-up belong to a worker that died with the previous process and are
put back to pending (`reclaim`).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from bot.alerts.db import Database
from bot.alerts.payload import Alert, Notification

TERMINAL = ("done", "ignored", "failed")


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


class Inbox:
    def __init__(self, db: Database, *, recheck_after: float = 300.0) -> None:
        self.db = db
        self.recheck_after = recheck_after

    async def add(self, body: bytes, notification: Notification, items: list[NewItem]) -> Added:
        """Store the body and its items in one durable transaction."""
        now = time.time()

        def tx(conn: sqlite3.Connection) -> Added:
            cur = conn.execute(
                "INSERT INTO notifications (received_at, group_key, body) VALUES (?, ?, ?)",
                (now, notification.group_key, body.decode("utf-8", "replace")),
            )
            nid = int(cur.lastrowid or 0)
            new = dup = rearmed = 0
            for it in items:
                a = it.alert
                key = a.idempotency_key()
                row = conn.execute(
                    "SELECT state, status, updated_at FROM items WHERE key = ?", (key,)
                ).fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO items (key, notification_id, fingerprint, status, hint,"
                        " alert, state, outcome, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    new += 1
                elif row[0] == "done" and row[1] == "firing" and now - row[2] >= self.recheck_after:
                    conn.execute(
                        "UPDATE items SET state = 'pending', outcome = 'recheck', attempts = 0,"
                        " next_at = 0, deliveries = deliveries + 1, notification_id = ?,"
                        " updated_at = ? WHERE key = ?",
                        (nid, now, key),
                    )
                    rearmed += 1
                else:
                    conn.execute(
                        "UPDATE items SET deliveries = deliveries + 1 WHERE key = ?", (key,)
                    )
                    dup += 1
            return Added(nid, new, dup, rearmed)

        return await self.db.run(tx)

    async def reclaim(self) -> int:
        """Put items claimed by a worker of a previous process back to pending."""

        def tx(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "UPDATE items SET state = 'pending', updated_at = ? WHERE state = 'claimed'",
                (time.time(),),
            )
            return cur.rowcount

        return await self.db.run(tx)

    async def claim(self, limit: int = 100) -> list[Item]:
        """The oldest due pending items, marked claimed."""
        now = time.time()

        def tx(conn: sqlite3.Connection) -> list[Item]:
            rows = conn.execute(
                "SELECT id, key, fingerprint, status, hint, alert, attempts, outcome FROM items"
                " WHERE state = 'pending' AND next_at <= ? ORDER BY id LIMIT ?",
                (now, limit),
            ).fetchall()
            conn.executemany(
                "UPDATE items SET state = 'claimed', updated_at = ? WHERE id = ?",
                [(now, r[0]) for r in rows],
            )
            return [
                Item(r[0], r[1], r[2], r[3], r[4], Alert.model_validate_json(r[5]), r[6], r[7])
                for r in rows
            ]

        return await self.db.run(tx)

    async def finish(self, item_id: int, state: str, outcome: str) -> None:
        assert state in TERMINAL

        def tx(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE items SET state = ?, outcome = ?, updated_at = ? WHERE id = ?",
                (state, outcome, time.time(), item_id),
            )

        await self.db.run(tx)

    async def retry(self, item_id: int, outcome: str, delay: float) -> None:
        now = time.time()

        def tx(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE items SET state = 'pending', outcome = ?, attempts = attempts + 1,"
                " next_at = ?, updated_at = ? WHERE id = ?",
                (outcome, now + delay, now, item_id),
            )

        await self.db.run(tx)

    async def firing_unfinished(self, fingerprint: str, before_id: int) -> bool:
        """Is an earlier firing item of this alert still to be processed?"""

        def tx(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT 1 FROM items WHERE fingerprint = ? AND status = 'firing'"
                " AND state IN ('pending', 'claimed') AND id < ? LIMIT 1",
                (fingerprint, before_id),
            ).fetchone()
            return row is not None

        return await self.db.run(tx)

    async def depth(self) -> int:
        """Items not yet in a final state."""

        def tx(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                "SELECT COUNT(*) FROM items WHERE state IN ('pending', 'claimed')"
            ).fetchone()
            return int(row[0])

        return await self.db.run(tx)

    async def next_due(self) -> float | None:
        """When the next pending item becomes due (epoch seconds), if any."""

        def tx(conn: sqlite3.Connection) -> float | None:
            row = conn.execute("SELECT MIN(next_at) FROM items WHERE state = 'pending'").fetchone()
            return float(row[0]) if row and row[0] is not None else None

        return await self.db.run(tx)

    async def counts(self) -> dict[str, int]:
        def tx(conn: sqlite3.Connection) -> dict[str, int]:
            rows = conn.execute("SELECT state, COUNT(*) FROM items GROUP BY state").fetchall()
            return {str(s): int(n) for s, n in rows}

        return await self.db.run(tx)

    async def prune(self, older_than_seconds: float) -> int:
        """Forget finished items and their notifications older than the given age."""
        cutoff = time.time() - older_than_seconds
        done = ", ".join(f"'{s}'" for s in TERMINAL)

        def tx(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                f"DELETE FROM items WHERE state IN ({done}) AND updated_at < ?", (cutoff,)
            )
            conn.execute(
                "DELETE FROM notifications WHERE received_at < ? AND id NOT IN"
                " (SELECT notification_id FROM items)",
                (cutoff,),
            )
            return cur.rowcount

        return await self.db.run(tx)
