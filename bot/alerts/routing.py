"""Where an alert's diagnosis goes: the first matching route, else the alert channel.

The chosen channel must also be allowed to see the namespace and cluster
(`access.scope_for(channel)`): routing never widens what a channel may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import FileConfig


@dataclass(frozen=True, slots=True)
class Routed:
    channel: str


@dataclass(frozen=True, slots=True)
class Unrouted:
    reason: str  # no_channel | not_allowed
    detail: str


def route(
    cfg: FileConfig, *, namespace: str, cluster: str | None, labels: Mapping[str, str]
) -> Routed | Unrouted:
    channel = next(
        (r.channel for r in cfg.routing if r.matches(namespace, cluster, labels)),
        cfg.alert_channel,
    )
    if channel is None:
        return Unrouted(
            "no_channel",
            f"no route matches {namespace} and no alert channel is set "
            "(CRASHLOOP_ALERT_CHANNEL or alert_channel)",
        )
    if not cfg.access.scope_for(channel).allows(namespace, cluster):
        where = f"{cluster}:{namespace}" if cluster else namespace
        return Unrouted("not_allowed", f"channel {channel} may not see {where} (access scope)")
    return Routed(channel)
