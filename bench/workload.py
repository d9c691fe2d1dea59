"""Workload diagnosis cost: requests and time for a 500-pod workload.

`diagnose ns/deploy/cart` reads the Deployment (for its selector), lists its pods in
one request, then diagnoses a bounded sample of the failing pods at once (each one a
pod read, then its events, logs, node and owners). The target: requests bounded by the
sample, not the pod count, and two round trips after the list.

    .venv/bin/python bench/workload.py
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import critical_path, machine, median, table, update_doc

from bot.cluster.live import LiveOptions, LiveSource, load_api_client
from bot.diagnoser import Diagnoser
from bot.diagnosis.rules import load_rules
from bot.redact import Redactor
from tests.fakes.kubeapi import FakeKubeAPI, write_kubeconfig
from tests.workloads.builder import LIVENESS, NS, OOM, PodSpec, Workload, write

LATENCIES = (0.05, 0.1)
RUNS = 3


def workloads() -> dict[str, Workload]:
    return {
        "500 pods, one cause, 10 nodes": Workload(
            pods=[PodSpec(f"worker-{n % 10}", "6d5c4b3a2", OOM) for n in range(500)]
        ),
        "500 pods, two causes, 40 nodes": Workload(
            liveness=True,
            pods=[
                PodSpec(f"worker-{n % 40}", "6d5c4b3a2", OOM if n % 5 else LIVENESS)
                for n in range(500)
            ],
        ),
    }


async def measure(folder: Path, latency: float) -> tuple[float, int, int, int, int]:
    kube = FakeKubeAPI(folder, latency=latency)
    kubeconfig = folder.parent / "kubeconfig"
    write_kubeconfig(kubeconfig, await kube.start())
    api = await load_api_client(kubeconfig=str(kubeconfig))
    source = LiveSource(api, options=LiveOptions())

    async def fixed(_: str | None) -> LiveSource:
        return source

    diagnoser = Diagnoser(rules=load_rules(), source_for=fixed, redactor=Redactor())
    try:
        kube.reset_stats()
        started = time.perf_counter()
        w = await diagnoser.run_workload(NS, "Deployment", "cart")
        elapsed = time.perf_counter() - started
    finally:
        await source.close()
        await kube.stop()
    records = list(kube.requests)
    uids = {o["metadata"]["uid"]: o["metadata"]["name"] for o in kube.objects("Pod")}
    read = {r.path.split("/pods/")[1].split("/")[0] for r in records if "/pods/cart-" in r.path}
    # Each sampled pod's own chain: its read, then its log and events (found by its UID).
    # Chains across pods are not round trips: the pods are diagnosed side by side.
    per_pod = max(critical_path([r for r in records if _about(r, pod, uids)]) for pod in read)
    assert w.groups, "no cause group"
    return elapsed, len(records), critical_path(records), per_pod, len(read)


def _about(r: Any, pod: str, uids: dict[str, str]) -> bool:
    if f"/pods/{pod}" in r.path:
        return True
    selector = str(getattr(r, "query", {}).get("fieldSelector", ""))
    uid = selector.removeprefix("involvedObject.uid=")
    return uids.get(uid) == pod


async def main_async() -> str:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, w in workloads().items():
            folder = Path(tmp) / name.replace(" ", "-").replace(",", "")
            write(w, folder)
            for latency in LATENCIES:
                runs = [await measure(folder, latency) for _ in range(RUNS)]
                t = median([r[0] for r in runs])
                _, requests, depth, after, sampled = runs[-1]
                rows.append(
                    [
                        name,
                        f"{latency * 1000:.0f} ms",
                        f"{t * 1000:.0f} ms",
                        requests,
                        sampled,
                        depth,
                        after,
                    ]
                )
    headers = [
        "workload",
        "API latency",
        "time (median of 3)",
        "requests",
        "pods read",
        "round trips in all",
        "round trips per pod read",
    ]
    return table(headers, rows)


def main() -> int:
    body = asyncio.run(main_async())
    print(body)
    doc = f"""## Workload diagnosis (`bench/workload.py`)

Measured on: {machine()}.

`diagnose checkout/deploy/cart` of a 500-pod Deployment through the live collector
against the local kube-apiserver with a fixed latency per request. The Deployment
is read for its selector, its pods are listed in one request, and a bounded sample of
the failing pods is diagnosed at once: every distinct status signature (reason, exit
code, node, revision) once, then up to 3 per status, at most 12 pods. Round trips are
the longest chain of requests each of which started after the previous one ended: in
all (the fake server shares the process, so the CPU time of listing and serving 500
pods staggers the starts of the pods' second round trips and lengthens that chain),
and per pod read (its read, then its events and log, found by its name and UID).

{body}

Target: requests bounded by the sample, not by the pod count, and two round trips
after the pod list (the pod reads, then everything each pod's diagnosis needs at
once). With 40 nodes the signatures outnumber the sample limit: the 12 most common
are read and the other pods are grouped with a read pod of the same reason and exit
code. Twelve pods' second round trips are about 90 requests, more than the 64 a
cluster may have in flight (`LiveOptions.concurrency`), so some of them wait for a
slot (in some runs a third round trip for those pods): the price of never flooding
the API server.
"""
    update_doc("workload", doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
