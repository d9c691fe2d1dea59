"""Scoring of the decisive-line extractor against the labelled log corpus.

One place for how a case is read and judged, shared by tests/unit/test_decisive_corpus.py
(the floor) and bench/decisive.py (the figures). The corpus is tests/logcorpus:
labels.yaml lists `{id, runtime, format, language, source, expect, message?, note?}`
and cases/<id>.log holds the raw log. A case is correct when the extractor's first
"cause" line, normalised (ANSI and trailing CR removed, trimmed; `lines[index]` when it
came from the log, its text otherwise), equals `expect` with internal whitespace
collapsed on both sides; for `expect: null`, when no cause line is returned.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.diagnosis.decisive import find_decisive
from bot.diagnosis.logtext import normalize

CORPUS = Path(__file__).resolve().parents[1] / "logcorpus"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Case:
    id: str
    runtime: str
    format: str
    language: str
    expect: str | None
    message: str | None
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: str | None
    seconds: float

    @property
    def correct(self) -> bool:
        if self.case.expect is None:
            return self.got is None
        return self.got is not None and collapse(self.got) == collapse(self.case.expect)


def collapse(text: str) -> str:
    return _SPACE.sub(" ", normalize(text))


def load_cases(corpus: Path = CORPUS) -> list[Case]:
    """Every labelled case whose log exists (a label being written may lack its log)."""
    return list(_load(corpus))


@functools.cache
def _load(corpus: Path) -> tuple[Case, ...]:
    labels: list[dict[str, Any]] = yaml.safe_load((corpus / "labels.yaml").read_text()) or []
    out = []
    for entry in labels:
        path = corpus / "cases" / f"{entry['id']}.log"
        if not path.exists():
            continue
        raw = path.read_bytes().decode("utf-8", errors="replace")
        out.append(
            Case(
                id=str(entry["id"]),
                runtime=str(entry.get("runtime") or "?"),
                format=str(entry.get("format") or "?"),
                language=str(entry.get("language") or "?"),
                expect=entry.get("expect"),
                message=entry.get("message"),
                lines=tuple(raw.split("\n")),
            )
        )
    return tuple(out)


def cause_of(case: Case) -> str | None:
    """The extractor's first cause line for a case, normalised, or None."""
    found = find_decisive(case.lines, message=case.message)
    cause = next((d for d in found if d.role == "cause"), None)
    if cause is None:
        return None
    return normalize(case.lines[cause.index]) if cause.index >= 0 else cause.text


def score(case: Case) -> Outcome:
    t0 = time.perf_counter()
    got = cause_of(case)
    return Outcome(case, got, time.perf_counter() - t0)
