"""Alertmanager's webhook payload (version 4), validated, and the key of each alert in it.

Alertmanager posts one notification per alert group: the group's labels and the alerts
it holds. Unknown extra fields are accepted (newer Alertmanagers add some); what the bot
relies on is checked, and a malformed body is refused with an error naming the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Status = Literal["firing", "resolved"]


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class Alert(_Open):
    """One alert of a notification."""

    status: Status
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime | None = Field(default=None, alias="endsAt")
    generator_url: str = Field(default="", alias="generatorURL")
    fingerprint: str = ""

    @property
    def alert_fingerprint(self) -> str:
        """Alertmanager's fingerprint, or one computed from the labels when absent."""
        if self.fingerprint:
            return self.fingerprint
        canonical = json.dumps(sorted(self.labels.items()), separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    @property
    def resolved_at(self) -> datetime | None:
        """endsAt for a resolved alert (a firing alert's endsAt is only a timeout)."""
        if self.status != "resolved" or self.ends_at is None or self.ends_at.year < 2:
            return None
        return self.ends_at

    def idempotency_key(self) -> str:
        """The same alert in the same state: a redelivery maps to the same key.

        fingerprint + status + startsAt, plus endsAt for a resolved alert. A repeat
        notification of a still-firing alert has the same key as the first one.
        """
        parts = [self.alert_fingerprint, self.status, _iso(self.starts_at)]
        if self.status == "resolved":
            parts.append(_iso(self.ends_at) if self.ends_at else "")
        return "|".join(parts)


class Notification(_Open):
    """The body of one webhook request."""

    version: str = "4"
    receiver: str
    status: Status
    alerts: list[Alert]
    group_labels: dict[str, str] = Field(default={}, alias="groupLabels")
    common_labels: dict[str, str] = Field(default={}, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default={}, alias="commonAnnotations")
    external_url: str = Field(default="", alias="externalURL")
    group_key: str = Field(default="", alias="groupKey")
    truncated_alerts: int = Field(default=0, ge=0, alias="truncatedAlerts")


class PayloadError(ValueError):
    """A body that is not a valid notification; `field` names where (dotted path)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"error": self.message}
        if self.field is not None:
            doc["field"] = self.field
        return doc


def parse_notification(body: bytes) -> Notification:
    """Parse and validate a webhook body; raises PayloadError naming the bad field."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PayloadError(f"malformed JSON: {e}") from e
    except RecursionError as e:
        raise PayloadError("malformed JSON: nested too deeply") from e
    # A lone surrogate ("\ud800") is a valid JSON escape but not valid text: it could
    # never be stored, and a 503 would make Alertmanager retry it forever. Surrogates
    # can only arrive as \uD800-\uDFFF escapes, so only such a body is checked in full.
    if _SURROGATE_ESCAPE.search(body):
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as e:
            raise PayloadError(
                "invalid notification: a string holds a lone UTF-16 surrogate"
            ) from e
    if not isinstance(data, dict):
        raise PayloadError("the body must be a JSON object (an Alertmanager notification)")
    try:
        return Notification.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        where = field or "(top level)"
        more = f" (and {len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
        raise PayloadError(f"invalid notification: {where}: {err['msg']}{more}", field) from e


def _iso(t: datetime) -> str:
    return t.isoformat()
