"""The alert receiver's SQLite database: one connection, one thread, durable commits.

Every statement runs on a single dedicated thread (the only writer), so the event loop
never blocks on disk and transactions never interleave. WAL mode with
`synchronous=FULL` means a commit has reached the disk (fsync of the WAL) when `run`
returns: the webhook answers 200 only after that.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    group_key TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,          -- fingerprint|status|startsAt[|endsAt]
    notification_id INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,              -- firing | resolved
    hint TEXT NOT NULL,                -- workload guess: items of one hint run in order
    alert TEXT NOT NULL,               -- the alert as received (JSON)
    state TEXT NOT NULL,               -- pending | claimed | done | ignored | failed
    outcome TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    deliveries INTEGER NOT NULL DEFAULT 1,
    next_at REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_by_state ON items(state, next_at);
CREATE INDEX IF NOT EXISTS items_by_fingerprint ON items(fingerprint);
CREATE TABLE IF NOT EXISTS threads (
    key TEXT PRIMARY KEY,              -- cluster/namespace/Kind/name, or fp:<fingerprint>
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
    flushed_at REAL NOT NULL DEFAULT 0,
    last_reply_at REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pods (
    fingerprint TEXT PRIMARY KEY,      -- one alert (a pod, or a container of a pod)
    thread_key TEXT NOT NULL,
    hint TEXT NOT NULL,
    pod TEXT NOT NULL,
    state TEXT NOT NULL,               -- firing | resolved
    diagnosed INTEGER NOT NULL,
    cause TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    started_at REAL NOT NULL,
    ended_at REAL,
    noted INTEGER NOT NULL DEFAULT 0,  -- its firing was said in the thread
    resolved_noted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS pods_by_thread ON pods(thread_key);
CREATE INDEX IF NOT EXISTS pods_by_hint ON pods(hint, diagnosed);
"""


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None

    async def open(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crashloop-db")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._connect)

    def _connect(self) -> None:
        if self.path.parent != Path():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(SCHEMA)
        conn.commit()
        self._conn = conn

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(conn)` in one transaction on the database thread; commit on return."""
        if self._executor is None:
            raise RuntimeError("database not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._transaction, fn)

    def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        if conn is None:
            raise RuntimeError("database not open")
        with conn:  # commit, or roll back on an exception
            return fn(conn)

    async def close(self) -> None:
        if self._executor is None:
            return
        loop = asyncio.get_running_loop()

        def close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await loop.run_in_executor(self._executor, close)
        self._executor.shutdown(wait=True)
        self._executor = None
