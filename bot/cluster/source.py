"""The collector interface: what a source of pod facts offers, live or from files.

Triggers depend on this protocol only, so a slash command, an alert and the CLI
diagnose the same way whether the facts come from a cluster or from a snapshot.
"""

from __future__ import annotations

import difflib
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

    @property
    def crash_looping(self) -> bool:
        return bool(self.crashing)


class Source(Protocol):
    async def pod_facts(self, target: Target) -> PodFacts: ...

    async def list_pods(self, namespace: str) -> list[PodSummary]: ...

    async def workload_pods(self, namespace: str, kind: str, name: str) -> list[PodSummary]: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


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
    return PodSummary(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        phase=phase if isinstance(phase, str) else None,
        crashing=crashing,
        restarts=sum(_count(s.get("restartCount")) for s in statuses),
        owner=f"{ref.get('kind')}/{ref.get('name')}" if ref else None,
    )


def _count(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else 0


def suggest_names(wanted: str, names: list[str], *, limit: int = 3) -> tuple[str, ...]:
    """Close names for a pod that was not found: same prefix first, then similar spelling."""
    prefix = wanted.rsplit("-", 2)[0] if "-" in wanted else wanted
    same_prefix = sorted(n for n in names if n.startswith(prefix) and n != wanted)
    close = difflib.get_close_matches(wanted, names, n=limit, cutoff=0.6)
    return tuple(dict.fromkeys([*same_prefix, *close]))[:limit]
