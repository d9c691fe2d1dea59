"""Build the scenario folders listed in `_cases.py` (deterministic; rerun after an edit).

    .venv/bin/python -m tests.scenarios._build            # write every case
    .venv/bin/python -m tests.scenarios._build NAME ...   # write some

Each case is a compact description of one public crash report (log lines and status or
event messages verbatim, the thread's address in `source`); this module turns it into the
objects a kube-apiserver returns for it: the Pod with consistent statuses, the kubelet and
scheduler events with counts and timestamps that agree with the container's last
termination, the Node, and the owner chain. UIDs, hashes and container IDs derive from the
case's name, so a rerun rewrites the same bytes. Only the folders named by cases are
written; the hand-made scenarios of the corpus are not touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
_UUID_NS = uuid.UUID("6c3b0d8e-3f0a-4c35-9a59-0c6a1c2b7e11")
_ALNUM = "bcdfghjklmnpqrstvwxz2456789"

Obj = dict[str, Any]


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Crash:
    """The container keeps exiting: lastState.terminated, waiting in CrashLoopBackOff."""

    exit_code: int
    log: str | None  # previous log; None = none kept (the API answers 400)
    reason: str = "Error"
    run_seconds: int = 4
    restarts: int = 6
    message: str | None = None  # terminated.message (termination-log or StartError)
    waiting: str = "CrashLoopBackOff"  # or RunContainerError right after a StartError


@dataclass(frozen=True)
class InitFailed:
    """Init:Error: the current init container terminated non-zero (the kubelet restarts it)."""

    exit_code: int
    log: str  # the previous run's log (same failure)
    current_log: str
    run_seconds: int = 3
    restarts: int = 3


@dataclass(frozen=True)
class Waiting:
    """Stuck before it runs: ImagePullBackOff, CreateContainerConfigError, PodInitializing..."""

    reason: str
    message: str | None = None


@dataclass(frozen=True)
class Running:
    ready: bool = True
    restarts: int = 0
    last_exit: int | None = None  # a past termination (restarts > 0)
    last_reason: str = "Error"
    last_age_hours: int = 30
    last_log: str | None = None  # the previous container's log


@dataclass(frozen=True)
class Completed:
    """An init container that finished (exit 0)."""


@dataclass(frozen=True)
class Gone:
    """Evicted: the kubelet killed it and the pod will not restart."""

    exit_code: int = 137
    reason: str = "ContainerStatusUnknown"
    message: str = "The container could not be located when the pod was terminated"


State = Crash | InitFailed | Waiting | Running | Completed | Gone


@dataclass(frozen=True)
class Ctr:
    name: str
    image: str
    state: State
    kind: str = "main"  # main | init | sidecar (init container with restartPolicy Always)
    command: list[str] | None = None
    args: list[str] | None = None
    env: list[Obj] = field(default_factory=list)
    memory: str | None = "512Mi"  # limit; request is half
    cpu_request: str = "100m"
    cpu_limit: str | None = None
    port: int | None = None
    security: Obj | None = None
    mounts: list[Obj] = field(default_factory=list)
    probes: Obj = field(default_factory=dict)
    message_policy: str = "File"


@dataclass(frozen=True)
class Ev:
    """An extra event on the pod (container=None: on the pod itself) or on the node."""

    reason: str
    message: str
    type: str = "Warning"
    container: str | None = None
    count: int = 1
    first_offset: int = 0  # seconds from the pod's creation
    last_offset: int | None = None
    component: str = "kubelet"
    on_node: bool = False


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    source: str
    namespace: str
    app: str
    containers: list[Ctr]
    expect: Obj
    owner: str | None = "Deployment"  # Deployment|StatefulSet|DaemonSet|Job|CronJob|None
    created: str = "2026-11-18T09:00:00Z"
    node: str | None = "worker-2"  # None = never scheduled
    arch: str = "amd64"
    pod_status: str = "crash"  # crash | pending | evicted | healthy | failed
    pod_reason: str | None = None
    pod_message: str | None = None
    unschedulable: str | None = None  # the FailedScheduling message
    events: list[Ev] = field(default_factory=list)
    node_pressure: str | None = None  # MemoryPressure | DiskPressure
    volumes: list[Obj] = field(default_factory=list)
    pod_security: Obj | None = None
    node_selector: Obj | None = None
    tolerations: list[Obj] = field(default_factory=list)
    affinity: Obj | None = None
    restart_policy: str | None = None
    service_account: str | None = None
    age_minutes: int = 14  # how long before the snapshot the pod was created (no crash loop)
    # identity fixed by the report when a quoted message names the pod (else derived)
    pod_suffix: str | None = None
    rs_hash: str | None = None
    pod_uid: str | None = None


# --------------------------------------------------------------------------- helpers


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x00".join(parts).encode()).digest()


def uid(*parts: str) -> str:
    return str(uuid.uuid5(_UUID_NS, "/".join(parts)))


def token(n: int, *parts: str) -> str:
    d = _digest(*parts)
    return "".join(_ALNUM[b % len(_ALNUM)] for b in d[:n])


def hexid(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def ts(base: dt.datetime, seconds: float) -> str:
    return (base + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(t: str) -> dt.datetime:
    return dt.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _rv(case: Case, *parts: str) -> str:
    return str(48_000_000 + int.from_bytes(_digest(case.name, *parts)[:3], "big") % 900_000)


def _backoff_total(restarts: int) -> int:
    """Seconds the kubelet waits over `restarts` restarts (10s doubling, capped at 5m)."""
    return sum(min(10 * 2**i, 300) for i in range(restarts))


@dataclass
class Built:
    pod_name: str
    pod_uid: str
    objects: list[Obj]  # workloads
    pod: Obj
    events: list[Obj]
    node_events: list[Obj]
    node: Obj | None
    logs: dict[str, str]  # file name -> text


# --------------------------------------------------------------------------- names


def pod_identity(case: Case) -> tuple[str, dict[str, str], list[Obj], list[Obj]]:
    """The pod name, its labels, its ownerReferences and the owner objects."""
    labels = {
        "app.kubernetes.io/name": case.app,
        "app.kubernetes.io/instance": case.app,
    }
    kind = case.owner
    objs: list[Obj] = []
    suffix = case.pod_suffix or token(5, case.name, "pod")
    if kind is None:
        return case.app, labels, [], objs
    if kind == "Deployment":
        h = case.rs_hash or token(10, case.name, "rs")
        rs_name = f"{case.app}-{h}"
        labels["pod-template-hash"] = h
        dep = _workload(case, "apps/v1", "Deployment", case.app, None, labels)
        rs = _workload(case, "apps/v1", "ReplicaSet", rs_name, dep, labels)
        objs += [dep, rs]
        return f"{rs_name}-{suffix}", labels, [_ref(rs)], objs
    if kind == "StatefulSet":
        sts = _workload(case, "apps/v1", "StatefulSet", case.app, None, labels)
        name = f"{case.app}-0"
        labels["apps.kubernetes.io/pod-index"] = "0"
        labels["statefulset.kubernetes.io/pod-name"] = name
        labels["controller-revision-hash"] = f"{case.app}-{token(10, case.name, 'crh')}"
        objs.append(sts)
        return name, labels, [_ref(sts)], objs
    if kind == "DaemonSet":
        ds = _workload(case, "apps/v1", "DaemonSet", case.app, None, labels)
        labels["controller-revision-hash"] = token(10, case.name, "crh")
        labels["pod-template-generation"] = "3"
        objs.append(ds)
        return f"{case.app}-{suffix}", labels, [_ref(ds)], objs
    if kind in ("Job", "CronJob"):
        parent = None
        job_name = case.app
        if kind == "CronJob":
            created = parse(case.created)
            minutes = int(created.timestamp() // 60)
            job_name = f"{case.app}-{minutes}"
            parent = _workload(case, "batch/v1", "CronJob", case.app, None, labels)
            objs.append(parent)
        job = _workload(case, "batch/v1", "Job", job_name, parent, labels)
        ctrl = job["metadata"]["uid"]
        labels.update(
            {
                "batch.kubernetes.io/controller-uid": ctrl,
                "batch.kubernetes.io/job-name": job_name,
                "controller-uid": ctrl,
                "job-name": job_name,
            }
        )
        objs.append(job)
        return f"{job_name}-{suffix}", labels, [_ref(job)], objs
    raise ValueError(f"{case.name}: unknown owner kind {kind}")


def _ref(obj: Obj) -> Obj:
    return {
        "apiVersion": obj["apiVersion"],
        "blockOwnerDeletion": True,
        "controller": True,
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
    }


def _workload(
    case: Case, api: str, kind: str, name: str, owner: Obj | None, labels: dict[str, str]
) -> Obj:
    created = parse(case.created)
    age = {"Deployment": 40, "StatefulSet": 60, "DaemonSet": 50, "CronJob": 30}.get(kind, 0)
    meta: Obj = {
        "creationTimestamp": ts(created, -age * 86400 if age else 0),
        "generation": 3 if kind != "Job" else 1,
        "labels": dict(labels),
        "name": name,
        "namespace": case.namespace,
        "resourceVersion": _rv(case, kind, name),
        "uid": uid(case.name, kind, name),
    }
    if owner is not None:
        meta["ownerReferences"] = [_ref(owner)]
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": {}, "status": {}}


# --------------------------------------------------------------------------- pod


def container_spec(c: Ctr) -> Obj:
    spec: Obj = {"image": c.image, "imagePullPolicy": "IfNotPresent", "name": c.name}
    if c.command:
        spec["command"] = list(c.command)
    if c.args:
        spec["args"] = list(c.args)
    if c.env:
        spec["env"] = list(c.env)
    if c.port:
        spec["ports"] = [{"containerPort": c.port, "name": "http", "protocol": "TCP"}]
    res: Obj = {"requests": {"cpu": c.cpu_request}}
    if c.memory:
        half = _half(c.memory)
        res = {"limits": {"memory": c.memory}, "requests": {"cpu": c.cpu_request, "memory": half}}
        if c.cpu_limit:
            res["limits"]["cpu"] = c.cpu_limit
    spec["resources"] = res
    if c.kind == "sidecar":
        spec["restartPolicy"] = "Always"
    spec.update(c.probes)
    if c.security:
        spec["securityContext"] = c.security
    spec["terminationMessagePath"] = "/dev/termination-log"
    spec["terminationMessagePolicy"] = c.message_policy
    spec["volumeMounts"] = [
        *c.mounts,
        {
            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            "name": "kube-api-access",
            "readOnly": True,
        },
    ]
    return spec


def _half(q: str) -> str:
    for unit in ("Gi", "Mi"):
        if q.endswith(unit):
            n = int(q[: -len(unit)])
            if unit == "Gi":
                return f"{n * 512}Mi"
            return f"{max(n // 2, 1)}Mi"
    return q


def _cid(case: Case, c: Ctr, n: int) -> str:
    return f"containerd://{hexid(case.name, c.name, str(n))}"


def _image_id(case: Case, c: Ctr) -> str:
    repo = c.image.rsplit(":", 1)[0] if ":" in c.image.rsplit("/", 1)[-1] else c.image
    return f"{repo}@sha256:{hexid(case.name, c.image)}"


@dataclass
class Timeline:
    """When each container ran: feeds statuses and events alike."""

    first_start: dt.datetime
    last_start: dt.datetime | None = None
    last_finish: dt.datetime | None = None
    runs: int = 0
    now: dt.datetime | None = None


def timeline(case: Case, c: Ctr, created: dt.datetime) -> Timeline:
    st = c.state
    first = created + dt.timedelta(seconds=6 if c.kind == "main" else 5)
    if isinstance(st, Crash):
        # each cycle: run, then wait the back-off before the next start
        runs = st.restarts + 1
        total = st.run_seconds * st.restarts + _backoff_total(st.restarts)
        last_start = first + dt.timedelta(seconds=total)
        last_finish = last_start + dt.timedelta(seconds=st.run_seconds)
        now = last_finish + dt.timedelta(seconds=min(10 * 2**st.restarts, 300) // 2)
        return Timeline(first, last_start, last_finish, runs, now)
    if isinstance(st, InitFailed):
        runs = st.restarts + 1
        total = st.run_seconds * st.restarts + _backoff_total(st.restarts - 1)
        last_start = first + dt.timedelta(seconds=total)
        last_finish = last_start + dt.timedelta(seconds=st.run_seconds)
        return Timeline(first, last_start, last_finish, runs, last_finish + dt.timedelta(seconds=2))
    if isinstance(st, Running):
        return Timeline(first, first, None, 1 + st.restarts, None)
    if isinstance(st, Completed):
        return Timeline(first, first, first + dt.timedelta(seconds=3), 1, None)
    if isinstance(st, Gone):
        return Timeline(first, first, None, 1, None)
    return Timeline(first)


def container_status(
    case: Case, c: Ctr, tl: Timeline, now: dt.datetime, created: dt.datetime
) -> Obj:
    st = c.state
    s: Obj = {"image": c.image, "imageID": "", "lastState": {}, "name": c.name}
    s["ready"] = False
    s["restartCount"] = 0
    s["started"] = False
    if isinstance(st, Crash):
        assert tl.last_start and tl.last_finish
        term: Obj = {
            "containerID": _cid(case, c, tl.runs),
            "exitCode": st.exit_code,
            "finishedAt": ts(tl.last_finish, 0),
            "reason": st.reason,
            "startedAt": ts(tl.last_start, 0),
        }
        if st.message:
            term["message"] = st.message
        if st.reason == "StartError":
            term["startedAt"] = "1970-01-01T00:00:00Z"
        s["containerID"] = _cid(case, c, tl.runs)
        s["imageID"] = _image_id(case, c)
        s["lastState"] = {"terminated": term}
        s["restartCount"] = st.restarts
        waiting: Obj = {"reason": st.waiting}
        if st.waiting == "CrashLoopBackOff":
            delay = _fmt_backoff(min(10 * 2**st.restarts, 300))
            waiting["message"] = (
                f"back-off {delay} restarting failed container={c.name} "
                f"pod={case_pod_name(case)}_{case.namespace}({case_pod_uid(case)})"
            )
        elif st.message:
            waiting["message"] = st.message
        s["state"] = {"waiting": waiting}
    elif isinstance(st, InitFailed):
        assert tl.last_start and tl.last_finish
        prev_finish = tl.last_start - dt.timedelta(seconds=min(10 * 2 ** (st.restarts - 1), 300))
        s["containerID"] = _cid(case, c, tl.runs)
        s["imageID"] = _image_id(case, c)
        s["lastState"] = {
            "terminated": {
                "containerID": _cid(case, c, tl.runs - 1),
                "exitCode": st.exit_code,
                "finishedAt": ts(prev_finish, 0),
                "reason": "Error",
                "startedAt": ts(prev_finish, -st.run_seconds),
            }
        }
        s["restartCount"] = st.restarts
        s["state"] = {
            "terminated": {
                "containerID": _cid(case, c, tl.runs),
                "exitCode": st.exit_code,
                "finishedAt": ts(tl.last_finish, 0),
                "reason": "Error",
                "startedAt": ts(tl.last_start, 0),
            }
        }
    elif isinstance(st, Running):
        s["containerID"] = _cid(case, c, tl.runs)
        s["imageID"] = _image_id(case, c)
        s["ready"] = st.ready
        s["restartCount"] = st.restarts
        s["started"] = True
        started = now - dt.timedelta(hours=st.last_age_hours) if st.restarts else tl.first_start
        s["state"] = {"running": {"startedAt": ts(started, 0)}}
        if st.restarts and st.last_exit is not None:
            s["lastState"] = {
                "terminated": {
                    "containerID": _cid(case, c, tl.runs - 1),
                    "exitCode": st.last_exit,
                    "finishedAt": ts(started, -1),
                    "reason": st.last_reason,
                    "startedAt": ts(created, 6),
                }
            }
    elif isinstance(st, Completed):
        assert tl.last_finish
        s["containerID"] = _cid(case, c, 1)
        s["imageID"] = _image_id(case, c)
        s["ready"] = True
        s["state"] = {
            "terminated": {
                "containerID": _cid(case, c, 1),
                "exitCode": 0,
                "finishedAt": ts(tl.last_finish, 0),
                "reason": "Completed",
                "startedAt": ts(tl.first_start, 0),
            }
        }
    elif isinstance(st, Gone):
        s["imageID"] = _image_id(case, c)
        s["state"] = {
            "terminated": {
                "exitCode": st.exit_code,
                "finishedAt": None,
                "message": st.message,
                "reason": st.reason,
                "startedAt": None,
            }
        }
    elif isinstance(st, Waiting):
        w: Obj = {"reason": st.reason}
        if st.message:
            w["message"] = st.message
        s["state"] = {"waiting": w}
    s["volumeMounts"] = [
        {
            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            "name": "kube-api-access",
            "readOnly": True,
            "recursiveReadOnly": "Disabled",
        }
    ]
    return s


def _fmt_backoff(seconds: int) -> str:
    if seconds >= 60:
        m, s = divmod(seconds, 60)
        return f"{m}m{s}s"
    return f"{seconds}s"


_POD_NAMES: dict[str, tuple[str, str]] = {}


def case_pod_name(case: Case) -> str:
    return _POD_NAMES[case.name][0]


def case_pod_uid(case: Case) -> str:
    return _POD_NAMES[case.name][1]


def build(case: Case) -> Built:
    created = parse(case.created)
    pod_name, labels, refs, owners = pod_identity(case)
    pod_uid = case.pod_uid or uid(case.name, "Pod", pod_name)
    _POD_NAMES[case.name] = (pod_name, pod_uid)
    lines = {c.name: timeline(case, c, created) for c in case.containers}
    nows = [t.now for t in lines.values() if t.now] or [
        created + dt.timedelta(minutes=case.age_minutes)
    ]
    now = max(nows)
    pod_rv = _rv(case, "pod")

    inits = [c for c in case.containers if c.kind != "main"]
    mains = [c for c in case.containers if c.kind == "main"]
    spec: Obj = {"containers": [container_spec(c) for c in mains]}
    spec["dnsPolicy"] = "ClusterFirst"
    spec["enableServiceLinks"] = True
    if inits:
        spec["initContainers"] = [container_spec(c) for c in inits]
    if case.node:
        spec["nodeName"] = case.node
    if case.node_selector:
        spec["nodeSelector"] = case.node_selector
    if case.affinity:
        spec["affinity"] = case.affinity
    spec["preemptionPolicy"] = "PreemptLowerPriority"
    spec["priority"] = 0
    policy = case.restart_policy or ("OnFailure" if case.owner in ("Job", "CronJob") else "Always")
    spec["restartPolicy"] = policy
    spec["schedulerName"] = "default-scheduler"
    spec["securityContext"] = case.pod_security or {}
    sa = case.service_account or case.app
    spec["serviceAccount"] = sa
    spec["serviceAccountName"] = sa
    spec["terminationGracePeriodSeconds"] = 30
    spec["tolerations"] = [
        *case.tolerations,
        {
            "effect": "NoExecute",
            "key": "node.kubernetes.io/not-ready",
            "operator": "Exists",
            "tolerationSeconds": 300,
        },
        {
            "effect": "NoExecute",
            "key": "node.kubernetes.io/unreachable",
            "operator": "Exists",
            "tolerationSeconds": 300,
        },
    ]
    spec["volumes"] = [
        *case.volumes,
        {
            "name": "kube-api-access",
            "projected": {
                "defaultMode": 420,
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {
                        "configMap": {
                            "items": [{"key": "ca.crt", "path": "ca.crt"}],
                            "name": "kube-root-ca.crt",
                        }
                    },
                    {
                        "downwardAPI": {
                            "items": [
                                {
                                    "fieldRef": {
                                        "apiVersion": "v1",
                                        "fieldPath": "metadata.namespace",
                                    },
                                    "path": "namespace",
                                }
                            ]
                        }
                    },
                ],
            },
        },
    ]

    status = pod_status(case, inits, mains, lines, now, created)
    meta: Obj = {"creationTimestamp": ts(created, 0)}
    if refs:
        meta["generateName"] = pod_name[: pod_name.rfind("-") + 1]
    meta["labels"] = labels
    meta["name"] = pod_name
    meta["namespace"] = case.namespace
    if refs:
        meta["ownerReferences"] = refs
    meta["resourceVersion"] = pod_rv
    meta["uid"] = pod_uid
    pod: Obj = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
    pod["status"] = status

    _finish_owners(case, owners, spec, labels, created, pod_name)
    events = pod_events(case, pod, lines, now, created)
    node_events: list[Obj] = [_event(case, pod, e, created, now) for e in case.events if e.on_node]
    node = node_object(case, now) if case.node else None
    logs: dict[str, str] = {}
    for c in case.containers:
        st = c.state
        if isinstance(st, Crash) and st.log is not None:
            logs[f"{c.name}.log"] = st.log
        if isinstance(st, Running) and st.last_log is not None:
            logs[f"{c.name}.log"] = st.last_log
        if isinstance(st, InitFailed):
            logs[f"{c.name}.log"] = st.log
            logs[f"{c.name}.current.log"] = st.current_log
    return Built(pod_name, pod_uid, owners, pod, events, node_events, node, logs)


def pod_status(
    case: Case,
    inits: list[Ctr],
    mains: list[Ctr],
    lines: dict[str, Timeline],
    now: dt.datetime,
    created: dt.datetime,
) -> Obj:
    status: Obj = {}
    started = created + dt.timedelta(seconds=5)
    if case.pod_status == "pending" and not case.node:
        status["conditions"] = [
            {
                "lastProbeTime": None,
                "lastTransitionTime": ts(created, 0),
                "message": case.unschedulable,
                "reason": "Unschedulable",
                "status": "False",
                "type": "PodScheduled",
            }
        ]
        status["phase"] = "Pending"
        status["qosClass"] = "Burstable"
        return status
    statuses = {
        c.name: container_status(case, c, lines[c.name], now, created) for c in case.containers
    }
    init_done = all(isinstance(c.state, Completed | Running) for c in inits)
    main_ready = all(statuses[c.name]["ready"] for c in mains)
    sidecars_ready = all(statuses[c.name]["ready"] for c in inits if c.kind == "sidecar")
    unready = [c.name for c in mains if not statuses[c.name]["ready"]]
    sidecars_unready = [
        c.name for c in inits if c.kind == "sidecar" and not statuses[c.name]["ready"]
    ]
    # transitions happen while the pod runs: never after the snapshot's "now"
    settled = min(started + dt.timedelta(seconds=80), now)
    conds: list[Obj] = []
    if case.pod_status == "evicted":
        conds.append(
            {
                "lastProbeTime": None,
                "lastTransitionTime": ts(now, -2),
                "message": case.pod_message,
                "reason": "TerminationByKubelet",
                "status": "True",
                "type": "DisruptionTarget",
            }
        )
    conds.append(
        {
            "lastProbeTime": None,
            "lastTransitionTime": ts(started, 13),
            "status": "False" if case.pod_status == "evicted" else "True",
            "type": "PodReadyToStartContainers",
        }
    )
    init_cond: Obj = {"lastProbeTime": None, "lastTransitionTime": ts(started, 13)}
    if init_done:
        init_cond.update({"status": "True", "type": "Initialized"})
    else:
        waiting_init = [c.name for c in inits if not isinstance(c.state, Completed | Running)]
        init_cond.update(
            {
                "message": f"containers with incomplete status: [{' '.join(waiting_init)}]",
                "reason": "ContainersNotInitialized",
                "status": "False",
                "type": "Initialized",
            }
        )
    conds.append(init_cond)
    for kind in ("Ready", "ContainersReady"):
        if case.pod_status == "evicted":
            conds.append(
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": ts(now, -1),
                    "reason": "PodFailed",
                    "status": "False",
                    "type": kind,
                }
            )
        elif main_ready and sidecars_ready and init_done:
            conds.append(
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": ts(min(started + dt.timedelta(seconds=20), now), 0),
                    "status": "True",
                    "type": kind,
                }
            )
        else:
            names = " ".join([*sidecars_unready, *unready])
            conds.append(
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": ts(settled, 0),
                    "message": f"containers with unready status: [{names}]",
                    "reason": "ContainersNotReady",
                    "status": "False",
                    "type": kind,
                }
            )
    conds.append(
        {
            "lastProbeTime": None,
            "lastTransitionTime": ts(created, 0),
            "status": "True",
            "type": "PodScheduled",
        }
    )
    status["conditions"] = conds
    status["containerStatuses"] = [statuses[c.name] for c in mains]
    ip = _node_ip(case)
    status["hostIP"] = ip
    status["hostIPs"] = [{"ip": ip}]
    if inits:
        status["initContainerStatuses"] = [statuses[c.name] for c in inits]
    if case.pod_status == "evicted":
        status["message"] = case.pod_message
        status["phase"] = "Failed"
        status["reason"] = case.pod_reason or "Evicted"
    elif case.pod_status == "failed":
        status["phase"] = "Failed"
    else:
        status["phase"] = "Running" if init_done else "Pending"
        pod_ip = f"10.42.{_digest(case.name, 'ip')[0]}.{_digest(case.name, 'ip')[1] % 250 + 2}"
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
    status["qosClass"] = "Burstable"
    status["startTime"] = ts(created, 0)
    return status


def _node_ip(case: Case) -> str:
    d = _digest(case.name, "node-ip")
    return f"10.0.{d[0] % 60 + 4}.{d[1] % 250 + 2}"


# --------------------------------------------------------------------------- events


def _event(case: Case, pod: Obj, e: Ev, created: dt.datetime, now: dt.datetime) -> Obj:
    first = created + dt.timedelta(seconds=e.first_offset)
    last = created + dt.timedelta(
        seconds=e.last_offset if e.last_offset is not None else e.first_offset
    )
    name_base = case.node if e.on_node else pod["metadata"]["name"]
    key = f"{e.reason}/{e.message}/{e.container}/{e.first_offset}"
    ev: Obj = {"apiVersion": "v1", "count": e.count, "eventTime": None}
    ev["firstTimestamp"] = ts(first, 0)
    if e.on_node:
        assert case.node
        ev["involvedObject"] = {"kind": "Node", "name": case.node, "uid": case.node}
        namespace = "default"
    else:
        inv: Obj = {"apiVersion": "v1"}
        if e.container:
            c = next(c for c in case.containers if c.name == e.container)
            section = "containers" if c.kind == "main" else "initContainers"
            inv["fieldPath"] = f"spec.{section}{{{e.container}}}"
        inv.update(
            {
                "kind": "Pod",
                "name": pod["metadata"]["name"],
                "namespace": case.namespace,
                "resourceVersion": pod["metadata"]["resourceVersion"],
                "uid": pod["metadata"]["uid"],
            }
        )
        ev["involvedObject"] = inv
        namespace = case.namespace
    ev["kind"] = "Event"
    ev["lastTimestamp"] = ts(last, 0)
    ev["message"] = e.message
    ev["metadata"] = {
        "creationTimestamp": ts(first, 0),
        "name": f"{name_base}.{hexid(case.name, key)[:16]}",
        "namespace": namespace,
        "resourceVersion": _rv(case, "event", key),
        "uid": uid(case.name, "Event", key),
    }
    ev["reason"] = e.reason
    ev["reportingComponent"] = e.component
    ev["reportingInstance"] = case.node or ""
    ev["source"] = (
        {"component": e.component, "host": case.node} if case.node else {"component": e.component}
    )
    ev["type"] = e.type
    return ev


def _scheduler_event(
    case: Case, pod: Obj, reason: str, message: str, at: dt.datetime, series: int = 0
) -> Obj:
    key = f"sched/{reason}"
    ev: Obj = {
        "action": "Binding" if reason == "Scheduled" else "Scheduling",
        "apiVersion": "v1",
        "eventTime": at.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{_digest(case.name, key)[0] * 3911:06d}Z",
        "firstTimestamp": None,
        "involvedObject": {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": pod["metadata"]["name"],
            "namespace": case.namespace,
            "resourceVersion": pod["metadata"]["resourceVersion"],
            "uid": pod["metadata"]["uid"],
        },
        "kind": "Event",
        "lastTimestamp": None,
        "message": message,
        "metadata": {
            "creationTimestamp": ts(at, 0),
            "name": f"{pod['metadata']['name']}.{hexid(case.name, key)[:16]}",
            "namespace": case.namespace,
            "resourceVersion": _rv(case, "event", key),
            "uid": uid(case.name, "Event", key),
        },
        "reason": reason,
        "reportingComponent": "default-scheduler",
        "reportingInstance": "default-scheduler-control-plane-1",
        "source": {},
        "type": "Normal" if reason == "Scheduled" else "Warning",
    }
    if series:
        ev["series"] = {
            "count": series,
            "lastObservedTime": (at + dt.timedelta(minutes=5 * series)).strftime(
                "%Y-%m-%dT%H:%M:%S.000000Z"
            ),
        }
    return ev


def pod_events(
    case: Case, pod: Obj, lines: dict[str, Timeline], now: dt.datetime, created: dt.datetime
) -> list[Obj]:
    out: list[Obj] = []
    if case.pod_status == "pending" and not case.node:
        assert case.unschedulable
        out.append(_scheduler_event(case, pod, "FailedScheduling", case.unschedulable, created, 4))
    else:
        out.append(
            _scheduler_event(
                case,
                pod,
                "Scheduled",
                f"Successfully assigned {case.namespace}/{pod['metadata']['name']} to {case.node}",
                created,
            )
        )
    evs: list[Ev] = []
    for c in case.containers:
        tl = lines[c.name]
        st = c.state
        off_first = int((tl.first_start - created).total_seconds())
        if isinstance(st, Crash | InitFailed | Running | Completed | Gone):
            off_last = int(((tl.last_start or tl.first_start) - created).total_seconds())
            n = tl.runs if isinstance(st, Crash | InitFailed) else 1
            if isinstance(st, Running) and st.restarts:
                n = st.restarts + 1
                off_last = int((now - created).total_seconds()) - st.last_age_hours * 3600
                off_last = max(off_last, off_first)
            evs.append(
                Ev(
                    "Pulled",
                    f'Container image "{c.image}" already present on machine',
                    "Normal",
                    c.name,
                    n,
                    off_first - 1,
                    off_last - 1,
                )
            )
            if not (isinstance(st, Crash) and st.reason == "StartError"):
                evs.append(
                    Ev(
                        "Created",
                        f"Created container: {c.name}",
                        "Normal",
                        c.name,
                        n,
                        off_first - 1,
                        off_last - 1,
                    )
                )
                evs.append(
                    Ev(
                        "Started",
                        f"Started container {c.name}",
                        "Normal",
                        c.name,
                        n,
                        off_first,
                        off_last,
                    )
                )
            else:
                evs.append(
                    Ev(
                        "Created",
                        f"Created container: {c.name}",
                        "Normal",
                        c.name,
                        n,
                        off_first - 1,
                        off_last - 1,
                    )
                )
                assert st.message
                evs.append(
                    Ev("Failed", f"Error: {st.message}", "Warning", c.name, n, off_first, off_last)
                )
            if isinstance(st, Crash | InitFailed):
                assert tl.last_finish
                fin = int((tl.last_finish - created).total_seconds())
                evs.append(
                    Ev(
                        "BackOff",
                        f"Back-off restarting failed container {c.name} in pod "
                        f"{pod['metadata']['name']}_{case.namespace}({pod['metadata']['uid']})",
                        "Warning",
                        c.name,
                        max(st.restarts * 5 - 3, 1),
                        off_first + st.run_seconds + 2,
                        fin + 12 if isinstance(st, Crash) else fin - 20,
                    )
                )
    for e in evs:
        out.append(_event(case, pod, e, created, now))
    for e in case.events:
        if not e.on_node:
            out.append(_event(case, pod, e, created, now))
    return out


# --------------------------------------------------------------------------- node


def node_object(case: Case, now: dt.datetime) -> Obj:
    assert case.node
    hb = ts(now, -40)
    since = ts(now, -14 * 86400)
    pressure = case.node_pressure

    def cond(kind: str, ok_reason: str, ok_msg: str, bad: tuple[str, str] | None) -> Obj:
        if bad:
            return {
                "lastHeartbeatTime": hb,
                "lastTransitionTime": ts(now, -300),
                "message": bad[1],
                "reason": bad[0],
                "status": "True",
                "type": kind,
            }
        return {
            "lastHeartbeatTime": hb,
            "lastTransitionTime": since,
            "message": ok_msg,
            "reason": ok_reason,
            "status": "False",
            "type": kind,
        }

    conditions = [
        cond(
            "MemoryPressure",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
            ("KubeletHasInsufficientMemory", "kubelet has insufficient memory available")
            if pressure == "MemoryPressure"
            else None,
        ),
        cond(
            "DiskPressure",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
            ("KubeletHasDiskPressure", "kubelet has disk pressure")
            if pressure == "DiskPressure"
            else None,
        ),
        cond(
            "PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available", None
        ),
        {
            "lastHeartbeatTime": hb,
            "lastTransitionTime": since,
            "message": "kubelet is posting ready status",
            "reason": "KubeletReady",
            "status": "True",
            "type": "Ready",
        },
    ]
    ip = _node_ip(case)
    taints = []
    if pressure == "DiskPressure":
        taints.append(
            {
                "effect": "NoSchedule",
                "key": "node.kubernetes.io/disk-pressure",
                "timeAdded": ts(now, -300),
            }
        )
    if pressure == "MemoryPressure":
        taints.append(
            {
                "effect": "NoSchedule",
                "key": "node.kubernetes.io/memory-pressure",
                "timeAdded": ts(now, -300),
            }
        )
    spec: Obj = {
        "podCIDR": f"10.42.{_digest(case.name, 'cidr')[0]}.0/24",
        "providerID": f"aws:///eu-west-1a/i-0{hexid(case.name, 'node')[:16]}",
    }
    if taints:
        spec["taints"] = taints
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "creationTimestamp": ts(now, -60 * 86400),
            "labels": {
                "beta.kubernetes.io/arch": case.arch,
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": case.arch,
                "kubernetes.io/hostname": case.node,
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": "m6i.xlarge"
                if case.arch == "amd64"
                else "m7g.xlarge",
                "topology.kubernetes.io/region": "eu-west-1",
                "topology.kubernetes.io/zone": "eu-west-1a",
            },
            "name": case.node,
            "resourceVersion": _rv(case, "node"),
            "uid": uid(case.name, "Node", case.node),
        },
        "spec": spec,
        "status": {
            "addresses": [
                {"address": ip, "type": "InternalIP"},
                {"address": case.node, "type": "Hostname"},
            ],
            "allocatable": {
                "cpu": "3920m",
                "ephemeral-storage": "95491281146",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": "15270336Ki",
                "pods": "58",
            },
            "capacity": {
                "cpu": "4",
                "ephemeral-storage": "104845292Ki",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": "16170432Ki",
                "pods": "58",
            },
            "conditions": conditions,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": case.arch,
                "bootID": uid(case.name, "boot"),
                "containerRuntimeVersion": "containerd://1.7.27",
                "kernelVersion": "6.8.0-1021-aws",
                "kubeProxyVersion": "",
                "kubeletVersion": "v1.34.2",
                "machineID": hexid(case.name, "machine")[:32],
                "operatingSystem": "linux",
                "osImage": "Ubuntu 24.04.3 LTS",
                "systemUUID": uid(case.name, "system"),
            },
        },
    }


# --------------------------------------------------------------------------- owners


def _finish_owners(
    case: Case,
    owners: list[Obj],
    spec: Obj,
    labels: dict[str, str],
    created: dt.datetime,
    pod_name: str,
) -> None:
    """Fill the owners' specs (the pod template) and statuses."""
    tmpl_spec = {k: v for k, v in spec.items() if k not in ("nodeName", "serviceAccount")}
    tmpl_spec.pop("tolerations", None)
    if case.tolerations:
        tmpl_spec["tolerations"] = case.tolerations
    tmpl_spec["volumes"] = [v for v in spec["volumes"] if v["name"] != "kube-api-access"]
    for key in ("containers", "initContainers"):
        if key in tmpl_spec:
            tmpl_spec[key] = [
                {
                    **c,
                    "volumeMounts": [
                        m for m in c["volumeMounts"] if m["name"] != "kube-api-access"
                    ],
                }
                for c in tmpl_spec[key]
            ]
            for c in tmpl_spec[key]:
                if not c["volumeMounts"]:
                    del c["volumeMounts"]
    if not tmpl_spec["volumes"]:
        del tmpl_spec["volumes"]
    base_labels = {k: v for k, v in labels.items() if k.startswith("app.kubernetes.io/")}
    selector = {"matchLabels": dict(base_labels)}
    for o in owners:
        kind = o["kind"]
        tmpl_labels = dict(base_labels)
        if kind == "ReplicaSet":
            tmpl_labels["pod-template-hash"] = labels["pod-template-hash"]
        template = {"metadata": {"labels": tmpl_labels}, "spec": tmpl_spec}
        if kind == "Deployment":
            o["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "3"}
            o["spec"] = {
                "progressDeadlineSeconds": 600,
                "replicas": 2,
                "revisionHistoryLimit": 10,
                "selector": selector,
                "strategy": {
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                    "type": "RollingUpdate",
                },
                "template": template,
            }
            o["status"] = {
                "availableReplicas": 1,
                "observedGeneration": 3,
                "readyReplicas": 1,
                "replicas": 2,
                "unavailableReplicas": 1,
                "updatedReplicas": 2,
            }
        elif kind == "ReplicaSet":
            o["metadata"]["annotations"] = {
                "deployment.kubernetes.io/desired-replicas": "2",
                "deployment.kubernetes.io/max-replicas": "3",
                "deployment.kubernetes.io/revision": "3",
            }
            o["metadata"]["creationTimestamp"] = ts(created, -300)
            sel = {"matchLabels": {**base_labels, "pod-template-hash": labels["pod-template-hash"]}}
            o["spec"] = {"replicas": 2, "selector": sel, "template": template}
            o["status"] = {
                "availableReplicas": 1,
                "fullyLabeledReplicas": 2,
                "observedGeneration": 1,
                "readyReplicas": 1,
                "replicas": 2,
            }
        elif kind == "StatefulSet":
            o["spec"] = {
                "persistentVolumeClaimRetentionPolicy": {
                    "whenDeleted": "Retain",
                    "whenScaled": "Retain",
                },
                "podManagementPolicy": "OrderedReady",
                "replicas": 1,
                "revisionHistoryLimit": 10,
                "selector": selector,
                "serviceName": f"{case.app}-headless",
                "template": template,
                "updateStrategy": {"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"},
            }
            rev = labels["controller-revision-hash"]
            o["status"] = {
                "availableReplicas": 0,
                "collisionCount": 0,
                "currentReplicas": 1,
                "currentRevision": rev,
                "observedGeneration": 3,
                "replicas": 1,
                "updateRevision": rev,
                "updatedReplicas": 1,
            }
        elif kind == "DaemonSet":
            o["spec"] = {
                "revisionHistoryLimit": 10,
                "selector": selector,
                "template": template,
                "updateStrategy": {
                    "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
                    "type": "RollingUpdate",
                },
            }
            o["status"] = {
                "currentNumberScheduled": 3,
                "desiredNumberScheduled": 3,
                "numberAvailable": 2,
                "numberMisscheduled": 0,
                "numberReady": 2,
                "numberUnavailable": 1,
                "observedGeneration": 3,
                "updatedNumberScheduled": 3,
            }
        elif kind == "CronJob":
            o["spec"] = {
                "concurrencyPolicy": "Forbid",
                "failedJobsHistoryLimit": 1,
                "jobTemplate": {
                    "metadata": {"labels": dict(base_labels)},
                    "spec": {"backoffLimit": 6, "template": template},
                },
                "schedule": f"{created.minute} {created.hour} * * *",
                "successfulJobsHistoryLimit": 3,
                "suspend": False,
                "timeZone": "Etc/UTC",
            }
            job = next(j for j in owners if j["kind"] == "Job")
            o["status"] = {
                "active": [
                    {
                        "apiVersion": "batch/v1",
                        "kind": "Job",
                        "name": job["metadata"]["name"],
                        "namespace": case.namespace,
                        "resourceVersion": job["metadata"]["resourceVersion"],
                        "uid": job["metadata"]["uid"],
                    }
                ],
                "lastScheduleTime": ts(created, 0),
                "lastSuccessfulTime": ts(created, -86400),
            }
        elif kind == "Job":
            ctrl = o["metadata"]["uid"]
            o["metadata"]["labels"] = dict(labels)
            if any(x["kind"] == "CronJob" for x in owners):
                o["metadata"]["annotations"] = {
                    "batch.kubernetes.io/cronjob-scheduled-timestamp": ts(created, 0)
                }
            o["metadata"]["creationTimestamp"] = ts(created, 0)
            job_labels = {
                **base_labels,
                "batch.kubernetes.io/controller-uid": ctrl,
                "batch.kubernetes.io/job-name": o["metadata"]["name"],
                "controller-uid": ctrl,
                "job-name": o["metadata"]["name"],
            }
            o["spec"] = {
                "backoffLimit": 6,
                "completionMode": "NonIndexed",
                "completions": 1,
                "manualSelector": False,
                "parallelism": 1,
                "podReplacementPolicy": "TerminatingOrFailed",
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": ctrl}},
                "suspend": False,
                "template": {"metadata": {"labels": job_labels}, "spec": tmpl_spec},
            }
            o["status"] = {
                "active": 1,
                "ready": 0,
                "startTime": ts(created, 0),
                "terminating": 0,
                "uncountedTerminatedPods": {},
            }


# --------------------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)
_Dumper.ignore_aliases = lambda self, data: True  # type: ignore[method-assign]


def dump(obj: Any) -> str:
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=True, width=100, allow_unicode=True)


def as_list(items: list[Obj]) -> Obj:
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def write(case: Case, root: Path = HERE) -> Path:
    b = build(case)
    d = root / case.name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir()
    (d / "pod.yaml").write_text(dump(b.pod))
    (d / "events.yaml").write_text(dump(as_list(b.events)))
    if b.node is not None:
        (d / "nodes.yaml").write_text(dump(as_list([b.node])))
    if b.node_events:
        (d / "node-events.yaml").write_text(dump(as_list(b.node_events)))
    if b.objects:
        (d / "workloads.yaml").write_text(
            "---\n".join(dump(o) for o in sorted(b.objects, key=_owner_order))
        )
    if b.logs:
        logdir = d / "logs" / case.namespace / b.pod_name
        logdir.mkdir(parents=True)
        for fname, text in b.logs.items():
            # newline="" keeps CRLF logs byte for byte
            with open(logdir / fname, "w", encoding="utf-8", newline="") as f:
                f.write(text)
    expect = {
        "top_rule": None,
        "also_rules": [],
        "not_rules": [],
        "container": None,
        "warnings": [],
        "exit_status": 0,
        "error": None,
        **case.expect,
    }
    meta = {
        "description": case.description,
        "source": case.source,
        "target": f"{case.namespace}/{b.pod_name}",
        "container": None,
        "expect": expect,
    }
    (d / "scenario.yaml").write_text(
        yaml.dump(meta, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)
    )
    return d


def _owner_order(o: Obj) -> int:
    return ["CronJob", "Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"].index(
        o["kind"]
    )


def main(argv: list[str]) -> int:
    from tests.scenarios._cases import CASES

    names = {c.name for c in CASES}
    if len(names) != len(CASES):
        raise SystemExit("duplicate case names")
    wanted = set(argv) or names
    unknown = wanted - names
    if unknown:
        raise SystemExit(f"unknown cases: {sorted(unknown)}")
    for case in CASES:
        if case.name in wanted:
            print(write(case).relative_to(HERE))
    return 0


if __name__ == "__main__":
    # run the imported module's main: `_cases` builds its cases from that module's classes,
    # and `python -m` would otherwise hold a second copy of them under __main__
    from tests.scenarios import _build

    raise SystemExit(_build.main(sys.argv[1:]))
