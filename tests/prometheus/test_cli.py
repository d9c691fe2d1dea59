"""End to end: `crashloop-bot diagnose ns/pod --prometheus URL --output json` against the
fake kube-apiserver (the live collector) and a real Prometheus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.fakes.kubeapi import FakeKubeAPI, running_in_thread, write_kubeconfig


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_diagnose_live_with_prometheus_carries_the_memory_object(
    prometheus_url: str, cluster_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api = FakeKubeAPI(cluster_dir)
    kubeconfig = tmp_path / "kubeconfig"
    with running_in_thread(api) as url:
        write_kubeconfig(kubeconfig, url)
        code, out, err = run_cli(
            capsys,
            "diagnose",
            "shop/api-leak",
            "--kubeconfig",
            str(kubeconfig),
            "--prometheus",
            prometheus_url,
            "--output",
            "json",
        )
    assert code == 0, err
    doc = json.loads(out)
    memory = doc["memory"]
    assert memory["source"] == "prometheus" and memory["container"] == "api"
    assert memory["trend"] == "leak" and memory["limit_bytes"] == 536870912
    assert memory["window"]["end"] == "2026-11-20T09:28:00Z"
    assert 290 * 2**20 < memory["growth_bytes_per_hour"] < 310 * 2**20
    assert memory["peak_bytes"] <= memory["limit_bytes"]
    assert len(memory["points"]) <= 241 and memory["summary"].endswith("a leak")
    top = doc["findings"][0]
    assert top["rule_id"] == "oom-cgroup" and memory["summary"] in top["explanation"]
    assert not [w for w in doc["warnings"] if w.startswith("memory")]
    # still two round trips: Prometheus is read with the rest, the pod only once
    assert len([r for r in api.requests if r.path.endswith("/pods/api-leak")]) == 1


def test_diagnose_without_prometheus_has_null_memory_and_no_warning(
    cluster_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api = FakeKubeAPI(cluster_dir)
    kubeconfig = tmp_path / "kubeconfig"
    with running_in_thread(api) as url:
        write_kubeconfig(kubeconfig, url)
        code, out, err = run_cli(
            capsys, "diagnose", "shop/api-leak", "--kubeconfig", str(kubeconfig), "-o", "json"
        )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["memory"] is None
    assert not [w for w in doc["warnings"] if "memory" in w or "Prometheus" in w]


def test_diagnose_a_snapshot_with_prometheus_prints_the_sparkline(
    prometheus_url: str, cluster_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        capsys,
        "diagnose",
        "shop/api-spike",
        "--snapshot",
        str(cluster_dir),
        "--prometheus",
        prometheus_url,
        "--no-color",
    )
    assert code == 0, err
    line = next(x for x in out.splitlines() if "Memory of api" in x)
    assert "limit 512Mi" in line and any(ch in line for ch in "▁▂▃▄▅▆▇█")
    assert "  spike: held near" in out


def test_a_prometheus_url_without_a_scheme_is_bad_usage(
    cluster_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        capsys, "diagnose", "shop/api-leak", "--snapshot", str(cluster_dir), "--prometheus", "p:9"
    )
    assert code == 2 and "needs an http:// or https:// URL" in err
