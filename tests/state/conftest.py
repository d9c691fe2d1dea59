"""The state tests run once per backend: the SQLite file and a real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.state import Database, open_database
from tests.state.pgserver import PgServer


@dataclass
class Store:
    """One durable store; `replica()` opens another connection to it, as a replica would."""

    backend: str
    where: str
    opened: list[Database] = field(default_factory=list)

    async def replica(self) -> Database:
        db = open_database(self.where)
        await db.open()
        self.opened.append(db)
        return db


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        where = str(tmp_path / "state.sqlite3")
    else:
        server: PgServer = request.getfixturevalue("postgres")
        where = server.fresh_dsn()
    s = Store(request.param, where)
    yield s
    for db in s.opened:
        await db.close()


Opener = Callable[[], Database]
