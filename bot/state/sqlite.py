"""The SQLite backend: a file, one process, every statement on one dedicated thread.

The thread is the only writer, so the event loop never blocks on disk; an asyncio lock
keeps each transaction whole while its statements hop to that thread. WAL mode with
`synchronous=FULL` means a commit has reached the disk (fsync of the WAL) when `run`
returns: the webhook answers 200 only after that.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bot.state.base import Dialect, Params, Row, StateUnavailable
from bot.state.schema import MIGRATIONS, render

T = TypeVar("T")
R = TypeVar("R")
DIALECT = Dialect(name="sqlite", skip_locked="")


class _Tx:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self._db._call(lambda c: c.execute(sql, tuple(params)).rowcount)

    async def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        await self._db._call(lambda c: c.executemany(sql, [tuple(r) for r in rows]))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        row = await self._db._call(lambda c: c.execute(sql, tuple(params)).fetchone())
        return tuple(row) if row is not None else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        rows = await self._db._call(lambda c: c.execute(sql, tuple(params)).fetchall())
        return [tuple(r) for r in rows]


class SqliteDatabase:
    dialect = DIALECT
    shared = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self._conn: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crashloop-db")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._connect)

    def _connect(self) -> None:
        if self.path.parent != Path():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are begun and ended here, explicitly.
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        # BEGIN IMMEDIATE takes the file's write lock: two processes started on one
        # file migrate one after the other.
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = int(row[0]) if row and row[0] is not None else 0
            for m in MIGRATIONS:
                if m.version <= current:
                    continue
                for stmt in render(m, id_type="INTEGER PRIMARY KEY", real_type="REAL"):
                    conn.execute(stmt)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (m.version,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
        self._conn = conn

    async def _call(self, fn: Callable[[sqlite3.Connection], R]) -> R:
        if self._executor is None or self._conn is None:
            raise StateUnavailable(f"the state file {self.path} is not open")
        conn = self._conn
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, conn)

    async def run(self, fn: Callable[[Any], Awaitable[T]], *, single: bool = False) -> T:
        async with self._lock:
            if single:  # autocommit: the statement is its own transaction
                return await fn(_Tx(self))
            await self._call(lambda c: c.execute("BEGIN IMMEDIATE"))
            try:
                result = await fn(_Tx(self))
            except BaseException:
                # Shielded: a cancelled caller must not leave the transaction open.
                await asyncio.shield(self._call(lambda c: c.execute("ROLLBACK")))
                raise
            await asyncio.shield(self._call(lambda c: c.execute("COMMIT")))
            return result

    async def ping(self) -> None:
        try:
            await self._call(lambda c: c.execute("SELECT 1").fetchone())
        except sqlite3.Error as e:
            raise StateUnavailable(f"the state file {self.path}: {e}") from e

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
