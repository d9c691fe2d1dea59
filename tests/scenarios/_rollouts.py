"""Generate the `rollout-*` scenarios: crash loops and the workload revisions around them.

Deterministic; edit a scenario here and rerun `.venv/bin/python tests/scenarios/_rollouts.py`.
Each folder holds the pod, its events, its node, the workload and its ReplicaSets /
ControllerRevisions / Jobs as `kubectl get -o yaml` prints them. The expected `change`
object of each is asserted in tests/integration/test_rollouts.py.

Log lines are verbatim from public threads, noted per scenario (`SOURCES`).
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
Obj = dict[str, Any]
NODE = "worker-3"
ROLLOUT = datetime(2026, 11, 20, 8, 50, tzinfo=UTC)  # when the new revision rolled out

SOURCES = {
    "rollout-image-change": "https://github.com/geerlingguy/kubernetes-101/issues/31",
    "rollout-env": "https://github.com/replicatedhq/kots/pull/5205",
    "rollout-statefulset": "https://github.com/postgis/docker-postgis/issues/128",
    "rollout-daemonset": "https://github.com/prometheus-operator/prometheus-operator/issues/2303",
    "rollout-paused": "https://github.com/kubeedge/sedna/issues/320",
    "rollout-rollback-in-progress": "https://github.com/BasedHardware/omi/issues/9857",
    "rollout-ten-old-replicasets": "https://github.com/jimmidyson/configmap-reload/issues/90",
    "rollout-history-limit-zero": "https://github.com/kubereboot/kured/issues/1108",
    "rollout-cronjob": "https://github.com/mitchross/talos-argocd-proxmox/pull/1829",
    "rollout-long-before": "tests/scenarios/dependency-refused (the corpus's own)",
    "rollout-configmap-renamed": "tests/scenarios/missing-config-file (the corpus's own)",
}


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def uid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def short_hash(*parts: str) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


def container(
    name: str,
    image: str,
    *,
    env: list[Obj] | None = None,
    limit: str = "512Mi",
    probe: Obj | None = None,
    args: list[str] | None = None,
    mounts: list[Obj] | None = None,
) -> Obj:
    c: Obj = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {"limits": {"memory": limit}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if args:
        c["args"] = args
    if env:
        c["env"] = env
    if probe:
        c["livenessProbe"] = probe
    if mounts:
        c["volumeMounts"] = mounts
    return c


def template(labels: Obj, containers: list[Obj], volumes: list[Obj] | None = None) -> Obj:
    spec: Obj = {
        "containers": containers,
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
    }
    if volumes:
        spec["volumes"] = volumes
    return {"metadata": {"labels": dict(labels)}, "spec": spec}


@dataclass
class Crash:
    """How the pod's container dies."""

    exit_code: int = 1
    reason: str = "Error"
    restarts: int = 6
    log: str = ""
    started: datetime = ROLLOUT + timedelta(seconds=30)
    events: list[tuple[str, str, str]] = field(default_factory=list)  # (reason, type, message)


def pod_for(
    ns: str,
    name: str,
    owner: Obj,
    tmpl: Obj,
    crash: Crash,
    labels: Obj,
    *,
    restart_policy: str = "Always",
) -> Obj:
    spec = copy.deepcopy(tmpl["spec"])
    spec["nodeName"] = NODE
    spec["restartPolicy"] = restart_policy
    main = spec["containers"][0]
    last_start = crash.started + timedelta(minutes=20)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "creationTimestamp": ts(crash.started - timedelta(seconds=5)),
            "labels": labels,
            "name": name,
            "namespace": ns,
            "ownerReferences": [owner],
            "resourceVersion": "5120331",
            "uid": uid(ns, name),
        },
        "spec": spec,
        "status": {
            "conditions": [
                {"status": "True", "type": "PodScheduled"},
                {"status": "False", "type": "Ready", "reason": "ContainersNotReady"},
            ],
            "containerStatuses": [
                {
                    "containerID": f"containerd://{short_hash(name, 'c')}",
                    "image": main["image"],
                    "imageID": "",
                    "lastState": {
                        "terminated": {
                            "containerID": f"containerd://{short_hash(name, 'last')}",
                            "exitCode": crash.exit_code,
                            "reason": crash.reason,
                            "startedAt": ts(last_start),
                            "finishedAt": ts(last_start + timedelta(seconds=2)),
                        }
                    },
                    "name": main["name"],
                    "ready": False,
                    "restartCount": crash.restarts,
                    "started": False,
                    "state": {
                        "waiting": {
                            "message": f"back-off 5m0s restarting failed container={main['name']} "
                            f"pod={name}_{ns}({uid(ns, name)})",
                            "reason": "CrashLoopBackOff",
                        }
                    },
                }
            ],
            "hostIP": "10.0.3.21",
            "phase": "Running",
            "podIP": "10.42.3.17",
            "qosClass": "Burstable",
            "startTime": ts(crash.started - timedelta(seconds=5)),
        },
    }


def events_for(pod: Obj, crash: Crash) -> Obj:
    meta = pod["metadata"]
    c = pod["spec"]["containers"][0]["name"]
    items = []
    first_backoff = crash.started + timedelta(seconds=100)
    rows = [
        ("Started", "Normal", f"Started container {c}", crash.started, crash.restarts + 1),
        *((r, t, m, crash.started + timedelta(seconds=60), 5) for r, t, m in crash.events),
        (
            "BackOff",
            "Warning",
            f"Back-off restarting failed container {c} in pod {meta['name']}_{meta['namespace']}"
            f"({meta['uid']})",
            first_backoff,
            30,
        ),
    ]
    for i, (reason, etype, message, first, count) in enumerate(rows):
        items.append(
            {
                "apiVersion": "v1",
                "count": count,
                "firstTimestamp": ts(first),
                "involvedObject": {
                    "apiVersion": "v1",
                    "fieldPath": f"spec.containers{{{c}}}",
                    "kind": "Pod",
                    "name": meta["name"],
                    "namespace": meta["namespace"],
                    "uid": meta["uid"],
                },
                "kind": "Event",
                "lastTimestamp": ts(crash.started + timedelta(minutes=20)),
                "message": message,
                "metadata": {
                    "name": f"{meta['name']}.{i:04x}",
                    "namespace": meta["namespace"],
                    "uid": uid(meta["name"], "event", str(i)),
                },
                "reason": reason,
                "source": {"component": "kubelet", "host": NODE},
                "type": etype,
            }
        )
    return {"apiVersion": "v1", "kind": "List", "items": items}


def node() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "labels": {"kubernetes.io/arch": "amd64", "kubernetes.io/hostname": NODE},
            "name": NODE,
            "uid": uid("node", NODE),
        },
        "status": {
            "conditions": [
                {"type": "Ready", "status": "True", "reason": "KubeletReady"},
                {"type": "MemoryPressure", "status": "False"},
            ],
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": uid("boot", NODE),
                "containerRuntimeVersion": "containerd://1.7.27",
                "kernelVersion": "6.8.0-1021-aws",
                "kubeProxyVersion": "",
                "kubeletVersion": "v1.34.2",
                "machineID": "a1",
                "operatingSystem": "linux",
                "osImage": "Ubuntu 24.04.3 LTS",
                "systemUUID": "a1",
            },
        },
    }


# -- Deployments ------------------------------------------------------------------------


@dataclass
class Rev:
    number: int
    tmpl: Obj
    created: datetime
    replicas: int = 0
    ready: int = 0
    history: str | None = None  # deployment.kubernetes.io/revision-history


def deployment_scenario(
    name: str,
    *,
    ns: str,
    app: str,
    revisions: list[Rev],
    pod_rev: int,
    crash: Crash,
    description: str,
    expect: Obj,
    status: Obj | None = None,
    paused: bool = False,
    history_limit: int = 10,
    replicas: int = 2,
) -> None:
    dep_uid = uid(ns, "Deployment", app)
    selector = {"app.kubernetes.io/name": app}
    newest = max(revisions, key=lambda r: r.number)
    objects: list[Obj] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "annotations": {"deployment.kubernetes.io/revision": str(newest.number)},
                "creationTimestamp": ts(min(r.created for r in revisions)),
                "generation": newest.number + 1,
                "labels": selector,
                "name": app,
                "namespace": ns,
                "uid": dep_uid,
            },
            "spec": {
                "paused": paused,
                "progressDeadlineSeconds": 600,
                "replicas": replicas,
                "revisionHistoryLimit": history_limit,
                "selector": {"matchLabels": selector},
                "strategy": {
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                    "type": "RollingUpdate",
                },
                "template": newest.tmpl,
            },
            "status": status
            or {
                "observedGeneration": newest.number + 1,
                "replicas": replicas,
                "readyReplicas": 0,
                "updatedReplicas": replicas,
                "unavailableReplicas": replicas,
            },
        }
    ]
    if not paused:
        del objects[0]["spec"]["paused"]
    pod_rs: Obj = {}
    pod_labels: Obj = {}
    for r in revisions:
        h = short_hash(ns, app, str(r.number))
        labels = {**r.tmpl["metadata"]["labels"], "pod-template-hash": h}
        ann = {
            "deployment.kubernetes.io/desired-replicas": str(replicas),
            "deployment.kubernetes.io/max-replicas": str(replicas + 1),
            "deployment.kubernetes.io/revision": str(r.number),
        }
        if r.history:
            ann["deployment.kubernetes.io/revision-history"] = r.history
        tmpl = copy.deepcopy(r.tmpl)
        tmpl["metadata"]["labels"] = labels
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "annotations": ann,
                "creationTimestamp": ts(r.created),
                "generation": 1,
                "labels": labels,
                "name": f"{app}-{h}",
                "namespace": ns,
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "blockOwnerDeletion": True,
                        "controller": True,
                        "kind": "Deployment",
                        "name": app,
                        "uid": dep_uid,
                    }
                ],
                "uid": uid(ns, "ReplicaSet", app, h),
            },
            "spec": {
                "replicas": r.replicas,
                "selector": {"matchLabels": {**selector, "pod-template-hash": h}},
                "template": tmpl,
            },
            "status": {
                "availableReplicas": r.ready,
                "fullyLabeledReplicas": r.replicas,
                "observedGeneration": 1,
                "readyReplicas": r.ready,
                "replicas": r.replicas,
            },
        }
        objects.append(rs)
        if r.number == pod_rev:
            pod_rs, pod_labels = rs, labels
    owner = {
        "apiVersion": "apps/v1",
        "blockOwnerDeletion": True,
        "controller": True,
        "kind": "ReplicaSet",
        "name": pod_rs["metadata"]["name"],
        "uid": pod_rs["metadata"]["uid"],
    }
    pod_name = f"{pod_rs['metadata']['name']}-{short_hash(name, 'pod')[:5]}"
    pod = pod_for(ns, pod_name, owner, pod_rs["spec"]["template"], crash, pod_labels)
    write(name, description, pod, objects, crash, expect)


def write(
    name: str,
    description: str,
    pod: Obj,
    workloads: list[Obj],
    crash: Crash,
    expect: Obj,
) -> None:
    d = HERE / name
    d.mkdir(exist_ok=True)
    ns, pod_name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    dump = lambda obj: yaml.safe_dump(obj, sort_keys=False, width=100)  # noqa: E731
    (d / "pod.yaml").write_text(dump(pod))
    (d / "events.yaml").write_text(dump(events_for(pod, crash)))
    (d / "nodes.yaml").write_text(dump({"apiVersion": "v1", "kind": "List", "items": [node()]}))
    (d / "workloads.yaml").write_text(yaml.safe_dump_all(workloads, sort_keys=False, width=100))
    logdir = d / "logs" / ns / pod_name
    logdir.mkdir(parents=True, exist_ok=True)
    for old in logdir.glob("*.log"):
        old.unlink()
    (logdir / f"{pod['spec']['containers'][0]['name']}.log").write_text(crash.log)
    source = SOURCES.get(name)
    meta = {
        "description": description + (f" Log lines from {source}." if source else ""),
        "target": f"{ns}/{pod_name}",
        "container": None,
        "expect": {
            "top_rule": expect["top_rule"],
            "also_rules": expect.get("also_rules", []),
            "not_rules": expect.get("not_rules", []),
            "container": pod["spec"]["containers"][0]["name"],
            "warnings": [],
            "exit_status": 0,
            "error": None,
        },
    }
    (d / "scenario.yaml").write_text(dump(meta))


# -- StatefulSets and DaemonSets ----------------------------------------------------------


def controller_scenario(
    name: str,
    *,
    kind: str,
    ns: str,
    app: str,
    templates: list[tuple[int, Obj, datetime]],
    status: Obj,
    pod_name: str,
    crash: Crash,
    description: str,
    expect: Obj,
) -> None:
    w_uid = uid(ns, kind, app)
    selector = {"app.kubernetes.io/name": app}
    newest = max(templates, key=lambda t: t[0])
    spec: Obj = {
        "revisionHistoryLimit": 10,
        "selector": {"matchLabels": selector},
        "template": newest[1],
        "updateStrategy": {"type": "RollingUpdate"},
    }
    if kind == "StatefulSet":
        spec |= {"replicas": 3, "serviceName": app, "podManagementPolicy": "OrderedReady"}
    workload = {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {
            "creationTimestamp": ts(min(t[2] for t in templates)),
            "generation": newest[0],
            "labels": selector,
            "name": app,
            "namespace": ns,
            "uid": w_uid,
        },
        "spec": spec,
        "status": dict(status),
    }
    objects: list[Obj] = [workload]
    pod_hash = ""
    for number, tmpl, created in templates:
        h = short_hash(ns, app, str(number))
        cr_name = f"{app}-{h}"
        data_tmpl = copy.deepcopy(tmpl)
        data_tmpl["$patch"] = "replace"
        objects.append(
            {
                "apiVersion": "apps/v1",
                "kind": "ControllerRevision",
                "metadata": {
                    "creationTimestamp": ts(created),
                    "labels": {**tmpl["metadata"]["labels"], "controller.kubernetes.io/hash": h},
                    "name": cr_name,
                    "namespace": ns,
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "blockOwnerDeletion": True,
                            "controller": True,
                            "kind": kind,
                            "name": app,
                            "uid": w_uid,
                        }
                    ],
                    "uid": uid(ns, "ControllerRevision", cr_name),
                },
                "data": {"spec": {"template": data_tmpl}},
                "revision": number,
            }
        )
        if number == newest[0]:
            pod_hash = h
    if kind == "StatefulSet":
        names = {t[0]: f"{app}-{short_hash(ns, app, str(t[0]))}" for t in templates}
        workload["status"]["updateRevision"] = names[newest[0]]
        workload["status"]["currentRevision"] = names[newest[0] - 1]
    label = f"{app}-{pod_hash}" if kind == "StatefulSet" else pod_hash
    labels = {**newest[1]["metadata"]["labels"], "controller-revision-hash": label}
    if kind == "StatefulSet":
        labels["statefulset.kubernetes.io/pod-name"] = pod_name
    else:
        labels["pod-template-generation"] = str(newest[0])
    owner = {
        "apiVersion": "apps/v1",
        "blockOwnerDeletion": True,
        "controller": True,
        "kind": kind,
        "name": app,
        "uid": w_uid,
    }
    pod = pod_for(ns, pod_name, owner, newest[1], crash, labels)
    write(name, description, pod, objects, crash, expect)


# -- CronJobs -------------------------------------------------------------------------------


def cronjob_scenario(
    name: str,
    *,
    ns: str,
    app: str,
    jobs: list[tuple[datetime, Obj, bool]],  # (scheduled, template, succeeded)
    crash: Crash,
    description: str,
    expect: Obj,
) -> None:
    cj_uid = uid(ns, "CronJob", app)
    last_tmpl = jobs[-1][1]
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            "creationTimestamp": ts(jobs[0][0] - timedelta(days=30)),
            "name": app,
            "namespace": ns,
            "uid": cj_uid,
        },
        "spec": {
            "concurrencyPolicy": "Forbid",
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {"spec": {"backoffLimit": 6, "template": last_tmpl}},
            "schedule": "0 2 * * *",
            "successfulJobsHistoryLimit": 3,
            "suspend": False,
        },
    }
    objects: list[Obj] = [cronjob]
    pod: Obj = {}
    for i, (when, tmpl, ok) in enumerate(jobs):
        job_name = f"{app}-{int(when.timestamp() // 60)}"
        job_uid = uid(ns, "Job", job_name)
        labels = {
            **tmpl["metadata"]["labels"],
            "batch.kubernetes.io/controller-uid": job_uid,
            "batch.kubernetes.io/job-name": job_name,
            "controller-uid": job_uid,
            "job-name": job_name,
        }
        t = copy.deepcopy(tmpl)
        t["metadata"]["labels"] = labels
        t["spec"]["restartPolicy"] = "OnFailure"
        status: Obj = {"startTime": ts(when)}
        if ok:
            status |= {"succeeded": 1, "completionTime": ts(when + timedelta(minutes=4))}
        else:
            status |= {"active": 1, "ready": 0}
        objects.append(
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {
                    "creationTimestamp": ts(when),
                    "labels": labels,
                    "name": job_name,
                    "namespace": ns,
                    "ownerReferences": [
                        {
                            "apiVersion": "batch/v1",
                            "blockOwnerDeletion": True,
                            "controller": True,
                            "kind": "CronJob",
                            "name": app,
                            "uid": cj_uid,
                        }
                    ],
                    "uid": job_uid,
                },
                "spec": {
                    "backoffLimit": 6,
                    "completions": 1,
                    "parallelism": 1,
                    "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": job_uid}},
                    "template": t,
                },
                "status": status,
            }
        )
        if i == len(jobs) - 1:
            owner = {
                "apiVersion": "batch/v1",
                "blockOwnerDeletion": True,
                "controller": True,
                "kind": "Job",
                "name": job_name,
                "uid": job_uid,
            }
            pod = pod_for(
                ns,
                f"{job_name}-{short_hash(name, 'pod')[:5]}",
                owner,
                t,
                crash,
                labels,
                restart_policy="OnFailure",
            )
    write(name, description, pod, objects, crash, expect)


# -- the scenarios ----------------------------------------------------------------------


def _app(name: str, version: str | None = None) -> Obj:
    labels = {"app.kubernetes.io/name": name}
    if version:  # a version label in the template: it changes with every image
        labels["app.kubernetes.io/version"] = version
    return labels


def image_change() -> None:
    old = template(_app("checkout", "2.3.1"), [container("checkout", "registry/checkout:2.3.1")])
    new = template(
        _app("checkout", "2.4.0"),
        [
            container(
                "checkout",
                "registry/checkout:2.4.0",
                env=[{"name": "PAYMENT_PROVIDER", "value": "adyen"}],
            )
        ],
    )
    deployment_scenario(
        "rollout-image-change",
        ns="pay",
        app="checkout",
        revisions=[
            Rev(6, old, ROLLOUT - timedelta(days=8), replicas=2, ready=2),
            Rev(7, new, ROLLOUT, replicas=1, ready=0),
        ],
        pod_rev=7,
        crash=Crash(
            log="standard_init_linux.go:219: exec user process caused: exec format error\n"
        ),
        status={"replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2},
        description="Revision 7 of checkout ships image 2.4.0, built for arm64 only; the pods of "
        "revision 6 still serve.",
        expect={"top_rule": "exec-format"},
    )


def env_change() -> None:
    base = _app("upgrade-service")
    old = template(
        base,
        [
            container(
                "upgrade-service",
                "registry/kotsadm:1.124.5",
                env=[
                    {"name": "REPLICATED_APP_ENDPOINT", "value": "https://replicated.app"},
                    {"name": "LOG_LEVEL", "value": "info"},
                    {
                        "name": "AUTH_TOKEN",
                        "valueFrom": {"secretKeyRef": {"name": "kotsadm", "key": "token"}},
                    },
                ],
            )
        ],
    )
    new = template(
        base,
        [
            container(
                "upgrade-service",
                "registry/kotsadm:1.124.5",
                env=[
                    {"name": "REPLICATED_API_ENDPOINT", "value": "https://replicated.app"},
                    {"name": "LOG_LEVEL", "value": "debug"},
                    {
                        "name": "AUTH_TOKEN",
                        "valueFrom": {"secretKeyRef": {"name": "kotsadm-v2", "key": "token"}},
                    },
                ],
            )
        ],
    )
    deployment_scenario(
        "rollout-env",
        ns="kotsadm",
        app="upgrade-service",
        revisions=[
            Rev(3, old, ROLLOUT - timedelta(days=3), replicas=0, ready=0),
            Rev(4, new, ROLLOUT, replicas=1, ready=0),
        ],
        pod_rev=4,
        replicas=1,
        crash=Crash(
            log="Starting KOTS Upgrade Service version 1.124.6 on port 46713\n"
            "Error: failed to bootstrap: failed to pull archive from online: failed to pull: "
            "failed to pull: failed to fetch upstream: download upstream failed: failed to "
            "download replicated app: failed to create http request: failed to get replicated "
            "app endpoint: failed to get replicated api endpoint: REPLICATED_APP_ENDPOINT "
            "environment variable is required\n"
        ),
        status={"replicas": 1, "updatedReplicas": 1, "readyReplicas": 0},
        description="Revision 4 renames REPLICATED_APP_ENDPOINT to REPLICATED_API_ENDPOINT, but "
        "the program still reads the old name; the Secret of AUTH_TOKEN changed too.",
        expect={"top_rule": "missing-env"},
    )


def memory_limit() -> None:
    base = _app("ledger-api")
    old = template(base, [container("api", "registry/ledger-api:2.14.3", limit="512Mi")])
    new = template(base, [container("api", "registry/ledger-api:2.14.3", limit="256Mi")])
    deployment_scenario(
        "rollout-memory-limit",
        ns="payments",
        app="ledger-api",
        revisions=[
            Rev(11, old, ROLLOUT - timedelta(days=20), replicas=1, ready=1),
            Rev(12, new, ROLLOUT, replicas=2, ready=0),
        ],
        pod_rev=12,
        replicas=2,
        crash=Crash(exit_code=137, reason="OOMKilled", log=""),
        status={"replicas": 3, "updatedReplicas": 2, "readyReplicas": 1},
        description="Revision 12 halves the memory limit of ledger-api (512Mi -> 256Mi) to save "
        "cost; it is OOMKilled on every start (it logs nothing before the kill).",
        expect={"top_rule": "oom-cgroup"},
    )


def probe_change() -> None:
    base = _app("search-api")
    loose = {
        "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "failureThreshold": 3,
    }
    tight = {**loose, "timeoutSeconds": 1, "failureThreshold": 1}
    old = template(base, [container("api", "registry/search-api:5.3.0", probe=loose)])
    new = template(base, [container("api", "registry/search-api:5.3.0", probe=tight)])
    deployment_scenario(
        "rollout-probe",
        ns="search",
        app="search-api",
        revisions=[
            Rev(8, old, ROLLOUT - timedelta(days=2), replicas=2, ready=2),
            Rev(9, new, ROLLOUT, replicas=1, ready=0),
        ],
        pod_rev=9,
        crash=Crash(
            exit_code=137,
            reason="Error",
            log="",
            events=[
                (
                    "Unhealthy",
                    "Warning",
                    'Liveness probe failed: Get "http://10.42.3.17:8080/healthz": context '
                    "deadline exceeded (Client.Timeout exceeded while awaiting headers)",
                ),
                ("Killing", "Normal", "Container api failed liveness probe, will be restarted"),
            ],
        ),
        status={"replicas": 3, "updatedReplicas": 1, "readyReplicas": 2},
        description="Revision 9 tightens the liveness probe (timeout 5s -> 1s, 3 failures -> 1); "
        "the health endpoint takes about 2 s under load and the kubelet kills the container.",
        expect={"top_rule": "liveness-probe"},
    )


def configmap_renamed() -> None:
    base = _app("catalog-api")
    mounts = [{"name": "config", "mountPath": "/etc/catalog", "readOnly": True}]

    def tmpl(cm: str) -> Obj:
        return template(
            base,
            [container("api", "registry/catalog-api:3.2.0", mounts=mounts)],
            volumes=[{"name": "config", "configMap": {"name": cm}}],
        )

    deployment_scenario(
        "rollout-configmap-renamed",
        ns="catalog",
        app="catalog-api",
        revisions=[
            Rev(4, tmpl("catalog-config"), ROLLOUT - timedelta(days=6), replicas=2, ready=2),
            Rev(5, tmpl("catalog-config-v2"), ROLLOUT, replicas=1, ready=0),
        ],
        pod_rev=5,
        crash=Crash(
            log='time="2026-11-18T10:40:09Z" level=info msg="catalog-api 3.2.0 starting"\n'
            'time="2026-11-18T10:40:09Z" level=fatal msg="failed to load config: open '
            '/etc/catalog/config.yaml: no such file or directory"\n'
        ),
        status={"replicas": 3, "updatedReplicas": 1, "readyReplicas": 2},
        description="Revision 5 mounts the renamed ConfigMap catalog-config-v2, whose key is "
        "config.yml, where the program reads config.yaml.",
        expect={"top_rule": "missing-config-file"},
    )


def long_before() -> None:
    base = _app("settlement-worker")
    old = template(base, [container("worker", "registry/settlement:4.1.0")])
    new = template(base, [container("worker", "registry/settlement:4.2.0")])
    began = ROLLOUT + timedelta(days=9)
    deployment_scenario(
        "rollout-long-before",
        ns="payments",
        app="settlement-worker",
        revisions=[
            Rev(4, old, ROLLOUT - timedelta(days=30), replicas=0, ready=0),
            Rev(5, new, ROLLOUT, replicas=2, ready=0),
        ],
        pod_rev=5,
        crash=Crash(
            started=began,
            log="2026-11-18T08:30:07.357Z WARN  db: connect attempt 4/5 failed: dial tcp "
            "10.96.44.12:5432: connect: connection refused\n"
            "2026-11-18T08:30:15.360Z ERROR failed to connect to database: dial tcp "
            "10.96.44.12:5432: connect: connection refused\n",
        ),
        description="Revision 5 rolled out nine days before the crashes; they began when the "
        "settlement database went down, so the rollout is not to blame.",
        expect={"top_rule": "dependency-refused"},
    )


def statefulset() -> None:
    base = _app("orders-db")
    mounts = [{"name": "data", "mountPath": "/var/lib/postgresql/data"}]
    old = template(base, [container("postgres", "postgres:10", limit="2Gi", mounts=mounts)])
    new = template(base, [container("postgres", "postgres:11.2", limit="2Gi", mounts=mounts)])
    controller_scenario(
        "rollout-statefulset",
        kind="StatefulSet",
        ns="data",
        app="orders-db",
        templates=[(2, old, ROLLOUT - timedelta(days=40)), (3, new, ROLLOUT)],
        status={
            "replicas": 3,
            "readyReplicas": 2,
            "currentReplicas": 2,
            "updatedReplicas": 1,
            "observedGeneration": 3,
        },
        pod_name="orders-db-2",
        crash=Crash(
            log="2019-03-01 08:46:20.785 UTC [1] FATAL:  database files are incompatible with "
            "server\n"
            "2019-03-01 08:46:20.785 UTC [1] DETAIL:  The data directory was initialized by "
            "PostgreSQL version 10, which is not compatible with this version 11.2 "
            "(Debian 11.2-1.pgdg90+1).\n"
        ),
        description="Revision 3 of the orders-db StatefulSet moves postgres 10 to 11.2; the "
        "highest ordinal is updated first and cannot read its data directory.",
        expect={"top_rule": "app-error"},
    )


def daemonset() -> None:
    base = _app("node-exporter")
    args = ["--path.procfs=/host/proc", "--path.sysfs=/host/sys"]
    old = template(base, [container("node-exporter", "node-exporter:v0.16.0", args=args)])
    new = template(
        base,
        [
            container(
                "node-exporter",
                "node-exporter:v0.16.0",
                args=[*args, "--path.rootfs=/host/root"],
            )
        ],
    )
    controller_scenario(
        "rollout-daemonset",
        kind="DaemonSet",
        ns="monitoring",
        app="node-exporter",
        templates=[(4, old, ROLLOUT - timedelta(days=15)), (5, new, ROLLOUT)],
        status={
            "desiredNumberScheduled": 3,
            "numberMisscheduled": 0,
            "currentNumberScheduled": 3,
            "updatedNumberScheduled": 1,
            "numberReady": 2,
            "numberAvailable": 2,
            "observedGeneration": 5,
        },
        pod_name="node-exporter-7k2fp",
        crash=Crash(log="node_exporter: error: unknown long flag '--path.rootfs', try --help\n"),
        description="Revision 5 of the node-exporter DaemonSet adds --path.rootfs, which image "
        "v0.16.0 does not know.",
        expect={"top_rule": "app-error"},
    )


def paused() -> None:
    base = _app("kb")
    old = template(base, [container("kb", "registry/sedna-kb:v0.4.3")])
    new = template(base, [container("kb", "registry/sedna-kb:v0.5.0")])
    deployment_scenario(
        "rollout-paused",
        ns="sedna",
        app="kb",
        revisions=[
            Rev(2, old, ROLLOUT - timedelta(days=12), replicas=2, ready=2),
            Rev(3, new, ROLLOUT, replicas=1, ready=0),
        ],
        pod_rev=3,
        paused=True,
        crash=Crash(
            log="Traceback (most recent call last):\n"
            '  File "/code/lib/sedna/service/run_kb.py", line 18, in <module>\n'
            "    from sedna.service.server.knowledgeBase.model import init_db\n"
            '  File "/code/lib/sedna/__init__.py", line 16, in <module>\n'
            "    import sedna.algorithms\n"
            '  File "/code/lib/sedna/algorithms/__init__.py", line 19, in <module>\n'
            "    from . import optical_flow\n"
            '  File "/code/lib/sedna/algorithms/optical_flow/__init__.py", line 19, in <module>\n'
            "    import cv2\n"
            "ModuleNotFoundError: No module named 'cv2'\n"
        ),
        status={"replicas": 3, "updatedReplicas": 1, "readyReplicas": 2},
        description="The kb Deployment was paused (a canary) after one pod of revision 3 "
        "(image v0.5.0) started; that pod crashes on an import, revision 2 serves.",
        expect={"top_rule": "missing-module"},
    )


def rollback_in_progress() -> None:
    base = _app("pusher")
    good = template(base, [container("pusher", "registry/pusher:1.8.0")])
    bad = template(base, [container("pusher", "registry/pusher:1.9.0")])
    deployment_scenario(
        "rollout-rollback-in-progress",
        ns="omi",
        app="pusher",
        revisions=[
            # `kubectl rollout undo` gave revision 6's ReplicaSet the number 8
            Rev(8, good, ROLLOUT - timedelta(days=5), replicas=2, ready=1, history="6"),
            Rev(7, bad, ROLLOUT, replicas=1, ready=0),
        ],
        pod_rev=7,
        crash=Crash(log="ModuleNotFoundError: No module named 'services'\n"),
        status={"replicas": 3, "updatedReplicas": 2, "readyReplicas": 1},
        description="Revision 7 (image 1.9.0) crashed on an import; `kubectl rollout undo` made "
        "revision 6's template revision 8, which is scaling up while this pod of 7 remains.",
        expect={"top_rule": "missing-module"},
    )


def ten_old() -> None:
    base = _app("configmap-reload")
    revs = []
    for n in range(1, 12):  # revision k runs v0.(k-1).0; 1 was pruned by revisionHistoryLimit
        tmpl = template(base, [container("reload", f"configmap-reload:v0.{n - 1}.0")])
        if n >= 2:
            last = n == 11
            revs.append(
                Rev(
                    n,
                    tmpl,
                    ROLLOUT - timedelta(days=11 - n) if not last else ROLLOUT,
                    replicas=1 if n in (10, 11) else 0,
                    ready=1 if n == 10 else 0,
                )
            )
    deployment_scenario(
        "rollout-ten-old-replicasets",
        ns="tools",
        app="configmap-reload",
        revisions=revs,
        pod_rev=11,
        replicas=1,
        crash=Crash(log="exec /configmap-reload: exec format error\n"),
        status={"replicas": 2, "updatedReplicas": 1, "readyReplicas": 1},
        description="Eleven revisions, ten old ReplicaSets kept: the one before 11 is 10 "
        "(not 9, which sorts after 10 as text).",
        expect={"top_rule": "exec-format"},
    )


def history_limit_zero() -> None:
    base = _app("kured")
    new = template(
        base,
        [
            container(
                "kured",
                "ghcr.io/kubereboot/kured:1.16.2",
                env=[{"name": "KURED_METRICS_PORT", "value": "tcp://10.43.12.7:8080"}],
            )
        ],
    )
    deployment_scenario(
        "rollout-history-limit-zero",
        ns="kured",
        app="kured",
        revisions=[Rev(5, new, ROLLOUT, replicas=1, ready=0)],
        pod_rev=5,
        replicas=1,
        history_limit=0,
        crash=Crash(log="Invalid value for env var named KURED_METRICS_PORT\n"),
        description="revisionHistoryLimit: 0 keeps no old ReplicaSet: revision 5 has nothing "
        "to be compared with.",
        expect={"top_rule": "app-error"},
    )


def cronjob() -> None:
    base = _app("deal-scout")
    old = template(base, [container("scout", "registry/deal-scout:v0.2.0")])
    new = template(base, [container("scout", "registry/deal-scout:v0.2.1")])
    day = ROLLOUT.replace(hour=2, minute=0)
    cronjob_scenario(
        "rollout-cronjob",
        ns="deals",
        app="deal-scout",
        jobs=[
            (day - timedelta(days=2), old, True),
            (day - timedelta(days=1), old, True),
            (day, new, False),
        ],
        crash=Crash(
            started=day + timedelta(seconds=20),
            log="ModuleNotFoundError: No module named 'classify'\n",
        ),
        description="The CronJob's image moved to v0.2.1, which lacks classify.py; the Job of "
        "the day before (v0.2.0) succeeded.",
        expect={"top_rule": "missing-module"},
    )


SCENARIOS: list[Callable[[], None]] = [
    image_change,
    env_change,
    memory_limit,
    probe_change,
    configmap_renamed,
    long_before,
    statefulset,
    daemonset,
    paused,
    rollback_in_progress,
    ten_old,
    history_limit_zero,
    cronjob,
]

if __name__ == "__main__":
    for make in SCENARIOS:
        make()
