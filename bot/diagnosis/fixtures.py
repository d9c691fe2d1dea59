"""Rule fixtures: the cases each rule must match and the near misses it must not.

Beside every rule folder, `tests/<rule-id>.yaml` holds:

    cases:
      - name: oomkilled-over-its-limit
        expect: top          # top: the rule is the first finding; match: among the findings;
                             # no-match: not among them
        container: api       # optional: diagnose this container
        quotes: "..."        # optional, with top/match: text the finding's title or
                             # evidence must contain (the line it rests on)
        facts: {...}         # PodFacts as YAML (see bot/facts.py), only what matters

Cases run against the whole rule set, so ranking and `supersedes` are part of what
they test. A rule without both a matching case and a near miss fails the check: a
rule nobody has seen not match is a rule nobody has tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from bot.diagnosis.engine import diagnose
from bot.diagnosis.rules import RuleSet, rule_files
from bot.errors import BotError, RuleError
from bot.facts import PodFacts

_FACTS = TypeAdapter(PodFacts)


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    expect: Literal["top", "match", "no-match"]
    container: str | None = None
    quotes: str | None = None
    facts: dict[str, Any]


class FixtureFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str | None = None
    cases: list[Case]


@dataclass(frozen=True, slots=True)
class CaseResult:
    rule_id: str
    case: str
    source: Path
    ok: bool
    detail: str


def parse_facts(data: dict[str, Any], where: str) -> PodFacts:
    try:
        return _FACTS.validate_python(data)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise RuleError(f"{where}: invalid facts: {problems}") from e


def run_fixtures(folders: Sequence[Path], rules: RuleSet) -> list[CaseResult]:
    """Run the fixtures of every rule defined in `folders` against `rules`."""
    results: list[CaseResult] = []
    for folder in folders:
        for rule_file in rule_files(folder):
            for rule in rules.rules:
                if rule.source == rule_file:
                    results.extend(_run_rule(folder, rule.id, rules))
    return results


def _run_rule(folder: Path, rule_id: str, rules: RuleSet) -> list[CaseResult]:
    path = folder / "tests" / f"{rule_id}.yaml"
    if not path.is_file():
        return [CaseResult(rule_id, "-", path, False, f"no fixture file {path}")]
    try:
        fixture = FixtureFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as e:
        return [CaseResult(rule_id, "-", path, False, f"cannot load fixtures: {e}")]
    if fixture.rule not in (None, rule_id):
        return [CaseResult(rule_id, "-", path, False, f"fixture names rule {fixture.rule!r}")]
    kinds = {c.expect for c in fixture.cases}
    results: list[CaseResult] = []
    if not kinds & {"top", "match"} or "no-match" not in kinds:
        results.append(
            CaseResult(
                rule_id,
                "-",
                path,
                False,
                "needs at least one case that matches (top/match) and one near miss (no-match)",
            )
        )
    for case in fixture.cases:
        results.append(_run_case(path, rule_id, case, rules))
    return results


def _run_case(path: Path, rule_id: str, case: Case, rules: RuleSet) -> CaseResult:
    try:
        facts = parse_facts(case.facts, f"{path}: case {case.name!r}")
        diagnosis = diagnose(facts, rules, container=case.container)
    except BotError as e:
        return CaseResult(rule_id, case.name, path, False, str(e))
    chosen = diagnosis.container.name if diagnosis.container else None
    findings = [f for f in diagnosis.findings if f.container == chosen]
    ids = [f.rule_id for f in findings]
    got = ", ".join(ids) or "no findings"
    if case.expect == "top":
        ok = bool(ids) and ids[0] == rule_id
        detail = f"expected {rule_id} first, got: {got}"
    elif case.expect == "match":
        ok = rule_id in ids
        detail = f"expected {rule_id} among: {got}"
    else:
        ok = rule_id not in ids
        detail = f"expected no {rule_id}, got: {got}"
    if ok and case.quotes is not None and case.expect != "no-match":
        finding = next(f for f in findings if f.rule_id == rule_id)
        said = [finding.title, *finding.evidence]
        ok = any(case.quotes in s for s in said)
        detail = f"expected {rule_id} to quote {case.quotes!r}; it said: {said}"
    return CaseResult(rule_id, case.name, path, ok, "ok" if ok else detail)
