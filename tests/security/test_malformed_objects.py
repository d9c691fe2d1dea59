"""Malformed Kubernetes objects: normalizing, diagnosing and rendering never raise.

Snapshot files are user input and an API server (or a proxy in front of one) can answer
anything, so every raw object is treated as hostile: missing fields, lists where maps are
expected, numbers as strings, None, huge strings, unicode. The pipeline after the
collector (normalize -> redact -> diagnose -> render) must always produce a diagnosis.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import render
from bot.cluster.live import containers_needing_logs, guess_parent
from bot.cluster.normalize import build_pod_facts, controller_ref, parse_quantity
from bot.cluster.snapshot import SnapshotSource
from bot.cluster.source import summarize_pod
from bot.diagnosis.engine import diagnose
from bot.diagnosis.rules import RuleSet, load_rules
from bot.errors import BotError
from bot.redact import Redactor
from bot.render.blocks import render_messages
from bot.target import Target
from tests.conftest import SCENARIOS
from tests.security.strategies import json_scalars, json_trees

RULES: RuleSet = load_rules()
REDACTOR = Redactor()

# Field names of pods, events, nodes and owners: trees built from these reach deep code.
VOCABULARY = [
    "metadata", "spec", "status", "name", "namespace", "uid", "labels", "ownerReferences",
    "kind", "controller", "containers", "initContainers", "containerStatuses",
    "initContainerStatuses", "state", "lastState", "waiting", "running", "terminated",
    "reason", "message", "exitCode", "signal", "startedAt", "finishedAt", "restartCount",
    "ready", "image", "command", "args", "resources", "limits", "requests", "memory", "cpu",
    "livenessProbe", "startupProbe", "readinessProbe", "httpGet", "periodSeconds",
    "failureThreshold", "volumeMounts", "volumes", "mountPath", "subPath", "configMap",
    "secret", "env", "value", "restartPolicy", "nodeName", "phase", "startTime",
    "involvedObject", "regarding", "fieldPath", "count", "series", "lastObservedTime",
    "firstTimestamp", "lastTimestamp", "eventTime", "type", "source", "component",
    "conditions", "nodeInfo", "bootID", "architecture", "kernelVersion", "note", "items",
]  # fmt: skip


def k8s_trees(max_leaves: int = 40) -> st.SearchStrategy[Any]:
    """JSON-like trees whose keys are mostly Kubernetes field names."""
    keys = st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=6))
    return st.recursive(
        json_scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys, children, max_size=6),
        ),
        max_leaves=max_leaves,
    )


def _load_yaml_docs(path: Path) -> list[Any]:
    docs = []
    for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        # Through JSON, as the API serves it (YAML timestamps become strings).
        docs.append(json.loads(json.dumps(doc, default=str)))
    return docs


def _real_pods() -> list[dict[str, Any]]:
    pods: list[dict[str, Any]] = []
    for f in sorted(SCENARIOS.glob("*/pod*.yaml")):
        for doc in _load_yaml_docs(f):
            items = doc.get("items") if isinstance(doc, dict) and "items" in doc else [doc]
            pods += [
                p for p in items or [] if isinstance(p, dict) and p.get("kind", "Pod") == "Pod"
            ]
    return pods


REAL_PODS = _real_pods()


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_pods(draw: st.DrawFn) -> dict[str, Any]:
    """A real scenario pod with a few keys dropped or replaced by something of another type."""
    pod = copy.deepcopy(draw(st.sampled_from(REAL_PODS)))
    for _ in range(draw(st.integers(1, 6))):
        paths = _paths(pod)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = pod
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        action = draw(st.sampled_from(["drop", "replace", "stringify", "listify"]))
        if action == "drop":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(json_trees(max_leaves=8))
        elif action == "stringify":
            parent[last] = str(parent[last])
        else:
            parent[last] = [parent[last]]
    return pod


def _full_pipeline(pod: Any, **kw: Any) -> None:
    facts = build_pod_facts(pod, **kw)
    facts = REDACTOR.facts(facts)
    diagnosis = diagnose(facts, RULES)
    for output in ("json", "text", "blocks"):
        assert isinstance(render(diagnosis, output), str)
    render_messages(diagnosis)
    # and with every container named explicitly, as `--container` would
    for c in facts.containers:
        diagnose(facts, RULES, container=c.name)


_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(
    pod=k8s_trees(),
    events=st.lists(k8s_trees(15), max_size=4),
    node=st.one_of(st.none(), k8s_trees(15)),
    node_events=st.lists(k8s_trees(10), max_size=3),
    owners=st.lists(k8s_trees(10), max_size=3),
)
def test_build_pod_facts_survives_arbitrary_trees(
    pod: Any, events: Any, node: Any, node_events: Any, owners: Any
) -> None:
    # The top-level object itself may be anything JSON can hold.
    _full_pipeline(pod, events=events, node=node, node_events=node_events, owners=owners)


@_SETTINGS
@given(pod=json_trees())
def test_build_pod_facts_survives_any_json_value(pod: Any) -> None:
    _full_pipeline(pod)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pod=mutated_pods(), data=st.data())
def test_mutated_scenario_pods_are_still_diagnosed(
    pod: dict[str, Any], data: st.DataObject
) -> None:
    spec = pod.get("spec")
    containers = spec.get("containers") if isinstance(spec, dict) else None
    containers = containers if isinstance(containers, list) else []  # mutated to anything
    names = [c.get("name") for c in containers if isinstance(c, dict)]
    logs = {str(n): data.draw(st.lists(st.text(max_size=50), max_size=3)) for n in names}
    _full_pipeline(pod, logs=logs)


@_SETTINGS
@given(obj=k8s_trees())
def test_helpers_over_raw_objects_never_raise(obj: Any) -> None:
    """The other readers of raw pods: listings, log selection, owner guesses."""
    summarize_pod(obj)
    containers_needing_logs(obj, "app")
    ref = controller_ref(obj)
    if ref is not None:
        guess_parent(ref.kind, ref.name, obj)
    guess_parent("ReplicaSet", "web-abc", obj)
    guess_parent("Job", "report-29916120", obj)


@_SETTINGS
@given(q=json_scalars)
def test_parse_quantity_never_raises(q: Any) -> None:
    result = parse_quantity(q)
    assert result is None or isinstance(result, int)


def test_parse_quantity_known_values_still_parse() -> None:
    assert parse_quantity("512Mi") == 512 * 2**20
    assert parse_quantity("1G") == 10**9
    assert parse_quantity("1e9") == 10**9
    assert parse_quantity(128) == 128
    for bad in ("1.2.3Mi", ".", "inf", "-inf", "nan", "1e999", "Mi", "12XB", float("inf")):
        assert parse_quantity(bad) is None, bad


def test_mixed_naive_and_aware_timestamps_do_not_break_run_time() -> None:
    pod = copy.deepcopy(REAL_PODS[0])
    for s in pod["status"]["containerStatuses"]:
        s["lastState"] = {
            "terminated": {
                "exitCode": 137,
                "reason": "Error",
                "startedAt": "2026-11-18T09:31:02",
                "finishedAt": "2026-11-18T09:32:02Z",
            }
        }
    _full_pipeline(pod)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pod=mutated_pods())
def test_snapshot_files_with_malformed_pods_are_diagnosed_or_refused_cleanly(
    pod: dict[str, Any], tmp_path_factory: Any
) -> None:
    d = tmp_path_factory.mktemp("snap")
    (d / "pod.json").write_text(json.dumps(pod), encoding="utf-8")
    meta = pod.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    ns = meta.get("namespace") if isinstance(meta, dict) else None
    target = Target(
        ns if isinstance(ns, str) and ns else "default",
        name if isinstance(name, str) and name else "x",
    )
    try:
        source = SnapshotSource(d)
        facts = source.read(target)
    except BotError:
        return  # "pod not found" is a clear answer
    diagnose(REDACTOR.facts(facts), RULES)


def test_snapshot_pod_with_spec_and_status_of_wrong_types_is_diagnosed(tmp_path: Path) -> None:
    pod = copy.deepcopy(REAL_PODS[0])
    pod["spec"] = ["not", "a", "map"]
    pod["status"] = "Running"
    (tmp_path / "pod.json").write_text(json.dumps(pod), encoding="utf-8")
    meta = pod["metadata"]
    facts = SnapshotSource(tmp_path).read(Target(meta["namespace"], meta["name"]))
    assert diagnose(REDACTOR.facts(facts), RULES).findings == ()
