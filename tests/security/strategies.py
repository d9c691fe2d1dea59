"""Hypothesis strategies shared by the security tests: hostile text and JSON-like trees."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Text Slack can carry (valid UTF-8: no lone surrogates).
slack_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=80)

_FRAGMENTS = [
    "payments/",
    "ledger-api-5d8f7b9c4-x2k9q",
    "orders/order-service-2gb7cs5m5-mbbps",
    "orders",
    "deploy/",
    "sts/",
    "-n",
    "-c",
    "--namespace=",
    "--container=",
    "prod:",
    ":",
    "/",
    "//",
    "..",
    "../../etc/passwd",
    "%2F",
    "%0A",
    "'",
    '"',
    "\\",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x1b[31m",
    " ",
    "$(id)",
    "`id`",
    ";",
    "|",
    "&&",
    "*",
    "?",
    "<@U0123>",
    "<!channel>",
    "Ünïcödé",
    "日本語",
    "🙂",
    "\u202e",
    "A" * 300,
    "a" * 64,
    "help",
    "-h",
]

# Strings that look like a command, assembled from the fragments above and free text.
commandish = st.lists(
    st.one_of(st.sampled_from(_FRAGMENTS), slack_text), min_size=0, max_size=8
).map("".join)

any_command_text = st.one_of(commandish, slack_text, st.text(max_size=40))


def _scalars(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        text,
        _SPECIAL,
    )


_SPECIAL = st.one_of(
    st.sampled_from(
        [
            "",
            "512Mi",
            "1.2.3Mi",
            ".",
            "inf",
            "-inf",
            "nan",
            "1e999",
            "9" * 400,
            "2026-11-18T09:31:02Z",
            "2026-11-18T09:31:02",
            "2026-11-18T09:31:02+25:00",
            "CrashLoopBackOff",
            "OOMKilled",
            "137",
            "x" * 5000,
        ]
    ),
)


json_scalars = _scalars(st.text(max_size=20))
# Without lone surrogates: what a UTF-8 JSON body can carry other than by \ud800 escapes.
utf8_scalars = _scalars(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=20))


def json_trees(max_leaves: int = 30, *, surrogates: bool = True) -> st.SearchStrategy[Any]:
    return st.recursive(
        json_scalars if surrogates else utf8_scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=12), children, max_size=5),
        ),
        max_leaves=max_leaves,
    )
