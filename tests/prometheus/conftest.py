"""Fixtures of the memory tests: a real Prometheus over backfilled series, and the
servers that stand for a Prometheus that is slow or asks for credentials."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import yaml
from aiohttp import web

from tests.fakes.kubeapi import FakeKubeAPI, write_kubeconfig
from tests.fakes.slackapi import FakeSlackAPI
from tests.prometheus.curves import LOOKBACK, openmetrics, pod_objects
from tests.prometheus.promserver import running_prometheus

TOKEN = "dummy-prometheus-token"


@pytest.fixture(scope="session")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's Prometheus over every scenario's series (started once, ~1.5 s)."""
    workdir = tmp_path_factory.mktemp("prometheus")
    lookback = f"{LOOKBACK.total_seconds():g}s"
    with running_prometheus(openmetrics(), workdir, lookback=lookback) as url:
        yield url


async def _serve(
    app: web.Application, tls: ssl.SSLContext | None = None
) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"{'https' if tls else 'http'}://127.0.0.1:{port}"


def _forward(prometheus_url: str, seen: list[str] | None = None) -> web.Application:
    """A reverse proxy to the real Prometheus; with `seen`, it wants `Bearer TOKEN`."""

    async def proxy(request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if seen is not None:
            seen.append(auth)
            if auth != f"Bearer {TOKEN}":
                return web.Response(status=401, text="Unauthorized\n")
        async with (
            aiohttp.ClientSession() as s,
            s.get(prometheus_url + request.path, params=request.query) as r,
        ):
            return web.Response(
                status=r.status, body=await r.read(), content_type="application/json"
            )

    app = web.Application()
    app.router.add_get("/api/v1/query_range", proxy)
    return app


@pytest.fixture
async def slow_prometheus() -> AsyncIterator[str]:
    """Accepts the query and answers nothing for 10 s: longer than the client waits."""

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(10)
        return web.json_response({"status": "success", "data": {"result": []}})

    app = web.Application()
    app.router.add_get("/api/v1/query_range", hang)
    runner, url = await _serve(app)
    yield url
    await runner.cleanup()


@pytest.fixture
async def guarded_prometheus(prometheus_url: str) -> AsyncIterator[tuple[str, list[str]]]:
    """The real Prometheus behind a proxy that wants `Bearer TOKEN`, as an authenticating
    reverse proxy in front of a cluster's Prometheus does. Yields (URL, seen headers)."""
    seen: list[str] = []
    runner, url = await _serve(_forward(prometheus_url, seen))
    yield url, seen
    await runner.cleanup()


@pytest.fixture(scope="session")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key): a CA of its own."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "prometheus.crt", d / "prometheus.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
async def tls_prometheus(
    prometheus_url: str, private_ca: tuple[Path, Path]
) -> AsyncIterator[tuple[str, Path]]:
    """The real Prometheus behind TLS with a private CA. Yields (https URL, CA bundle)."""
    cert, key = private_ca
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    runner, url = await _serve(_forward(prometheus_url), tls)
    yield url, cert
    await runner.cleanup()


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return path


@pytest.fixture(scope="session")
def cluster_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scenario pods as a snapshot folder (served by FakeKubeAPI or read as files)."""
    path = tmp_path_factory.mktemp("cluster")
    doc = {"apiVersion": "v1", "kind": "List", "items": pod_objects()}
    (path / "pods.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture
async def fakes(
    prometheus_url: str, cluster_dir: Path, tmp_path: Path
) -> AsyncIterator[tuple[FakeSlackAPI, dict[str, str]]]:
    """The local Slack Web API and kube-apiserver, and the `clusters:` entry that points
    at them and at the real Prometheus."""
    async with FakeSlackAPI() as slack:
        kube = FakeKubeAPI(cluster_dir)
        write_kubeconfig(tmp_path / "kubeconfig", await kube.start())
        try:
            yield (
                slack,
                {
                    "name": "test",
                    "kubeconfig": str(tmp_path / "kubeconfig"),
                    "prometheus_url": prometheus_url,
                },
            )
        finally:
            await kube.stop()
