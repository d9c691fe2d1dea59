"""Every scenario, diagnosed through the CLI as a user runs it.

Live mode: the real kubernetes_asyncio client talks HTTP to the local fake API
server serving the scenario's objects, through a kubeconfig. Snapshot mode: the same
objects read from files. Both must name the expected cause first.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.conftest import SCENARIOS, Scenario, load_scenarios
from tests.fakes.kubeapi import FakeKubeAPI, running_in_thread, write_kubeconfig

ALL = load_scenarios()
HEALTHY = [s for s in ALL if not s.faults and s.expect.get("exit_status", 0) == 0]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), out, err


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check(s: Scenario, code: int, out: str, err: str) -> None:
    expect = s.expect
    assert code == expect.get("exit_status", 0), f"{s.name}: exit {code}, stderr: {err}"
    if code != 0:
        assert expect.get("error", "").lower() in err.lower(), err
        assert "Traceback" not in err
        return
    doc: dict[str, Any] = json.loads(out)
    ids = [f["rule_id"] for f in doc["findings"]]
    if "top_rule" in expect:
        assert ids and ids[0] == expect["top_rule"], f"{s.name}: findings {ids}"
    for rule_id in expect.get("also_rules") or []:
        assert rule_id in ids, f"{s.name}: {rule_id} missing from {ids}"
    for rule_id in expect.get("not_rules") or []:
        assert rule_id not in ids, f"{s.name}: {rule_id} unexpectedly in {ids}"
    if expect.get("container"):
        assert doc["container"] == expect["container"]
    for w in expect.get("warnings") or []:
        assert any(w.lower() in x.lower() for x in doc["warnings"]), doc["warnings"]
    for finding in doc["findings"]:
        assert finding["evidence"], f"{finding['rule_id']} has no evidence"
    if expect.get("quote"):
        # the first thing the on-call reads names the cause in the program's or
        # Kubernetes' own words: the top finding's title or one of its evidence lines
        top = doc["findings"][0]
        quoted = [top["title"], *top["evidence"]]
        assert any(expect["quote"] in q for q in quoted), (
            f"{s.name}: no {expect['quote']!r} in {quoted}"
        )


@pytest.mark.parametrize("scenario", ALL, ids=[s.name for s in ALL])
def test_live_diagnosis_names_the_expected_cause(
    scenario: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api = FakeKubeAPI(scenario.path)
    api.apply_faults(scenario.faults)
    kubeconfig = tmp_path / "kubeconfig"
    args = [
        "diagnose",
        scenario.target,
        "--output",
        "json",
        "--kubeconfig",
        str(kubeconfig),
        "--timeout",
        "2",
    ]
    if scenario.container:
        args += ["--container", scenario.container]
    if scenario.faults.get("unreachable"):
        write_kubeconfig(kubeconfig, f"http://127.0.0.1:{closed_port()}")
        check(scenario, *run_cli(capsys, *args))
        return
    with running_in_thread(api) as url:
        write_kubeconfig(kubeconfig, url)
        result = run_cli(capsys, *args)
    check(scenario, *result)
    if result[0] == 0:
        # The critical path is two round trips: the pod, then the rest at once.
        pod_reads = [r for r in api.requests if r.path.endswith(scenario.target.split("/")[1])]
        assert len(pod_reads) == 1


@pytest.mark.parametrize("scenario", HEALTHY, ids=[s.name for s in HEALTHY])
def test_snapshot_diagnosis_matches_live(
    scenario: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["diagnose", scenario.target, "--output", "json", "--snapshot", str(scenario.path)]
    if scenario.container:
        args += ["--container", scenario.container]
    check(scenario, *run_cli(capsys, *args))


def test_context_flag_picks_the_cluster_from_the_kubeconfig(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prod = FakeKubeAPI(SCENARIOS / "oom-cgroup")
    empty = FakeKubeAPI()
    kubeconfig = tmp_path / "kubeconfig"
    with running_in_thread(prod) as prod_url, running_in_thread(empty) as empty_url:
        write_kubeconfig(
            kubeconfig,
            empty_url,
            contexts={"staging": empty_url, "prod": prod_url},
            current="staging",
        )
        code, out, err = run_cli(
            capsys,
            "diagnose",
            "payments/ledger-api-5d8f7b9c4-x2k9q",
            "--kubeconfig",
            str(kubeconfig),
            "--context",
            "prod",
            "-o",
            "json",
        )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["cluster"] == "prod"
    assert doc["findings"][0]["rule_id"] == "oom-cgroup"
    assert empty.requests == []


def test_unknown_context_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    write_kubeconfig(kubeconfig, "http://127.0.0.1:1")
    code, _, err = run_cli(
        capsys, "diagnose", "a/b", "--kubeconfig", str(kubeconfig), "--context", "nope"
    )
    assert code == 1
    assert "cannot load kubeconfig (context nope)" in err


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "diagnose", "Not A Pod", "--snapshot", str(SCENARIOS))
    assert code == 2
    assert "expected NAMESPACE/POD" in err
