"""What changed: a pod's workload revision, the one before it, and the timeline between.

Pure: raw ReplicaSets, ControllerRevisions or Jobs (as the API lists them) and the
pod's facts in, a `Change` out. The collectors only do the reading: `revision_query`
says what to list from the pod alone, so the list runs in the second round trip with
the rest. The diff itself is `bot.cluster.templatediff`.

The revision a pod runs and the one before it come from the workload's own records:
- Deployment: its ReplicaSets, numbered by `deployment.kubernetes.io/revision`; a
  rollback reuses an old ReplicaSet under a new number and lists the old numbers in
  `deployment.kubernetes.io/revision-history`.
- StatefulSet, DaemonSet: ControllerRevisions (`.revision`, the template in `.data`).
- CronJob: there are no revisions; its Jobs carry the template each was created with,
  so the first Job with the current template is the "rollout" and the Job before it
  the previous revision.

Numbers are compared as numbers: revision 10 comes after revision 9.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cluster.normalize import as_map, as_maps, controller_ref, parse_time
from bot.cluster.templatediff import diff_templates, headline_diff
from bot.facts import Change, OwnerRef, PodFacts, TemplateDiff
from bot.timefmt import clock, span

Obj = Mapping[str, Any]

REVISION = "deployment.kubernetes.io/revision"
HISTORY = "deployment.kubernetes.io/revision-history"
RS_HASH = "pod-template-hash"
POD_CR_HASH = "controller-revision-hash"
CR_HASH = "controller.kubernetes.io/hash"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
# Crashes that began this soon after a rollout began with it: a new revision's pods crash
# within minutes; a pod that ran for hours first points at something else.
WITH_ROLLOUT = timedelta(hours=1)
# No rollout this long before the crashes began: the workload did not change.
UNCHANGED = timedelta(hours=24)
CLOCK_SKEW = timedelta(seconds=30)
REVISION_KINDS = {
    "replicasets": "ReplicaSet",
    "controllerrevisions": "ControllerRevision",
    "jobs": "Job",
}  # events and object times come from different clocks
# Labels a Job controller adds to each Job's template: not a change of the CronJob's.
_JOB_LABELS = (
    "controller-uid",
    "job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
)


@dataclass(frozen=True, slots=True)
class RevisionQuery:
    """What to list to find a pod's revisions: one request, named from the pod alone.

    The selector only keeps out objects no workload of this kind owns: the objects are
    filtered by their owner reference afterwards. Narrowing by the pod's own labels would
    be wrong, since template labels (an app version label) change between revisions.
    """

    workload: OwnerRef  # whose revisions: Deployment, StatefulSet, DaemonSet or CronJob
    resource: str  # replicasets | controllerrevisions | jobs
    label_selector: str | None


@dataclass(frozen=True, slots=True)
class Revision:
    number: int
    name: str  # the ReplicaSet, ControllerRevision or Job
    created: datetime | None
    template: Obj  # the pod template
    history: tuple[int, ...] = ()  # earlier numbers this template also had (rollbacks)
    replicas: int | None = None
    ready: int | None = None

    @property
    def numbers(self) -> tuple[int, ...]:
        return (self.number, *self.history)


def revision_query(pod: Obj, parent: tuple[str, str] | None) -> RevisionQuery | None:
    """What to list for this pod; `parent` is its owner's owner when known or guessed.

    None for a bare pod or an owner without revisions (a plain ReplicaSet or Job).
    """
    ref = controller_ref(pod)
    if ref is None:
        return None
    if ref.kind == "ReplicaSet" and parent and parent[0] == "Deployment":
        return RevisionQuery(OwnerRef("Deployment", parent[1]), "replicasets", RS_HASH)
    if ref.kind in ("StatefulSet", "DaemonSet"):
        return RevisionQuery(ref, "controllerrevisions", CR_HASH)
    if ref.kind == "Job" and parent and parent[0] == "CronJob":
        return RevisionQuery(OwnerRef("CronJob", parent[1]), "jobs", None)
    return None


def change_for(
    facts: PodFacts, pod: Obj, owners: Sequence[Obj], items: Sequence[Obj], query: RevisionQuery
) -> tuple[Change | None, tuple[str, ...]]:
    """The change this pod's crashes began with, and warnings about what was missing."""
    workload = next(
        (o for o in owners if o.get("kind") == query.workload.kind),
        None,
    )
    name = query.workload.name
    if workload is not None:
        name = str(as_map(workload.get("metadata")).get("name") or name)
    owner = OwnerRef(query.workload.kind, name)
    mine = [i for i in as_maps(list(items)) if controller_ref(i) == owner]
    ref = controller_ref(pod)
    began = crashes_began_at(facts)
    if owner.kind == "Deployment":
        revisions = [_from_replicaset(i) for i in mine]
        own = ref.name if ref else ""
        current = next((r for r in revisions if r.name == own), None)
    elif owner.kind == "CronJob":
        return _cronjob_change(facts, owner, ref.name if ref else "", mine, began)
    else:
        revisions = [_from_controller_revision(i) for i in mine]
        h = dict(facts.labels).get(POD_CR_HASH, "")
        current = next(
            (
                r
                for r, i in zip(revisions, mine, strict=True)
                if h and (r.name in (h, f"{name}-{h}") or _labels(i).get(CR_HASH) == h)
            ),
            None,
        )
    if current is None:
        what = "ReplicaSet" if owner.kind == "Deployment" else "ControllerRevision"
        if not mine:
            return None, (f"what changed unavailable: no {what} of {owner.kind}/{name} found",)
        return None, (
            f"what changed unavailable: the {what} of this pod's revision is not among the "
            f"{len(mine)} of {owner.kind}/{name}",
        )
    return _revision_change(facts, owner, workload, current, revisions, began), ()


# -- the timeline ----------------------------------------------------------------------


def crashes_began_at(facts: PodFacts) -> datetime | None:
    """The earliest crash evidence: the first BackOff event, else the pod's start."""
    first = facts.first_backoff()
    if first is not None:
        return first
    c = facts.default_container()
    # No BackOff event kept (events expire after an hour): a pod that restarted cannot
    # have begun crashing before it started, so its start is the earliest bound.
    if c is not None and c.restart_count > 0:
        return facts.start_time or (c.terminated.finished_at if c.terminated else None)
    return None


def _began_with(rolled: datetime | None, began: datetime | None) -> bool:
    if rolled is None or began is None:
        return False
    return rolled - CLOCK_SKEW <= began <= rolled + WITH_ROLLOUT


def _timeline(
    label: str, rolled: datetime | None, began: datetime | None, health: str | None
) -> str:
    """The blame sentence: did the crashes begin with this rollout?"""
    return _cap(_timeline_text(label, rolled, began, health))


def _timeline_text(
    label: str, rolled: datetime | None, began: datetime | None, health: str | None
) -> str:
    tail = f"; {health}" if health else ""
    if rolled is None or began is None:
        missing = "when it rolled out" if rolled is None else "when the crashes began"
        return f"{label}: {missing} is not known, so the diff may or may not be the cause{tail}."
    if _began_with(rolled, began):
        return (
            f"Crashing since {label} rolled out at {clock(rolled)} "
            f"(the crashes began {span(began - rolled)} later){tail}."
        )
    if began < rolled - CLOCK_SKEW:
        return (
            f"The crashes began at {clock(began)}, before {label} rolled out at {clock(rolled)}: "
            f"the rollout did not start them{tail}."
        )
    if began - rolled > UNCHANGED:
        return (
            f"No rollout in the 24 h before the crashes began at {clock(began)} ({label} rolled "
            f"out {span(began - rolled)} earlier): the workload did not change, so look at "
            "what it depends on, its node or its data."
        )
    return (
        f"{label} rolled out at {clock(rolled)}, {span(began - rolled)} before the crashes "
        f"began, and ran until then: the rollout is not clearly the cause{tail}."
    )


def _health(
    r: Revision | None, kind: str, number: int | None
) -> tuple[str | None, int | None, int | None]:
    """How the previous revision's pods fare (`number`: the revision as compared)."""
    if r is None or r.replicas is None:
        return None, None, None
    ready = r.ready or 0
    label = f"revision {number}"
    if kind == "CronJob":
        return None, ready, r.replicas
    if r.replicas == 0:
        return f"{label} has no pods left", ready, 0
    pods = f"{r.replicas} pod{'s' if r.replicas != 1 else ''}"
    if ready == r.replicas:
        return f"{label} is healthy on {pods}", ready, r.replicas
    return f"{label} has {ready} of {pods} ready", ready, r.replicas


# -- Deployments, StatefulSets, DaemonSets ----------------------------------------------


def _revision_change(
    facts: PodFacts,
    owner: OwnerRef,
    workload: Obj | None,
    current: Revision,
    revisions: list[Revision],
    began: datetime | None,
) -> Change:
    spec = as_map(as_map(workload).get("spec"))
    status = as_map(as_map(workload).get("status"))
    earlier = [n for r in revisions for n in r.numbers if n < current.number]
    earlier = [n for n in earlier if n not in current.history]
    prev_number = max(earlier, default=None)
    previous = next((r for r in revisions if prev_number in r.numbers), None)
    newest = max(revisions, key=lambda r: r.number)
    notes: list[str] = []
    label = f"revision {current.number}"
    reused = bool(current.history)
    rolled = None if reused else current.created
    if owner.kind != "Deployment":
        previous = _with_workload_health(owner.kind, previous, current, status)
    health, ready, replicas = _health(previous, owner.kind, prev_number)
    diffs: tuple[TemplateDiff, ...] = ()
    rollback_to: int | None = None

    if reused:
        notes.append(
            f"Revision {current.number} is a rollback to revision "
            f"{', '.join(map(str, current.history))}: its ReplicaSet was reused, so when it "
            "rolled out is not recorded; the diff is against the revision rolled back from."
        )
    if newest is not current and newest.number > current.number:
        if newest.history and prev_number in newest.history:
            notes.append(
                f"A rollback is in progress: revision {newest.number} (the template of revision "
                f"{prev_number}) replaces {label}, which this pod runs."
            )
        else:
            notes.append(
                f"This pod runs {label}; revision {newest.number} is newer and replaces it."
            )
    elif not reused:
        rollback_to = prev_number
    progress = _in_progress(owner.kind, spec, status, current)
    paused = owner.kind == "Deployment" and spec.get("paused") is True
    if progress and newest is current and not paused:
        notes.append(f"{label.capitalize()} is still rolling out: {progress}.")
    if paused:
        pending = _pending_template(spec, newest)
        notes.append(
            "The Deployment is paused"
            + (f" part-way ({progress})" if progress else "")
            + ": template changes wait for `kubectl rollout resume`"
            + (" (its template already differs from the newest ReplicaSet's)" if pending else "")
            + ", and `kubectl rollout undo` refuses a paused Deployment until it is resumed."
        )

    if previous is None:
        limit = spec.get("revisionHistoryLimit")
        if limit == 0:
            summary = (
                f"{label.capitalize()} has nothing to compare with: revisionHistoryLimit is 0, "
                f"so the {owner.kind} keeps no earlier revision. "
                + _timeline(label, rolled, began, None)
                + " Keep a few (revisionHistoryLimit: 3) to see what changed next time."
            )
        elif current.number <= 1 and not reused:
            summary = (
                f"{label.capitalize()} is the first: nothing changed since the {owner.kind} "
                "was created. " + _timeline(label, rolled, began, None)
            )
        else:
            what = "ReplicaSet" if owner.kind == "Deployment" else "ControllerRevision"
            summary = (
                f"The {what} of revision {current.number - 1 if not earlier else prev_number} "
                f"is no longer kept, so what changed in {label} cannot be shown. "
                + _timeline(label, rolled, began, None)
            )
        rollback_to = None
    else:
        diffs = diff_templates(previous.template, current.template)
        summary = _timeline(label, rolled, began, health)
        if not diffs:
            restarted = _annotation(current.template, RESTARTED_AT) != _annotation(
                previous.template, RESTARTED_AT
            )
            notes.append(
                f"Revision {current.number} changed nothing in the containers"
                + (" (a `kubectl rollout restart`)" if restarted else "")
                + "."
            )
    with_rollout = not reused and _began_with(rolled, began)
    rollback = None
    if with_rollout and rollback_to is not None:
        kind = owner.kind.lower()
        ctx = f" --context {facts.cluster}" if facts.cluster else ""
        undo = f"kubectl{ctx} rollout undo {kind}/{owner.name} -n {facts.namespace}"
        resume = f"kubectl{ctx} rollout resume {kind}/{owner.name} -n {facts.namespace} && "
        rollback = f"{resume if paused else ''}{undo} --to-revision={rollback_to}"
    return Change(
        workload=owner,
        revision=str(current.number),
        previous_revision=str(prev_number) if prev_number is not None else None,
        rolled_out_at=rolled,
        crashes_began_at=began,
        began_with_rollout=with_rollout,
        previous_ready=ready if previous is not None else None,
        previous_replicas=replicas if previous is not None else None,
        diffs=diffs,
        rollback=rollback,
        summary=summary,
        notes=tuple(notes),
    )


def _with_workload_health(
    kind: str, previous: Revision | None, current: Revision, status: Obj
) -> Revision | None:
    """Ready counts of a StatefulSet's or DaemonSet's previous revision, from its status.

    ControllerRevisions hold no pod counts; the workload's status counts the pods not yet
    updated, which run the previous revision while the rollout is stuck on this one.
    Their readiness is bounded by the workload's ready count (the crashing ones are not).
    """
    if previous is None:
        return None
    if kind == "StatefulSet":
        if status.get("updateRevision") != current.name:
            return previous
        old = (
            _int(status.get("currentReplicas"))
            if status.get("currentRevision") == (previous.name)
            else 0
        )
        ready = min(_int(status.get("readyReplicas")), old)
    else:
        old = max(
            0,
            _int(status.get("desiredNumberScheduled")) - _int(status.get("updatedNumberScheduled")),
        )
        ready = min(_int(status.get("numberReady")), old)
    return Revision(
        previous.number,
        previous.name,
        previous.created,
        previous.template,
        previous.history,
        replicas=old,
        ready=ready,
    )


def _in_progress(kind: str, spec: Obj, status: Obj, current: Revision) -> str | None:
    """`1 of 3 pods updated` while a rollout is under way, else None."""
    if kind == "Deployment":
        want = _int(spec.get("replicas"), 1)
        updated = _int(status.get("updatedReplicas"))
        total = _int(status.get("replicas"))
        if updated < want or total > updated:
            old = f", {total - updated} old still running" if total > updated else ""
            return f"{updated} of {want} pods updated{old}"
    elif kind == "StatefulSet":
        if status.get("updateRevision") == current.name and status.get("currentRevision") not in (
            None,
            current.name,
        ):
            return (
                f"{_int(status.get('updatedReplicas'))} of "
                f"{_int(spec.get('replicas'), 1)} pods updated"
            )
    elif kind == "DaemonSet":
        want = _int(status.get("desiredNumberScheduled"))
        updated = _int(status.get("updatedNumberScheduled"))
        if updated < want:
            return f"{updated} of {want} pods updated"
    return None


def _pending_template(spec: Obj, newest: Revision) -> bool:
    template = as_map(spec.get("template"))
    return bool(template) and bool(diff_templates(newest.template, template))


# -- CronJobs ---------------------------------------------------------------------------


def _cronjob_change(
    facts: PodFacts, owner: OwnerRef, job_name: str, jobs: list[Obj], began: datetime | None
) -> tuple[Change | None, tuple[str, ...]]:
    ordered = sorted(
        jobs, key=lambda j: (_created(j) or datetime.min.replace(tzinfo=UTC), _name(j))
    )
    names = [_name(j) for j in ordered]
    if job_name not in names:
        return None, (
            f"what changed unavailable: Job {job_name} is not among the {len(ordered)} Jobs "
            f"of CronJob/{owner.name}",
        )
    i = names.index(job_name)
    key = _job_template_key(ordered[i])
    first = i
    while first > 0 and _job_template_key(ordered[first - 1]) == key:
        first -= 1
    start = ordered[first]
    previous = ordered[first - 1] if first > 0 else None
    rolled = _created(start) if previous is not None else None
    notes = [
        "CronJobs keep no revisions: each Job carries the template it was created with, so "
        "the template changed between the two Jobs compared here."
    ]
    if previous is None:
        oldest = _created(start)
        summary = (
            f"The {len(ordered)} Job{'s' if len(ordered) != 1 else ''} kept all have this "
            "Job's template"
            + (f" (the oldest from {clock(oldest)})" if oldest else "")
            + ": no template change to show."
        )
        if oldest is not None and began is not None and began - oldest > UNCHANGED:
            summary += " The workload did not change in the 24 h before the crashes began."
        return Change(
            workload=owner,
            revision=_name(start),
            crashes_began_at=began,
            summary=summary,
            notes=tuple(notes),
        ), ()
    prev_status = as_map(previous.get("status"))
    succeeded = _int(prev_status.get("succeeded"))
    completions = _int(as_map(previous.get("spec")).get("completions"), 1)
    health = (
        f"the previous Job {_name(previous)} succeeded"
        if succeeded >= completions
        else f"the previous Job {_name(previous)} did not succeed either"
    )
    diffs = diff_templates(_job_template(previous), _job_template(start))
    label = f"Job {_name(start)} (the first with the new template)"
    summary = _timeline(label, rolled, began, health)
    notes.append(
        f"CronJobs have no `rollout undo`: restore the jobTemplate as in Job {_name(previous)} "
        f"(`kubectl -n {facts.namespace} get job {_name(previous)} -o yaml`)."
    )
    return Change(
        workload=owner,
        revision=_name(start),
        previous_revision=_name(previous),
        rolled_out_at=rolled,
        crashes_began_at=began,
        began_with_rollout=_began_with(rolled, began),
        previous_ready=succeeded,
        previous_replicas=completions,
        diffs=diffs,
        rollback=None,
        summary=summary,
        notes=tuple(notes),
    ), ()


def _job_template(job: Obj) -> Obj:
    template = as_map(as_map(job.get("spec")).get("template"))
    meta = as_map(template.get("metadata"))
    labels = {k: v for k, v in as_map(meta.get("labels")).items() if k not in _JOB_LABELS}
    return {**template, "metadata": {**meta, "labels": labels}}


def _job_template_key(job: Obj) -> str:
    spec = as_map(_job_template(job).get("spec"))
    return json.dumps({k: v for k, v in spec.items() if k != "selector"}, sort_keys=True)


# -- reading raw objects ----------------------------------------------------------------


def _from_replicaset(rs: Obj) -> Revision:
    meta = as_map(rs.get("metadata"))
    ann = as_map(meta.get("annotations"))
    status = as_map(rs.get("status"))
    history = tuple(
        n for n in (_int(x, -1) for x in str(ann.get(HISTORY) or "").split(",")) if n >= 0
    )
    return Revision(
        number=_int(ann.get(REVISION)),
        name=_name(rs),
        created=_created(rs),
        template=as_map(as_map(rs.get("spec")).get("template")),
        history=history,
        replicas=_int(status.get("replicas")),
        ready=_int(status.get("readyReplicas")),
    )


def _from_controller_revision(cr: Obj) -> Revision:
    # StatefulSets and DaemonSets store {"spec": {"template": {..., "$patch": "replace"}}}.
    template = dict(as_map(as_map(as_map(cr.get("data")).get("spec")).get("template")))
    template.pop("$patch", None)
    return Revision(
        number=_int(cr.get("revision")),
        name=_name(cr),
        created=_created(cr),
        template=template,
    )


def headline(change: Change) -> str | None:
    """The root message's clause: `since revision 7: image 2.3.1 → 2.4.0`."""
    if not change.began_with_rollout or change.revision is None:
        return None
    main = headline_diff(change.diffs)
    rev = (
        f"revision {change.revision}"
        if change.workload.kind != "CronJob"
        else f"Job {change.revision}"
    )
    return f"since {rev}: {main}" if main else f"since {rev}"


def _annotation(template: Obj, key: str) -> Any:
    return as_map(as_map(template.get("metadata")).get("annotations")).get(key)


def _labels(obj: Obj) -> Mapping[str, Any]:
    return as_map(as_map(obj.get("metadata")).get("labels"))


def _name(obj: Obj) -> str:
    return str(as_map(obj.get("metadata")).get("name") or "")


def _created(obj: Obj) -> datetime | None:
    return parse_time(as_map(obj.get("metadata")).get("creationTimestamp"))


def _int(v: Any, default: int = 0) -> int:
    if isinstance(v, bool):
        return default
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v)
    return default


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def with_change(
    facts: PodFacts,
    pod: Obj,
    owners: Sequence[Obj],
    items: Sequence[Obj] | None,
    query: RevisionQuery | None,
) -> PodFacts:
    """The facts with their `change`; `items` None = the list could not be read (the
    collector has said why in a warning)."""
    if query is None or items is None:
        return facts
    change, warnings = change_for(facts, pod, owners, items, query)
    return dataclasses.replace(facts, change=change, warnings=(*facts.warnings, *warnings))
