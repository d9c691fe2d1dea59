"""From stored alert to Slack thread, in-process: one thread per crash, quiet repeats."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from bot.state.sqlite import SqliteDatabase
from tests.alerts.client import post
from tests.alerts.cluster import add_deployment, crash_pod
from tests.alerts.conftest import CHANNEL, BotFactory, InProcessBot, Kube, eventually
from tests.alerts.procs import am_alert, notification
from tests.fakes.slackapi import FakeSlackAPI, Message

START = datetime(2025, 11, 25, 10, 0, tzinfo=UTC)


def texts(slack: FakeSlackAPI, ts: str) -> list[str]:
    return [m.text or "" for m in slack.thread(CHANNEL, ts)]


async def done(bot: object, n: int) -> bool:
    states = await bot.states()  # type: ignore[attr-defined]
    return states.get("done", 0) + states.get("ignored", 0) + states.get("failed", 0) >= n and (
        states.get("pending", 0) + states.get("claimed", 0) == 0
    )


async def one_thread(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> tuple[InProcessBot, str, Message]:
    """One crash-looping pod, its alert handled: the bot, the pod, the thread's root."""
    [pod] = add_deployment(kube.api, "payments", "ledger-api")
    bot = await make_bot()
    await post(bot.url, notification([am_alert("payments", pod, starts=START)]))
    await eventually(lambda: done(bot, 1))
    [root] = slack.top_level(CHANNEL)
    return bot, pod, root


async def test_an_alert_becomes_one_thread_with_the_diagnosis(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    [pod] = add_deployment(kube.api, "payments", "ledger-api")
    bot = await make_bot()
    status, doc, _ = await post(bot.url, notification([am_alert("payments", pod)]))
    assert (status, doc["new"]) == (200, 1)
    await eventually(lambda: done(bot, 1), what="item done")
    [root] = slack.top_level(CHANNEL)
    assert pod in (root.text or "")
    assert "oom-cgroup" in str(root.blocks)
    assert "crashloop_rerun" in str(root.blocks)
    assert slack.thread(CHANNEL, root.ts), "the diagnosis is in the thread"
    assert await bot.states() == {"done": 1}


async def test_redelivered_notification_posts_nothing_more(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    [pod] = add_deployment(kube.api, "payments", "ledger-api")
    bot = await make_bot()
    payload = notification([am_alert("payments", pod, starts=START)])
    await post(bot.url, payload)
    await eventually(lambda: done(bot, 1))
    before = len(slack.messages())
    status, doc, _ = await post(bot.url, payload)
    assert (status, doc["new"], doc["duplicates"]) == (200, 0, 1)
    await eventually(lambda: done(bot, 1))
    assert len(slack.messages()) == before
    assert len(slack.top_level(CHANNEL)) == 1


async def test_repeat_with_a_changed_diagnosis_says_what_changed(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    [pod] = add_deployment(kube.api, "payments", "ledger-api")
    bot = await make_bot(recheck_after=0)
    payload = notification([am_alert("payments", pod, starts=START)])
    await post(bot.url, payload)
    await eventually(lambda: done(bot, 1))
    [root] = slack.top_level(CHANNEL)
    replies = len(slack.thread(CHANNEL, root.ts))

    # the same repeat, nothing changed: nothing posted
    _, doc, _ = await post(bot.url, payload)
    assert doc["rechecks"] == 1
    await eventually(lambda: done(bot, 1))
    assert len(slack.thread(CHANNEL, root.ts)) == replies

    # the pod now exits 1 instead of being OOMKilled: one reply says so
    rs = pod.rsplit("-", 1)[0]
    kube.api.put(crash_pod("payments", pod, rs, reason="Error", exit_code=1))
    await post(bot.url, payload)
    await eventually(lambda: len(slack.thread(CHANNEL, root.ts)) == replies + 1)
    change = slack.thread(CHANNEL, root.ts)[-1].text or ""
    assert "changed" in change and "OOMKilled" in change and "exit 1" in change
    assert len(slack.top_level(CHANNEL)) == 1


async def test_two_pods_of_one_deployment_share_one_root(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    a, b = add_deployment(kube.api, "payments", "ledger-api", pods=2)
    bot = await make_bot()
    await post(bot.url, notification([am_alert("payments", a)]))
    await eventually(lambda: done(bot, 1))
    await post(bot.url, notification([am_alert("payments", b)]))
    await eventually(lambda: done(bot, 2))
    [root] = slack.top_level(CHANNEL)
    await eventually(lambda: any(b in t for t in texts(slack, root.ts)), what="note on pod b")
    await eventually(
        lambda: (
            "Deployment `ledger-api`: 2 pods crash-looping"
            in (slack.message(CHANNEL, root.ts).text or "")
        )  # type: ignore[union-attr]
    )


async def test_resolved_alert_updates_the_root_and_notes_it(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    bot, pod, root = await one_thread(make_bot, slack, kube)
    ended = START + timedelta(minutes=42)
    resolved = am_alert("payments", pod, starts=START, ends=ended, status="resolved")
    await post(bot.url, notification([resolved]))
    await eventually(lambda: slack.calls_to("chat.update"), what="chat.update")
    message = slack.message(CHANNEL, root.ts)
    assert message is not None and message.updated
    assert (message.text or "").startswith(":white_check_mark: Resolved after 42m")
    await eventually(lambda: any("Resolved" in t and pod in t for t in texts(slack, root.ts)))
    assert len(slack.top_level(CHANNEL)) == 1


async def test_all_pods_resolved_marks_the_workload_resolved(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    pods = add_deployment(kube.api, "payments", "ledger-api", pods=3)
    bot = await make_bot()
    await post(bot.url, notification([am_alert("payments", p, starts=START) for p in pods]))
    await eventually(lambda: done(bot, 3))
    [root] = slack.top_level(CHANNEL)
    ends = START + timedelta(minutes=5)
    first = [am_alert("payments", pods[0], starts=START, ends=ends, status="resolved")]
    await post(bot.url, notification(first))
    await eventually(
        lambda: "(1 resolved)" in (slack.message(CHANNEL, root.ts).text or "")  # type: ignore[union-attr]
    )
    rest = [
        am_alert("payments", p, starts=START, ends=ends + timedelta(minutes=1), status="resolved")
        for p in pods[1:]
    ]
    await post(bot.url, notification(rest))
    await eventually(
        lambda: (slack.message(CHANNEL, root.ts).text or "").startswith(  # type: ignore[union-attr]
            ":white_check_mark: Resolved after 6m · 3 pods of Deployment/ledger-api"
        )
    )


async def test_a_pod_with_another_cause_gets_its_own_reply(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    a, b = add_deployment(kube.api, "payments", "ledger-api", pods=2)
    kube.api.put(crash_pod("payments", b, b.rsplit("-", 1)[0], reason="Error", exit_code=1))
    bot = await make_bot()
    await post(bot.url, notification([am_alert("payments", a)]))
    await eventually(lambda: done(bot, 1))
    await post(bot.url, notification([am_alert("payments", b)]))
    await eventually(lambda: done(bot, 2))
    [root] = slack.top_level(CHANNEL)
    assert any("another cause" in t for t in texts(slack, root.ts))


async def test_storm_folds_into_one_root_per_workload(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    pods = {f"svc-{i}": add_deployment(kube.api, "shop", f"svc-{i}", pods=50) for i in range(10)}
    bot = await make_bot()
    alerts = [am_alert("shop", p, starts=START) for names in pods.values() for p in names]
    for i in range(0, len(alerts), 25):  # Alertmanager sends groups
        status, _, _ = await post(bot.url, notification(alerts[i : i + 25]))
        assert status == 200
    await eventually(lambda: done(bot, 500), timeout=60, what="500 items done")
    roots = slack.top_level(CHANNEL)
    assert len(roots) == 10
    for name in pods:
        assert sum(f"Deployment/{name}" in str(r.blocks) for r in roots) == 1, name
    assert await bot.states() == {"done": 500}
    pod_reads = kube.api.requests_matching(r"/api/v1/namespaces/shop/pods/[^/]+$")
    assert len(pod_reads) <= 10 * 3, "a bounded sample of pods is diagnosed"
    for r in roots:
        await eventually(
            lambda r=r: ": 50 pods crash-looping" in (slack.message(CHANNEL, r.ts).text or ""),  # type: ignore[union-attr]
            what="root counts",
        )
    assert len(slack.messages(CHANNEL)) < 150


async def test_no_channel_keeps_the_item_as_failed(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    [pod] = add_deployment(kube.api, "payments", "ledger-api")
    bot = await make_bot(env={"CRASHLOOP_ALERT_CHANNEL": ""})
    await post(bot.url, notification([am_alert("payments", pod)]))
    await eventually(lambda: done(bot, 1))
    assert await bot.states() == {"failed": 1}
    assert slack.messages() == []


async def test_route_to_a_channel_that_may_not_see_the_namespace_is_not_posted(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    [pod] = add_deployment(kube.api, "payments", "ledger-api")
    [other] = add_deployment(kube.api, "shop", "cart")
    bot = await make_bot(
        config={
            "routing": [{"channel": "C0PAY", "namespaces": ["pay*"]}],
            "access": {"channels": {"C0PAY": {"namespaces": ["billing"]}}},
        }
    )
    await post(bot.url, notification([am_alert("payments", pod), am_alert("shop", other)]))
    await eventually(lambda: done(bot, 2))
    assert slack.messages("C0PAY") == []
    assert len(slack.top_level(CHANNEL)) == 1, "the unrouted namespace goes to the alert channel"
    assert (await bot.states()) == {"ignored": 1, "done": 1}


async def test_slack_outage_is_retried_and_posts_once(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    [pod] = add_deployment(kube.api, "payments", "ledger-api")
    slack.fail("chat.postMessage", status=503, times=4)  # outlasts the client's own retries
    bot = await make_bot()
    await post(bot.url, notification([am_alert("payments", pod)]))
    await eventually(lambda: done(bot, 1), timeout=20)
    assert await bot.states() == {"done": 1}
    assert len(slack.top_level(CHANNEL)) == 1


async def test_api_server_errors_on_the_pod_read_are_retried_not_dropped(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    [pod] = add_deployment(kube.api, "payments", "ledger-api")
    kube.api.fail = [{"path": f"/pods/{pod}$", "status": 500, "count": 2}]
    bot = await make_bot()
    await post(bot.url, notification([am_alert("payments", pod)]))
    await eventually(lambda: done(bot, 1), timeout=20)
    assert await bot.states() == {"done": 1}
    assert len(slack.top_level(CHANNEL)) == 1


async def test_channel_the_bot_cannot_post_in_fails_the_item(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    [pod] = add_deployment(kube.api, "payments", "ledger-api")
    slack.not_in_channel.add(CHANNEL)
    bot = await make_bot()
    await post(bot.url, notification([am_alert("payments", pod)]))
    await eventually(lambda: done(bot, 1))
    assert await bot.states() == {"failed": 1}
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_state_survives_a_restart(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    a, b = add_deployment(kube.api, "payments", "ledger-api", pods=2)
    bot = await make_bot()
    await post(bot.url, notification([am_alert("payments", a)]))
    await eventually(lambda: done(bot, 1))
    await bot.receiver.stop()
    db = SqliteDatabase(bot.state)
    await db.open()
    await db.close()
    again = await make_bot()
    await post(again.url, notification([am_alert("payments", b)]))
    await eventually(lambda: done(again, 2))
    assert len(slack.top_level(CHANNEL)) == 1


async def test_a_root_posted_just_before_a_crash_is_found_not_posted_again(
    make_bot: BotFactory, slack: FakeSlackAPI, kube: Kube
) -> None:
    bot, _, root = await one_thread(make_bot, slack, kube)
    await bot.receiver.stop()
    # The state a SIGKILL leaves between Slack accepting the root and the bot recording
    # its ts: the thread still `posting`, its item claimed (reset to pending at start).
    with sqlite3.connect(bot.state) as conn:
        conn.execute("UPDATE threads SET state = 'posting', root_ts = NULL")
        conn.execute("UPDATE items SET state = 'claimed'")
    again = await make_bot()
    await eventually(lambda: done(again, 1))
    assert [m.ts for m in slack.top_level(CHANNEL)] == [root.ts]
    assert slack.calls_to("conversations.history"), "the bot looked for its root"
    with sqlite3.connect(bot.state) as conn:
        assert conn.execute("SELECT state, root_ts FROM threads").fetchall() == [
            ("posted", root.ts)
        ]
