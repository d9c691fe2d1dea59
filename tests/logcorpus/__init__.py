"""The corpora that measure log handling: labelled crash logs, ordinary lines, planted secrets.

`cases/*.log` + `labels.yaml` measure the decisive-line extractor (format in README.md);
tests/unit/test_logcorpus.py checks them, and tests/unit/decisive_scoring.py scores the
extractor on them for its floor and bench/decisive.py.
`ordinary.txt` (lines without secrets) and `planted_secrets.yaml` (lines with generated
secrets in real formats) measure the redactor; tests/unit/test_redact.py keeps its floors
and bench/redaction.py reports its figures from these same loaders.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).resolve().parent
CASES = CORPUS / "cases"
LABELS = CORPUS / "labels.yaml"
ORDINARY = CORPUS / "ordinary.txt"
PLANTED = CORPUS / "planted_secrets.yaml"


@dataclass(frozen=True)
class CrashLog:
    """One labelled case: a real crash log and the line an expert says explains it."""

    id: str
    runtime: str
    format: str
    language: str
    source: str
    expect: str | None  # None: the log holds no decisive line
    message: str | None  # the container's termination message, if the case has one
    raw: bytes

    @property
    def lines(self) -> tuple[str, ...]:
        """The log's physical lines as a collector hands them over (CRs and ANSI kept)."""
        return tuple(self.raw.decode("utf-8").split("\n"))


@functools.cache
def labels() -> list[dict[str, Any]]:
    """labels.yaml as written: one mapping per case."""
    data = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    assert isinstance(data, list), f"{LABELS} is not a list"
    return data


@functools.cache
def crash_logs() -> tuple[CrashLog, ...]:
    return tuple(
        CrashLog(
            id=str(e["id"]),
            runtime=str(e["runtime"]),
            format=str(e["format"]),
            language=str(e["language"]),
            source=str(e["source"]),
            expect=None if e["expect"] is None else str(e["expect"]),
            message=e.get("message"),
            raw=(CASES / f"{e['id']}.log").read_bytes(),
        )
        for e in labels()
    )


@dataclass(frozen=True)
class PlantedSecret:
    name: str
    line: str
    secret: str


def ordinary_lines() -> list[str]:
    """Every ordinary line, one per physical line of ordinary.txt."""
    return [line for line in ORDINARY.read_text(encoding="utf-8").split("\n") if line]


def planted_secrets() -> list[PlantedSecret]:
    entries = yaml.safe_load(PLANTED.read_text(encoding="utf-8"))
    return [PlantedSecret(str(e["name"]), str(e["line"]), str(e["secret"])) for e in entries]
