"""Collect, redact, diagnose: the one pipeline every trigger runs.

A slash command, an alert and the CLI differ only in how they build a `Target` and
where the `Diagnosis` goes; this is the part in between. A workload is one list of its
pods, then the diagnoses of a sample of them at once (`bot.diagnosis.workload`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.cluster.source import Source
from bot.diagnosis.engine import Diagnosis, diagnose
from bot.diagnosis.rules import RuleSet
from bot.diagnosis.workload import (
    WorkloadDiagnosis,
    build_workload,
    choose_sample,
    nodes_to_compare,
)
from bot.errors import BotError, ClusterAccessError
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
    sample_per_status: int = 3  # pods read per (reason, exit code) of a workload
    max_samples: int = 12  # pods read per workload at most

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

    async def run_workload(
        self,
        namespace: str,
        kind: str,
        name: str,
        *,
        cluster: str | None = None,
        container: str | None = None,
    ) -> WorkloadDiagnosis:
        """Diagnose a workload: list its pods, read a sample of the failing ones at once.

        Raises ClusterAccessError when the workload or its pods cannot be listed; a
        sampled pod that cannot be read becomes a warning.
        """
        source = await self.source_for(cluster)
        pods = await source.workload_pods(namespace, kind, name)
        sample = choose_sample(pods, per_status=self.sample_per_status, limit=self.max_samples)
        # The nodes' labels (for a node pool or zone) are read beside the sample.
        labels, results = await asyncio.gather(
            source.node_labels(nodes_to_compare(pods)),
            asyncio.gather(
                *(self.run(Target(namespace, p.name, container, cluster)) for p in sample),
                return_exceptions=True,
            ),
        )
        diagnoses: dict[str, Diagnosis] = {}
        warnings: list[str] = []
        for pod, result in zip(sample, results, strict=True):
            if isinstance(result, Diagnosis):
                diagnoses[pod.name] = result
            elif isinstance(result, BotError):
                warnings.append(f"pod {pod.name} could not be read: {result}")
            elif isinstance(result, BaseException):
                raise result
        return build_workload(
            namespace=namespace,
            kind=kind,
            name=name,
            cluster=cluster,
            pods=pods,
            diagnoses=diagnoses,
            warnings=warnings,
            node_labels=labels,
        )
