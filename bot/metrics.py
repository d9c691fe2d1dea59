"""Prometheus metrics, in one registry per process (tests build their own)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.diagnoses = Counter(
            "crashloop_diagnoses_total",
            "Diagnoses by trigger and outcome",
            ["trigger", "outcome"],
            registry=r,
        )
        self.diagnosis_seconds = Histogram(
            "crashloop_diagnosis_seconds",
            "Time to collect facts and diagnose",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=r,
        )
        self.rule_hits = Counter(
            "crashloop_rule_hits_total",
            "Findings by rule id (top finding only)",
            ["rule"],
            registry=r,
        )
        self.kube_requests = Counter(
            "crashloop_kube_requests_total",
            "Kubernetes API requests by resource and outcome",
            ["resource", "outcome"],
            registry=r,
        )
        self.slack_calls = Counter(
            "crashloop_slack_calls_total",
            "Slack Web API calls by method and outcome",
            ["method", "outcome"],
            registry=r,
        )
        self.alerts = Counter(
            "crashloop_alerts_total",
            "Alerts received, by what was done with them",
            ["action"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "crashloop_queue_depth", "Alert notifications stored and not yet processed", registry=r
        )
        self.webhooks = Counter(
            "crashloop_webhooks_total",
            "Alertmanager webhook requests by HTTP status",
            ["status"],
            registry=r,
        )
