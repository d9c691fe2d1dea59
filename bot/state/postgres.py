"""The PostgreSQL backend: a `postgresql://` URL that several replicas share.

psycopg 3 (async, typed, server-side parameters) with its connection pool. Each `run`
is one transaction on a pooled connection, retried when PostgreSQL asks for it
(deadlock, serialization failure) and once more when the connection turns out to be
dead (after a database restart the pool still holds the old ones: they are checked
and replaced before the retry). Migrations run at start under an advisory lock, so
replicas that start together migrate one after the other, and a replica that finds
the schema current does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from bot.state.base import Dialect, Params, Row, StateUnavailable
from bot.state.schema import MIGRATIONS, render

T = TypeVar("T")
log = logging.getLogger(__name__)
DIALECT = Dialect(name="postgresql", skip_locked=" FOR UPDATE SKIP LOCKED")
# pg_advisory_xact_lock key of the migrations: any constant shared by every replica.
MIGRATION_LOCK = 0x6372_6173_686C_6F6F  # "crashloo"
RETRIES = 4


@lru_cache(maxsize=512)
def _sql(sql: str) -> str:
    """Our statements use `?` (SQLite's style); psycopg wants `%s`, and `%` escaped."""
    return sql.replace("%", "%%").replace("?", "%s")


def describe(dsn: str) -> str:
    """The DSN without its password, for logs and messages."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "postgresql://(unparsable URL)"
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    return f"postgresql://{parts.get('user') or ''}@{host}:{port}/{parts.get('dbname') or ''}"


class _Tx:
    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        cur = await self._conn.execute(_sql(sql), tuple(params))
        return cur.rowcount

    async def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        async with self._conn.cursor() as cur:
            await cur.executemany(_sql(sql), [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        cur = await self._conn.execute(_sql(sql), tuple(params))
        row = await cur.fetchone()
        return tuple(row) if row is not None else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        cur = await self._conn.execute(_sql(sql), tuple(params))
        return [tuple(r) for r in await cur.fetchall()]


class PostgresDatabase:
    dialect = DIALECT
    shared = True

    def __init__(
        self,
        dsn: str,
        *,
        max_connections: int = 10,
        connect_timeout: float = 5.0,
        start_timeout: float = 60.0,
    ) -> None:
        self.where = describe(dsn)
        self.start_timeout = start_timeout
        self.connect_timeout = connect_timeout
        self._pool = AsyncConnectionPool(
            dsn,
            min_size=1,
            max_size=max_connections,
            open=False,
            timeout=connect_timeout,
            kwargs={"connect_timeout": max(1, int(connect_timeout)), "autocommit": True},
            name="crashloop-state",
        )

    async def open(self) -> None:
        await self._pool.open(wait=False)
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                await self._migrate()
                return
            except (StateUnavailable, psycopg.OperationalError, PoolTimeout) as e:
                if time.monotonic() > deadline:
                    await self._pool.close()
                    raise StateUnavailable(
                        f"CRASHLOOP_STATE={self.where}: PostgreSQL did not answer for "
                        f"{self.start_timeout:.0f}s ({e}); check the URL, the network policy "
                        "and that the database and user exist"
                    ) from e
                log.warning("waiting for PostgreSQL: %s", e, extra={"state": self.where})
                await asyncio.sleep(1.0)

    async def _migrate(self) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            cur = await conn.execute("SELECT MAX(version) FROM schema_version")
            row = await cur.fetchone()
            current = int(row[0]) if row and row[0] is not None else 0
            for m in MIGRATIONS:
                if m.version <= current:
                    continue
                id_type = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                for stmt in render(m, id_type=id_type, real_type="DOUBLE PRECISION"):
                    await conn.execute(stmt)
                await conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (m.version,))
                log.info("state schema migrated", extra={"version": m.version})

    async def run(self, fn: Callable[[Any], Awaitable[T]], *, single: bool = False) -> T:
        for attempt in range(RETRIES):
            try:
                async with self._pool.connection() as conn:
                    if single:  # autocommit connection: the statement is its own transaction
                        return await fn(_Tx(conn))
                    async with conn.transaction():
                        return await fn(_Tx(conn))
            except (errors.DeadlockDetected, errors.SerializationFailure):
                if attempt + 1 == RETRIES:
                    raise
                await asyncio.sleep(0.01 * 2**attempt)
            except psycopg.OperationalError as e:
                # Most likely a pooled connection that died with the server: let the
                # pool weed out the others, then try once more on a fresh one.
                if attempt >= 1:
                    raise StateUnavailable(f"{self.where}: {e}") from e
                await self._pool.check()
            except PoolTimeout as e:
                raise StateUnavailable(f"{self.where}: no connection: {e}") from e
        raise AssertionError("unreachable")

    async def ping(self) -> None:
        try:
            # Short: a readiness probe must answer well within its own timeout.
            async with self._pool.connection(timeout=min(self.connect_timeout, 2.0)) as conn:
                await conn.execute("SELECT 1")
        except (psycopg.Error, PoolTimeout) as e:
            raise StateUnavailable(f"{self.where}: {e}") from e

    async def close(self) -> None:
        await self._pool.close()
