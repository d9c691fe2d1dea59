"""The `change:` rule condition: a difference of the rollout the crashes began with."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.diagnosis.context import Context
from bot.diagnosis.matching import compile_condition
from bot.diagnosis.schema import Condition
from bot.facts import Change, Container, OwnerRef, PodFacts, TemplateDiff

API = Container(name="api", waiting_reason="CrashLoopBackOff")
DIFFS = (
    TemplateDiff("image", "api", "reg/api:1", "reg/api:2"),
    TemplateDiff("resources.limits.memory", "api", "512Mi", "256Mi", direction="down"),
    TemplateDiff("env", "api", added=("NEW",), removed=("GONE",), direction="removed", listed=True),
    TemplateDiff("image", "sidecar", "envoy:1", "envoy:2"),
    TemplateDiff("volumes.config", None, "configMap a", "configMap b"),
)


def match(condition: dict[str, Any], *, with_rollout: bool = True) -> tuple[str, ...] | None:
    change = Change(
        workload=OwnerRef("Deployment", "web"),
        revision="7",
        began_with_rollout=with_rollout,
        diffs=DIFFS,
    )
    facts = PodFacts(containers=(API,), change=change)
    return compile_condition(Condition.model_validate({"change": condition})).match(
        Context(facts, API)
    )


@pytest.mark.parametrize(
    ("condition", "quoted"),
    [
        ({"field": "image"}, "change in revision 7: api: image reg/api:1 → reg/api:2"),
        ({"field": "resources", "direction": "down"}, "resources.limits.memory 512Mi → 256Mi"),
        ({"field": "env", "direction": "removed"}, "api: env +NEW, -GONE"),
        ({"field": ["livenessProbe", "volumes"]}, "pod: volumes.config configMap a → configMap b"),
    ],
    ids=["image", "limit-down-by-prefix", "env-removed", "pod-level-volume"],
)
def test_a_change_of_the_rollout_is_quoted(condition: dict[str, Any], quoted: str) -> None:
    got = match(condition)
    assert got is not None and quoted in got[0]


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "resources.limits.memory", "direction": "up"},
        {"field": "livenessProbe"},
    ],
    ids=["wrong-direction", "field-not-changed"],
)
def test_other_changes_do_not_hold(condition: dict[str, Any]) -> None:
    assert match(condition) is None


def test_a_rollout_the_crashes_did_not_begin_with_corroborates_nothing() -> None:
    assert match({"field": "image"}, with_rollout=False) is None


def test_another_containers_change_is_not_this_ones() -> None:
    got = match({"field": "image"})
    assert got is not None and "sidecar" not in got[0]


def test_unknown_field_names_and_keys_are_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown change field 'imgae'"):
        Condition.model_validate({"change": {"field": "imgae"}})
    with pytest.raises(ValidationError):
        Condition.model_validate({"change": {"field": "env", "direction": "sideways"}})
    with pytest.raises(ValidationError):
        Condition.model_validate({"change": {"field": "env", "value": "x"}})
