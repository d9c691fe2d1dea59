"""Creating an Alertmanager silence for a pod's crash-loop alert (the Silence button)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp

from bot.errors import BotError
from bot.target import Target

ALERTNAME = "KubePodCrashLooping"


def silence_body(
    target: Target, *, hours: int, user: str, cluster_label: str, now: datetime | None = None
) -> dict[str, object]:
    """The v2 silence: this alert for this pod (and cluster), for `hours`."""
    start = now or datetime.now(UTC)
    matchers = [("alertname", ALERTNAME), ("namespace", target.namespace), ("pod", target.pod)]
    if target.cluster:
        matchers.append((cluster_label, target.cluster))
    return {
        "matchers": [
            {"name": n, "value": v, "isRegex": False, "isEqual": True} for n, v in matchers
        ],
        "startsAt": start.isoformat().replace("+00:00", "Z"),
        "endsAt": (start + timedelta(hours=hours)).isoformat().replace("+00:00", "Z"),
        "createdBy": f"crashloop-bot for Slack user {user}",
        "comment": f"Silenced from Slack by {user} while {target} is investigated",
    }


async def create_silence(
    url: str,
    target: Target,
    *,
    hours: int,
    user: str,
    cluster_label: str = "cluster",
    timeout: float = 5.0,
) -> str:
    body = silence_body(target, hours=hours, user=user, cluster_label=cluster_label)
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.post(f"{url.rstrip('/')}/api/v2/silences", json=body) as resp,
        ):
            if resp.status != 200:
                raise BotError(f"Alertmanager answered {resp.status}: {(await resp.text())[:200]}")
            data = await resp.json()
    except (aiohttp.ClientError, TimeoutError) as e:
        raise BotError(f"Alertmanager at {url} unreachable: {e}") from e
    return str(data.get("silenceID", "?"))
