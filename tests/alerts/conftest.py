"""Fixtures of the alert receiver tests: fake Slack, fake Kubernetes, the bot.

The bot runs either in-process (an aiohttp app holding only the receiver, with knobs
for fast tests) or as the real `crashloop-bot serve` subprocess (procs.BotProcess).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from bot.alerts.receiver import AlertReceiver
from bot.config import load_settings
from bot.runtime import Runtime, build_runtime
from tests.alerts.procs import TOKEN
from tests.fakes.kubeapi import FakeKubeAPI, running_in_thread, write_kubeconfig
from tests.fakes.slackapi import FakeSlackAPI

CHANNEL = "C0ALERTS"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI().serve_in_thread() as api:
        yield api


@dataclass
class Kube:
    api: FakeKubeAPI
    kubeconfig: Path


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[Kube]:
    api = FakeKubeAPI()
    with running_in_thread(api) as url:
        yield Kube(api, write_kubeconfig(tmp_path / "kubeconfig", url))


def write_config(path: Path, kube: Kube, **extra: Any) -> Path:
    doc: dict[str, Any] = {
        "clusters": [{"name": "test", "kubeconfig": str(kube.kubeconfig)}],
        "limits": {"posts_per_second_per_channel": 10},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key] = {**doc[key], **value}
        else:
            doc[key] = value
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def bot_env(tmp_path: Path, slack: FakeSlackAPI, kube: Kube) -> dict[str, str]:
    """The environment of `crashloop-bot serve` against the fakes."""
    return {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "KUBECONFIG": str(kube.kubeconfig),
        "CRASHLOOP_STATE": str(tmp_path / "state" / "crashloop.sqlite3"),
        "CRASHLOOP_WEBHOOK_TOKEN": TOKEN,
        "CRASHLOOP_ALERT_CHANNEL": CHANNEL,
        "CRASHLOOP_CONFIG": str(write_config(tmp_path / "crashloop.yaml", kube)),
    }


@dataclass
class InProcessBot:
    url: str
    receiver: AlertReceiver
    runtime: Runtime
    state: Path

    async def states(self) -> dict[str, int]:
        return await self.receiver.inbox.counts()


BotFactory = Callable[..., Awaitable[InProcessBot]]


@pytest.fixture
async def make_bot(tmp_path: Path, slack: FakeSlackAPI, kube: Kube) -> AsyncIterator[BotFactory]:
    """Start the receiver in this event loop: make_bot(config=..., env=..., **knobs)."""
    runners: list[web.AppRunner] = []

    async def make(
        *, config: dict[str, Any] | None = None, env: dict[str, str] | None = None, **knobs: Any
    ) -> InProcessBot:
        state = tmp_path / "state" / "inproc.sqlite3"
        cfg = write_config(tmp_path / "inproc.yaml", kube, **(config or {}))
        base = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "CRASHLOOP_STATE": str(state),
            "CRASHLOOP_WEBHOOK_TOKEN": TOKEN,
            "CRASHLOOP_ALERT_CHANNEL": CHANNEL,
            "CRASHLOOP_CONFIG": str(cfg),
        }
        settings = load_settings({k: v for k, v in {**base, **(env or {})}.items() if v})
        runtime = build_runtime(settings)
        knobs = {"refresh_interval": 0.3, "backoff_base": 0.1, **knobs}
        receiver = AlertReceiver.from_runtime(runtime, **knobs)
        app = web.Application()
        receiver.add_routes(app)

        async def lifecycle(_: web.Application) -> AsyncIterator[None]:
            await receiver.start()
            yield
            await receiver.stop()
            await runtime.close()

        app.cleanup_ctx.append(lifecycle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(runner, sock)
        await site.start()
        runners.append(runner)
        port = sock.getsockname()[1]
        return InProcessBot(f"http://127.0.0.1:{port}", receiver, runtime, state)

    yield make
    for runner in runners:
        await runner.cleanup()


async def eventually(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """Poll until predicate() (sync or async) is truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {what or predicate}")
        await asyncio.sleep(0.05)
