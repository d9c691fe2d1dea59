"""The rule schema: what a rule file may say, validated when it is loaded.

Rules are data: a closed set of keys (unknown keys are errors), a closed severity
enum, AND/OR/NOT composition of conditions over the facts, and one free-form
`metadata` key, like Semgrep's rule schema. Field names are checked against the
vocabulary in `context`; compiling a validated condition into matchers is
`matching`'s job, so the schema knows nothing of how a condition is evaluated.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.diagnosis.context import CHANGE_FIELD_NAMES, FIELDS

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


class ChangeCondition(_Strict):
    """Matches a difference of the revision the crashes began with (its rollout).

    `field` names a template field (`image`, `env`, `resources.limits.memory`, ...; a
    prefix such as `resources` covers its sub-fields); `direction` narrows it: up/down
    for quantities, added/removed for names and values, changed for any.
    """

    field: str | list[str]
    direction: Literal["up", "down", "added", "removed", "changed"] | None = None

    @field_validator("field")
    @classmethod
    def _known(cls, v: str | list[str]) -> str | list[str]:
        for name in [v] if isinstance(v, str) else v:
            if not any(name == k or name.startswith(k + ".") for k in CHANGE_FIELD_NAMES):
                raise ValueError(
                    f"unknown change field {name!r}; known: {', '.join(sorted(CHANGE_FIELD_NAMES))}"
                    " (and their sub-fields, e.g. resources.limits.memory)"
                )
        return v


class Condition(_Strict):
    """Exactly one of: all, any, not, optional, field (+ one operator), event, log,
    decisive, probe, mount, change. `optional` always holds; it adds its evidence when its
    condition does."""

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
    decisive: str | None = Field(
        default=None,
        description="regex searched in the line that explains the exit (see decisive.py); "
        "'' matches whenever there is one",
    )
    probe: Literal["liveness", "startup", "readiness", "any"] | None = None
    mount: MountCondition | None = None
    change: ChangeCondition | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("regex", "log", "decisive")
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
                "decisive",
                "probe",
                "mount",
                "change",
            )
            if getattr(self, k) is not None
        ]
        if len(kinds) != 1:
            names = ", ".join(k.rstrip("_") for k in kinds) or "nothing"
            raise ValueError(
                "a condition needs exactly one of all, any, not, optional, field, event, log, "
                f"decisive, probe, mount, change; this one has {names}"
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
    fallback: bool = Field(
        default=False,
        description="a catch-all that names the kind of exit, not its cause: it never "
        "ranks above a specific rule that matched the same container",
    )
    priority: int | None = Field(
        default=None,
        description="ignored: kept so rule files written for 0.1 still load. Findings "
        "are ranked by `fallback` and their evidence (see rules/README.md)",
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


def _check_regex(v: str | None) -> str | None:
    if v is not None:
        try:
            re.compile(v)
        except re.error as e:
            raise ValueError(f"invalid regex {v!r}: {e}") from e
    return v
