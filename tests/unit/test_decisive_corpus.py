"""The decisive-line extractor against the labelled crash-log corpus (tests/logcorpus).

The floor of issue 10: on at least 150 labelled logs, the extractor's first cause line is
the line an expert quotes in at least 95% of them. On failure the misses are listed
(id, expected, got) so a regression can be read from the test output alone.
"""

from __future__ import annotations

from dataclasses import replace

from tests.unit.decisive_scoring import Outcome, load_cases, score

MIN_CASES = 150
MIN_PRECISION = 0.95


def misses(outcomes: list[Outcome]) -> str:
    return "\n".join(
        f"  {o.case.id}\n    expected: {o.case.expect!r}\n    got:      {o.got!r}"
        for o in outcomes
        if not o.correct
    )


def test_the_corpus_is_large_enough_to_measure() -> None:
    # the corpus's own consistency (a log per label, labels that are lines of their log)
    # is tests/unit/test_logcorpus.py's
    assert len(load_cases()) >= MIN_CASES


def test_the_decisive_line_is_the_experts_line_in_95_percent_of_the_corpus() -> None:
    outcomes = [score(c) for c in load_cases()]
    correct = sum(o.correct for o in outcomes)
    precision = correct / len(outcomes)
    assert precision >= MIN_PRECISION, (
        f"{correct}/{len(outcomes)} = {precision:.1%} < {MIN_PRECISION:.0%}; misses:\n"
        + misses(outcomes)
    )


def test_the_score_counts_a_different_line_or_a_missing_one_as_a_miss() -> None:
    case = next(c for c in load_cases() if c.expect is not None)
    got = score(case).got
    other = replace(case, expect=f"{case.expect} (another line)")
    assert not Outcome(other, got, 0.0).correct
    assert not Outcome(case, None, 0.0).correct
    assert not Outcome(replace(case, expect=None), "ERROR something", 0.0).correct
    assert Outcome(replace(case, expect=None), None, 0.0).correct
    # whitespace inside the line is collapsed on both sides
    assert Outcome(replace(case, expect="a  b\t c"), "a b c", 0.0).correct
