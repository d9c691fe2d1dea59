"""Hostile input over HTTP to the running bot: signed slash commands and button payloads.

Anyone in the workspace can type anything after `/crashloop`, and a button's payload
is only as trustworthy as the signing secret. Every request gets a 200 (or a 4xx), an
answer a person can read, no stack trace or exception name in Slack, and no request to
the Kubernetes API whose path holds something that is not a Kubernetes name.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import TargetError
from bot.slack import actions
from tests.fakes.slack_signing import block_actions_payload, slash_command_body
from tests.security.conftest import (
    activity,
    internals_in,
    invalid_kube_paths,
    post_signed,
    settle,
    slack_outputs,
)
from tests.security.strategies import commandish, json_trees, slack_text
from tests.slack.conftest import Bot

SHARED_BOT = settings(
    max_examples=int(os.environ.get("SECURITY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check_answers(bot: Bot, sent: str, status: int, doc: Any) -> None:
    assert status == 200, (status, doc)
    assert not internals_in(doc, allowed=sent), doc
    for out in slack_outputs(bot):
        assert not internals_in(out, allowed=sent), out
    assert not invalid_kube_paths(bot.kube), invalid_kube_paths(bot.kube)


@SHARED_BOT
@given(text=st.one_of(commandish, slack_text))
async def test_any_slash_command_text_gets_a_clear_answer(bot: Bot, text: str) -> None:
    bot.slack.reset()
    status, doc, _ = await bot.command(text)
    await settle(lambda: activity(bot))
    _check_answers(bot, text, status, doc)
    # An immediate answer to the user: help, a refusal or "diagnosing ...".
    assert isinstance(doc, dict) and doc.get("text"), doc


async def test_slash_command_with_control_characters_in_names_reaches_no_api(bot: Bot) -> None:
    for text in ("'orders\n'/x", "orders/'order-service-2gb7cs5m5-mbbps\n'", "orders\x00"):
        status, doc, _ = await bot.command(text)
        assert status == 200 and ("not a valid" in doc["text"] or "cannot read" in doc["text"])
    await settle(lambda: activity(bot))
    assert bot.kube.requests == []


# -- buttons -------------------------------------------------------------------------

ACTION_IDS = [actions.RERUN, actions.MORE_LOGS, actions.DIAGNOSE, actions.SILENCE]


def _decodes(action_id: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        if action_id == actions.SILENCE:
            actions.decode_silence(value)
        else:
            actions.decode_target(value)
    except TargetError:
        return False
    return True


def _payload_body(action_id: str, value: Any, *, select: bool = False, **changes: Any) -> str:
    payload = block_actions_payload(action_id, "placeholder", response_url=changes.pop("url"))
    act = payload["actions"][0]
    if select:
        act["type"] = "static_select"
        act["selected_option"] = {"text": {"type": "plain_text", "text": "x"}, "value": value}
        act.pop("value")
    else:
        act["value"] = value
    for key, v in changes.items():
        if v is _DROP:
            payload.pop(key, None)
        else:
            payload[key] = v
    return urlencode({"payload": json.dumps(payload)})


_DROP = object()


@SHARED_BOT
@given(
    action_id=st.sampled_from(ACTION_IDS),
    value=st.one_of(commandish, st.text(max_size=200), json_trees(max_leaves=5)),
)
async def test_any_button_value_gets_a_clear_answer_and_no_api_call_when_invalid(
    bot: Bot, action_id: str, value: Any
) -> None:
    bot.slack.reset()
    bot.kube.reset_stats()
    body = _payload_body(
        action_id, value, select=action_id == actions.SILENCE, url=bot.slack.response_url("b")
    )
    status, text = await post_signed(bot, body)
    await settle(lambda: activity(bot))
    _check_answers(bot, str(value), status, text)
    if not _decodes(action_id, value):
        assert bot.kube.requests == [], bot.kube.requests
        answers = [b.get("text", "") for _, b, _ in bot.slack.response_calls]
        assert any("not valid" in a for a in answers), answers


MALFORMED: dict[str, Any] = {
    "payload-not-json": "payload=%7Bnot-json",
    "payload-json-array": urlencode({"payload": "[1, 2]"}),
    "payload-json-string": urlencode({"payload": '"block_actions"'}),
    "payload-missing": urlencode({"nothing": "here"}),
    "empty-body": "",
    "binary-body": b"\xff\xfe\x00payload=\x80",
    "no-type": urlencode({"payload": json.dumps({"actions": [{"action_id": "crashloop_rerun"}]})}),
}


def _variants(url: str) -> dict[str, str]:
    rerun = actions.RERUN
    more = actions.MORE_LOGS
    return {
        "actions-missing": _payload_body(rerun, "x", url=url, actions=_DROP),
        "actions-empty": _payload_body(rerun, "x", url=url, actions=[]),
        "actions-string": _payload_body(rerun, "x", url=url, actions="crashloop_rerun"),
        "actions-of-none": _payload_body(rerun, "x", url=url, actions=[None]),
        "action-without-value": _payload_body(
            rerun, "x", url=url, actions=[{"action_id": rerun, "type": "button"}]
        ),
        "value-int": _payload_body(rerun, 12, url=url),
        "value-null": _payload_body(rerun, None, url=url),
        "value-dict": _payload_body(rerun, {"a": 1}, url=url),
        "value-huge": _payload_body(rerun, "|orders|" + "a" * 200_000 + "|", url=url),
        "channel-string": _payload_body(rerun, "|orders|x|", url=url, channel="C0123"),
        "channel-list": _payload_body(rerun, "|orders|x|", url=url, channel=["C0123"]),
        "container-string": _payload_body(more, "|orders|x|", url=url, container="oops"),
        "message-list": _payload_body(more, "|orders|x|", url=url, message=[1]),
        "user-string": _payload_body(
            actions.SILENCE, "4#|orders|x|", select=True, url=url, user="U1"
        ),
        "selected-option-missing": _payload_body(actions.SILENCE, "4#|orders|x|", url=url),
        "response-url-missing": _payload_body(rerun, "nope", url=url, response_url=_DROP),
        "response-url-elsewhere": _payload_body(
            rerun, "nope", url=url, response_url="http://127.0.0.1:9/x"
        ),
    }


@pytest.mark.parametrize("case", [*MALFORMED, *_variants("http://x")])
async def test_malformed_interactivity_payloads_are_answered_without_a_500(
    bot: Bot, case: str
) -> None:
    body = MALFORMED[case] if case in MALFORMED else _variants(bot.slack.response_url("m"))[case]
    status, text = await post_signed(bot, body)
    await settle(lambda: activity(bot))
    assert status < 500, (status, text)
    assert not internals_in(text), text
    for out in slack_outputs(bot):
        assert not internals_in(out), out
    assert not invalid_kube_paths(bot.kube)
    if case != "channel-string":  # a valid button value with a channel given as a bare id
        assert bot.kube.requests == [], bot.kube.requests


PAYLOAD_KEYS = [
    "type", "actions", "action_id", "value", "selected_option", "channel", "user", "team",
    "enterprise", "container", "message", "view", "event", "authorizations", "response_url",
    "id", "thread_ts", "message_ts", "block_id", "is_enterprise_install", "api_app_id",
]  # fmt: skip


@st.composite
def interactivity_payloads(draw: st.DrawFn) -> dict[str, Any]:
    keys = st.one_of(st.sampled_from(PAYLOAD_KEYS), st.text(max_size=5))
    tree = st.recursive(
        st.one_of(
            json_trees(max_leaves=3), st.sampled_from([*ACTION_IDS, "block_actions", "|orders|x|"])
        ),
        lambda children: st.one_of(
            st.lists(children, max_size=3), st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=12,
    )
    payload = draw(st.dictionaries(keys, tree, max_size=8))
    if draw(st.booleans()):
        payload["type"] = "block_actions"
    return payload


@SHARED_BOT
@given(payload=interactivity_payloads())
async def test_any_interactivity_payload_shape_is_answered_without_a_500(
    bot: Bot, payload: dict[str, Any]
) -> None:
    bot.slack.reset()
    bot.kube.reset_stats()
    status, text = await post_signed(bot, urlencode({"payload": json.dumps(payload)}))
    await settle(lambda: activity(bot))
    assert status < 500, (status, text, payload)
    assert not internals_in(text)
    for out in slack_outputs(bot):
        assert not internals_in(out), out
    assert not invalid_kube_paths(bot.kube)


async def test_unsigned_or_stale_requests_are_refused(bot: Bot) -> None:
    body = slash_command_body("orders/order-service-2gb7cs5m5-mbbps")
    status, _, _ = await bot.command("orders/x", secret="wrong-secret")
    assert status == 401
    status, _, _ = await bot.command("orders/x", timestamp=1)  # far outside 5 minutes
    assert status == 401
    async with bot.http.post(
        f"{bot.url}/slack/events",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as resp:
        assert resp.status == 401
    await settle(lambda: activity(bot))
    assert bot.kube.requests == [] and bot.slack.response_calls == []


async def test_oversized_slack_body_is_refused_with_413(bot: Bot) -> None:
    status, _ = await post_signed(bot, io.BytesIO(b"text=" + b"a" * (2 * 1024 * 1024)))
    assert status == 413
