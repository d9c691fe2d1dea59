"""A real Prometheus for the tests: Debian's `prometheus` and `promtool` on loopback.

The series are written as OpenMetrics text, backfilled into TSDB blocks with
`promtool tsdb create-blocks-from openmetrics`, and served by a Prometheus that has no
scrape jobs (so nothing but the fixture's data is in it) on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _need(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found: install Debian's prometheus package (.ci/run does)")
    return path


@contextlib.contextmanager
def running_prometheus(openmetrics: str, workdir: Path, *, lookback: str) -> Iterator[str]:
    """Backfill `openmetrics` into blocks under `workdir` and serve them; yields the URL."""
    data = workdir / "data"
    data.mkdir(parents=True)
    source = workdir / "series.om"
    source.write_text(openmetrics, encoding="utf-8")
    subprocess.run(
        [_need("promtool"), "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    config = workdir / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1h\nscrape_configs: []\n", encoding="utf-8")
    port = free_port()
    log = (workdir / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [
            _need("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=100y",  # the fixture's times are fixed, in the past
            f"--query.lookback-delta={lookback}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: {(workdir / 'prometheus.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("prometheus did not become ready within 30 s")
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
