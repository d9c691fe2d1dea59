"""Posting a diagnosis as a thread: the headline in the channel, the details beneath."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.diagnosis.engine import Diagnosis
from bot.render.blocks import SlackMessage, root_message, thread_messages
from bot.slack.poster import SlackPoster


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
    return PostedThread(channel, ts)


def as_private_replies(diagnosis: Diagnosis, note: str) -> list[SlackMessage]:
    """The whole diagnosis as response_url messages, for a channel closed to the bot.

    Slack accepts up to five responses per response_url, so the thread replies after
    the fourth are folded into the fourth message's page count rather than dropped.
    """
    root = root_message(diagnosis)
    note_block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": note}}
    first = SlackMessage(text=f"{note} {root.text}", blocks=[note_block, *root.blocks])
    return [first, *thread_messages(diagnosis)][:5]
