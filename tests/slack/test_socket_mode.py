"""Socket Mode: the same handlers, over the Socket Mode envelope protocol."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.slack_signing import slash_command_payload
from tests.fakes.slackapi import wait_for
from tests.slack.conftest import OOM_POD, socket_mode_bot


async def test_slash_command_over_socket_mode_is_acked_and_answered_in_a_thread(
    tmp_path: Path,
) -> None:
    async with socket_mode_bot(tmp_path, "oom-cgroup-java") as (slack, _):
        payload = slash_command_payload(
            OOM_POD, channel_id="CSOCK", response_url=slack.response_url("s1")
        )
        envelope = await slack.socket_send("slash_commands", payload, accepts_response_payload=True)
        ack = await slack.wait_for_ack(envelope, timeout=5)
        assert "Diagnosing" in str(ack.payload)
        roots = await wait_for(lambda: slack.top_level("CSOCK"), timeout=15)
        assert "OOMKilled" in roots[0].text
        assert await wait_for(lambda: slack.thread("CSOCK", roots[0].ts), timeout=10)
