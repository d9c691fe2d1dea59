"""Durable state: one interface (`base`), SQLite and PostgreSQL backends, the schema."""

from __future__ import annotations

from bot.state.base import Database, StateUnavailable, Tx
from bot.state.open import open_database

__all__ = ["Database", "StateUnavailable", "Tx", "open_database"]
