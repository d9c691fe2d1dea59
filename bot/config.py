"""Settings: environment variables and an optional YAML file, validated once at start-up.

The YAML file (`CRASHLOOP_CONFIG`) holds routing, namespace access, clusters, rule
folders, redaction patterns and limits; the environment holds secrets and the few
values an operator sets per deployment, and overrides the file. Anything invalid
fails at start-up with a message naming the key.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from bot.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PrometheusAuthConfig(_Strict):
    """How the bot authenticates to a cluster's Prometheus (as Prometheus API clients do)."""

    bearer_token_file: Path | None = Field(
        default=None, description="file holding a bearer token, read at each request"
    )
    username: str | None = Field(default=None, description="basic auth user")
    password_file: Path | None = Field(default=None, description="file holding the password")
    ca_file: Path | None = Field(default=None, description="CA bundle for an https:// URL")


class ClusterConfig(_Strict):
    """A cluster the bot can read."""

    name: str = Field(description="the name used in `prod:ns/pod` and in alerts' cluster label")
    context: str | None = Field(default=None, description="kubeconfig context; None = current")
    kubeconfig: str | None = Field(default=None, description="kubeconfig file; None = standard")
    prometheus_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="the cluster's Prometheus, for memory series before a kill; None = not asked",
    )
    prometheus_auth: PrometheusAuthConfig = PrometheusAuthConfig()


class Scope(_Strict):
    """Namespaces and clusters, as glob patterns (`payments-*`, `*`)."""

    namespaces: list[str] = ["*"]
    clusters: list[str] = ["*"]

    def allows(self, namespace: str, cluster: str | None) -> bool:
        ns_ok = any(fnmatch.fnmatchcase(namespace, p) for p in self.namespaces)
        cl_ok = cluster is None or any(fnmatch.fnmatchcase(cluster, p) for p in self.clusters)
        return ns_ok and cl_ok


class AccessConfig(_Strict):
    """Who may see what. A channel listed here gets its own scope; others get `default`."""

    default: Scope = Scope()
    channels: dict[str, Scope] = {}
    user_groups: dict[str, Scope] = Field(
        default={}, description="Slack user group id -> extra scope for its members"
    )

    def scope_for(self, channel: str | None) -> Scope:
        if channel is not None and channel in self.channels:
            return self.channels[channel]
        return self.default


class Route(_Strict):
    """Send alerts whose target matches to a channel. First match wins."""

    channel: str
    namespaces: list[str] = []  # globs; empty = any
    clusters: list[str] = []
    labels: dict[str, str] = {}  # exact alert label values

    def matches(self, namespace: str, cluster: str | None, labels: Mapping[str, str]) -> bool:
        if self.namespaces and not any(fnmatch.fnmatchcase(namespace, p) for p in self.namespaces):
            return False
        if self.clusters and not any(fnmatch.fnmatchcase(cluster or "", p) for p in self.clusters):
            return False
        return all(labels.get(k) == v for k, v in self.labels.items())


class AlertsConfig(_Strict):
    """Which alerts are about crash-looping pods, and where their labels are."""

    alertnames: list[str] = ["KubePodCrashLooping"]
    matchers: list[dict[str, str]] = Field(
        default=[{"reason": "CrashLoopBackOff"}],
        description="alerts whose labels include all of one of these also qualify",
    )
    namespace_labels: list[str] = ["namespace", "exported_namespace"]
    pod_labels: list[str] = ["pod", "exported_pod", "pod_name"]
    container_labels: list[str] = ["container", "exported_container"]
    cluster_label: str = "cluster"
    group_by_workload: bool = True
    repeat_update_seconds: int = Field(default=0, ge=0, description="0: only on change")
    recheck_after_seconds: int = Field(
        default=300,
        ge=0,
        description="an alert repeated this long after it was handled is diagnosed again; "
        "sooner, it is a redelivery and ignored",
    )
    sample_per_workload: int = Field(
        default=3,
        ge=1,
        le=50,
        description="pods diagnosed per workload and cause; the rest counted",
    )
    workers: int = Field(default=16, ge=1, le=64)
    lease_seconds: float = Field(
        default=30.0,
        ge=1,
        le=600,
        description="how long a replica's claim on an alert item or a thread lasts unrenewed; "
        "a replica that dies holds its work this long before another takes it over",
    )


class LimitsConfig(_Strict):
    request_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    concurrency: int = Field(default=64, ge=1, le=256, description="requests in flight per cluster")
    diagnoses: int = Field(
        default=16, ge=1, le=64, description="diagnoses collected at once per cluster"
    )
    log_lines: int = Field(default=200, ge=1, le=5000)
    log_bytes: int = Field(default=64 * 1024, ge=1024, le=1024 * 1024)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    posts_per_second_per_channel: float = Field(default=1.0, gt=0, le=10)
    shutdown_grace_seconds: float = Field(
        default=20.0,
        ge=0,
        le=300,
        description="on SIGTERM, how long Slack requests in flight get to post their answer; "
        "keep it below the pod's terminationGracePeriodSeconds",
    )


class FileConfig(_Strict):
    """The YAML file's top level."""

    clusters: list[ClusterConfig] = []
    default_cluster: str | None = None
    access: AccessConfig = AccessConfig()
    routing: list[Route] = []
    alert_channel: str | None = None
    alerts: AlertsConfig = AlertsConfig()
    rule_dirs: list[Path] = []
    redaction_patterns: list[str] = []
    limits: LimitsConfig = LimitsConfig()
    alertmanager_url: str | None = None
    state: str | None = Field(
        default=None,
        description="a SQLite file path, or a postgresql:// URL shared by several replicas",
    )

    @model_validator(mode="after")
    def _clusters(self) -> FileConfig:
        names = [c.name for c in self.clusters]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"clusters: duplicate name {sorted(dupes)[0]!r}")
        if self.default_cluster is not None and self.default_cluster not in names:
            raise ValueError(f"default_cluster: {self.default_cluster!r} is not in clusters")
        return self


class Settings(_Strict):
    """Everything `serve` runs with. Built once by `load_settings()`."""

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None
    webhook_token: SecretStr | None = None
    webhook_basic_user: str | None = None
    webhook_basic_password: SecretStr | None = None
    state_path: Path = Path("crashloop-state.sqlite3")
    state_url: SecretStr | None = Field(
        default=None, description="CRASHLOOP_STATE when it is a postgresql:// URL"
    )
    file: FileConfig = FileConfig()

    @property
    def state(self) -> str:
        """Where durable state lives: the postgresql:// URL if set, else the SQLite file."""
        if self.state_url is not None:
            return self.state_url.get_secret_value()
        return str(self.state_path)

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def alert_channel(self) -> str | None:
        return self.file.alert_channel

    def cluster(self, name: str | None) -> ClusterConfig | None:
        """The cluster config for a name (None = the default one)."""
        wanted = name or self.file.default_cluster
        if wanted is None:
            return self.file.clusters[0] if self.file.clusters else None
        return next((c for c in self.file.clusters if c.name == wanted), None)

    def check_for_serving(self) -> None:
        """The combinations `serve` cannot run without, each named."""
        if self.slack_bot_token is None:
            raise ConfigError("SLACK_BOT_TOKEN is required to serve (the xoxb- bot token)")
        if self.slack_app_token is None and self.slack_signing_secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is required in HTTP mode "
                "(or set SLACK_APP_TOKEN to use Socket Mode)"
            )
        if (
            self.slack_app_token is not None
            and not self.slack_app_token.get_secret_value().startswith("xapp-")
        ):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        if (self.webhook_basic_user is None) != (self.webhook_basic_password is None):
            raise ConfigError(
                "CRASHLOOP_WEBHOOK_USER and CRASHLOOP_WEBHOOK_PASSWORD must be set together"
            )


ENV = {
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "webhook_token": "CRASHLOOP_WEBHOOK_TOKEN",
    "webhook_basic_user": "CRASHLOOP_WEBHOOK_USER",
    "webhook_basic_password": "CRASHLOOP_WEBHOOK_PASSWORD",
    "state_path": "CRASHLOOP_STATE",
}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read CRASHLOOP_CONFIG (if set) and the environment; the environment wins."""
    env = os.environ if env is None else env
    file_cfg = (
        load_file(Path(env["CRASHLOOP_CONFIG"])) if env.get("CRASHLOOP_CONFIG") else FileConfig()
    )
    if env.get("CRASHLOOP_ALERT_CHANNEL"):
        file_cfg = file_cfg.model_copy(update={"alert_channel": env["CRASHLOOP_ALERT_CHANNEL"]})
    values: dict[str, Any] = {k: env[v] for k, v in ENV.items() if env.get(v)}
    if "state_path" not in values and file_cfg.state is not None:
        values["state_path"] = file_cfg.state
    # A postgresql:// URL would be mangled as a Path (and holds a password): kept apart.
    if str(values.get("state_path", "")).startswith(("postgresql://", "postgres://")):
        values["state_url"] = values.pop("state_path")
    try:
        return Settings(file=file_cfg, **values)
    except ValidationError as e:
        raise ConfigError(_describe(e, ENV)) from e


def load_file(path: Path) -> FileConfig:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"CRASHLOOP_CONFIG={path}: cannot read: {e}") from e
    try:
        return FileConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"CRASHLOOP_CONFIG={path}: {_describe(e)}") from e


def _describe(e: ValidationError, names: Mapping[str, str] | None = None) -> str:
    parts = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if names and loc in names:
            loc = names[loc]
        parts.append(f"{loc or '(top level)'}: {err['msg']}")
    return "; ".join(parts)
