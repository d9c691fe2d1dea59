"""Shared test helpers: the scenario corpus and the built-in rules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from bot.diagnosis.rules import RuleSet, load_rules
from tests.state.pgserver import PgServer, running_postgres

SCENARIOS = Path(__file__).parent / "scenarios"

# The property tests draw new inputs on every local run, to find what nobody thought
# of; CI (`HYPOTHESIS_PROFILE=ci`, set by .ci/run) draws the same ones every time, so
# a red CI is a regression that reproduces, not a coin toss.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    target: str
    container: str | None
    expect: dict[str, Any]
    faults: dict[str, Any]

    @property
    def degraded(self) -> bool:
        return bool(self.faults)


def load_scenarios() -> list[Scenario]:
    out = []
    for meta in sorted(SCENARIOS.glob("*/scenario.yaml")):
        doc = yaml.safe_load(meta.read_text())
        out.append(
            Scenario(
                name=meta.parent.name,
                path=meta.parent,
                target=doc["target"],
                container=doc.get("container"),
                expect=doc.get("expect") or {},
                faults=doc.get("faults") or {},
            )
        )
    return out


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    """A real PostgreSQL server on loopback (Debian's binaries), shared by the session."""
    with running_postgres() as server:
        yield server
