"""PodFacts: the normalized, immutable view of a crash-looping pod.

Everything the diagnosis engine knows about a pod is in these data classes. They are
built from raw Kubernetes objects by `bot.cluster.normalize` (for the live cluster and
for snapshot files alike) and directly from compact YAML in rule fixtures, so they
carry no client objects and no behaviour beyond small derived properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Waiting reasons of a container on its way up, not stuck: no cause to name.
_STARTING = frozenset({None, "ContainerCreating", "PodInitializing"})


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
class StatusCondition:
    """One of `status.conditions` of a node (Ready, MemoryPressure) or a pod (PodScheduled)."""

    type: str
    status: str
    reason: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    ready: bool | None = None
    conditions: tuple[StatusCondition, ...] = ()
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
    reason: str | None = None  # status.reason: "Evicted", "NodeLost", ...
    message: str | None = None  # status.message
    conditions: tuple[StatusCondition, ...] = ()
    node_name: str | None = None
    start_time: datetime | None = None
    labels: tuple[tuple[str, str], ...] = ()
    owner_chain: tuple[OwnerRef, ...] = ()  # nearest first: ReplicaSet, then Deployment
    containers: tuple[Container, ...] = ()
    events: tuple[Event, ...] = ()
    node: Node | None = None
    warnings: tuple[str, ...] = ()
    memory: MemorySeries | None = None  # Prometheus' memory series before the kill
    change: Change | None = None  # the rollout the crash began with (cluster.revisions)

    @property
    def owner(self) -> OwnerRef | None:
        """The top-most known owner (the Deployment rather than its ReplicaSet)."""
        return self.owner_chain[-1] if self.owner_chain else None

    def container(self, name: str) -> Container | None:
        return next((c for c in self.containers if c.name == name), None)

    def condition(self, kind: str) -> StatusCondition | None:
        return next((c for c in self.conditions if c.type == kind), None)

    @property
    def healthy(self) -> bool:
        """Running, and every app container (and native sidecar) running and ready.

        Plain init containers are done by then, so they do not count.
        """
        if self.phase != "Running" or self.reason:
            return False
        serving = [c for c in self.containers if not c.init or c.restart_policy == "Always"]
        return bool(serving) and all(c.running and c.ready for c in serving)

    def crashing_containers(self) -> tuple[Container, ...]:
        """Containers in CrashLoopBackOff, init containers first (they block the rest)."""
        looping = [c for c in self.containers if c.crash_looping]
        return tuple(sorted(looping, key=lambda c: (not c.init,)))

    def first_backoff(self) -> datetime | None:
        """When the kubelet first backed off restarting the default container: the
        earliest crash evidence kept (events expire, after an hour by default)."""
        c = self.default_container()
        times = [
            t
            for e in self.events_for(c.name if c else None)
            if e.reason == "BackOff" and (t := e.first_seen or e.last_seen) is not None
        ]
        return min(times, default=None)

    def default_container(self) -> Container | None:
        """The container a diagnosis is about when none is named.

        The crash-looping one (an init container before the app containers, since the
        app cannot start until it succeeds); else one stuck waiting for a reason other
        than being created (ImagePullBackOff, CreateContainerConfigError, ...); else one
        that ended in failure (Init:Error); else the one that restarted most and has a
        termination; else the first.
        """
        crashing = self.crashing_containers()
        if crashing:
            return crashing[0]
        stuck = [c for c in self.containers if c.waiting_reason not in _STARTING]
        if stuck:
            return stuck[0]
        failed = [c for c in self.containers if c.current and c.current.exit_code]
        if failed:
            return failed[0]
        terminated = [c for c in self.containers if c.terminated is not None]
        if terminated:
            return max(terminated, key=lambda c: c.restart_count)
        return self.containers[0] if self.containers else None

    def events_for(self, container: str | None) -> tuple[Event, ...]:
        """Pod events about this container or about the pod as a whole."""
        return tuple(e for e in self.events if e.container in (None, container))


@dataclass(frozen=True, slots=True)
class MemorySeries:
    """One container's memory before its kill, as Prometheus recorded it.

    Raw data only; `bot.diagnosis.memory` reads the curve. The window ends at the last
    termination's finishedAt, so the same crash always gives the same window.
    """

    container: str
    start: datetime
    end: datetime
    step_seconds: float
    working_set: tuple[tuple[datetime, float], ...]  # (time, bytes), oldest first
    rss: tuple[tuple[datetime, float], ...] = ()  # empty where the series is not scraped
    limit_bytes: int | None = None  # kube-state-metrics' limit, else the pod spec's
    kills: tuple[datetime, ...] = ()  # terminations known from the pod status
    restart_count: int = 0
    source: str = "prometheus"


# -- What changed: the workload's revisions around the crash (bot.cluster.revisions) ------

# The template fields a diff names (`resources.limits.memory`, `volumes.config`, ... are
# these with a suffix); rules' `change: {field: ...}` conditions are checked against them.
CHANGE_FIELDS = (
    "containers",
    "image",
    "command",
    "args",
    "env",
    "env.valueFrom",
    "envFrom",
    "resources",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "volumeMounts",
    "securityContext",
    "volumes",
    "serviceAccountName",
)


@dataclass(frozen=True, slots=True)
class TemplateDiff:
    """One difference between the previous pod template and the pod's own.

    Either a value that changed (`before` -> `after`, None = absent) or, for lists of
    named things (env, envFrom, volume mounts, volumes, containers), the names added,
    removed and changed. Environment values are never read: only names and the Secret or
    ConfigMap a value comes from.
    """

    field: str  # one of CHANGE_FIELDS, possibly with a suffix ("resources.limits.memory")
    container: str | None = None  # None: the pod spec (volumes, serviceAccountName)
    before: str | None = None
    after: str | None = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    direction: str = "changed"  # up | down (quantities) | added | removed | changed
    listed: bool = False  # a list of names (added/removed/changed), not a before/after

    @property
    def line(self) -> str:
        """`api: image a → b`, `api: env +NEW, -GONE, ~CHANGED`: as evidence and diffs show it."""
        where = f"{self.container}: " if self.container else "pod: "
        if self.listed:
            parts = [
                *(f"+{x}" for x in self.added),
                *(f"-{x}" for x in self.removed),
                *(f"~{x}" for x in self.changed),
            ]
            return f"{where}{self.field} {', '.join(parts)}"
        return f"{where}{self.field} {self.before or '(none)'} → {self.after or '(none)'}"


@dataclass(frozen=True, slots=True)
class Change:
    """The workload revision this pod runs, the one before it, and what the timeline says.

    `began_with_rollout` is the blame: the crashes began soon after this revision rolled
    out. `summary` is the sentence that says so (or that the workload did not change, or
    why no diff can be shown); `notes` add what else is true (paused, still rolling out,
    a rollback). `rollback` is a command for a human to run; the bot never runs it.
    """

    workload: OwnerRef
    revision: str | None
    previous_revision: str | None = None
    rolled_out_at: datetime | None = None
    crashes_began_at: datetime | None = None
    began_with_rollout: bool = False
    previous_ready: int | None = None
    previous_replicas: int | None = None
    diffs: tuple[TemplateDiff, ...] = ()
    rollback: str | None = None
    summary: str = ""
    notes: tuple[str, ...] = ()
