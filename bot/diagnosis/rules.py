"""The rule schema, and loading rule files into validated, compiled rules.

Rules are data: a closed set of keys (unknown keys are errors), a closed severity
enum, AND/OR/NOT composition of conditions over the facts, and one free-form
`metadata` key, like Semgrep's rule schema. Regexes are compiled once at load time
and template placeholders are checked against what the rule can fill in, so a broken
rule fails at start-up with the file, the rule and the field named, never at 3 a.m.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.diagnosis.matching import (
    FIELDS,
    TEMPLATE_VARIABLES,
    Matcher,
    compile_condition,
)
from bot.errors import RuleError

RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class Severity(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"

    @property
    def rank(self) -> int:
        return ["info", "low", "medium", "high", "critical"].index(self.value)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventCondition(_Strict):
    """Matches an event about the pod (or this container), or about its node."""

    on: Literal["pod", "node", "any"] = "pod"
    reason: str | list[str] | None = None
    message: str | None = Field(default=None, description="regex searched in the message")
    type: Literal["Normal", "Warning"] | None = None
    near_exit: int | None = Field(
        default=None,
        ge=0,
        description="seconds: only events seen while the container ran, or this close to "
        "its exit (when both times are known); a node's week-old OOM explains nothing today",
    )

    @field_validator("message")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        return _check_regex(v)


class MountCondition(_Strict):
    """Matches a volume mount of the container."""

    sub_path: bool | None = None
    volume_kind: str | None = None


class Condition(_Strict):
    """Exactly one of: all, any, not, optional, field (+ one operator), event, log, probe,
    mount. `optional` always holds; it adds its evidence when its condition does."""

    all_: list[Condition] | None = Field(default=None, alias="all")
    any_: list[Condition] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")
    optional_: Condition | None = Field(default=None, alias="optional")
    field: str | None = None
    equals: str | int | float | bool | None = None
    in_: list[str | int | float] | None = Field(default=None, alias="in")
    regex: str | None = None
    gte: float | None = None
    lte: float | None = None
    exists: bool | None = None
    event: EventCondition | None = None
    log: str | None = Field(default=None, description="regex searched in the previous logs")
    probe: Literal["liveness", "startup", "readiness", "any"] | None = None
    mount: MountCondition | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("regex", "log")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        return _check_regex(v)

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        kinds = [
            k
            for k in (
                "all_",
                "any_",
                "not_",
                "optional_",
                "field",
                "event",
                "log",
                "probe",
                "mount",
            )
            if getattr(self, k) is not None
        ]
        if len(kinds) != 1:
            names = ", ".join(k.rstrip("_") for k in kinds) or "nothing"
            raise ValueError(
                "a condition needs exactly one of all, any, not, optional, field, event, log, "
                f"probe, mount; this one has {names}"
            )
        ops = [
            o
            for o in ("equals", "in_", "regex", "gte", "lte", "exists")
            if getattr(self, o) is not None
        ]
        if self.field is not None:
            if self.field not in FIELDS:
                raise ValueError(
                    f"unknown field {self.field!r}; known: {', '.join(sorted(FIELDS))}"
                )
            if not ops:
                raise ValueError(
                    f"field {self.field!r} needs an operator: equals, in, regex, gte, lte or exists"
                )
            if len(ops) > 1 and set(ops) != {"gte", "lte"}:
                raise ValueError(f"field {self.field!r} has several operators; use all: to combine")
        elif ops:
            raise ValueError(f"operator {ops[0].rstrip('_')} is only valid with field")
        for group in (self.all_, self.any_):
            if group is not None and not group:
                raise ValueError("all/any needs at least one condition")
        return self


class RuleSpec(_Strict):
    """One rule as written in YAML."""

    id: str
    title: str = Field(min_length=1)
    severity: Severity
    priority: int = Field(
        default=50, ge=0, le=1000, description="higher = more specific, ranked first"
    )
    supersedes: list[str] = []
    when: Condition
    explanation: str = Field(min_length=1)
    fixes: list[str] = Field(min_length=1)
    docs: list[str] = []
    metadata: dict[str, Any] = {}

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not RULE_ID.match(v):
            raise ValueError("ids are lowercase letters, digits and dashes, 2-63 characters")
        return v


@dataclass(frozen=True, slots=True)
class Rule:
    """A loaded rule: its spec, where it came from, and its compiled condition."""

    spec: RuleSpec
    source: Path
    matcher: Matcher

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)


def builtin_rules_dir() -> Path:
    """The built-in rules: packaged in the wheel, or the source tree's rules/."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "builtin_rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise RuleError(f"built-in rules not found next to {here}; the installation is incomplete")


def load_rules(dirs: Sequence[Path] | None = None, *, builtin: bool = True) -> RuleSet:
    """Load rule folders in order; a rule in a later folder overrides one with its id."""
    folders = ([builtin_rules_dir()] if builtin else []) + [Path(d) for d in dirs or ()]
    by_id: dict[str, Rule] = {}
    for folder in folders:
        seen_here: dict[str, Path] = {}
        for rule in _load_folder(folder):
            if rule.id in seen_here:
                raise RuleError(
                    f"duplicate rule id {rule.id!r} in {seen_here[rule.id]} and {rule.source}"
                )
            seen_here[rule.id] = rule.source
            by_id[rule.id] = rule
    rules = tuple(by_id.values())
    _check_supersedes(rules)
    return RuleSet(rules)


def rule_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise RuleError(f"rule folder {folder} does not exist or is not a folder")
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _load_folder(folder: Path) -> Iterable[Rule]:
    for path in rule_files(folder):
        yield from load_rule_file(path)


def load_rule_file(path: Path) -> list[Rule]:
    """Parse one file holding a rule, or `rules:` with a family of them."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise RuleError(f"{path}: cannot read YAML: {e}") from e
    if isinstance(data, dict) and set(data) == {"rules"} and isinstance(data["rules"], list):
        raw_rules: list[Any] = data["rules"]
    else:
        raw_rules = [data]
    return [_build_rule(path, raw) for raw in raw_rules]


def _build_rule(path: Path, raw: Any) -> Rule:
    rule_id = raw.get("id", "?") if isinstance(raw, dict) else "?"
    if not isinstance(raw, dict):
        raise RuleError(f"{path}: a rule must be a mapping, got {type(raw).__name__}")
    try:
        spec = RuleSpec.model_validate(_on_key(raw))
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(rule)'}: {err['msg']}"
            for err in e.errors()
        )
        raise RuleError(f"{path}: rule {rule_id!r}: {problems}") from e
    matcher = compile_condition(spec.when)
    _check_templates(path, spec, matcher.variables())
    return Rule(spec=spec, source=path, matcher=matcher)


def _on_key(data: Any) -> Any:
    """YAML 1.1 reads an unquoted `on:` key as the boolean true; give it its name back."""
    if isinstance(data, dict):
        return {("on" if k is True else k): _on_key(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_on_key(v) for v in data]
    return data


def _check_templates(path: Path, spec: RuleSpec, groups: frozenset[str]) -> None:
    known = TEMPLATE_VARIABLES | groups
    texts = {"explanation": spec.explanation, "title": spec.title} | {
        f"fixes[{i}]": f for i, f in enumerate(spec.fixes)
    }
    for where, text in texts.items():
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as e:
            raise RuleError(f"{path}: rule {spec.id!r}: {where}: bad template: {e}") from e
        unknown = sorted(n for n in names if n not in known)
        if unknown:
            raise RuleError(
                f"{path}: rule {spec.id!r}: {where}: unknown placeholder {{{unknown[0]}}}; "
                f"known: {', '.join(sorted(known))}"
            )


def _check_supersedes(rules: Sequence[Rule]) -> None:
    ids = {r.id for r in rules}
    for rule in rules:
        for other in rule.spec.supersedes:
            if other not in ids:
                raise RuleError(
                    f"{rule.source}: rule {rule.id!r}: supersedes unknown rule {other!r}"
                )


def _check_regex(v: str | None) -> str | None:
    if v is not None:
        try:
            re.compile(v)
        except re.error as e:
            raise ValueError(f"invalid regex {v!r}: {e}") from e
    return v
