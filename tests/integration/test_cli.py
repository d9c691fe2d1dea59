"""The commands of the README's quick start, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def crashloop_bot(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("crashloop-bot")
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_demo_explains_every_crash_looping_pod_of_the_example_cluster() -> None:
    result = crashloop_bot("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "7 crash-looping pods in the bundled example cluster" in out
    causes = [
        line.rsplit("[", 1)[1].rstrip("]")
        for line in out.splitlines()
        if line.startswith("Likely cause: ")
    ]
    assert sorted(causes) == sorted(
        [
            "oom-system",
            "liveness-probe",
            "migration-failed",
            "oom-cgroup",
            "configmap-subpath",
            "missing-env",
            "access-forbidden",
        ]
    )
    assert "Evidence:" in out and "Look further:" in out


def test_demo_json_is_one_document() -> None:
    result = crashloop_bot("demo", "--output", "json")
    docs = json.loads(result.stdout)
    assert len(docs) == 7
    assert all(d["findings"] and d["findings"][0]["evidence"] for d in docs)


def test_demo_never_shows_a_secret() -> None:
    out = crashloop_bot("demo").stdout + crashloop_bot("demo", "-o", "json").stdout
    assert "[REDACTED]" in out
    for secret in ("s3cr3t", "sk_live_", "eyJhbGciOi"):
        assert secret not in out


def test_rules_check_passes_on_the_built_in_rules() -> None:
    result = crashloop_bot("rules", "check")
    assert result.returncode == 0, result.stdout
    assert "0 failed" in result.stdout


def test_rules_check_fails_precisely_on_a_broken_rule_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "id: bad\ntitle: Bad\nseverity: urgent\nwhen: {field: exit_code, equals: 1}\n"
        "explanation: x\nfixes: [y]\n"
    )
    result = crashloop_bot("rules", "check", str(tmp_path))
    assert result.returncode == 2
    assert f"{tmp_path / 'bad.yaml'}: rule 'bad': severity" in result.stderr


def test_rules_check_fails_when_a_fixture_does_not_hold(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "exit-three.yaml").write_text(
        "id: exit-three\ntitle: Exit three\nseverity: low\nwhen: {field: exit_code, equals: 3}\n"
        "explanation: x\nfixes: [y]\n"
    )
    (tmp_path / "tests" / "exit-three.yaml").write_text(
        "cases:\n"
        "  - name: three\n    expect: match\n"
        "    facts: {containers: [{name: a, last_state: {exit_code: 4}}]}\n"
        "  - name: not-three\n    expect: no-match\n"
        "    facts: {containers: [{name: a, last_state: {exit_code: 5}}]}\n"
    )
    result = crashloop_bot("rules", "check", str(tmp_path))
    assert result.returncode == 1
    assert "FAIL exit-three / three" in result.stdout
    assert "expected exit-three among" in result.stdout


@pytest.mark.parametrize("output", ["text", "json", "blocks"])
def test_diagnose_a_snapshot_file_in_every_output(output: str) -> None:
    snapshot = ROOT / "tests" / "scenarios" / "oom-cgroup"
    result = crashloop_bot(
        "diagnose",
        "payments/ledger-api-5d8f7b9c4-x2k9q",
        "--snapshot",
        str(snapshot),
        "--output",
        output,
    )
    assert result.returncode == 0, result.stderr
    assert "oom-cgroup" in result.stdout


def run_env(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("crashloop-bot")
    return subprocess.run(
        [str(exe), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def test_check_config_accepts_the_shipped_config(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "CRASHLOOP_CONFIG": str(ROOT / "manifests" / "config.yaml"),
        "CRASHLOOP_STATE": str(tmp_path / "state.sqlite3"),
    }
    # The shipped config names the in-cluster rule folder; point it at the example here.
    cfg = (
        (ROOT / "manifests" / "config.yaml")
        .read_text()
        .replace("/etc/crashloop-bot/rules", str(ROOT / "manifests" / "common" / "rules"))
    )
    (tmp_path / "config.yaml").write_text(cfg)
    env["CRASHLOOP_CONFIG"] = str(tmp_path / "config.yaml")
    result = run_env(env, "serve", "--check-config")
    assert result.returncode == 0, result.stderr
    assert "configuration ok" in result.stdout


def test_check_config_names_the_bad_key(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("limits:\n  request_timeout_seconds: -1\n")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "CRASHLOOP_CONFIG": str(tmp_path / "config.yaml"),
    }
    result = run_env(env, "serve", "--check-config")
    assert result.returncode == 1
    assert "limits.request_timeout_seconds" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_without_a_token_says_which_setting_is_missing() -> None:
    result = run_env({}, "serve", "--check-config")
    assert result.returncode == 1
    assert "SLACK_BOT_TOKEN is required" in result.stderr
