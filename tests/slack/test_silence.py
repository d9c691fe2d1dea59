"""The Silence control creates a real silence in the real Alertmanager."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack import actions
from bot.target import Target
from tests.alerts.procs import Alertmanager
from tests.fakes.slack_signing import DEFAULT_SIGNING_SECRET, signed_headers
from tests.fakes.slackapi import wait_for
from tests.slack.conftest import CHANNEL, Bot

POD = Target("orders", "order-service-2gb7cs5m5-mbbps")


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Alertmanager]:
    am = Alertmanager(tmp_path, "http://127.0.0.1:9/unused")
    yield am
    am.stop()


@pytest.fixture
def file_config(alertmanager: Alertmanager) -> dict[str, Any]:
    return {"alertmanager_url": alertmanager.url}


def select_body(value: str) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0123", "username": "oncall"},
        "api_app_id": "A0123",
        "token": "x",
        "team": {"id": "T0123"},
        "channel": {"id": CHANNEL, "name": "oncall"},
        "container": {"type": "message", "message_ts": "1764074400.000100", "channel_id": CHANNEL},
        "message": {"ts": "1764074400.000100", "text": "x"},
        "actions": [
            {
                "type": "static_select",
                "action_id": actions.SILENCE,
                "block_id": "a",
                "selected_option": {"value": value, "text": {"type": "plain_text", "text": "4h"}},
                "action_ts": "1764074500.0",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


async def test_silence_for_four_hours_reaches_alertmanager(
    bot: Bot, alertmanager: Alertmanager
) -> None:
    body = select_body(f"4#{actions.encode_target(POD)}")
    headers = signed_headers(DEFAULT_SIGNING_SECRET, body)
    async with bot.http.post(f"{bot.url}/slack/events", data=body, headers=headers) as resp:
        assert resp.status == 200
    notes = await wait_for(lambda: bot.slack.messages(CHANNEL), timeout=10)
    assert "silenced this alert for 4h" in notes[0].text
    assert notes[0].thread_ts == "1764074400.000100"
    with urllib.request.urlopen(f"{alertmanager.url}/api/v2/silences", timeout=5) as r:
        silences = json.load(r)
    [silence] = silences
    matchers = {m["name"]: m["value"] for m in silence["matchers"]}
    assert matchers == {
        "alertname": "KubePodCrashLooping",
        "namespace": "orders",
        "pod": "order-service-2gb7cs5m5-mbbps",
    }
    assert silence["status"]["state"] == "active"


async def test_an_alert_root_offers_the_silence_control(bot: Bot) -> None:
    elements = actions.diagnosis_actions(POD, silence=True)
    select = elements[-1]
    assert select["action_id"] == actions.SILENCE
    assert [o["value"].split("#")[0] for o in select["options"]] == ["1", "4", "24"]
