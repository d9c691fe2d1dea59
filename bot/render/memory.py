"""The memory verdict in each output: the JSON object, a sparkline line, the Slack line.

One place for how a `MemoryReading` is shown, so the terminal, the JSON document and
the Slack thread say the same thing. The PNG chart is in `bot.render.chart` (it needs
matplotlib, imported only when a chart is drawn).
"""

from __future__ import annotations

from typing import Any

from bot.diagnosis.memory import MIB, MemoryReading, quantity
from bot.render.common import iso

BARS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 40


def memory_json(r: MemoryReading | None) -> dict[str, Any] | None:
    """The `memory` object of the JSON document, in the shape issue 12 fixed (None:
    Prometheus was not asked or did not answer)."""
    if r is None:
        return None
    s = r.series
    return {
        "source": s.source,
        "container": s.container,
        "window": {"start": iso(s.start), "end": iso(s.end)},
        "limit_bytes": s.limit_bytes,
        "peak_bytes": r.peak_bytes,
        "trend": r.trend,
        "growth_bytes_per_hour": r.growth_bytes_per_hour,
        "summary": r.summary,
        "points": [[iso(t), int(v)] for t, v in s.working_set],
    }


def sparkline(r: MemoryReading, width: int = SPARK_WIDTH) -> str:
    """The working set in `width` bars (each the mean of its slice: a slice's highest
    point would flatten a leak's sawtooth), scaled to the limit when there is one, so a
    full bar means "at the limit"."""
    values = [v for _, v in r.series.working_set]
    if not values:
        return ""
    top = max([float(r.limit_bytes or 0), *values]) or 1.0
    n = min(width, len(values))
    slices = [values[i * len(values) // n : (i + 1) * len(values) // n] for i in range(n)]
    means = [sum(s) / len(s) for s in slices]
    return "".join(BARS[min(len(BARS) - 1, int(m / top * len(BARS)))] for m in means)


def headline(r: MemoryReading) -> str:
    """The line above the sparkline: container, window, limit and peak."""
    s = r.series
    facts = [f"limit {quantity(s.limit_bytes)}" if s.limit_bytes else "no limit known"]
    if r.peak_bytes is not None:
        facts.append(f"peak {r.peak_bytes / MIB:.0f} MiB")
    since = f"{s.start:%H:%M}" if s.start.date() == s.end.date() else f"{s.start:%b %d %H:%M}"
    return f"Memory of {s.container}, {since}-{s.end:%H:%M} UTC ({', '.join(facts)})"


def text_lines(r: MemoryReading | None) -> list[str]:
    """Two lines for the terminal: the sparkline with its window, then the verdict."""
    if r is None:
        return []
    return [f"{headline(r)}: {sparkline(r)}", f"  {r.trend}: {r.summary}"]


def slack_text(r: MemoryReading) -> str:
    """The thread's memory section (mrkdwn; the chart follows as a file)."""
    return f"*{headline(r)}*\n`{sparkline(r)}`\n*{r.trend}*: {r.summary}"


def alt_text(r: MemoryReading) -> str:
    """The chart's alt text: what a reader who cannot see it must know (the verdict)."""
    return f"Memory of container {r.container} before the kill: {r.trend}. {r.summary}."[:1000]
