"""End to end: the real Alertmanager notifies the real `crashloop-bot serve`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.alerts.cluster import add_deployment
from tests.alerts.conftest import CHANNEL, Kube
from tests.alerts.procs import (
    ALERTMANAGER,
    Alertmanager,
    BotProcess,
    am_alert,
    inbox_states,
    notification,
    post_webhook,
    wait_until,
)
from tests.fakes.slackapi import FakeSlackAPI

pytestmark = pytest.mark.skipif(
    not Path(ALERTMANAGER).exists(), reason="prometheus-alertmanager is not installed"
)


@pytest.fixture
def bot(bot_env: dict[str, str], tmp_path: Path) -> Iterator[BotProcess]:
    proc = BotProcess(bot_env, tmp_path / "bot.log")
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def alertmanager(bot: BotProcess, tmp_path: Path) -> Iterator[Alertmanager]:
    am = Alertmanager(tmp_path, f"{bot.url}/alertmanager")
    try:
        yield am
    finally:
        am.stop()


def api_alert(namespace: str, pod: str, *, ends: datetime | None = None) -> dict[str, object]:
    """An alert as Prometheus posts it to Alertmanager's /api/v2/alerts."""
    alert: dict[str, object] = {
        "labels": {
            "alertname": "KubePodCrashLooping",
            "namespace": namespace,
            "pod": pod,
            "container": "api",
            "severity": "warning",
        },
        "annotations": {"summary": "Pod is crash looping."},
        "startsAt": (datetime.now(UTC) - timedelta(minutes=42)).isoformat(),
        "generatorURL": "http://prometheus.example/graph",
    }
    if ends is not None:
        alert["endsAt"] = ends.isoformat()
    return alert


def test_alertmanager_alert_becomes_one_thread_then_resolves(
    alertmanager: Alertmanager, bot: BotProcess, slack: FakeSlackAPI, kube: Kube, tmp_path: Path
) -> None:
    a, b = add_deployment(kube.api, "payments", "ledger-api", pods=2)
    firing = api_alert("payments", a)
    alertmanager.post_alerts([firing])

    def root() -> object:
        roots = slack.top_level(CHANNEL)
        return roots[0] if roots and slack.thread(CHANNEL, roots[0].ts) else None

    wait_until(root, 20, f"a thread in Slack; bot log: {bot.output()}")
    [first] = slack.top_level(CHANNEL)
    assert a in (first.text or "") and "oom-cgroup" in str(first.blocks)
    replies = len(slack.thread(CHANNEL, first.ts))

    # a second pod of the same Deployment: a note in the same thread, no new root
    alertmanager.post_alerts([api_alert("payments", b)])
    wait_until(
        lambda: any(b in (m.text or "") for m in slack.thread(CHANNEL, first.ts)),
        20,
        "a note about the second pod",
    )
    assert len(slack.top_level(CHANNEL)) == 1
    wait_until(
        lambda: (
            "Deployment `ledger-api`: 2 pods crash-looping"
            in (slack.message(CHANNEL, first.ts).text or "")
        ),  # type: ignore[union-attr]
        10,
        "the root counts two pods",
    )

    # both resolve: the root says so, the thread says so
    now = datetime.now(UTC)
    alertmanager.post_alerts([{**firing, "endsAt": now.isoformat()}])
    alertmanager.post_alerts([{**api_alert("payments", b), "endsAt": now.isoformat()}])
    wait_until(
        lambda: (slack.message(CHANNEL, first.ts).text or "").startswith(  # type: ignore[union-attr]
            ":white_check_mark: Resolved after"
        ),
        20,
        "the root to say resolved",
    )
    assert slack.calls_to("chat.update")
    wait_until(
        lambda: any("Resolved:" in (m.text or "") for m in slack.thread(CHANNEL, first.ts)),
        10,
        "a resolved note",
    )
    assert len(slack.top_level(CHANNEL)) == 1
    assert len(slack.thread(CHANNEL, first.ts)) > replies
    states = inbox_states(Path(bot.env["CRASHLOOP_STATE"]))
    assert states.get("failed", 0) == 0 and states.get("pending", 0) == 0


def test_repeated_notification_does_not_duplicate(
    bot: BotProcess, slack: FakeSlackAPI, kube: Kube
) -> None:
    [pod] = add_deployment(kube.api, "payments", "ledger-api")
    payload = notification([am_alert("payments", pod)])
    status, doc = post_webhook(bot.url, payload)
    assert status == 200, doc
    wait_until(lambda: slack.top_level(CHANNEL), 20, "a root message")
    wait_until(
        lambda: inbox_states(Path(bot.env["CRASHLOOP_STATE"])) == {"done": 1}, 10, "item done"
    )
    posted = len(slack.messages())
    for _ in range(3):
        status, doc = post_webhook(bot.url, payload)
        assert (status, doc["duplicates"]) == (200, 1)
    assert inbox_states(Path(bot.env["CRASHLOOP_STATE"])) == {"done": 1}
    assert len(slack.messages()) == posted
