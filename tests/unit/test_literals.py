"""The literal prefilter of log regexes: never hides a match, and skips most regexes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.diagnosis.literals import required_literals
from bot.diagnosis.matching import LogTest, Matcher
from bot.diagnosis.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\bENOSPC\b", {"enospc"}),
        (r"(?i:no space left on device)|\bENOSPC\b", {"no space left on device", "enospc"}),
        (r"^Traceback \(most recent call last\):$", {"traceback (most recent call last):"}),
        (r"(?:: |\] |^)(?i:connection refused)", {"connection refused"}),
        (r"dial tcp \S{1,260}: connect: connection refused", {": connect: connection refused"}),
        (r"x?abc", {"abc"}),
        (r"(?:abcd)+e", {"abcd"}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_required_literals_of_common_shapes(pattern: str, literals: set[str]) -> None:
    assert required_literals(pattern) == frozenset(literals)


@pytest.mark.parametrize(
    "pattern",
    [r"a|b", r"(?:abc)?d", r"\d{3,}", r"[A-Z]{4}", r"abc|\d+", r"(?:foo)*bar?", r"ab"],
)
def test_no_prefilter_when_nothing_long_enough_is_required(pattern: str) -> None:
    assert required_literals(pattern) is None


def _log_tests(m: Matcher) -> list[LogTest]:
    if isinstance(m, LogTest):
        return [m]
    parts = list(getattr(m, "parts", ()))
    if hasattr(m, "part"):
        parts.append(m.part)
    return [t for p in parts for t in _log_tests(p)]


LOG_TESTS = [t for r in load_rules().rules for t in _log_tests(r.matcher)]
TEXTS = [
    p.read_text(encoding="utf-8", errors="replace")
    for pattern in ("tests/scenarios/*/logs/*/*/*.log", "tests/logcorpus/cases/*.log")
    for p in sorted(ROOT.glob(pattern))
]


def test_the_prefilter_never_hides_a_match_of_a_built_in_rule_in_real_logs() -> None:
    assert len(TEXTS) >= 50 and len(LOG_TESTS) >= 50
    hidden = []
    matched = 0
    for text in TEXTS:
        lower = text.lower()
        for t in LOG_TESTS:
            if t.pattern.search(text) is None:
                continue
            matched += 1
            if t.literals is not None and not any(x in lower for x in t.literals):
                hidden.append(t.pattern.pattern)
    assert matched >= 50
    assert not hidden


def test_most_built_in_log_regexes_have_a_prefilter() -> None:
    with_literals = [t for t in LOG_TESTS if t.literals is not None]
    assert len(with_literals) / len(LOG_TESTS) >= 0.8


@given(st.text(alphabet="abcdeENOSPC \n:!", max_size=60))
def test_any_text_a_regex_matches_contains_one_of_its_literals(text: str) -> None:
    for pattern in (r"\bENOSPC\b", r"(?i:no space)|abc:", r"(?:ab|cd)e{2,}!", r"^e?NOS\b"):
        literals = required_literals(pattern, re.MULTILINE)
        if re.search(pattern, text, re.MULTILINE) and literals is not None:
            assert any(x in text.lower() for x in literals), (pattern, text)
