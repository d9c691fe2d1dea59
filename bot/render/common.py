"""What every rendering says the same way: the headline, log tail, next commands.

Text, Slack blocks and alert threads all build on these, so the wording of a
headline or the list of `kubectl` commands to run next exists once.
"""

from __future__ import annotations

from bot.diagnosis.engine import Diagnosis
from bot.facts import Event

LOG_TAIL_LINES = 20
EVENT_LINES = 8


def headline(d: Diagnosis) -> str:
    """`payments/ledger-api-x (container api): OOMKilled, exit 137 (SIGKILL), 9 restarts`."""
    f = d.facts
    c = d.container
    if c is None:
        return f"{f.namespace}/{f.name}: no containers"
    parts = []
    t = c.terminated
    if t is not None and t.reason:
        parts.append(t.reason)
    if d.exit is not None:
        sig = f" ({d.exit.signal_name})" if d.exit.signal_name else ""
        parts.append(f"exit {d.exit.code}{sig}")
    parts.append(f"{c.restart_count} restart{'s' if c.restart_count != 1 else ''}")
    kind = "init container" if c.init else "container"
    return f"{f.namespace}/{f.name} ({kind} {c.name}): {', '.join(parts)}"


def cause_line(d: Diagnosis) -> str:
    top = d.top
    if top is None:
        return "No rule matched: read the previous logs and events below."
    return f"Likely cause: {top.title} [{top.rule_id}]"


def owner_line(d: Diagnosis) -> str | None:
    owner = d.facts.owner
    return f"{owner.kind}/{owner.name}" if owner else None


def log_tail(d: Diagnosis, lines: int = LOG_TAIL_LINES) -> list[str] | None:
    c = d.container
    if c is None or c.logs is None:
        return None
    return list(c.logs[-lines:])


def recent_events(d: Diagnosis, limit: int = EVENT_LINES) -> list[str]:
    c = d.container
    events = d.facts.events_for(c.name if c else None)[:limit]
    node_events = d.facts.node.events[: max(0, limit - len(events))] if d.facts.node else ()
    return [_event_line("pod", e) for e in events] + [_event_line("node", e) for e in node_events]


def _event_line(where: str, e: Event) -> str:
    when = e.last_seen.strftime("%H:%M:%S") if e.last_seen else "--:--:--"
    times = f" x{e.count}" if e.count > 1 else ""
    return f"{when} {where} {e.type} {e.reason}{times}: {e.message}"


def kubectl_commands(d: Diagnosis) -> list[str]:
    """What an SRE would run next to look further, by hand."""
    f = d.facts
    ns, pod = f.namespace, f.name
    ctx = f" --context {f.cluster}" if f.cluster else ""
    c = f" -c {d.container.name}" if d.container else ""
    cmds = [
        f"kubectl{ctx} -n {ns} logs {pod}{c} --previous --tail=200",
        f"kubectl{ctx} -n {ns} describe pod {pod}",
        f"kubectl{ctx} -n {ns} get events --field-selector involvedObject.name={pod}"
        " --sort-by=.lastTimestamp",
    ]
    if f.node_name:
        cmds.append(f"kubectl{ctx} describe node {f.node_name}")
    if f.owner and f.owner.kind in ("Deployment", "StatefulSet", "DaemonSet"):
        cmds.append(f"kubectl{ctx} -n {ns} rollout history {f.owner.kind.lower()}/{f.owner.name}")
    return cmds
