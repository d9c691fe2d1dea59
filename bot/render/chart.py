"""The memory chart posted in the thread: working set against the limit, kills marked.

A PNG drawn with matplotlib's Agg backend (no display, thread-safe enough for one
figure per call). matplotlib is imported here, inside `render_chart`, and nowhere
else: a bot without Prometheus never loads it (about 50 MiB of memory, 70 MiB once its
caches are warm, and 0.9 s of CPU to import; docs/benchmarks.md, "Memory chart").

Slack shows images on a white or a near-black background depending on the reader's
theme, so the chart carries its own mid-grey-blue background with light text and
saturated lines: readable on both, never a white box glaring in dark mode.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from bot.diagnosis.memory import MIB, RESET_DROP, MemoryReading, quantity

BACKGROUND = "#2b3240"  # neutral dark slate: contrast against both Slack themes
TEXT = "#e8ecf2"
GRID = "#4a5364"
WORKING_SET = "#4fc3f7"  # light blue
RSS = "#b39ddb"  # lavender, thinner: secondary
LIMIT = "#ff8a65"  # orange
KILL = "#ff5252"  # red
SIZE_INCHES = (8.0, 3.2)
DPI = 100


def render_chart(r: MemoryReading) -> bytes:
    """The PNG bytes of the chart for one reading."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    s = r.series
    fig = Figure(figsize=SIZE_INCHES, dpi=DPI, facecolor=BACKGROUND)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor(BACKGROUND)

    def x(t: datetime) -> float:  # matplotlib's own time axis: days as floats
        return float(mdates.date2num(t))  # type: ignore[no-untyped-call]

    _plot_runs(ax, [(x(t), v / MIB) for t, v in s.working_set], WORKING_SET, 2.0, "working set")
    if s.rss:
        _plot_runs(ax, [(x(t), v / MIB) for t, v in s.rss], RSS, 1.0, "RSS")
    if s.limit_bytes:
        ax.axhline(
            s.limit_bytes / MIB,
            color=LIMIT,
            linestyle="--",
            linewidth=1.5,
            label=f"limit {quantity(s.limit_bytes)}",
        )
    for i, t in enumerate(r.kills):
        ax.axvline(x(t), color=KILL, linewidth=1.0, alpha=0.9, label="kill" if i == 0 else None)
        ax.plot([x(t)], [(s.limit_bytes or r.peak_bytes or 0) / MIB], "x", color=KILL, markersize=8)
    margin = (x(s.end) - x(s.start)) * 0.02  # so the last kill, at the window's end, shows
    ax.set_xlim(x(s.start), x(s.end) + margin)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("MiB", color=TEXT)
    ax.set_title(
        f"{s.container}: {r.trend} (UTC, ending at the last kill)", color=TEXT, fontsize=11
    )
    fmt = "%H:%M" if (s.end - s.start).total_seconds() <= 86400 else "%b %d %H:%M"
    ax.xaxis.set_major_formatter(mdates.DateFormatter(fmt))  # type: ignore[no-untyped-call]
    ax.tick_params(colors=TEXT, labelsize=9)
    for spine in ax.spines.values():
        spine.set_color(GRID)
    ax.grid(True, color=GRID, linewidth=0.5)
    legend = ax.legend(loc="upper left", fontsize=8, facecolor=BACKGROUND, edgecolor=GRID)
    for text in legend.get_texts():
        text.set_color(TEXT)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor=BACKGROUND)
    return out.getvalue()


def _plot_runs(
    ax: Any, points: list[tuple[Any, float]], color: str, width: float, label: str
) -> None:
    """One line per run, so a restart is a break in the line, not a vertical stroke."""
    runs: list[list[tuple[float, float]]] = []
    for p in points:
        if not runs or p[1] < RESET_DROP * runs[-1][-1][1]:
            runs.append([])
        runs[-1].append(p)
    for i, run in enumerate(runs):
        ax.plot(
            [t for t, _ in run],
            [v for _, v in run],
            color=color,
            linewidth=width,
            label=label if i == 0 else None,
        )
