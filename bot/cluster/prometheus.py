"""Memory series from the cluster's Prometheus: the working set and the limit before a kill.

A data source like the Kubernetes API, not part of the bot's own /metrics. It reads
cAdvisor's `container_memory_working_set_bytes` (and `container_memory_rss`) and
kube-state-metrics' `kube_pod_container_resource_limits{resource="memory"}` over
`/api/v1/query_range`, authenticated as Prometheus HTTP API clients are (a bearer
token read from a file at each request, so rotated tokens work; basic auth; a CA
bundle). Every failure becomes a warning in the facts, never a failed diagnosis:
an on-call is better served by a diagnosis without a chart than by none.

What to ask for and when (memory-related crashes only, the window ending at the kill)
is knowledge kept in `bot.diagnosis.memory`; this module only does the I/O.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from bot.config import ClusterConfig
from bot.diagnosis.memory import Window, memory_related, query_window
from bot.facts import Container, MemorySeries, PodFacts

DEFAULT_TIMEOUT = 3.0  # seconds for all the queries of one diagnosis together


@dataclass(frozen=True, slots=True)
class PrometheusAuth:
    """How to authenticate, as Prometheus HTTP API clients do."""

    bearer_token_file: Path | None = None
    username: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None


class PrometheusError(Exception):
    """One failed read, already in words an operator can act on (used inside this module)."""


class PrometheusClient:
    """Reads memory series from one Prometheus. Release with `close()`."""

    def __init__(
        self,
        url: str,
        *,
        auth: PrometheusAuth | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        setting: str = "--prometheus",
    ) -> None:
        parts = urlsplit(url)
        self._basic: str | None = None  # an Authorization header value
        if parts.username:  # credentials in the URL: take them out of it and of warnings
            self._basic = aiohttp.encode_basic_auth(parts.username, parts.password or "")
            parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
        self.url = urlunsplit(parts).rstrip("/")
        self.auth = auth or PrometheusAuth()
        self.timeout = timeout
        self.setting = setting  # where the URL was configured, for warnings
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- what the collectors call ---------------------------------------------------------

    async def memory(
        self, facts: PodFacts, container: str | None, warnings: list[str]
    ) -> MemorySeries | None:
        """The memory series of the container in question, or None (with a warning when
        Prometheus was asked and could not tell). Never raises."""
        chosen = facts.container(container) if container else facts.default_container()
        if chosen is None or not memory_related(chosen):
            return None
        window = query_window(chosen)
        if window is None:
            return None
        try:
            async with asyncio.timeout(self.timeout):
                return await self._read(facts, chosen, window)
        except TimeoutError:
            warnings.append(
                f"memory series unavailable: Prometheus at {self.url} did not answer within "
                f"{self.timeout:g} s (is it overloaded, or is {self.setting} the right address?)"
            )
        except PrometheusError as e:
            warnings.append(f"memory series unavailable: {e}")
        return None

    # -- the queries ----------------------------------------------------------------------

    async def _read(self, facts: PodFacts, c: Container, w: Window) -> MemorySeries | None:
        sel = (
            f'namespace="{_quote(facts.namespace)}",pod="{_quote(facts.name)}",'
            f'container="{_quote(c.name)}"'
        )
        # By exact container name, which leaves out the pod-level cgroup (container="")
        # and the pause container (POD). `max by` joins the series of successive runs
        # (each has its own cgroup id) into one curve.
        by = "max by (container)"
        ws, rss, limit = await asyncio.gather(
            self.query_range(f"{by} (container_memory_working_set_bytes{{{sel}}})", w),
            self.query_range(f"{by} (container_memory_rss{{{sel}}})", w),
            self.query_range(
                f'{by} (kube_pod_container_resource_limits{{{sel},resource="memory"}})', w
            ),
        )
        if not ws:
            raise PrometheusError(
                f"Prometheus at {self.url} has no container_memory_working_set_bytes for "
                f"{facts.namespace}/{facts.name} container {c.name} between "
                f"{_iso(w.start)} and {_iso(w.end)} (does it scrape the kubelets' cAdvisor?)"
            )
        limit_bytes = int(limit[-1][1]) if limit else c.memory_limit_bytes
        kills = tuple(
            t.finished_at for t in (c.terminated,) if t is not None and t.finished_at is not None
        )
        return MemorySeries(
            container=c.name,
            start=w.start,
            end=w.end,
            step_seconds=w.step_seconds,
            working_set=tuple(ws),
            rss=tuple(rss),
            limit_bytes=limit_bytes,
            kills=kills,
            restart_count=c.restart_count,
        )

    async def query_range(self, query: str, w: Window) -> list[tuple[datetime, float]]:
        """One range query; the points of its first series (the queries give one at most)."""
        params = {
            "query": query,
            "start": f"{w.start.timestamp():.3f}",
            "end": f"{w.end.timestamp():.3f}",
            "step": f"{w.step_seconds:g}",
        }
        status, body = await self._get("/api/v1/query_range", params)
        doc = _json(body)
        if status != 200 or doc.get("status") != "success":
            raise PrometheusError(self._failure(status, doc, body))
        result = doc.get("data", {}).get("result") if isinstance(doc.get("data"), dict) else None
        if not isinstance(result, list) or not result:
            return []
        values = result[0].get("values") if isinstance(result[0], dict) else None
        points: list[tuple[datetime, float]] = []
        for pair in values or []:
            try:
                points.append((datetime.fromtimestamp(float(pair[0]), UTC), float(pair[1])))
            except (TypeError, ValueError, IndexError):
                continue  # NaN/garbage samples are skipped, not fatal
        return points

    async def _get(self, path: str, params: Mapping[str, str]) -> tuple[int, bytes]:
        headers = {"Accept": "application/json"}
        token = self._token()
        basic = self._basic_auth()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif basic:
            headers["Authorization"] = basic
        try:
            session = self._open()
            async with session.get(self.url + path, params=dict(params), headers=headers) as resp:
                return resp.status, await resp.read()
        except aiohttp.ClientSSLError as e:
            raise PrometheusError(
                f"Prometheus at {self.url}: TLS failed ({e}); set its CA bundle "
                "(prometheus_auth.ca_file, or --prometheus-ca-file)"
            ) from e
        except aiohttp.ClientError as e:
            raise PrometheusError(
                f"Prometheus at {self.url} is unreachable ({e}); check {self.setting}"
            ) from e
        except OSError as e:  # the CA bundle could not be read
            raise PrometheusError(
                f"Prometheus at {self.url}: cannot read the CA bundle {self.auth.ca_file} ({e})"
            ) from e

    def _failure(self, status: int, doc: Mapping[str, Any], body: bytes) -> str:
        where = f"Prometheus at {self.url} answered {status}"
        if status == 401:
            how = (
                f"check the bearer token file {self.auth.bearer_token_file}"
                if self.auth.bearer_token_file
                else "check the basic auth user and password"
                if self._basic_auth()
                else "it needs credentials: set a bearer token file or basic auth"
            )
            return f"{where} ({how})"
        if status == 403:
            return f"{where} (the credentials are valid but may not query; check its access rules)"
        error = doc.get("error") or body[:200].decode("utf-8", "replace").strip()
        return f"{where}: {error}" if error else where

    # -- connection and credentials -------------------------------------------------------

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            ctx: ssl.SSLContext | bool = True
            if self.auth.ca_file is not None:
                ctx = ssl.create_default_context(cafile=str(self.auth.ca_file))
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx))
        return self._session

    def _token(self) -> str | None:
        path = self.auth.bearer_token_file
        if path is None:
            return None
        try:
            return path.read_text(encoding="utf-8").strip() or None
        except OSError as e:
            raise PrometheusError(
                f"cannot read the Prometheus bearer token file {path}: {e}"
            ) from e

    def _basic_auth(self) -> str | None:
        if self._basic is not None:
            return self._basic
        if self.auth.username is None:
            return None
        password = ""
        if self.auth.password_file is not None:
            try:
                password = self.auth.password_file.read_text(encoding="utf-8").strip()
            except OSError as e:
                raise PrometheusError(
                    f"cannot read the Prometheus password file {self.auth.password_file}: {e}"
                ) from e
        return aiohttp.encode_basic_auth(self.auth.username, password)


def for_cluster(cfg: ClusterConfig | None) -> PrometheusClient | None:
    """The client of a configured cluster's Prometheus; None when it has none."""
    if cfg is None or cfg.prometheus_url is None:
        return None
    a = cfg.prometheus_auth
    return PrometheusClient(
        cfg.prometheus_url,
        auth=PrometheusAuth(a.bearer_token_file, a.username, a.password_file, a.ca_file),
        setting=f"clusters.{cfg.name}.prometheus_url",
    )


def _quote(value: str) -> str:
    """A PromQL string literal's content (label values come from the pod, not from users,
    but a name is still escaped rather than trusted)."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _json(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")
