"""Memory series read from a real Prometheus (Debian's, over backfilled blocks), and
every way it can fail to answer: each is a warning, never a failed diagnosis."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cluster.prometheus import PrometheusAuth, PrometheusClient
from bot.cluster.snapshot import SnapshotSource
from bot.diagnosis.engine import Diagnosis, diagnose
from bot.diagnosis.rules import RuleSet
from bot.facts import Terminated
from bot.target import Target
from tests.prometheus.curves import MIB, NAMESPACE, PODS

READABLE = [p for p in PODS if p.expect]


async def _diagnose(
    cluster_dir: Path, client: PrometheusClient, pod: str, rules: RuleSet
) -> Diagnosis:
    source = SnapshotSource(cluster_dir, prometheus=client)
    try:
        return diagnose(await source.pod_facts(Target(NAMESPACE, pod)), rules)
    finally:
        await source.close()


def _memory_warnings(d: Diagnosis) -> list[str]:
    return [w for w in d.warnings if w.startswith("memory series unavailable")]


@pytest.mark.parametrize("pod", READABLE, ids=[p.name for p in READABLE])
async def test_a_real_prometheus_gives_the_verdict_of_each_curve(
    pod: object, prometheus_url: str, cluster_dir: Path, rules: RuleSet
) -> None:
    p = next(x for x in READABLE if x is pod)
    d = await _diagnose(cluster_dir, PrometheusClient(prometheus_url), p.name, rules)
    assert _memory_warnings(d) == []
    assert d.memory is not None and d.memory.trend == p.expect["trend"]
    assert d.top is not None and d.top.rule_id == "oom-cgroup"
    assert d.top.explanation.endswith(f"{d.memory.summary}.")
    s = d.memory.series
    assert s.end.isoformat() == "2026-11-20T09:28:00+00:00"  # the kill, not now
    assert 100 < len(s.working_set) <= 241 and s.rss  # RSS where cAdvisor has it


async def test_of_two_containers_only_the_crashing_one_is_read(
    prometheus_url: str, cluster_dir: Path, rules: RuleSet
) -> None:
    d = await _diagnose(cluster_dir, PrometheusClient(prometheus_url), "api-two", rules)
    assert d.memory is not None and d.memory.container == "api"
    assert d.memory.limit_bytes == 512 * MIB  # api's limit, not the sidecar's 128Mi
    # not the pod-level cgroup (container="", api + sidecar + 40 MiB) nor the pause container
    assert d.memory.peak_bytes is not None and d.memory.peak_bytes < 512 * MIB
    assert min(v for _, v in d.memory.series.working_set) > 90 * MIB


async def test_no_series_in_prometheus_is_a_warning_and_the_diagnosis_stands(
    prometheus_url: str, cluster_dir: Path, rules: RuleSet
) -> None:
    d = await _diagnose(cluster_dir, PrometheusClient(prometheus_url), "api-nodata", rules)
    assert d.memory is None and d.top is not None and d.top.rule_id == "oom-cgroup"
    (warning,) = _memory_warnings(d)
    assert f"Prometheus at {prometheus_url} has no container_memory_working_set_bytes" in warning
    assert "shop/api-nodata container api" in warning


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_prometheus_that_is_down_is_a_warning(cluster_dir: Path, rules: RuleSet) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    d = await _diagnose(cluster_dir, PrometheusClient(url), "api-leak", rules)
    assert d.memory is None and d.top is not None and d.top.rule_id == "oom-cgroup"
    (warning,) = _memory_warnings(d)
    assert f"Prometheus at {url} is unreachable" in warning and "check --prometheus" in warning


async def test_a_slow_prometheus_is_given_up_after_3_s(
    slow_prometheus: str, cluster_dir: Path, rules: RuleSet
) -> None:
    started = time.monotonic()
    d = await _diagnose(cluster_dir, PrometheusClient(slow_prometheus), "api-leak", rules)
    took = time.monotonic() - started
    assert 2.9 < took < 6  # the 3 s timeout, not the 10 s the server would take
    assert d.memory is None and d.top is not None
    (warning,) = _memory_warnings(d)
    assert "did not answer within 3 s" in warning


async def test_a_401_names_the_bearer_token_file_to_check(
    guarded_prometheus: tuple[str, list[str]], tmp_path: Path, cluster_dir: Path, rules: RuleSet
) -> None:
    url, _ = guarded_prometheus
    wrong = tmp_path / "wrong-token"
    wrong.write_text("not-the-token")
    client = PrometheusClient(url, auth=PrometheusAuth(bearer_token_file=wrong))
    d = await _diagnose(cluster_dir, client, "api-leak", rules)
    assert d.memory is None and d.top is not None
    (warning,) = _memory_warnings(d)
    assert warning == (
        f"memory series unavailable: Prometheus at {url} answered 401 "
        f"(check the bearer token file {wrong})"
    )


async def test_the_bearer_token_is_read_from_its_file_and_sent(
    guarded_prometheus: tuple[str, list[str]], token_file: Path, cluster_dir: Path, rules: RuleSet
) -> None:
    url, seen = guarded_prometheus
    client = PrometheusClient(url, auth=PrometheusAuth(bearer_token_file=token_file))
    d = await _diagnose(cluster_dir, client, "api-leak", rules)
    assert d.memory is not None and d.memory.trend == "leak"
    assert seen and all(h == "Bearer dummy-prometheus-token" for h in seen)


async def test_basic_auth_in_the_url_is_sent_and_never_shown(
    guarded_prometheus: tuple[str, list[str]], cluster_dir: Path, rules: RuleSet
) -> None:
    url, seen = guarded_prometheus
    client = PrometheusClient(url.replace("http://", "http://ops:dummy-pass@"))
    d = await _diagnose(cluster_dir, client, "api-leak", rules)
    assert seen == ["Basic b3BzOmR1bW15LXBhc3M="] * 3  # ops:dummy-pass, on each query
    (warning,) = _memory_warnings(d)  # the proxy wants a bearer token
    assert "dummy-pass" not in warning and f"Prometheus at {url} answered 401" in warning


async def test_a_crash_that_is_not_memory_related_sends_no_query(
    guarded_prometheus: tuple[str, list[str]], cluster_dir: Path
) -> None:
    url, seen = guarded_prometheus
    facts = SnapshotSource(cluster_dir).read(Target(NAMESPACE, "api-leak"))
    (api,) = facts.containers
    exit1 = replace(
        api, last_state=replace(api.last_state or Terminated(), exit_code=1, reason="Error")
    )
    warnings: list[str] = []
    client = PrometheusClient(url)
    try:
        got = await client.memory(replace(facts, containers=(exit1,)), None, warnings)
    finally:
        await client.close()
    assert got is None and warnings == [] and seen == []


async def test_https_with_the_ca_bundle_reads_the_series(
    tls_prometheus: tuple[str, Path], cluster_dir: Path, rules: RuleSet
) -> None:
    url, ca = tls_prometheus
    client = PrometheusClient(url, auth=PrometheusAuth(ca_file=ca))
    d = await _diagnose(cluster_dir, client, "api-leak", rules)
    assert _memory_warnings(d) == [] and d.memory is not None and d.memory.trend == "leak"


async def test_https_without_the_ca_bundle_says_to_set_it(
    tls_prometheus: tuple[str, Path], cluster_dir: Path, rules: RuleSet
) -> None:
    url, _ = tls_prometheus
    d = await _diagnose(cluster_dir, PrometheusClient(url), "api-leak", rules)
    (warning,) = _memory_warnings(d)
    assert f"Prometheus at {url}: TLS failed" in warning and "set its CA bundle" in warning


async def test_a_missing_ca_bundle_file_is_a_warning(
    tmp_path: Path, cluster_dir: Path, rules: RuleSet
) -> None:
    missing = tmp_path / "missing-ca.crt"
    client = PrometheusClient("https://127.0.0.1:9", auth=PrometheusAuth(ca_file=missing))
    d = await _diagnose(cluster_dir, client, "api-leak", rules)
    (warning,) = _memory_warnings(d)
    assert f"cannot read the CA bundle {missing}" in warning
