"""One interface to the durable state, whichever database holds it.

The alert pipeline's stores (inbox, threads, thread locks, channel pacing) write their
statements once, against `Tx`, in the SQL both backends understand (`?` placeholders,
`INSERT ... ON CONFLICT`, `RETURNING`). What differs lives in the backends side by side:
the schema's types, how a transaction is run, how migrations are serialised between
processes, and the `Dialect` phrases a statement may need (row locks).

- SQLite (`bot.state.sqlite`): a file, one process, the embedded default.
- PostgreSQL (`bot.state.postgres`): a `postgresql://` URL shared by several replicas.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
Row = tuple[Any, ...]
Params = Sequence[object]


class StateUnavailable(Exception):
    """The database cannot be reached or refused the transaction; the caller retries."""


@dataclass(frozen=True, slots=True)
class Dialect:
    """The few phrases that differ between the backends' SQL."""

    name: str
    # Appended to a SELECT whose rows are about to be claimed: other replicas skip
    # the rows this transaction holds instead of waiting for them.
    skip_locked: str


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema; applied once, in order, recorded in `schema_version`."""

    version: int
    statements: tuple[str, ...]


class Tx(Protocol):
    """The statements of one transaction."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Sequence[Params]) -> None: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


class Database(Protocol):
    """A transactional store: `run(fn)` runs `fn(tx)` in one transaction and commits."""

    dialect: Dialect
    # True when several processes share the database: what a process finds claimed at
    # start-up may belong to a live replica, and Slack pacing must be shared.
    shared: bool
    # Where the state lives, for logs (no password).
    where: str

    async def open(self) -> None:
        """Connect and bring the schema up to date (safe with several processes)."""
        ...

    async def close(self) -> None: ...

    async def run(self, fn: Callable[[Tx], Awaitable[T]], *, single: bool = False) -> T:
        """Run `fn` in one transaction; raises StateUnavailable when the database is.

        `single`: `fn` runs exactly one statement, a transaction by itself, so no
        BEGIN and COMMIT are sent (two round trips fewer on PostgreSQL).
        """
        ...

    async def ping(self) -> None:
        """One round trip; raises StateUnavailable when the database does not answer."""
        ...
