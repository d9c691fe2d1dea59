"""Specific causes before fallbacks, as a property of the engine.

Every scenario and every rule fixture is diagnosed, and for each container the
findings must never put a fallback (a rule that names only the kind of exit) above
a specific rule that matched the same container.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cluster.snapshot import SnapshotSource
from bot.diagnosis.engine import Diagnosis, Finding, diagnose, rank
from bot.diagnosis.fixtures import parse_facts
from bot.diagnosis.rules import RuleSet, builtin_rules_dir, load_rules
from bot.errors import BotError
from bot.facts import Container, PodFacts, Terminated
from bot.target import parse_target
from tests.conftest import load_scenarios

RULES = load_rules()


def _fixture_cases() -> list[tuple[str, PodFacts, str | None]]:
    out = []
    for path in sorted((builtin_rules_dir() / "tests").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text())["cases"]:
            facts = parse_facts(case["facts"], f"{path}: {case['name']}")
            out.append((f"{path.stem}/{case['name']}", facts, case.get("container")))
    return out


def _scenario_cases() -> list[tuple[str, PodFacts, str | None]]:
    out = []
    for s in load_scenarios():
        if s.faults or s.expect.get("exit_status", 0) != 0:
            continue
        target = parse_target(s.target)
        out.append((s.name, SnapshotSource(s.path).read(target), s.container))
    return out


def _misranked(d: Diagnosis) -> list[str]:
    problems = []
    by_container: dict[str, list[Finding]] = {}
    for f in d.findings:
        by_container.setdefault(f.container, []).append(f)
    for container, findings in by_container.items():
        seen_fallback: Finding | None = None
        for f in findings:
            if f.fallback:
                seen_fallback = seen_fallback or f
            elif seen_fallback is not None:
                problems.append(
                    f"{container}: fallback {seen_fallback.rule_id} ranks above {f.rule_id}"
                )
    return problems


CASES = _fixture_cases() + _scenario_cases()


@pytest.mark.parametrize(("name", "facts", "container"), CASES, ids=[c[0] for c in CASES])
def test_no_fallback_ranks_above_a_specific_cause(
    name: str, facts: PodFacts, container: str | None, rules: RuleSet
) -> None:
    try:
        d = diagnose(facts, rules, container=container)
    except BotError:
        pytest.fail(f"{name}: the case names a container the pod does not have")
    assert not _misranked(d), _misranked(d)


def test_the_corpus_has_cases_where_a_fallback_and_a_specific_rule_both_match() -> None:
    """The property above is only worth something if both kinds meet in the corpus."""
    both = 0
    for _, facts, container in CASES:
        d = diagnose(facts, RULES, container=container)
        kinds = {f.fallback for f in d.findings}
        both += kinds == {True, False}
    assert both >= 5


def test_a_fallback_with_more_evidence_still_ranks_below_a_specific_rule() -> None:
    specific = RULES.get("dependency-refused")
    fallback = RULES.get("app-error")
    assert specific is not None and fallback is not None
    many = tuple(f"evidence {i}" for i in range(10))
    assert rank(specific, ("one",)) < rank(fallback, many)


def test_more_evidence_ranks_first_among_specific_rules() -> None:
    a, b = RULES.get("dependency-refused"), RULES.get("address-in-use")
    assert a is not None and b is not None
    assert rank(b, ("x", "y")) < rank(a, ("x",))
    assert rank(a, ("x", "y")) < rank(b, ("x",))


def test_start_error_with_page_allocation_failure_is_memory_fragmentation_first() -> None:
    """The troubleshooting guide's own example: the node event explains the StartError."""
    from datetime import UTC, datetime

    from bot.facts import Event, Node

    at = datetime(2026, 11, 20, 9, 0, 5, tzinfo=UTC)
    facts = PodFacts(
        namespace="shop",
        name="cart-1",
        node_name="worker-3",
        node=Node(
            name="worker-3",
            events=(
                Event(
                    reason="KernelOops",
                    type="Warning",
                    message="kernel: runc:[1:CHILD]: page allocation failure: order:4, "
                    "mode:0x40dc0(GFP_KERNEL|__GFP_COMP|__GFP_ZERO)",
                    first_seen=at,
                    last_seen=at,
                ),
            ),
        ),
        containers=(
            Container(
                name="cart",
                waiting_reason="CrashLoopBackOff",
                restart_count=4,
                last_state=Terminated(
                    exit_code=128,
                    reason="StartError",
                    message="failed to create containerd task: failed to create shim task: "
                    "OCI runtime create failed: runc create failed: unable to start "
                    "container process: error during container init: cannot allocate memory",
                    started_at=at,
                    finished_at=at,
                ),
            ),
        ),
    )
    ids = [f.rule_id for f in diagnose(facts, RULES).findings]
    assert ids[:2] == ["memory-fragmentation", "start-error"], ids


def test_rule_files_no_longer_need_a_priority(tmp_path: Path) -> None:
    """A rule written for 0.1 with `priority:` still loads; the key is ignored."""
    (tmp_path / "old.yaml").write_text(
        "id: old-style\ntitle: Old\nseverity: low\npriority: 99\n"
        "when: {field: exit_code, equals: 3}\nexplanation: x\nfixes: [y]\n"
    )
    (tmp_path / "tests").mkdir()
    rules = load_rules([tmp_path])
    assert rules.get("old-style") is not None
