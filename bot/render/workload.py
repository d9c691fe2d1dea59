"""A workload's diagnosis in words: the counts, the cause groups, the correlations.

The Slack root, the text output, the JSON `workload` object and the alert path's
per-workload roots all say it the same way, from these functions.
"""

from __future__ import annotations

from typing import Any

from bot.diagnosis.workload import CauseGroup, WorkloadDiagnosis
from bot.render import blocks as kit
from bot.render.jsondoc import to_dict
from bot.render.text import render_text

NAMED_PODS = 10  # pods named per group before "and N more"


def headline(w: WorkloadDiagnosis) -> str:
    """`Deployment `cart`: 48 of 50 pods crash-looping` (or failing, when some are stuck
    in another state: `3 of 5 pods failing (1 crash-looping)`)."""
    failing = len(w.failing)
    looping = w.crash_looping
    detail = f" ({looping} crash-looping)" if looping != failing else ""
    word = "crash-looping" if looping == failing else "failing"
    return f"{w.kind} `{w.name}`: {failing} of {len(w.pods)} pods {word}{detail}"


def cause_words(title: str, rule_id: str | None, exit_code: int | None) -> str:
    """`Killed for exceeding its memory limit (OOMKilled) [oom-cgroup, exit 137]`: a cause
    as the workload root and the alert thread's status line both name it."""
    tag = ", ".join(x for x in (rule_id, f"exit {exit_code}" if exit_code else None) if x)
    return title + (f" [{tag}]" if tag else "")


def pods_with(count: int, words: str) -> str:
    """`48 pods: <cause>`."""
    return f"{count} pod{'s' if count != 1 else ''}: {words}"


def owner_words(owner: str) -> str:
    """`Deployment/cart` as the roots write it: `Deployment `cart``."""
    kind, sep, name = owner.partition("/")
    return f"{kind} `{name}`" if sep else owner


def group_line(g: CauseGroup) -> str:
    """`48 pods: Killed for exceeding its memory limit (OOMKilled) [oom-cgroup, exit 137]`."""
    return pods_with(g.count, cause_words(g.title, g.rule_id, g.exit_code))


def members_line(g: CauseGroup) -> str:
    named = ", ".join(g.pods[:NAMED_PODS])
    more = f" and {g.count - NAMED_PODS} more" if g.count > NAMED_PODS else ""
    return f"Representative: {g.representative}. Pods: {named}{more}"


def summary_lines(w: WorkloadDiagnosis) -> list[str]:
    """The headline, a line per cause group, a line per correlation."""
    if not w.failing:
        return [f"{w.kind} `{w.name}`: none of its {len(w.pods)} pods is failing"]
    return (
        [headline(w)]
        + [f"- {group_line(g)}" for g in w.groups]
        + [f"Across pods: {c.summary}" for c in w.correlations]
    )


def render_workload_text(w: WorkloadDiagnosis, *, color: bool = False) -> str:
    out = [*summary_lines(w), *(f"! {x}" for x in w.warnings)]
    for i, g in enumerate(w.groups, 1):
        out += ["", "=" * 78, f"Group {i} of {len(w.groups)}: {group_line(g)}", members_line(g)]
        if g.diagnosis is not None:
            out += ["", render_text(g.diagnosis, color=color).rstrip("\n")]
    return "\n".join(out) + "\n"


def workload_dict(w: WorkloadDiagnosis) -> dict[str, Any]:
    """The `workload` object of the JSON document."""
    return {
        "kind": w.kind,
        "name": w.name,
        "pods_total": len(w.pods),
        "pods_crashing": len(w.failing),
        "pods_crash_looping": w.crash_looping,
        "groups": [
            {
                "rule_id": g.rule_id,
                "exit_code": g.exit_code,
                "title": g.title,
                "decisive_line": g.decisive,
                "count": g.count,
                "pods": list(g.pods),
                "representative": g.representative,
            }
            for g in w.groups
        ],
        "correlations": [
            {"kind": c.kind, "value": c.value, "summary": c.summary} for c in w.correlations
        ],
    }


def workload_document(w: WorkloadDiagnosis) -> dict[str, Any]:
    """The diagnosis of the largest group's representative, plus the `workload` object:
    every field of a pod's document keeps its meaning, and scripts find the rest."""
    first = next((g.diagnosis for g in w.groups if g.diagnosis is not None), None)
    if first is not None:
        doc = to_dict(first)
    else:
        doc = {
            "namespace": w.namespace,
            "pod": None,
            "cluster": w.cluster,
            "owner": {"kind": w.kind, "name": w.name},
            "node": None,
            "container": None,
            "containers": [],
            "findings": [],
            "events": [],
            "warnings": [],
        }
    doc["warnings"] = [*doc["warnings"], *w.warnings]
    doc["workload"] = workload_dict(w)
    return doc


def root_message(w: WorkloadDiagnosis) -> kit.SlackMessage:
    lines = summary_lines(w)
    text = [f"*{kit.escape(lines[0])}*"]
    for g in w.groups:
        top = g.diagnosis.top if g.diagnosis else None
        icon = kit.SEVERITY_ICON.get(top.severity, "") if top else ""
        text.append(f"{icon} {kit.escape(group_line(g))}".strip())
        if g.decisive and g.decisive not in g.title:
            text.append(f"> `{kit._code(g.decisive)}`")
    text += [f":link: {kit.escape(c.summary)}" for c in w.correlations]
    body: list[kit.Block] = [kit.section("\n".join(text))]
    context = " · ".join(x for x in (w.namespace, w.cluster and f"cluster {w.cluster}") if x)
    body.append({"type": "context", "elements": [{"type": "mrkdwn", "text": kit.escape(context)}]})
    fallback = ". ".join([lines[0], *(group_line(g) for g in w.groups)])
    return kit.SlackMessage(text=fallback, blocks=body)


def thread_messages(w: WorkloadDiagnosis) -> list[kit.SlackMessage]:
    """One full diagnosis per cause group, from its representative, naming the others."""
    out: list[kit.Block] = []
    for i, g in enumerate(w.groups, 1):
        out.append(
            kit.section(
                f"*Group {i} of {len(w.groups)}: {kit.escape(group_line(g))}*\n"
                f"{kit.escape(members_line(g))}"
            )
        )
        if g.diagnosis is not None:
            for m in kit.thread_messages(g.diagnosis):
                out.extend(m.blocks)
        out.append({"type": "divider"})
    if w.warnings:
        out.append(
            kit.section(
                "*Partial information*\n"
                + "\n".join(f":warning: {kit.escape(x)}" for x in w.warnings)
            )
        )
    return kit.paginate(out, fallback=f"Diagnosis of {w.kind} {w.namespace}/{w.name}")
