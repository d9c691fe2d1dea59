"""`cluster:ns/pod` picks one of the configured clusters."""

from __future__ import annotations

from pathlib import Path

from bot.cluster.live import LiveSource
from tests.conftest import SCENARIOS
from tests.fakes.kubeapi import FakeKubeAPI, write_kubeconfig
from tests.fakes.slackapi import wait_for
from tests.slack.conftest import CHANNEL, Bot


async def test_cluster_prefix_reads_that_cluster(bot: Bot, tmp_path: Path) -> None:
    prod = FakeKubeAPI(SCENARIOS / "oom-cgroup")
    write_kubeconfig(tmp_path / "prod", await prod.start())
    source = await LiveSource.connect(kubeconfig=str(tmp_path / "prod"), cluster="prod")
    bot.runtime.pool.put("prod", source)
    try:
        await bot.command("prod:payments/ledger-api-5d8f7b9c4-x2k9q")
        roots = await wait_for(lambda: bot.slack.top_level(CHANNEL), timeout=10)
    finally:
        await prod.stop()
    assert "cluster prod" in str(roots[0].blocks)
    assert prod.requests and not bot.kube.requests


async def test_unknown_cluster_is_named_with_the_known_ones(bot: Bot) -> None:
    await bot.command("staging:payments/ledger-api-5d8f7b9c4-x2k9q", response_id="uc")
    replies = await wait_for(lambda: bot.slack.responses.get("uc"), timeout=10)
    assert 'unknown cluster "staging" (known: test)' in replies[-1]["text"]
