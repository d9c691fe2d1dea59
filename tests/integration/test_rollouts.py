"""What changed, live: the `change` object of every rollout scenario through the CLI.

The real kubernetes_asyncio client reads the local fake kube-apiserver (through a
kubeconfig), the CLI prints `--output json`, and the `change` object must say which
revision the crash began with, what differs from the one before, and what to run to
roll back; or, for the cases where no diff is right, the sentence that says why.
The snapshot source must give the same object from the scenario's files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.cluster.snapshot import SnapshotSource
from bot.render.changes import to_dict as change_json
from bot.target import parse_target
from tests.conftest import load_scenarios
from tests.fakes.kubeapi import FakeKubeAPI, running_in_thread, write_kubeconfig

ROLLOUTS = {s.name: s for s in load_scenarios() if s.name.startswith("rollout-")}

# Per scenario: keys of the `change` object that must equal these values, then phrases
# its summary and notes must contain.
EXPECTED: dict[str, tuple[dict[str, Any], list[str]]] = {
    "rollout-image-change": (
        {
            "workload": {"kind": "Deployment", "name": "checkout"},
            "revision": "7",
            "previous_revision": "6",
            "rolled_out_at": "2026-11-20T08:50:00Z",
            "crashes_began_at": "2026-11-20T08:52:10Z",
            "began_with_rollout": True,
            "previous_healthy": {"ready": 2, "replicas": 2},
            "diffs": [
                {
                    "container": "checkout",
                    "field": "image",
                    "from": "registry/checkout:2.3.1",
                    "to": "registry/checkout:2.4.0",
                },
                {
                    "container": "checkout",
                    "field": "env",
                    "added": ["PAYMENT_PROVIDER"],
                    "removed": [],
                    "changed": [],
                },
            ],
            "rollback": "kubectl rollout undo deployment/checkout -n pay --to-revision=6",
        },
        ["Crashing since revision 7", "revision 6 is healthy on 2 pods", "still rolling out"],
    ),
    "rollout-env": (
        {
            "revision": "4",
            "previous_revision": "3",
            "began_with_rollout": True,
            "diffs": [
                {
                    "container": "upgrade-service",
                    "field": "env",
                    "added": ["REPLICATED_API_ENDPOINT"],
                    "removed": ["REPLICATED_APP_ENDPOINT"],
                    "changed": ["LOG_LEVEL", "AUTH_TOKEN"],
                },
                {
                    "container": "upgrade-service",
                    "field": "env.valueFrom",
                    "from": "AUTH_TOKEN from secretKeyRef kotsadm/token",
                    "to": "AUTH_TOKEN from secretKeyRef kotsadm-v2/token",
                },
            ],
        },
        ["revision 3 has no pods left"],
    ),
    "rollout-memory-limit": (
        {
            "revision": "12",
            "previous_revision": "11",
            "began_with_rollout": True,
            "diffs": [
                {
                    "container": "api",
                    "field": "resources.limits.memory",
                    "from": "512Mi",
                    "to": "256Mi",
                }
            ],
            "rollback": "kubectl rollout undo deployment/ledger-api -n payments --to-revision=11",
        },
        ["revision 11 is healthy on 1 pod"],
    ),
    "rollout-probe": (
        {
            "revision": "9",
            "diffs": [
                {
                    "container": "api",
                    "field": "livenessProbe",
                    "from": "httpGet :8080/healthz, delay 0s, every 10s, timeout 5s, "
                    "failureThreshold 3",
                    "to": "httpGet :8080/healthz, delay 0s, every 10s, timeout 1s, "
                    "failureThreshold 1",
                }
            ],
        },
        [],
    ),
    "rollout-configmap-renamed": (
        {
            "diffs": [
                {
                    "container": None,
                    "field": "volumes.config",
                    "from": "configMap catalog-config",
                    "to": "configMap catalog-config-v2",
                }
            ],
            "rollback": "kubectl rollout undo deployment/catalog-api -n catalog --to-revision=4",
        },
        [],
    ),
    "rollout-long-before": (
        {"revision": "5", "began_with_rollout": False, "rollback": None},
        ["No rollout in the 24 h before the crashes began", "the workload did not change"],
    ),
    "rollout-statefulset": (
        {
            "workload": {"kind": "StatefulSet", "name": "orders-db"},
            "revision": "3",
            "previous_revision": "2",
            "began_with_rollout": True,
            "previous_healthy": {"ready": 2, "replicas": 2},
            "diffs": [
                {
                    "container": "postgres",
                    "field": "image",
                    "from": "postgres:10",
                    "to": "postgres:11.2",
                }
            ],
            "rollback": "kubectl rollout undo statefulset/orders-db -n data --to-revision=2",
        },
        ["1 of 3 pods updated"],
    ),
    "rollout-daemonset": (
        {
            "workload": {"kind": "DaemonSet", "name": "node-exporter"},
            "revision": "5",
            "previous_revision": "4",
            "previous_healthy": {"ready": 2, "replicas": 2},
            "diffs": [
                {
                    "container": "node-exporter",
                    "field": "args",
                    "from": "--path.procfs=/host/proc --path.sysfs=/host/sys",
                    "to": "--path.procfs=/host/proc --path.sysfs=/host/sys "
                    "--path.rootfs=/host/root",
                }
            ],
            "rollback": "kubectl rollout undo daemonset/node-exporter -n monitoring "
            "--to-revision=4",
        },
        [],
    ),
    "rollout-paused": (
        {
            "revision": "3",
            "previous_revision": "2",
            "rollback": "kubectl rollout resume deployment/kb -n sedna && "
            "kubectl rollout undo deployment/kb -n sedna --to-revision=2",
        },
        ["The Deployment is paused part-way (1 of 2 pods updated", "refuses a paused Deployment"],
    ),
    "rollout-rollback-in-progress": (
        {
            "revision": "7",
            "previous_revision": "6",
            "began_with_rollout": True,
            "rollback": None,
            "diffs": [
                {
                    "container": "pusher",
                    "field": "image",
                    "from": "registry/pusher:1.8.0",
                    "to": "registry/pusher:1.9.0",
                }
            ],
        },
        ["A rollback is in progress: revision 8 (the template of revision 6) replaces revision 7"],
    ),
    "rollout-ten-old-replicasets": (
        {
            "revision": "11",
            "previous_revision": "10",
            "diffs": [
                {
                    "container": "reload",
                    "field": "image",
                    "from": "configmap-reload:v0.9.0",
                    "to": "configmap-reload:v0.10.0",
                }
            ],
            "rollback": "kubectl rollout undo deployment/configmap-reload -n tools "
            "--to-revision=10",
        },
        [],
    ),
    "rollout-history-limit-zero": (
        {"revision": "5", "previous_revision": None, "diffs": [], "rollback": None},
        ["revisionHistoryLimit is 0", "keeps no earlier revision"],
    ),
    "rollout-cronjob": (
        {
            "workload": {"kind": "CronJob", "name": "deal-scout"},
            "revision": "deal-scout-29919000",
            "previous_revision": "deal-scout-29917560",
            "began_with_rollout": True,
            "previous_healthy": {"ready": 1, "replicas": 1},
            "diffs": [
                {
                    "container": "scout",
                    "field": "image",
                    "from": "registry/deal-scout:v0.2.0",
                    "to": "registry/deal-scout:v0.2.1",
                }
            ],
            "rollback": None,
        },
        ["the previous Job deal-scout-29917560 succeeded", "CronJobs have no `rollout undo`"],
    ),
}


# The rules that weigh the change (`change:` conditions): their finding quotes it.
CORROBORATED = {
    "rollout-image-change": ("exec-format", "change in revision 7: checkout: image"),
    "rollout-env": ("missing-env", "change in revision 4: upgrade-service: env"),
    "rollout-memory-limit": ("oom-cgroup", "resources.limits.memory 512Mi → 256Mi"),
    "rollout-probe": ("liveness-probe", "change in revision 9: api: livenessProbe"),
    "rollout-ten-old-replicasets": ("exec-format", "change in revision 11: reload: image"),
}


def diagnose_live(
    api: FakeKubeAPI, target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    kubeconfig = tmp_path / "kubeconfig"
    with running_in_thread(api) as url:
        write_kubeconfig(kubeconfig, url)
        with pytest.raises(SystemExit) as exit_info:
            main(["diagnose", target, "--output", "json", "--kubeconfig", str(kubeconfig)])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def test_every_rollout_scenario_has_an_expectation() -> None:
    assert sorted(ROLLOUTS) == sorted(EXPECTED)
    assert len(ROLLOUTS) == 13


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_live_change_names_the_revision_the_diff_and_the_rollback(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = ROLLOUTS[name]
    api = FakeKubeAPI(scenario.path)
    doc = diagnose_live(api, scenario.target, tmp_path, capsys)
    change = doc["change"]
    assert change is not None, doc["warnings"]
    fields, phrases = EXPECTED[name]
    for key, want in fields.items():
        assert change[key] == want, f"{name}: {key} = {change[key]!r}"
    said = " ".join([change["summary"], *change["notes"]])
    for phrase in phrases:
        assert phrase in said, f"{name}: {phrase!r} not in {said!r}"
    assert not any(w.startswith("what changed") for w in doc["warnings"]), doc["warnings"]
    quoted = {f["rule_id"]: " ".join(f["evidence"]) for f in doc["findings"]}
    if name in CORROBORATED:
        rule_id, evidence = CORROBORATED[name]
        assert doc["findings"][0]["rule_id"] == rule_id
        assert evidence in quoted[rule_id], quoted[rule_id]
    if not change["began_with_rollout"]:
        assert not any("change in" in q for q in quoted.values()), quoted
    # One list of revisions, in the second round trip: still two round trips.
    lists = [r for r in api.requests if r.path.endswith(("/replicasets", "/controllerrevisions"))]
    lists += [r for r in api.requests if r.path.endswith("/jobs")]
    assert len(lists) == 1
    pod_read = min(api.requests, key=lambda r: r.t_start)
    assert lists[0].t_start >= pod_read.t_end
    # The snapshot source serves the same revisions from the scenario's files.
    offline = SnapshotSource(scenario.path).read(parse_target(scenario.target))
    assert change_json(offline.change) == change


def test_forbidden_controllerrevisions_leave_change_null_and_name_the_permission(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = ROLLOUTS["rollout-statefulset"]
    api = FakeKubeAPI(scenario.path)
    api.forbid = [{"verb": "list", "resource": "controllerrevisions"}]
    doc = diagnose_live(api, scenario.target, tmp_path, capsys)
    assert doc["change"] is None
    assert any("needs list on controllerrevisions" in w for w in doc["warnings"]), doc["warnings"]
    assert doc["findings"], "the diagnosis itself goes on"


def test_a_bare_pod_has_no_change_and_no_warning_about_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = ROLLOUTS["rollout-image-change"]
    api = FakeKubeAPI(scenario.path)
    pod = api.get("Pod", "pay", scenario.target.split("/")[1])
    assert pod is not None
    pod["metadata"].pop("ownerReferences")
    api.put(pod)
    doc = diagnose_live(api, scenario.target, tmp_path, capsys)
    assert doc["change"] is None
    assert not any("changed" in w for w in doc["warnings"])
    assert not api.requests_matching("/replicasets$")


def test_the_text_output_has_a_what_changed_section(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = ROLLOUTS["rollout-image-change"]
    with pytest.raises(SystemExit):
        main(["diagnose", scenario.target, "--output", "text", "--snapshot", str(scenario.path)])
    out = capsys.readouterr().out
    section = out[out.index("What changed:") :]
    assert "checkout: image registry/checkout:2.3.1 → registry/checkout:2.4.0" in section
    assert "checkout: env +PAYMENT_PROVIDER" in section
    assert "$ kubectl rollout undo deployment/checkout -n pay --to-revision=6" in section
