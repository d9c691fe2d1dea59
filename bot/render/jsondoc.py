"""The JSON diagnosis document (`--output json`): a stable contract for scripts.

The shape is documented in the README and design notes; fields are only ever added.
Everything quoted here (log lines, messages) was redacted when the facts were collected.
"""

from __future__ import annotations

import json
from typing import Any

from bot.diagnosis.decisive import DecisiveLine
from bot.diagnosis.engine import Diagnosis
from bot.diagnosis.exitcodes import describe, signal_name
from bot.facts import Container, Event, Terminated
from bot.render.changes import to_dict as change_json
from bot.render.common import iso
from bot.render.memory import memory_json

JSON_LOG_TAIL = 50  # lines of the previous log per container


def to_dict(d: Diagnosis) -> dict[str, Any]:
    f = d.facts
    ordered = [d.container] if d.container else []
    ordered += [c for c in f.containers if d.container is None or c.name != d.container.name]
    return {
        "namespace": f.namespace,
        "pod": f.name,
        "cluster": f.cluster,
        "owner": {"kind": f.owner.kind, "name": f.owner.name} if f.owner else None,
        "node": f.node_name,
        "container": d.container.name if d.container else None,
        "containers": [_container(c, d.decisive_for(c.name)) for c in ordered],
        "findings": [
            {
                "rule_id": x.rule_id,
                "title": x.title,
                "severity": x.severity,
                "container": x.container,
                "explanation": x.explanation,
                "evidence": list(x.evidence),
                "fixes": list(x.fixes),
                "docs": list(x.docs),
            }
            for x in d.findings
        ],
        "events": [_event("pod", e) for e in f.events]
        + [_event("node", e) for e in (f.node.events if f.node else ())],
        "memory": memory_json(d.memory),
        "change": change_json(f.change),
        "warnings": list(d.warnings),
    }


def render_json(d: Diagnosis) -> str:
    return json.dumps(to_dict(d), indent=2, ensure_ascii=False)


def _container(c: Container, decisive: tuple[DecisiveLine, ...]) -> dict[str, Any]:
    t = c.terminated
    return {
        "name": c.name,
        "init": c.init,
        "image": c.image,
        "restart_count": c.restart_count,
        "waiting_reason": c.waiting_reason,
        "waiting_message": c.waiting_message,
        "last_state": _terminated(t) if t else None,
        "exit_code_meaning": describe(t.exit_code).line()
        if t and t.exit_code is not None
        else None,
        "log_tail": list(c.logs[-JSON_LOG_TAIL:]) if c.logs is not None else None,
        "decisive_lines": [x.text for x in decisive],
    }


def _event(where: str, e: Event) -> dict[str, Any]:
    return {
        "time": iso(e.last_seen or e.first_seen),
        "object": where,
        "type": e.type,
        "reason": e.reason,
        "message": e.message,
        "count": e.count,
    }


def _terminated(t: Terminated) -> dict[str, Any]:
    sig = signal_name(t.signal) if t.signal else None
    if sig is None and t.exit_code is not None:
        sig = describe(t.exit_code).signal_name
    return {
        "reason": t.reason,
        "exit_code": t.exit_code,
        "signal": sig,
        "started_at": iso(t.started_at),
        "finished_at": iso(t.finished_at),
        "message": t.message,
    }
