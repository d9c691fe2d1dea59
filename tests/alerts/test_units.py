"""The pure parts: payload keys, alert selection, routing, auth, status lines."""

from __future__ import annotations

import base64
import json

import pytest

from bot.alerts.auth import WebhookAuth
from bot.alerts.messages import duration, status_line
from bot.alerts.payload import PayloadError, parse_notification
from bot.alerts.routing import Routed, Unrouted, route
from bot.alerts.selection import Ignored, PodAlert, guess_workload, select
from bot.alerts.threads import Pod
from bot.config import AlertsConfig, FileConfig
from tests.alerts.procs import am_alert, notification

CFG = AlertsConfig()


def parse(payload: object) -> object:
    return parse_notification(json.dumps(payload).encode())


def test_redelivery_has_the_same_key_and_resolution_another() -> None:
    alert = am_alert("payments", "ledger-api-5d8f7b9c4-x2k9q")
    first = parse_notification(json.dumps(notification([alert])).encode()).alerts[0]
    again = parse_notification(json.dumps(notification([alert])).encode()).alerts[0]
    resolved = {**alert, "status": "resolved", "endsAt": "2025-11-25T10:42:00Z"}
    done = parse_notification(json.dumps(notification([resolved])).encode()).alerts[0]
    assert first.idempotency_key() == again.idempotency_key()
    assert done.idempotency_key() != first.idempotency_key()
    assert done.resolved_at is not None and first.resolved_at is None


def test_payload_error_names_the_field() -> None:
    payload = notification([am_alert("payments", "p")])
    payload["alerts"][0]["status"] = "maybe"
    with pytest.raises(PayloadError) as e:
        parse(payload)
    assert e.value.field == "alerts.0.status"


def test_non_object_body_is_refused() -> None:
    with pytest.raises(PayloadError, match="JSON object"):
        parse([1, 2])


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        pytest.param(
            {"alertname": "KubePodCrashLooping", "namespace": "pay", "pod": "api-1"},
            PodAlert("pay", "api-1", None, None),
            id="mixin-alert",
        ),
        pytest.param(
            {
                "alertname": "Custom",
                "reason": "CrashLoopBackOff",
                "exported_namespace": "pay",
                "exported_pod": "api-1",
                "container": "c",
                "cluster": "prod",
            },
            PodAlert("pay", "api-1", "c", "prod"),
            id="matcher-and-exported-labels",
        ),
        pytest.param(
            {"alertname": "HighLatency", "namespace": "pay", "pod": "p"},
            "not_crashloop",
            id="other-alert",
        ),
        pytest.param(
            {"alertname": "KubePodCrashLooping", "namespace": "pay"}, "no_pod", id="no-pod"
        ),
        pytest.param(
            {"alertname": "KubePodCrashLooping", "namespace": "pay", "pod": "../etc"},
            "invalid_name",
            id="path-in-pod",
        ),
        pytest.param(
            {"alertname": "KubePodCrashLooping", "namespace": "Pay", "pod": "p"},
            "invalid_name",
            id="bad-namespace",
        ),
    ],
)
def test_select(labels: dict[str, str], expected: object) -> None:
    got = select(labels, CFG)
    if isinstance(expected, str):
        assert isinstance(got, Ignored) and got.reason == expected
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("pod", "workload"),
    [
        ("ledger-api-5d8f7b9c4-x2k9q", "ledger-api"),
        ("node-exporter-x2k9q", "node-exporter"),
        ("kafka-2", "kafka"),
        ("standalone", "standalone"),
    ],
)
def test_guess_workload(pod: str, workload: str) -> None:
    assert guess_workload(pod) == workload


def test_first_matching_route_wins_within_access() -> None:
    cfg = FileConfig.model_validate(
        {
            "alert_channel": "C0DEFAULT",
            "routing": [
                {"channel": "C0PROD", "clusters": ["prod-*"], "labels": {"severity": "critical"}},
                {"channel": "C0PAY", "namespaces": ["pay*"]},
            ],
            "access": {"channels": {"C0PAY": {"namespaces": ["payments"]}}},
        }
    )
    crit = {"severity": "critical"}
    assert route(cfg, namespace="pay", cluster="prod-eu", labels=crit) == Routed("C0PROD")
    assert route(cfg, namespace="payments", cluster=None, labels={}) == Routed("C0PAY")
    denied = route(cfg, namespace="payroll", cluster=None, labels={})
    assert isinstance(denied, Unrouted) and denied.reason == "not_allowed"
    assert route(cfg, namespace="shop", cluster=None, labels={}) == Routed("C0DEFAULT")
    none = route(FileConfig(), namespace="shop", cluster=None, labels={})
    assert isinstance(none, Unrouted) and none.reason == "no_channel"


def test_auth() -> None:
    open_ = WebhookAuth()
    assert open_.allows(None)
    both = WebhookAuth(token="t0k", basic_user="am", basic_password="pw")
    basic = "Basic " + base64.b64encode(b"am:pw").decode()
    assert both.allows("Bearer t0k") and both.allows(basic)
    assert not both.allows("Bearer t0") and not both.allows(None)
    assert not both.allows("Basic !!!") and not both.allows(
        "Basic " + base64.b64encode(b"am").decode()
    )
    assert both.challenge().startswith('Bearer realm="crashloop-bot", Basic')


def pod(
    name: str,
    state: str = "firing",
    *,
    start: float = 0,
    end: float | None = None,
    summary: str = "OOM [oom-cgroup, exit 137]",
) -> Pod:
    return Pod(name, "k", "h", name, state, True, "c", summary, start, end, False, False)


def test_status_line() -> None:
    owner = "Deployment/ledger-api"
    assert status_line([pod("a")], owner) == ""
    assert status_line([pod("a"), pod("b"), pod("c", "resolved", end=5)], owner) == (
        ":rotating_light: Deployment `ledger-api`: 2 pods crash-looping (1 resolved)"
        " · 2 pods: OOM [oom-cgroup, exit 137]"
    )
    assert status_line([pod("a", "resolved", end=42 * 60)], owner) == (
        ":white_check_mark: Resolved after 42m"
    )


@pytest.mark.parametrize(("s", "text"), [(5, "5s"), (2520, "42m"), (3900, "1h 5m"), (90000, "25h")])
def test_duration(s: float, text: str) -> None:
    assert duration(s) == text
