"""Least privilege, proven: the shipped RBAC is enough, and less degrades clearly.

The FakeKubeAPI answers 403 to every request its allow-list does not cover, exactly
like RBAC. With the allow-list built from manifests/clusterrole.yaml a diagnosis is the
same as with full access and no request is refused; without `pods/log` it still works
and says what is missing; with the namespaced Roles it works in their namespaces and is
refused, with a message saying so, elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from tests.conftest import SCENARIOS
from tests.fakes.kubeapi import FakeKubeAPI, running_in_thread, write_kubeconfig

ROOT = Path(__file__).resolve().parents[2]
CLUSTERROLE = ROOT / "manifests" / "clusterrole.yaml"
ROLES = ROOT / "manifests" / "namespaced" / "roles.yaml"

SCENARIO_NAMES = [
    "oom-cgroup",
    "liveness-probe",
    "cronjob-job-owned",
    "statefulset-owned",
    "node-reboot",
    "dependency-refused",
    "rollout-image-change",
    "rollout-statefulset",
    "rollout-cronjob",
]


def rbac_allow(rules: list[dict[str, Any]], namespace: str | None = None) -> list[dict[str, Any]]:
    """Kubernetes PolicyRules as FakeKubeAPI allow rules (resources qualified by group)."""
    out = []
    for rule in rules:
        resources = []
        for group in rule.get("apiGroups") or [""]:
            for r in rule["resources"]:
                base, _, sub = r.partition("/")
                qualified = f"{base}.{group}" if group else base
                resources.append(f"{qualified}/{sub}" if sub else qualified)
        allow: dict[str, Any] = {"verbs": list(rule["verbs"]), "resources": resources}
        if namespace is not None:
            allow["namespaces"] = [namespace]
        out.append(allow)
    return out


def clusterrole_allow() -> list[dict[str, Any]]:
    doc = yaml.safe_load(CLUSTERROLE.read_text())
    assert doc["kind"] == "ClusterRole"
    return rbac_allow(doc["rules"])


def roles_allow() -> tuple[list[dict[str, Any]], list[str]]:
    allow, namespaces = [], []
    for doc in yaml.safe_load_all(ROLES.read_text()):
        if doc and doc["kind"] == "Role":
            ns = doc["metadata"]["namespace"]
            namespaces.append(ns)
            allow += rbac_allow(doc["rules"], ns)
    return allow, namespaces


def target_of(scenario: str) -> str:
    return str(yaml.safe_load((SCENARIOS / scenario / "scenario.yaml").read_text())["target"])


def diagnose(
    api: FakeKubeAPI, target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, Any, str]:
    """`crashloop-bot diagnose TARGET --kubeconfig ... --output json`, in-process."""
    with running_in_thread(api) as url:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", url)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(["diagnose", target, "--kubeconfig", str(kubeconfig), "--output", "json"])
    out, err = capsys.readouterr()
    code = exit_info.value.code
    assert isinstance(code, int)
    return code, (json.loads(out) if code == 0 else None), err


def test_clusterrole_is_read_only_and_names_no_secrets() -> None:
    doc = yaml.safe_load(CLUSTERROLE.read_text())
    for rule in doc["rules"]:
        assert set(rule["verbs"]) <= {"get", "list"}, rule
        assert "*" not in rule["resources"] and "*" not in rule.get("apiGroups", [])
        assert not {"secrets", "configmaps", "pods/exec", "pods/attach"} & set(rule["resources"])


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_clusterrole_is_enough_for_the_same_diagnosis(
    scenario: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = target_of(scenario)
    full = FakeKubeAPI(SCENARIOS / scenario)
    code, expected, err = diagnose(full, target, tmp_path, capsys)
    assert code == 0, err

    least = FakeKubeAPI(SCENARIOS / scenario, allow=clusterrole_allow())
    code, got, err = diagnose(least, target, tmp_path, capsys)
    assert code == 0, err
    refused = [r for r in least.requests if r.status == 403]
    assert refused == [], refused
    assert got == expected
    assert got["findings"], got


@pytest.mark.parametrize("scenario", ["oom-cgroup", "dependency-refused", "cronjob-job-owned"])
def test_without_pods_log_the_diagnosis_still_works_and_says_why_logs_are_missing(
    scenario: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    allow = [
        {**r, "resources": [x for x in r["resources"] if x != "pods/log"]}
        for r in clusterrole_allow()
    ]
    api = FakeKubeAPI(SCENARIOS / scenario, allow=[r for r in allow if r["resources"]])
    code, doc, err = diagnose(api, target_of(scenario), tmp_path, capsys)
    assert code == 0, err
    assert any("pods/log" in w and "forbidden" in w for w in doc["warnings"]), doc["warnings"]
    assert doc["findings"], doc
    refused = {r.path for r in api.requests if r.status == 403}
    assert refused and all(p.endswith("/log") for p in refused), refused


def test_namespaced_roles_work_in_their_namespace_with_node_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    allow, namespaces = roles_allow()
    target = target_of("oom-cgroup")
    assert target.split("/")[0] in namespaces
    api = FakeKubeAPI(SCENARIOS / "oom-cgroup", allow=allow)
    code, doc, err = diagnose(api, target, tmp_path, capsys)
    assert code == 0, err
    assert doc["findings"][0]["rule_id"] == "oom-cgroup"
    node_warnings = [w for w in doc["warnings"] if "node" in w]
    assert node_warnings and all("forbidden" in w for w in node_warnings), doc["warnings"]
    # Only node reads (cluster scope, and node events in `default`) were refused.
    refused = [r.path for r in api.requests if r.status == 403]
    assert refused and all("/nodes/" in p or "/namespaces/default/" in p for p in refused)


def test_namespaced_roles_refuse_other_namespaces_with_exit_1_and_forbidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    allow, namespaces = roles_allow()
    target = target_of("cronjob-job-owned")
    assert target.split("/")[0] not in namespaces
    api = FakeKubeAPI(SCENARIOS / "cronjob-job-owned", allow=allow)
    code, _, err = diagnose(api, target, tmp_path, capsys)
    assert code == 1
    assert "forbidden" in err.lower(), err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("scenario", "resource"),
    [("rollout-statefulset", "controllerrevisions"), ("rollout-image-change", "replicasets")],
)
def test_the_clusterrole_lists_revisions_and_without_them_change_is_null_and_says_why(
    scenario: str, resource: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    granted = [r for r in clusterrole_allow() if "list" in r["verbs"]]
    assert any(f"{resource}.apps" in r["resources"] for r in granted)
    allow = [
        {**r, "verbs": ["get"]} if f"{resource}.apps" in r["resources"] else r
        for r in clusterrole_allow()
    ]
    api = FakeKubeAPI(SCENARIOS / scenario, allow=allow)
    code, doc, err = diagnose(api, target_of(scenario), tmp_path, capsys)
    assert code == 0, err
    assert doc["change"] is None
    assert any(f"needs list on {resource}" in w for w in doc["warnings"]), doc["warnings"]
    assert doc["findings"], doc
