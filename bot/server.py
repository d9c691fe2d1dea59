"""One aiohttp application: Slack, Alertmanager, health and metrics.

`serve` runs it on one port. In HTTP mode Slack posts to /slack/events; with
SLACK_APP_TOKEN set, Slack traffic goes over Socket Mode instead and the same port
still serves the webhook, probes and metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.internals import parse_body

from bot.config import Settings, load_settings
from bot.errors import BotError
from bot.logs import setup_logging
from bot.runtime import Runtime, build_runtime
from bot.slack.app import build_bolt_app
from bot.slack.payloads import body_problem

log = logging.getLogger(__name__)
READY_CACHE_SECONDS = 10.0


class Component(Protocol):
    """Something the server starts and stops with itself (the alert receiver)."""

    def add_routes(self, app: web.Application) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Checked(Protocol):
    """A component with readiness conditions of its own (the alert receiver's state)."""

    async def problems(self) -> list[str]: ...


@dataclass
class Readiness:
    """Cached readiness: rules loaded, Slack auth ok, default cluster reachable."""

    runtime: Runtime
    checked_at: float = 0.0
    problems: list[str] = field(default_factory=list)

    async def check(self) -> list[str]:
        now = time.monotonic()
        if now - self.checked_at < READY_CACHE_SECONDS:
            return self.problems
        problems: list[str] = []
        if not self.runtime.rules.rules:
            problems.append("no rules loaded")
        try:
            await self.runtime.client.auth_test()
        except Exception as e:  # any failure means "not ready"; the reason is reported
            problems.append(f"slack auth.test failed: {type(e).__name__}")
        try:
            await (await self.runtime.pool.get(None)).ping()
        except BotError as e:
            problems.append(f"cluster: {e}")
        self.problems, self.checked_at = problems, now
        return problems


def build_web_app(
    runtime: Runtime, bolt: AsyncApp, *, components: list[Component] | None = None
) -> web.Application:
    app = web.Application(client_max_size=runtime.settings.file.limits.max_body_bytes)
    readiness = Readiness(runtime)

    async def slack_events(request: web.Request) -> web.Response:
        # Bolt parses the body (and trusts its shape) before it checks the signature:
        # a body it cannot read is a 400 here, not an exception inside Bolt.
        try:
            problem = body_problem(parse_body(await request.text(), request.content_type))
        except (ValueError, RecursionError):  # not UTF-8, or a payload that is not JSON
            problem = "the body is not UTF-8 form data or JSON"
        if problem is not None:
            return web.json_response({"error": f"malformed Slack request: {problem}"}, status=400)
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        problems = list(await readiness.check())
        # Not cached: a replica whose database is gone stops taking traffic at once.
        for component in components or []:
            if callable(getattr(component, "problems", None)):
                problems += await cast(Checked, component).problems()
        status = 200 if not problems else 503
        return web.json_response({"ready": not problems, "problems": problems}, status=status)

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(runtime.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    if not runtime.settings.socket_mode:
        app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    for component in components or []:
        component.add_routes(app)

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        for component in components or []:
            await component.start()
        yield
        for component in reversed(components or []):
            await component.stop()
        await runtime.close()

    app.cleanup_ctx.append(lifecycle)
    return app


def build_components(runtime: Runtime) -> list[Component]:
    from bot.alerts.receiver import AlertReceiver

    return [AlertReceiver.from_runtime(runtime)]


async def run_server(
    settings: Settings, *, host: str, port: int, stop: asyncio.Event | None = None
) -> None:
    """Serve until `stop` is set (or SIGTERM/SIGINT)."""
    runtime = build_runtime(settings)
    bolt = build_bolt_app(runtime)
    app = build_web_app(runtime, bolt, components=build_components(runtime))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    socket_handler: Any = None
    if settings.socket_mode and settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        socket_handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
        await socket_handler.connect_async()
    log.info("serving", extra={"host": host, "port": port, "socket_mode": settings.socket_mode})
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        if socket_handler is not None:
            await socket_handler.close_async()
        await runner.cleanup()


def serve_main(*, host: str, port: int, check_config: bool) -> int:
    setup_logging()
    settings = load_settings()
    settings.check_for_serving()
    if check_config:
        build_runtime(settings)  # loads and validates the rules too
        print("configuration ok")
        return 0
    asyncio.run(run_server(settings, host=host, port=port))
    return 0
