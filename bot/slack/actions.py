"""Buttons on diagnosis messages, and the values they carry.

A button's value comes back from Slack in a payload anyone holding the signing
secret could forge, so it is parsed and validated like any user input, and the
namespace access check runs again when it is clicked.
"""

from __future__ import annotations

from typing import Any

from bot.errors import TargetError
from bot.target import Target, check_cluster, check_name, check_namespace

RERUN = "crashloop_rerun"
MORE_LOGS = "crashloop_more_logs"
SILENCE = "crashloop_silence"
DIAGNOSE = "crashloop_diagnose"
SILENCE_HOURS = (1, 4, 24)
MAX_VALUE = 150  # Slack's limit for select option values


def encode_target(t: Target) -> str:
    return "|".join([t.cluster or "", t.namespace, t.pod, t.container or ""])


def decode_target(value: str) -> Target:
    parts = value.split("|")
    if len(parts) != 4:
        raise TargetError("malformed button value")
    cluster, ns, pod, container = parts
    return Target(
        namespace=check_namespace(ns),
        pod=check_name(pod),
        container=check_name(container, "container") if container else None,
        cluster=check_cluster(cluster) if cluster else None,
    )


def decode_silence(value: str) -> tuple[int, Target]:
    hours, _, rest = value.partition("#")
    if hours not in {str(h) for h in SILENCE_HOURS}:  # not isdigit(): "¹" is a digit
        raise TargetError("malformed silence duration")
    return int(hours), decode_target(rest)


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        b["style"] = style
    return b


def diagnosis_actions(t: Target, *, silence: bool = False) -> list[dict[str, Any]]:
    value = encode_target(t)
    elements = [
        button("Re-run diagnosis", RERUN, value),
        button("More log lines", MORE_LOGS, value),
    ]
    if silence and len(f"24#{value}") <= MAX_VALUE:
        elements.append(
            {
                "type": "static_select",
                "action_id": SILENCE,
                "placeholder": {"type": "plain_text", "text": "Silence alert..."},
                "options": [
                    {
                        "text": {"type": "plain_text", "text": f"Silence {h}h"},
                        "value": f"{h}#{value}",
                    }
                    for h in SILENCE_HOURS
                ],
            }
        )
    return elements
