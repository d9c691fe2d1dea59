"""The diagnosis engine: facts and rules in, ranked findings with evidence out.

Pure and synchronous. Rules are evaluated per crash-looping container; a rule that
matches drops the rules it `supersedes` for that container (a liveness kill that
ended with exit 0 is a probe restart, not a clean exit), and findings are ranked by
priority (the more specific cause first), then severity.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.diagnosis.exitcodes import ExitCode, describe, signal_name
from bot.diagnosis.matching import Context
from bot.diagnosis.rules import Rule, RuleSet, Severity
from bot.errors import TargetError
from bot.facts import Container, PodFacts


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    title: str
    severity: str
    container: str
    explanation: str
    evidence: tuple[str, ...]
    fixes: tuple[str, ...]
    docs: tuple[str, ...]
    priority: int


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The result for one pod: the facts, the container in question, the findings."""

    facts: PodFacts
    container: Container | None
    findings: tuple[Finding, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.facts.warnings

    @property
    def top(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    @property
    def exit(self) -> ExitCode | None:
        t = self.container.terminated if self.container else None
        return describe(t.exit_code) if t and t.exit_code is not None else None


def diagnose(facts: PodFacts, rules: RuleSet, *, container: str | None = None) -> Diagnosis:
    """Diagnose a pod. `container` overrides the default choice of crash-looping container."""
    if container is not None:
        chosen = facts.container(container)
        if chosen is None:
            names = ", ".join(c.name for c in facts.containers) or "none"
            raise TargetError(
                f'container "{container}" not found in pod {facts.namespace}/{facts.name} '
                f"(containers: {names})"
            )
    else:
        chosen = facts.default_container()
    if chosen is None:
        return Diagnosis(facts=facts, container=None, findings=())
    # Other crash-looping containers are reported too, unless one was asked for by name.
    others = [] if container else [c for c in facts.crashing_containers() if c.name != chosen.name]
    findings: list[Finding] = []
    for c in [chosen, *others]:
        findings.extend(evaluate(facts, c, rules))
    return Diagnosis(facts=facts, container=chosen, findings=tuple(findings))


def evaluate(facts: PodFacts, container: Container, rules: RuleSet) -> list[Finding]:
    """The ranked findings of every rule for one container."""
    matched: list[tuple[Rule, tuple[str, ...], dict[str, str]]] = []
    for rule in rules.rules:
        ctx = Context(facts, container)
        evidence = rule.matcher.match(ctx)
        if evidence is not None:
            matched.append((rule, evidence, ctx.groups))
    superseded = {other for rule, _, _ in matched for other in rule.spec.supersedes}
    kept = [m for m in matched if m[0].id not in superseded]
    kept.sort(key=lambda m: (-m[0].spec.priority, -Severity(m[0].spec.severity).rank, m[0].id))
    return [_finding(facts, container, rule, ev, groups) for rule, ev, groups in kept]


def _finding(
    facts: PodFacts,
    container: Container,
    rule: Rule,
    evidence: tuple[str, ...],
    groups: dict[str, str],
) -> Finding:
    values = template_values(facts, container) | groups
    spec = rule.spec
    return Finding(
        rule_id=spec.id,
        title=_fill(spec.title, values),
        severity=spec.severity.value,
        container=container.name,
        explanation=_fill(spec.explanation, values).strip(),
        evidence=tuple(dict.fromkeys(evidence)),
        fixes=tuple(_fill(f, values).strip() for f in spec.fixes),
        docs=tuple(spec.docs),
        priority=spec.priority,
    )


def template_values(facts: PodFacts, container: Container) -> dict[str, str]:
    """The values of TEMPLATE_VARIABLES for one container."""
    t = container.terminated
    code = describe(t.exit_code) if t and t.exit_code is not None else None
    probe = container.probe("liveness") or container.probe("startup")
    run = t.run_seconds if t else None
    return {
        "namespace": facts.namespace,
        "pod": facts.name,
        "container": container.name,
        "image": container.image or "unknown image",
        "exit_code": str(code.code) if code else "unknown",
        "exit_meaning": code.line() if code else "no exit code recorded",
        "signal": _signal(container) or "none",
        "reason": (t.reason if t else None) or "none",
        "message": (t.message if t else None) or "",
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
    }


def _signal(container: Container) -> str | None:
    """The signal that ended the container: as reported, else as the exit code encodes it."""
    t = container.terminated
    if t is None:
        return None
    if t.signal:
        return signal_name(t.signal)
    return describe(t.exit_code).signal_name if t.exit_code is not None else None


class _Defaulting(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"  # a regex group that did not take part in the match


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format_map(_Defaulting(values))
