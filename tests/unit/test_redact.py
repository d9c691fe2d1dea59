"""Redaction: real-format (generated) secrets are masked, ordinary lines survive."""

import pytest

from bot.facts import Container, Event, Node, PodFacts, Terminated
from bot.redact import MASK, Redactor

# Generated values in the formats real secrets have; none of them is a real credential.
SECRETS = {
    "bearer header": (
        "Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZ",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZ",
    ),
    "jwt": (
        "token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    ),
    "jwt bare": (
        "session eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrOHMifQ.c2lnbmF0dXJlLXBhcnQtMTIz expired",
        "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrOHMifQ.c2lnbmF0dXJlLXBhcnQtMTIz",
    ),
    "aws access key": ("using key AKIAIOSFODNN7EXAMPLE for s3", "AKIAIOSFODNN7EXAMPLE"),
    "aws secret": (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    "gcp api key": (
        "maps key AIzaSyA1234567890abcdefghijklmnopqrstuv loaded",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    ),
    "azure storage": (
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==;EndpointSuffix=core.windows.net",
        "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==",
    ),
    "slack bot token": (
        "SLACK_BOT_TOKEN=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    ),
    "slack app token": (
        "connecting with xapp-1-A0123456789-1234567890123-abcdef0123456789",
        "xapp-1-A0123456789-1234567890123-abcdef0123456789",
    ),
    "github token": (
        "git clone https://ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789@github.com/x/y",
        "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    ),
    "postgres url": (
        "DATABASE_URL=postgres://app:s3cr3t-Passw0rd@db.payments:5432/ledger",
        "s3cr3t-Passw0rd",
    ),
    "redis url": ("connecting to redis://:hunter2hunter2@redis:6379/0", "hunter2hunter2"),
    "mongodb url": ("mongodb+srv://svc:Tr0ub4dor3@cluster0.example.net/test", "Tr0ub4dor3"),
    "password pair": (
        "login failed for user=app password=CorrectHorseBattery",
        "CorrectHorseBattery",
    ),
    "quoted secret": (
        'config: {"client_secret": "6fd8a1b2c3d4e5f60718293a4b5c6d7e"}',
        "6fd8a1b2c3d4e5f60718293a4b5c6d7e",
    ),
    "api key pair": (
        "API_KEY: 0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef",
    ),
    "stripe key": (
        "charging with sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    ),
    "basic auth": ("Authorization: Basic YWRtaW46c3VwZXJzZWNyZXQ=", "YWRtaW46c3VwZXJzZWNyZXQ="),
}

PRIVATE_KEY = """-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB
aFDrBz9vFqU4yS2nN0aVkQvYdkL8mvOgU0fJ7yeXkSFZ8XoWg3k0mEXAMPLEONLY
-----END RSA PRIVATE KEY-----"""

ORDINARY = [
    "2026-11-25T10:00:00Z INFO starting ledger-api version=1.4.2 port=8080",
    'ERROR: password authentication failed for user "app"',
    "Traceback (most recent call last):",
    '  File "/app/main.py", line 12, in <module>',
    "java.lang.OutOfMemoryError: Java heap space",
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "dial tcp 10.0.3.7:5432: connect: connection refused",
    "GET /healthz 200 1.2ms",
    "token bucket refilled: 10 tokens available",
    "Back-off restarting failed container api in pod ledger-api-5d8f7b9c4-x2k9q",
]


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_every_secret_format_is_masked(name: str) -> None:
    line, secret = SECRETS[name]
    out = Redactor().text(line)
    assert secret not in out
    assert MASK in out


def test_private_key_block_is_masked_whole() -> None:
    out = Redactor().text(f"loaded key:\n{PRIVATE_KEY}\ndone")
    assert "MIIEow" not in out and "EXAMPLEONLY" not in out
    assert out.startswith("loaded key:") and out.endswith("done")


@pytest.mark.parametrize("line", ORDINARY)
def test_ordinary_lines_survive_unchanged(line: str) -> None:
    assert Redactor().text(line) == line


def test_keys_stay_readable_after_masking() -> None:
    assert Redactor().text("password=abc123xyz") == f"password={MASK}"


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
    )
    masked = Redactor().facts(facts)
    c = masked.containers[0]
    texts = [
        c.waiting_message or "",
        c.last_state.message if c.last_state else "",
        *(c.logs or ()),
        masked.events[0].message,
        masked.node.events[0].message if masked.node else "",
    ]
    assert all("pw-9f8e7d" not in t for t in texts)
    assert all("MIIEow" not in t for t in texts)
    assert "ok" in (c.logs or ())
