"""Buttons on diagnosis messages, workload and namespace forms of `/crashloop`."""

from __future__ import annotations

from bot.slack import actions
from bot.target import Target
from tests.fakes.slackapi import wait_for
from tests.slack.conftest import CHANNEL, OOM_POD, Bot

POD = Target("orders", "order-service-2gb7cs5m5-mbbps")


async def test_rerun_button_posts_a_fresh_diagnosis(bot: Bot) -> None:
    status, _, elapsed = await bot.click(actions.RERUN, actions.encode_target(POD))
    assert status == 200
    assert elapsed < 1.0
    roots = await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=10)
    assert "OOMKilled" in roots[0].text


async def test_more_logs_button_replies_in_the_thread_with_more_lines(bot: Bot) -> None:
    await bot.click(actions.MORE_LOGS, actions.encode_target(POD), message_ts="1764074400.000100")
    replies = await wait_for(lambda: bot.slack.messages(CHANNEL), timeout=10)
    assert replies[0].thread_ts == "1764074400.000100"
    text = str(replies[0].blocks)
    assert "log lines of the previous `app` container" in text
    assert "Starting OrderServiceApplication" in text  # older than the 20-line tail


async def test_root_message_carries_the_buttons(bot: Bot) -> None:
    await bot.command(OOM_POD)
    roots = await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=10)
    ids = [e["action_id"] for b in roots[0].blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == [actions.RERUN, actions.MORE_LOGS]


async def test_malformed_button_value_gets_a_clear_answer(bot: Bot) -> None:
    status, _, _ = await bot.click(actions.RERUN, "orders|../../x", response_id="bad")
    assert status == 200
    replies = await wait_for(lambda: bot.slack.responses.get("bad"), timeout=5)
    assert "not valid" in replies[-1]["text"]
    assert bot.kube.requests == []


async def test_workload_form_diagnoses_its_crash_looping_pods(bot: Bot) -> None:
    await bot.command("orders/deploy/order-service")
    roots = await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=10)
    assert "Deployment `order-service`: 1 of 1 pods crash-looping" in str(roots[0].blocks)
    assert "OOMKilled" in roots[0].text


async def test_ns_slash_name_falls_back_to_a_workload_of_that_name(bot: Bot) -> None:
    await bot.command("orders/order-service")
    roots = await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=10)
    assert "Deployment `order-service`" in str(roots[0].blocks)


async def test_namespace_form_lists_crash_looping_pods_with_buttons(bot: Bot) -> None:
    await bot.command("orders", response_id="ls")
    replies = await wait_for(lambda: bot.slack.responses.get("ls"), timeout=10)
    listing = replies[-1]
    assert "1 crash-looping pod(s) in `orders`" in listing["text"]
    buttons = [b["accessory"] for b in listing["blocks"] if "accessory" in b]
    assert buttons[0]["action_id"] == actions.DIAGNOSE
    assert actions.decode_target(buttons[0]["value"]) == POD
