"""Nothing lost, nothing doubled: the bot SIGKILLed in the middle of an alert storm."""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from pathlib import Path

from tests.alerts.cluster import add_deployment
from tests.alerts.conftest import CHANNEL, Kube
from tests.alerts.procs import (
    BotProcess,
    am_alert,
    inbox_keys,
    inbox_states,
    notification,
    post_webhook,
    wait_until,
)
from tests.fakes.slackapi import FakeSlackAPI

START = datetime(2025, 11, 25, 10, 0, tzinfo=UTC)


def deliver(bot: BotProcess, payload: dict[str, object]) -> bool:
    """One delivery attempt as Alertmanager makes it: True when acknowledged."""
    try:
        status, _ = post_webhook(bot.url, payload, timeout=5)
    except OSError:
        return False
    return status == 200


def test_sigkill_mid_storm_loses_nothing_and_posts_no_duplicate_root(
    bot_env: dict[str, str], slack: FakeSlackAPI, kube: Kube, tmp_path: Path
) -> None:
    workloads = {
        f"svc-{i}": add_deployment(kube.api, "shop", f"svc-{i}", pods=50) for i in range(10)
    }
    alerts = [am_alert("shop", p, starts=START) for names in workloads.values() for p in names]
    groups = [notification(alerts[i : i + 10]) for i in range(0, len(alerts), 10)]
    state = Path(bot_env["CRASHLOOP_STATE"])
    bot = BotProcess(bot_env, tmp_path / "bot.log")
    bot.start()
    try:
        acked = [deliver(bot, g) for g in groups[:30]]
        assert all(acked)
        wait_until(lambda: len(slack.top_level(CHANNEL)) >= 2, 20, "the first roots")
        bot.kill(signal.SIGKILL)
        assert not deliver(bot, groups[30]), "the bot is down"

        bot.start()  # same state file, same port
        # Alertmanager retries what was not acknowledged; resend everything to also
        # exercise redelivery of what was.
        for g in groups:
            assert wait_until(lambda g=g: deliver(bot, g), 10, "delivery")

        def settled() -> bool:
            s = inbox_states(state)
            return sum(s.values()) == 500 and s.get("done", 0) == 500

        wait_until(settled, 60, f"all 500 items done; bot log: {bot.output()}")
        roots = slack.top_level(CHANNEL)
        per_workload = {
            n: sum(f"Deployment/{n}" in str(r.blocks) for r in roots) for n in workloads
        }
        assert per_workload == dict.fromkeys(workloads, 1)
        keys = inbox_keys(state)
        assert len({k for k, _, _ in keys}) == 500
        for r in roots:
            wait_until(
                lambda r=r: ": 50 pods crash-looping" in (slack.message(CHANNEL, r.ts).text or ""),  # type: ignore[union-attr]
                15,
                "every root counts its 50 pods",
            )
    finally:
        bot.stop()
