"""Raw Kubernetes objects (the API server's JSON) to PodFacts.

Both collectors, the live cluster and snapshot files, hand their raw objects here, so
a pod read over HTTP and the same pod read from `kubectl get pod -o yaml` produce the
same facts. Pure: dicts in, data classes out. Anything missing or of the wrong type is
treated as absent rather than trusted, since snapshot files are user input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.facts import (
    Container,
    Event,
    Mount,
    Node,
    OwnerRef,
    PodFacts,
    Probe,
    StatusCondition,
    Terminated,
)

Obj = Mapping[str, Any]

# The volume source keys a mount may point at, in the order Kubernetes documents them.
VOLUME_KINDS = (
    "configMap",
    "secret",
    "projected",
    "emptyDir",
    "hostPath",
    "persistentVolumeClaim",
    "downwardAPI",
    "csi",
    "ephemeral",
    "nfs",
)

_QUANTITY = re.compile(r"^([0-9.]+)([a-zA-Z]*)$")
_SUFFIX = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
    "m": 0.001,
}


def build_pod_facts(
    pod: Obj,
    *,
    events: Iterable[Obj] = (),
    logs: Mapping[str, Sequence[str] | None] | None = None,
    node: Obj | None = None,
    node_events: Iterable[Obj] = (),
    owners: Sequence[Obj] = (),
    cluster: str | None = None,
    warnings: Sequence[str] = (),
) -> PodFacts:
    """Facts for one pod. `owners` are the owner objects, nearest first.

    Never raises: whatever is not a mapping where one is expected is treated as absent.
    """
    pod = as_map(pod)
    meta = as_map(pod.get("metadata"))
    spec = as_map(pod.get("spec"))
    status = as_map(pod.get("status"))
    volumes = {_str(v.get("name")): v for v in as_maps(spec.get("volumes"))}
    logs = logs or {}
    containers = [
        _container(c, statuses=as_maps(status.get(statuses)), init=init, volumes=volumes, logs=logs)
        for specs, statuses, init in (
            ("initContainers", "initContainerStatuses", True),
            ("containers", "containerStatuses", False),
        )
        for c in as_maps(spec.get(specs))
    ]
    return PodFacts(
        namespace=_str(meta.get("namespace")) or "default",
        name=_str(meta.get("name")) or "unknown",
        uid=_str(meta.get("uid")),
        cluster=cluster,
        phase=_str(status.get("phase")),
        reason=_str(status.get("reason")),
        message=_str(status.get("message")),
        conditions=build_conditions(status),
        node_name=_str(spec.get("nodeName")),
        start_time=parse_time(status.get("startTime")),
        labels=tuple(sorted((str(k), str(v)) for k, v in as_map(meta.get("labels")).items())),
        owner_chain=owner_chain(pod, owners),
        containers=tuple(containers),
        events=tuple(sort_events(build_event(e) for e in _only_maps(events))),
        node=build_node(node, node_events) if isinstance(node, Mapping) else None,
        warnings=tuple(warnings),
    )


def owner_chain(pod: Obj, owners: Sequence[Obj]) -> tuple[OwnerRef, ...]:
    """The controller chain from the pod up: what is known from the objects we could read."""
    chain: list[OwnerRef] = []
    ref = controller_ref(pod)
    by_name = {
        (_str(o.get("kind")), _str(as_map(o.get("metadata")).get("name"))): o
        for o in _only_maps(owners)
    }
    while ref is not None and len(chain) < 5:
        chain.append(ref)
        parent = by_name.get((ref.kind, ref.name))
        ref = controller_ref(parent) if parent is not None else None
    return tuple(chain)


def controller_ref(obj: Obj) -> OwnerRef | None:
    """The controlling owner reference of an object (or its first owner)."""
    refs = as_maps(as_map(as_map(obj).get("metadata")).get("ownerReferences"))
    ref = next((r for r in refs if r.get("controller") is True), refs[0] if refs else None)
    if ref is None or not ref.get("kind") or not ref.get("name"):
        return None
    return OwnerRef(kind=str(ref["kind"]), name=str(ref["name"]))


def build_event(e: Obj) -> Event:
    e = as_map(e)
    involved = as_map(e.get("involvedObject") or e.get("regarding"))
    series = as_map(e.get("series"))
    count = e.get("count") or series.get("count") or 1
    return Event(
        reason=_str(e.get("reason")) or "",
        message=_str(e.get("message") or e.get("note")) or "",
        type=_str(e.get("type")) or "Normal",
        count=count if isinstance(count, int) else 1,
        first_seen=parse_time(e.get("firstTimestamp") or e.get("eventTime")),
        last_seen=parse_time(
            e.get("lastTimestamp") or series.get("lastObservedTime") or e.get("eventTime")
        ),
        source=_str(as_map(e.get("source")).get("component") or e.get("reportingComponent")),
        field_path=_str(involved.get("fieldPath")),
    )


def sort_events(events: Iterable[Event]) -> list[Event]:
    """Newest first: rules quote the most recent evidence."""
    floor = datetime.min.replace(tzinfo=None)
    return sorted(
        events,
        key=lambda ev: (ev.last_seen or ev.first_seen or floor).replace(tzinfo=None),
        reverse=True,
    )


def build_node(node: Obj, events: Iterable[Obj] = ()) -> Node:
    node = as_map(node)
    meta = as_map(node.get("metadata"))
    status = as_map(node.get("status"))
    info = as_map(status.get("nodeInfo"))
    conditions = build_conditions(status)
    ready = next((c.status == "True" for c in conditions if c.type == "Ready"), None)
    return Node(
        name=_str(meta.get("name")) or "unknown",
        ready=ready,
        conditions=conditions,
        architecture=_str(info.get("architecture")),
        kernel_version=_str(info.get("kernelVersion")),
        boot_id=_str(info.get("bootID")),
        events=tuple(sort_events(build_event(e) for e in _only_maps(events))),
    )


def build_conditions(status: Obj) -> tuple[StatusCondition, ...]:
    """A node's or a pod's `status.conditions`."""
    return tuple(
        StatusCondition(
            type=_str(c.get("type")) or "",
            status=_str(c.get("status")) or "Unknown",
            reason=_str(c.get("reason")),
            message=_str(c.get("message")),
        )
        for c in as_maps(status.get("conditions"))
    )


def quantity_value(q: Any) -> float | None:
    """The value of a Kubernetes quantity: bytes for "512Mi" or "1G", cores for "250m",
    plain or exponent notation ("1e9"); None if unparsable or not finite."""
    if isinstance(q, bool) or not isinstance(q, int | float | str):
        return None
    try:
        if not isinstance(q, str):
            value = float(q)
        else:
            try:
                value = float(q)  # plain or exponent notation
            except ValueError:
                m = _QUANTITY.match(q.strip())
                if not m or m.group(2) not in _SUFFIX:
                    return None
                value = float(m.group(1)) * _SUFFIX[m.group(2)]
    except (ValueError, OverflowError):  # "1.2.3Mi", "1e999" as an int
        return None
    return value if math.isfinite(value) else None  # "inf", "nan", "1e999"


def parse_quantity(q: Any) -> int | None:
    """Bytes in a Kubernetes quantity ("512Mi", "1G", "1e9"); None if unparsable."""
    if isinstance(q, int) and not isinstance(q, bool):
        return q
    value = quantity_value(q)
    return int(value) if value is not None else None


def _container(
    c: Obj,
    *,
    statuses: list[Obj],
    init: bool,
    volumes: Mapping[str | None, Obj],
    logs: Mapping[str, Sequence[str] | None],
) -> Container:
    name = _str(c.get("name")) or "unknown"
    st = next((s for s in statuses if s.get("name") == name), {})
    state = as_map(st.get("state"))
    waiting = as_map(state.get("waiting"))
    limits = as_map(as_map(c.get("resources")).get("limits"))
    requests = as_map(as_map(c.get("resources")).get("requests"))
    log_lines = logs.get(name)
    restarts = st.get("restartCount")
    return Container(
        name=name,
        init=init,
        image=_str(c.get("image")),
        restart_count=restarts if isinstance(restarts, int) else 0,
        ready=st.get("ready") is True,
        waiting_reason=_str(waiting.get("reason")),
        waiting_message=_str(waiting.get("message")),
        running="running" in state,
        current=_terminated(state.get("terminated")),
        last_state=_terminated(as_map(st.get("lastState")).get("terminated")),
        command=tuple(str(x) for x in as_list(c.get("command"))),
        args=tuple(str(x) for x in as_list(c.get("args"))),
        memory_limit=_str(limits.get("memory")),
        memory_limit_bytes=parse_quantity(limits.get("memory")),
        memory_request=_str(requests.get("memory")),
        cpu_limit=_str(limits.get("cpu")),
        probes=tuple(
            p
            for kind in ("liveness", "readiness", "startup")
            if (p := _probe(kind, c.get(f"{kind}Probe"))) is not None
        ),
        mounts=tuple(_mount(m, volumes) for m in as_maps(c.get("volumeMounts"))),
        env_names=tuple(_str(e.get("name")) or "" for e in as_maps(c.get("env"))),
        restart_policy=_str(c.get("restartPolicy")),
        logs=tuple(log_lines) if log_lines is not None else None,
    )


def _terminated(t: Any) -> Terminated | None:
    if not isinstance(t, Mapping):
        return None
    code = t.get("exitCode")
    sig = t.get("signal")
    return Terminated(
        exit_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        reason=_str(t.get("reason")),
        signal=sig if isinstance(sig, int) and sig > 0 else None,
        message=_str(t.get("message")),
        started_at=parse_time(t.get("startedAt")),
        finished_at=parse_time(t.get("finishedAt")),
    )


def _probe(kind: str, p: Any) -> Probe | None:
    if not isinstance(p, Mapping):
        return None
    handler = next((h for h in ("httpGet", "tcpSocket", "exec", "grpc") if h in p), "unknown")

    def num(key: str, default: int) -> int:
        v = p.get(key)
        return v if isinstance(v, int) and not isinstance(v, bool) else default

    return Probe(
        kind=kind,
        handler=handler,
        initial_delay_seconds=num("initialDelaySeconds", 0),
        period_seconds=num("periodSeconds", 10),
        timeout_seconds=num("timeoutSeconds", 1),
        failure_threshold=num("failureThreshold", 3),
    )


def _mount(m: Obj, volumes: Mapping[str | None, Obj]) -> Mount:
    name = _str(m.get("name")) or ""
    vol = volumes.get(name, {})
    kind = next((k for k in VOLUME_KINDS if k in vol), None)
    source = as_map(vol.get(kind)) if kind else {}
    return Mount(
        name=name,
        mount_path=_str(m.get("mountPath")) or "",
        sub_path=_str(m.get("subPath") or m.get("subPathExpr")),
        volume_kind=kind,
        source_name=_str(source.get("name") or source.get("secretName") or source.get("claimName")),
    )


def parse_time(v: Any) -> datetime | None:
    """An API timestamp, always with a zone; None if absent or unparsable."""
    if isinstance(v, datetime):
        return v if v.tzinfo is not None else v.replace(tzinfo=UTC)
    if not isinstance(v, str) or not v:
        return None
    try:
        t = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    # A timestamp without a zone is UTC, as the API means it: never mix naive and aware.
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


# Raw objects are untrusted (snapshot files are user input, API bodies may surprise):
# these read a value as the shape expected, or as empty. The collectors share them.
def as_map(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def as_maps(v: Any) -> list[Obj]:
    return [x for x in v if isinstance(x, Mapping)] if isinstance(v, list) else []


def container_statuses(pod: Any) -> list[Obj]:
    """A raw pod's container statuses, init containers first; malformed entries left out."""
    status = as_map(as_map(pod).get("status"))
    return [
        s
        for key in ("initContainerStatuses", "containerStatuses")
        for s in as_maps(status.get(key))
    ]


def ended_without_restart(pod: Any) -> list[str]:
    """Containers that terminated and were not restarted: their current log is the last."""
    return [
        s["name"]
        for s in container_statuses(pod)
        if isinstance(s.get("name"), str)
        and as_map(as_map(s.get("state")).get("terminated"))
        and not as_map(as_map(s.get("lastState")).get("terminated"))
    ]


def _only_maps(v: Any) -> list[Obj]:
    """The mappings among the items of any iterable (anything else: none)."""
    if isinstance(v, str | bytes) or not isinstance(v, Iterable):
        return []
    return [x for x in v if isinstance(x, Mapping)]


def as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _str(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else str(v)
