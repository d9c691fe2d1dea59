"""Where Prometheus is configured: per cluster, validated at start-up, given to the source."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cluster.prometheus import for_cluster
from bot.config import load_file
from bot.errors import ConfigError


def test_a_cluster_prometheus_with_its_auth_becomes_a_client(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "clusters:\n"
        "  - name: prod\n"
        "    prometheus_url: https://ops:dummy@prom.example.com:9090/\n"
        "    prometheus_auth: {bearer_token_file: /run/token, ca_file: /run/ca.crt}\n"
        "  - name: staging\n"
    )
    prod, staging = load_file(path).clusters
    client = for_cluster(prod)
    assert client is not None
    assert client.url == "https://prom.example.com:9090"  # credentials out of the URL
    assert client.auth.bearer_token_file == Path("/run/token")
    assert client.auth.ca_file == Path("/run/ca.crt")
    assert client.setting == "clusters.prod.prometheus_url"
    assert for_cluster(staging) is None and for_cluster(None) is None


def test_a_prometheus_url_without_a_scheme_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("clusters:\n  - {name: prod, prometheus_url: 'prometheus:9090'}\n")
    with pytest.raises(ConfigError) as err:
        load_file(path)
    assert "clusters.0.prometheus_url" in str(err.value)
