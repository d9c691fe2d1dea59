"""The collector interface: what a source of pod facts offers, live or from files.

Triggers depend on this protocol only, so a slash command, an alert and the CLI
diagnose the same way whether the facts come from a cluster or from a snapshot.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.cluster.normalize import as_map, as_maps, container_statuses
from bot.facts import PodFacts
from bot.target import Target


@dataclass(frozen=True, slots=True)
class PodSummary:
    """One line about a pod, for listings and name suggestions."""

    namespace: str
    name: str
    phase: str | None
    crashing: tuple[str, ...]  # containers in CrashLoopBackOff
    restarts: int
    owner: str | None  # "Deployment/ledger-api" when known from the pod itself
    node: str | None = None
    revision: str | None = None  # pod-template-hash / controller-revision-hash label
    ready: bool = False  # every container ready
    reason: str | None = None  # why the first crashing container last stopped (OOMKilled)
    exit_code: int | None = None  # ... and with what code

    @property
    def crash_looping(self) -> bool:
        return bool(self.crashing)

    @property
    def signature(self) -> tuple[str | None, int | None, str | None, str | None]:
        """What tells pods apart before reading them: cause, exit code, node, revision."""
        return (self.reason, self.exit_code, self.node, self.revision)


class Source(Protocol):
    async def pod_facts(self, target: Target) -> PodFacts: ...

    async def list_pods(self, namespace: str) -> list[PodSummary]: ...

    async def workload_pods(self, namespace: str, kind: str, name: str) -> list[PodSummary]: ...

    async def node_labels(self, names: Sequence[str]) -> dict[str, dict[str, str]]:
        """The labels of these nodes; a node that cannot be read is left out."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


def node_labels_of(node: Any) -> dict[str, str]:
    """A raw Node's labels, strings only."""
    labels = as_map(as_map(as_map(node).get("metadata")).get("labels"))
    return {str(k): v for k, v in labels.items() if isinstance(v, str)}


def summarize_pod(pod: Any) -> PodSummary:
    """One line about a raw pod; anything malformed in it is treated as absent."""
    pod = as_map(pod)
    meta = as_map(pod.get("metadata"))
    status = as_map(pod.get("status"))
    statuses = container_statuses(pod)
    crashing = tuple(
        str(s.get("name"))
        for s in statuses
        if as_map(as_map(s.get("state")).get("waiting")).get("reason") == "CrashLoopBackOff"
    )
    refs = as_maps(meta.get("ownerReferences"))
    ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    phase = status.get("phase")
    labels = as_map(meta.get("labels"))
    revision = labels.get("pod-template-hash") or labels.get("controller-revision-hash")
    node = as_map(pod.get("spec")).get("nodeName")
    first = next(
        (s for s in statuses if s.get("name") in crashing),
        next((s for s in statuses if _stuck(s)), None),
    )
    reason, code = _last_stop(first) if first is not None else (None, None)
    return PodSummary(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        phase=phase if isinstance(phase, str) else None,
        crashing=crashing,
        restarts=sum(_count(s.get("restartCount")) for s in statuses),
        owner=f"{ref.get('kind')}/{ref.get('name')}" if ref else None,
        node=node if isinstance(node, str) else None,
        revision=revision if isinstance(revision, str) else None,
        ready=bool(statuses) and all(s.get("ready") is True for s in statuses if not _init(s)),
        reason=reason,
        exit_code=code,
    )


def _init(status: Any) -> bool:
    # Init container statuses report ready=false once done; they carry no "started" key
    # in older clusters, so tell them by their state: terminated with code 0.
    t = as_map(as_map(status.get("state")).get("terminated"))
    return t.get("exitCode") == 0


def _stuck(status: Any) -> bool:
    waiting = as_map(as_map(status.get("state")).get("waiting")).get("reason")
    return waiting not in (None, "ContainerCreating", "PodInitializing")


def _last_stop(status: Any) -> tuple[str | None, int | None]:
    """The reason and exit code a container last stopped with, or why it waits."""
    state = as_map(status.get("state"))
    t = as_map(as_map(status.get("lastState")).get("terminated")) or as_map(state.get("terminated"))
    code = t.get("exitCode")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    reason = t.get("reason") or as_map(state.get("waiting")).get("reason")
    return (reason if isinstance(reason, str) else None), code


def _count(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else 0


def suggest_names(wanted: str, names: list[str], *, limit: int = 3) -> tuple[str, ...]:
    """Close names for a pod that was not found: same prefix first, then similar spelling."""
    prefix = wanted.rsplit("-", 2)[0] if "-" in wanted else wanted
    same_prefix = sorted(n for n in names if n.startswith(prefix) and n != wanted)
    close = difflib.get_close_matches(wanted, names, n=limit, cutoff=0.6)
    return tuple(dict.fromkeys([*same_prefix, *close]))[:limit]
