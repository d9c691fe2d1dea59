"""Collect, redact, diagnose: the one pipeline every trigger runs.

A slash command, an alert and the CLI differ only in how they build a `Target` and
where the `Diagnosis` goes; this is the part in between.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.cluster.source import Source
from bot.diagnosis.engine import Diagnosis, diagnose
from bot.diagnosis.rules import RuleSet
from bot.errors import ClusterAccessError
from bot.logs import new_request_id
from bot.redact import Redactor
from bot.target import Target

SourceFor = Callable[[str | None], Awaitable[Source]]


@dataclass
class Diagnoser:
    rules: RuleSet
    source_for: SourceFor  # cluster name (None = default) -> its source
    redactor: Redactor
    on_diagnosis: Callable[[str, float], None] | None = None  # metrics: outcome, seconds

    async def run(self, target: Target) -> Diagnosis:
        new_request_id()
        started = time.perf_counter()
        outcome = "error"
        try:
            source = await self.source_for(target.cluster)
            facts = self.redactor.facts(await source.pod_facts(target))
            result = diagnose(facts, self.rules, container=target.container)
            outcome = "ok" if result.findings else "no_finding"
            return result
        except ClusterAccessError:
            outcome = "unreadable"
            raise
        finally:
            if self.on_diagnosis is not None:
                self.on_diagnosis(outcome, time.perf_counter() - started)
