"""Who may post to /alertmanager: a bearer token or basic auth, compared in constant time.

With neither configured the webhook is open (fine on a cluster-internal Service behind
a NetworkPolicy; say so in the logs). With both, either is accepted.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from bot.config import Settings


@dataclass(frozen=True, slots=True)
class WebhookAuth:
    token: str | None = None
    basic_user: str | None = None
    basic_password: str | None = None

    @classmethod
    def from_settings(cls, s: Settings) -> WebhookAuth:
        return cls(
            token=s.webhook_token.get_secret_value() if s.webhook_token else None,
            basic_user=s.webhook_basic_user,
            basic_password=(
                s.webhook_basic_password.get_secret_value() if s.webhook_basic_password else None
            ),
        )

    @property
    def required(self) -> bool:
        return self.token is not None or self.basic_user is not None

    def allows(self, authorization: str | None) -> bool:
        if not self.required:
            return True
        scheme, _, value = (authorization or "").strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and self.token is not None:
            return _same(value, self.token)
        if scheme.lower() == "basic" and self.basic_user is not None:
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            user, sep, password = decoded.partition(":")
            ok_user = _same(user, self.basic_user)
            ok_password = _same(password, self.basic_password or "")
            return bool(sep) and ok_user and ok_password
        return False

    def challenge(self) -> str:
        """The WWW-Authenticate header of a 401."""
        schemes = []
        if self.token is not None:
            schemes.append('Bearer realm="crashloop-bot"')
        if self.basic_user is not None:
            schemes.append('Basic realm="crashloop-bot", charset="UTF-8"')
        return ", ".join(schemes)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
