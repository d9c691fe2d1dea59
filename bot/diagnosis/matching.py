"""Compiled rule conditions, evaluated against one container of a pod.

A condition compiles once into a small tree of matchers. Evaluating one returns the
evidence that satisfied it (a tuple of human-readable strings, possibly empty for a
negation) or None when it does not hold. Evidence strings name the Kubernetes field
and value, the event, or the log line, so every finding can show why it was made.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from bot.diagnosis.exitcodes import ExitCode, describe, signal_name
from bot.facts import Container, Event, PodFacts

if TYPE_CHECKING:
    from bot.diagnosis.rules import Condition

Evidence = tuple[str, ...]
MAX_EVIDENCE_LINE = 300


class Context:
    """One container of one pod, with the derived values rules look at, computed once."""

    __slots__ = ("__dict__", "container", "facts", "groups")

    def __init__(self, facts: PodFacts, container: Container) -> None:
        self.facts = facts
        self.container = container
        self.groups: dict[str, str] = {}  # named regex groups captured while matching

    @cached_property
    def exit(self) -> ExitCode | None:
        t = self.container.terminated
        return describe(t.exit_code) if t and t.exit_code is not None else None

    @cached_property
    def signal(self) -> str | None:
        t = self.container.terminated
        if t is not None and t.signal:
            return signal_name(t.signal)
        return self.exit.signal_name if self.exit else None

    @cached_property
    def log_text(self) -> str:
        return "\n".join(self.container.logs or ())

    @cached_property
    def pod_events(self) -> tuple[Event, ...]:
        return self.facts.events_for(self.container.name)

    @cached_property
    def node_events(self) -> tuple[Event, ...]:
        return self.facts.node.events if self.facts.node else ()


@dataclass(frozen=True, slots=True)
class FieldSpec:
    label: str  # the Kubernetes path shown in evidence
    get: Callable[[Context], Any]


def _term(attr: str) -> Callable[[Context], Any]:
    def get(ctx: Context) -> Any:
        t = ctx.container.terminated
        return getattr(t, attr) if t is not None else None

    return get


def _last_state_label(ctx: Context) -> str:
    return "lastState" if ctx.container.last_state is not None else "state"


# The closed set of fields a rule may test; the label is what evidence quotes.
FIELDS: dict[str, FieldSpec] = {
    "exit_code": FieldSpec("terminated.exitCode", lambda c: c.exit.code if c.exit else None),
    "reason": FieldSpec("terminated.reason", _term("reason")),
    "message": FieldSpec("terminated.message", _term("message")),
    "signal": FieldSpec("signal", lambda c: c.signal),
    "exit_category": FieldSpec("exit code category", lambda c: c.exit.category if c.exit else None),
    "run_seconds": FieldSpec("run time (s)", lambda c: _round(_term("run_seconds")(c))),
    "waiting_reason": FieldSpec("state.waiting.reason", lambda c: c.container.waiting_reason),
    "waiting_message": FieldSpec("state.waiting.message", lambda c: c.container.waiting_message),
    "restart_count": FieldSpec("restartCount", lambda c: c.container.restart_count),
    "init": FieldSpec("init container", lambda c: c.container.init),
    "image": FieldSpec("image", lambda c: c.container.image),
    "memory_limit": FieldSpec("resources.limits.memory", lambda c: c.container.memory_limit),
    "memory_limit_bytes": FieldSpec(
        "resources.limits.memory (bytes)", lambda c: c.container.memory_limit_bytes
    ),
    "owner_kind": FieldSpec("owner kind", lambda c: c.facts.owner.kind if c.facts.owner else None),
    "pod_phase": FieldSpec("status.phase", lambda c: c.facts.phase),
    "node_ready": FieldSpec("node Ready", lambda c: c.facts.node.ready if c.facts.node else None),
    "node_architecture": FieldSpec(
        "node architecture", lambda c: c.facts.node.architecture if c.facts.node else None
    ),
}

# Placeholders every explanation and fix may use; regex named groups add more.
TEMPLATE_VARIABLES = frozenset(
    {
        "namespace",
        "pod",
        "container",
        "image",
        "exit_code",
        "exit_meaning",
        "signal",
        "reason",
        "message",
        "restart_count",
        "memory_limit",
        "node",
        "owner",
        "owner_kind",
        "sysexit",
        "probe",
        "run_seconds",
        "node_architecture",
        "command",
    }
)


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


class Matcher(Protocol):
    def match(self, ctx: Context) -> Evidence | None: ...

    def variables(self) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Matcher, ...]

    def match(self, ctx: Context) -> Evidence | None:
        evidence: list[str] = []
        saved = dict(ctx.groups)
        for part in self.parts:
            got = part.match(ctx)
            if got is None:
                # Groups captured by the parts that did match must not fill placeholders.
                ctx.groups.clear()
                ctx.groups.update(saved)
                return None
            evidence.extend(got)
        return tuple(evidence)

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

    def match(self, ctx: Context) -> Evidence | None:
        spec = FIELDS[self.name]
        value = spec.get(ctx)
        if not self.test(value):
            return None
        if value is None:
            return ()
        label = spec.label
        if label.startswith("terminated."):
            label = f"{_last_state_label(ctx)}.{label}"
        return (f"{label}={_show(value)}",)

    def variables(self) -> frozenset[str]:
        return frozenset()


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
    pattern: re.Pattern[str]

    def match(self, ctx: Context) -> Evidence | None:
        text = ctx.log_text
        if not text:
            return None
        m = self.pattern.search(text)
        if m is None:
            return None
        ctx.groups.update({k: v for k, v in m.groupdict().items() if v is not None})
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        line = text[start : end if end != -1 else len(text)]
        return (_clip(f"log: {line.strip()}"),)

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


def compile_condition(cond: Condition) -> Matcher:
    """Turn a validated condition into a matcher tree (regexes compiled here, once)."""
    if cond.all_ is not None:
        return AllOf(tuple(compile_condition(c) for c in cond.all_))
    if cond.any_ is not None:
        return AnyOf(tuple(compile_condition(c) for c in cond.any_))
    if cond.not_ is not None:
        return Not(compile_condition(cond.not_))
    if cond.optional_ is not None:
        return Optional(compile_condition(cond.optional_))
    if cond.field is not None:
        return FieldTest(cond.field, _operator(cond))
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
        return LogTest(re.compile(cond.log, re.MULTILINE))
    if cond.probe is not None:
        return ProbeTest(cond.probe)
    if cond.mount is not None:
        return MountTest(cond.mount.sub_path, cond.mount.volume_kind)
    raise AssertionError("validated conditions have exactly one kind")


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


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_EVIDENCE_LINE else text[: MAX_EVIDENCE_LINE - 1] + "…"
