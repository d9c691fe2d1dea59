"""A container that ended without a restart has no previous log: its own log is read.

A Job's pod with `restartPolicy: Never` (or an init container that failed once) ends
in `state.terminated` with no `lastState`; `kubectl logs -p` has nothing for it, and
the answer is in `kubectl logs`. Both collectors read that one.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.cluster.live import LiveOptions, LiveSource, load_api_client
from bot.cluster.snapshot import SnapshotSource
from bot.diagnosis.engine import diagnose
from bot.diagnosis.rules import RuleSet
from bot.target import Target
from tests.fakes.kubeapi import FakeKubeAPI, write_kubeconfig

LINE = 'psql: error: connection to server at "reports-db" (10.0.3.9), port 5432 failed: FATAL:  database "reports" does not exist'  # noqa: E501


def write_job_pod(folder: Path) -> Target:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "export-29381-x7k2p",
            "namespace": "reports",
            "uid": "3f1c9a52-1e0b-4b7e-9a55-0c1f2d3e4a5b",
            "ownerReferences": [
                {
                    "apiVersion": "batch/v1",
                    "kind": "Job",
                    "name": "export-29381",
                    "controller": True,
                }
            ],
        },
        "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "export", "image": "registry.example.com/export:1.2"}],
        },
        "status": {
            "phase": "Failed",
            "containerStatuses": [
                {
                    "name": "export",
                    "ready": False,
                    "restartCount": 0,
                    "state": {
                        "terminated": {
                            "exitCode": 2,
                            "reason": "Error",
                            "startedAt": "2026-11-20T02:00:03Z",
                            "finishedAt": "2026-11-20T02:00:04Z",
                            "containerID": "containerd://9b2f6c1d0e4a7b3c5d8e9f0a1b2c3d4e",
                        }
                    },
                    "lastState": {},
                }
            ],
        },
    }
    folder.mkdir(parents=True)
    (folder / "pod.json").write_text(json.dumps(pod))
    logs = folder / "logs" / "reports" / "export-29381-x7k2p"
    logs.mkdir(parents=True)
    (logs / "export.current.log").write_text(f"exporting reports for 2026-11-19\n{LINE}\n")
    return Target("reports", "export-29381-x7k2p")


async def test_live_collector_reads_the_log_of_a_container_that_was_not_restarted(
    tmp_path: Path, rules: RuleSet
) -> None:
    target = write_job_pod(tmp_path / "job")
    server = FakeKubeAPI(tmp_path / "job")
    write_kubeconfig(tmp_path / "kubeconfig", await server.start())
    api = await load_api_client(kubeconfig=str(tmp_path / "kubeconfig"))
    source = LiveSource(api, options=LiveOptions(timeout=5))
    try:
        facts = await source.pod_facts(target)
    finally:
        await source.close()
        await server.stop()
    log_reads = [r for r in server.requests if r.path.endswith("/log")]
    assert [r.query.get("previous") for r in log_reads] == ["False"]
    d = diagnose(facts, rules)
    assert d.container is not None and d.container.logs is not None
    assert d.decisive_for("export")[0].text == LINE
    assert d.top is not None and any(LINE[:60] in e for e in (d.top.title, *d.top.evidence))


def test_snapshot_reads_the_current_log_of_a_container_that_was_not_restarted(
    tmp_path: Path,
) -> None:
    target = write_job_pod(tmp_path / "job")
    facts = SnapshotSource(tmp_path / "job").read(target)
    assert facts.containers[0].logs == ("exporting reports for 2026-11-19", LINE)
