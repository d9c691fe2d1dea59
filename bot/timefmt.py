"""Times and spans as the sentences of a diagnosis write them: one format everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def clock(t: datetime) -> str:
    """`2026-11-20 09:27 UTC`: a moment the reader can find in their own dashboards."""
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def span(d: timedelta) -> str:
    """`45 s`, `12 min`, `5 h`, `3 days`: a gap, rounded down to the unit that reads."""
    s = max(0, int(d.total_seconds()))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 2 * 86400:
        return f"{s // 3600} h"
    return f"{s // 86400} days"
