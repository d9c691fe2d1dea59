"""Text from Slack, button values and CLI targets: a clear answer, and only valid names out.

`parse_command`, `decode_target` and `parse_target` see text anyone in the workspace
(or anyone holding the signing secret) can send. Whatever it is, they answer with a
request or a readable refusal, and every name they let through is a Kubernetes name,
so nothing else can reach an API path.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import TargetError
from bot.slack.actions import decode_silence, decode_target, encode_target
from bot.slack.commands import (
    DiagnosePod,
    DiagnoseWorkload,
    Help,
    Invalid,
    ListNamespace,
    parse_command,
)
from bot.target import (
    Target,
    check_cluster,
    check_name,
    check_namespace,
    is_label,
    is_subdomain,
    parse_target,
)
from tests.security.strategies import any_command_text, commandish

REQUEST_TYPES = (Help, DiagnosePod, DiagnoseWorkload, ListNamespace, Invalid)


def assert_valid_target(t: Target) -> None:
    assert is_label(t.namespace), t
    assert is_subdomain(t.pod), t
    assert t.container is None or is_subdomain(t.container), t
    if t.cluster is not None:
        check_cluster(t.cluster)


def assert_safe_request(r: object) -> None:
    assert isinstance(r, REQUEST_TYPES)
    if isinstance(r, DiagnosePod):
        assert_valid_target(r.target)
    elif isinstance(r, DiagnoseWorkload):
        assert is_label(r.namespace) and is_subdomain(r.name)
        assert r.container is None or is_subdomain(r.container)
        assert r.cluster is None or check_cluster(r.cluster)
    elif isinstance(r, ListNamespace):
        assert is_label(r.namespace)
        assert r.cluster is None or check_cluster(r.cluster)
    elif isinstance(r, Invalid):
        assert r.message and len(r.message) < 400
        assert all(ch.isprintable() for ch in r.message), r.message


@settings(max_examples=600, deadline=None)
@given(text=any_command_text)
def test_parse_command_answers_every_text_with_a_request_of_valid_names(text: str) -> None:
    assert_safe_request(parse_command(text))


@settings(max_examples=100, deadline=None)
@given(text=st.text(min_size=501, max_size=20_000))
def test_parse_command_refuses_huge_text_without_parsing_it(text: str) -> None:
    r = parse_command(text)
    assert isinstance(r, Invalid)


@pytest.mark.parametrize(
    "text",
    [
        "'payments/ledger-api\n'",
        '"payments\n/ledger-api"',
        "payments/ledger-api\x00",
        "payments/../kube-system",
        "payments/ledger-api%0A",
        "prod\n:payments/ledger-api",
        "payments/ledger-api -c 'api\n'",
        "-n 'payments\n' ledger-api",
        "PAYMENTS/Ledger",
        "payments/deploy/'web\n'",
        "$(id)/x",
        "payments/ledger api",
    ],
    ids=repr,
)
def test_names_with_control_characters_or_traversal_are_refused(text: str) -> None:
    assert isinstance(parse_command(text), Invalid | Help)


@pytest.mark.parametrize("name", ["ns\n", "ns\r", "\nns", "ns\x00", "n s", "ns/", "..", "ns."])
def test_name_checks_reject_trailing_newlines_and_separators(name: str) -> None:
    with pytest.raises(TargetError):
        check_namespace(name)
    if name not in ("ns.",):
        with pytest.raises(TargetError):
            check_name(name)
    with pytest.raises(TargetError):
        check_cluster(name + "\n")


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(st.text(max_size=200), commandish))
def test_button_values_decode_to_valid_targets_or_are_refused(value: str) -> None:
    try:
        t = decode_target(value)
    except TargetError:
        return
    assert_valid_target(t)


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=200))
def test_silence_values_decode_to_valid_targets_or_are_refused(value: str) -> None:
    try:
        hours, t = decode_silence(value)
    except TargetError:
        return
    assert hours in (1, 4, 24)
    assert_valid_target(t)


@settings(max_examples=200, deadline=None)
@given(
    ns=st.from_regex(r"[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?", fullmatch=True),
    pod=st.from_regex(r"[a-z0-9]([-a-z0-9.]{0,40}[a-z0-9])?", fullmatch=True),
    container=st.one_of(
        st.none(), st.from_regex(r"[a-z]([-a-z0-9]{0,10}[a-z0-9])?", fullmatch=True)
    ),
    cluster=st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)),
)
def test_button_values_round_trip(
    ns: str, pod: str, container: str | None, cluster: str | None
) -> None:
    if ".." in pod or ".-" in pod or "-." in pod:
        return  # not a subdomain
    t = Target(ns, pod, container, cluster)
    assert decode_target(encode_target(t)) == t


@settings(max_examples=300, deadline=None)
@given(text=any_command_text, container=st.one_of(st.none(), st.text(max_size=30)))
def test_cli_targets_are_valid_or_refused(text: str, container: str | None) -> None:
    try:
        t = parse_target(text, container=container)
    except TargetError:
        return
    assert_valid_target(t)
