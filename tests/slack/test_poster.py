"""The poster: one message per second per channel, new diagnoses before updates."""

from __future__ import annotations

import asyncio

from bot.render.blocks import SlackMessage
from bot.slack.poster import BACKGROUND, SlackPoster, make_client
from tests.fakes.slackapi import DEFAULT_BOT_TOKEN, FakeSlackAPI


def msg(text: str) -> SlackMessage:
    return SlackMessage(
        text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    )


async def test_posts_to_one_channel_are_a_second_apart_and_channels_do_not_wait() -> None:
    async with FakeSlackAPI() as slack:
        poster = SlackPoster(make_client(DEFAULT_BOT_TOKEN, base_url=slack.api_url), per_second=4)
        await asyncio.gather(
            *(poster.post(c, msg(f"{c}{i}")) for i in range(3) for c in ("CA", "CB"))
        )
        for channel in ("CA", "CB"):
            interval = slack.min_post_interval(channel)
            assert interval is not None and interval >= 0.24
        first = min(slack.post_times("CA") + slack.post_times("CB"))
        assert abs(slack.post_times("CB")[0] - first) < 0.2  # CB did not queue behind CA


async def test_a_new_diagnosis_goes_before_queued_background_updates() -> None:
    async with FakeSlackAPI() as slack:
        poster = SlackPoster(make_client(DEFAULT_BOT_TOKEN, base_url=slack.api_url), per_second=5)
        first = asyncio.create_task(poster.post("C1", msg("first")))
        await asyncio.sleep(0.05)
        notes = [
            asyncio.create_task(poster.post("C1", msg(f"note {i}"), priority=BACKGROUND))
            for i in range(3)
        ]
        await asyncio.sleep(0.05)
        root = asyncio.create_task(poster.post("C1", msg("new root")))
        await asyncio.gather(first, root, *notes)
        order = [m.text for m in slack.messages("C1")]
        assert order == ["first", "new root", "note 0", "note 1", "note 2"]


async def test_a_cancelled_waiter_does_not_block_the_channel() -> None:
    async with FakeSlackAPI() as slack:
        poster = SlackPoster(make_client(DEFAULT_BOT_TOKEN, base_url=slack.api_url), per_second=5)
        first = asyncio.create_task(poster.post("C1", msg("first")))
        await asyncio.sleep(0.05)
        doomed = asyncio.create_task(poster.post("C1", msg("never")))
        await asyncio.sleep(0.01)
        doomed.cancel()
        await first
        await asyncio.wait_for(poster.post("C1", msg("after")), timeout=2)
        assert [m.text for m in slack.messages("C1")] == ["first", "after"]
