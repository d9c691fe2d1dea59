"""Workload diagnosis: one answer for many pods, grouped by cause, correlated across pods.

Each scenario is written by tests/workloads/builder.py and served by the local
kube-apiserver; the CLI reads it live (`diagnose ns/deploy/cart --output json`) through
the real client, as a user runs it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.fakes.kubeapi import FakeKubeAPI, write_kubeconfig
from tests.workloads.builder import DISK, LIVENESS, NS, OOM, REFUSED, PodSpec, Workload, write

NEW, OLD = "7f6e5d4c3", "6d5c4b3a2"


def scenario(name: str) -> Workload:
    """The workloads of issue 15's test list, by name."""
    if name == "one-node":
        return Workload(
            pods=[PodSpec("worker-7", OLD, DISK) for _ in range(3)]
            + [PodSpec(f"worker-{n}", OLD) for n in (1, 2, 3)]
        )
    if name == "new-revision-only":
        return Workload(
            revisions={OLD: 6, NEW: 7},
            pods=[PodSpec(f"worker-{n}", NEW, OOM) for n in (1, 2)]
            + [PodSpec(f"worker-{n}", OLD) for n in (3, 4)],
        )
    if name == "every-revision":
        # redis went away at 08:32: each pod met it at its next call or restart
        began = {OLD: "2026-11-20T08:32:00Z", NEW: "2026-11-20T08:36:30Z"}
        return Workload(
            revisions={OLD: 6, NEW: 7},
            pods=[
                PodSpec(f"worker-{n}", rev, REFUSED, crashes_began=began[rev])
                for n in (1, 2)
                for rev in (OLD, NEW)
            ],
        )
    if name == "every-revision-together":
        return Workload(
            revisions={OLD: 6, NEW: 7},
            pods=[PodSpec(f"worker-{n}", rev, REFUSED) for n in (1, 2) for rev in (OLD, NEW)],
        )
    if name == "every-revision-apart":
        # the old revision's pods began crashing at 08:32, the new one's 48 min later
        return Workload(
            revisions={OLD: 6, NEW: 7},
            pods=[PodSpec(f"worker-{n}", OLD, REFUSED) for n in (1, 2)]
            + [
                PodSpec(f"worker-{n}", NEW, REFUSED, crashes_began="2026-11-20T09:20:00Z")
                for n in (3, 4)
            ],
        )
    if name == "every-revision-expired":
        return Workload(
            revisions={OLD: 6, NEW: 7},
            pods=[PodSpec("worker-1", OLD, REFUSED, crashes_began=None)]
            + [PodSpec(f"worker-{n}", NEW, REFUSED) for n in (2, 3)],
        )
    if name in ("one-pool", "one-zone", "pool-with-ready-pods"):
        # worker-1 and -2 are the new gpu-a pool in zone b; worker-3 and -4 the old pool
        zone = "topology.kubernetes.io/zone"
        pool = "cloud.google.com/gke-nodepool" if name != "one-zone" else "unrelated/pool"
        labels = {
            "worker-1": {pool: "gpu-a", zone: "europe-west1-b"},
            "worker-2": {pool: "gpu-a", zone: "europe-west1-b"},
            "worker-3": {pool: "default", zone: "europe-west1-c"},
            "worker-4": {pool: "default", zone: "europe-west1-d"},
        }
        ready_in_pool = [PodSpec("worker-2", OLD)] if name == "pool-with-ready-pods" else []
        return Workload(
            node_labels=labels,
            pods=[PodSpec(f"worker-{n}", OLD, DISK) for n in (1, 1, 2)]
            + ready_in_pool
            + [PodSpec(f"worker-{n}", OLD) for n in (3, 4, 4)],
        )
    if name == "two-causes":
        return Workload(
            liveness=True,
            pods=[PodSpec(f"worker-{n % 4}", OLD, OOM) for n in range(8)]
            + [PodSpec("worker-5", OLD, LIVENESS), PodSpec("worker-6", OLD, LIVENESS)],
        )
    if name == "single-bad-pod":
        return Workload(
            pods=[PodSpec("worker-3", OLD, DISK)] + [PodSpec(f"worker-{n}", OLD) for n in range(9)]
        )
    if name == "five-hundred":
        return Workload(pods=[PodSpec(f"worker-{n % 10}", OLD, OOM) for n in range(500)])
    raise KeyError(name)


async def diagnose_live(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[dict[str, Any], FakeKubeAPI, list[str]]:
    pods = write(scenario(name), tmp_path / name)
    server = FakeKubeAPI(tmp_path / name)
    write_kubeconfig(tmp_path / "kubeconfig", await server.start())
    try:
        with pytest.raises(SystemExit) as exit_info:
            await _run_cli(
                "diagnose",
                f"{NS}/deploy/cart",
                "--kubeconfig",
                str(tmp_path / "kubeconfig"),
                "--output",
                "json",
            )
    finally:
        await server.stop()
    out, err = capsys.readouterr()
    assert exit_info.value.code == 0, err
    return json.loads(out), server, pods


async def _run_cli(*args: str) -> None:
    # The CLI runs its own event loop; run it in a thread so the fake server's loop
    # (this test's) keeps serving.
    import asyncio

    await asyncio.to_thread(main, list(args))


def correlation(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    found = [c for c in doc["workload"]["correlations"] if c["kind"] == kind]
    assert found, f"no {kind} correlation in {doc['workload']['correlations']}"
    return found[0]


async def test_crashes_on_one_node_name_the_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, _, _ = await diagnose_live("one-node", tmp_path, capsys)
    w = doc["workload"]
    assert (w["pods_total"], w["pods_crashing"]) == (6, 3)
    c = correlation(doc, "node")
    assert c["value"] == "worker-7"
    assert "all 3 failing pods run on worker-7; the 3 pods on other nodes are ready" in c["summary"]
    assert "the node, not the workload" in c["summary"]


async def test_crashes_in_one_node_pool_name_the_pool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, server, _ = await diagnose_live("one-pool", tmp_path, capsys)
    c = correlation(doc, "node")
    assert c["value"] == "node pool gpu-a"
    assert (
        "all 3 failing pods run on the 2 nodes of node pool gpu-a; the 3 pods in other node "
        "pools are ready: the node pool, not the workload" in c["summary"]
    )
    # each node read once for its labels, beside the sample's own node reads
    node_reads = {r.path for r in server.requests if "/api/v1/nodes/" in r.path}
    assert node_reads == {f"/api/v1/nodes/worker-{n}" for n in (1, 2, 3, 4)}


async def test_crashes_in_one_zone_name_the_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, _, _ = await diagnose_live("one-zone", tmp_path, capsys)
    c = correlation(doc, "node")
    assert c["value"] == "zone europe-west1-b"
    assert "the 3 pods in other zones are ready: the zone, not the workload" in c["summary"]


async def test_a_pool_with_ready_pods_too_is_not_blamed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, _, _ = await diagnose_live("pool-with-ready-pods", tmp_path, capsys)
    assert [c for c in doc["workload"]["correlations"] if c["kind"] == "node"] == []


async def test_only_the_new_revision_crashing_names_the_rollout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, _, _ = await diagnose_live("new-revision-only", tmp_path, capsys)
    c = correlation(doc, "revision")
    assert c["value"] == NEW
    assert f"only the 2 pods of revision 7 ({NEW}) fail" in c["summary"]
    assert f"the 2 pods of revision {OLD} are ready: the rollout" in c["summary"]
    assert (
        "roll back: `kubectl rollout undo deployment/cart -n checkout --to-revision=6`"
        in (c["summary"])
    )
    assert [g["rule_id"] for g in doc["workload"]["groups"]] == ["oom-cgroup"]


async def test_every_revision_crashing_points_outside_the_workload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, _, _ = await diagnose_live("every-revision", tmp_path, capsys)
    c = correlation(doc, "all-revisions")
    assert c["summary"].startswith("pods of every revision fail (2 revisions, 4 pods)")
    # the first BackOffs are 4 min apart: one moment, so one change outside the workload
    assert (
        "their crashes began within 4 min of each other, at 2026-11-20 08:32 UTC: something "
        "outside the workload changed then" in c["summary"]
    )
    assert not [x for x in doc["workload"]["correlations"] if x["kind"] == "revision"]
    (group,) = doc["workload"]["groups"]
    assert group["rule_id"] == "dependency-refused"
    assert group["count"] == 4
    assert "connection refused" in group["decisive_line"]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("every-revision-together", "their crashes began together, at 2026-11-20 08:32 UTC: "),
        (
            "every-revision-apart",
            "their crashes began 48 min apart (2026-11-20 08:32 UTC to 2026-11-20 09:20 UTC), "
            "not at one moment: not the rollout",
        ),
        (
            "every-revision-expired",
            "not the rollout; something outside the workload (a dependency, configuration or "
            "data) is the likely cause, but when the crashes began is not known for every pod "
            "read (their BackOff events have expired)",
        ),
    ],
)
async def test_every_revision_crashing_says_when_the_crashes_began(
    name: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, _, _ = await diagnose_live(name, tmp_path, capsys)
    summary = correlation(doc, "all-revisions")["summary"]
    assert says in summary
    # one moment is claimed only when every pod read began crashing within it
    assert ("changed then" in summary) == (name == "every-revision-together")


async def test_two_causes_make_two_groups_largest_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, _, pods = await diagnose_live("two-causes", tmp_path, capsys)
    groups = doc["workload"]["groups"]
    assert [(g["rule_id"], g["exit_code"], g["count"]) for g in groups] == [
        ("oom-cgroup", 137, 8),
        ("fatal-signal", 143, 2),
    ]
    assert sorted(groups[0]["pods"] + groups[1]["pods"]) == sorted(pods)
    assert groups[0]["representative"] == groups[0]["pods"][0]
    # the document's own fields are the largest group's representative's diagnosis
    assert doc["pod"] == groups[0]["representative"]
    assert doc["findings"][0]["rule_id"] == "oom-cgroup"


async def test_one_bad_pod_among_many_is_this_pod_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, _, pods = await diagnose_live("single-bad-pod", tmp_path, capsys)
    c = correlation(doc, "single-pod")
    assert c["value"] == pods[0]
    assert "this pod only (its node, its volume, its data)" in c["summary"]
    assert not [x for x in doc["workload"]["correlations"] if x["kind"] == "node"]


async def test_500_pods_are_one_list_and_a_bounded_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, server, _ = await diagnose_live("five-hundred", tmp_path, capsys)
    w = doc["workload"]
    assert (w["pods_total"], w["pods_crashing"]) == (500, 500)
    assert [(g["rule_id"], g["count"]) for g in w["groups"]] == [("oom-cgroup", 500)]
    lists = [r for r in server.requests if r.path.endswith(f"/namespaces/{NS}/pods")]
    pod_reads = [r for r in server.requests if f"/namespaces/{NS}/pods/cart-" in r.path]
    assert len(lists) == 1
    # every distinct status signature (here: one per node) read once, at most 12 pods
    read = {r.path.split("/pods/")[1].split("/")[0] for r in pod_reads}
    assert len(read) == 10


def test_the_workload_form_is_a_usage_error_for_an_unknown_kind(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["diagnose", "checkout/cronjobs/cart/x"])
    assert exit_info.value.code == 2
    assert "expected NAMESPACE/POD" in capsys.readouterr().err
