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

import time
from dataclasses import dataclass

from bot.diagnosis import logtext
from bot.diagnosis.decisive import find_decisive
from tests.logcorpus import CrashLog as Case
from tests.logcorpus import crash_logs


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
    return logtext.collapse(logtext.normalize(text))


def load_cases() -> list[Case]:
    """Every labelled case."""
    return list(crash_logs())


def cause_of(case: Case) -> str | None:
    """The extractor's first cause line for a case, normalised, or None."""
    found = find_decisive(case.lines, message=case.message)
    cause = next((d for d in found if d.role == "cause"), None)
    if cause is None:
        return None
    return logtext.normalize(case.lines[cause.index]) if cause.index >= 0 else cause.text


def score(case: Case) -> Outcome:
    t0 = time.perf_counter()
    got = cause_of(case)
    return Outcome(case, got, time.perf_counter() - t0)
