"""Posting a diagnosis as a thread: the headline in the channel, the details beneath."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.diagnosis.engine import Diagnosis
from bot.diagnosis.workload import WorkloadDiagnosis
from bot.render import workload as workload_render
from bot.render.blocks import MAX_BLOCKS, SlackMessage, root_message, thread_messages
from bot.slack.memory_chart import post_memory_chart
from bot.slack.poster import SlackPoster

MAX_RESPONSES = 5  # what Slack accepts per response_url


@dataclass(frozen=True, slots=True)
class PostedThread:
    channel: str
    ts: str


async def publish_diagnosis(
    poster: SlackPoster,
    channel: str,
    diagnosis: Diagnosis,
    *,
    actions: list[dict[str, Any]] | None = None,
    status: str | None = None,
) -> PostedThread:
    """Post the root message, then the thread replies; returns where the thread is."""
    root = root_message(diagnosis, actions=actions, status=status)
    ts = await poster.post(channel, root)
    await poster.post_thread(channel, thread_messages(diagnosis), thread_ts=ts)
    await post_memory_chart(poster, channel, diagnosis, thread_ts=ts)
    return PostedThread(channel, ts)


async def publish_workload(
    poster: SlackPoster, channel: str, workload: WorkloadDiagnosis
) -> PostedThread:
    """One root for the workload (counts, cause groups, correlations) and one thread
    with a full diagnosis per cause group."""
    ts = await poster.post(channel, workload_render.root_message(workload))
    await poster.post_thread(channel, workload_render.thread_messages(workload), thread_ts=ts)
    return PostedThread(channel, ts)


def workload_private_replies(workload: WorkloadDiagnosis, note: str) -> list[SlackMessage]:
    """A workload's answer as response_url messages, within Slack's five responses."""
    root = workload_render.root_message(workload)
    note_block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": note}}
    first = SlackMessage(text=f"{note} {root.text}", blocks=[note_block, *root.blocks])
    pages = [first, *workload_render.thread_messages(workload)]
    return _within_limit(pages, f"{workload.namespace}/{workload.kind.lower()}/{workload.name}")


def as_private_replies(diagnosis: Diagnosis, note: str) -> list[SlackMessage]:
    """The whole diagnosis as response_url messages, for a channel closed to the bot.

    Slack accepts at most five responses per response_url. A diagnosis longer than
    that (rare: more than four pages of thread) ends its last page with a line saying
    what was left out and how to see it all, rather than dropping it silently.
    """
    root = root_message(diagnosis)
    note_block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": note}}
    first = SlackMessage(text=f"{note} {root.text}", blocks=[note_block, *root.blocks])
    pages = [first, *thread_messages(diagnosis)]
    return _within_limit(pages, f"{diagnosis.facts.namespace}/{diagnosis.facts.name}")


def _within_limit(pages: list[SlackMessage], what: str) -> list[SlackMessage]:
    if len(pages) <= MAX_RESPONSES:
        return pages
    kept, left = pages[:MAX_RESPONSES], len(pages) - MAX_RESPONSES
    more = (
        f"_{left} more page(s) of this diagnosis did not fit in a private reply: invite the bot "
        f"to the channel, or run `crashloop-bot diagnose {what}`._"
    )
    last = kept[-1]
    blocks = [
        *last.blocks[: MAX_BLOCKS - 1],
        {"type": "section", "text": {"type": "mrkdwn", "text": more}},
    ]
    return [*kept[:-1], SlackMessage(text=last.text, blocks=blocks)]
