"""PodFacts: the normalized, immutable view of a crash-looping pod.

Everything the diagnosis engine knows about a pod is in these data classes. They are
built from raw Kubernetes objects by `bot.cluster.normalize` (for the live cluster and
for snapshot files alike) and directly from compact YAML in rule fixtures, so they
carry no client objects and no behaviour beyond small derived properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Terminated:
    """A container's `state.terminated` or `lastState.terminated`."""

    exit_code: int | None = None
    reason: str | None = None
    signal: int | None = None
    message: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def run_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class Probe:
    """One probe of a container spec, reduced to what explains a restart."""

    kind: str  # liveness | readiness | startup
    handler: str = "unknown"  # httpGet | tcpSocket | exec | grpc
    initial_delay_seconds: int = 0
    period_seconds: int = 10
    timeout_seconds: int = 1
    failure_threshold: int = 3


@dataclass(frozen=True, slots=True)
class Mount:
    """A volume mount, with the kind of volume behind it."""

    name: str
    mount_path: str
    sub_path: str | None = None
    volume_kind: str | None = None  # configMap | secret | emptyDir | persistentVolumeClaim ...
    source_name: str | None = None  # the ConfigMap / Secret / claim name


@dataclass(frozen=True, slots=True)
class Container:
    """A container of the pod: its spec and its status together."""

    name: str
    init: bool = False
    image: str | None = None
    restart_count: int = 0
    ready: bool = False
    waiting_reason: str | None = None
    waiting_message: str | None = None
    running: bool = False
    current: Terminated | None = None  # state.terminated
    last_state: Terminated | None = None  # lastState.terminated
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    memory_limit: str | None = None
    memory_limit_bytes: int | None = None
    memory_request: str | None = None
    cpu_limit: str | None = None
    probes: tuple[Probe, ...] = ()
    mounts: tuple[Mount, ...] = ()
    env_names: tuple[str, ...] = ()  # names only: values are never collected
    restart_policy: str | None = None  # sidecar init containers have "Always"
    logs: tuple[str, ...] | None = None  # previous container's log lines; None = unavailable

    @property
    def terminated(self) -> Terminated | None:
        """The termination that explains the crash: the last one, else the current one."""
        return self.last_state or self.current

    @property
    def crash_looping(self) -> bool:
        return self.waiting_reason == "CrashLoopBackOff"

    def probe(self, kind: str) -> Probe | None:
        return next((p for p in self.probes if p.kind == kind), None)


@dataclass(frozen=True, slots=True)
class Event:
    """A Kubernetes event about the pod, one of its containers, or its node."""

    reason: str
    message: str = ""
    type: str = "Normal"
    count: int = 1
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    source: str | None = None
    field_path: str | None = None  # "spec.containers{api}" when about one container

    @property
    def container(self) -> str | None:
        """The container the event is about, from its fieldPath, if any."""
        if self.field_path and "{" in self.field_path and self.field_path.endswith("}"):
            return self.field_path[self.field_path.index("{") + 1 : -1]
        return None


@dataclass(frozen=True, slots=True)
class NodeCondition:
    type: str
    status: str
    reason: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    ready: bool | None = None
    conditions: tuple[NodeCondition, ...] = ()
    architecture: str | None = None
    kernel_version: str | None = None
    boot_id: str | None = None
    events: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class OwnerRef:
    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class PodFacts:
    """Everything collected about one pod, ready for the rules."""

    namespace: str = "default"
    name: str = "pod"
    uid: str | None = None
    cluster: str | None = None
    phase: str | None = None
    node_name: str | None = None
    start_time: datetime | None = None
    labels: tuple[tuple[str, str], ...] = ()
    owner_chain: tuple[OwnerRef, ...] = ()  # nearest first: ReplicaSet, then Deployment
    containers: tuple[Container, ...] = ()
    events: tuple[Event, ...] = ()
    node: Node | None = None
    warnings: tuple[str, ...] = ()

    @property
    def owner(self) -> OwnerRef | None:
        """The top-most known owner (the Deployment rather than its ReplicaSet)."""
        return self.owner_chain[-1] if self.owner_chain else None

    def container(self, name: str) -> Container | None:
        return next((c for c in self.containers if c.name == name), None)

    def crashing_containers(self) -> tuple[Container, ...]:
        """Containers in CrashLoopBackOff, init containers first (they block the rest)."""
        looping = [c for c in self.containers if c.crash_looping]
        return tuple(sorted(looping, key=lambda c: (not c.init,)))

    def default_container(self) -> Container | None:
        """The container a diagnosis is about when none is named.

        The crash-looping one (an init container before the app containers, since the
        app cannot start until it succeeds); else the one that restarted most and has a
        termination; else the first.
        """
        crashing = self.crashing_containers()
        if crashing:
            return crashing[0]
        terminated = [c for c in self.containers if c.terminated is not None]
        if terminated:
            return max(terminated, key=lambda c: c.restart_count)
        return self.containers[0] if self.containers else None

    def events_for(self, container: str | None) -> tuple[Event, ...]:
        """Pod events about this container or about the pod as a whole."""
        return tuple(e for e in self.events if e.container in (None, container))
