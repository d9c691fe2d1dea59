"""Namespace access per channel, for slash commands and buttons alike."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack import actions
from bot.target import Target
from tests.fakes.slackapi import wait_for
from tests.slack.conftest import OOM_POD, Bot


@pytest.fixture
def file_config() -> dict[str, Any]:
    return {
        "access": {
            "default": {"namespaces": ["orders"]},
            "channels": {"CTEAM": {"namespaces": ["payments-*"]}},
        }
    }


async def test_namespace_not_allowed_in_this_channel_is_refused_before_any_read(bot: Bot) -> None:
    status, body, _ = await bot.command(OOM_POD, channel="CTEAM")
    assert status == 200
    assert "Namespace `orders` is not allowed in this channel" in body["text"]
    assert bot.kube.requests == []


async def test_allowed_namespace_is_diagnosed(bot: Bot) -> None:
    _, body, _ = await bot.command(OOM_POD, channel="COTHER")
    assert "Diagnosing" in body["text"]


async def test_a_forged_button_for_a_denied_namespace_reads_nothing(bot: Bot) -> None:
    value = actions.encode_target(Target("orders", "order-service-2gb7cs5m5-mbbps"))
    status, _, _ = await bot.click(actions.RERUN, value, channel="CTEAM", response_id="deny")
    assert status == 200
    # The refusal is posted to response_url after the acknowledgement, not within it.
    replies = await wait_for(lambda: bot.slack.responses.get("deny"), timeout=10)
    assert "not allowed in this channel" in replies[-1]["text"]
    assert bot.kube.requests == []
