"""Which alerts are about a crash-looping pod, and which pod: pure functions over labels.

An alert qualifies when its `alertname` is one of `alerts.alertnames` (by default
kubernetes-mixin's KubePodCrashLooping) or its labels include all of one of
`alerts.matchers` (e.g. reason=CrashLoopBackOff). The pod is then read from the
first present label of `namespace_labels` / `pod_labels` / `container_labels`, and
every name is validated before it can reach a Kubernetes API path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import AlertsConfig
from bot.errors import TargetError
from bot.target import check_cluster, check_name, check_namespace

# Generated pod-name suffixes: a ReplicaSet's pod-template-hash then a 5-character
# pod suffix (Deployment), a 5-character suffix (ReplicaSet, DaemonSet, Job), an
# ordinal (StatefulSet). Kubernetes draws them from an alphabet without vowels.
_ALNUM = "[bcdfghjklmnpqrstvwxz2456789]"
_DEPLOYMENT_POD = re.compile(rf"^(?P<base>.+)-{_ALNUM}{{6,10}}-{_ALNUM}{{5}}$")
_SUFFIXED_POD = re.compile(rf"^(?P<base>.+)-{_ALNUM}{{5}}$")
_ORDINAL_POD = re.compile(r"^(?P<base>.+)-\d+$")


@dataclass(frozen=True, slots=True)
class PodAlert:
    """A qualifying alert, reduced to the pod it names."""

    namespace: str
    pod: str
    container: str | None
    cluster: str | None  # the cluster label's value, if any

    @property
    def workload_hint(self) -> str:
        """A guess at the pod's workload from its name, before anything is read."""
        return f"{self.cluster or ''}/{self.namespace}/{guess_workload(self.pod)}"


@dataclass(frozen=True, slots=True)
class Ignored:
    """Why an alert is acknowledged and not acted upon (for the log and the metric)."""

    reason: str  # a short metric-friendly word: not_crashloop | no_pod | invalid_name
    detail: str


def qualifies(labels: Mapping[str, str], cfg: AlertsConfig) -> bool:
    if labels.get("alertname") in cfg.alertnames:
        return True
    return any(m and all(labels.get(k) == v for k, v in m.items()) for m in cfg.matchers)


def select(labels: Mapping[str, str], cfg: AlertsConfig) -> PodAlert | Ignored:
    """The pod a crash-loop alert is about, or why the alert is ignored."""
    if not qualifies(labels, cfg):
        return Ignored("not_crashloop", f"alertname {labels.get('alertname')!r} not selected")
    namespace = _first(labels, cfg.namespace_labels)
    pod = _first(labels, cfg.pod_labels)
    if namespace is None or pod is None:
        missing = "namespace" if namespace is None else "pod"
        wanted = cfg.namespace_labels if namespace is None else cfg.pod_labels
        return Ignored("no_pod", f"no {missing} label (looked for {', '.join(wanted)})")
    container = _first(labels, cfg.container_labels)
    cluster = labels.get(cfg.cluster_label) or None
    try:
        check_namespace(namespace)
        check_name(pod)
        if container is not None:
            check_name(container, "container")
        if cluster is not None:
            check_cluster(cluster)
    except TargetError as e:
        return Ignored("invalid_name", str(e))
    return PodAlert(namespace, pod, container, cluster)


def guess_workload(pod: str) -> str:
    """`ledger-api-5d8f7b9c4-x2k9q` -> `ledger-api`; `kafka-2` -> `kafka`.

    Only a hint, used to fold a storm without diagnosing every pod: the real owner
    always comes from the diagnosis of a sample of the pods.
    """
    for pattern in (_DEPLOYMENT_POD, _SUFFIXED_POD, _ORDINAL_POD):
        m = pattern.match(pod)
        if m:
            return m.group("base")
    return pod


def _first(labels: Mapping[str, str], names: list[str]) -> str | None:
    return next((labels[n] for n in names if labels.get(n)), None)
