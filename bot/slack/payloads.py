"""A shape check of Slack request bodies, before Bolt sees them.

Bolt trusts the JSON of an interactivity payload: `body["actions"][0]["action_id"]`,
`payload["authorizations"][0]`, `team.get("id")`. A body that is signed but of another
shape (a forged or garbled request) would raise inside Bolt and answer 500. This module
says what is wrong with such a body so the server can answer 400 instead. Pure: a parsed
body in, a reason (or None) out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Keys Bolt reads while building its context or matching listeners, and what each may be.
_OBJECT_OR_ID = ("team", "enterprise", "user", "channel")
_OBJECTS = ("view", "container", "message", "previous_message", "event", "workflow_step")


def body_problem(body: Any) -> str | None:
    """Why this parsed body cannot be a Slack request the app serves, or None if it can."""
    if not isinstance(body, Mapping):
        return "the body is not an object"
    kind = body.get("type")
    if kind is not None and not isinstance(kind, str):
        return "type is not a string"
    for key in _OBJECT_OR_ID:
        v = body.get(key)
        if v is not None and not isinstance(v, str) and not _object_with_id(v):
            return f"{key} is neither an id nor an object with one"
    for key in _OBJECTS:
        if key in body and not isinstance(body[key], Mapping):  # `"view" in body` is enough
            return f"{key} is not an object"
    event = body.get("event")
    if isinstance(event, Mapping):
        problem = body_problem(event)
        if problem is not None:
            return f"event: {problem}"
    auths = body.get("authorizations")
    if auths is not None and not (
        isinstance(auths, list)
        and all(isinstance(a, Mapping) and not body_problem(a) for a in auths)
    ):
        return "authorizations is not a list of objects"
    if kind in ("block_actions", "interactive_message"):
        acts = body.get("actions")
        if not isinstance(acts, list) or not acts:
            return "actions is not a non-empty list"
        for a in acts:
            if not isinstance(a, Mapping) or not isinstance(a.get("action_id"), str):
                return "an action has no action_id"
            if a.get("block_id") is not None and not isinstance(a.get("block_id"), str):
                return "an action's block_id is not a string"
    return None


def _object_with_id(v: Any) -> bool:
    return isinstance(v, Mapping) and (v.get("id") is None or isinstance(v.get("id"), str))
