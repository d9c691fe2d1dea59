"""The Slack fakes work with the real slack_sdk / slack_bolt clients."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.slack_signing import (
    DEFAULT_SIGNING_SECRET,
    block_actions_body,
    block_actions_payload,
    sign,
    signed_headers,
    slash_command_body,
    slash_command_payload,
)
from tests.fakes.slackapi import FakeSlackAPI, validate_blocks, wait_for

BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*ledger-api* is OOMKilled"}},
    {
        "type": "actions",
        "block_id": "diag",
        "elements": [
            {
                "type": "button",
                "action_id": "rediagnose",
                "text": {"type": "plain_text", "text": "Re-run"},
                "value": "payments/ledger-api",
            }
        ],
    },
]


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackAPI]:
    fake = FakeSlackAPI()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
def client(api: FakeSlackAPI) -> AsyncWebClient:
    return AsyncWebClient(token=api.token, base_url=api.api_url)


# --------------------------------------------------------------------------- Web API


async def test_post_update_and_thread(api: FakeSlackAPI, client: AsyncWebClient) -> None:
    assert api.url.startswith("http://127.0.0.1:")
    auth = await client.auth_test()
    assert auth["user_id"] == api.bot_user_id and auth["bot_id"] == api.bot_id

    first = await client.chat_postMessage(channel="C0123", text="pod crash", blocks=BLOCKS)
    assert first["ok"] and first["channel"] == "C0123"
    assert first["ts"] == "1764074400.000100"
    assert first["message"]["blocks"] == BLOCKS

    reply = await client.chat_postMessage(channel="C0123", text="details", thread_ts=first["ts"])
    assert float(reply["ts"]) > float(first["ts"])
    assert reply["message"]["thread_ts"] == first["ts"]

    updated = await client.chat_update(channel="C0123", ts=first["ts"], text="resolved")
    assert updated["ts"] == first["ts"] and updated["text"] == "resolved"

    msgs = api.messages("C0123")
    assert [m.text for m in msgs] == ["resolved", "details"]
    assert msgs[0].updated and msgs[0].history[0]["text"] == "pod crash"
    assert msgs[0].blocks == BLOCKS  # chat.update without blocks keeps the old ones
    assert api.thread("C0123", first["ts"]) == [msgs[1]]
    assert api.messages("C999") == []

    link = await client.chat_getPermalink(channel="C0123", message_ts=reply["ts"])
    assert link["permalink"].startswith("https://example.slack.com/archives/C0123/p1764074400")
    assert "thread_ts=" in link["permalink"]

    eph = await client.chat_postEphemeral(channel="C0123", user="U0123", text="only you")
    assert eph["message_ts"] and api.ephemerals[0].user == "U0123"

    call = api.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == BLOCKS
    assert call.headers["Authorization"] == f"Bearer {api.token}"

    with pytest.raises(SlackApiError) as err:
        await client.chat_update(channel="C0123", ts="1.000000", text="x")
    assert err.value.response["error"] == "message_not_found"


async def test_form_encoded_body_blocks_are_parsed(
    api: FakeSlackAPI, client: AsyncWebClient
) -> None:
    resp = await client.api_call(
        "chat.postMessage",
        data={"channel": "C0123", "text": "hi", "blocks": json.dumps(BLOCKS)},
    )
    assert resp["ok"]
    call = api.calls_to("chat.postMessage")[0]
    assert call.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert call.params["blocks"] == BLOCKS
    assert api.messages()[0].blocks == BLOCKS


async def test_info_methods(api: FakeSlackAPI, client: AsyncWebClient) -> None:
    api.add_channel("C0ALERTS", "alerts")
    api.add_user("U0123", "alice", tz="America/New_York")
    info = await client.conversations_info(channel="C0ALERTS")
    assert info["channel"]["name"] == "alerts" and info["channel"]["is_member"]
    user = await client.users_info(user="U0123")
    assert user["user"]["name"] == "alice" and user["user"]["tz"] == "America/New_York"
    posted = await client.chat_postMessage(channel="#alerts", text="by name")
    assert posted["channel"] == "C0ALERTS"
    assert api.calls_to("users.info")[0].http_method in ("GET", "POST")


async def test_auth_and_unknown_method(api: FakeSlackAPI) -> None:
    bad = AsyncWebClient(token="xoxb-wrong", base_url=api.api_url)
    with pytest.raises(SlackApiError) as err:
        await bad.chat_postMessage(channel="C0123", text="x")
    assert err.value.response["error"] == "invalid_auth"

    none = AsyncWebClient(base_url=api.api_url)
    with pytest.raises(SlackApiError) as err:
        await none.auth_test()
    assert err.value.response["error"] == "not_authed"

    good = AsyncWebClient(token=api.token, base_url=api.api_url)
    with pytest.raises(SlackApiError) as err:
        await good.api_call("pods.explode")
    assert err.value.response["error"] == "unknown_method"
    with pytest.raises(SlackApiError) as err:
        await good.apps_connections_open(app_token="xapp-wrong")
    assert err.value.response["error"] == "invalid_auth"
    assert api.messages() == []


async def test_not_in_channel_then_join(api: FakeSlackAPI, client: AsyncWebClient) -> None:
    api.not_in_channel.add("C0LATE")
    api.channel_not_found.add("C0GONE")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0LATE", text="x")
    assert err.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0GONE", text="x")
    assert err.value.response["error"] == "channel_not_found"

    joined = await client.conversations_join(channel="C0LATE")
    assert joined["channel"]["is_member"]
    assert (await client.chat_postMessage(channel="C0LATE", text="x"))["ok"]


async def test_invalid_blocks_rejected(api: FakeSlackAPI, client: AsyncWebClient) -> None:
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0123", text="x", blocks=too_long)
    assert err.value.response["error"] == "invalid_blocks"
    assert validate_blocks(BLOCKS) == []
    assert validate_blocks([BLOCKS[1], BLOCKS[1]])  # duplicate block_id


# --------------------------------------------------------------------------- faults


async def test_rate_limit_retry_after_is_honoured(api: FakeSlackAPI) -> None:
    client = AsyncWebClient(
        token=api.token,
        base_url=api.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    api.rate_limit("chat.postMessage", times=1, retry_after=1)
    resp = await client.chat_postMessage(channel="C0123", text="after a wait")
    assert resp["ok"]
    calls = api.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].time - calls[0].time >= 1.0
    assert len(api.messages()) == 1


async def test_rate_limit_and_failure_without_retry(
    api: FakeSlackAPI, client: AsyncWebClient
) -> None:
    api.rate_limit("chat.update", times=1, retry_after=7)
    api.fail("*", status=503, times=1)
    with pytest.raises(SlackApiError) as err:
        await client.auth_test()
    assert err.value.response.status_code == 503

    posted = await client.chat_postMessage(channel="C0123", text="x")
    with pytest.raises(SlackApiError) as err:
        await client.chat_update(channel="C0123", ts=posted["ts"], text="y")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response["error"] == "ratelimited"
    assert (await client.chat_update(channel="C0123", ts=posted["ts"], text="y"))["ok"]

    api.error("chat.postMessage", "fatal_error")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0123", text="x")
    assert err.value.response["error"] == "fatal_error"


async def test_latency_and_pacing(api: FakeSlackAPI, client: AsyncWebClient) -> None:
    api.method_latency["auth.test"] = 0.2
    start = time.monotonic()
    await client.auth_test()
    assert time.monotonic() - start >= 0.2

    for i in range(3):
        await client.chat_postMessage(channel="C0123", text=f"m{i}")
    await client.chat_postMessage(channel="C0OTHER", text="elsewhere")
    assert api.max_posts_per_window("C0123", 1.0) == 3
    assert api.max_posts_per_window("C0OTHER", 1.0) == 1
    assert api.min_post_interval("C0123") is not None

    api.channel_rate_limit = (3, 1.0)
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0123", text="one too many")
    assert err.value.response.status_code == 429


async def test_response_url(api: FakeSlackAPI) -> None:
    url = api.response_url("abc")
    assert url == f"{api.url}/response/abc"
    resp = await AsyncWebhookClient(url).send(text="working on it", response_type="ephemeral")
    assert resp.status_code == 200
    assert api.responses["abc"] == [{"text": "working on it", "response_type": "ephemeral"}]
    await wait_for(lambda: api.responses["abc"], timeout=1)


def test_serve_in_thread_with_sync_client() -> None:
    with FakeSlackAPI().serve_in_thread() as api:
        client = WebClient(token=api.token, base_url=api.api_url)
        assert client.chat_postMessage(channel="C0123", text="from sync")["ok"]
        assert api.messages()[0].text == "from sync"
    assert api._runner is None


# --------------------------------------------------------------------------- signing


def test_signed_headers_accepted_by_slack_sdk() -> None:
    body = slash_command_body("payments/ledger-api-5d8f7b9c4-x2k9q", channel_id="C0999")
    headers = signed_headers(DEFAULT_SIGNING_SECRET, body)
    verifier = SignatureVerifier(DEFAULT_SIGNING_SECRET)
    assert verifier.is_valid_request(body, headers)
    assert verifier.is_valid_request(body.encode(), headers)
    assert not verifier.is_valid_request(body + "&x=1", headers)
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)
    stale = signed_headers(DEFAULT_SIGNING_SECRET, body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)
    assert headers["X-Slack-Signature"] == sign(
        DEFAULT_SIGNING_SECRET, headers["X-Slack-Request-Timestamp"], body
    )

    fields = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
    assert list(fields) == [
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    ]
    assert fields["command"] == "/crashloop" and "command=%2Fcrashloop" in body
    assert fields["channel_id"] == "C0999"

    actions = block_actions_body("rediagnose", "payments/x", message_ts="1.000100", thread_ts="1.0")
    payload = json.loads(parse_qs(actions)["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["container"]["message_ts"] == "1.000100"
    assert payload["message"]["thread_ts"] == "1.0"
    assert payload["actions"][0]["action_id"] == "rediagnose"


async def test_bolt_accepts_signed_command_and_action(api: FakeSlackAPI) -> None:
    app = AsyncApp(
        client=AsyncWebClient(token=api.token, base_url=api.api_url),
        signing_secret=DEFAULT_SIGNING_SECRET,
    )
    seen: list[Any] = []

    @app.command("/crashloop")
    async def on_command(ack: Any, command: dict[str, Any]) -> None:
        seen.append(command)
        await ack("on it")

    @app.action("rediagnose")
    async def on_action(ack: Any, body: dict[str, Any]) -> None:
        seen.append(body)
        await ack()

    body = slash_command_body("payments/pod", response_url=api.response_url("r1"))
    resp = await app.async_dispatch(
        AsyncBoltRequest(body=body, headers=signed_headers(DEFAULT_SIGNING_SECRET, body))
    )
    assert resp.status == 200 and resp.body == "on it"
    assert seen[0]["text"] == "payments/pod"

    body = block_actions_body("rediagnose", "payments/pod", message_ts="1764074400.000100")
    resp = await app.async_dispatch(
        AsyncBoltRequest(body=body, headers=signed_headers(DEFAULT_SIGNING_SECRET, body))
    )
    assert resp.status == 200
    assert seen[1]["actions"][0]["value"] == "payments/pod"

    bad = await app.async_dispatch(
        AsyncBoltRequest(body=body, headers=signed_headers("wrong-secret", body))
    )
    assert bad.status == 401
    assert api.calls_to("auth.test")  # Bolt authorizes through the fake


# --------------------------------------------------------------------------- Socket Mode


async def test_socket_mode_client_connects_receives_and_acks(api: FakeSlackAPI) -> None:
    web = AsyncWebClient(base_url=api.api_url)
    client = SocketModeClient(app_token=api.app_token, web_client=web, ping_interval=1)
    received: list[SocketModeRequest] = []
    frames: list[dict[str, Any]] = []

    async def on_request(c: Any, req: SocketModeRequest) -> None:
        received.append(req)
        await c.send_socket_mode_response(
            SocketModeResponse(envelope_id=req.envelope_id, payload={"text": "ack!"})
        )

    async def on_message(c: Any, message: dict[str, Any], raw: str | None) -> None:
        frames.append(message)

    client.socket_mode_request_listeners.append(on_request)
    client.message_listeners.append(on_message)
    try:
        await client.connect()
        await api.wait_for_socket()
        open_call = api.calls_to("apps.connections.open")[0]
        assert open_call.token == api.app_token
        await wait_for(lambda: any(f.get("type") == "hello" for f in frames))

        payload = slash_command_payload("payments/pod")
        envelope_id = await api.socket_send(
            "slash_commands", payload, accepts_response_payload=True
        )
        ack = await api.wait_for_ack(envelope_id)
        assert ack.payload == {"text": "ack!"}
        assert received[0].type == "slash_commands"
        assert received[0].payload["command"] == "/crashloop"
        assert received[0].accepts_response_payload is True

        # Slack asks the client to reconnect: it opens a new connection.
        await api.socket_disconnect()
        await wait_for(lambda: api.socket_connect_count == 2)
        assert len(api.calls_to("apps.connections.open")) == 2
        envelope_id = await api.socket_send("events_api", {"event": {"type": "app_mention"}})
        ack = await api.wait_for_ack(envelope_id)
        assert ack.payload == {"text": "ack!"}
    finally:
        await client.close()


async def test_bolt_socket_mode_handler_end_to_end(api: FakeSlackAPI) -> None:
    app = AsyncApp(client=AsyncWebClient(token=api.token, base_url=api.api_url))
    clicked: list[str] = []

    @app.command("/crashloop")
    async def on_command(ack: Any, command: dict[str, Any]) -> None:
        await ack(f"diagnosing {command['text']}")

    @app.action("rediagnose")
    async def on_action(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        clicked.append(body["actions"][0]["value"])

    handler = AsyncSocketModeHandler(app, app_token=api.app_token)
    try:
        await handler.connect_async()
        env = await api.socket_send(
            "slash_commands", slash_command_payload("payments/pod"), accepts_response_payload=True
        )
        ack = await api.wait_for_ack(env)
        assert ack.payload == {"text": "diagnosing payments/pod"}

        env = await api.socket_send("interactive", block_actions_payload("rediagnose", "ns/p"))
        ack = await api.wait_for_ack(env)
        assert ack.payload is None
        await wait_for(lambda: clicked == ["ns/p"])
    finally:
        await handler.close_async()


async def test_socket_drop_reconnects_and_threaded_fake_from_async_code() -> None:
    with FakeSlackAPI().serve_in_thread() as api:
        # the fake runs on another loop; socket_send/socket_drop hop over to it
        client = SocketModeClient(
            app_token=api.app_token,
            web_client=AsyncWebClient(base_url=api.url + "/api"),  # slash gets appended
            ping_interval=1,
        )

        async def on_request(c: Any, req: SocketModeRequest) -> None:
            await c.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

        client.socket_mode_request_listeners.append(on_request)
        try:
            await client.connect()
            await api.socket_drop()
            await wait_for(lambda: api.socket_connect_count == 2 and api.socket_connected)
            envelope_id = await api.socket_send("interactive", block_actions_payload("a", "b"))
            ack = await api.wait_for_ack(envelope_id)
            assert ack.payload is None and ack.raw == {"envelope_id": envelope_id}
        finally:
            await client.close()


async def test_wrong_base_url_is_explained(api: FakeSlackAPI) -> None:
    client = AsyncWebClient(token=api.token, base_url=api.url)
    with pytest.raises(SlackApiError) as err:
        await client.auth_test()
    assert err.value.response["error"] == "fake_wrong_path"


async def test_wall_clock_timestamps() -> None:
    async with FakeSlackAPI(ts_base=None) as api:
        client = AsyncWebClient(token=api.token, base_url=api.api_url)
        a = await client.chat_postMessage(channel="C0123", text="a")
        b = await client.chat_postMessage(channel="C0123", text="b")
        assert abs(float(a["ts"]) - time.time()) < 60
        assert float(b["ts"]) > float(a["ts"]) and len(b["ts"].split(".")[1]) == 6
