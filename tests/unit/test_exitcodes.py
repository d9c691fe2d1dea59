"""The exit-code table: ranges, negative codes, signals, sysexits, shell codes."""

import pytest

from bot.diagnosis.exitcodes import SIGNALS, SYSEXITS, describe, normalize, signal_from_code


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (0, 0),
        (1, 1),
        (255, 255),
        (-1, 255),
        (-2, 254),
        (-255, 1),
        (-256, 0),
        (256, 0),
        (257, 1),
        (-257, 255),
    ],
    ids=lambda v: str(v),
)
def test_normalize_maps_any_status_to_what_a_container_reports(raw: int, shown: int) -> None:
    assert normalize(raw) == shown


@pytest.mark.parametrize(
    ("code", "signal", "action"),
    [
        (137, "SIGKILL", "terminate"),
        (139, "SIGSEGV", "core"),
        (134, "SIGABRT", "core"),
        (143, "SIGTERM", "terminate"),
        (130, "SIGINT", "terminate"),
        (135, "SIGBUS", "core"),
        (129, "SIGHUP", "terminate"),
    ],
)
def test_codes_above_128_are_128_plus_the_signal(code: int, signal: str, action: str) -> None:
    info = describe(code)
    assert info.category == "signal"
    assert info.signal is not None
    assert info.signal.name == signal
    assert info.signal.number == code - 128
    assert info.signal.action == action
    assert info.line().startswith(f"{code} = 128 + {code - 128}:")


def test_137_line_names_sigkill_and_who_sends_it() -> None:
    line = describe(137).line()
    assert "SIGKILL" in line and "OOM" in line


@pytest.mark.parametrize("code", sorted(SYSEXITS))
def test_sysexits_64_to_78_have_their_names(code: int) -> None:
    info = describe(code)
    assert info.category == "sysexits"
    assert info.sysexit is not None and info.sysexit.name.startswith("EX_")
    assert info.sysexit.name in info.summary


def test_sysexits_cover_exactly_64_to_78() -> None:
    assert sorted(SYSEXITS) == list(range(64, 79))


@pytest.mark.parametrize(
    ("code", "words"), [(126, "cannot execute"), (127, "not found"), (128, "StartError")]
)
def test_shell_codes(code: int, words: str) -> None:
    info = describe(code)
    assert info.category == "shell"
    assert words in info.summary


def test_zero_is_success_and_one_is_a_program_error() -> None:
    assert describe(0).category == "success"
    assert describe(1).category == "program"
    assert describe(42).category == "program"


def test_255_mentions_negative_exit_and_node_restart() -> None:
    info = describe(255)
    assert info.category == "out-of-range"
    assert "exit(-1)" in info.summary and "node" in info.summary


def test_negative_code_shows_both_numbers() -> None:
    assert describe(-1).line().startswith("-1 (shown as 255)")


def test_signal_table_is_the_linux_one() -> None:
    assert len(SIGNALS) == 31
    assert signal_from_code(128) is None
    assert signal_from_code(160) is None  # 128 + 32: no standard signal
