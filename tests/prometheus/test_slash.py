"""The issue's acceptance: with `prometheus_url` set, `/crashloop` on an OOMKilled pod posts
the verdict with its numbers in the top finding, and the chart in the thread. Through the
real `serve` application, the local Slack Web API, the fake kube-apiserver and a real
Prometheus."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.config import FileConfig, Settings
from bot.runtime import build_runtime
from bot.server import build_web_app
from bot.slack.app import build_bolt_app
from tests.fakes.slack_signing import DEFAULT_SIGNING_SECRET, signed_headers, slash_command_body
from tests.fakes.slackapi import DEFAULT_BOT_TOKEN, FakeSlackAPI, wait_for

CHANNEL = "C0MEMORY01"


@pytest.fixture
async def serving(
    fakes: tuple[FakeSlackAPI, dict[str, str]],
) -> AsyncIterator[tuple[str, FakeSlackAPI]]:
    slack, cluster = fakes
    async with contextlib.AsyncExitStack() as stack:
        settings = Settings(
            slack_bot_token=DEFAULT_BOT_TOKEN,
            slack_signing_secret=DEFAULT_SIGNING_SECRET,
            slack_api_url=slack.api_url,
            file=FileConfig.model_validate({"clusters": [cluster]}),
        )
        runtime = build_runtime(settings)
        stack.push_async_callback(runtime.close)
        server = TestServer(build_web_app(runtime, build_bolt_app(runtime)), host="127.0.0.1")
        await server.start_server()
        stack.push_async_callback(server.close)
        yield str(server.make_url("")).rstrip("/"), slack


async def test_crashloop_posts_the_verdict_in_the_top_finding_and_the_chart_in_the_thread(
    serving: tuple[str, FakeSlackAPI],
) -> None:
    url, slack = serving
    body = slash_command_body(
        "shop/api-leak", channel_id=CHANNEL, response_url=slack.response_url("r1")
    )
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{url}/slack/events", data=body, headers=signed_headers(DEFAULT_SIGNING_SECRET, body)
        ) as resp,
    ):
        assert resp.status == 200
    (root,) = await wait_for(lambda: slack.top_level(CHANNEL), timeout=15)
    files = await wait_for(lambda: [f for f in slack.files.values() if f.completed], timeout=15)
    replies = slack.thread(CHANNEL, root.ts)
    first_finding = str(replies[0].blocks)
    assert "oom-cgroup" in first_finding
    assert "Memory before the kill (Prometheus): grew 29" in first_finding
    assert "over 6 restarts and reaches the 512Mi limit about 1.0 h after start: a leak" in (
        first_finding
    )
    (chart,) = files
    assert chart.channel == CHANNEL and chart.thread_ts == root.ts
    assert chart.content is not None and chart.content.startswith(b"\x89PNG")
    assert chart.alt_txt is not None and "leak" in chart.alt_txt
    # the chart comes after the thread's messages
    uploads = slack.calls_to("files.getUploadURLExternal")
    posts = slack.calls_to("chat.postMessage")
    assert uploads[0].time >= posts[-1].time
