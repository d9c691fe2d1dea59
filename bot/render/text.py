"""The terminal rendering of a diagnosis (`--output text`, the demo)."""

from __future__ import annotations

from bot.diagnosis.engine import Diagnosis
from bot.render import changes, common, memory


def render_text(d: Diagnosis, *, color: bool = False) -> str:
    bold = (lambda s: f"\033[1m{s}\033[0m") if color else (lambda s: s)
    out: list[str] = [bold(common.headline(d))]
    owner = common.owner_line(d)
    facts = d.facts
    where = [
        f"owner {owner}" if owner else None,
        f"node {facts.node_name}" if facts.node_name else None,
        f"cluster {facts.cluster}" if facts.cluster else None,
    ]
    if any(where):
        out.append("  " + ", ".join(w for w in where if w))
    if d.exit is not None:
        out.append(f"  exit code {d.exit.line()}")
    out.extend(f"  {line}" for line in memory.text_lines(d.memory))
    out.extend(f"  {line}" for line in common.what_failed(d))
    out.append("")
    out.append(bold(common.cause_line(d)))
    step = common.next_step(d)
    if step:
        out.append(f"Next: {step}")
    for i, f in enumerate(d.findings, 1):
        out.append("")
        out.append(
            bold(f"{i}. {f.title}") + f"  [{f.rule_id}, {f.severity}, container {f.container}]"
        )
        out.extend(_indent(f.explanation, 3))
        out.append("   Evidence:")
        out.extend(f"     - {e}" for e in f.evidence)
        out.append("   What to do:")
        out.extend(f"     - {x}" for x in f.fixes)
        if f.docs:
            out.append("   Docs: " + " ".join(f.docs))
    change = d.facts.change
    if change is not None:
        out += ["", bold(f"{changes.TITLE}:")]
        out.extend(f"  {line}" for line in changes.lines(change))
        if change.rollback:
            out += [f"  {changes.ROLLBACK_INTRO}", f"  $ {change.rollback}"]
    tail = common.log_tail(d, mark="> ")
    if tail is not None:
        out += ["", bold(f"Last {len(tail)} log lines of the previous container:")]
        out.extend(f"  | {line}" for line in tail)
    events = common.recent_events(d)
    if events:
        out += ["", bold("Recent events:")]
        out.extend(f"  {e}" for e in events)
    if d.warnings:
        out += ["", bold("Warnings (the diagnosis is based on partial information):")]
        out.extend(f"  ! {w}" for w in d.warnings)
    out += ["", bold("Look further:")]
    out.extend(f"  $ {c}" for c in common.kubectl_commands(d))
    return "\n".join(out) + "\n"


def _indent(text: str, n: int) -> list[str]:
    return [" " * n + line for line in text.splitlines()]
