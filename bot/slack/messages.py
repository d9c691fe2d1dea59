"""Everything a Slack user reads that is not a diagnosis: help, notes and errors.

One module of message functions, apart from log text, so that wording is reviewed in
one place and no exception text or stack trace reaches a channel by accident.
"""

from __future__ import annotations

from bot.cluster.source import PodSummary
from bot.diagnosis.workload import WorkloadListing, failing
from bot.errors import (
    BotError,
    ClusterUnreachable,
    Forbidden,
    NamespaceNotAllowed,
    PodNotFound,
)
from bot.render.blocks import escape

COMMAND = "/crashloop"


def help_text(clusters: list[str]) -> str:
    cluster_line = (
        f"\n• `{COMMAND} {clusters[0]}:payments/ledger-api-5d8f7b9c4-x2k9q` on cluster "
        f"`{clusters[0]}` (clusters: {', '.join(clusters)})"
        if clusters
        else ""
    )
    return (
        f"*{COMMAND}* tells why a pod is crash-looping, with the evidence.\n"
        f"• `{COMMAND} payments/ledger-api-5d8f7b9c4-x2k9q` diagnose a pod\n"
        f"• `{COMMAND} ledger-api-5d8f7b9c4-x2k9q -n payments` the same, kubectl style\n"
        f"• `{COMMAND} payments/deploy/ledger-api` the crash-looping pods of a workload "
        "(deploy, sts, ds, job)\n"
        f"• `{COMMAND} payments` list the crash-looping pods of a namespace\n"
        f"• add `-c NAME` to pick a container{cluster_line}"
    )


def diagnosing(what: str) -> str:
    return f":mag: Diagnosing `{what}` ..."


def invalid(message: str) -> str:
    return f":warning: {message}. Try `{COMMAND} help`."


def not_allowed(namespace: str) -> str:
    return (
        f":no_entry: Namespace `{namespace}` is not allowed in this channel. "
        "Ask an admin to add it to this channel's `access` in the crashloop-bot config, "
        "or run the command where it is allowed."
    )


def cluster_not_allowed(cluster: str) -> str:
    return f":no_entry: Cluster `{cluster}` is not allowed in this channel."


def error(e: BotError) -> str:
    """An error as the user should read it: what happened and what to do."""
    if isinstance(e, PodNotFound):
        hint = (
            "\nDid you mean: " + ", ".join(f"`{s}`" for s in e.suggestions)
            if e.suggestions
            else f"\nList the crash-looping pods with `{COMMAND} {e.namespace}`."
        )
        return f":question: Pod `{e.pod}` was not found in namespace `{e.namespace}`.{hint}"
    if isinstance(e, Forbidden):
        return (
            f":lock: The bot is not allowed to {e.verb} `{e.resource}`"
            + (f" in namespace `{e.namespace}`" if e.namespace else "")
            + f". Its RBAC role needs `{e.verb}` on `{e.resource}` (see the README's RBAC section)."
        )
    if isinstance(e, ClusterUnreachable):
        return f":electric_plug: The {e}. Try again shortly, or check the API server."
    if isinstance(e, NamespaceNotAllowed):
        return not_allowed(e.namespace)
    return f":warning: {e}"


def unexpected() -> str:
    return ":warning: Something went wrong inside crashloop-bot; it is logged. Try again shortly."


def invite_hint(channel: str) -> str:
    return (
        f"I can't post in <#{channel}>, so here is the diagnosis just for you. "
        "To get it in the channel next time, invite me: `/invite @crashloop-bot`."
    )


def namespace_listing(namespace: str, pods: list[PodSummary]) -> str:
    bad = [p for p in pods if failing(p)]
    if not bad:
        return f":white_check_mark: No crash-looping pods in `{namespace}` ({len(pods)} pods)."
    looping = sum(p.crash_looping for p in bad)
    what = "crash-looping" if looping == len(bad) else f"failing ({looping} crash-looping)"
    return f"*{len(bad)} {what} pod(s) in `{namespace}`* (of {len(pods)}), by workload:"


def workload_listing_line(w: WorkloadListing) -> str:
    """`*Deployment/cart* · 48 of 50 pods · OOMKilled, exit 137: 46 · Error, exit 1: 2`."""
    statuses = " · ".join(f"{escape(s)}: {n}" for s, n in w.statuses)
    return f"*{escape(w.workload)}* · {w.failing} of {w.total} pods · {statuses}"


def more_workloads(count: int) -> str:
    return f"... and {count} more workload(s): `/crashloop NAMESPACE/deploy/NAME` for one of them"


def workload_none_crashing(kind: str, name: str, count: int) -> str:
    return f":white_check_mark: No pod of {kind} `{name}` is crash-looping ({count} pods)."


def workload_summary(kind: str, name: str, crashing: int, total: int) -> str:
    return f"{kind} `{name}`: {crashing} of {total} pods crash-looping"


def more_logs_header(lines: int, container: str) -> str:
    return f"*Last {lines} log lines of the previous `{container}` container*"


def no_logs(container: str) -> str:
    return f"No previous log is available for container `{container}`."


def silenced(hours: int, user: str, silence_id: str) -> str:
    return f":mute: <@{user}> silenced this alert for {hours}h (silence `{silence_id}`)."


def silence_failed(reason: str) -> str:
    return f":warning: Could not create the silence in Alertmanager: {reason}"
