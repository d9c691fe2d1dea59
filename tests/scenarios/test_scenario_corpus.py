"""The scenario corpus is well formed and readable through the real client.

This checks the data only (shape, references, that kubernetes_asyncio can deserialize
everything the fake serves); the diagnosis expectations are checked by the CLI tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_asyncio import client
from kubernetes_asyncio.client.rest import ApiException

from bot.diagnosis.rules import load_rules
from tests.fakes.kubeapi import FakeKubeAPI, load_snapshot

HERE = Path(__file__).resolve().parent
SCENARIOS = sorted(p.parent for p in HERE.glob("*/scenario.yaml"))

# Causes that each need a scenario where they are the top finding.
COVERED_RULES = {
    # design.md
    "oom-cgroup",
    "oom-system",
    "liveness-probe",
    "sigkill",
    "node-reboot",
    "app-error",
    "clean-exit",
    "configmap-subpath",
    "command-not-found",
    "not-executable",
    "exec-format",
    "fatal-signal",
    "memory-fragmentation",
    "sysexits",
    # log signatures
    "python-traceback",
    "go-panic",
    "nodejs-uncaught",
    "java-exception",
    "missing-env",
    "missing-config-file",
    "address-in-use",
    "permission-denied",
    "dependency-refused",
}
# Rules of issue 10 (being added while the corpus grows): each needs a scenario too, and the
# scenarios may name them before their files land (the CLI tests of those fail until then).
ISSUE_10_RULES = {
    # runtime causes with a fix of their own
    "nodejs-heap-oom",
    "go-nil-pointer",
    "db-auth-failed",
    "dns-resolution-failed",
    "tls-certificate",
    "read-only-filesystem",
    "privileged-port",
    "missing-module",
    "data-dir-not-empty",
    "rbac-forbidden",
    "crd-missing",
    "jvm-heap-limit",
    # broken states that are not a crash loop
    "create-container-config-error",
    "create-container-error",
    "image-not-found",
    "image-pull-unauthorized",
    "image-pull-rate-limited",
    "image-pull-failed",
    "invalid-image-name",
    "run-container-error",
    "init-error",
    "unschedulable",
    "pvc-unbound",
    "evicted",
    "not-crash-looping",
    # common in the reports the corpus is shaped on
    "vm-max-map-count",
    "run-as-non-root",
    "no-space-left",
}
KNOWN_RULES = set(load_rules().ids) | ISSUE_10_RULES
EXPECT_KEYS = {
    "top_rule",
    "also_rules",
    "not_rules",
    "container",
    "warnings",
    "exit_status",
    "error",
    "quote",
}
FAULT_KEYS = {"forbid", "allow", "fail", "latency", "unreachable", "token"}


def _meta(d: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((d / "scenario.yaml").read_text())
    return data


def test_corpus_size_and_coverage() -> None:
    assert len(SCENARIOS) >= 100
    tops = {_meta(d)["expect"].get("top_rule") for d in SCENARIOS}
    assert tops >= COVERED_RULES | ISSUE_10_RULES
    secretish = [
        d.name
        for d in SCENARIOS
        for log in d.glob("logs/*/*/*.log")
        if any(s in log.read_text() for s in ("Bearer ", "postgres://", "password", "s3cr3t"))
    ]
    assert len(set(secretish)) >= 3


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_scenario_metadata(scenario: Path) -> None:
    meta = _meta(scenario)
    assert set(meta) <= {"description", "source", "target", "container", "expect", "faults"}
    assert meta["description"].strip()
    if "source" in meta:
        assert meta["source"].startswith("https://"), "source is the public report's address"
    ns, _, pod = meta["target"].partition("/")
    assert ns and pod
    expect = meta["expect"]
    assert set(expect) <= EXPECT_KEYS
    assert expect["exit_status"] in (0, 1)
    rules = [expect.get("top_rule"), *expect.get("also_rules", []), *expect.get("not_rules", [])]
    assert {r for r in rules if r} <= KNOWN_RULES
    if expect["exit_status"] == 1:
        assert expect["error"] and not expect.get("top_rule")
    else:
        assert expect["top_rule"] and expect["container"]
        assert expect["top_rule"] not in expect.get("not_rules", [])
    faults = meta.get("faults") or {}
    assert set(faults) <= FAULT_KEYS
    FakeKubeAPI().apply_faults(faults)  # the knobs parse


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_scenario_objects_are_consistent(scenario: Path) -> None:
    objects, logs = load_snapshot(scenario)
    by_uid = {o["metadata"]["uid"]: o for o in objects}
    assert len(by_uid) == len(objects), "uids are unique"
    meta = _meta(scenario)
    ns, _, name = meta["target"].partition("/")
    pods = {
        (o["metadata"]["namespace"], o["metadata"]["name"]): o
        for o in objects
        if o["kind"] == "Pod"
    }
    expect = meta["expect"]
    if expect["error"] == "not found":
        assert (ns, name) not in pods
        return
    pod = pods[(ns, name)]
    statuses = {
        s["name"]: s
        for s in [
            *pod["status"].get("containerStatuses", []),
            *pod["status"].get("initContainerStatuses", []),
        ]
    }
    spec_names = [c["name"] for c in pod["spec"]["containers"]] + [
        c["name"] for c in pod["spec"].get("initContainers", [])
    ]
    if "nodeName" not in pod["spec"]:
        # never scheduled: the API reports no container statuses, the scheduler says why
        assert not statuses and pod["status"]["phase"] == "Pending"
        cond = {c["type"]: c for c in pod["status"]["conditions"]}["PodScheduled"]
        assert cond["status"] == "False" and cond["reason"] == "Unschedulable"
        assert any(
            e["reason"] == "FailedScheduling" and e["message"] == cond["message"]
            for e in objects
            if e["kind"] == "Event"
        )
    else:
        assert sorted(statuses) == sorted(spec_names)
    if expect.get("container"):
        assert expect["container"] in spec_names
        last = (statuses.get(expect["container"]) or {}).get("lastState", {}).get("terminated")
        if last:
            assert last["exitCode"] is not None
            assert last["startedAt"] <= last["finishedAt"]
    # owner chain resolves inside the snapshot
    obj = pod
    while obj["metadata"].get("ownerReferences"):
        ref = obj["metadata"]["ownerReferences"][0]
        owner = by_uid[ref["uid"]]
        assert (owner["kind"], owner["metadata"]["name"]) == (ref["kind"], ref["name"])
        obj = owner
    # events point at objects that exist (or at nodes by name)
    for ev in (o for o in objects if o["kind"] == "Event"):
        inv = ev["involvedObject"]
        if inv["kind"] == "Node":
            assert inv["uid"] == inv["name"] and ev["metadata"]["namespace"] == "default"
        else:
            assert by_uid[inv["uid"]]["metadata"]["name"] == inv["name"]
            assert ev["metadata"]["namespace"] == inv["namespace"]
    for ns_, pod_, container, _prev in logs:
        owner_pod = pods[(ns_, pod_)]
        assert container in [c["name"] for c in owner_pod["spec"]["containers"]] + [
            c["name"] for c in owner_pod["spec"].get("initContainers", [])
        ]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
async def test_scenario_served_to_the_real_client(scenario: Path) -> None:
    meta = _meta(scenario)
    ns, _, name = meta["target"].partition("/")
    api = FakeKubeAPI(scenario)
    url = await api.start()
    try:
        cfg = client.Configuration(host=url)
        async with client.ApiClient(configuration=cfg) as c:
            core, apps, batch = client.CoreV1Api(c), client.AppsV1Api(c), client.BatchV1Api(c)
            try:
                pod = await core.read_namespaced_pod(name, ns)
            except ApiException as e:
                assert meta["expect"]["error"] == "not found"
                assert e.status == 404
                return
            events = await core.list_namespaced_event(
                ns, field_selector=f"involvedObject.uid={pod.metadata.uid}"
            )
            assert events.items
            node_name = pod.spec.node_name
            if node_name:
                try:
                    await core.read_node(node_name)
                except ApiException as e:
                    assert e.status == 404
                    assert "node" in meta["expect"]["warnings"]
                await core.list_namespaced_event(
                    "default",
                    field_selector=f"involvedObject.kind=Node,involvedObject.name={node_name}",
                )
            readers = {
                "ReplicaSet": apps.read_namespaced_replica_set,
                "Deployment": apps.read_namespaced_deployment,
                "StatefulSet": apps.read_namespaced_stateful_set,
                "DaemonSet": apps.read_namespaced_daemon_set,
                "Job": batch.read_namespaced_job,
                "CronJob": batch.read_namespaced_cron_job,
            }
            refs = pod.metadata.owner_references or []
            while refs:
                owner = await readers[refs[0].kind](refs[0].name, ns)
                refs = owner.metadata.owner_references or []
            ctr = meta["expect"].get("container")
            statuses = [
                *(pod.status.container_statuses or []),
                *(pod.status.init_container_statuses or []),
            ]
            last = next(
                (s.last_state.terminated for s in statuses if s.name == ctr and s.last_state),
                None,
            )
            # a container that never ran has no previous log to read
            if ctr and last is not None:
                resp = await core.read_namespaced_pod_log(
                    name, ns, container=ctr, previous=True, tail_lines=200, _preload_content=False
                )
                async with resp:
                    body = (await resp.read()).decode()
                    status = resp.status
                if status == 200:
                    expected = (scenario / "logs" / ns / name / f"{ctr}.log").read_text()
                    assert body.splitlines() == expected.splitlines()[-200:]
                else:
                    assert status == 400
                    assert "previous logs" in meta["expect"]["warnings"]
                    assert "not found" in json.loads(body)["message"]
    finally:
        await api.stop()


def _inputs_text(scenario: Path) -> str:
    """Everything the bot reads: log files and every message of the objects served."""
    objects, logs = load_snapshot(scenario)
    parts = list(logs.values())
    for o in objects:
        if o["kind"] == "Event":
            parts.append(o.get("message") or "")
        if o["kind"] == "Pod":
            status = o["status"]
            parts += [status.get("message") or "", status.get("reason") or ""]
            parts += [c.get("message") or "" for c in status.get("conditions", [])]
            for st in [
                *status.get("containerStatuses", []),
                *status.get("initContainerStatuses", []),
            ]:
                for state in (st.get("state") or {}, st.get("lastState") or {}):
                    for detail in state.values():
                        parts += [detail.get("message") or "", detail.get("reason") or ""]
    return "\n".join(parts)


@pytest.mark.parametrize(
    "scenario", [d for d in SCENARIOS if _meta(d)["expect"].get("quote")], ids=lambda p: p.name
)
def test_quote_is_in_the_scenario_data(scenario: Path) -> None:
    """What the top finding must quote is in the inputs, verbatim: the bot cannot invent it."""
    assert _meta(scenario)["expect"]["quote"] in _inputs_text(scenario)


def test_generated_scenarios_are_up_to_date(tmp_path: Path) -> None:
    """The folders written by _build.py match _cases.py, and each cites its report."""
    from tests.scenarios._build import write
    from tests.scenarios._cases import CASES

    assert len({c.name for c in CASES}) == len(CASES)
    for case in CASES:
        assert case.source.startswith("https://")
        built = write(case, tmp_path)
        on_disk = HERE / case.name
        files = sorted(p.relative_to(built) for p in built.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(on_disk) for p in on_disk.rglob("*") if p.is_file())
        for f in files:
            assert (on_disk / f).read_bytes() == (built / f).read_bytes(), (
                f"{case.name}/{f} is stale: run .venv/bin/python -m tests.scenarios._build"
            )
