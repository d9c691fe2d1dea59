"""POST /alertmanager: what is refused, and how, before anything is stored."""

from __future__ import annotations

import base64

import pytest

from tests.alerts.client import post
from tests.alerts.conftest import BotFactory
from tests.alerts.procs import am_alert, notification
from tests.fakes.slackapi import FakeSlackAPI


async def test_malformed_json_is_400(make_bot: BotFactory) -> None:
    bot = await make_bot()
    status, doc, _ = await post(bot.url, b'{"receiver": "x", "alerts": [')
    assert status == 400
    assert "malformed JSON" in doc["error"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        pytest.param(lambda n: n.pop("alerts"), "alerts", id="missing-alerts"),
        pytest.param(lambda n: n.update(status="burning"), "status", id="bad-status"),
        pytest.param(
            lambda n: n["alerts"][0].pop("startsAt"), "alerts.0.startsAt", id="missing-startsAt"
        ),
        pytest.param(
            lambda n: n["alerts"][0].update(labels=["pod"]), "alerts.0.labels", id="labels-list"
        ),
    ],
)
async def test_wrong_schema_is_400_naming_the_field(
    make_bot: BotFactory, mutate: object, field: str
) -> None:
    bot = await make_bot()
    payload = notification([am_alert("payments", "ledger-api-5d8f7b9c4-x2k9q")])
    mutate(payload)  # type: ignore[operator]
    status, doc, _ = await post(bot.url, payload)
    assert status == 400
    assert doc["field"] == field
    assert field in doc["error"]


async def test_unknown_extra_fields_are_accepted(make_bot: BotFactory) -> None:
    bot = await make_bot()
    alert = am_alert("payments", "ledger-api-5d8f7b9c4-x2k9q", extra={"cluster": "test"})
    alert["silencedBy"] = []
    payload = notification([alert], futureField={"x": 1})
    status, doc, _ = await post(bot.url, payload)
    assert status == 200, doc
    assert doc["alerts"] == 1


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_oversize_body_is_413(make_bot: BotFactory, chunked: bool) -> None:
    bot = await make_bot(config={"limits": {"max_body_bytes": 4096}})
    alerts = [am_alert("payments", f"ledger-api-5d8f7b9c4-p{i:04d}") for i in range(40)]
    status, doc, _ = await post(bot.url, notification(alerts), chunked=chunked)
    assert status == 413
    assert "max_body_bytes" in doc["error"]
    assert await bot.states() == {}


async def test_non_json_content_type_is_415(make_bot: BotFactory) -> None:
    bot = await make_bot()
    status, _, _ = await post(bot.url, b"receiver=x", headers={"Content-Type": "text/plain"})
    assert status == 415


@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["missing", "wrong"])
async def test_missing_or_wrong_token_is_401(make_bot: BotFactory, token: str | None) -> None:
    bot = await make_bot()
    payload = notification([am_alert("payments", "ledger-api-5d8f7b9c4-x2k9q")])
    status, _, headers = await post(bot.url, payload, token=token)
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert await bot.states() == {}


async def test_basic_auth_is_accepted_when_configured(make_bot: BotFactory) -> None:
    bot = await make_bot(
        env={
            "CRASHLOOP_WEBHOOK_TOKEN": "",
            "CRASHLOOP_WEBHOOK_USER": "am",
            "CRASHLOOP_WEBHOOK_PASSWORD": "s3cret",
        }
    )
    payload = notification([am_alert("payments", "ledger-api-5d8f7b9c4-x2k9q")])
    good = base64.b64encode(b"am:s3cret").decode()
    bad = base64.b64encode(b"am:nope").decode()
    status, _, headers = await post(
        bot.url, payload, token=None, headers={"Authorization": f"Basic {bad}"}
    )
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Basic")
    status, _, _ = await post(
        bot.url, payload, token=None, headers={"Authorization": f"Basic {good}"}
    )
    assert status == 200


async def test_alert_without_pod_labels_is_acknowledged_and_ignored(
    make_bot: BotFactory, slack: FakeSlackAPI
) -> None:
    bot = await make_bot()
    alert = am_alert("payments", "x")
    del alert["labels"]["pod"]
    other = am_alert("payments", "ledger-api-5d8f7b9c4-x2k9q", alertname="HighLatency")
    status, doc, _ = await post(bot.url, notification([alert, other]))
    assert status == 200
    assert doc["ignored"] == 2
    assert await bot.states() == {"ignored": 2}
    assert slack.messages() == []
    ignored = bot.runtime.metrics.alerts.labels("ignored")._value.get()
    assert ignored == 2
