"""What alert threads say in Slack: the root's status line and the thread notes.

User-facing words only, kept apart from log text. Everything here is pure: it takes
stored state and returns text or a SlackMessage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.alerts.threads import Pod
from bot.diagnosis.engine import Diagnosis
from bot.render.blocks import SlackMessage, escape, root_message, section
from bot.render.workload import cause_words, owner_words, pods_with

LIST_PODS = 10


def cause_signature(d: Diagnosis) -> str:
    """What makes two diagnoses 'the same cause': top rule id, exit code, reason."""
    t = d.container.terminated if d.container else None
    rule = d.top.rule_id if d.top else "none"
    code = t.exit_code if t and t.exit_code is not None else ""
    reason = (t.reason if t else None) or ""
    return f"{rule}|{code}|{reason}"


def cause_summary(d: Diagnosis) -> str:
    """`Killed for exceeding its memory limit (OOMKilled) [oom-cgroup, exit 137]`: the
    words a workload's root uses for a cause group (bot.render.workload)."""
    title = d.top.title if d.top else "no rule matched"
    return cause_words(title, d.top.rule_id if d.top else None, d.exit.code if d.exit else None)


def duration(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    m = s // 60
    if m < 60:
        return f"{m}m"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h}h {m}m" if m else f"{h}h"
    d, h = divmod(h, 24)
    return f"{d}d {h}h" if h else f"{d}d"


def status_line(pods: Sequence[Pod], owner: str) -> str:
    """The line above the root's diagnosis: counts, causes, resolution ('' for one pod)."""
    names = sorted({p.pod for p in pods})
    firing = sorted({p.pod for p in pods if p.state == "firing"})
    if pods and not firing:
        start = min(p.started_at for p in pods)
        end = max(p.ended_at or p.started_at for p in pods)
        tail = f" · {len(names)} pods of {owner}" if len(names) > 1 else ""
        return f":white_check_mark: Resolved after {duration(end - start)}{tail}"
    if len(names) <= 1:
        return ""
    line = f":rotating_light: {owner_words(owner)}: {_pods(len(firing))} crash-looping"
    resolved = len(names) - len(firing)
    if resolved:
        line += f" ({resolved} resolved)"
    groups = cause_groups([p for p in pods if p.state == "firing"])
    if groups:
        line += " · " + " · ".join(pods_with(n, words) for words, n in groups)
    return line


def cause_groups(pods: Sequence[Pod]) -> list[tuple[str, int]]:
    """Firing pods counted by cause, largest first, as a workload's root counts them.
    Pods not diagnosed one by one share the cause of their workload's sample when it
    found one cause; otherwise they are counted as not diagnosed."""
    by_pod = {p.pod: p for p in pods}
    counts = Counter(p.summary for p in by_pod.values() if p.diagnosed and p.summary)
    undiagnosed = sum(1 for p in by_pod.values() if not (p.diagnosed and p.summary))
    if undiagnosed and len(counts) == 1:
        counts[next(iter(counts))] += undiagnosed
    elif undiagnosed:
        counts["not diagnosed one by one"] += undiagnosed
    return counts.most_common()


def with_status(base: SlackMessage, status: str) -> SlackMessage:
    """The stored root message with the status line above it."""
    if not status:
        return base
    return SlackMessage(text=f"{status} {base.text}", blocks=[section(status), *base.blocks])


def also_crashing(pods: Sequence[Pod], owner: str) -> SlackMessage:
    names = [p.pod for p in pods]
    shown = ", ".join(f"`{escape(n)}`" for n in names[:LIST_PODS])
    more = f" and {len(names) - LIST_PODS} more" if len(names) > LIST_PODS else ""
    text = f":heavy_plus_sign: {_pods(len(names), 'more')} of {escape(owner)} crash-looping: "
    text += shown + more + "."
    if any(not p.diagnosed for p in pods):
        text += (
            "\n_Not diagnosed one by one: the pods of this workload diagnosed so far share "
            "the cause above. Re-run the diagnosis on one to check._"
        )
    return SlackMessage(text=_plain(text), blocks=[section(text)])


def resolved(pods: Sequence[Pod]) -> SlackMessage:
    parts = [
        f"`{escape(p.pod)}` after {duration((p.ended_at or p.started_at) - p.started_at)}"
        for p in pods[:LIST_PODS]
    ]
    more = f" and {len(pods) - LIST_PODS} more" if len(pods) > LIST_PODS else ""
    text = f":white_check_mark: Resolved: {', '.join(parts)}{more}."
    return SlackMessage(text=_plain(text), blocks=[section(text)])


def different_cause(d: Diagnosis, owner: str) -> SlackMessage:
    return root_message(
        d, status=f":twisted_rightwards_arrows: Another pod of {escape(owner)}, another cause:"
    )


def changed(pod: str, before: str, after: str) -> SlackMessage:
    text = (
        f":arrows_counterclockwise: The diagnosis of `{escape(pod)}` changed.\n"
        f"*Was:* {escape(before)}\n*Now:* {escape(after)}"
    )
    return SlackMessage(text=_plain(text), blocks=[section(text)])


def still_crashing(pod: str, summary: str) -> SlackMessage:
    text = f":hourglass: `{escape(pod)}` is still crash-looping, same cause: {escape(summary)}."
    return SlackMessage(text=_plain(text), blocks=[section(text)])


def _pods(n: int, adjective: str = "") -> str:
    word = f"{adjective} " if adjective else ""
    return f"{n} {word}pod{'s' if n != 1 else ''}"


def _plain(text: str) -> str:
    return text.replace("`", "").replace("*", "")
