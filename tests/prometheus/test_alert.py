"""An alert-driven thread gets the memory chart too: the Alertmanager webhook, the
worker, the local Slack Web API, the fake kube-apiserver and a real Prometheus."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from aiohttp import web

from bot.alerts.receiver import AlertReceiver
from bot.config import load_settings
from bot.runtime import build_runtime
from tests.alerts.client import post
from tests.alerts.procs import TOKEN, am_alert, notification
from tests.fakes.slackapi import FakeSlackAPI, wait_for

CHANNEL = "C0ALERTMEM"


@pytest.fixture
async def receiver(
    fakes: tuple[FakeSlackAPI, dict[str, str]], tmp_path: Path
) -> AsyncIterator[tuple[str, FakeSlackAPI]]:
    slack, cluster = fakes
    async with contextlib.AsyncExitStack() as stack:
        config = tmp_path / "crashloop.yaml"
        config.write_text(yaml.safe_dump({"clusters": [cluster]}))
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_SIGNING_SECRET": "dummy-signing-secret",
                "SLACK_API_URL": slack.api_url,
                "CRASHLOOP_STATE": str(tmp_path / "state.sqlite3"),
                "CRASHLOOP_WEBHOOK_TOKEN": TOKEN,
                "CRASHLOOP_ALERT_CHANNEL": CHANNEL,
                "CRASHLOOP_CONFIG": str(config),
            }
        )
        runtime = build_runtime(settings)
        alerts = AlertReceiver.from_runtime(runtime, refresh_interval=0.3, backoff_base=0.1)
        app = web.Application()
        alerts.add_routes(app)
        await alerts.start()
        stack.push_async_callback(runtime.close)
        stack.push_async_callback(alerts.stop)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", slack


async def test_an_alert_thread_gets_the_verdict_and_the_chart(
    receiver: tuple[str, FakeSlackAPI],
) -> None:
    url, slack = receiver
    status, _, _ = await post(url, notification([am_alert("shop", "api-spike")]))
    assert status == 200
    files = await wait_for(lambda: [f for f in slack.files.values() if f.completed], timeout=20)
    (root,) = slack.top_level(CHANNEL)
    (chart,) = files
    assert chart.channel == CHANNEL and chart.thread_ts == root.ts
    assert chart.alt_txt is not None and chart.alt_txt.startswith(
        "Memory of container api before the kill: spike."
    )
    replies = str([m.blocks for m in slack.thread(CHANNEL, root.ts)])
    assert "Memory before the kill (Prometheus): held near" in replies
