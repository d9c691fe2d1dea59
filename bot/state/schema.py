"""The schema of the durable state, as migrations both backends apply in order.

Written once with two type names filled in per backend: `{id}` (an auto-numbered
primary key) and `{real}` (a float holding epoch seconds: SQLite's REAL is 8 bytes,
PostgreSQL's is 4, too coarse for a timestamp, so there it is DOUBLE PRECISION).
Version 1 is the schema of the single-replica releases (its statements are
`IF NOT EXISTS`, so a file written by them is adopted as it is); version 2 adds what
several replicas need: claim leases, thread locks and the per-channel Slack slots.
"""

from __future__ import annotations

from bot.state.base import Migration

_V1 = (
    """CREATE TABLE IF NOT EXISTS notifications (
        id {id},
        received_at {real} NOT NULL,
        group_key TEXT NOT NULL,
        body TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS items (
        id {id},
        key TEXT NOT NULL UNIQUE,          -- fingerprint|status|startsAt[|endsAt]
        notification_id BIGINT NOT NULL,
        fingerprint TEXT NOT NULL,
        status TEXT NOT NULL,              -- firing | resolved
        hint TEXT NOT NULL,                -- workload guess
        alert TEXT NOT NULL,               -- the alert as received (JSON)
        state TEXT NOT NULL,               -- pending | claimed | done | ignored | failed
        outcome TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        deliveries INTEGER NOT NULL DEFAULT 1,
        next_at {real} NOT NULL DEFAULT 0,
        created_at {real} NOT NULL,
        updated_at {real} NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS items_by_state ON items(state, next_at)",
    "CREATE INDEX IF NOT EXISTS items_by_fingerprint ON items(fingerprint)",
    """CREATE TABLE IF NOT EXISTS threads (
        key TEXT PRIMARY KEY,              -- cluster/namespace/Kind/name, or alert:<fp>
        channel TEXT NOT NULL,
        state TEXT NOT NULL,               -- posting | posted | failed
        root_ts TEXT,
        replies_posted INTEGER NOT NULL DEFAULT 0,
        owner TEXT NOT NULL,               -- Deployment/ledger-api (Pod/x without an owner)
        base TEXT NOT NULL,                -- the root message without status (JSON)
        replies TEXT NOT NULL,             -- the diagnosis thread replies (JSON)
        cause TEXT NOT NULL,               -- signature of the root's top cause
        summary TEXT NOT NULL,             -- the root's cause in words
        shown_status TEXT NOT NULL DEFAULT '',
        dirty INTEGER NOT NULL DEFAULT 0,
        flushed_at {real} NOT NULL DEFAULT 0,
        last_reply_at {real} NOT NULL DEFAULT 0,
        created_at {real} NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS pods (
        fingerprint TEXT PRIMARY KEY,      -- one alert (a pod, or a container of a pod)
        thread_key TEXT NOT NULL,
        hint TEXT NOT NULL,
        pod TEXT NOT NULL,
        state TEXT NOT NULL,               -- firing | resolved
        diagnosed INTEGER NOT NULL,
        cause TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '',
        started_at {real} NOT NULL,
        ended_at {real},
        noted INTEGER NOT NULL DEFAULT 0,  -- its firing was said in the thread
        resolved_noted INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS pods_by_thread ON pods(thread_key)",
    "CREATE INDEX IF NOT EXISTS pods_by_hint ON pods(hint, diagnosed)",
)

_V2 = (
    # Who holds a claimed item, and until when: past it, any replica takes it over.
    "ALTER TABLE items ADD COLUMN claimed_by TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE items ADD COLUMN lease_until {real} NOT NULL DEFAULT 0",
    """CREATE TABLE IF NOT EXISTS thread_locks (
        key TEXT PRIMARY KEY,              -- a thread key
        holder TEXT NOT NULL,              -- the replica posting to it
        until_at {real} NOT NULL           -- the lease; renewed while held
    )""",
    """CREATE TABLE IF NOT EXISTS channel_slots (
        channel TEXT PRIMARY KEY,
        next_at {real} NOT NULL,           -- the earliest time of the channel's next post
        holder TEXT NOT NULL DEFAULT ''    -- the replica posting now ('' when none)
    )""",
)

MIGRATIONS = (Migration(1, _V1), Migration(2, _V2))


def render(migration: Migration, *, id_type: str, real_type: str) -> list[str]:
    """The migration's statements in one backend's types."""
    return [s.format(id=id_type, real=real_type) for s in migration.statements]
