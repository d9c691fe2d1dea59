"""Hostile bodies to POST /alertmanager: 200/400/401/413/415, never a 500 or a 503.

The webhook is reachable by anything that can reach the Service. Whatever arrives is
refused with a 4xx naming the problem, or stored and acknowledged; names in labels that
are not Kubernetes names are ignored and never reach an API path.
"""

from __future__ import annotations

import copy
import io
import json
import os
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.alerts.conftest import BotFactory, InProcessBot, Kube, kube, make_bot, slack
from tests.alerts.procs import TOKEN
from tests.fakes.slackapi import FakeSlackAPI
from tests.security.conftest import internals_in, invalid_kube_paths, settle
from tests.security.strategies import json_trees, slack_text

__all__ = ["kube", "make_bot", "slack"]

OK_STATUSES = {200, 400, 401, 413, 415}
SHARED_BOT = settings(
    max_examples=int(os.environ.get("SECURITY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _alert(**labels: Any) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {
            "alertname": "KubePodCrashLooping",
            "namespace": "payments",
            "pod": "ledger-api-5d8f7b9c4-x2k9q",
            "container": "api",
            **labels,
        },
        "annotations": {"summary": "crash looping"},
        "startsAt": datetime.now(UTC).isoformat(),
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": "",
    }


def _notification(alerts: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "version": "4",
        "receiver": "crashloop",
        "status": "firing",
        "alerts": alerts,
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        **extra,
    }


async def _post(
    url: str, body: bytes, *, token: str | None = TOKEN, content_type: str = "application/json"
) -> tuple[int, str]:
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as s,
        s.post(f"{url}/alertmanager", data=io.BytesIO(body), headers=headers) as resp,
    ):
        return resp.status, await resp.text()


async def _check(b: InProcessBot, kube: Kube, slack: FakeSlackAPI, body: bytes) -> None:
    status, text = await _post(b.url, body)
    assert status in OK_STATUSES, (status, text)
    assert not internals_in(text, allowed=body.decode("utf-8", "replace")), text


async def _settled(b: InProcessBot, kube: Kube, slack: FakeSlackAPI) -> None:
    async def busy() -> Any:
        return (len(kube.api.requests), len(slack.calls), await b.states())

    snapshot: list[Any] = [await busy()]

    def probe() -> Any:
        return snapshot[-1]

    # settle() polls a sync probe; refresh the async state between polls.
    for _ in range(40):
        snapshot.append(await busy())
        if len(snapshot) > 4 and snapshot[-1] == snapshot[-4]:
            break
        await settle(probe, quiet=0.05, timeout=0.1)
    assert not invalid_kube_paths(kube.api), invalid_kube_paths(kube.api)
    for call in slack.calls:
        assert not internals_in(call.params), call.params


@SHARED_BOT
@given(doc=json_trees(max_leaves=40, surrogates=True))
async def test_arbitrary_json_bodies_are_refused_or_stored(
    make_bot: BotFactory, kube: Kube, slack: FakeSlackAPI, doc: Any
) -> None:
    b = await _bot_once(make_bot)
    await _check(b, kube, slack, json.dumps(doc).encode())


NAMES = st.one_of(
    slack_text,
    st.sampled_from(
        [
            "payments\n",
            "../kube-system",
            "Payments",
            "a" * 300,
            "x/y",
            "ns%2Fpod",
            "pod name",
            "",
            "-pod",
            "pod.",
            "\u202epod",
        ]
    ),
)
LABEL_VALUES = st.one_of(NAMES, json_trees(max_leaves=3, surrogates=True))


@st.composite
def near_valid(draw: st.DrawFn) -> dict[str, Any]:
    """A real notification with some fields of the wrong type, missing or hostile."""
    alerts = [
        _alert(
            **draw(
                st.dictionaries(
                    st.sampled_from(["namespace", "pod", "container", "cluster", "alertname"]),
                    LABEL_VALUES,
                    max_size=4,
                )
            )
        )
        for _ in range(draw(st.integers(1, 3)))
    ]
    doc = _notification(alerts)
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(["top", "alert", "labels"]))
        where: Any = doc
        if target != "top":
            where = alerts[0]
        if target == "labels" and isinstance(where, dict):
            where = where.get("labels")
        if not isinstance(where, dict) or not where:
            continue
        key = draw(st.sampled_from(sorted(where)))
        if draw(st.booleans()):
            where.pop(key, None)
        else:
            where[key] = draw(json_trees(max_leaves=4, surrogates=True))
    return doc


async def _bot_once(make_bot: BotFactory) -> InProcessBot:
    """One receiver per test: hypothesis runs every example with the same factory."""
    b: InProcessBot | None = getattr(make_bot, "security_bot", None)
    if b is None:
        b = await make_bot()
        make_bot.security_bot = b  # type: ignore[attr-defined]
    return b


@SHARED_BOT
@given(doc=near_valid())
async def test_near_valid_notifications_never_fail_and_bad_names_never_reach_the_api(
    make_bot: BotFactory, kube: Kube, slack: FakeSlackAPI, doc: dict[str, Any]
) -> None:
    b = await _bot_once(make_bot)
    await _check(b, kube, slack, json.dumps(doc).encode())
    await _settled(b, kube, slack)


async def test_hostile_bodies_get_4xx(
    make_bot: BotFactory, kube: Kube, slack: FakeSlackAPI
) -> None:
    b = await make_bot()
    valid = json.dumps(_notification([_alert()])).encode()
    cases: list[tuple[bytes, dict[str, Any], set[int]]] = [
        (b"\xff\xfe\x00\x00", {}, {400}),
        (b"", {}, {400}),
        (b"null", {}, {400}),
        (valid, {"token": None}, {401}),
        (valid, {"token": "wrong"}, {401}),
        (valid, {"token": TOKEN + "x"}, {401}),
        (valid, {"content_type": "text/plain"}, {415}),
        (valid, {"content_type": "application/x-www-form-urlencoded"}, {415}),
        (b" " * (1024 * 1024 + 1), {}, {413}),
    ]
    for body, kw, expected in cases:
        status, text = await _post(b.url, body, **kw)
        assert status in expected, (body[:40], kw, status, text)
        assert not internals_in(text), text
    await _settled(b, kube, slack)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            b"[" * 100_000 + b"]" * 100_000,
            id="deep-array",
        ),
        pytest.param(
            b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
            id="deep-object",
        ),
        pytest.param(
            json.dumps(_notification([_alert(pod="\ud800")])).encode(),
            id="lone-surrogate-in-label",
        ),
    ],
)
async def test_unparsable_or_unstorable_json_is_a_400(
    make_bot: BotFactory, kube: Kube, slack: FakeSlackAPI, body: bytes
) -> None:
    b = await make_bot()
    status, text = await _post(b.url, body)
    assert status == 400, (status, text)


async def test_invalid_names_in_labels_are_ignored_without_a_kubernetes_request(
    make_bot: BotFactory, kube: Kube, slack: FakeSlackAPI
) -> None:
    b = await make_bot()
    bad = [
        _alert(namespace="payments\n"),
        _alert(pod="../../api/v1/secrets"),
        _alert(pod="ledger-api/log"),
        _alert(container="api\n"),
        _alert(cluster="prod/../x"),
        _alert(namespace="Payments"),
        _alert(pod="x" * 300),
    ]
    for i, a in enumerate(bad):
        a["fingerprint"] = f"bad{i}"
    status, text = await _post(b.url, json.dumps(_notification(bad)).encode())
    assert status == 200, text
    assert json.loads(text)["ignored"] == len(bad)
    await _settled(b, kube, slack)
    assert kube.api.requests == []


def test_copy_of_helpers_is_not_shared() -> None:
    a = _alert()
    b = copy.deepcopy(a)
    b["labels"]["pod"] = "x"
    assert a["labels"]["pod"] != "x"
