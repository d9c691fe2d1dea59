"""A running bot (HTTP mode) wired to the local Slack and Kubernetes API servers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.config import FileConfig, Settings
from bot.runtime import Runtime, build_runtime
from bot.server import build_web_app, run_server
from bot.slack.app import build_bolt_app
from tests.conftest import SCENARIOS
from tests.fakes.kubeapi import FakeKubeAPI, write_kubeconfig
from tests.fakes.slack_signing import (
    DEFAULT_SIGNING_SECRET,
    block_actions_body,
    signed_headers,
    slash_command_body,
)
from tests.fakes.slackapi import DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, FakeSlackAPI, wait_for

CHANNEL = "C0123"
OOM_POD = "orders/order-service-2gb7cs5m5-mbbps"


@dataclass
class Bot:
    url: str
    slack: FakeSlackAPI
    kube: FakeKubeAPI
    runtime: Runtime
    http: aiohttp.ClientSession

    async def command(
        self,
        text: str,
        *,
        channel: str = CHANNEL,
        secret: str = DEFAULT_SIGNING_SECRET,
        timestamp: int | None = None,
        response_id: str = "r1",
    ) -> tuple[int, Any, float]:
        body = slash_command_body(
            text, channel_id=channel, response_url=self.slack.response_url(response_id)
        )
        return await self._post(body, secret, timestamp)

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        channel: str = CHANNEL,
        message_ts: str = "1764074400.000100",
        response_id: str = "b1",
    ) -> tuple[int, Any, float]:
        body = block_actions_body(
            action_id,
            value,
            channel_id=channel,
            message_ts=message_ts,
            response_url=self.slack.response_url(response_id),
        )
        return await self._post(body, DEFAULT_SIGNING_SECRET, None)

    async def _post(self, body: str, secret: str, timestamp: int | None) -> tuple[int, Any, float]:
        headers = signed_headers(secret, body, timestamp)
        started = time.perf_counter()
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=headers) as resp:
            elapsed = time.perf_counter() - started
            text = await resp.text()
            try:
                doc: Any = await resp.json(content_type=None)
            except ValueError:
                doc = text
            return resp.status, doc, elapsed


def make_settings(slack_url: str, kubeconfig: Path, **file: Any) -> Settings:
    cfg = FileConfig.model_validate(
        {"clusters": [{"name": "test", "kubeconfig": str(kubeconfig)}], **file}
    )
    return Settings(
        slack_bot_token=DEFAULT_BOT_TOKEN,
        slack_signing_secret=DEFAULT_SIGNING_SECRET,
        slack_api_url=slack_url,
        file=cfg,
    )


@pytest.fixture
def scenario_dirs() -> list[Path]:
    return [SCENARIOS / "oom-cgroup-java"]


@pytest.fixture
def file_config() -> dict[str, Any]:
    return {}


@pytest.fixture
async def bot(
    tmp_path: Path, scenario_dirs: list[Path], file_config: dict[str, Any]
) -> AsyncIterator[Bot]:
    async with contextlib.AsyncExitStack() as stack:
        slack = FakeSlackAPI()
        await slack.start()
        stack.push_async_callback(slack.stop)
        kube = FakeKubeAPI(*scenario_dirs)
        kube_url = await kube.start()
        stack.push_async_callback(kube.stop)
        kubeconfig = tmp_path / "kubeconfig"
        write_kubeconfig(kubeconfig, kube_url)
        runtime = build_runtime(make_settings(slack.api_url, kubeconfig, **file_config))
        app = build_web_app(runtime, build_bolt_app(runtime))
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        stack.push_async_callback(server.close)
        http = await stack.enter_async_context(aiohttp.ClientSession())
        yield Bot(str(server.make_url("")).rstrip("/"), slack, kube, runtime, http)


@dataclass
class Served:
    """`run_server` as `crashloop-bot serve` runs it, against the fakes."""

    slack: FakeSlackAPI
    kube: FakeKubeAPI
    url: str
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def shut_down(self) -> None:
        """What SIGTERM does: set the stop event and wait for the server to return."""
        self.stop.set()
        await asyncio.wait_for(self.task, timeout=30)


@contextlib.asynccontextmanager
async def served_bot(
    tmp_path: Path,
    scenario: str,
    *,
    socket_mode: bool,
    file_config: dict[str, Any] | None = None,
    **settings: Any,
) -> AsyncIterator[Served]:
    """`run_server` in HTTP or Socket Mode against the fakes, ready; stopped on exit."""
    async with contextlib.AsyncExitStack() as stack:
        slack = await stack.enter_async_context(FakeSlackAPI())
        kube = FakeKubeAPI(SCENARIOS / scenario)
        write_kubeconfig(tmp_path / "kubeconfig", await kube.start())
        stack.push_async_callback(kube.stop)
        slack_auth: dict[str, Any] = (
            {"slack_app_token": DEFAULT_APP_TOKEN}
            if socket_mode
            else {"slack_signing_secret": DEFAULT_SIGNING_SECRET}
        )
        config = Settings(
            slack_bot_token=DEFAULT_BOT_TOKEN,
            slack_api_url=slack.api_url,
            state_path=tmp_path / "state.sqlite3",
            file=FileConfig.model_validate(
                {
                    "clusters": [{"name": "test", "kubeconfig": str(tmp_path / "kubeconfig")}],
                    **(file_config or {}),
                }
            ),
            **slack_auth,
            **settings,
        )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        stop = asyncio.Event()
        task = asyncio.create_task(run_server(config, host="127.0.0.1", port=port, stop=stop))
        served = Served(slack, kube, f"http://127.0.0.1:{port}", stop, task)
        try:
            if socket_mode:
                await slack.wait_for_socket(timeout=10)
            else:
                await _wait_for_healthz(served.url)
            yield served
        finally:
            await served.shut_down()  # again if the test did: it returns, or raises its error


async def _wait_for_healthz(url: str) -> None:
    async with aiohttp.ClientSession() as http:

        async def up() -> bool:
            try:
                async with http.get(f"{url}/healthz") as resp:
                    return resp.status == 200
            except aiohttp.ClientConnectionError:
                return False

        await wait_for(up, timeout=10, interval=0.05, message=f"nothing answers {url}/healthz")


@contextlib.asynccontextmanager
async def socket_mode_bot(
    tmp_path: Path, scenario: str, **settings: Any
) -> AsyncIterator[tuple[FakeSlackAPI, FakeKubeAPI]]:
    """`run_server` in Socket Mode against the fakes, connected; stopped on exit."""
    async with served_bot(tmp_path, scenario, socket_mode=True, **settings) as served:
        yield served.slack, served.kube
