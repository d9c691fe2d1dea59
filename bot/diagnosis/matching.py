"""Compiled rule conditions, evaluated against one container of a pod.

A condition compiles once into a small tree of matchers. Evaluating one returns the
evidence that satisfied it (a tuple of human-readable strings, possibly empty for a
negation) or None when it does not hold. Evidence strings name the Kubernetes field
and value, the event, or the log line, so every finding can show why it was made.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from bot.diagnosis.context import FIELDS, Context
from bot.diagnosis.literals import Literals, required_literals
from bot.diagnosis.logtext import clean
from bot.diagnosis.schema import Condition
from bot.facts import Event, TemplateDiff

Evidence = tuple[str, ...]
MAX_EVIDENCE_LINE = 300


def _last_state_label(ctx: Context) -> str:
    return "lastState" if ctx.container.last_state is not None else "state"


class Matcher(Protocol):
    def match(self, ctx: Context) -> Evidence | None: ...

    def variables(self) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Matcher, ...]
    # The order to test the parts in: cheap field tests before log regexes, `optional`
    # last (it never fails), so a rule that does not apply is dropped at its cheapest
    # test. Evidence keeps the order the rule was written in.
    order: tuple[int, ...] = ()

    def match(self, ctx: Context) -> Evidence | None:
        found: list[Evidence] = [()] * len(self.parts)
        saved = dict(ctx.groups)
        for i in self.order or range(len(self.parts)):
            got = self.parts[i].match(ctx)
            if got is None:
                # Groups captured by the parts that did match must not fill placeholders.
                ctx.groups.clear()
                ctx.groups.update(saved)
                return None
            found[i] = got
        return tuple(e for got in found for e in got)

    def variables(self) -> frozenset[str]:
        return frozenset().union(*(p.variables() for p in self.parts))


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Matcher, ...]

    def match(self, ctx: Context) -> Evidence | None:
        for part in self.parts:
            got = part.match(ctx)
            if got is not None:
                return got
        return None

    def variables(self) -> frozenset[str]:
        return frozenset().union(*(p.variables() for p in self.parts))


@dataclass(frozen=True, slots=True)
class Not:
    part: Matcher

    def match(self, ctx: Context) -> Evidence | None:
        saved = dict(ctx.groups)
        matched = self.part.match(ctx) is not None
        ctx.groups.clear()
        ctx.groups.update(saved)
        return None if matched else ()

    def variables(self) -> frozenset[str]:
        return frozenset()  # a negation never captures anything


@dataclass(frozen=True, slots=True)
class Optional:
    """Always holds; quotes its condition's evidence when that holds too."""

    part: Matcher

    def match(self, ctx: Context) -> Evidence | None:
        got = self.part.match(ctx)
        return got if got is not None else ()

    def variables(self) -> frozenset[str]:
        return self.part.variables()


@dataclass(frozen=True, slots=True)
class FieldTest:
    name: str
    test: Callable[[Any], bool]
    pattern: re.Pattern[str] | None = None  # with `regex:`: its named groups are captured

    def match(self, ctx: Context) -> Evidence | None:
        spec = FIELDS[self.name]
        value = spec.get(ctx)
        if not self.test(value):
            return None
        if value is None:
            return ()
        if self.pattern is not None:
            m = self.pattern.search(str(value))
            if m is not None:
                ctx.groups.update({k: v for k, v in m.groupdict().items() if v is not None})
        label = spec.label
        if label.startswith("terminated."):
            label = f"{_last_state_label(ctx)}.{label}"
        return (f"{label}={_show(value)}",)

    def variables(self) -> frozenset[str]:
        return frozenset(self.pattern.groupindex) if self.pattern else frozenset()


@dataclass(frozen=True, slots=True)
class EventTest:
    on: str
    reasons: frozenset[str] | None
    message: re.Pattern[str] | None
    type: str | None
    near_exit: int | None = None

    def match(self, ctx: Context) -> Evidence | None:
        pools: list[tuple[str, tuple[Event, ...]]] = []
        if self.on in ("pod", "any"):
            pools.append(("pod", ctx.pod_events))
        if self.on in ("node", "any"):
            pools.append(("node", ctx.node_events))
        for where, events in pools:
            for ev in events:
                if self.reasons is not None and ev.reason not in self.reasons:
                    continue
                if self.type is not None and ev.type != self.type:
                    continue
                if self.near_exit is not None and not _near_exit(ev, ctx, self.near_exit):
                    continue
                if self.message is not None:
                    m = self.message.search(ev.message)
                    if m is None:
                        continue
                    ctx.groups.update({k: v for k, v in m.groupdict().items() if v is not None})
                times = f" (x{ev.count})" if ev.count > 1 else ""
                return (_clip(f"{where} event {ev.reason}{times}: {ev.message}"),)
        return None

    def variables(self) -> frozenset[str]:
        return frozenset(self.message.groupindex) if self.message else frozenset()


def _near_exit(ev: Event, ctx: Context, window: int) -> bool:
    """Was the event seen while the container ran, or within `window` s of its exit?"""
    t = ctx.container.terminated
    seen = ev.last_seen or ev.first_seen
    if t is None or t.finished_at is None or seen is None:
        return True  # not enough to tell: do not hide evidence
    try:
        start = (t.started_at or t.finished_at) - timedelta(seconds=window)
        end = t.finished_at + timedelta(seconds=window)
        first = ev.first_seen or seen
        return first <= end and seen >= start
    except TypeError:  # one time with a zone, one without
        return True


@dataclass(frozen=True, slots=True)
class LogTest:
    """A regex searched in the previous log; the match nearest the exit is quoted.

    A program that retries logs the same error many times: the last one is what it
    died on, and its named groups are what the rule's text quotes.
    """

    pattern: re.Pattern[str]
    literals: Literals = None  # one of these is in every match (lower-cased), if known

    def match(self, ctx: Context) -> Evidence | None:
        text = ctx.log_text
        if not text:
            return None
        if self.literals is not None:
            lower = ctx.log_lower
            for literal in self.literals:
                if literal in lower:
                    break
            else:
                return None
        last = deque(self.pattern.finditer(text), maxlen=1)
        if not last:
            return None
        m = last[0]
        ctx.groups.update({k: v for k, v in m.groupdict().items() if v is not None})
        line = clean(_quoted_line(ctx, text, m)).strip()
        return (_clip(f"log: {_around(line, m.group(0))}"),)

    def variables(self) -> frozenset[str]:
        return frozenset(self.pattern.groupindex)


def _quoted_line(ctx: Context, text: str, m: re.Match[str]) -> str:
    """The text a log match is quoted by: its line; for a match over several lines (a
    frame, then the exception) the decisive line among them, else all of them."""
    start = text.rfind("\n", 0, m.start()) + 1
    end = text.find("\n", m.start(), max(m.end() - 1, m.start()))
    if end != -1 and ctx.cause_line is not None and ctx.cause_line.index >= 0:
        first = text.count("\n", 0, start)
        last = first + text.count("\n", start, m.end() - 1)
        if first <= ctx.cause_line.index <= last:
            return ctx.container.logs[ctx.cause_line.index] if ctx.container.logs else ""
    stop = text.find("\n", m.end())
    return text[start : stop if stop != -1 else len(text)]


@dataclass(frozen=True, slots=True)
class DecisiveTest:
    """A regex searched in the line that explains the exit (the cause line).

    Quotes the cause line, and the line that says where (a panic's own frame) when
    there is one.
    """

    pattern: re.Pattern[str]

    def match(self, ctx: Context) -> Evidence | None:
        cause = ctx.cause_line
        if cause is None:
            return None
        m = self.pattern.search(cause.text)
        if m is None:
            return None
        ctx.groups.update({k: v for k, v in m.groupdict().items() if v is not None})
        return tuple(_clip(f"log: {d.text}") for d in ctx.decisive)

    def variables(self) -> frozenset[str]:
        return frozenset(self.pattern.groupindex)


@dataclass(frozen=True, slots=True)
class ProbeTest:
    kind: str

    def match(self, ctx: Context) -> Evidence | None:
        kinds = ("liveness", "startup") if self.kind == "any" else (self.kind,)
        for probe in ctx.container.probes:
            if probe.kind in kinds:
                return (
                    f"{probe.kind}Probe: {probe.handler}, every {probe.period_seconds}s, "
                    f"timeout {probe.timeout_seconds}s, failureThreshold {probe.failure_threshold}",
                )
        return None

    def variables(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True, slots=True)
class MountTest:
    sub_path: bool | None
    volume_kind: str | None

    def match(self, ctx: Context) -> Evidence | None:
        for m in ctx.container.mounts:
            if self.sub_path is not None and (m.sub_path is not None) != self.sub_path:
                continue
            if self.volume_kind is not None and m.volume_kind != self.volume_kind:
                continue
            src = (
                f" from {m.volume_kind} {m.source_name}" if m.volume_kind and m.source_name else ""
            )
            sub = f" subPath={m.sub_path}" if m.sub_path else ""
            return (f"volumeMount {m.name} at {m.mount_path}{sub}{src}",)
        return None

    def variables(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True, slots=True)
class ChangeTest:
    """A difference of the revision the crashes began with, in this container or its pod.

    Holds only when the timeline blames the rollout (`began_with_rollout`): a change
    rolled out days before the crashes corroborates nothing.
    """

    fields: tuple[str, ...]
    direction: str | None

    def match(self, ctx: Context) -> Evidence | None:
        change = ctx.facts.change
        if change is None or not change.began_with_rollout:
            return None
        for d in change.diffs:
            if d.container not in (None, ctx.container.name):
                continue
            if not any(d.field == f or d.field.startswith(f + ".") for f in self.fields):
                continue
            if self.direction is not None and not _goes(d, self.direction):
                continue
            rev = "Job" if change.workload.kind == "CronJob" else "revision"
            return (_clip(f"change in {rev} {change.revision}: {d.line}"),)
        return None

    def variables(self) -> frozenset[str]:
        return frozenset()


def _goes(d: TemplateDiff, direction: str) -> bool:
    if direction == "changed":
        return True
    if d.listed:
        return bool(
            d.added if direction == "added" else d.removed if direction == "removed" else ()
        )
    return d.direction == direction


def compile_condition(cond: Condition) -> Matcher:
    """Turn a validated condition into a matcher tree (regexes compiled here, once)."""
    if cond.all_ is not None:
        parts = tuple(compile_condition(c) for c in cond.all_)
        order = tuple(sorted(range(len(parts)), key=lambda i: cost(parts[i])))
        return AllOf(parts, order)
    if cond.any_ is not None:
        return AnyOf(tuple(compile_condition(c) for c in cond.any_))
    if cond.not_ is not None:
        return Not(compile_condition(cond.not_))
    if cond.optional_ is not None:
        return Optional(compile_condition(cond.optional_))
    if cond.field is not None:
        pattern = re.compile(cond.regex) if cond.regex is not None else None
        return FieldTest(cond.field, _operator(cond), pattern)
    if cond.event is not None:
        e = cond.event
        reasons = (
            None
            if e.reason is None
            else frozenset([e.reason] if isinstance(e.reason, str) else e.reason)
        )
        return EventTest(
            e.on, reasons, re.compile(e.message) if e.message else None, e.type, e.near_exit
        )
    if cond.log is not None:
        return LogTest(
            re.compile(cond.log, re.MULTILINE), required_literals(cond.log, re.MULTILINE)
        )
    if cond.decisive is not None:
        return DecisiveTest(re.compile(cond.decisive))
    if cond.probe is not None:
        return ProbeTest(cond.probe)
    if cond.mount is not None:
        return MountTest(cond.mount.sub_path, cond.mount.volume_kind)
    if cond.change is not None:
        f = cond.change.field
        return ChangeTest(tuple([f] if isinstance(f, str) else f), cond.change.direction)
    raise AssertionError("validated conditions have exactly one kind")


def cost(m: Matcher) -> int:
    """How dear a matcher is to test, roughly: fields, probes and mounts are lookups,
    events and the decisive line a short scan, a log regex a scan of up to 64 KiB;
    `optional` always holds, so it goes last."""
    if isinstance(m, Optional):
        return 1000
    if isinstance(m, Not):
        return cost(m.part)
    if isinstance(m, AllOf | AnyOf):
        return sum(cost(p) for p in m.parts)
    if isinstance(m, LogTest):
        return 20
    if isinstance(m, EventTest | DecisiveTest):
        return 3
    return 1


def _operator(cond: Condition) -> Callable[[Any], bool]:
    if cond.equals is not None:
        want = cond.equals
        return lambda v: v is not None and v == want
    if cond.in_ is not None:
        options = frozenset(cond.in_)
        return lambda v: v is not None and v in options
    if cond.regex is not None:
        pattern = re.compile(cond.regex)
        return lambda v: v is not None and pattern.search(str(v)) is not None
    if cond.exists is not None:
        want_exists = cond.exists
        return lambda v: (v is not None and v != "" and v != ()) == want_exists
    lo, hi = cond.gte, cond.lte
    return lambda v: (
        isinstance(v, int | float)
        and not isinstance(v, bool)
        and (lo is None or v >= lo)
        and (hi is None or v <= hi)
    )


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _around(line: str, matched: str) -> str:
    """A long line cut to show what matched: klog and containerd lines put the error
    after hundreds of characters of context."""
    line = " ".join(line.split())
    if len(line) <= MAX_EVIDENCE_LINE - 10:
        return line
    head = " ".join(matched.split())[:60]
    at = line.find(head) if head else -1
    if at < MAX_EVIDENCE_LINE // 2:
        return line
    start = max(0, at - 80)
    return "…" + line[start:]


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_EVIDENCE_LINE else text[: MAX_EVIDENCE_LINE - 1] + "…"
