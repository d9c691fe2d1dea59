"""The live collector's critical path is two round trips: the pod, then the rest at once.

Asserted on the order of the requests the local API server saw, not on timings:
every read after the pod starts once the pod is answered, and before any other read
has been answered (the owner's owner included: it is named from the pod, not looked
up from the owner).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cluster.live import LiveOptions, LiveSource, load_api_client
from bot.target import parse_target
from tests.conftest import SCENARIOS
from tests.fakes.kubeapi import FakeKubeAPI, write_kubeconfig

CASES = {
    "oom-cgroup": ("payments/ledger-api-5d8f7b9c4-x2k9q", "Deployment"),
    "cronjob-job-owned": ("reports/nightly-report-29916120-9sxkf", "CronJob"),
    "five-containers": ("web/marketplace-api-lnxj62s9pz-6vxr4", "Deployment"),
    "statefulset-owned": ("data/session-cache-2", "StatefulSet"),
    # what changed: ReplicaSets, ControllerRevisions or Jobs are listed in round two too
    "rollout-image-change": ("pay/checkout-b6jprn759q-vrb87", "Deployment"),
    "rollout-statefulset": ("data/orders-db-2", "StatefulSet"),
    "rollout-cronjob": ("deals/deal-scout-29919000-m7gkj", "CronJob"),
}


@pytest.mark.parametrize("scenario", sorted(CASES))
async def test_everything_after_the_pod_is_read_concurrently(scenario: str, tmp_path: Path) -> None:
    target, top_owner = CASES[scenario]
    server = FakeKubeAPI(SCENARIOS / scenario, latency=0.05)
    write_kubeconfig(tmp_path / "kubeconfig", await server.start())
    api = await load_api_client(kubeconfig=str(tmp_path / "kubeconfig"))
    source = LiveSource(api, options=LiveOptions(timeout=5))
    try:
        facts = await source.pod_facts(parse_target(target))
    finally:
        await source.close()
        await server.stop()
    assert facts.owner is not None and facts.owner.kind == top_owner
    pod_read, *rest = sorted(server.requests, key=lambda r: r.t_start)
    assert pod_read.path.endswith("/pods/" + target.split("/")[1])
    assert rest, "nothing was read after the pod"
    first_answer = min(r.t_end for r in rest)
    for r in rest:
        assert r.t_start >= pod_read.t_end
        assert r.t_start < first_answer, f"{r.path} waited for another read"
    if scenario.startswith("rollout-"):
        assert facts.change is not None and facts.change.diffs
        lists = [r for r in rest if r.path.endswith(("/replicasets", "/controllerrevisions"))]
        lists += [r for r in rest if r.path.endswith("/jobs")]
        assert len(lists) == 1, [r.path for r in rest]
