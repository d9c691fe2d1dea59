"""The real processes of the end-to-end tests: Alertmanager and `crashloop-bot serve`.

Plus the payloads Alertmanager sends, built the same way for direct posts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import yaml

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
BOT = Path(sys.executable).parent / "crashloop-bot"
TOKEN = "test-webhook-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def http(
    url: str,
    body: bytes | None = None,
    *,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    timeout: float = 10.0,
) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def am_alert(
    namespace: str,
    pod: str,
    *,
    container: str = "api",
    alertname: str = "KubePodCrashLooping",
    starts: datetime | None = None,
    ends: datetime | None = None,
    status: str = "firing",
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One alert as Alertmanager's webhook carries it."""
    labels = {
        "alertname": alertname,
        "namespace": namespace,
        "pod": pod,
        "container": container,
        "severity": "warning",
        **(extra or {}),
    }
    starts = starts or datetime(2025, 11, 25, 10, 0, tzinfo=UTC)
    return {
        "status": status,
        "labels": labels,
        "annotations": {"summary": "Pod is crash looping."},
        "startsAt": iso(starts),
        "endsAt": iso(ends) if ends else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": hashlib.sha256(
            f"{namespace}/{pod}/{container}/{alertname}".encode()
        ).hexdigest()[:16],
    }


def notification(alerts: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {
        "receiver": "crashloop",
        "status": status,
        "alerts": alerts,
        "groupLabels": {"namespace": alerts[0]["labels"]["namespace"]} if alerts else {},
        "commonLabels": {"alertname": "KubePodCrashLooping"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "version": "4",
        "groupKey": '{}:{namespace="x"}',
        "truncatedAlerts": 0,
        **extra,
    }


def post_webhook(
    base: str, payload: Any, *, token: str | None = TOKEN, timeout: float = 10.0
) -> tuple[int, dict[str, Any]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    status, raw = http(f"{base}/alertmanager", body, headers=headers, timeout=timeout)
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = {"raw": raw.decode("utf-8", "replace")}
    return status, doc


class Alertmanager:
    """prometheus-alertmanager on loopback, its webhook pointed at the bot."""

    def __init__(
        self,
        tmp: Path,
        webhook_url: str,
        *,
        token: str = TOKEN,
        name: str = "alertmanager",
        cluster_port: int | None = None,
        peers: tuple[int, ...] = (),
    ) -> None:
        """Standalone, or a peer of an HA cluster (`cluster_port`, `peers` on loopback).

        Peers gossip fast here and do not wait for each other before notifying
        (`--cluster.peer-timeout=0s`; by default the second peer waits 15 s for the
        first one's delivery to be gossiped), so every peer delivers every notification
        at about the same moment: the worst case, which the receiver must deduplicate.
        """
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = tmp / name
        self.dir.mkdir(parents=True, exist_ok=True)
        config = {
            "route": {
                "receiver": "crashloop",
                "group_by": ["namespace", "pod"],
                "group_wait": "1s",
                "group_interval": "2s",
                "repeat_interval": "1h",
            },
            "receivers": [
                {
                    "name": "crashloop",
                    "webhook_configs": [
                        {
                            "url": webhook_url,
                            "send_resolved": True,
                            "http_config": {"authorization": {"credentials": token}},
                        }
                    ],
                }
            ],
        }
        (self.dir / "alertmanager.yml").write_text(yaml.safe_dump(config))
        self.log = (self.dir / "alertmanager.log").open("wb")
        cluster = ["--cluster.listen-address="]
        if cluster_port is not None:
            cluster = [
                f"--cluster.listen-address=127.0.0.1:{cluster_port}",
                f"--cluster.advertise-address=127.0.0.1:{cluster_port}",
                *(f"--cluster.peer=127.0.0.1:{p}" for p in peers),
                "--cluster.gossip-interval=50ms",
                "--cluster.pushpull-interval=1s",
                "--cluster.peer-timeout=0s",
                "--cluster.settle-timeout=5s",
            ]
        self.proc = subprocess.Popen(
            [
                ALERTMANAGER,
                f"--config.file={self.dir / 'alertmanager.yml'}",
                f"--storage.path={self.dir / 'data'}",
                *cluster,
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self._ready, 20, "alertmanager to be ready")

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"alertmanager exited: {self.output()}")
        with contextlib.suppress(OSError):
            return http(f"{self.url}/-/ready", timeout=1)[0] == 200
        return False

    def wait_settled(self) -> None:
        """An HA peer sends nothing until the cluster's gossip has settled."""
        wait_until(lambda: "gossip settled" in self.output(), 20, "alertmanager gossip to settle")

    def output(self) -> str:
        self.log.flush()
        return (self.dir / "alertmanager.log").read_text(errors="replace")[-4000:]

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        status, raw = http(
            f"{self.url}/api/v2/alerts",
            json.dumps(alerts).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert status == 200, raw

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class BotProcess:
    """`crashloop-bot serve` as a subprocess (restartable on the same state file)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, wait: bool = True) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(BOT), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        if wait:
            self.wait_healthy()

    def wait_healthy(self) -> None:
        wait_until(self._healthy, 60, "crashloop-bot to serve")

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"crashloop-bot exited: {self.output()}")
        with contextlib.suppress(OSError):
            return http(f"{self.url}/healthz", timeout=1)[0] == 200
        return False

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(15)
        self.proc = None

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


def inbox_states(state: Path) -> dict[str, int]:
    """Items per state, read from the bot's SQLite file (safe while it runs: WAL)."""
    conn = sqlite3.connect(state, timeout=10)
    try:
        rows = conn.execute("SELECT state, COUNT(*) FROM items GROUP BY state").fetchall()
        return {str(s): int(n) for s, n in rows}
    finally:
        conn.close()


def pg_states(dsn: str) -> dict[str, int]:
    """Items per state, read from the replicas' shared PostgreSQL database."""
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        rows = conn.execute("SELECT state, COUNT(*) FROM items GROUP BY state").fetchall()
        return {str(s): int(n) for s, n in rows}


def inbox_keys(state: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(state, timeout=10)
    try:
        return [
            (str(k), str(s), str(o))
            for k, s, o in conn.execute("SELECT key, state, outcome FROM items").fetchall()
        ]
    finally:
        conn.close()


@contextlib.contextmanager
def running(bot: BotProcess) -> Iterator[BotProcess]:
    bot.start()
    try:
        yield bot
    finally:
        bot.stop()


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
