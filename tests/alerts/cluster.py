"""Crash-looping Deployments for FakeKubeAPI, made in code (storms need hundreds of pods)."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.fakes.kubeapi import FakeKubeAPI

_ALNUM = "bcdfghjklmnpqrstvwxz2456789"
NODE = "worker-1"
OOM_LOG = "starting ledger\nloading settlement batch\nallocating 700Mi buffer\n"


def _suffix(*parts: object, n: int = 5) -> str:
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return "".join(_ALNUM[b % len(_ALNUM)] for b in digest[:n])


def pod_names(name: str, count: int) -> list[str]:
    rs = _suffix(name, "rs", n=9)
    return [f"{name}-{rs}-{_suffix(name, i)}" for i in range(count)]


def node() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": NODE},
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "nodeInfo": {"architecture": "amd64", "bootID": "b0", "kernelVersion": "6.1.0"},
        },
    }


def crash_pod(
    namespace: str,
    name: str,
    owner_rs: str,
    *,
    reason: str = "OOMKilled",
    exit_code: int = 137,
    container: str = "api",
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app": owner_rs.rsplit("-", 1)[0]},
            "creationTimestamp": "2025-11-25T10:00:00Z",
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": owner_rs,
                    "uid": f"uid-{owner_rs}",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "nodeName": NODE,
            "restartPolicy": "Always",
            "containers": [
                {
                    "name": container,
                    "image": "registry.example.com/ledger:1.4.2",
                    "resources": {
                        "limits": {"memory": "256Mi"},
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                    },
                }
            ],
        },
        "status": {
            "phase": "Running",
            "startTime": "2025-11-25T10:00:00Z",
            "containerStatuses": [
                {
                    "name": container,
                    "image": "registry.example.com/ledger:1.4.2",
                    "imageID": "registry.example.com/ledger@sha256:" + "a" * 64,
                    "containerID": "containerd://" + "c" * 64,
                    "ready": False,
                    "started": False,
                    "restartCount": 7,
                    "state": {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": f"back-off 5m0s restarting failed container={container}",
                        }
                    },
                    "lastState": {
                        "terminated": {
                            "exitCode": exit_code,
                            "reason": reason,
                            "startedAt": "2025-11-25T10:20:00Z",
                            "finishedAt": "2025-11-25T10:20:41Z",
                            "containerID": "containerd://" + "d" * 64,
                        }
                    },
                }
            ],
        },
    }


def add_deployment(
    api: FakeKubeAPI,
    namespace: str,
    name: str,
    *,
    pods: int = 1,
    reason: str = "OOMKilled",
    exit_code: int = 137,
) -> list[str]:
    """A Deployment, its ReplicaSet and `pods` crash-looping pods; returns the pod names."""
    names = pod_names(name, pods)
    rs = names[0].rsplit("-", 1)[0]
    api.put(node())
    api.put(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}"},
            "spec": {"replicas": pods},
            "status": {"replicas": pods, "unavailableReplicas": pods},
        }
    )
    api.put(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": rs,
                "namespace": namespace,
                "uid": f"uid-{rs}",
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": name,
                        "uid": f"uid-{name}",
                        "controller": True,
                    }
                ],
            },
            "spec": {"replicas": pods},
            "status": {"replicas": pods},
        }
    )
    for pod in names:
        api.put(crash_pod(namespace, pod, rs, reason=reason, exit_code=exit_code))
        api.set_log(namespace, pod, "api", OOM_LOG)
    return names
