"""Secrets never leave: not in Slack, not in `--output json`, not in the bot's logs.

The scenarios dependency-refused, oom-cgroup and cronjob-job-owned log database URLs
with passwords and bearer tokens; they are masked before anything is posted. Values of
environment variables in the pod spec are never collected. The bot's own credentials
never appear in its log records, even at DEBUG.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.logs import JsonFormatter
from bot.slack import actions
from tests.alerts.conftest import BotFactory, Kube, kube, make_bot, slack
from tests.alerts.procs import TOKEN as WEBHOOK_TOKEN
from tests.conftest import SCENARIOS
from tests.fakes.kubeapi import FakeKubeAPI, running_in_thread, write_kubeconfig
from tests.fakes.slack_signing import DEFAULT_SIGNING_SECRET, slash_command_payload
from tests.fakes.slackapi import DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, FakeSlackAPI
from tests.security.conftest import activity, secrets_in, settle, slack_outputs
from tests.slack.conftest import Bot, socket_mode_bot

__all__ = ["kube", "make_bot", "slack"]

SECRET_SCENARIOS = ["dependency-refused", "oom-cgroup", "cronjob-job-owned"]
TARGETS = {
    "dependency-refused": "payments/settlement-worker-rsdqzwv8b-7zl5d",
    "oom-cgroup": "payments/ledger-api-5d8f7b9c4-x2k9q",
    "cronjob-job-owned": "reports/nightly-report-29916120-9sxkf",
}
LOGGED_SECRETS = [
    "pA55w0rd-7f3k2q",  # postgres URL password (dependency-refused)
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZXR0bGVtZW50In0.Zm9vYmFyYmF6cXV4",  # bearer JWT
    "s3cr3t-Xk29vQ",  # postgres URL password (oom-cgroup)
    "whk_live_4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",  # bearer token (cronjob-job-owned)
]
ENV_SECRET = "envvalue-Zq81-do-not-post"
CREDENTIALS = [DEFAULT_BOT_TOKEN, DEFAULT_APP_TOKEN, DEFAULT_SIGNING_SECRET, WEBHOOK_TOKEN]


def test_the_scenarios_really_hold_the_secrets() -> None:
    text = "\n".join(
        f.read_text(encoding="utf-8")
        for s in SECRET_SCENARIOS
        for f in (SCENARIOS / s).rglob("*")
        if f.is_file()
    )
    assert all(s in text for s in LOGGED_SECRETS)


def _with_env_secret(api: FakeKubeAPI, target: str) -> None:
    """Give every container of the pod an env var whose value must never be shown."""
    ns, name = target.split("/")
    pod = copy.deepcopy(api.get("Pod", ns, name))
    assert pod is not None
    for c in pod["spec"]["containers"] + pod["spec"].get("initContainers", []):
        c.setdefault("env", []).append({"name": "API_KEY_PLAIN", "value": ENV_SECRET})
        c["env"].append({"name": "HARMLESS", "value": ENV_SECRET + "-2"})
    api.put(pod)


@pytest.fixture
def scenario_dirs() -> list[Path]:
    return [SCENARIOS / s for s in SECRET_SCENARIOS]


@pytest.fixture
def file_config() -> dict[str, Any]:
    return {"limits": {"posts_per_second_per_channel": 10}}


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every record at DEBUG, the libraries' too (stricter than `setup_logging`)."""
    caplog.set_level(logging.DEBUG)
    for name in ("slack_sdk", "slack_bolt", "kubernetes_asyncio", "aiohttp"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    fmt = JsonFormatter()
    return "\n".join(fmt.format(r) for r in caplog.records)


async def test_slash_command_diagnoses_post_no_secret_and_no_env_value(
    bot: Bot, debug_logs: pytest.LogCaptureFixture
) -> None:
    for target in TARGETS.values():
        _with_env_secret(bot.kube, target)
    for i, target in enumerate(TARGETS.values()):
        status, doc, _ = await bot.command(target, response_id=f"s{i}")
        assert status == 200, doc
        # and the longer log tail behind "More log lines"
        status, _, _ = await bot.click(
            actions.MORE_LOGS, f"|{target.replace('/', '|')}|", response_id=f"m{i}"
        )
        assert status == 200
    await settle(lambda: activity(bot), quiet=1.2, timeout=30)
    outputs = slack_outputs(bot)
    posted = json.dumps(outputs, ensure_ascii=False)
    assert "[REDACTED]" in posted  # the log lines were posted, masked
    assert "DATABASE_URL" in posted or "postgres://" in posted
    assert secrets_in(outputs, LOGGED_SECRETS) == []
    assert secrets_in(outputs, [ENV_SECRET]) == []
    assert secrets_in([_logged(debug_logs)], CREDENTIALS) == []
    assert bot.slack.messages(), "nothing was posted: the test proves nothing"


@pytest.mark.parametrize("scenario", SECRET_SCENARIOS)
@pytest.mark.parametrize("output", ["json", "blocks", "text"])
def test_cli_output_holds_no_secret_and_no_env_value(
    scenario: str, output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api = FakeKubeAPI(SCENARIOS / scenario)
    _with_env_secret(api, TARGETS[scenario])
    with running_in_thread(api) as url:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", url)
        with pytest.raises(SystemExit) as exit_info:
            main(["diagnose", TARGETS[scenario], "--kubeconfig", str(kubeconfig), "-o", output])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 0, err
    if output != "json":  # the JSON document quotes evidence, not the log tail
        assert "[REDACTED]" in out
    assert secrets_in([out, err], [*LOGGED_SECRETS, ENV_SECRET]) == []
    if output == "json":
        json.loads(out)


async def test_socket_mode_connect_and_command_log_no_token(
    tmp_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    async with socket_mode_bot(
        tmp_path,
        "oom-cgroup",
        slack_signing_secret=DEFAULT_SIGNING_SECRET,
        webhook_token=WEBHOOK_TOKEN,
    ) as (slack_api, kube_api):
        payload = slash_command_payload(
            TARGETS["oom-cgroup"], channel_id="CSOCK", response_url=slack_api.response_url()
        )
        envelope = await slack_api.socket_send(
            "slash_commands", payload, accepts_response_payload=True
        )
        await slack_api.wait_for_ack(envelope, timeout=10)
        await settle(lambda: (len(slack_api.calls), len(kube_api.requests)), quiet=0.5)
    logged = _logged(debug_logs)
    assert "slack" in logged.lower()  # the capture saw the libraries at work
    assert secrets_in([logged], CREDENTIALS) == []
    assert secrets_in(slack_outputs_of(slack_api), LOGGED_SECRETS) == []


def slack_outputs_of(api: FakeSlackAPI) -> list[object]:
    return [c.params for c in api.calls] + [b for _, b, _ in api.response_calls]


async def test_webhook_requests_log_no_token(
    make_bot: BotFactory, kube: Kube, slack: FakeSlackAPI, debug_logs: pytest.LogCaptureFixture
) -> None:
    import aiohttp

    b = await make_bot()
    body = json.dumps({"receiver": "x", "status": "firing", "alerts": []})
    async with aiohttp.ClientSession() as s:
        for auth in (f"Bearer {WEBHOOK_TOKEN}", f"Bearer {WEBHOOK_TOKEN}x", "Basic Zm9vOmJhcg=="):
            headers = {"Content-Type": "application/json", "Authorization": auth}
            async with s.post(f"{b.url}/alertmanager", data=body, headers=headers) as resp:
                assert resp.status in (200, 401)
    assert secrets_in([_logged(debug_logs)], CREDENTIALS) == []
