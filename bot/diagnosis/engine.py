"""The diagnosis engine: facts and rules in, ranked findings with evidence out.

Pure and synchronous. Rules are evaluated per container in question; a rule that
matches drops the rules it `supersedes` for that container (a liveness kill that
ended with exit 0 is a probe restart, not a clean exit). The ranking is one rule:
a fallback never ranks above a specific cause, and otherwise the finding with more
evidence ranks first (then the more severe, then by id, so the order is stable).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.diagnosis.context import Context, decisive_lines, template_values
from bot.diagnosis.decisive import DecisiveLine
from bot.diagnosis.exitcodes import ExitCode, describe
from bot.diagnosis.memory import MemoryReading, annotate, read_memory
from bot.diagnosis.rules import Rule, RuleSet
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
    fallback: bool = False


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The result for one pod: the facts, the container in question, the findings."""

    facts: PodFacts
    container: Container | None
    findings: tuple[Finding, ...]
    # per container name: the lines of its output that explain its exit, cause first
    decisive: Mapping[str, tuple[DecisiveLine, ...]] = field(default_factory=dict)
    memory: MemoryReading | None = None  # the verdict on the memory curve (Prometheus)

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.facts.warnings

    @property
    def top(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def decisive_for(self, container: str | None) -> tuple[DecisiveLine, ...]:
        return self.decisive.get(container, ()) if container else ()

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
    decisive = {c.name: decisive_lines(c) for c in facts.containers if c.terminated or c.logs}
    if chosen is None:
        return Diagnosis(facts=facts, container=None, findings=(), decisive=decisive)
    # Other crash-looping containers are reported too, unless one was asked for by name.
    others = [] if container else [c for c in facts.crashing_containers() if c.name != chosen.name]
    findings: list[Finding] = []
    for c in [chosen, *others]:
        findings.extend(evaluate(facts, c, rules, decisive=decisive.get(c.name, ())))
    memory = None
    if facts.memory is not None:  # read with the chosen container's findings (oom-system)
        ids = [f.rule_id for f in findings if f.container == chosen.name]
        memory = read_memory(facts.memory, rule_ids=ids)
    if memory is not None:
        findings = [
            replace(f, explanation=annotate(f.explanation, f.rule_id, f.container, memory))
            for f in findings
        ]
    return Diagnosis(
        facts=facts, container=chosen, findings=tuple(findings), decisive=decisive, memory=memory
    )


def evaluate(
    facts: PodFacts,
    container: Container,
    rules: RuleSet,
    *,
    decisive: tuple[DecisiveLine, ...] | None = None,
) -> list[Finding]:
    """The ranked findings of every rule for one container."""
    # One context for all rules: derived values (exit, decisive lines) computed once.
    ctx = Context(facts, container, decisive=decisive)
    matched: list[tuple[Rule, tuple[str, ...], dict[str, str]]] = []
    for rule in rules.rules:
        ctx.groups = {}
        evidence = rule.matcher.match(ctx)
        if evidence is not None:
            matched.append((rule, tuple(dict.fromkeys(evidence)), ctx.groups))
    superseded = {other for rule, _, _ in matched for other in rule.spec.supersedes}
    kept = [m for m in matched if m[0].id not in superseded]
    kept.sort(key=lambda m: rank(m[0], m[1]))
    values = template_values(ctx)
    return [_finding(container, rule, ev, values | groups) for rule, ev, groups in kept]


def rank(rule: Rule, evidence: tuple[str, ...]) -> tuple[bool, int, int, str]:
    """The sort key of a finding: specific before fallback, then more evidence, then the
    more severe, then the id."""
    return (rule.spec.fallback, -len(evidence), -rule.spec.severity.rank, rule.id)


def _finding(
    container: Container, rule: Rule, evidence: tuple[str, ...], values: dict[str, str]
) -> Finding:
    spec = rule.spec
    return Finding(
        rule_id=spec.id,
        title=_fill(spec.title, values),
        severity=spec.severity.value,
        container=container.name,
        explanation=_fill(spec.explanation, values).strip(),
        evidence=evidence,
        fixes=tuple(_fill(f, values).strip() for f in spec.fixes),
        docs=tuple(spec.docs),
        fallback=spec.fallback,
    )


class _Defaulting(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"  # a regex group that did not take part in the match


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format_map(_Defaulting(values))
