"""Several replicas, one state: two `crashloop-bot serve` on one PostgreSQL.

Real parts only: Debian's PostgreSQL (the session's `postgres` fixture), two real
Alertmanagers clustered with each other and each pointed at a different replica, the
real bot processes, and the local Slack and Kubernetes fakes. The drills: a storm over
the replicas, a replica SIGKILLed mid-storm, PostgreSQL restarted mid-storm, and Slack
requests to either replica. Claims and thread locks last 2 s here (`lease_seconds`),
so what a killed replica held is taken over within seconds.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.slack import actions
from tests.alerts.cluster import add_deployment
from tests.alerts.conftest import CHANNEL, SIGNING_SECRET, Kube, write_config
from tests.alerts.procs import (
    Alertmanager,
    BotProcess,
    am_alert,
    free_port,
    http,
    notification,
    pg_states,
    post_webhook,
    wait_until,
)
from tests.fakes.slack_signing import block_actions_body, signed_headers, slash_command_body
from tests.fakes.slackapi import FakeSlackAPI, Message
from tests.state.pgserver import PgServer

START = datetime(2025, 11, 25, 10, 0, tzinfo=UTC)
PACE = 10  # posts per second per channel in these tests' config


@pytest.fixture
def dsn(postgres: PgServer) -> str:
    return postgres.fresh_dsn()


@pytest.fixture
def replicas(
    bot_env: dict[str, str], dsn: str, kube: Kube, tmp_path: Path
) -> Iterator[list[BotProcess]]:
    cfg = write_config(tmp_path / "ha.yaml", kube, alerts={"lease_seconds": 2})
    env = {**bot_env, "CRASHLOOP_STATE": dsn, "CRASHLOOP_CONFIG": str(cfg)}
    bots = [BotProcess(env, tmp_path / f"replica-{i}.log") for i in range(2)]
    try:
        for b in bots:  # started together: their migrations meet at the advisory lock
            b.start(wait=False)
        for b in bots:
            b.wait_healthy()
        yield bots
    finally:
        for b in bots:
            b.stop()


def storm(kube: Kube, workloads: int, pods: int) -> tuple[list[str], list[dict[str, Any]]]:
    names = [f"svc-{i}" for i in range(workloads)]
    alerts = [
        am_alert("shop", p, starts=START)
        for n in names
        for p in add_deployment(kube.api, "shop", n, pods=pods)
    ]
    return names, alerts


def deliver(bot: BotProcess, payload: dict[str, Any]) -> bool:
    """One delivery attempt as an Alertmanager makes it: True when acknowledged."""
    try:
        status, _ = post_webhook(bot.url, payload, timeout=5)
    except OSError:
        return False
    return status == 200


def deliver_to_any(bots: list[BotProcess], payload: dict[str, Any]) -> None:
    """As a Service would: the first replica that acknowledges."""

    def once() -> bool:
        return any(deliver(b, payload) for b in bots if b.proc is not None)

    wait_until(once, 30, "a replica to acknowledge")


def roots_per_workload(slack: FakeSlackAPI, names: list[str]) -> dict[str, int]:
    roots = slack.top_level(CHANNEL)
    return {n: sum(f"Deployment/{n}" in str(r.blocks) for r in roots) for n in names}


def settled(dsn: str, total: int) -> bool:
    try:
        return pg_states(dsn) == {"done": total}
    except OSError:
        return False


def assert_complete_threads(slack: FakeSlackAPI, names: list[str], pods: int) -> None:
    assert roots_per_workload(slack, names) == dict.fromkeys(names, 1)
    for root in slack.top_level(CHANNEL):
        assert slack.thread(CHANNEL, root.ts), "the diagnosis is in the thread"
        wait_until(
            lambda r=root: f": {pods} pods crash-looping" in (_text(slack, r)),
            15,
            f"the root to count its {pods} pods",
        )


def _text(slack: FakeSlackAPI, root: Message) -> str:
    m = slack.message(CHANNEL, root.ts)
    return (m.text or "") if m else ""


def readyz(bot: BotProcess) -> tuple[int, dict[str, Any]]:
    try:
        status, raw = http(f"{bot.url}/readyz", timeout=10)
    except OSError:
        return 0, {}
    return status, json.loads(raw)


def test_clustered_alertmanagers_over_two_replicas_post_one_root_per_workload(
    replicas: list[BotProcess], slack: FakeSlackAPI, kube: Kube, dsn: str, tmp_path: Path
) -> None:
    names, alerts = storm(kube, workloads=4, pods=5)
    ports = [free_port(), free_port()]
    ams = [
        Alertmanager(
            tmp_path,
            f"{replicas[i].url}/alertmanager",
            name=f"am-{i}",
            cluster_port=ports[i],
            peers=(ports[1 - i],),
        )
        for i in range(2)
    ]
    try:
        # Prometheus sends every alert to every Alertmanager of the cluster.
        body = [
            {
                "labels": a["labels"],
                "annotations": a["annotations"],
                "startsAt": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
            }
            for a in alerts
        ]
        for am in ams:
            am.wait_settled()
        for am in ams:
            am.post_alerts(body)
        wait_until(
            lambda: settled(dsn, len(alerts)),
            40,
            f"all {len(alerts)} items done; {replicas[0].output()} {replicas[1].output()}",
        )
        assert_complete_threads(slack, names, pods=5)
        for r in replicas:  # each Alertmanager delivered to its own replica
            _, raw = http(f"{r.url}/metrics")
            assert 'crashloop_webhooks_total{status="200"}' in raw.decode(), r.url
        # One pace per channel for both replicas together, not one each.
        assert slack.max_posts_per_window(CHANNEL, 1.0) <= PACE + 1
    finally:
        for am in ams:
            am.stop()


def test_a_replica_sigkilled_mid_storm_loses_nothing_and_doubles_nothing(
    replicas: list[BotProcess], slack: FakeSlackAPI, kube: Kube, dsn: str
) -> None:
    names, alerts = storm(kube, workloads=6, pods=10)
    groups = [notification(alerts[i : i + 5]) for i in range(0, len(alerts), 5)]
    a, b = replicas
    for g in groups[:6]:  # two Alertmanager peers: the same notification to both
        assert deliver(a, g) and deliver(b, g)
    wait_until(lambda: slack.top_level(CHANNEL), 20, "the first root")
    b.kill(signal.SIGKILL)
    for g in groups:
        deliver_to_any(replicas, g)
    wait_until(lambda: settled(dsn, len(alerts)), 40, f"all items done; {a.output()}")
    assert_complete_threads(slack, names, pods=10)


def test_postgresql_restarted_mid_storm_readiness_drops_and_nothing_is_lost(
    replicas: list[BotProcess], slack: FakeSlackAPI, kube: Kube, dsn: str, postgres: PgServer
) -> None:
    names, alerts = storm(kube, workloads=4, pods=8)
    groups = [notification(alerts[i : i + 4]) for i in range(0, len(alerts), 4)]
    for i, g in enumerate(groups[:4]):
        assert deliver(replicas[i % 2], g)
    postgres.stop()
    try:
        for r in replicas:
            status, doc = readyz(r)
            assert status == 503 and any(p.startswith("state:") for p in doc["problems"]), doc
        assert not deliver(replicas[0], groups[4]), "not acknowledged: Alertmanager retries"
    finally:
        postgres.start()
    wait_until(lambda: all(readyz(r)[0] == 200 for r in replicas), 30, "ready again")
    for i, g in enumerate(groups):  # Alertmanager's retries, and its repeats
        deliver_to_any([replicas[i % 2], replicas[1 - i % 2]], g)
    wait_until(
        lambda: settled(dsn, len(alerts)),
        40,
        f"all items done; {replicas[0].output()} {replicas[1].output()}",
    )
    assert_complete_threads(slack, names, pods=8)


def test_slash_commands_and_buttons_work_on_either_replica(
    replicas: list[BotProcess], slack: FakeSlackAPI, kube: Kube, dsn: str
) -> None:
    [pod] = add_deployment(kube.api, "shop", "cart")
    a, b = replicas
    assert deliver(a, notification([am_alert("shop", pod, starts=START)]))
    wait_until(lambda: settled(dsn, 1) and slack.top_level(CHANNEL), 20, "the alert's root")
    [root] = slack.top_level(CHANNEL)
    for i, r in enumerate(replicas):
        body = slash_command_body(
            f"shop/{pod}", channel_id=CHANNEL, response_url=slack.response_url(f"cmd-{i}")
        )
        status, _ = http(
            f"{r.url}/slack/events",
            body.encode(),
            headers=signed_headers(SIGNING_SECRET, body),
        )
        assert status == 200
    wait_until(lambda: len(slack.top_level(CHANNEL)) == 3, 20, "a diagnosis from each")
    # The root was posted by one replica; its button is clicked on the other.
    value = actions.encode_target(actions.decode_target(f"|shop|{pod}|api"))
    assert value in json.dumps(root.blocks)
    body = block_actions_body(
        actions.MORE_LOGS,
        value,
        channel_id=CHANNEL,
        message_ts=root.ts,
        response_url=slack.response_url("click"),
    )
    status, _ = http(
        f"{b.url}/slack/events", body.encode(), headers=signed_headers(SIGNING_SECRET, body)
    )
    assert status == 200
    wait_until(
        lambda: any("log lines" in (m.text or "") for m in slack.thread(CHANNEL, root.ts)),
        20,
        "more log lines in the root's thread",
    )
