"""What every rendering says about the rollout a crash began with ("What changed").

The text output, the Slack thread and the JSON document all start from these, so
the root message's clause, the diff lines and the JSON `change` object are worded
once. Pure: a `Change` in, strings and plain dicts out.
"""

from __future__ import annotations

from typing import Any

from bot.cluster.revisions import headline
from bot.facts import Change, TemplateDiff
from bot.render.common import iso

TITLE = "What changed"
ROLLBACK_INTRO = "To roll back (the bot never runs it):"


def root_clause(change: Change | None) -> str | None:
    """`since revision 7: image 2.3.1 → 2.4.0`, only when the crashes began with it."""
    return headline(change) if change is not None else None


def lines(change: Change) -> list[str]:
    """The section's lines, without a title: the verdict, notes, the diff, the rollback."""
    out = [change.summary, *change.notes]
    if change.diffs:
        w = change.workload
        rev = "Job" if w.kind == "CronJob" else "revision"
        out.append(f"{w.kind}/{w.name}, {rev} {change.previous_revision} → {change.revision}:")
        out.extend(f"  {d.line}" for d in change.diffs)
    return out


def to_dict(change: Change | None) -> dict[str, Any] | None:
    """The JSON document's `change` object (documented in the README)."""
    if change is None:
        return None
    healthy = (
        {"ready": change.previous_ready, "replicas": change.previous_replicas}
        if change.previous_replicas is not None
        else None
    )
    return {
        "workload": {"kind": change.workload.kind, "name": change.workload.name},
        "revision": change.revision,
        "previous_revision": change.previous_revision,
        "rolled_out_at": iso(change.rolled_out_at),
        "crashes_began_at": iso(change.crashes_began_at),
        "began_with_rollout": change.began_with_rollout,
        "previous_healthy": healthy,
        "diffs": [_diff(d) for d in change.diffs],
        "rollback": change.rollback,
        "summary": change.summary,
        "notes": list(change.notes),
    }


def _diff(d: TemplateDiff) -> dict[str, Any]:
    if d.listed:
        return {
            "container": d.container,
            "field": d.field,
            "added": list(d.added),
            "removed": list(d.removed),
            "changed": list(d.changed),
        }
    return {"container": d.container, "field": d.field, "from": d.before, "to": d.after}
