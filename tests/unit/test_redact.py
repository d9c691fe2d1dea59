"""Redaction: real-format (generated) secrets are masked, ordinary words survive.

Two floors are kept on the corpora in tests/logcorpus: every planted secret is masked,
and at most 0.5% of the ordinary log lines (no secrets) are altered at all.
"""

import pytest

from bot.facts import Container, Event, Node, PodFacts, StatusCondition, Terminated
from bot.redact import MASK, Redactor, names_a_credential
from tests.logcorpus import ordinary_lines, planted_secrets

PLANTED = {p.name: p for p in planted_secrets()}

PRIVATE_KEY = """-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB
aFDrBz9vFqU4yS2nN0aVkQvYdkL8mvOgU0fJ7yeXkSFZ8XoWg3k0mEXAMPLEONLY
-----END RSA PRIVATE KEY-----"""

# Lines whose words merely contain a credential noun; each must read through unchanged.
ORDINARY = [
    "2026-11-25T10:00:00Z INFO starting ledger-api version=1.4.2 port=8080",
    'ERROR: password authentication failed for user "app"',
    "NOT_AUTHORIZED: Not authorized to access resource",
    "author=jane.doe committed 3f2a9c1 (tokenizer=bpe, max_tokens=4096)",
    "secretary: front-desk; secretName: db-creds; token_count=12",
    'Error: secret "db-creds" not found',
    "credential store not found, falling back to anonymous access",
    "password_file=/run/secrets/db-password auth_method=scram-sha-256",
    "GF_AUTH_ANONYMOUS_ORG_ROLE=Admin GF_AUTH_BASIC_ENABLED=false",
    "using basic authentication for realm ledger",
    "E0512 13:56:58.757800   13539 secret.go:119] Couldn't get secret test/mysecret",
    "GF_DATABASE_PASSWORD=*********",
    "image: registry.example/ledger@sha256:"
    "f88000211e3c682e7419ac6e6cbd3a7a4980b483ac416a3b5d5ee81d4f831cc9",
    "Traceback (most recent call last):",
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "dial tcp 10.0.3.7:5432: connect: connection refused",
    "token bucket refilled: 10 tokens available",
    'Post "http://external:5100/add_token": dial tcp 172.29.0.2:5100: connect: connection refused',
    "Back-off restarting failed container api in pod ledger-api-5d8f7b9c4-x2k9q",
]


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_every_planted_secret_is_masked(name: str) -> None:
    planted = PLANTED[name]
    out = Redactor().text(planted.line)
    assert planted.secret not in out
    assert MASK in out


def test_the_whole_planted_corpus_is_masked() -> None:
    redactor = Redactor()
    leaked = [p.name for p in planted_secrets() if p.secret in redactor.text(p.line)]
    assert len(PLANTED) >= 30
    assert leaked == []


def test_at_most_half_a_percent_of_ordinary_lines_are_altered() -> None:
    redactor = Redactor()
    lines = ordinary_lines()
    altered = [line for line in lines if redactor.text(line) != line]
    assert len(lines) >= 500
    assert len(altered) <= 0.005 * len(lines), altered[:10]


def test_ordinary_lines_survive_when_masked_as_one_log_tail() -> None:
    # `Redactor.facts` masks a container's log lines joined by newlines (private keys
    # span lines); a key at the end of one line must not take the next line's words.
    text = "\n".join(ordinary_lines())
    assert Redactor().text(text) == text
    assert Redactor().text("Password:\npsql: FATAL:  password authentication failed") == (
        "Password:\npsql: FATAL:  password authentication failed"
    )


def test_planted_secrets_are_masked_inside_a_log_tail() -> None:
    planted = planted_secrets()
    out = Redactor().text("\n".join(["starting", *(p.line for p in planted), "done"]))
    assert [p.name for p in planted if p.secret in out] == []


def test_private_key_block_is_masked_whole() -> None:
    out = Redactor().text(f"loaded key:\n{PRIVATE_KEY}\ndone")
    assert "MIIEow" not in out and "EXAMPLEONLY" not in out
    assert out.startswith("loaded key:") and out.endswith("done")


@pytest.mark.parametrize("line", ORDINARY)
def test_ordinary_lines_survive_unchanged(line: str) -> None:
    assert Redactor().text(line) == line


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "DB_PASSWORD",
        "PGPASSWORD",
        "clientSecret",
        "client_secret",
        "api_key",
        "X-Api-Key",
        "apiKey",
        "access_token",
        "Authorization",
        "auth",
        "SECRET_KEY_BASE",
        "secret_id",
        "private-key",
        "Cookie",
        "X-Amz-Signature",
    ],
)
def test_keys_that_name_a_credential(key: str) -> None:
    assert names_a_credential(key)


@pytest.mark.parametrize(
    "key",
    [
        "NOT_AUTHORIZED",
        "author",
        "tokenizer",
        "max_tokens",
        "secretary",
        "secretName",
        "token_count",
        "password_file",
        "GF_AUTH_ANONYMOUS_ORG_ROLE",
        "auth_method",
        "key",
        "cache_key",
        "secret.go",
        "credentials_provider.py",
        "sessionid",
        "Amazon.SecurityToken.AmazonSecurityTokenServiceException",
        "WrongSecretsApplication",
    ],
)
def test_keys_that_only_mention_a_credential(key: str) -> None:
    assert not names_a_credential(key)


def test_keys_stay_readable_after_masking() -> None:
    assert Redactor().text("password=abc123xyz") == f"password={MASK}"
    assert Redactor().text("Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZ") == (
        f"Authorization: Bearer {MASK}"
    )


def test_operator_patterns_are_applied() -> None:
    r = Redactor([r"ACME-[0-9]{6}"])
    assert r.text("customer ACME-123456 charged") == f"customer {MASK} charged"


def test_facts_are_masked_everywhere_they_are_quoted() -> None:
    secret = "postgres://app:pw-9f8e7d@db:5432/x"
    facts = PodFacts(
        containers=(
            Container(
                name="api",
                waiting_message=f"back-off {secret}",
                last_state=Terminated(exit_code=1, message=f"failed {secret}"),
                logs=(f"connecting to {secret}", "ok", *PRIVATE_KEY.splitlines()),
            ),
        ),
        events=(Event(reason="Failed", message=f"error {secret}"),),
        node=Node(name="n", events=(Event(reason="Warn", message=f"x {secret}"),)),
        message=f"evicted while {secret}",
        conditions=(StatusCondition("Ready", "False", message=f"not ready {secret}"),),
    )
    masked = Redactor().facts(facts)
    c = masked.containers[0]
    texts = [
        c.waiting_message or "",
        c.last_state.message if c.last_state else "",
        *(c.logs or ()),
        masked.events[0].message,
        masked.node.events[0].message if masked.node else "",
        masked.message or "",
        masked.conditions[0].message or "",
    ]
    assert all("pw-9f8e7d" not in t for t in texts)
    assert all("MIIEow" not in t for t in texts)
    assert "ok" in (c.logs or ())
