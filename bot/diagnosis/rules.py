"""Loading rule files into validated, compiled rules.

A file is validated against the schema (`schema.py`), its condition compiled into
matchers once (`matching.py`), and its template placeholders checked against what the
rule can fill in, so a broken rule fails at start-up with the file, the rule and the
field named, never at 3 a.m.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.diagnosis.context import TEMPLATE_VARIABLES
from bot.diagnosis.matching import Matcher, compile_condition
from bot.diagnosis.schema import RuleSpec, Severity
from bot.errors import RuleError

# libyaml's safe loader when PyYAML was built with it: every CLI run and every replica's
# start loads ~60 rule files, several times faster in C than in pure Python.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["Rule", "RuleSet", "Severity", "builtin_rules_dir", "load_rule_file", "load_rules"]


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
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
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
