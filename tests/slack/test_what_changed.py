"""/crashloop on a pod that began crashing with a rollout: the clause, the diff, the undo.

A signed slash command against the running bot; the local Slack Web API records what
the bot posts, the local kube-apiserver serves the rollout scenarios.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from tests.fakes.slackapi import wait_for
from tests.slack.conftest import CHANNEL, Bot

ROLLOUT_POD = "pay/checkout-b6jprn759q-vrb87"  # rollout-image-change
UNCHANGED_POD = "payments/settlement-worker-jh6dwq92pm-txzrk"  # rollout-long-before


@pytest.fixture
def scenario_dirs() -> list[Path]:
    return [SCENARIOS / "rollout-image-change", SCENARIOS / "rollout-long-before"]


async def test_root_names_the_revision_and_the_thread_has_the_diff_and_the_rollback(
    bot: Bot,
) -> None:
    status, _, _ = await bot.command(ROLLOUT_POD)
    assert status == 200
    roots = await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=15)
    root_text = str(roots[0].blocks)
    assert "Crashing since revision 7: image 2.3.1 → 2.4.0 (+1 more change)" in root_text
    replies = await wait_for(lambda: bot.slack.thread(CHANNEL, roots[0].ts), timeout=15)
    thread = str([r.blocks for r in replies])
    assert "*What changed*" in thread
    assert "revision 6 is healthy on 2 pods" in thread
    assert "checkout: image registry/checkout:2.3.1 → registry/checkout:2.4.0" in thread
    assert "checkout: env +PAYMENT_PROVIDER" in thread
    # the cluster of the diagnosis, as every kubectl command in the thread names it
    assert "kubectl --context test rollout undo deployment/checkout -n pay --to-revision=6" in (
        thread
    )
    assert "the bot never runs it" in thread


async def test_a_crash_long_after_the_rollout_says_the_workload_did_not_change(
    bot: Bot,
) -> None:
    await bot.command(UNCHANGED_POD)
    roots = await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=15)
    assert "Crashing since revision" not in str(roots[0].blocks)
    replies = await wait_for(lambda: bot.slack.thread(CHANNEL, roots[0].ts), timeout=15)
    thread = str([r.blocks for r in replies])
    assert "No rollout in the 24 h before the crashes began" in thread
    assert "rollout undo" not in thread
