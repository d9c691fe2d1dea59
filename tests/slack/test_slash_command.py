"""`/crashloop` over signed HTTP requests, answered in a thread in the channel."""

from __future__ import annotations

import asyncio
import time

from tests.fakes.slackapi import wait_for
from tests.slack.conftest import CHANNEL, OOM_POD, Bot


async def test_slash_command_posts_headline_then_thread(bot: Bot) -> None:
    status, body, _ = await bot.command(OOM_POD)
    assert status == 200
    assert "Diagnosing" in body["text"]
    assert body["response_type"] == "ephemeral"
    roots = await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=10)
    root = roots[0]
    assert "OOMKilled" in root.text and "exit 137" in root.text
    assert "oom-cgroup" in str(root.blocks)
    replies = await wait_for(lambda: bot.slack.thread(CHANNEL, root.ts), timeout=10)
    thread_text = str([r.blocks for r in replies])
    assert "lastState.terminated.reason=OOMKilled" in thread_text
    assert "java.lang.OutOfMemoryError" in thread_text
    assert all(r.text for r in replies)  # every message has a plain-text fallback


async def test_ack_is_fast_while_the_cluster_is_slow(bot: Bot) -> None:
    bot.kube.latency = 2.0
    started = time.perf_counter()
    status, _, elapsed = await bot.command(OOM_POD)
    assert status == 200
    assert elapsed < 1.0
    roots = await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=15)
    assert time.perf_counter() - started >= 4.0  # two round trips of 2 s each
    assert roots


async def test_bad_signature_is_refused(bot: Bot) -> None:
    status, _, _ = await bot.command(OOM_POD, secret="not-the-signing-secret")
    assert status == 401
    assert bot.kube.requests == []


async def test_replayed_request_older_than_five_minutes_is_refused(bot: Bot) -> None:
    status, _, _ = await bot.command(OOM_POD, timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    assert bot.kube.requests == []


async def test_unknown_text_gets_an_ephemeral_hint_and_no_cluster_read(bot: Bot) -> None:
    status, body, _ = await bot.command("payments/../../etc")
    assert status == 200
    assert body["response_type"] == "ephemeral"
    assert "/crashloop help" in body["text"]
    assert bot.kube.requests == []
    assert bot.slack.messages() == []


async def test_help_lists_the_forms(bot: Bot) -> None:
    _, body, _ = await bot.command("help")
    for form in ("payments/ledger-api", "-n payments", "deploy/", "-c NAME"):
        assert form in body["text"]


async def test_unknown_pod_suggests_close_names(bot: Bot) -> None:
    status, _, _ = await bot.command("orders/order-service-2gb7cs5m5-xxxxx", response_id="nf")
    assert status == 200
    replies = await wait_for(lambda: bot.slack.responses.get("nf"), timeout=10)
    text = replies[-1]["text"]
    assert "was not found" in text
    assert "order-service-2gb7cs5m5-mbbps" in text
    assert "Traceback" not in text
    assert bot.slack.top_level(CHANNEL) == []


async def test_rbac_forbidden_names_the_missing_permission(bot: Bot) -> None:
    bot.kube.forbid = [{"verb": "get", "resource": "pods"}]
    await bot.command(OOM_POD, response_id="fb")
    replies = await wait_for(lambda: bot.slack.responses.get("fb"), timeout=10)
    text = replies[-1]["text"]
    assert "not allowed to get `pods`" in text
    assert "namespace `orders`" in text


async def test_unreachable_cluster_says_so_with_the_timeout(bot: Bot) -> None:
    bot.kube.latency = 10.0
    bot.runtime.pool.options = type(bot.runtime.pool.options)(timeout=0.5)
    await bot.command(OOM_POD, response_id="slow")
    replies = await wait_for(lambda: bot.slack.responses.get("slow"), timeout=10)
    text = replies[-1]["text"]
    assert "unreachable" in text
    assert "timed out after 0.5s" in text


async def test_channel_the_bot_is_not_in_gets_the_diagnosis_privately(bot: Bot) -> None:
    bot.slack.not_in_channel.add("CPRIVATE")
    await bot.command(OOM_POD, channel="CPRIVATE", response_id="priv")
    replies = await wait_for(lambda: len(bot.slack.responses.get("priv", [])) >= 2, timeout=10)
    assert replies
    first = bot.slack.responses["priv"][0]
    assert "/invite @crashloop-bot" in first["text"]
    assert first["response_type"] == "ephemeral"
    assert "oom-cgroup" in str(bot.slack.responses["priv"])
    assert bot.slack.top_level("CPRIVATE") == []


async def test_rate_limited_post_is_retried_after_retry_after(bot: Bot) -> None:
    bot.slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    await bot.command(OOM_POD)
    roots = await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=15)
    assert len(roots) == 1
    attempts = bot.slack.post_times(CHANNEL)
    assert attempts[1] - attempts[0] >= 1.0  # Retry-After honoured


async def test_posts_in_one_channel_are_paced(bot: Bot) -> None:
    for i in range(3):
        await bot.command(OOM_POD, response_id=f"p{i}")
    await wait_for(lambda: len(bot.slack.top_level(CHANNEL)) == 3, timeout=30)
    assert bot.slack.max_posts_per_window(CHANNEL, window=0.95) <= 1


async def test_a_burst_at_start_up_makes_one_auth_test_call(bot: Bot) -> None:
    # From ten channels, as a burst would be: each channel's answers are paced on their own.
    results = await asyncio.gather(
        *(bot.command(OOM_POD, channel=f"CB{i}", response_id=f"b{i}") for i in range(10))
    )
    assert all(status == 200 for status, _, _ in results)
    assert len(bot.slack.calls_to("auth.test")) == 1
