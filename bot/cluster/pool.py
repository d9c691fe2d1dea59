"""One live source per configured cluster, connected on first use and kept open."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.cluster.live import LiveOptions, LiveSource
from bot.cluster.prometheus import for_cluster
from bot.cluster.source import Source
from bot.config import Settings
from bot.errors import ClusterAccessError


class ClusterPool:
    def __init__(
        self, settings: Settings, *, on_request: Callable[[str, str], None] | None = None
    ) -> None:
        self.settings = settings
        limits = settings.file.limits
        self.options = LiveOptions(
            timeout=limits.request_timeout_seconds,
            concurrency=limits.concurrency,
            diagnoses=limits.diagnoses,
            log_lines=limits.log_lines,
            log_bytes=limits.log_bytes,
        )
        self._on_request = on_request
        self._sources: dict[str | None, Source] = {}
        self._lock = asyncio.Lock()

    def names(self) -> list[str]:
        return [c.name for c in self.settings.file.clusters]

    async def get(self, cluster: str | None) -> Source:
        async with self._lock:
            if cluster not in self._sources:
                self._sources[cluster] = await self._connect(cluster)
            return self._sources[cluster]

    def put(self, cluster: str | None, source: Source) -> None:
        """Use a given source for a cluster (a snapshot, in demos and tests)."""
        self._sources[cluster] = source

    async def _connect(self, cluster: str | None) -> Source:
        cfg = self.settings.cluster(cluster)
        if cluster is not None and cfg is None:
            known = ", ".join(self.names()) or "none configured"
            raise ClusterAccessError(f'unknown cluster "{cluster}" (known: {known})')
        return await LiveSource.connect(
            context=cfg.context if cfg else None,
            kubeconfig=cfg.kubeconfig if cfg else None,
            cluster=cfg.name if cfg else None,
            options=self.options,
            on_request=self._on_request,
            prometheus=for_cluster(cfg),
        )

    async def close(self) -> None:
        for source in self._sources.values():
            await source.close()
        self._sources.clear()
