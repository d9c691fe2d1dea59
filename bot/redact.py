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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.facts import Change, Container, Event, Node, PodFacts, Terminated

MASK = "[REDACTED]"


@dataclass(frozen=True, slots=True)
class Pattern:
    name: str
    regex: re.Pattern[str]
    group: int = 0  # the group that holds the secret; 0 = the whole match
    # Decides per match whether the group really is a secret (None: always). Keeps the
    # regexes readable: the shape is in the regex, the judgement in plain code.
    is_secret: Callable[[re.Match[str]], bool] | None = None
    # A cheap search that must hit before the pattern can match: most lines hold none of
    # the words, and case-insensitive patterns with look-arounds cost per position.
    hint: re.Pattern[str] | None = None


def _p(
    name: str,
    regex: str,
    group: int = 0,
    flags: int = 0,
    is_secret: Callable[[re.Match[str]], bool] | None = None,
    hint: str | None = None,
) -> Pattern:
    return Pattern(
        name, re.compile(regex, flags), group, is_secret, re.compile(hint) if hint else None
    )


# --- Which keys name a credential -------------------------------------------------
# A key is split into words (`DB_PASSWORD` -> db, password; `clientSecret` -> client,
# secret). It names a credential when a word is a credential noun, or "key" follows a
# word that makes it one ("api key", "private key"), unless the key ends in a word that
# describes the credential instead of holding it (`secretName`, `token_count`,
# `password_file`). So `NOT_AUTHORIZED:`, `author=`, `tokenizer=` and
# `max_tokens=` read through unchanged: none of their words is a credential noun.
def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_CREDENTIAL_WORDS = _word_set(
    """
    password passwd pwd passphrase secret token apikey credential credentials
    accesskey secretkey privatekey
    """
)
# Nouns that name a credential only as the key's last word: `GF_AUTH_ANONYMOUS_ORG_ROLE`
# is a setting in the auth section, `auth`/`Authorization` alone holds one.
_LAST_WORD_CREDENTIALS = _word_set(
    """
    auth authorization cookie signature bearer
    """
)
# Compound words that end in a credential noun: `PGPASSWORD`, `authtoken`.
_CREDENTIAL_SUFFIXES = ("password", "passwd", "secret", "token", "apikey")
_KEY_QUALIFIERS = _word_set(
    """
    api access secret private signing encryption master client shared account
    subscription license app hmac storage session
    """
)
# Words after which a key describes a credential rather than holding one.
_DESCRIPTIVE_WORDS = _word_set(
    """
    name names ref file path dir count type length len ttl expiry expires expiration
    version source enabled required policy mode url uri endpoint header field prefix store
    manager provider rotation age size limit max min hint format encoding status used usage
    method methods scheme authentication valid invalid expired missing error errors
    exception exceptions failed failure warning
    """
)
# Values that are not secrets whatever the key: placeholders, flags, already masked.
_NON_SECRET_VALUE = re.compile(
    r"(?i)^(?:true|false|null|nil|none|yes|no|on|off|\*+|x+|<[^>]*>|\[redacted\]|"
    r"redacted|\[filtered\]|masked|hidden|\$\{[^}]*\}|\$[A-Z_]+|\.\.\.|-+)$"
)
_AUTH_SCHEMES = frozenset({"bearer", "basic", "digest", "token", "negotiate", "ntlm"})


def _key_words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


# `secret.go:119]`, `credentials_provider.py:353`: a source file and line, not a key.
_SOURCE_FILE = re.compile(
    r"(?i)\.(?:go|py|java|kt|scala|js|mjs|ts|rb|rs|c|cc|cpp|h|cs|php|exs?|erl|sh|ya?ml|json|xml)$"
)


def names_a_credential(key: str) -> bool:
    """Does this key (`DB_PASSWORD`, `clientSecret`, `X-Api-Key`) name a credential?"""
    if _SOURCE_FILE.search(key):
        return False
    words = _key_words(key)
    if not words or words[-1] in _DESCRIPTIVE_WORDS:
        return False
    if words[-1] in _LAST_WORD_CREDENTIALS:
        return True
    for i, w in enumerate(words):
        if w in _CREDENTIAL_WORDS or w.endswith(_CREDENTIAL_SUFFIXES):
            return True
        if w == "key" and i > 0 and words[i - 1] in _KEY_QUALIFIERS:
            return True
    return False


def _key_value_is_secret(m: re.Match[str]) -> bool:
    value = m.group("value").strip("\"'")
    if not value or _NON_SECRET_VALUE.match(value) or value[0] in "{[(":
        return False  # a nested structure: its own keys are judged one by one
    if value.startswith("/") and _key_words(m.group("key")) == ["pwd"]:
        return False  # `PWD=/app` in an environment dump is the working directory
    if value.lower() in _AUTH_SCHEMES:  # `Authorization: Bearer <t>`: the token pattern
        return False
    return names_a_credential(m.group("key"))


def _looks_random(m: re.Match[str]) -> bool:
    """A token after `Bearer`/`Basic`, not a word (`basic authentication`)."""
    value = m.group(1)
    return bool(re.search(r"[0-9+/=_~.-]", value)) or (
        value != value.lower() and value != value.upper()
    )


# Order matters: whole-token formats first, then the generic key=value forms.
DEFAULT_PATTERNS: tuple[Pattern, ...] = (
    _p(
        "private-key",
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    ),
    _p("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    _p(
        "bearer",
        r"(?i)\b(?:bearer|token)[ \t]+([A-Za-z0-9._~+/=-]{16,})",
        1,
        is_secret=_looks_random,
    ),
    _p(
        "basic-auth",
        r"(?i)\bbasic[ \t]+([A-Za-z0-9+/=]{12,})",
        1,
        is_secret=_looks_random,
        hint="[Bb][Aa][Ss][Ii][Cc]",
    ),
    _p("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    _p("slack-app-token", r"\bxapp-\d-[A-Za-z0-9-]{10,}"),
    _p("slack-webhook", r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"),
    _p("aws-access-key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
    _p(
        "aws-secret",
        r"(?i)aws_?secret_?access_?key[\"']?[ \t]*[:=][ \t]*[\"']?([A-Za-z0-9/+=]{40})",
        1,
    ),
    _p("gcp-api-key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    _p("gcp-private-key-id", r"\"private_key_id\"\s*:\s*\"([a-f0-9]{40})\"", 1),
    _p(
        "azure-conn",
        r"(?i)(?:AccountKey|SharedAccessKey|SharedAccessSignature)=([^;\s\"']+)",
        1,
        hint="(?i)accountkey=|sharedaccess",
    ),
    _p("github-token", r"\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}"),
    _p("gitlab-token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    _p("stripe-key", r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"),
    _p("google-oauth", r"\bya29\.[0-9A-Za-z_-]{20,}"),
    _p("url-credentials", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@", 1),
    # key=value, key: value, "key": "value", key => value (Ruby). Only keys that mention
    # a credential noun reach the judgement in `_key_value_is_secret` (the lookahead
    # keeps it cheap).
    # Blanks, not `\s`, around the separator: a log tail is masked joined by newlines,
    # and `Password:` ending one line must not take the next line's first word.
    _p(
        "key-value",
        r"(?i)(?<![A-Za-z0-9_./-])(?P<key>(?=[A-Za-z0-9_.-]*(?:pass|pwd|secret|token|key|cred|"
        r"auth|cookie|session|signature))[A-Za-z0-9_.-]+)[\"']?[ \t]*(?:=>|[:=])[ \t]*"
        r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s,;&\"'}]+)",
        2,
        is_secret=_key_value_is_secret,
        hint="(?i)pass|pwd|secret|token|key|cred|auth|cookie|session|signature",
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
            if p.hint is not None and not p.hint.search(text):
                continue
            if p.group == 0 and p.is_secret is None:
                text = p.regex.sub(MASK, text)
            else:
                text = p.regex.sub(functools.partial(_mask_group, pattern=p), text)
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
            change=self._change(facts.change) if facts.change else None,
            message=self.optional(facts.message),
            conditions=tuple(
                dataclasses.replace(c, message=self.optional(c.message)) for c in facts.conditions
            ),
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

    def _change(self, c: Change) -> Change:
        # A diff quotes command lines and args (`--password=...`); env values are never read.
        diffs = tuple(
            dataclasses.replace(d, before=self.optional(d.before), after=self.optional(d.after))
            for d in c.diffs
        )
        return dataclasses.replace(c, diffs=diffs)


def _mask_group(m: re.Match[str], pattern: Pattern) -> str:
    whole = m.group(0)
    if pattern.is_secret is not None and not pattern.is_secret(m):
        return whole
    group = pattern.group
    start, end = m.start(group) - m.start(0), m.end(group) - m.start(0)
    if start < 0:
        return whole
    return whole[:start] + MASK + whole[end:]
