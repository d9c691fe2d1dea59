"""The pure core never imports the network: layers that can be named, imports one way.

Facts, exit codes, rules, the engine, redaction and rendering take data and return
data; only the collectors, the Slack side and the server talk to the network. This
follows every `bot.*` import from the core modules and fails on a network library.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).parents[2] / "bot"
CORE = [
    "bot.facts",
    "bot.target",
    "bot.timefmt",
    "bot.redact",
    "bot.diagnosis.exitcodes",
    "bot.diagnosis.rules",
    "bot.diagnosis.schema",
    "bot.diagnosis.context",
    "bot.diagnosis.decisive",
    "bot.diagnosis.workload",
    "bot.diagnosis.matching",
    "bot.diagnosis.engine",
    "bot.diagnosis.fixtures",
    "bot.render.common",
    "bot.render.text",
    "bot.render.jsondoc",
    "bot.render.blocks",
    "bot.render.workload",
    "bot.cluster.normalize",
    "bot.cluster.revisions",
    "bot.cluster.templatediff",
    "bot.cluster.source",
    "bot.render.changes",
    "bot.slack.commands",
    "bot.alerts.payload",
    "bot.alerts.selection",
    "bot.alerts.routing",
]
NETWORK = ("aiohttp", "kubernetes_asyncio", "slack_sdk", "slack_bolt", "prometheus_client")


def imports_of(module: str) -> set[str]:
    parts = module.split(".")[1:]
    path = BOT.joinpath(*parts).with_suffix(".py")
    if not path.exists():
        path = BOT.joinpath(*parts, "__init__.py")
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def closure(module: str) -> dict[str, str]:
    """Every module imported from `module`, transitively within bot, with who imports it."""
    seen: dict[str, str] = {}
    todo = [module]
    while todo:
        current = todo.pop()
        for name in imports_of(current):
            if name in seen:
                continue
            seen[name] = current
            if name.startswith("bot."):
                todo.append(name)
    return seen


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_reach_the_network(module: str) -> None:
    bad = {name: via for name, via in closure(module).items() if name.split(".")[0] in NETWORK}
    assert not bad, f"{module} imports network libraries: {bad}"


def test_the_rule_schema_does_not_know_its_matchers() -> None:
    """Schema -> vocabulary (context) <- matchers: no cycle between schema and matching."""
    assert "bot.diagnosis.matching" not in closure("bot.diagnosis.schema")
    assert "bot.diagnosis.rules" not in closure("bot.diagnosis.matching")
    assert "bot.diagnosis.rules" not in closure("bot.diagnosis.schema")
