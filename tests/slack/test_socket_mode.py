"""Socket Mode: the same handlers, over the Socket Mode envelope protocol."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

from bot.config import FileConfig, Settings
from bot.server import run_server
from tests.conftest import SCENARIOS
from tests.fakes.kubeapi import FakeKubeAPI, write_kubeconfig
from tests.fakes.slack_signing import slash_command_payload
from tests.fakes.slackapi import DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, FakeSlackAPI, wait_for
from tests.slack.conftest import OOM_POD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_slash_command_over_socket_mode_is_acked_and_answered_in_a_thread(
    tmp_path: Path,
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        slack = await stack.enter_async_context(FakeSlackAPI())
        kube = FakeKubeAPI(SCENARIOS / "oom-cgroup-java")
        write_kubeconfig(tmp_path / "kubeconfig", await kube.start())
        stack.push_async_callback(kube.stop)
        settings = Settings(
            slack_bot_token=DEFAULT_BOT_TOKEN,
            slack_app_token=DEFAULT_APP_TOKEN,
            slack_api_url=slack.api_url,
            state_path=tmp_path / "state.sqlite3",
            file=FileConfig.model_validate(
                {"clusters": [{"name": "test", "kubeconfig": str(tmp_path / "kubeconfig")}]}
            ),
        )
        stop = asyncio.Event()
        server = asyncio.create_task(
            run_server(settings, host="127.0.0.1", port=free_port(), stop=stop)
        )
        try:
            await slack.wait_for_socket(timeout=10)
            payload = slash_command_payload(
                OOM_POD, channel_id="CSOCK", response_url=slack.response_url("s1")
            )
            envelope = await slack.socket_send(
                "slash_commands", payload, accepts_response_payload=True
            )
            ack = await slack.wait_for_ack(envelope, timeout=5)
            assert "Diagnosing" in str(ack.payload)
            roots = await wait_for(lambda: slack.top_level("CSOCK"), timeout=15)
            assert "OOMKilled" in roots[0].text
            assert await wait_for(lambda: slack.thread("CSOCK", roots[0].ts), timeout=10)
        finally:
            stop.set()
            await asyncio.wait_for(server, timeout=10)
