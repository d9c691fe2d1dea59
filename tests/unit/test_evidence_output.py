"""The outputs carry the evidence: the decisive line, the log tail, the events.

The JSON document is a contract for scripts (fields only ever added); the text and
Slack renderings must put the line that explains the exit where the on-call reads first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.diagnosis.engine import diagnose
from bot.diagnosis.rules import RuleSet
from bot.facts import Container, Event, Node, OwnerRef, PodFacts, Terminated
from bot.render.blocks import render_messages
from bot.render.jsondoc import JSON_LOG_TAIL, to_dict
from bot.render.text import render_text

AT = datetime(2026, 11, 20, 9, 28, 1, tzinfo=UTC)
ERROR = "KeyError: 'LEDGER_DATABASE_URL'"


def traceback_facts(padding: int = 120) -> PodFacts:
    logs = (
        *(f"INFO worker: tick {i}" for i in range(padding)),
        "Traceback (most recent call last):",
        '  File "/app/ledger/settings.py", line 41, in <module>',
        '    DATABASE_URL = os.environ["LEDGER_DATABASE_URL"]',
        '  File "/usr/local/lib/python3.12/os.py", line 714, in __getitem__',
        "    raise KeyError(key) from None",
        ERROR,
    )
    return PodFacts(
        namespace="payments",
        name="ledger-worker-7d9f8c6b5-k2x4p",
        node_name="worker-2",
        owner_chain=(
            OwnerRef("ReplicaSet", "ledger-worker-7d9f8c6b5"),
            OwnerRef("Deployment", "ledger-worker"),
        ),
        containers=(
            Container(
                name="worker",
                image="registry.example.com/ledger-worker:2.4.0",
                restart_count=7,
                waiting_reason="CrashLoopBackOff",
                waiting_message="back-off 5m0s restarting failed container=worker",
                last_state=Terminated(exit_code=1, reason="Error", finished_at=AT),
                logs=logs,
            ),
        ),
        events=(
            Event(
                reason="BackOff",
                type="Warning",
                message="Back-off restarting failed container worker",
                count=41,
                last_seen=AT,
                field_path="spec.containers{worker}",
            ),
        ),
        node=Node(
            name="worker-2",
            events=(Event(reason="NodeReady", message="Node worker-2 status is now: NodeReady"),),
        ),
    )


def test_json_containers_carry_image_waiting_message_log_tail_and_decisive_lines(
    rules: RuleSet,
) -> None:
    doc = to_dict(diagnose(traceback_facts(), rules))
    c = doc["containers"][0]
    assert c["image"] == "registry.example.com/ledger-worker:2.4.0"
    assert c["waiting_message"] == "back-off 5m0s restarting failed container=worker"
    assert len(c["log_tail"]) == JSON_LOG_TAIL == 50
    assert c["log_tail"][-1] == ERROR
    assert c["decisive_lines"][0] == ERROR


def test_json_log_tail_is_null_when_the_log_could_not_be_read(rules: RuleSet) -> None:
    facts = traceback_facts()
    c = facts.containers[0]
    unread = PodFacts(
        namespace=facts.namespace,
        name=facts.name,
        containers=(Container(name=c.name, last_state=c.last_state, logs=None),),
    )
    doc = to_dict(diagnose(unread, rules))
    assert doc["containers"][0]["log_tail"] is None
    assert doc["containers"][0]["decisive_lines"] == []


def test_json_events_list_pod_and_node_events(rules: RuleSet) -> None:
    doc = to_dict(diagnose(traceback_facts(), rules))
    assert doc["events"][0] == {
        "time": "2026-11-20T09:28:01Z",
        "object": "pod",
        "type": "Warning",
        "reason": "BackOff",
        "message": "Back-off restarting failed container worker",
        "count": 41,
    }
    assert [e["object"] for e in doc["events"]] == ["pod", "node"]


def test_the_top_finding_quotes_the_exception_line(rules: RuleSet) -> None:
    d = diagnose(traceback_facts(), rules)
    assert d.top is not None
    assert ERROR in d.top.title or f"log: {ERROR}" in d.top.evidence


def test_text_output_marks_the_decisive_line_in_the_log_tail(rules: RuleSet) -> None:
    text = render_text(diagnose(traceback_facts(), rules))
    assert f"  | > {ERROR}" in text
    assert "  |   INFO worker: tick 119" in text


def test_slack_root_names_what_failed_and_the_next_step(rules: RuleSet) -> None:
    root, *thread = render_messages(diagnose(traceback_facts(), rules))
    root_text = root.blocks[0]["text"]["text"]
    assert "LEDGER_DATABASE_URL" in root_text
    assert "*Next:*" in root_text
    thread_text = "\n".join(
        b["text"]["text"] for m in thread for b in m.blocks if b.get("type") == "section"
    )
    assert f"▶ {ERROR.replace(chr(39), chr(39))}" in thread_text.replace("&#39;", "'")


def test_what_failed_is_not_repeated_when_the_title_already_quotes_it(rules: RuleSet) -> None:
    facts = PodFacts(
        namespace="shop",
        name="cart-1",
        containers=(
            Container(
                name="cart",
                waiting_reason="CrashLoopBackOff",
                last_state=Terminated(exit_code=1, reason="Error"),
                logs=("starting", "fatal: shard map has no primary for shard 7"),
            ),
        ),
    )
    d = diagnose(facts, rules)
    assert d.top is not None and d.top.rule_id == "app-error"
    assert d.top.title == "The program exited: fatal: shard map has no primary for shard 7"
    assert "What failed" not in render_text(d)
