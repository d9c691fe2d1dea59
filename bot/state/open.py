"""Choosing the backend from CRASHLOOP_STATE: a `postgresql://` URL, or a file path."""

from __future__ import annotations

from pathlib import Path

from bot.state.base import Database

URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(state: str) -> bool:
    return state.startswith(URL_SCHEMES)


def open_database(state: str | Path, *, max_connections: int = 10) -> Database:
    """The backend for this setting (not yet opened: call `await db.open()`)."""
    if isinstance(state, str) and is_url(state):
        from bot.state.postgres import PostgresDatabase

        return PostgresDatabase(state, max_connections=max_connections)
    from bot.state.sqlite import SqliteDatabase

    return SqliteDatabase(Path(state))
