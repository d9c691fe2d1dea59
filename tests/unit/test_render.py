"""Renderings: Block Kit limits respected by splitting, text and JSON contracts."""

from __future__ import annotations

import json

from bot.diagnosis.engine import Diagnosis, Finding, diagnose
from bot.diagnosis.rules import RuleSet
from bot.facts import Container, Event, OwnerRef, PodFacts, Terminated
from bot.render.blocks import MAX_BLOCKS, MAX_MESSAGE_TEXT, MAX_SECTION, render_messages
from bot.render.jsondoc import to_dict
from bot.render.text import render_text
from tests.fakes.slackapi import validate_blocks


def oom_facts(log_lines: int = 30, line_length: int = 80) -> PodFacts:
    return PodFacts(
        namespace="payments",
        name="ledger-api-5d8f7b9c4-x2k9q",
        node_name="worker-2",
        owner_chain=(
            OwnerRef("ReplicaSet", "ledger-api-5d8f7b9c4"),
            OwnerRef("Deployment", "ledger-api"),
        ),
        containers=(
            Container(
                name="api",
                restart_count=9,
                waiting_reason="CrashLoopBackOff",
                memory_limit="256Mi",
                last_state=Terminated(exit_code=137, reason="OOMKilled"),
                logs=tuple(f"line {i} " + "x" * line_length for i in range(log_lines)),
            ),
        ),
        events=(Event(reason="BackOff", message="Back-off restarting failed container", count=40),),
    )


def huge_diagnosis(rules: RuleSet) -> Diagnosis:
    d = diagnose(oom_facts(200, 400), rules)
    extra = tuple(
        Finding(
            f"rule-{i}",
            f"Finding {i}",
            "low",
            "api",
            "e" * 2500,
            ("ev <&> `x`",) * 5,
            ("fix",) * 3,
            (),
            1,
        )
        for i in range(40)
    )
    return Diagnosis(d.facts, d.container, d.findings + extra)


def test_long_diagnoses_are_split_not_truncated(rules: RuleSet) -> None:
    d = huge_diagnosis(rules)
    messages = render_messages(d)
    assert len(messages) > 3
    for m in messages:
        assert m.text
        assert len(m.blocks) <= MAX_BLOCKS
        assert sum(len(b.get("text", {}).get("text", "")) for b in m.blocks) <= MAX_MESSAGE_TEXT
        assert all(len(b.get("text", {}).get("text", "")) <= MAX_SECTION for b in m.blocks)
        assert validate_blocks(m.blocks) == []
    everything = json.dumps([m.blocks for m in messages])
    for i in range(40):
        assert f"Finding {i}" in everything
    assert "line 199 " in everything  # the last log line made it


def test_root_message_is_a_headline(rules: RuleSet) -> None:
    root = render_messages(diagnose(oom_facts(), rules))[0]
    assert root.text.startswith("payments/ledger-api-5d8f7b9c4-x2k9q (container api): OOMKilled")
    assert "exit 137 (SIGKILL)" in root.text and "9 restarts" in root.text
    assert "oom-cgroup" in json.dumps(root.blocks)


def test_mrkdwn_control_characters_are_escaped(rules: RuleSet) -> None:
    text = json.dumps([m.blocks for m in render_messages(huge_diagnosis(rules))])
    assert "ev &amp;lt;&amp;amp;&amp;gt;" not in text  # escaped once, not twice
    assert "ev &lt;&amp;&gt;" in text


def test_json_document_follows_the_contract(rules: RuleSet) -> None:
    doc = to_dict(diagnose(oom_facts(), rules))
    assert doc["owner"] == {"kind": "Deployment", "name": "ledger-api"}
    assert doc["containers"][0]["last_state"]["signal"] == "SIGKILL"
    assert doc["containers"][0]["exit_code_meaning"].startswith("137 = 128 + 9")
    top = doc["findings"][0]
    assert top["rule_id"] == "oom-cgroup"
    assert set(top) == {
        "rule_id",
        "title",
        "severity",
        "container",
        "explanation",
        "evidence",
        "fixes",
        "docs",
    }


def test_text_output_has_the_sections_an_sre_reads(rules: RuleSet) -> None:
    text = render_text(diagnose(oom_facts(), rules))
    for heading in (
        "Likely cause:",
        "Evidence:",
        "What to do:",
        "log lines of the previous",
        "Recent events:",
        "Look further:",
        "kubectl -n payments logs",
    ):
        assert heading in text


def test_private_replies_say_what_did_not_fit(rules: RuleSet) -> None:
    from bot.slack.publish import MAX_RESPONSES, as_private_replies

    pages = as_private_replies(huge_diagnosis(rules), "I can't post in <#C1>")
    assert len(pages) == MAX_RESPONSES
    assert "did not fit in a private reply" in json.dumps(pages[-1].blocks)
    assert all(len(p.blocks) <= MAX_BLOCKS for p in pages)
