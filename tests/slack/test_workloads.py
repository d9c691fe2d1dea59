"""`/crashloop ns/deploy/x` in Slack: one root and one thread per workload.

The workload is written by tests/workloads/builder.py (ten pods, two causes) and
served by the local kube-apiserver; the command arrives signed, the answer goes to the
local Slack Web API.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fakes.slackapi import wait_for
from tests.slack.conftest import CHANNEL, Bot
from tests.workloads.builder import LIVENESS, OOM, PodSpec, Workload, write

REV = "6d5c4b3a2"


@pytest.fixture
def scenario_dirs(tmp_path: Path) -> list[Path]:
    workload = Workload(
        liveness=True,
        pods=[PodSpec(f"worker-{n % 4}", REV, OOM) for n in range(8)]
        + [PodSpec("worker-5", REV, LIVENESS), PodSpec("worker-6", REV, LIVENESS)],
    )
    write(workload, tmp_path / "cart")
    return [tmp_path / "cart"]


async def test_workload_gets_one_root_with_the_cause_groups_and_one_thread(bot: Bot) -> None:
    await bot.command("checkout/deploy/cart")
    roots = await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=20)
    await asyncio.sleep(0.5)  # anything else would have been posted by now
    assert len(bot.slack.top_level(CHANNEL)) == 1
    root = str(roots[0].blocks)
    assert "Deployment `cart`: 10 of 10 pods crash-looping" in root
    assert "8 pods: Killed for exceeding its memory limit" in root
    assert "2 pods: " in root and "exit 143" in root
    thread = await wait_for(lambda: bot.slack.thread(CHANNEL, roots[0].ts), timeout=20)
    text = str([m.blocks for m in thread])
    assert "Group 1 of 2" in text and "Group 2 of 2" in text
    assert "Representative: cart-" in text


async def test_namespace_listing_groups_pods_by_workload_and_status(bot: Bot) -> None:
    await bot.command("checkout", response_id="ls")
    replies = await wait_for(lambda: bot.slack.responses.get("ls"), timeout=10)
    listing = replies[-1]
    assert "10 crash-looping pod(s) in `checkout`" in listing["text"]
    lines = [b["text"]["text"] for b in listing["blocks"] if "accessory" in b]
    assert lines == [
        "*Deployment/cart* · 10 of 10 pods · OOMKilled, exit 137: 8 · Error, exit 143: 2"
    ]
