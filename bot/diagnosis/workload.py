"""One answer for a workload's many pods: which to read, their causes, what they share.

The most useful facts about a crashing workload are across its pods, and no single pod
shows them: whether the failing pods sit on one node, belong to one revision, or fail
in every revision. This module is pure: it takes the summaries of the workload's pods
(one list request) and the diagnoses of a sample of them, and returns the groups of
pods by cause and the correlations the counts support.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.cluster.source import PodSummary
from bot.diagnosis.engine import Diagnosis
from bot.facts import Change
from bot.timefmt import clock, span

# Crashes of every revision that began this close together began with one change
# outside the workload: a dependency down reaches every pod within its next few restarts.
SAME_MOMENT = timedelta(minutes=10)

# The node labels that group nodes, most specific first: a managed cluster's node pool
# (GKE, EKS, AKS, Karpenter), then the zone. A crash confined to one of them is the
# pool's image or kernel, or the zone's network, not the workload.
NODE_GROUPS = (
    ("node pool", "cloud.google.com/gke-nodepool"),
    ("node group", "eks.amazonaws.com/nodegroup"),
    ("node pool", "kubernetes.azure.com/agentpool"),
    ("node pool", "karpenter.sh/nodepool"),
    ("zone", "topology.kubernetes.io/zone"),
)
# Nodes read to compare pools and zones, at most: one GET each, beside the sample.
MAX_NODES_COMPARED = 40

# Numbers, hex ids and timestamps differ from pod to pod in the same error line; a
# cause is the line's shape, so that 48 pods that died the same way are one group.
_VARIABLE = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+Z?|\b[0-9a-f]{8,}\b|\d+")


@dataclass(frozen=True, slots=True)
class CauseGroup:
    """Pods that failed the same way, and the diagnosis of one of them."""

    rule_id: str | None  # the top finding's rule; None when no pod of the group was read
    exit_code: int | None
    title: str  # what the group's pods died of, in the representative's words
    decisive: str | None  # the line that explains the exit, when there is one
    pods: tuple[str, ...]  # the representative first
    diagnosis: Diagnosis | None  # the representative's

    @property
    def representative(self) -> str:
        return self.pods[0]

    @property
    def count(self) -> int:
        return len(self.pods)


@dataclass(frozen=True, slots=True)
class Correlation:
    kind: str  # node | revision | all-revisions | single-pod
    value: str | None
    summary: str


@dataclass(frozen=True, slots=True)
class WorkloadDiagnosis:
    namespace: str
    kind: str
    name: str
    cluster: str | None
    pods: tuple[PodSummary, ...]
    groups: tuple[CauseGroup, ...]  # largest first
    correlations: tuple[Correlation, ...]
    warnings: tuple[str, ...] = ()

    @property
    def failing(self) -> tuple[PodSummary, ...]:
        return tuple(p for p in self.pods if failing(p))

    @property
    def crash_looping(self) -> int:
        return sum(p.crash_looping for p in self.pods)


def failing(p: PodSummary) -> bool:
    """Crash-looping, or not ready and stuck for a reason (ImagePullBackOff, Error...)."""
    return p.crash_looping or (not p.ready and p.reason is not None)


def choose_sample(pods: Sequence[PodSummary], *, per_status: int, limit: int) -> list[PodSummary]:
    """The failing pods to diagnose: every distinct status signature (reason, exit code,
    node, revision) at least once, the most common first, then more of each status
    (reason, exit code) up to `per_status`; at most `limit` in all."""
    failing_pods = sorted((p for p in pods if failing(p)), key=lambda p: (-p.restarts, p.name))
    by_signature: dict[tuple[object, ...], list[PodSummary]] = defaultdict(list)
    for p in failing_pods:
        by_signature[p.signature].append(p)
    ordered = sorted(by_signature.values(), key=lambda ps: -len(ps))
    chosen = [ps[0] for ps in ordered][:limit]
    per: Counter[tuple[str | None, int | None]] = Counter((p.reason, p.exit_code) for p in chosen)
    for p in failing_pods:
        if len(chosen) >= limit:
            break
        key = (p.reason, p.exit_code)
        if p not in chosen and per[key] < per_status:
            chosen.append(p)
            per[key] += 1
    return chosen


def group_causes(
    pods: Sequence[PodSummary], diagnoses: Mapping[str, Diagnosis]
) -> tuple[CauseGroup, ...]:
    """Failing pods grouped by cause: the diagnosed ones by their top finding, exit code
    and the shape of their decisive line; each other pod with a diagnosed pod of the
    same status signature, else of the same reason and exit code."""
    members: dict[tuple[object, ...], list[PodSummary]] = defaultdict(list)
    cause_of: dict[str, tuple[object, ...]] = {}
    for p in pods:
        d = diagnoses.get(p.name)
        if d is not None and failing(p):
            cause_of[p.name] = _cause_key(d)
            members[cause_of[p.name]].append(p)
    by_signature = {p.signature: cause_of[p.name] for p in pods if p.name in cause_of}
    by_status = {(p.reason, p.exit_code): cause_of[p.name] for p in pods if p.name in cause_of}
    for p in pods:
        if not failing(p) or p.name in cause_of:
            continue
        key = by_signature.get(p.signature) or by_status.get((p.reason, p.exit_code))
        members[key or ("unread", p.reason, p.exit_code)].append(p)
    groups = [_group(key, ps, diagnoses) for key, ps in members.items()]
    return tuple(sorted(groups, key=lambda g: (-g.count, g.rule_id or "~", g.representative)))


def _cause_key(d: Diagnosis) -> tuple[object, ...]:
    top = d.top
    code = d.exit.code if d.exit else None
    lines = d.decisive_for(d.container.name if d.container else None)
    shape = _VARIABLE.sub("#", lines[0].text) if lines else None
    return (top.rule_id if top else None, code, shape)


def _group(
    key: tuple[object, ...], pods: list[PodSummary], diagnoses: Mapping[str, Diagnosis]
) -> CauseGroup:
    read = [p for p in pods if p.name in diagnoses]
    ordered = sorted(read, key=lambda p: (-p.restarts, p.name)) + sorted(
        (p for p in pods if p.name not in diagnoses), key=lambda p: p.name
    )
    rep = diagnoses.get(ordered[0].name)
    if rep is None:  # nobody of this status was read (the sample limit)
        first = ordered[0]
        what = ", ".join(x for x in (first.reason, _code(first.exit_code)) if x)
        return CauseGroup(
            None,
            first.exit_code,
            f"not read: {what or 'unknown state'}",
            None,
            tuple(p.name for p in ordered),
            None,
        )
    lines = rep.decisive_for(rep.container.name if rep.container else None)
    return CauseGroup(
        rule_id=rep.top.rule_id if rep.top else None,
        exit_code=rep.exit.code if rep.exit else None,
        title=rep.top.title if rep.top else "no rule matched",
        decisive=lines[0].text if lines else None,
        pods=tuple(p.name for p in ordered),
        diagnosis=rep,
    )


def _code(code: int | None) -> str | None:
    return f"exit {code}" if code is not None else None


def nodes_to_compare(pods: Sequence[PodSummary]) -> list[str]:
    """The nodes whose labels could show the failing pods confined to one node pool or
    zone: only when they fail on several nodes while other pods are ready elsewhere."""
    bad_nodes = {p.node for p in pods if failing(p) and p.node}
    good_nodes = {p.node for p in pods if not failing(p) and p.ready and p.node}
    if len(bad_nodes) < 2 or not good_nodes - bad_nodes:
        return []
    names = sorted(bad_nodes | good_nodes)
    return names if len(names) <= MAX_NODES_COMPARED else []


def correlate(
    pods: Sequence[PodSummary],
    diagnoses: Mapping[str, Diagnosis] | None = None,
    node_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[Correlation, ...]:
    """What the failing pods share, stated only when the counts support it. The
    diagnoses name a revision by its number and add the rollback, where they read it;
    the node labels tell a node pool or zone."""
    bad = [p for p in pods if failing(p)]
    good = [p for p in pods if not failing(p) and p.ready]
    out: list[Correlation] = []
    if not bad:
        return ()
    nodes = {p.node for p in bad}
    if len(bad) >= 2 and len(nodes) == 1 and None not in nodes:
        node = next(iter(nodes))
        elsewhere = [p for p in good if p.node != node]
        if elsewhere:
            out.append(
                Correlation(
                    "node",
                    node,
                    f"all {len(bad)} failing pods run on {node}; the {len(elsewhere)} pods on "
                    "other nodes are ready: the node, not the workload",
                )
            )
    elif len(bad) >= 2 and node_labels:
        out.extend(_node_group(bad, good, node_labels))
    revisions = {p.revision for p in bad}
    known = {p.revision for p in pods if p.revision is not None}
    if len(known) >= 2 and None not in revisions:
        healthy_elsewhere = [p for p in good if p.revision not in revisions]
        if len(revisions) == 1 and healthy_elsewhere:
            rev = next(iter(revisions))
            others = sorted({p.revision or "?" for p in healthy_elsewhere})
            change = _change_of(bad, diagnoses or {})
            name = f"{change.revision} ({rev})" if change and change.revision else rev
            rollback = f"; roll back: `{change.rollback}`" if change and change.rollback else ""
            out.append(
                Correlation(
                    "revision",
                    rev,
                    f"only the {len(bad)} pods of revision {name} fail; the "
                    f"{len(healthy_elsewhere)} pods of revision {', '.join(others)} are ready: "
                    f"the rollout{rollback}",
                )
            )
        elif revisions == known and not good:
            every = f"pods of every revision fail ({len(known)} revisions, {len(bad)} pods)"
            summary = _all_revisions(every, _crash_starts(bad, diagnoses or {}))
            out.append(Correlation("all-revisions", None, summary))
    if len(bad) == 1 and len(good) >= 2:
        p = bad[0]
        where = f" on {p.node}" if p.node else ""
        out.append(
            Correlation(
                "single-pod",
                p.name,
                f"only {p.name}{where} fails; the other {len(good)} pods are ready: this pod "
                "only (its node, its volume, its data)",
            )
        )
    return tuple(out)


def _node_group(
    bad: Sequence[PodSummary],
    good: Sequence[PodSummary],
    node_labels: Mapping[str, Mapping[str, str]],
) -> list[Correlation]:
    """Every failing pod in one node pool (or zone) and every ready pod outside it."""
    for what, key in NODE_GROUPS:

        def group(p: PodSummary, key: str = key) -> str | None:
            return node_labels.get(p.node or "", {}).get(key)

        values = {group(p) for p in bad}
        if len(values) != 1 or None in values:
            continue
        value = next(iter(values))
        elsewhere = [p for p in good if group(p) not in (None, value)]
        if not elsewhere or any(group(p) == value for p in good):
            continue
        nodes = len({p.node for p in bad})
        return [
            Correlation(
                "node",
                f"{what} {value}",
                f"all {len(bad)} failing pods run on the {nodes} nodes of {what} {value}; the "
                f"{len(elsewhere)} pods in other {what}s are ready: the {what}, not the "
                "workload",
            )
        ]
    return []


def _crash_starts(
    pods: Sequence[PodSummary], diagnoses: Mapping[str, Diagnosis]
) -> list[datetime | None]:
    """When each read pod's crashes began (its first BackOff), None where not known."""
    return [d.facts.first_backoff() for p in pods if (d := diagnoses.get(p.name))]


def _all_revisions(every: str, starts: Sequence[datetime | None]) -> str:
    """Every revision failing points outside the workload; when the crashes began says
    whether one change did it."""
    known = sorted(t for t in starts if t is not None)
    outside = "something outside the workload (a dependency, configuration or data)"
    if not starts:  # no pod could be read
        return f"{every}: not the rollout; {outside} is the likely cause"
    if len(known) < len(starts):
        return (
            f"{every}: not the rollout; {outside} is the likely cause, but when the crashes "
            "began is not known for every pod read (their BackOff events have expired)"
        )
    first, last = known[0], known[-1]
    if last - first <= SAME_MOMENT:
        together = (
            "together"
            if last - first < timedelta(minutes=1)
            else f"within {span(last - first)} of each other"
        )
        return (
            f"{every}, and their crashes began {together}, at {clock(first)}: something "
            "outside the workload changed then (a dependency, configuration or data)"
        )
    return (
        f"{every}, but their crashes began {span(last - first)} apart ({clock(first)} to "
        f"{clock(last)}), not at one moment: not the rollout, and not one outside change; "
        "look at what each pod meets as it runs (its data, its load, its age)"
    )


def _change_of(pods: Sequence[PodSummary], diagnoses: Mapping[str, Diagnosis]) -> Change | None:
    """The rollout facts read with the diagnosis of one of these pods, if any."""
    return next(
        (d.facts.change for p in pods if (d := diagnoses.get(p.name)) and d.facts.change),
        None,
    )


def build_workload(
    *,
    namespace: str,
    kind: str,
    name: str,
    cluster: str | None,
    pods: Sequence[PodSummary],
    diagnoses: Mapping[str, Diagnosis],
    warnings: Sequence[str] = (),
    node_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> WorkloadDiagnosis:
    return WorkloadDiagnosis(
        namespace=namespace,
        kind=kind,
        name=name,
        cluster=cluster,
        pods=tuple(pods),
        groups=group_causes(pods, diagnoses),
        correlations=correlate(pods, diagnoses, node_labels),
        warnings=tuple(warnings),
    )


@dataclass(frozen=True, slots=True)
class WorkloadListing:
    """One line of a namespace listing: a workload's failing pods, by status."""

    workload: str  # "Deployment/cart", or "Pod/name" for a bare pod
    total: int
    statuses: tuple[tuple[str, int], ...]  # ("OOMKilled, exit 137", 46), largest first
    representative: PodSummary  # the failing pod with the most restarts

    @property
    def failing(self) -> int:
        return sum(n for _, n in self.statuses)


def workload_of(p: PodSummary) -> str:
    """The workload a pod belongs to, from the pod alone: a ReplicaSet named
    `<deployment>-<pod-template-hash>` is its Deployment's."""
    if p.owner is None:
        return f"Pod/{p.name}"
    kind, _, name = p.owner.partition("/")
    if kind == "ReplicaSet" and p.revision and name.endswith(f"-{p.revision}"):
        return f"Deployment/{name.removesuffix(f'-{p.revision}')}"
    return p.owner


def namespace_listing(pods: Sequence[PodSummary]) -> list[WorkloadListing]:
    """The failing pods of a namespace grouped by workload, then by status; the
    workloads with the most failing pods first."""
    by_workload: dict[str, list[PodSummary]] = defaultdict(list)
    for p in pods:
        by_workload[workload_of(p)].append(p)
    out = []
    for workload, members in by_workload.items():
        bad = [p for p in members if failing(p)]
        if not bad:
            continue
        counts = Counter(
            ", ".join(x for x in (p.reason, _code(p.exit_code)) if x) or "failing" for p in bad
        )
        out.append(
            WorkloadListing(
                workload=workload,
                total=len(members),
                statuses=tuple(counts.most_common()),
                representative=max(bad, key=lambda p: (p.restarts, p.name)),
            )
        )
    return sorted(out, key=lambda w: (-w.failing, w.workload))
