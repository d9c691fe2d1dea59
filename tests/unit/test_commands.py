"""Parsing `/crashloop` text: the forms people type, and what is refused."""

import pytest

from bot.slack.commands import (
    DiagnosePod,
    DiagnoseWorkload,
    Help,
    Invalid,
    ListNamespace,
    parse_command,
)
from bot.target import Target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "payments/ledger-api-5d8f7b9c4-x2k9q",
            DiagnosePod(Target("payments", "ledger-api-5d8f7b9c4-x2k9q")),
        ),
        ("  payments/api-0  ", DiagnosePod(Target("payments", "api-0"))),
        ("api-0 -n payments", DiagnosePod(Target("payments", "api-0"))),
        ("-n payments api-0", DiagnosePod(Target("payments", "api-0"))),
        ("--namespace=payments api-0", DiagnosePod(Target("payments", "api-0"))),
        ("payments/api-0 -c sidecar", DiagnosePod(Target("payments", "api-0", "sidecar"))),
        ("prod:payments/api-0", DiagnosePod(Target("payments", "api-0", None, "prod"))),
        ("payments/deploy/ledger-api", DiagnoseWorkload("payments", "Deployment", "ledger-api")),
        ("payments/sts/db", DiagnoseWorkload("payments", "StatefulSet", "db")),
        ("payments/ds/agent", DiagnoseWorkload("payments", "DaemonSet", "agent")),
        ("deploy/ledger-api -n payments", DiagnoseWorkload("payments", "Deployment", "ledger-api")),
        ("prod:payments/deployment/x", DiagnoseWorkload("payments", "Deployment", "x", "prod")),
        ("payments", ListNamespace("payments")),
        ("prod:payments", ListNamespace("payments", "prod")),
        ("", Help()),
        ("help", Help()),
    ],
    ids=lambda v: repr(v) if isinstance(v, str) else "",
)
def test_forms_people_type(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Payments/API", "not a valid namespace"),
        ("payments/api_0", "not a valid pod name"),
        ("payments/../../secrets", "cannot read"),
        ("a/b/c/d", "cannot read"),
        ("payments/api-0 --force", "unknown option --force"),
        ("payments/api-0 other/pod", "give one pod"),
        ("-n", "needs a namespace"),
        ("x" * 600, "characters"),
        ("pay\u200bments/api", "not a valid namespace"),
        ("bad cluster!:ns/pod", "give one pod"),
        ("payments/api-0 -c Bad_Name", "not a valid container name"),
        ("'unclosed", "not a valid namespace"),
    ],
)
def test_what_is_refused_says_why(text: str, words: str) -> None:
    result = parse_command(text)
    assert isinstance(result, Invalid)
    assert words in result.message
