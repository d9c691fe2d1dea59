"""Reading a container's memory curve before its kill: leak, spike, at-limit or below-limit.

For an OOMKilled or SIGKILLed container the on-call's next question is "a leak, or a
limit that is too small?". The answer is in the working-set series Prometheus keeps;
this module holds the knowledge that turns that series into a verdict with numbers.
It is pure: plain data in (`bot.facts.MemorySeries`), plain data out (`MemoryReading`).

It also says when the series is worth asking for (`memory_related`) and which window
to ask for (`query_window`), so that the collector only does the I/O.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.facts import Container, MemorySeries

# The findings whose explanation gets the verdict: the memory findings, in one place.
MEMORY_RULES = frozenset(
    {"oom-cgroup", "oom-system", "sigkill", "jvm-heap-limit", "java-oom-error", "nodejs-heap-oom"}
)
TRENDS = ("leak", "spike", "at-limit", "below-limit", "unknown")

MIB = 1024 * 1024
MIN_POINTS = 6  # fewer working-set points than this and the curve says nothing
RESET_DROP = 0.5  # a fall to under half the previous point is a restart (a new process)
BELOW = 0.7  # killed under 70% of its limit: its working set was not what counted
PLATEAU = 0.8  # the second half of the last run sat above 80% of the limit: a plateau
SPIKE_SHARE = 0.25  # a jump of a quarter of the limit (or peak) just before the kill
LEAK_FIT = 0.7  # r² of a run's straight line for it to count as a steady climb
LEAK_RISE = 0.2  # ...and it climbed at least a fifth of the limit (or peak) in that run
HEADROOM = 1.3  # suggested limit: the healthy period's p95 plus 30%
ROUND_TO = 64 * MIB

# The query window: the last hour or the last several restarts, whichever is longer.
MIN_WINDOW_SECONDS = 3600
RESTARTS_COVERED = 6
BACKOFF_MAX_SECONDS = 300  # kubelet's CrashLoopBackOff ceiling, between two runs
MAX_WINDOW_SECONDS = 7 * 24 * 3600
MAX_POINTS = 240
MIN_STEP_SECONDS = 15  # a usual scrape interval: finer steps only repeat samples

# Heap exhaustion a runtime reports in the termination message before it dies.
_HEAP_MESSAGE = re.compile(
    r"OutOfMemoryError|Java heap space|GC overhead limit exceeded|"
    r"JavaScript heap out of memory|Reached heap limit",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime
    step_seconds: float


@dataclass(frozen=True, slots=True)
class MemoryReading:
    """The verdict on one container's memory curve, with the numbers behind it."""

    series: MemorySeries
    trend: str  # one of TRENDS
    summary: str  # one sentence with the numbers, as it goes into a finding
    peak_bytes: int | None = None
    growth_bytes_per_hour: int | None = None  # leak only
    hours_to_limit: float | None = None  # leak only: from a fresh start to the limit
    suggested_limit_bytes: int | None = None  # at-limit only
    kills: tuple[datetime, ...] = ()  # restarts seen in the series, and the last kill

    @property
    def container(self) -> str:
        return self.series.container

    @property
    def limit_bytes(self) -> int | None:
        return self.series.limit_bytes


def memory_related(container: Container) -> bool:
    """Whether the crash looks memory-related from the pod alone (worth a Prometheus query).

    OOMKilled, SIGKILL (137: the kernel's OOM killer sends it, but so do others), SIGABRT
    (134: Node.js aborts when its heap is full, so does a JVM with
    -XX:+CrashOnOutOfMemoryError), or a runtime's heap message in the termination message.
    """
    t = container.terminated
    if t is None:
        return False
    return (
        t.reason == "OOMKilled"
        or t.exit_code in (137, 134)
        or t.signal in (9, 6)
        or bool(t.message and _HEAP_MESSAGE.search(t.message))
    )


def query_window(container: Container) -> Window | None:
    """The window to read: it ends at the last termination (so a diagnosis is repeatable)
    and covers the last hour or the last several restarts, whichever is longer."""
    t = container.terminated
    if t is None or t.finished_at is None:
        return None
    run = max(t.run_seconds or 0.0, 0.0)
    cycles = min(container.restart_count, RESTARTS_COVERED)
    span = max(MIN_WINDOW_SECONDS, cycles * (run + BACKOFF_MAX_SECONDS))
    span = min(span, MAX_WINDOW_SECONDS)
    step = max(MIN_STEP_SECONDS, math.ceil(span / (MAX_POINTS - 1)))
    return Window(t.finished_at - timedelta(seconds=span), t.finished_at, float(step))


def read_memory(series: MemorySeries, *, rule_ids: Iterable[str] = ()) -> MemoryReading:
    """The verdict. `rule_ids` are the findings' rules (oom-system changes the reading of
    a curve far below the limit: the node was short, not the container)."""
    points = list(series.working_set)
    limit = series.limit_bytes
    if len(points) < MIN_POINTS:
        return MemoryReading(
            series,
            "unknown",
            f"only {len(points)} working-set point(s) of container {series.container} in the "
            f"{_duration((series.end - series.start).total_seconds())} before the kill: "
            "too few to read the curve",
            peak_bytes=int(max(v for _, v in points)) if points else None,
        )
    runs = split_runs(points, series.step_seconds)
    kills = tuple(r[-1][0] for r in runs[:-1]) + (series.kills[-1:] or (runs[-1][-1][0],))
    peak = max(v for _, v in points)
    last = runs[-1]
    at_kill = max(v for _, v in last[-3:])
    scale = float(limit) if limit else peak
    peak_bytes = int(peak)

    if limit and at_kill < BELOW * limit:
        share = at_kill / limit
        if "oom-system" in set(rule_ids):
            text = (
                f"was at {_mib(at_kill)} ({share:.0%} of its {quantity(limit)} limit) when killed: "
                "the node ran short of memory, not this container"
            )
        else:
            text = (
                f"was at {_mib(at_kill)} ({share:.0%} of its {quantity(limit)} limit) when killed: "
                "what counted was not its working set but tmpfs or an emptyDir with "
                "medium: Memory, page cache, another process, or a burst shorter than the "
                "scrape interval"
            )
        return MemoryReading(series, "below-limit", text, peak_bytes=peak_bytes, kills=kills)

    spike = _spike(last, scale, series.step_seconds)
    if spike is not None:
        when, before, jump = spike
        lead = (kills[-1] - when).total_seconds()
        text = (
            f"held near {_mib(before)}, then jumped {_mib(jump)} to {_mib(at_kill)} in the "
            f"{_duration(lead)} before the kill at {kills[-1]:%H:%M} UTC"
            + (f" ({quantity(limit)} limit)" if limit else "")
            + ": a spike, one burst of work that needed more than the limit"
        )
        return MemoryReading(series, "spike", text, peak_bytes=peak_bytes, kills=kills)

    leak = _leak(runs, scale)
    if leak is not None:
        per_hour, start_level = leak
        restarts = len(kills)
        over = f"over {restarts} restarts" if restarts > 1 else "during its last run"
        hours = (limit - start_level) / per_hour if limit and limit > start_level else None
        reach = (
            f" and reaches the {quantity(limit)} limit about {_hours(hours)} after start"
            if hours is not None and limit
            else ""
        )
        text = f"grew {_mib(per_hour)}/h {over}{reach}: a leak"
        return MemoryReading(
            series,
            "leak",
            text,
            growth_bytes_per_hour=int(per_hour),
            hours_to_limit=hours,
            peak_bytes=peak_bytes,
            kills=kills,
        )

    if limit:
        second_half = [v for _, v in last[len(last) // 2 :]]
        level = statistics.median(second_half)
        if level >= PLATEAU * limit:
            healthy = [v for run in runs for _, v in run[:-2]] or [v for _, v in points]
            p95 = percentile(healthy, 0.95)
            suggested = _round_up(max(p95 * HEADROOM, limit + ROUND_TO))
            minutes = (last[-1][0] - last[len(last) // 2][0]).total_seconds()
            text = (
                f"sat at {_mib(level)} ({level / limit:.0%} of its {quantity(limit)} limit) for at "
                f"least {_duration(minutes)} before the kill: the limit is too small for its "
                f"steady state; p95 was {_mib(p95)}, so try {quantity(suggested)} "
                f"(p95 plus {HEADROOM - 1:.0%} headroom)"
            )
            return MemoryReading(
                series,
                "at-limit",
                text,
                suggested_limit_bytes=suggested,
                peak_bytes=peak_bytes,
                kills=kills,
            )
        text = (
            f"peaked at {_mib(peak)} ({peak / limit:.0%} of its {quantity(limit)} limit) with no "
            "steady climb, spike or plateau to read"
        )
    else:
        text = (
            f"peaked at {_mib(peak)} with no steady climb or spike, and no memory limit is "
            "known to compare with"
        )
    return MemoryReading(series, "unknown", text, peak_bytes=peak_bytes, kills=kills)


def annotate(explanation: str, rule_id: str, container: str, reading: MemoryReading) -> str:
    """A memory finding's explanation with the verdict appended (others unchanged)."""
    if rule_id not in MEMORY_RULES or container != reading.container:
        return explanation
    return f"{explanation}\n\nMemory before the kill (Prometheus): {reading.summary}."


# -- the curve ---------------------------------------------------------------------------

Point = tuple[datetime, float]


def split_runs(points: Sequence[Point], step: float) -> list[list[Point]]:
    """The points cut into runs of one process: at a restart's fall, or a gap (backoff)."""
    runs: list[list[Point]] = [[points[0]]]
    for prev, cur in itertools.pairwise(points):
        gap = (cur[0] - prev[0]).total_seconds()
        if cur[1] < RESET_DROP * prev[1] or gap > 3 * step:
            runs.append([])
        runs[-1].append(cur)
    return runs


def _spike(run: list[Point], scale: float, step: float) -> tuple[datetime, float, float] | None:
    """(when it began, the level before, the jump) when the run ends in a sudden jump."""
    tail = max(2, math.ceil(120 / step))  # "just before the kill": the last two minutes
    if len(run) < tail + 3:
        return None
    before = [v for _, v in run[:-tail]]
    level = percentile(before, 0.9)
    top = max(v for _, v in run[-tail:])
    jump = top - level
    spread = percentile(before, 0.9) - percentile(before, 0.1)
    if jump <= 0 or jump < SPIKE_SHARE * scale or spread > jump / 2:
        return None  # not big enough, or the run was already moving as much
    when = next(t for t, v in run[-tail:] if v > level + jump / 2)
    return when, level, jump


def _leak(runs: list[list[Point]], scale: float) -> tuple[float, float] | None:
    """(growth in bytes per hour, level at start) when the runs climb steadily."""
    fits = [f for r in runs if len(r) >= 4 and (f := _fit(r)) is not None]
    if not fits:
        return None
    climbing = [
        (slope, start)
        for slope, r2, rise, late, start in fits
        if slope > 0 and r2 >= LEAK_FIT and rise >= LEAK_RISE * scale and late >= 0.5 * slope
    ]
    if len(climbing) * 2 < len(fits):
        return None
    per_hour = statistics.median(s for s, _ in climbing) * 3600
    return per_hour, statistics.median(st for _, st in climbing)


def _fit(run: list[Point]) -> tuple[float, float, float, float, float] | None:
    """Least squares over one run: (slope/s, r², fitted rise, second-half slope, start)."""
    t0 = run[0][0]
    xs = [(t - t0).total_seconds() for t, _ in run]
    ys = [v for _, v in run]
    if xs[-1] <= 0:
        return None
    slope, intercept, r2 = _line(xs, ys)
    half = len(run) // 2
    late = _line(xs[half:], ys[half:])[0] if len(run) - half >= 2 else slope
    return slope, r2, slope * xs[-1], late, intercept


def _line(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    if sxx == 0:
        return 0.0, my, 0.0
    slope = sxy / sxx
    r2 = (sxy * sxy) / (sxx * syy) if syy else 0.0
    return slope, my - slope * mx, r2


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th quantile by linear interpolation (as numpy's default)."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


# -- words -------------------------------------------------------------------------------


def _mib(b: float) -> str:
    return f"{b / MIB:.0f} MiB" if abs(b) >= 10 * MIB else f"{b / MIB:.1f} MiB"


def quantity(b: int) -> str:
    """Bytes as Kubernetes writes a limit: 512Mi, 2Gi."""
    if b % (1024 * MIB) == 0:
        return f"{b // (1024 * MIB)}Gi"
    if b % MIB == 0:
        return f"{b // MIB}Mi"
    return f"{b} bytes"


def _round_up(b: float) -> int:
    return int(math.ceil(b / ROUND_TO) * ROUND_TO)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _hours(h: float) -> str:
    if h < 1:
        return f"{h * 60:.0f} min"
    return f"{h:.0f} h" if h >= 10 else f"{h:.1f} h"
