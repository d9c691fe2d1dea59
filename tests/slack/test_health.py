"""Health, readiness and metrics routes of the served application."""

from __future__ import annotations

from collections.abc import Awaitable

from tests.fakes.slackapi import wait_for
from tests.slack.conftest import CHANNEL, OOM_POD, Bot


async def test_healthz_is_always_ok(bot: Bot) -> None:
    async with bot.http.get(f"{bot.url}/healthz") as resp:
        assert resp.status == 200


async def test_readyz_checks_rules_slack_and_the_cluster(bot: Bot) -> None:
    async with bot.http.get(f"{bot.url}/readyz") as resp:
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["ready"] is True
    assert any(r.path.startswith("/version") for r in bot.kube.requests)
    assert bot.slack.calls_to("auth.test")


async def test_readyz_fails_when_the_cluster_does_not_answer(bot: Bot) -> None:
    bot.kube.fail = [{"path": "^/version", "status": 500}]
    async with bot.http.get(f"{bot.url}/readyz") as resp:
        assert resp.status == 503
        problems = (await resp.json())["problems"]
    assert any("cluster" in p for p in problems)


async def test_metrics_count_diagnoses_and_rule_hits(bot: Bot) -> None:
    await bot.command(OOM_POD)
    await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=10)
    posted = 'crashloop_slack_calls_total{method="chat.postMessage",outcome="ok"}'

    async def metrics() -> str:
        async with bot.http.get(f"{bot.url}/metrics") as resp:
            return await resp.text()

    # Slack has the message before the bot has read Slack's answer and counted the call.
    text = await wait_for(lambda: _if_in(posted, metrics()), timeout=10)
    assert 'crashloop_diagnoses_total{outcome="ok",trigger="slash"} 1.0' in text
    assert 'crashloop_rule_hits_total{rule="oom-cgroup"} 1.0' in text
    assert 'crashloop_kube_requests_total{outcome="ok",resource="pods"}' in text
    assert posted in text


async def _if_in(needle: str, text: Awaitable[str]) -> str | None:
    got = await text
    return got if needle in got else None
