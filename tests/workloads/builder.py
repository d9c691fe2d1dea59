"""Workload scenarios built in code: a Deployment, its ReplicaSets, nodes and many pods.

A workload of 500 pods is 500 near-identical pod objects; writing them out by hand (or
committing a generated copy) would hide the few facts that differ. Each scenario here
states those facts (which pods run where, of which revision, failing how) and this
module writes the objects a kube-apiserver would return for them, in the scenario
folder format of tests/scenarios (served by tests/fakes/kubeapi.py).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NS = "checkout"
APP = "cart"
STARTED = "2026-11-20T08:30:00Z"
LAST_START = "2026-11-20T09:27:12Z"
LAST_EXIT = "2026-11-20T09:27:58Z"

# How a container last stopped, as the kubelet reports it, and the log it left.
OOM = ("OOMKilled", 137, ["INFO cart: serving on :8080", "INFO cart: cache warmed: 1.2M keys"])
LIVENESS = (
    "Error",
    143,
    ["INFO cart: serving on :8080", "INFO cart: shutting down on SIGTERM"],
)
REFUSED = (
    "Error",
    1,
    [
        "INFO cart: starting v2.4.0",
        "FATAL cart: cannot connect to redis: dial tcp 10.96.14.7:6379: connect: "
        "connection refused",
    ],
)
DISK = (
    "Error",
    1,
    [
        "INFO cart: starting v2.4.0",
        "FATAL cart: open /var/cache/cart/index.db: input/output error",
    ],
)


@dataclass
class PodSpec:
    """One pod of the workload: where it runs, its revision, and how it fails (or not)."""

    node: str
    revision: str
    fails: tuple[str, int, list[str]] | None = None  # (reason, exit code, log) or healthy
    restarts: int = 6
    # when the kubelet first backed off restarting it; None: that event has expired
    crashes_began: str | None = "2026-11-20T08:32:00Z"


@dataclass
class Workload:
    name: str = APP
    revisions: dict[str, int] = field(default_factory=lambda: {"6d5c4b3a2": 7})  # hash -> number
    pods: list[PodSpec] = field(default_factory=list)
    memory_limit: str = "300Mi"
    node_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # node -> labels
    liveness: bool = False


def _uid(*parts: str) -> str:
    return str(uuid.UUID(hashlib.md5("/".join(parts).encode()).hexdigest()))


def _suffix(i: int) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    out = ""
    for _ in range(5):
        i, r = divmod(i, len(alphabet))
        out += alphabet[r]
    return out


def write(w: Workload, folder: Path) -> list[str]:
    """Write the workload's objects into `folder`; returns the pod names, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = {"app.kubernetes.io/name": w.name}
    deploy_uid = _uid("deploy", w.name)
    newest = max(w.revisions.values())
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": w.name,
            "namespace": NS,
            "uid": deploy_uid,
            "generation": newest,
            "annotations": {"deployment.kubernetes.io/revision": str(newest)},
            "creationTimestamp": "2026-10-01T10:00:00Z",
        },
        "spec": {
            "replicas": len(w.pods),
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [_spec(w)]}},
        },
        "status": {"replicas": len(w.pods), "observedGeneration": newest},
    }
    replicasets = [
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{w.name}-{rev}",
                "namespace": NS,
                "uid": _uid("rs", w.name, rev),
                "labels": {**labels, "pod-template-hash": rev},
                "annotations": {"deployment.kubernetes.io/revision": str(number)},
                "ownerReferences": [_owner("Deployment", w.name, deploy_uid, "apps/v1")],
                "creationTimestamp": STARTED,
            },
            "spec": {
                "replicas": sum(p.revision == rev for p in w.pods),
                "selector": {"matchLabels": {**labels, "pod-template-hash": rev}},
                "template": {
                    "metadata": {"labels": {**labels, "pod-template-hash": rev}},
                    "spec": {"containers": [_spec(w)]},
                },
            },
        }
        for rev, number in w.revisions.items()
    ]
    pods, events, names = [], [], []
    logs = folder / "logs" / NS
    for i, p in enumerate(w.pods):
        name = f"{w.name}-{p.revision}-{_suffix(i)}"
        names.append(name)
        pod_uid = _uid("pod", name)
        pods.append(_pod(w, p, name, pod_uid, labels))
        if p.fails is not None and p.crashes_began is not None:
            events.append(_backoff(name, pod_uid, p))
        if p.fails is not None:
            (logs / name).mkdir(parents=True, exist_ok=True)
            (logs / name / "cart.log").write_text("\n".join(p.fails[2]) + "\n")
    nodes = sorted({p.node for p in w.pods})
    _dump(folder / "workloads.json", [deployment, *replicasets])
    _dump(folder / "pods.json", pods)
    _dump(folder / "events.json", events)
    _dump(folder / "nodes.json", [_node(n, w.node_labels.get(n, {})) for n in nodes])
    return names


def _spec(w: Workload) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "cart",
        "image": "registry.example.com/checkout/cart:2.4.0",
        "resources": {"limits": {"memory": w.memory_limit}, "requests": {"memory": "200Mi"}},
    }
    if w.liveness:
        spec["livenessProbe"] = {
            "httpGet": {"path": "/healthz", "port": 8080},
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "failureThreshold": 3,
        }
    return spec


def _owner(kind: str, name: str, uid: str, api: str) -> dict[str, Any]:
    return {
        "apiVersion": api,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _pod(w: Workload, p: PodSpec, name: str, uid: str, labels: dict[str, str]) -> dict[str, Any]:
    rs = f"{w.name}-{p.revision}"
    if p.fails is None:
        state: dict[str, Any] = {"running": {"startedAt": STARTED}}
        last: dict[str, Any] = {}
        restarts, ready, phase_reason = 0, True, "True"
    else:
        reason, code, _ = p.fails
        state = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 5m0s restarting failed container=cart pod={name}_{NS}({uid})",
            }
        }
        last = {
            "terminated": {
                "exitCode": code,
                "reason": reason,
                "startedAt": LAST_START,
                "finishedAt": LAST_EXIT,
                "containerID": f"containerd://{hashlib.sha256(name.encode()).hexdigest()}",
            }
        }
        restarts, ready, phase_reason = p.restarts, False, "False"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": f"{rs}-",
            "namespace": NS,
            "uid": uid,
            "labels": {**labels, "pod-template-hash": p.revision},
            "ownerReferences": [
                _owner("ReplicaSet", rs, _uid("rs", w.name, p.revision), "apps/v1")
            ],
            "creationTimestamp": STARTED,
        },
        "spec": {"nodeName": p.node, "containers": [_spec(w)], "restartPolicy": "Always"},
        "status": {
            "phase": "Running",
            "startTime": STARTED,
            "conditions": [
                {"type": "PodScheduled", "status": "True"},
                {"type": "Ready", "status": phase_reason},
            ],
            "containerStatuses": [
                {
                    "name": "cart",
                    "image": "registry.example.com/checkout/cart:2.4.0",
                    "ready": ready,
                    "started": ready,
                    "restartCount": restarts,
                    "state": state,
                    "lastState": last,
                }
            ],
        },
    }


def _backoff(name: str, uid: str, p: PodSpec) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{name}.18{uid[:6]}", "namespace": NS, "uid": _uid("ev", name)},
        "involvedObject": {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": name,
            "namespace": NS,
            "uid": uid,
            "fieldPath": "spec.containers{cart}",
        },
        "reason": "BackOff",
        "message": f"Back-off restarting failed container cart in pod {name}_{NS}({uid})",
        "type": "Warning",
        "count": p.restarts * 4,
        "firstTimestamp": p.crashes_began,
        "lastTimestamp": LAST_EXIT,
        "source": {"component": "kubelet", "host": p.node},
    }


def _node(name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": _uid("node", name),
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", **labels},
        },
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "nodeInfo": {"architecture": "amd64", "bootID": _uid("boot", name)},
        },
    }


def _dump(path: Path, items: list[dict[str, Any]]) -> None:
    # JSON, as `kubectl get -o json` prints it: a 500-pod List parses in milliseconds.
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, indent=1))
