"""The memory curves the tests read, as a scrape would have recorded them.

One source for three uses: the unit tests read the curves directly (as `MemorySeries`),
the Prometheus fixture writes them as OpenMetrics series and backfills TSDB blocks, and
the end-to-end test serves the pods whose terminations they end with.

Every container run is a cAdvisor series of its own (a new cgroup `id` per restart),
sampled every 30 s; kube-state-metrics' limit series spans the whole window. Times are
fixed, so a diagnosis of these pods is the same on every run.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.diagnosis.memory import query_window
from bot.facts import Container, MemorySeries, Terminated

MIB = 1024 * 1024
LIMIT = 512 * MIB
NAMESPACE = "shop"
END = datetime(2026, 11, 20, 9, 28, tzinfo=UTC)  # the last kill of every scenario
SCRAPE = 30  # seconds between samples
GAP = timedelta(minutes=2)  # CrashLoopBackOff between two runs
# Backfilled blocks carry no staleness markers (a live scrape writes one when a restarted
# container's series disappears), so the test Prometheus looks back only this far.
LOOKBACK = timedelta(seconds=SCRAPE * 1.5)

Curve = Callable[[float], float]  # seconds since the run's start -> bytes


@dataclass(frozen=True)
class Ctr:
    name: str
    runs: int  # runs in the data; the last one ends in the kill at END
    run_minutes: float
    curve: Curve
    limit: int = LIMIT
    reason: str = "OOMKilled"
    exit_code: int = 137
    crashing: bool = True


@dataclass(frozen=True)
class Pod:
    name: str
    containers: tuple[Ctr, ...]
    in_prometheus: bool = True
    pod_level: bool = False  # also the pod cgroup (container="") and the pause container
    expect: dict[str, Any] = field(default_factory=dict)


def _wobble(t: float, amp: float) -> float:
    return amp * math.sin(t / 97.0)  # a deterministic jitter, as GC and caches give


def leak(start: float, per_hour: float) -> Curve:
    return lambda t: start + per_hour * t / 3600 + _wobble(t, 2 * MIB)


def spike(level: float, top: float, run_seconds: float, lead: float = 60) -> Curve:
    return lambda t: top if t >= run_seconds - lead else level + _wobble(t, 3 * MIB)


def plateau(start: float, level: float, ramp: float = 180) -> Curve:
    return lambda t: start + (level - start) * t / ramp if t < ramp else level + _wobble(t, 6 * MIB)


def flat(level: float) -> Curve:
    return lambda t: level + _wobble(t, 2 * MIB)


PODS = (
    Pod(
        "api-leak",
        (Ctr("api", runs=6, run_minutes=60, curve=leak(200 * MIB, 300 * MIB)),),
        expect={"trend": "leak", "per_hour_mib": 300},
    ),
    Pod(
        "api-spike",
        (Ctr("api", runs=3, run_minutes=50, curve=spike(200 * MIB, 505 * MIB, 50 * 60)),),
        expect={"trend": "spike"},
    ),
    Pod(
        "api-plateau",
        (Ctr("api", runs=4, run_minutes=40, curve=plateau(150 * MIB, 500 * MIB)),),
        expect={"trend": "at-limit"},
    ),
    Pod(
        "api-tmpfs",
        (Ctr("api", runs=3, run_minutes=30, curve=flat(150 * MIB)),),
        expect={"trend": "below-limit"},
    ),
    Pod("api-nodata", (Ctr("api", runs=3, run_minutes=30, curve=flat(150 * MIB)),), False),
    Pod(
        "api-two",
        (
            Ctr("api", runs=6, run_minutes=60, curve=leak(100 * MIB, 380 * MIB)),
            Ctr(
                "sidecar",
                runs=1,
                run_minutes=7 * 60,
                curve=flat(60 * MIB),
                limit=128 * MIB,
                crashing=False,
            ),
        ),
        pod_level=True,
        expect={"trend": "leak", "container": "api"},
    ),
)


def pod(name: str) -> Pod:
    return next(p for p in PODS if p.name == name)


# -- the runs ----------------------------------------------------------------------------


def runs(c: Ctr) -> list[tuple[datetime, datetime]]:
    """(start, end) of each run, oldest first; the last ends SCRAPE/3 s before END."""
    length = timedelta(minutes=c.run_minutes)
    out = []
    end = END - timedelta(seconds=SCRAPE / 3)
    for _ in range(c.runs):
        out.append((end - length, end))
        end = end - length - GAP
    return out[::-1]


def samples(c: Ctr, start: datetime, end: datetime) -> Iterator[tuple[datetime, float]]:
    t = start
    while t <= end:
        yield t, c.curve((t - start).total_seconds())
        t += timedelta(seconds=SCRAPE)


def container_facts(c: Ctr) -> Container:
    start, _ = runs(c)[-1]
    return Container(
        name=c.name,
        restart_count=c.runs if c.crashing else 0,
        waiting_reason="CrashLoopBackOff" if c.crashing else None,
        running=not c.crashing,
        last_state=Terminated(c.exit_code, c.reason, None, None, start, END)
        if c.crashing
        else None,
        memory_limit=f"{c.limit // MIB}Mi",
        memory_limit_bytes=c.limit,
    )


def series(p: Pod, name: str = "api") -> MemorySeries:
    """The curve as the query would return it (at the query's own step, for unit tests)."""
    c = next(x for x in p.containers if x.name == name)
    w = query_window(container_facts(c))
    assert w is not None
    spans = runs(c)
    points = []
    t = w.start
    while t <= w.end:
        for start, end in spans:
            # the latest sample at or before t, within one scrape (a live Prometheus stops a
            # series at the restart with a staleness marker)
            if start <= t <= end + LOOKBACK:
                since = (min(t, end) - start).total_seconds()
                points.append((t, c.curve(since // SCRAPE * SCRAPE)))
        t += timedelta(seconds=w.step_seconds)
    return MemorySeries(
        container=c.name,
        start=w.start,
        end=w.end,
        step_seconds=w.step_seconds,
        working_set=tuple(points),
        limit_bytes=c.limit,
        kills=(END,),
        restart_count=c.runs,
    )


# -- what Prometheus and the API server hold ------------------------------------------------


def openmetrics() -> str:
    """Every scenario's series, in the OpenMetrics text format promtool backfills."""
    ws: list[str] = []
    rss: list[str] = []
    lim: list[str] = []
    for p in PODS:
        if not p.in_prometheus:
            continue
        base = f'namespace="{NAMESPACE}",pod="{p.name}"'
        totals: dict[datetime, float] = {}
        for c in p.containers:
            for i, (start, end) in enumerate(runs(c)):
                cgroup = f"/kubepods/burstable/pod-{p.name}/{c.name}-{i}"
                labels = f'{base},container="{c.name}",id="{cgroup}",image="shop/{c.name}:1"'
                for t, v in samples(c, start, end):
                    ws.append(f"container_memory_working_set_bytes{{{labels}}} {v:.0f} {_ts(t)}")
                    rss.append(f"container_memory_rss{{{labels}}} {v * 0.9:.0f} {_ts(t)}")
                    totals[t] = totals.get(t, 0.0) + v
            first = runs(c)[0][0] - timedelta(minutes=30)
            t = first
            while t <= END + timedelta(minutes=5):
                lim.append(
                    f'kube_pod_container_resource_limits{{{base},container="{c.name}",'
                    f'resource="memory",unit="byte"}} {c.limit} {_ts(t)}'
                )
                t += timedelta(seconds=SCRAPE)
        if p.pod_level:  # the pod's own cgroup and the pause container: never the answer
            for t, v in sorted(totals.items()):
                for ctr, val in (("", v + 40 * MIB), ("POD", 1 * MIB)):
                    labels = f'{base},container="{ctr}",id="/kubepods/burstable/pod-{p.name}"'
                    ws.append(f"container_memory_working_set_bytes{{{labels}}} {val:.0f} {_ts(t)}")
    return "\n".join(
        [
            "# TYPE container_memory_working_set_bytes gauge",
            *sorted(ws, key=_sample_order),
            "# TYPE container_memory_rss gauge",
            *sorted(rss, key=_sample_order),
            "# TYPE kube_pod_container_resource_limits gauge",
            *sorted(lim, key=_sample_order),
            "# EOF",
            "",
        ]
    )


def _sample_order(line: str) -> tuple[str, float]:
    labels, _, rest = line.rpartition("} ")
    return labels, float(rest.split()[1])


def _ts(t: datetime) -> str:
    return f"{t.timestamp():.0f}"


def pod_objects() -> list[dict[str, Any]]:
    """The pods as the API server serves them (`kubectl get pod -o yaml`)."""
    out = []
    for p in PODS:
        statuses = []
        specs = []
        for c in p.containers:
            start, _ = runs(c)[-1]
            specs.append(
                {
                    "name": c.name,
                    "image": f"shop/{c.name}:1",
                    "resources": {"limits": {"memory": f"{c.limit // MIB}Mi"}},
                }
            )
            status: dict[str, Any] = {
                "name": c.name,
                "image": f"shop/{c.name}:1",
                "ready": not c.crashing,
                "restartCount": c.runs if c.crashing else 0,
                "started": not c.crashing,
            }
            if c.crashing:
                status["state"] = {
                    "waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}
                }
                status["lastState"] = {
                    "terminated": {
                        "exitCode": c.exit_code,
                        "reason": c.reason,
                        "startedAt": _iso(start),
                        "finishedAt": _iso(END),
                    }
                }
            else:
                status["state"] = {"running": {"startedAt": _iso(runs(c)[0][0])}}
            statuses.append(status)
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": p.name,
                    "namespace": NAMESPACE,
                    "uid": f"{zlib.crc32(p.name.encode()):08x}-0000-4000-8000-000000000000",
                },
                "spec": {"nodeName": "worker-1", "containers": specs},
                "status": {"phase": "Running", "containerStatuses": statuses},
            }
        )
    return out


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")
