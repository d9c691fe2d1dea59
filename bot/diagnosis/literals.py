"""Literals every match of a regex must contain: a cheap test before the regex runs.

Python's `re` tries a pattern at every position of the text unless it starts with a
literal, so a rule's `\\bENOSPC\\b` costs about 200 us per KiB of log, and a diagnosis
runs a hundred such patterns over up to 64 KiB. Most patterns match nothing in most
logs, and `substring in text` is a fast C scan; so each pattern is compiled with the
set of literals one of which any match must contain (found from the parsed regex, the
way ripgrep and Semgrep prefilter), and the regex only runs when one is present.

The set is derived conservatively: when in doubt, there is no prefilter. Literals are
compared lower-cased, against the lower-cased text, so case-insensitive parts need no
special care (a case-sensitive literal that is present is also present lower-cased).
"""

from __future__ import annotations

import re
from typing import Any

try:  # the parser behind `re`; `sre_parse` is its deprecated public alias
    from re import _parser as sre  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Pythons
    sre = None

MIN_LENGTH = 3  # a shorter literal is in almost every log: not worth testing

Literals = frozenset[str] | None  # None: no literal is required (no prefilter)


def required_literals(pattern: str, flags: int = 0) -> Literals:
    """Lower-cased strings one of which every match of `pattern` contains, or None."""
    if sre is None:
        return None
    try:
        parsed = sre.parse(pattern, flags)
    except (re.error, RecursionError):
        return None
    found = _sequence(list(parsed))
    if not found or min(len(s) for s in found) < MIN_LENGTH:
        return None
    return frozenset(s.lower() for s in found)


def _sequence(items: list[tuple[Any, Any]]) -> Literals:
    """The best requirement of a sequence: its longest run of literal characters, or the
    requirement of one of its items, whichever has the longer shortest literal."""
    best: Literals = None
    run: list[str] = []

    def consider(candidate: Literals) -> None:
        nonlocal best
        if candidate and (best is None or _strength(candidate) > _strength(best)):
            best = candidate

    for op, av in items:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            consider(frozenset({"".join(run)}))
            run = []
        consider(_item(op, av))
    if run:
        consider(frozenset({"".join(run)}))
    return best


def _item(op: Any, av: Any) -> Literals:
    if op is sre.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is sre.BRANCH:
        branches = [_sequence(list(b)) for b in av[1]]
        if any(not b for b in branches):
            return None  # a branch that requires nothing: the whole requires nothing
        return frozenset().union(*branches)  # type: ignore[arg-type]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, _high, body = av
        return _sequence(list(body)) if low >= 1 else None
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(list(av))
    return None  # classes, anchors, lookarounds, backreferences: no literal


def _strength(literals: frozenset[str]) -> tuple[int, int]:
    """Prefer the set whose shortest literal is longest, then the smaller set."""
    return (min(len(s) for s in literals), -len(literals))
