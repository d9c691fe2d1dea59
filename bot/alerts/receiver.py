"""POST /alertmanager: authenticate, bound, validate, store durably, then answer.

The handler does no diagnosis and no Slack call: it checks the caller, refuses what is
not a reasonable notification (401, 415, 413, 400), writes the body and one work item
per alert to the durable state (a SQLite file, or PostgreSQL shared by several
replicas) in one committed transaction, and only then answers 200. A failure
to store answers 503, so Alertmanager retries rather than believing it delivered. The
workers (`dispatch`, `worker`) and the refresher do the rest from the inbox.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

from aiohttp import web

from bot.alerts.auth import WebhookAuth
from bot.alerts.dispatch import Dispatcher
from bot.alerts.inbox import Inbox, NewItem
from bot.alerts.locks import Locks
from bot.alerts.pacing import ChannelSlots
from bot.alerts.payload import Alert, PayloadError, parse_notification
from bot.alerts.refresh import Refresher
from bot.alerts.selection import Ignored, select
from bot.alerts.threads import ThreadStore
from bot.alerts.worker import Processor
from bot.runtime import Runtime
from bot.state import StateUnavailable, open_database

log = logging.getLogger(__name__)

PATH = "/alertmanager"
RETENTION_SECONDS = 14 * 24 * 3600


class AlertReceiver:
    def __init__(
        self,
        runtime: Runtime,
        *,
        recheck_after: float = 300.0,
        refresh_interval: float = 2.0,
        backoff_base: float = 1.0,
        sample: int = 3,
        lease: float | None = None,
    ) -> None:
        self.rt = runtime
        settings = runtime.settings
        self.cfg = settings.file
        self.auth = WebhookAuth.from_settings(settings)
        self.max_body = settings.file.limits.max_body_bytes
        self.db = open_database(settings.state, max_connections=self.cfg.alerts.workers + 4)
        # Names this process in claims and thread locks: unique even when a replica
        # restarts with the same host name and pid (a container's pid is often 1).
        self.owner = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
        lease = lease if lease is not None else self.cfg.alerts.lease_seconds
        self.inbox = Inbox(self.db, recheck_after=recheck_after, owner=self.owner, lease=lease)
        self.threads = ThreadStore(self.db)
        locks = Locks(self.db, owner=self.owner, lease=lease)
        self.processor = Processor(
            runtime, inbox=self.inbox, threads=self.threads, locks=locks, sample=sample
        )
        self.dispatcher = Dispatcher(
            self.inbox,
            self.processor.process,
            workers=self.cfg.alerts.workers,
            on_depth=runtime.metrics.queue_depth.set,
            backoff_base=backoff_base,
            # Shared: small batches, so a storm spreads over the replicas.
            batch=2 * self.cfg.alerts.workers if self.db.shared else 200,
        )
        self.refresher = Refresher(
            threads=self.threads,
            poster=runtime.poster,
            locks=locks,
            interval=refresh_interval,
        )

    @classmethod
    def from_runtime(cls, runtime: Runtime, **options: Any) -> AlertReceiver:
        alerts = runtime.settings.file.alerts
        options.setdefault("recheck_after", float(alerts.recheck_after_seconds))
        options.setdefault("sample", alerts.sample_per_workload)
        return cls(runtime, **options)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(PATH, self.handle)

    async def start(self) -> None:
        await self.db.open()
        if self.db.shared:
            self.rt.poster.share_pacing(ChannelSlots(self.db, owner=self.owner))
        pruned = await self.inbox.prune(RETENTION_SECONDS)
        if pruned:
            log.info("pruned old alert items", extra={"items": pruned})
        if not self.auth.required:
            log.warning(
                "the /alertmanager webhook accepts unauthenticated requests "
                "(set CRASHLOOP_WEBHOOK_TOKEN or CRASHLOOP_WEBHOOK_USER/PASSWORD)"
            )
        await self.dispatcher.start()
        self.refresher.start()
        log.info(
            "alert receiver started",
            extra={"state": self.db.where, "workers": self.cfg.alerts.workers},
        )

    async def stop(self) -> None:
        await self.dispatcher.stop()
        await self.refresher.stop()
        self.rt.poster.share_pacing(None)
        await self.db.close()

    async def problems(self) -> list[str]:
        """What keeps this replica from being ready: the durable state unreachable."""
        try:
            await self.db.ping()
        except StateUnavailable as e:
            return [f"state: {e}"]
        return []

    async def handle(self, request: web.Request) -> web.Response:
        response = await self._handle(request)
        self.rt.metrics.webhooks.labels(str(response.status)).inc()
        return response

    async def _handle(self, request: web.Request) -> web.Response:
        if not self.auth.allows(request.headers.get("Authorization")):
            return _error(
                401,
                "missing or wrong credentials for /alertmanager",
                headers={"WWW-Authenticate": self.auth.challenge()},
            )
        if request.content_type != "application/json":
            return _error(415, f"expected application/json, got {request.content_type}")
        too_big = f"body larger than limits.max_body_bytes ({self.max_body} bytes)"
        if request.content_length is not None and request.content_length > self.max_body:
            return _error(413, too_big)
        body = await _read_at_most(request, self.max_body)
        if body is None:
            return _error(413, too_big)
        try:
            notification = parse_notification(body)
        except PayloadError as e:
            return web.json_response(e.as_json(), status=400)
        items = [self._item(a) for a in notification.alerts]
        try:
            added = await self.inbox.add(body, notification, items)
        except Exception:
            log.exception("could not store an Alertmanager notification")
            return _error(503, "could not store the notification; retry")
        ignored = [it for it in items if it.state == "ignored"]
        for it in ignored:
            log.info(
                "alert ignored: %s",
                it.outcome,
                extra={"alertname": it.alert.labels.get("alertname", ""), "reason": it.outcome},
            )
        metrics = self.rt.metrics.alerts
        metrics.labels("received").inc(len(items))
        metrics.labels("ignored").inc(len(ignored))
        metrics.labels("deduplicated").inc(added.duplicates)
        self.dispatcher.wake()
        return web.json_response(
            {
                "status": "stored",
                "notification": added.notification_id,
                "alerts": len(items),
                "new": added.new,
                "duplicates": added.duplicates,
                "rechecks": added.rechecks,
                "ignored": len(ignored),
            }
        )

    def _item(self, alert: Alert) -> NewItem:
        chosen = select(alert.labels, self.cfg.alerts)
        if isinstance(chosen, Ignored):
            return NewItem(
                alert, hint="", state="ignored", outcome=f"{chosen.reason}: {chosen.detail}"
            )
        if not self.cfg.alerts.group_by_workload:
            return NewItem(alert, hint=f"alert:{alert.alert_fingerprint}")
        return NewItem(alert, hint=chosen.workload_hint)


async def _read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The body, or None as soon as it exceeds `limit` (whatever Content-Length said)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, message: str, *, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)
