"""The labelled crash-log corpus (tests/logcorpus) holds what it claims to hold.

These tests check the corpus itself, not an extractor: every case file has a label and
every label a file, every expected line really is a line of its log (after the
normalisation the labels are defined with), and the corpus covers the runtimes, formats,
human languages and shapes (CRLF, ANSI colours, multi-line JSON, long logs with the error
near the end) that the decisive-line extractor is measured on.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.logcorpus import CASES, CrashLog, labels
from tests.logcorpus import crash_logs as cases

FORMATS = {
    "plain",
    "logfmt",
    "json",
    "json-multiline",
    "klog",
    "log4j",
    "logback",
    "python-logging",
    "rails",
    "syslog",
    "mixed",
}
FIELDS = {"id", "runtime", "format", "language", "source", "expect", "message", "note"}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def normalise(line: str) -> str:
    """A physical line as labels quote it: no ANSI escapes, no trailing CR, trimmed."""
    return ANSI.sub("", line).rstrip("\r").strip()


def normalised(case: CrashLog) -> list[str]:
    """The case's lines as its label quotes them."""
    return [normalise(line) for line in case.lines]


def test_corpus_holds_at_least_150_cases() -> None:
    assert len(labels()) >= 150


def test_every_label_has_a_log_file_and_every_log_file_a_label() -> None:
    ids = [str(e["id"]) for e in labels()]
    files = sorted(p.stem for p in CASES.glob("*.log"))
    assert sorted(ids) == files


def test_ids_are_unique_and_lowercase_dashed() -> None:
    ids = [str(e["id"]) for e in labels()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)


def test_every_label_has_the_contract_fields_and_a_known_format() -> None:
    for e in labels():
        assert {"id", "runtime", "format", "language", "source", "expect"} <= e.keys(), e
        assert set(e) <= FIELDS, e
        assert e["format"] in FORMATS, e


def test_termination_messages_are_absent_or_text() -> None:
    messages = [e.get("message") for e in labels()]
    assert all(m is None or (isinstance(m, str) and m.strip()) for m in messages)


def test_every_case_names_a_public_source() -> None:
    for e in labels():
        assert re.match(r"https://github\.com/[^/]+/[^/]+/(issues|pull)/\d+$", str(e["source"])), e


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_expected_line_is_a_line_of_its_log(case: CrashLog) -> None:
    if case.expect is not None:
        assert case.expect == case.expect.strip() and case.expect
        assert case.expect in normalised(case)


def test_some_logs_hold_no_decisive_line() -> None:
    assert sum(c.expect is None for c in cases()) >= 3


def test_corpus_covers_crlf_ansi_and_multiline_json() -> None:
    assert sum(b"\r\n" in c.raw for c in cases()) >= 3
    assert sum(b"\x1b[" in c.raw for c in cases()) >= 3
    assert sum(c.format == "json-multiline" for c in cases()) >= 3


def test_corpus_covers_formats_runtimes_and_languages() -> None:
    formats = {c.format for c in cases()}
    runtimes = {c.runtime.split()[0].split("/")[0].lower() for c in cases()}
    languages = Counter(c.language for c in cases())
    assert len(formats) >= 6, formats
    assert len(runtimes) >= 8, runtimes
    assert len(set(languages) - {"en"}) >= 4, languages


def test_at_least_20_long_logs_have_their_error_in_the_last_30_percent() -> None:
    def late(c: CrashLog) -> bool:
        lines = normalised(c)
        if c.expect is None or len(lines) <= 100:
            return False
        last = max(i for i, line in enumerate(lines) if line == c.expect)
        return last >= 0.7 * len(lines)

    assert sum(late(c) for c in cases()) >= 20
