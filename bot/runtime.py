"""The long-lived objects of `serve`, built once from the settings and passed around."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from bot.cluster.pool import ClusterPool
from bot.config import Settings
from bot.diagnoser import Diagnoser
from bot.diagnosis.rules import RuleSet, load_rules
from bot.inflight import InFlight
from bot.metrics import Metrics
from bot.redact import Redactor
from bot.slack.poster import SlackPoster, make_client


@dataclass
class Runtime:
    settings: Settings
    rules: RuleSet
    pool: ClusterPool
    diagnoser: Diagnoser
    client: AsyncWebClient
    poster: SlackPoster
    metrics: Metrics
    inflight: InFlight = field(default_factory=InFlight)

    async def close(self) -> None:
        # Answers still being written need the clusters, so they finish first.
        await self.inflight.drain(self.settings.file.limits.shutdown_grace_seconds)
        await self.pool.close()


def build_runtime(
    settings: Settings,
    *,
    client: AsyncWebClient | None = None,
    pool: ClusterPool | None = None,
    metrics: Metrics | None = None,
) -> Runtime:
    metrics = metrics or Metrics()
    rules = load_rules(settings.file.rule_dirs)
    pool = pool or ClusterPool(
        settings, on_request=lambda res, out: metrics.kube_requests.labels(res, out).inc()
    )

    def on_diagnosis(outcome: str, seconds: float) -> None:
        metrics.diagnosis_seconds.observe(seconds)

    diagnoser = Diagnoser(
        rules=rules,
        source_for=pool.get,
        redactor=Redactor(settings.file.redaction_patterns),
        on_diagnosis=on_diagnosis,
        # a workload is read like the alert path reads one: the same sample size
        sample_per_status=settings.file.alerts.sample_per_workload,
    )
    if client is None:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
        client = make_client(token, base_url=settings.slack_api_url)
    poster = SlackPoster(
        client,
        per_second=settings.file.limits.posts_per_second_per_channel,
        on_call=lambda method, outcome: metrics.slack_calls.labels(method, outcome).inc(),
    )
    return Runtime(settings, rules, pool, diagnoser, client, poster, metrics)
