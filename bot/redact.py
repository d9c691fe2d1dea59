"""Masking secrets in everything the bot quotes: log lines, event and exit messages.

Applied to the facts right after collection, before any rule or renderer sees them,
so evidence, log tails and JSON output can never carry a secret that the patterns
know. Values are replaced, keys are kept (`password=[REDACTED]`), so a line still
reads as what it was and rules that look for "password authentication failed" match.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.facts import Container, Event, Node, PodFacts, Terminated

MASK = "[REDACTED]"


@dataclass(frozen=True, slots=True)
class Pattern:
    name: str
    regex: re.Pattern[str]
    group: int = 0  # the group that holds the secret; 0 = the whole match


def _p(name: str, regex: str, group: int = 0, flags: int = 0) -> Pattern:
    return Pattern(name, re.compile(regex, flags), group)


# Order matters: whole-token formats first, then the generic key=value forms.
DEFAULT_PATTERNS: tuple[Pattern, ...] = (
    _p(
        "private-key",
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    ),
    _p("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    _p("bearer", r"(?i)\b(?:bearer|token)\s+([A-Za-z0-9._~+/=-]{16,})", 1),
    _p("basic-auth", r"(?i)\bbasic\s+([A-Za-z0-9+/=]{12,})", 1),
    _p("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    _p("slack-app-token", r"\bxapp-\d-[A-Za-z0-9-]{10,}"),
    _p("slack-webhook", r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"),
    _p("aws-access-key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
    _p("aws-secret", r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})", 1),
    _p("gcp-api-key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    _p("gcp-private-key-id", r"\"private_key_id\"\s*:\s*\"([a-f0-9]{40})\"", 1),
    _p("azure-conn", r"(?i)(?:AccountKey|SharedAccessKey|SharedAccessSignature)=([^;\s\"']+)", 1),
    _p("github-token", r"\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}"),
    _p("gitlab-token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    _p("stripe-key", r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"),
    _p("google-oauth", r"\bya29\.[0-9A-Za-z_-]{20,}"),
    _p("url-credentials", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@", 1),
    _p(
        "key-value",
        r"(?i)\b[\w.-]*(?:passw(?:or)?d|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|"
        r"private[_-]?key|client[_-]?secret|credentials?|auth)[\w.-]*[\"']?\s*[:=]\s*"
        r"(\"[^\"]*\"|'[^']*'|[^\s,;&\"'}]+)",
        1,
    ),
)


class Redactor:
    """Replaces every match of its patterns with `[REDACTED]`."""

    def __init__(
        self, extra: Iterable[str] = (), *, defaults: Sequence[Pattern] = DEFAULT_PATTERNS
    ):
        self.patterns = tuple(defaults) + tuple(_p(f"custom-{i}", rx) for i, rx in enumerate(extra))

    def text(self, text: str) -> str:
        for p in self.patterns:
            if p.group == 0:
                text = p.regex.sub(MASK, text)
            else:
                text = p.regex.sub(functools.partial(_mask_group, group=p.group), text)
        return text

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self.text(text)

    def facts(self, facts: PodFacts) -> PodFacts:
        """The same facts with every quoted text masked."""
        return dataclasses.replace(
            facts,
            containers=tuple(self._container(c) for c in facts.containers),
            events=tuple(self._event(e) for e in facts.events),
            node=self._node(facts.node) if facts.node else None,
        )

    def _container(self, c: Container) -> Container:
        logs = None
        if c.logs is not None:
            # Private keys span lines: mask the joined text, then split it back.
            logs = tuple(self.text("\n".join(c.logs)).split("\n")) if c.logs else ()
        return dataclasses.replace(
            c,
            waiting_message=self.optional(c.waiting_message),
            current=self._terminated(c.current),
            last_state=self._terminated(c.last_state),
            logs=logs,
        )

    def _terminated(self, t: Terminated | None) -> Terminated | None:
        return dataclasses.replace(t, message=self.optional(t.message)) if t else None

    def _event(self, e: Event) -> Event:
        return dataclasses.replace(e, message=self.text(e.message))

    def _node(self, n: Node) -> Node:
        return dataclasses.replace(n, events=tuple(self._event(e) for e in n.events))


def _mask_group(m: re.Match[str], group: int) -> str:
    whole = m.group(0)
    start, end = m.start(group) - m.start(0), m.end(group) - m.start(0)
    if start < 0:
        return whole
    return whole[:start] + MASK + whole[end:]
