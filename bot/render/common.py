"""What every rendering says the same way: the headline, log tail, next commands.

Text, Slack blocks and alert threads all build on these, so the wording of a
headline or the list of `kubectl` commands to run next exists once.
"""

from __future__ import annotations

from datetime import datetime

from bot.diagnosis.engine import Diagnosis
from bot.facts import Event

LOG_TAIL_LINES = 20
EVENT_LINES = 8


def iso(v: datetime | None) -> str | None:
    """A time as the Kubernetes API writes it (`2026-11-20T09:28:01Z`), or None."""
    return v.isoformat().replace("+00:00", "Z") if v else None


def headline(d: Diagnosis) -> str:
    """`payments/ledger-api-x (container api): OOMKilled, exit 137 (SIGKILL), 9 restarts`."""
    f = d.facts
    c = d.container
    if c is None:
        return f"{f.namespace}/{f.name}: no containers"
    parts = []
    # A pod that is broken without crash-looping says how first: Evicted, Pending,
    # ImagePullBackOff, CreateContainerConfigError...
    if f.reason:
        parts.append(f.reason)
    elif f.phase == "Pending" and not any(x.running or x.terminated for x in f.containers):
        parts.append("Pending")
    if c.waiting_reason and c.waiting_reason not in ("CrashLoopBackOff", "ContainerCreating"):
        parts.append(c.waiting_reason)
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


def what_failed(d: Diagnosis) -> list[str]:
    """The lines of the program's output that explain the exit, when the top finding's
    title does not already quote them: `What failed: <line>`, then `at <frame>`."""
    lines = d.decisive_for(d.container.name if d.container else None)
    top = d.top
    if not lines or (top is not None and lines[0].text in top.title):
        return []
    return [f"What failed: {x.text}" if x.role == "cause" else f"at {x.text}" for x in lines]


def next_step(d: Diagnosis) -> str | None:
    """The first thing to do: the top finding's first fix."""
    return d.top.fixes[0] if d.top and d.top.fixes else None


def decisive_indexes(d: Diagnosis) -> frozenset[int]:
    """Positions in the container's log of the lines that explain the exit."""
    lines = d.decisive_for(d.container.name if d.container else None)
    return frozenset(x.index for x in lines if x.index >= 0)


def owner_line(d: Diagnosis) -> str | None:
    owner = d.facts.owner
    return f"{owner.kind}/{owner.name}" if owner else None


def log_tail(d: Diagnosis, lines: int = LOG_TAIL_LINES, *, mark: str = "") -> list[str] | None:
    """The last lines of the previous log; with `mark`, the decisive lines start with it
    (and the others with as many spaces), so the eye finds the cause in the tail."""
    c = d.container
    if c is None or c.logs is None:
        return None
    start = max(0, len(c.logs) - lines)
    if not mark:
        return list(c.logs[start:])
    marked = decisive_indexes(d)
    pad = " " * len(mark)
    return [f"{mark if i in marked else pad}{line}" for i, line in enumerate(c.logs[start:], start)]


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
