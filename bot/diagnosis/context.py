"""What a rule can look at: one container of one pod, and the values derived from it.

The rule schema validates field names and placeholders against the tables here, and
the matchers read the values through them, so the vocabulary of rules lives in one
place and neither the schema nor the matchers need each other to know it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from bot.diagnosis.decisive import DecisiveLine, find_decisive
from bot.diagnosis.exitcodes import ExitCode, describe, signal_name
from bot.facts import CHANGE_FIELDS, Container, Event, PodFacts


class Context:
    """One container of one pod, with the derived values rules look at, computed once."""

    __slots__ = ("__dict__", "container", "facts", "groups")

    def __init__(
        self,
        facts: PodFacts,
        container: Container,
        *,
        decisive: tuple[DecisiveLine, ...] | None = None,
    ) -> None:
        self.facts = facts
        self.container = container
        self.groups: dict[str, str] = {}  # named regex groups captured while matching
        if decisive is not None:  # already found by the caller: not twice per diagnosis
            self.__dict__["decisive"] = decisive

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
    def log_lower(self) -> str:
        """The log lower-cased, for the regexes' literal prefilter (literals.py)."""
        return self.log_text.lower()

    @cached_property
    def decisive(self) -> tuple[DecisiveLine, ...]:
        return decisive_lines(self.container)

    @cached_property
    def cause_line(self) -> DecisiveLine | None:
        return next((d for d in self.decisive if d.role == "cause"), None)

    @cached_property
    def pod_events(self) -> tuple[Event, ...]:
        return self.facts.events_for(self.container.name)

    @cached_property
    def node_events(self) -> tuple[Event, ...]:
        return self.facts.node.events if self.facts.node else ()


def decisive_lines(container: Container) -> tuple[DecisiveLine, ...]:
    """The lines of a container's previous log (or termination message) that explain its exit."""
    t = container.terminated
    return find_decisive(container.logs, message=t.message if t else None)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    label: str  # the Kubernetes path shown in evidence
    get: Callable[[Context], Any]


def _term(attr: str) -> Callable[[Context], Any]:
    def get(ctx: Context) -> Any:
        t = ctx.container.terminated
        return getattr(t, attr) if t is not None else None

    return get


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


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
    "sidecar": FieldSpec(
        "init container restartPolicy=Always", lambda c: c.container.restart_policy == "Always"
    ),
    "ready": FieldSpec("ready", lambda c: c.container.ready),
    "running": FieldSpec("state.running", lambda c: c.container.running),
    "crash_looping": FieldSpec(
        "state.waiting.reason=CrashLoopBackOff", lambda c: c.container.crash_looping
    ),
    "image": FieldSpec("image", lambda c: c.container.image),
    "memory_limit": FieldSpec("resources.limits.memory", lambda c: c.container.memory_limit),
    "memory_limit_bytes": FieldSpec(
        "resources.limits.memory (bytes)", lambda c: c.container.memory_limit_bytes
    ),
    "owner_kind": FieldSpec("owner kind", lambda c: c.facts.owner.kind if c.facts.owner else None),
    "pod_phase": FieldSpec("status.phase", lambda c: c.facts.phase),
    "pod_reason": FieldSpec("status.reason", lambda c: c.facts.reason),
    "pod_message": FieldSpec("status.message", lambda c: c.facts.message),
    "pod_scheduled": FieldSpec(
        "condition PodScheduled", lambda c: _condition(c.facts, "PodScheduled")
    ),
    "pod_healthy": FieldSpec("every container running and ready", lambda c: c.facts.healthy),
    "node_ready": FieldSpec("node Ready", lambda c: c.facts.node.ready if c.facts.node else None),
    "node_architecture": FieldSpec(
        "node architecture", lambda c: c.facts.node.architecture if c.facts.node else None
    ),
}


# The template fields a `change:` condition may name (what bot.cluster.revisions diffs).
CHANGE_FIELD_NAMES: frozenset[str] = frozenset(CHANGE_FIELDS)


def _condition(facts: PodFacts, kind: str) -> str | None:
    cond = facts.condition(kind)
    return cond.status if cond else None


# Placeholders every title, explanation and fix may use; regex named groups add more.
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
        "waiting_message",
        "pod_message",
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
        "decisive_line",
        "decisive_location",
    }
)


def template_values(ctx: Context) -> dict[str, str]:
    """The values of TEMPLATE_VARIABLES for one container."""
    facts, container = ctx.facts, ctx.container
    t = container.terminated
    code = ctx.exit
    probe = container.probe("liveness") or container.probe("startup")
    run = t.run_seconds if t else None
    cause = ctx.cause_line
    location = next((d for d in ctx.decisive if d.role == "location"), None)
    return {
        "namespace": facts.namespace,
        "pod": facts.name,
        "container": container.name,
        "image": container.image or "unknown image",
        "exit_code": str(code.code) if code else "unknown",
        "exit_meaning": code.line() if code else "no exit code recorded",
        "signal": ctx.signal or "none",
        "reason": (t.reason if t else None) or "none",
        "message": (t.message if t else None) or "",
        "waiting_message": container.waiting_message or "",
        "pod_message": facts.message or "",
        "restart_count": str(container.restart_count),
        "memory_limit": container.memory_limit or "no limit",
        "node": facts.node_name or "unknown node",
        "owner": f"{facts.owner.kind}/{facts.owner.name}" if facts.owner else "no owner",
        "owner_kind": facts.owner.kind if facts.owner else "Pod",
        "sysexit": code.sysexit.name if code and code.sysexit else "none",
        "probe": f"{probe.kind} probe ({probe.handler})" if probe else "no probe",
        "run_seconds": f"{run:.0f}s" if run is not None else "an unknown time",
        "node_architecture": (facts.node.architecture if facts.node else None) or "unknown",
        "command": " ".join((*container.command, *container.args)) or "the image's entrypoint",
        "decisive_line": cause.text if cause else _no_cause(ctx),
        "decisive_location": location.text if location else "",
    }


def _no_cause(ctx: Context) -> str:
    """What `{decisive_line}` says when the output names no failure."""
    code = f"exit code {ctx.exit.code}" if ctx.exit else "no exit code"
    if ctx.container.logs is None:
        return f"{code}; its previous log could not be read"
    if not any(line.strip() for line in ctx.container.logs):
        return f"{code} with an empty log"
    return f"{code}, and no line of its log names an error"
