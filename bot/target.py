"""What to diagnose: a pod (or a workload) in a namespace of a cluster.

Every trigger (slash command, alert, CLI) builds a `Target`; names are validated here
so that nothing that is not a Kubernetes name ever reaches an API path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import TargetError

# RFC 1123 label (namespaces) and subdomain (pods, containers are labels too).
# Always `fullmatch`: `$` alone also matches before a trailing newline ("ns\n").
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_SUBDOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_CLUSTER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")

# What people type for a workload kind (`ns/deploy/cart`), as kubectl accepts them.
WORKLOAD_KINDS = {
    "deploy": "Deployment",
    "deployment": "Deployment",
    "deployments": "Deployment",
    "sts": "StatefulSet",
    "statefulset": "StatefulSet",
    "statefulsets": "StatefulSet",
    "ds": "DaemonSet",
    "daemonset": "DaemonSet",
    "daemonsets": "DaemonSet",
    "job": "Job",
    "jobs": "Job",
    "rs": "ReplicaSet",
    "replicaset": "ReplicaSet",
    "replicasets": "ReplicaSet",
}


@dataclass(frozen=True, slots=True)
class Target:
    namespace: str
    pod: str
    container: str | None = None
    cluster: str | None = None

    def __str__(self) -> str:
        prefix = f"{self.cluster}:" if self.cluster else ""
        return f"{prefix}{self.namespace}/{self.pod}"


def is_label(name: str) -> bool:
    return bool(_LABEL.fullmatch(name))


def is_subdomain(name: str) -> bool:
    return bool(_SUBDOMAIN.fullmatch(name))


def check_namespace(ns: str) -> str:
    if not is_label(ns):
        raise TargetError(
            f'"{_show(ns)}" is not a valid namespace name (lowercase letters, digits, "-")'
        )
    return ns


def check_name(name: str, what: str = "pod") -> str:
    if not is_subdomain(name):
        raise TargetError(
            f'"{_show(name)}" is not a valid {what} name (lowercase letters, digits, "-", ".")'
        )
    return name


def check_cluster(name: str) -> str:
    if not _CLUSTER.fullmatch(name):
        raise TargetError(f'"{_show(name)}" is not a valid cluster name')
    return name


def parse_target(text: str, *, container: str | None = None) -> Target:
    """`ns/pod` or `cluster:ns/pod`, as the CLI and alerts give it."""
    text = text.strip()
    cluster = None
    if ":" in text:
        cluster, _, text = text.partition(":")
        check_cluster(cluster)
    ns, sep, pod = text.partition("/")
    if not sep or not ns or not pod or "/" in pod:
        raise TargetError(f'expected NAMESPACE/POD, got "{_show(text)}"')
    if container is not None:
        check_name(container, "container")
    return Target(check_namespace(ns), check_name(pod), container, cluster)


@dataclass(frozen=True, slots=True)
class WorkloadTarget:
    namespace: str
    kind: str  # Deployment | StatefulSet | DaemonSet | Job | ReplicaSet
    name: str
    container: str | None = None
    cluster: str | None = None

    def __str__(self) -> str:
        prefix = f"{self.cluster}:" if self.cluster else ""
        return f"{prefix}{self.namespace}/{self.kind.lower()}/{self.name}"


def parse_any_target(text: str, *, container: str | None = None) -> Target | WorkloadTarget:
    """`ns/pod`, or `ns/KIND/name` for a workload (deploy, sts, ds, job, rs), with an
    optional `cluster:` prefix."""
    head, sep, rest = text.strip().partition(":") if ":" in text else ("", "", text.strip())
    parts = rest.split("/")
    if len(parts) == 3 and parts[1].lower() in WORKLOAD_KINDS:
        cluster = check_cluster(head) if sep else None
        if container is not None:
            check_name(container, "container")
        kind = WORKLOAD_KINDS[parts[1].lower()]
        return WorkloadTarget(
            check_namespace(parts[0]), kind, check_name(parts[2], kind), container, cluster
        )
    return parse_target(text, container=container)


def show(text: str) -> str:
    """User text fit to quote back: control characters replaced, at most 80 characters."""
    return _show(text)


def _show(text: str) -> str:
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= 80 else clean[:79] + "…"
