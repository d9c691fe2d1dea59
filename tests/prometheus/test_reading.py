"""The reading of memory curves, on plain data: no server involved."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.diagnosis.engine import diagnose
from bot.diagnosis.memory import (
    MAX_POINTS,
    annotate,
    memory_related,
    query_window,
    read_memory,
)
from bot.diagnosis.rules import RuleSet
from bot.facts import Container, PodFacts, Terminated
from bot.render.jsondoc import to_dict
from bot.render.memory import BARS, sparkline
from tests.prometheus.curves import END, MIB, Ctr, Pod, container_facts, pod, series


def test_a_steady_climb_across_restarts_is_a_leak_with_growth_and_time_to_limit() -> None:
    r = read_memory(series(pod("api-leak")))
    assert r.trend == "leak"
    assert r.growth_bytes_per_hour is not None
    assert 290 * MIB < r.growth_bytes_per_hour < 310 * MIB  # the curve grows 300 MiB/h
    assert r.hours_to_limit is not None and 0.9 < r.hours_to_limit < 1.2  # (512-200)/300
    assert r.summary.startswith("grew 29") and "over 6 restarts" in r.summary
    assert "reaches the 512Mi limit about 1.0 h after start: a leak" in r.summary
    assert len(r.kills) == 6 and r.kills[-1] == END


def test_a_jump_just_before_the_kill_is_a_spike_with_when_and_how_much() -> None:
    r = read_memory(series(pod("api-spike")))
    assert r.trend == "spike"
    assert "held near 203 MiB, then jumped 302 MiB to 505 MiB" in r.summary
    assert "before the kill at 09:28 UTC" in r.summary


def test_a_plateau_at_the_limit_suggests_a_limit_from_the_p95_plus_headroom() -> None:
    r = read_memory(series(pod("api-plateau")))
    assert r.trend == "at-limit"
    assert r.suggested_limit_bytes == 704 * MIB  # ceil64(p95 506 MiB x 1.3)
    assert "the limit is too small for its steady state" in r.summary
    assert "try 704Mi" in r.summary


def test_far_below_the_limit_names_what_else_counts_against_it() -> None:
    r = read_memory(series(pod("api-tmpfs")))
    assert r.trend == "below-limit"
    assert "29% of its 512Mi limit" in r.summary
    assert "emptyDir with medium: Memory" in r.summary and "page cache" in r.summary


def test_far_below_the_limit_under_a_system_oom_says_the_node_was_short() -> None:
    r = read_memory(series(pod("api-tmpfs")), rule_ids=["oom-system"])
    assert r.trend == "below-limit"
    assert "the node ran short of memory, not this container" in r.summary


def test_too_few_points_is_unknown() -> None:
    s = series(pod("api-leak"))
    r = read_memory(replace(s, working_set=s.working_set[-3:]))
    assert r.trend == "unknown"
    assert r.summary.startswith("only 3 working-set point(s)")


def test_without_a_known_limit_a_flat_curve_is_unknown_not_below_limit() -> None:
    r = read_memory(replace(series(pod("api-tmpfs")), limit_bytes=None))
    assert r.trend == "unknown" and "no memory limit is known" in r.summary


def test_a_series_of_zeros_without_a_limit_is_unknown() -> None:
    s = series(pod("api-tmpfs"))
    zeros = tuple((t, 0.0) for t, _ in s.working_set)
    r = read_memory(replace(s, working_set=zeros, limit_bytes=None))
    assert r.trend == "unknown" and r.peak_bytes == 0


def test_the_window_ends_at_the_kill_and_covers_six_restarts_in_240_points() -> None:
    c = container_facts(pod("api-leak").containers[0])
    w = query_window(c)
    assert w is not None and w.end == END
    run = c.last_state.run_seconds if c.last_state else None
    assert run is not None
    assert w.end - w.start == timedelta(seconds=6 * (run + 300))  # six runs and backoffs
    assert (w.end - w.start).total_seconds() / w.step_seconds <= MAX_POINTS


def test_a_short_crash_loop_still_gets_the_last_hour() -> None:
    t = Terminated(137, "OOMKilled", None, None, END - timedelta(seconds=20), END)
    w = query_window(Container("api", restart_count=2, last_state=t))
    assert w is not None and w.end - w.start == timedelta(hours=1) and w.step_seconds == 16


@pytest.mark.parametrize(
    ("terminated", "related"),
    [
        (Terminated(137, "OOMKilled"), True),
        (Terminated(137, "Error"), True),
        (Terminated(134, "Error"), True),
        (Terminated(1, "Error", message="java.lang.OutOfMemoryError: Java heap space"), True),
        (Terminated(1, "Error", message="FATAL ERROR: JavaScript heap out of memory"), True),
        (Terminated(1, "Error"), False),
        (Terminated(0, "Completed"), False),
    ],
    ids=["oomkilled", "sigkill", "sigabrt", "jvm-heap", "node-heap", "exit-1", "exit-0"],
)
def test_only_a_memory_related_crash_is_worth_a_query(
    terminated: Terminated, related: bool
) -> None:
    assert memory_related(Container("api", last_state=terminated)) is related


def test_a_memory_finding_gets_the_verdict_and_others_do_not() -> None:
    r = read_memory(series(pod("api-leak")))
    assert annotate("Killed.", "oom-cgroup", "api", r).endswith(f"{r.summary}.")
    assert annotate("Killed.", "app-error", "api", r) == "Killed."
    assert annotate("Killed.", "oom-cgroup", "sidecar", r) == "Killed."


def test_the_engine_appends_the_verdict_to_the_oom_finding_and_the_json_carries_it(
    rules: RuleSet,
) -> None:
    p = pod("api-leak")
    facts = PodFacts(
        namespace="shop",
        name=p.name,
        containers=(container_facts(p.containers[0]),),
        memory=series(p),
    )
    d = diagnose(facts, rules)
    assert d.top is not None and d.top.rule_id == "oom-cgroup"
    assert d.memory is not None
    assert d.top.explanation.endswith(f"Memory before the kill (Prometheus): {d.memory.summary}.")
    doc = to_dict(d)["memory"]
    assert doc["trend"] == "leak" and doc["container"] == "api" and doc["source"] == "prometheus"
    assert doc["limit_bytes"] == 512 * MIB and doc["window"]["end"] == "2026-11-20T09:28:00Z"
    assert doc["points"][-1][0].endswith("Z") and isinstance(doc["points"][-1][1], int)


def test_without_memory_series_the_json_memory_is_null(rules: RuleSet) -> None:
    p = pod("api-leak")
    facts = PodFacts(namespace="shop", name=p.name, containers=(container_facts(p.containers[0]),))
    assert to_dict(diagnose(facts, rules))["memory"] is None


def test_the_sparkline_is_scaled_to_the_limit() -> None:
    r = read_memory(series(pod("api-tmpfs")))
    line = sparkline(r)
    assert 0 < len(line) <= 40 and set(line) <= set(BARS)
    assert max(line) == BARS[2]  # 150 MiB of a 512Mi limit: low bars, never a full one


def _saw(t: float, amp: float, period: float = 300) -> float:
    return amp * ((t % period) / period)  # a garbage collector's sawtooth


@pytest.mark.parametrize(
    ("ctr", "trend"),
    [
        (Ctr("api", 6, 60, lambda t: 200 * MIB + 300 * MIB * t / 3600 + _saw(t, 40 * MIB)), "leak"),
        (Ctr("api", 1, 600, lambda t: 100 * MIB + 38 * MIB * t / 3600 + _saw(t, 10 * MIB)), "leak"),
        (
            Ctr(
                "api",
                4,
                40,
                lambda t: (
                    150 * MIB + 350 * MIB * t / 180
                    if t < 180
                    else 480 * MIB + 25 * MIB * math.sin(t / 40)
                ),
            ),
            "at-limit",
        ),
        (
            Ctr(
                "api",
                3,
                50,
                lambda t: 505 * MIB if t >= 49 * 60 else 200 * MIB + 15 * MIB * math.sin(t / 50),
            ),
            "spike",
        ),
    ],
    ids=["jvm-leak-under-gc-sawtooth", "slow-leak-in-one-10h-run", "noisy-plateau", "noisy-spike"],
)
def test_the_verdict_holds_under_gc_sawtooth_and_noise(ctr: Ctr, trend: str) -> None:
    assert read_memory(series(Pod("noisy", (ctr,)))).trend == trend


def test_a_slow_leak_in_one_long_run_gives_hours_to_the_limit() -> None:
    ctr = Ctr("api", 1, 600, lambda t: 100 * MIB + 38 * MIB * t / 3600 + _saw(t, 10 * MIB))
    r = read_memory(series(Pod("slow", (ctr,))))
    assert r.summary.startswith("grew 38 MiB/h during its last run")
    assert "reaches the 512Mi limit about 11 h after start: a leak" in r.summary
