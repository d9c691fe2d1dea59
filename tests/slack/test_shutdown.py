"""Stopping the bot (SIGTERM in a rollout) finishes the answers it has promised."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.slack_signing import DEFAULT_SIGNING_SECRET, signed_headers, slash_command_body
from tests.slack.conftest import OOM_POD, Served, served_bot

CHANNEL = "CROLL"


async def _command(served: Served, response_id: str) -> str:
    body = slash_command_body(
        OOM_POD, channel_id=CHANNEL, response_url=served.slack.response_url(response_id)
    )
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{served.url}/slack/events",
            data=body,
            headers=signed_headers(DEFAULT_SIGNING_SECRET, body),
        ) as resp,
    ):
        assert resp.status == 200
        return str((await resp.json())["text"])


async def test_a_diagnosis_in_flight_at_sigterm_is_posted_before_the_bot_exits(
    tmp_path: Path,
) -> None:
    async with served_bot(tmp_path, "oom-cgroup-java", socket_mode=False) as served:
        served.kube.latency = 0.4  # every read of the diagnosis is still to come
        assert "Diagnosing" in await _command(served, "r1")
        await served.shut_down()

        roots = served.slack.top_level(CHANNEL)
        assert len(roots) == 1 and "OOMKilled" in roots[0].text
        assert served.slack.thread(CHANNEL, roots[0].ts)


async def test_a_diagnosis_slower_than_the_grace_is_cancelled_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.inflight")
    grace = {"limits": {"shutdown_grace_seconds": 0.2}}
    async with served_bot(
        tmp_path, "oom-cgroup-java", socket_mode=False, file_config=grace
    ) as served:
        served.kube.latency = 5.0
        await _command(served, "r1")
        await served.shut_down()

        assert served.slack.top_level(CHANNEL) == []
    stopped = [r for r in caplog.records if "in flight were answered" in r.getMessage()]
    assert len(stopped) == 1
    assert stopped[0].cancelled == 1
    assert "limits.shutdown_grace_seconds" in stopped[0].getMessage()
