"""Slack Block Kit rendering: a headline message and the thread that explains it.

`render_messages` returns the root message first, then the thread replies. Block Kit
limits are respected by splitting, never by silent truncation: at most 50 blocks per
message, 3,000 characters per section text, and about 12,000 characters of text per
message; every message carries a plain-text fallback for notifications.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.diagnosis.engine import Diagnosis, Finding
from bot.facts import Change
from bot.render import changes, common, memory

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_MESSAGE_TEXT = 12000
SEVERITY_ICON = {
    "critical": ":red_circle:",
    "high": ":large_orange_circle:",
    "medium": ":large_yellow_circle:",
    "low": ":white_circle:",
    "info": ":information_source:",
}

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    text: str  # the plain-text fallback
    blocks: list[Block] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def render_messages(d: Diagnosis, *, actions: list[Block] | None = None) -> list[SlackMessage]:
    """The root message, then the thread replies."""
    return [root_message(d, actions=actions), *thread_messages(d)]


def root_message(
    d: Diagnosis, *, actions: list[Block] | None = None, status: str | None = None
) -> SlackMessage:
    head = common.headline(d)
    lines = [f"*{escape(head)}*"]
    if d.exit is not None:
        lines.append(f"Exit code {escape(d.exit.line())}")
    top = d.top
    cause = (
        f"{SEVERITY_ICON.get(top.severity, '')} *{escape(top.title)}* (`{top.rule_id}`)"
        if top
        else ("No rule matched: see the logs in the thread.")
    )
    lines.append(cause)
    clause = changes.root_clause(d.facts.change)
    if clause:
        lines.append(f":rewind: Crashing {escape(clause)}")
    lines.extend(f"> `{_code(x)}`" for x in common.what_failed(d))
    step = common.next_step(d)
    if step:
        lines.append(f"*Next:* {escape(step)}")
    if status:
        lines.insert(0, status)
    blocks: list[Block] = [section("\n".join(lines))]
    context = [
        x
        for x in (
            common.owner_line(d),
            d.facts.node_name and f"node {d.facts.node_name}",
            d.facts.cluster and f"cluster {d.facts.cluster}",
        )
        if x
    ]
    if context:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": escape(" · ".join(context))}],
            }
        )
    if actions:
        blocks.append({"type": "actions", "elements": actions})
    text = f"{head}. {common.cause_line(d)}"
    return SlackMessage(text=f"{status} {text}" if status else text, blocks=blocks)


def thread_messages(d: Diagnosis) -> list[SlackMessage]:
    blocks: list[Block] = []
    for i, f in enumerate(d.findings, 1):
        blocks.extend(finding_blocks(i, f))
    if d.memory is not None:
        blocks.append(section(memory.slack_text(d.memory)))
    if d.facts.change is not None:
        blocks.extend(change_blocks(d.facts.change))
    tail = common.log_tail(d, mark="▶ ")
    if tail is not None:
        blocks.append(section(f"*Last {len(tail)} log lines of the previous container*"))
        blocks.extend(code_sections(tail))
    elif d.container is not None:
        blocks.append(section("_No previous log was available._"))
    events = common.recent_events(d)
    if events:
        blocks.append(section("*Recent events*"))
        blocks.extend(code_sections(events))
    if d.warnings:
        blocks.append(
            section(
                "*Partial information*\n" + "\n".join(f":warning: {escape(w)}" for w in d.warnings)
            )
        )
    blocks.append(section("*Look further*"))
    blocks.extend(code_sections(common.kubectl_commands(d)))
    return paginate(blocks, fallback=f"Diagnosis of {d.facts.namespace}/{d.facts.name}")


def finding_blocks(i: int, f: Finding) -> list[Block]:
    icon = SEVERITY_ICON.get(f.severity, "")
    body = [
        f"{icon} *{i}. {escape(f.title)}*  `{f.rule_id}` · {f.severity}"
        f" · container `{f.container}`",
        escape(f.explanation),
    ]
    out = [section("\n".join(body))]
    if f.evidence:
        out.append(section("*Evidence*\n" + "\n".join(f"• `{_code(e)}`" for e in f.evidence)))
    fixes = "*What to do*\n" + "\n".join(f"• {escape(x)}" for x in f.fixes)
    if f.docs:
        fixes += "\nDocs: " + " · ".join(f"<{u}|{_doc_label(u)}>" for u in f.docs)
    out.append(section(fixes))
    out.append({"type": "divider"})
    return out


def change_blocks(change: Change) -> list[Block]:
    """The thread's "What changed": the verdict, the diff, the rollback as text."""
    summary, *rest = changes.lines(change)
    notes = [x for x in rest if not x.startswith("  ")]
    diff = [x.strip() for x in rest if x.startswith("  ")]
    out = [section(f"*{changes.TITLE}*\n" + "\n".join(escape(x) for x in [summary, *notes]))]
    out.extend(code_sections(diff) if diff else [])
    if change.rollback:
        out.append(section(f"{changes.ROLLBACK_INTRO}\n```{_code(change.rollback)}```"))
    return out


def section(text: str) -> Block:
    """A section; callers keep text under MAX_SECTION, code_sections splits long text."""
    if len(text) > MAX_SECTION:
        text = text[: MAX_SECTION - 20] + "\n… (cut, see below)"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def code_sections(lines: list[str]) -> list[Block]:
    """Lines in code blocks, as many sections as needed to stay under the section limit."""
    out: list[Block] = []
    chunk: list[str] = []
    size = 0
    budget = MAX_SECTION - 10
    for raw in lines:
        line = _code(raw)[: budget - 1]
        if chunk and size + len(line) + 1 > budget:
            out.append(section("```" + "\n".join(chunk) + "```"))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        out.append(section("```" + "\n".join(chunk) + "```"))
    return out


def paginate(blocks: list[Block], *, fallback: str) -> list[SlackMessage]:
    """Split blocks into messages within the block count and text size limits."""
    messages: list[SlackMessage] = []
    current: list[Block] = []
    size = 0
    for b in blocks:
        n = len(b.get("text", {}).get("text", ""))
        if current and (len(current) >= MAX_BLOCKS or size + n > MAX_MESSAGE_TEXT):
            messages.append(SlackMessage(text=fallback, blocks=current))
            current, size = [], 0
        current.append(b)
        size += n
    if current:
        messages.append(SlackMessage(text=fallback, blocks=current))
    if len(messages) > 1:
        total = len(messages)
        messages = [
            SlackMessage(text=f"{m.text} ({i}/{total})", blocks=m.blocks)
            for i, m in enumerate(messages, 1)
        ]
    return messages


def _doc_label(url: str) -> str:
    """`kubernetes.io` for a kubernetes.io page: where a link leads, in a word."""
    host = urlsplit(url).hostname or "docs"
    return host.removeprefix("www.")


def escape(text: str) -> str:
    """Slack mrkdwn escaping: &, < and > are control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    # A backtick inside a code span would end it; Slack has no escape for it.
    return escape(text).replace("`", "'")
