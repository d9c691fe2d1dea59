"""Build and sign Slack HTTP requests exactly as Slack sends them.

Slack signs ``v0:{X-Slack-Request-Timestamp}:{raw body}`` with HMAC-SHA256 keyed by the
app's signing secret and sends ``X-Slack-Signature: v0=<hex digest>``. Slash commands
arrive as ``application/x-www-form-urlencoded`` fields; interactivity (block_actions)
arrives as a single form field ``payload=<JSON>``.

``*_payload`` builders return the dict (what a Socket Mode envelope carries as
``payload``); ``*_body`` builders return the form-encoded HTTP body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

DEFAULT_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DEFAULT_VERIFICATION_TOKEN = "gIkuvaNzQIHg97ATvDxqgjtO"
DEFAULT_TEAM_ID = "T0123"
DEFAULT_TEAM_DOMAIN = "example"
DEFAULT_APP_ID = "A0123"
DEFAULT_CHANNEL_ID = "C0123"
DEFAULT_USER_ID = "U0123"


def _trigger_id() -> str:
    return (
        f"{secrets.randbelow(10**13):013d}.{secrets.randbelow(10**13):013d}.{secrets.token_hex(16)}"
    )


def _to_text(body: str | bytes) -> str:
    return body.decode("utf-8") if isinstance(body, bytes) else body


def sign(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """The ``X-Slack-Signature`` value for ``body`` sent at ``timestamp``."""
    base = f"v0:{timestamp}:{_to_text(body)}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str,
    body: str | bytes,
    timestamp: int | str | None = None,
    *,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    """Headers Slack sends with a signed request (timestamp defaults to now)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign(secret, ts, body),
    }


# --------------------------------------------------------------------------- slash commands


def slash_command_payload(
    text: str,
    *,
    command: str = "/crashloop",
    channel_id: str = DEFAULT_CHANNEL_ID,
    channel_name: str = "incidents",
    user_id: str = DEFAULT_USER_ID,
    user_name: str = "alice",
    response_url: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    trigger_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, str]:
    """The fields of a slash command, in Slack's order, all strings."""
    if response_url is None:
        response_url = (
            f"https://hooks.slack.com/commands/{team_id}/"
            f"{secrets.randbelow(10**13):013d}/{secrets.token_urlsafe(18)}"
        )
    return {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or _trigger_id(),
    }


def slash_command_body(text: str, **kwargs: Any) -> str:
    """Form-encoded slash command body (same keyword arguments as ``slash_command_payload``)."""
    return urlencode(slash_command_payload(text, **kwargs))


# --------------------------------------------------------------------------- block actions


def block_actions_payload(
    action_id: str,
    value: str,
    *,
    channel_id: str = DEFAULT_CHANNEL_ID,
    channel_name: str = "incidents",
    message_ts: str = "1764074400.000100",
    thread_ts: str | None = None,
    response_url: str | None = None,
    user_id: str = DEFAULT_USER_ID,
    user_name: str = "alice",
    block_id: str = "actions",
    button_text: str = "Button",
    message_text: str = "",
    message_blocks: list[dict[str, Any]] | None = None,
    is_ephemeral: bool = False,
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    bot_user_id: str = "UBOT0001",
    bot_id: str = "BBOT0001",
    trigger_id: str | None = None,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A realistic ``block_actions`` payload for a button click on a bot message."""
    if response_url is None:
        response_url = (
            f"https://hooks.slack.com/actions/{team_id}/"
            f"{secrets.randbelow(10**13):013d}/{secrets.token_urlsafe(18)}"
        )
    action_ts = f"{time.time():.6f}"
    button = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": button_text, "emoji": True},
        "value": value,
    }
    if message_blocks is None:
        message_blocks = [{"type": "actions", "block_id": block_id, "elements": [button]}]
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel_id,
        "is_ephemeral": is_ephemeral,
    }
    if thread_ts is not None:
        container["thread_ts"] = thread_ts
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": token,
        "container": container,
        "trigger_id": trigger_id or _trigger_id(),
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
    }
    if not is_ephemeral:
        # Slack omits "message" for clicks on ephemeral messages.
        message: dict[str, Any] = {
            "user": bot_user_id,
            "type": "message",
            "ts": message_ts,
            "bot_id": bot_id,
            "app_id": api_app_id,
            "text": message_text,
            "team": team_id,
            "blocks": message_blocks,
        }
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
            if thread_ts != message_ts:
                message["parent_user_id"] = bot_user_id
        payload["message"] = message
    payload["state"] = {"values": {}}
    payload["response_url"] = response_url
    payload["actions"] = [
        {
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": button_text, "emoji": True},
            "value": value,
            "type": "button",
            "action_ts": action_ts,
        }
    ]
    return payload


def block_actions_body(action_id: str, value: str, **kwargs: Any) -> str:
    """``payload=<json>`` form body (same keyword arguments as ``block_actions_payload``)."""
    payload = block_actions_payload(action_id, value, **kwargs)
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


__all__ = [
    "DEFAULT_SIGNING_SECRET",
    "DEFAULT_VERIFICATION_TOKEN",
    "block_actions_body",
    "block_actions_payload",
    "sign",
    "signed_headers",
    "slash_command_body",
    "slash_command_payload",
]
