"""Fixtures of the security tests: the in-process bot of tests/slack, and leak checks."""

from __future__ import annotations

import asyncio
import builtins
import hmac
import io
import json
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import bot as bot_package
import bot.errors as bot_errors
from tests.fakes.kubeapi import FakeKubeAPI
from tests.fakes.slack_signing import DEFAULT_SIGNING_SECRET
from tests.slack.conftest import Bot, bot, file_config, scenario_dirs

__all__ = ["bot", "file_config", "scenario_dirs"]

BOT_SOURCE = str(Path(bot_package.__file__).resolve().parent)

# Python exception class names: in a message, a sign that an exception leaked as text.
EXCEPTION_NAMES = sorted(
    {
        name
        for name, obj in vars(builtins).items()
        if isinstance(obj, type) and issubclass(obj, BaseException)
    }
    | {
        name
        for name, obj in vars(bot_errors).items()
        if isinstance(obj, type) and issubclass(obj, BaseException)
    }
    | {
        "ApiException",
        "ApiFailure",
        "ClientError",
        "ClientConnectorError",
        "ClientResponseError",
        "ValidationError",
        "SlackApiError",
        "BoltError",
        "JSONDecodeError",
        "PayloadError",
    }
)
_EXC_RX = re.compile(r"\b(" + "|".join(map(re.escape, EXCEPTION_NAMES)) + r")\b")


def internals_in(obj: Any, *, allowed: str = "") -> list[str]:
    """What in `obj` (anything JSON-able) looks like a stack trace or a leaked exception.

    `allowed` is text the user sent: echoing it back is not a leak.
    """
    text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False, default=str)
    found = []
    for needle in ("Traceback", 'File "', BOT_SOURCE, "site-packages"):
        if needle in text and needle not in allowed:
            found.append(needle)
    found += [m for m in _EXC_RX.findall(text) if m not in allowed]
    return found


def slack_outputs(b: Bot) -> list[Any]:
    """Everything the bot sent to Slack: Web API calls and response_url posts."""
    return [c.params for c in b.slack.calls] + [body for _, body, _ in b.slack.response_calls]


def secrets_in(outputs: Iterable[Any], secrets: Iterable[str]) -> list[str]:
    text = "\n".join(json.dumps(o, ensure_ascii=False, default=str) for o in outputs)
    # JSON escapes "/" never, but may escape quotes; compare on the raw and escaped forms.
    return [s for s in secrets if s in text or json.dumps(s)[1:-1] in text]


_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")


def invalid_kube_paths(kube: FakeKubeAPI) -> list[str]:
    """Request paths to the Kubernetes API with a segment that is not a Kubernetes name."""
    return [
        r.path
        for r in kube.requests
        if not all(_NAME.fullmatch(seg) for seg in r.path.strip("/").split("/"))
    ]


async def settle(probe: Callable[[], Any], *, quiet: float = 0.15, timeout: float = 10.0) -> None:
    """Wait until `probe()` has not changed for `quiet` seconds (the bot's background work)."""
    deadline = time.monotonic() + timeout
    last, since = probe(), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.03)
        now = probe()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


def activity(b: Bot) -> tuple[int, int, int]:
    return (len(b.slack.calls), len(b.slack.response_calls), len(b.kube.requests))


async def post_signed(b: Bot, body: str | bytes | io.BytesIO, **headers: str) -> tuple[int, str]:
    """POST a raw body to /slack/events with a valid Slack signature."""
    raw = body.getvalue() if isinstance(body, io.BytesIO) else body
    data = raw.encode() if isinstance(raw, str) else raw
    ts = str(int(time.time()))
    digest = hmac.new(DEFAULT_SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + data, "sha256")
    payload: bytes | io.BytesIO = io.BytesIO(data) if isinstance(body, io.BytesIO) else data
    h = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
        **headers,
    }
    async with b.http.post(f"{b.url}/slack/events", data=payload, headers=h) as resp:
        return resp.status, await resp.text()
