"""What a container exit code means: the one table of exit-code knowledge.

Every explanation of an exit code (in the headline, the thread, the JSON output and
rule templates) comes from `describe()`, so the meaning of 137 is written once.

The facts: a process exit status is 0-255. 1-128 is the program's own `exit(n)`;
129-255 is 128 + N where N is the number of the signal that killed it (the shell and
container runtimes report it so). A negative `exit(-1)` shows as 256 - (|n| % 256),
and a code over 255 as n % 256. 126 and 127 are the shell's "cannot execute" and
"command not found"; 128 is also what Kubernetes reports for a container that failed
to start (`StartError`). 64-78 are the BSD `sysexits.h` codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Signal:
    number: int
    name: str
    action: str  # the default action: terminate | core | stop | ignore
    description: str


# Linux signal numbers (x86/arm: the ones containers run on) and default actions.
SIGNALS: dict[int, Signal] = {
    s.number: s
    for s in (
        Signal(1, "SIGHUP", "terminate", "hangup of the controlling terminal"),
        Signal(2, "SIGINT", "terminate", "interrupt from the keyboard (Ctrl-C)"),
        Signal(3, "SIGQUIT", "core", "quit from the keyboard"),
        Signal(4, "SIGILL", "core", "illegal CPU instruction"),
        Signal(5, "SIGTRAP", "core", "trace or breakpoint trap"),
        Signal(6, "SIGABRT", "core", "abort: the program called abort(), often a failed assertion"),
        Signal(7, "SIGBUS", "core", "bus error: bad memory access (e.g. a truncated mmap'd file)"),
        Signal(8, "SIGFPE", "core", "floating-point or integer arithmetic error"),
        Signal(9, "SIGKILL", "terminate", "killed: cannot be caught or ignored"),
        Signal(10, "SIGUSR1", "terminate", "user-defined signal 1"),
        Signal(11, "SIGSEGV", "core", "segmentation fault: invalid memory reference"),
        Signal(12, "SIGUSR2", "terminate", "user-defined signal 2"),
        Signal(13, "SIGPIPE", "terminate", "write to a pipe or socket with no reader"),
        Signal(14, "SIGALRM", "terminate", "timer signal from alarm()"),
        Signal(15, "SIGTERM", "terminate", "termination request: the polite stop"),
        Signal(16, "SIGSTKFLT", "terminate", "stack fault on coprocessor"),
        Signal(17, "SIGCHLD", "ignore", "child stopped or terminated"),
        Signal(18, "SIGCONT", "continue", "continue if stopped"),
        Signal(19, "SIGSTOP", "stop", "stop process"),
        Signal(20, "SIGTSTP", "stop", "stop typed at terminal"),
        Signal(21, "SIGTTIN", "stop", "terminal input for background process"),
        Signal(22, "SIGTTOU", "stop", "terminal output for background process"),
        Signal(23, "SIGURG", "ignore", "urgent condition on socket"),
        Signal(24, "SIGXCPU", "core", "CPU time limit exceeded"),
        Signal(25, "SIGXFSZ", "core", "file size limit exceeded"),
        Signal(26, "SIGVTALRM", "terminate", "virtual alarm clock"),
        Signal(27, "SIGPROF", "terminate", "profiling timer expired"),
        Signal(28, "SIGWINCH", "ignore", "window resize"),
        Signal(29, "SIGIO", "terminate", "I/O now possible"),
        Signal(30, "SIGPWR", "terminate", "power failure"),
        Signal(31, "SIGSYS", "core", "bad system call (often a seccomp filter)"),
    )
}

SIGNALS_BY_NAME: dict[str, Signal] = {s.name: s for s in SIGNALS.values()}


@dataclass(frozen=True, slots=True)
class SysExit:
    code: int
    name: str
    description: str


# BSD sysexits.h: programs that follow it say *why* they gave up.
SYSEXITS: dict[int, SysExit] = {
    s.code: s
    for s in (
        SysExit(64, "EX_USAGE", "command line usage error"),
        SysExit(65, "EX_DATAERR", "data format error"),
        SysExit(66, "EX_NOINPUT", "cannot open input"),
        SysExit(67, "EX_NOUSER", "addressee unknown"),
        SysExit(68, "EX_NOHOST", "host name unknown"),
        SysExit(69, "EX_UNAVAILABLE", "service unavailable"),
        SysExit(70, "EX_SOFTWARE", "internal software error"),
        SysExit(71, "EX_OSERR", "system error (e.g. cannot fork)"),
        SysExit(72, "EX_OSFILE", "critical OS file missing"),
        SysExit(73, "EX_CANTCREAT", "cannot create (user) output file"),
        SysExit(74, "EX_IOERR", "input/output error"),
        SysExit(75, "EX_TEMPFAIL", "temporary failure; the user is invited to retry"),
        SysExit(76, "EX_PROTOCOL", "remote error in protocol"),
        SysExit(77, "EX_NOPERM", "permission denied"),
        SysExit(78, "EX_CONFIG", "configuration error"),
    )
}

# Codes whose meaning is a convention of their own, not derived from a range.
SPECIAL_CODES: dict[int, str] = {
    0: "exited successfully: the program ended on its own with no error",
    1: "general error: the program failed and exited (its logs say why)",
    2: "misuse of a shell builtin or bad command-line usage",
    126: "command invoked cannot execute: permission denied or not an executable",
    127: "command not found: the entrypoint or a command it runs does not exist",
    128: "the container could not be started (StartError), or exit with an invalid argument",
    255: (
        "exit status out of range: exit(-1) from the program, or the container was "
        "lost when its node restarted"
    ),
}


@dataclass(frozen=True, slots=True)
class ExitCode:
    """The meaning of one exit code."""

    raw: int
    code: int  # normalized to 0-255
    category: str  # success | program | shell | signal | sysexits | out-of-range
    summary: str
    signal: Signal | None = None
    sysexit: SysExit | None = None

    @property
    def signal_name(self) -> str | None:
        return self.signal.name if self.signal else None

    def line(self) -> str:
        """One line for a headline: `137 = 128 + 9: killed by SIGKILL ...`."""
        prefix = str(self.raw) if self.raw == self.code else f"{self.raw} (shown as {self.code})"
        if self.signal is not None:
            return f"{prefix} = 128 + {self.signal.number}: {self.summary}"
        return f"{prefix}: {self.summary}"


def normalize(code: int) -> int:
    """Map any exit status to what a container reports (0-255).

    exit(-1) shows as 255 (256 - (|n| % 256)); exit(256) as 0 (n % 256).
    """
    if code < 0:
        rem = abs(code) % 256
        return 0 if rem == 0 else 256 - rem
    return code % 256


def signal_from_code(code: int) -> Signal | None:
    """The signal encoded in a normalized exit code 129-255 (128 + N), if a real one."""
    if 129 <= code <= 128 + max(SIGNALS):
        return SIGNALS.get(code - 128)
    return None


def describe(raw: int) -> ExitCode:
    """Explain an exit code as reported by Kubernetes (or by a program)."""
    code = normalize(raw)
    sig = signal_from_code(code)
    if code == 0:
        return ExitCode(raw, code, "success", SPECIAL_CODES[0])
    if code in SYSEXITS:
        s = SYSEXITS[code]
        return ExitCode(raw, code, "sysexits", f"{s.name} ({s.description})", sysexit=s)
    if code in (126, 127, 128):
        return ExitCode(raw, code, "shell", SPECIAL_CODES[code])
    if sig is not None:
        return ExitCode(raw, code, "signal", _signal_summary(sig), signal=sig)
    if code == 255:
        return ExitCode(raw, code, "out-of-range", SPECIAL_CODES[255])
    if code in SPECIAL_CODES:
        return ExitCode(raw, code, "program", SPECIAL_CODES[code])
    if code <= 125:
        return ExitCode(raw, code, "program", "the program exited with an error code of its own")
    return ExitCode(raw, code, "out-of-range", "above 128 but no known signal: likely exit(n)")


def _signal_summary(sig: Signal) -> str:
    who = {
        "SIGKILL": (
            "killed by SIGKILL (the OOM killer, the kubelet after the grace period, or an operator)"
        ),
        "SIGTERM": "stopped by SIGTERM (the kubelet stopping the container, or the app itself)",
    }.get(sig.name)
    if who:
        return who
    return f"killed by {sig.name}: {sig.description}"


def signal_name(number: int | None) -> str | None:
    """`SIGKILL` for 9; None for unknown numbers."""
    if number is None:
        return None
    sig = SIGNALS.get(number)
    return sig.name if sig else None
