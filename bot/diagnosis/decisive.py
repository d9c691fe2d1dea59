"""The decisive line: the log line (or lines) that explain why a container exited.

A crash-looping container usually says why it died in its last words, but those words
hide among banners, retries, stack frames and the boilerplate of whatever started it.
This module picks them out for ANY program, from general rules about how log formats
mark severity and how programs fail, not from knowledge of one runtime's messages.
Candidates are ranked; the highest rank wins, and the latest line within it:

1. A stack the program died of: a Python traceback's final exception line (the last of a
   chained "During handling ..." series; also a traceback whose head was cut off), the
   root of a Java `Caused by:` chain, the header of a Node, .NET or JS `at ...` stack, a
   Ruby `file.rb:12:in 'x': message (SomeError)` line, an Elixir `** (Error)` with frames,
   PHP's line above `Stack trace:`, a Go panic (`panic:`, `fatal error:`; with the first
   frame in the program's own code as a "location"), a Rust panic's message (only the
   first panic of several threads: later ones follow from it). A stack logged under an
   info or warning record was handled and ranks low.
2. Lines logged at error level or above, whatever the format: plain-text levels
   (`ERROR`, `FATAL`, `[error]`, `E1120 ...]` klog, `F, [...] FATAL --` Ruby, `SEVERE`,
   Postgres `FATAL:` and its translations), logfmt `level=`, JSON `level`/`severity`/
   `lvl` (numeric for pino/bunyan; a pretty-printed object quotes the physical line of
   its error or message field); shell errors (`line 14: syntax error ...`,
   `sh: 1: foo: not found`); a Unix program's diagnostic (`initdb: directory ... exists`).
3. Lines without a level that use the vocabulary of failure (plain prints, Go's `log`).
4. Boilerplate: lines that only say the program goes away ("shutting down", "exiting",
   "Exiting with code 1", "Error: 1 error occurred:"), point elsewhere ("check the
   logs"), give advice ("you can remove ..."), or are wrapper lines (npm, make) or a
   shell's report that its child died of a signal; warnings that name a failure.
5. An info-level line that names a failure (some programs log fatal errors at info).

Never candidates: frames, goroutine dumps, banners and separators, health-check access
lines, Kubernetes' own back-off lines, other lines below error level. Lines that a
collector prefixed (syslog/journald, Android logcat, docker compose, kubectl
--timestamps, "[1] " or "[Node] " tags) are analysed without the prefix and quoted with
it. Within ranks 2-4 a generic line ("Background saving error") gives way to one a few
lines above that names what failed ("Permission denied"; an operating system's error
above all); a line that repeats the end of the line above gives way to that fuller
line; a chosen line that introduces detail (ends with ":" before indented or bulleted
lines, or is followed by enumerated items `[1]: ...`; or an error line with an empty
message, as Spring's failure analysis prints) gives way to its first detail line.

The knowledge of how lines say things (levels, prefixes, the vocabulary of failure,
boilerplate) is in bot.diagnosis.logtext; this module holds the structures and the
choice.

The termination message (`terminated.message`) is searched like a log when the log is
missing or empty, or yields nothing of error rank: the message then supplies the cause
if it ranks higher (kind "message", index -1); when neither explains anything, the
message's first line is quoted (a program wrote it there on purpose), unless it is a
copy of the log. A log cause is preferred
otherwise: it can be shown in context, and with `FallbackToLogsOnError` the message is
only the log's tail.

Pure and synchronous; only the standard library; every regex has bounded quantifiers.
Fast on long logs: structure passes run only when their marker occurs in the log, lines
are read from the end and the search stops at the first error-rank line, and chunks of
lines are tested at once for any word of failure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.diagnosis.logtext import (
    ADVICE,
    BACKOFF,
    ERROR,
    FAINT_FAILURE,
    HEALTH,
    JSON_LEVEL,
    LOW,
    NONE,
    OS_ERROR,
    SCAN,
    SPECIFIC,
    WARN,
    boilerplate,
    clean_all,
    collapse,
    is_banner,
    is_going,
    level_of,
    names_failure,
    says_failure,
    signal_report,
    strip_prefixes,
    word_level,
)

MAX_TEXT = 300  # characters of a quoted line
_WALK = 8  # lines walked back from a stack block to find its exception header

# Candidate ranks: the highest rank present wins, the latest line within it.
_STACK = 4  # an exception or panic printed with its stack: the program died of it
_STRONG = 3  # structural failures and non-boilerplate error-level lines
_MEDIUM = 2  # failure vocabulary without a level; error-level boilerplate that names a failure
_WEAK = 1  # boilerplate; warnings that use the vocabulary of failure
_FAINT = 0  # an info-level line that says a failure happened


def _quote(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


@dataclass(frozen=True, slots=True)
class DecisiveLine:
    """One line that explains the exit.

    `text` is the line as quoted: ANSI escapes and a trailing CR removed, trimmed, at
    most 300 characters. `index` is its 0-based index in the log lines it came from, -1
    when it came from the termination message. `kind` says what it is: "error",
    "exception", "panic", "frame", "shell" or "message"; `role` is "cause" (what
    failed) or "location" (where, e.g. a Go panic's first frame in the program's code).
    """

    text: str
    index: int
    kind: str
    role: str


# ----------------------------------------------------------------------------- structures

_PY_TRACEBACK = "Traceback (most recent call last):"
_AT_FRAME = re.compile(r"^\s{1,16}(?:at \S|\.\.\. \d{1,6} (?:more|common frames omitted))")
_OTHER_FRAME = re.compile(
    r"^\s{1,16}(?:from \S{1,400}:\d{1,7}:in |File \"|Suppressed: |\(\S{1,100} "
    r"[\w.\-]{1,40}\) \S)|^#\d{1,4} \S|^\s{0,16}at \S|^\s{0,16}--- End of "
)
_EXC_NAME = re.compile(
    r"^(?:Caused by: |Exception in thread \"[^\"]{0,200}\" |Unhandled exception\. |"
    r"Uncaught |\[|\s{0,8}---> )?(?:[\w$]{1,100}[.:/]){0,20}[\w$]{0,100}"
    r"(?:Error|Exception|Throwable|Fault|Failure|Rejection|Exit|Interrupt|Panic|Aborted)"
    r"\w{0,40}(?::|$|\s\{|\]|\s\()"
)
_RUBY_EXC = re.compile(r"^\S{1,400}\.rb:\d{1,7}:in .{1,400}\(([A-Z]\w{0,80}(?:::\w{1,80}){0,8})\)$")
_ELIXIR_EXC = re.compile(r"^\*\* \((?:[A-Z][\w.]{0,80}|EXIT)\) ")
_STANDALONE_EXC = re.compile(
    r"^(?:[a-z_][\w]{0,60}\.){0,10}[A-Z]\w{0,80}(?:Error|Exception|Exit|Interrupt)(?::\s|$)"
)
_GO_PANIC = re.compile(r"^(?:panic: |fatal error: )")
_RUST_PANIC = re.compile(r"^thread '[^']{0,200}' panicked at ")
_GO_FRAME_FILE = re.compile(
    r"^(?:\t| {4,12})(\S{1,400}\.(?:go|s)):\d{1,7}(?: \+0x[0-9a-f]{1,16})?$"
)
_GO_DUMP = re.compile(
    r"^(?:goroutine \d{1,9} \[|\[signal |created by |\t|exit status \d|"
    r"\S{1,400}\(.{0,400}\)$|\.\.\.additional frames elided|\s*$|panic\(|"
    r"\[recovered\]|runtime\.|\s{1,8}panic: | {4,12}\S{1,400}\.go:\d)"
)
# Where a frame's file is not the program's own: Go's own source (GOROOT), the module
# cache and vendored copies. A GOPATH checkout (/go/src/github.com/...) is the program.
_GO_FOREIGN = re.compile(
    r"(?:^/usr/local/go/|^/usr/lib/go|^/opt/go/|/pkg/mod/|/vendor/|^runtime/|@v\d|"
    r"^\$GOROOT|^GOROOT|/src/runtime/|^[a-z0-9]{1,20}(?:/[a-z0-9_]{1,40}){0,4}/[a-z0-9_]{1,60}\.go$)"
)
# The standard library's top-level packages: a frame in one (os/exec.(*Cmd).Wait) is where
# the program's call failed, not the program's own line.
_GO_STD = frozenset(
    [
        "archive",
        "bufio",
        "bytes",
        "cmp",
        "compress",
        "container",
        "context",
        "crypto",
        "database",
        "debug",
        "embed",
        "encoding",
        "errors",
        "expvar",
        "flag",
        "fmt",
        "go",
        "hash",
        "html",
        "image",
        "index",
        "internal",
        "io",
        "iter",
        "log",
        "maps",
        "math",
        "mime",
        "net",
        "os",
        "path",
        "plugin",
        "reflect",
        "regexp",
        "runtime",
        "slices",
        "sort",
        "strconv",
        "strings",
        "structs",
        "sync",
        "syscall",
        "testing",
        "text",
        "time",
        "unicode",
        "unique",
        "unsafe",
        "vendor",
    ]
)
_GO_FUNC_PACKAGE = re.compile(r"^((?:[^/\s(]{1,200}/){0,20}[^./\s(]{1,200})\.")


def _go_std_frame(function_line: str) -> bool:
    """Whether a goroutine dump's function line (`os/exec.(*Cmd).Wait(0x0)`) is in the
    standard library."""
    m = _GO_FUNC_PACKAGE.match(function_line.strip())
    return m is not None and m.group(1).split("/")[0] in _GO_STD


_SHELL = re.compile(
    r"^(?:/?(?:[\w.\-]{1,100}/){0,10}(?:[\w.\-]{0,60}sh|[\w.\-]{1,100}\.(?:sh|bash)|bash|sh|dash|"
    r"ash|zsh|ksh|busybox)(?: \w{1,20})?: (?:line )?\d{1,7}: .{1,400}"
    r"|/?(?:[\w.\-]{1,100}/){0,10}[\w.\-]{1,100}: (?:line \d{1,7}: )?(?:.{1,300}: )?"
    r"(?:command not found|not found|No such file or directory|Permission denied|"
    r"unbound variable|bad interpreter.{0,200}|syntax error.{0,200}|Illegal option.{0,100}|"
    r"bad substitution|parameter (?:null or )?not set|cannot execute.{0,100}|"
    r"integer expression expected|too many arguments)"
    r"|exec (?:\S{1,400}): (?:no such file or directory|exec format error|permission denied)"
    r"|exec: \"?[^\"]{0,200}\"?: executable file not found in \$PATH.{0,200}"
    r"|(?:/usr/bin/)?env: .{1,200}: No such file or directory"
    r"|(?:standard_init_linux\.go:\d{1,5}: )?exec user process caused.{0,300})$"
)
_UNCAUGHT = re.compile(
    r"(?:Exception in thread |Unhandled exception\. |Uncaught |Unhandled |(?:PHP )?Fatal error: )"
)
_PY_FRAME = re.compile(r'^\s{2,16}File "[^"]{1,400}", line \d{1,7}')
_RUST_NOISE = re.compile(
    r"^(?:note: run with `RUST_BACKTRACE|stack backtrace:|"
    r"\s{0,8}\d{1,4}: {1,12}(?:0x[0-9a-f]{1,16} - )?\S|\s{4,}at \S|note: Some details are omitted)"
)
_ELIXIR_FRAME = re.compile(r"^\s{2,8}(?:\(\S{1,100} [\w.\-]{1,40}\) |\S{1,200}\.exs?:\d{1,7}: )")
_PHP_FRAME = re.compile(r"^(?:#\d{1,4} \S|thrown in |PHP {1,4}\d{1,4}\. )")
_SYMFONY_BLOCK = re.compile(r"^In [\w.\-]{1,100}\.php line \d{1,7}:$")
_PROGRAM_SAYS = re.compile(r"^(?:/?[\w.\-]{1,60}/){0,8}[a-z][\w.\-]{0,40}: \S")
_SHELL_EXCERPT = re.compile(r"^\S{1,200}: (?:line )?\d{1,7}: `")
_JSON_KEY = re.compile(r'^\s{0,40}"([\w.@]{1,40})"\s{0,3}:\s{0,3}(.{0,2000}?),?$')
_MSG_KEYS = (
    "error",
    "err",
    "exception",
    "exc_info",
    "reason",
    "msg",
    "message",
    "@m",
    "@mt",
    "event",
    "Message",
    "Error",
    "Exception",
    "textPayload",
    "log",
)
_SPECIAL_FIRST = ("E", "F", "<", "A")
_INTRO_DETAIL = re.compile(r"^(?:\s{1,16}\S|[*\-•]\s)")
# how far above a generic error line `best` looks for one that names the failure
_NEARBY = 12  # lines
_CHUNK = 24  # lines tested at once for any word of failure
_MESSAGE_BELOW = 10  # lines searched below an error line whose message is empty
_NEARBY_CANDIDATES = 3
_ENUMERATED = re.compile(r"^(?:\[\d{1,3}\](?:: | [a-z])|\d{1,3}[.)] |[*•] )")


@dataclass(slots=True)
class _Candidate:
    index: int
    kind: str
    rank: int


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _stack_rank(owner_level: int) -> int:
    """A stack logged under an info or warning record was handled; any other killed."""
    return _WEAK if owner_level in (LOW, WARN) else _STACK


class _Scan:
    """One pass over a log: the lines, what is consumed by structures, the candidates."""

    def __init__(self, lines: Sequence[str]) -> None:
        cleaned = clean_all(lines)
        self.full = [x.strip() for x in cleaned]  # what is quoted
        self.n = len(cleaned)
        # what is analysed: without a per-line prefix (syslog, logcat, compose) if the log has one
        self.raw, self.prefix_level = strip_prefixes(cleaned, self.full)
        self.text = [x.strip() for x in self.raw]
        self.used = [False] * self.n  # part of a structure: never a candidate of its own
        self.cands: list[_Candidate] = []
        self.locations: dict[int, int] = {}  # cause index -> location index
        self.grades: dict[int, int] = {}  # line index -> how specific it is (`_specific`)

    # -- structures

    def python_tracebacks(self) -> None:
        i = 0
        while i < self.n:
            line = self.raw[i]
            if self.text[i].endswith(_PY_TRACEBACK):
                # a traceback may be indented as a whole (logged under a record): frames
                # are indented deeper than its first line, its exception line is not
                base = _indent(line) if line.lstrip() == _PY_TRACEBACK else 0
                owner = self._owner_level(i)
                j = i + 1
            elif not self.used[i] and _PY_FRAME.match(line) and _indent(line) >= 2:
                # the head of a traceback cut off by the log's start or a size limit
                base, owner, j = _indent(line) - 2, NONE, i
            else:
                i += 1
                continue
            self.used[i] = True
            while j < self.n and (not self.text[j] or _indent(self.raw[j]) > base):
                self.used[j] = True
                j += 1
            if j < self.n and not self.text[j].endswith(_PY_TRACEBACK):
                self.used[j] = True
                self.cands.append(_Candidate(j, "exception", _stack_rank(owner)))
                # the message may go on over unindented lines up to the next blank
                k = j + 1
                while k < self.n and k < j + 20 and self.text[k] and level_of(self.text[k]) == 0:
                    if self.text[k].endswith(_PY_TRACEBACK):
                        break
                    self.used[k] = True
                    k += 1
                j = k
            i = j

    def _owner_level(self, first: int) -> int:
        """The level of the log record a stack belongs to: its first line's or the line above."""
        lvl = level_of(self.text[first])
        if lvl != NONE:
            return lvl
        if _UNCAUGHT.match(self.text[first]):
            return ERROR  # the runtime's own report of an uncaught exception
        j = first - 1
        while j >= 0 and first - j <= 2 and not self.text[j]:
            j -= 1
        if j >= 0 and first - j <= 2 and not self.used[j]:
            return level_of(self.text[j])
        return NONE

    def stack_blocks(self) -> None:
        """`at ...` stacks (Java, Node, .NET, JS): the exception header; Java's root cause."""
        i = 0
        chain_end = -2  # last frame index of the current Java chain
        chain_root: _Candidate | None = None
        while i < self.n:
            if not _AT_FRAME.match(self.raw[i]):
                i += 1
                continue
            start = i
            while i < self.n and (_AT_FRAME.match(self.raw[i]) or _OTHER_FRAME.match(self.raw[i])):
                self.used[i] = True
                i += 1
            header = self._header_above(start)
            if header is None:
                continue
            htext = self.text[header]
            caused = htext.startswith("Caused by:")
            if caused and chain_root is not None and header - chain_end <= _WALK + 1:
                chain_root.index = header  # the root of the chain is its last Caused by
            elif chain_root is not None and header == chain_end + 1 and not _EXC_NAME.match(htext):
                pass  # a second stack of the same error: Node's "Emitted 'error' event ... at:"
            else:
                # (.NET lists inner exceptions under the outer one, " ---> ..."; the outer one
                # is quoted: it names the operation and its target, the inner ones add errnos)
                chain_root = _Candidate(header, "exception", _stack_rank(self._owner_level(header)))
                self.cands.append(chain_root)
            chain_end = i - 1
            # Node prints the error's properties after the stack: "{ code: 'X' }"
            while (
                i < self.n
                and i - chain_end < 12
                and self.raw[i][:1] in ("}", " ")
                and (self.raw[i].startswith("  ") or self.raw[i] == "}")
            ):
                self.used[i] = True
                i += 1

    def _header_above(self, start: int) -> int | None:
        best: int | None = None
        j = start - 1
        while j >= 0 and start - j <= _WALK and self.text[j]:
            if self.used[j] and not self.text[j].startswith("Caused by:"):
                break
            t = self.text[j]
            if _EXC_NAME.match(t) or t.startswith(("Caused by:", "Unhandled exception.")):
                best = j
                if t.startswith(("Caused by:", "Exception in thread", "Unhandled exception.")):
                    break
            j -= 1
        if best is None and start > 0 and self.text[start - 1] and not self.used[start - 1]:
            best = start - 1
        if best is not None:
            for k in range(best, start):
                self.used[k] = True
        return best

    def other_stacks(self) -> None:
        """Ruby and Elixir exception lines, PHP's `Stack trace:`, Symfony console blocks,
        C++'s `terminate called after throwing ...`."""
        symfony = False
        for i, t in enumerate(self.text):
            if self.used[i] or not t:
                continue
            if not _SYMFONY_BLOCK.match(t):
                symfony = False
            if ".rb:" in t and _RUBY_EXC.match(t):
                self.used[i] = True
                self.cands.append(_Candidate(i, "exception", _STACK))
            elif t.startswith("** (") and _ELIXIR_EXC.match(t):
                # an exception printed with its stack killed the process; one without is a
                # summary (`** (Mix) ...`)
                self.used[i] = True
                framed = i + 1 < self.n and _ELIXIR_FRAME.match(self.raw[i + 1]) is not None
                self.cands.append(_Candidate(i, "exception", _STACK if framed else _STRONG))
            elif t.endswith("Stack trace:") and i > 0:
                self._php_stack(i)
            elif t.startswith("terminate called after throwing"):
                # C++: the uncaught exception's message is on the `what():` line below
                self.used[i] = True
                j = i + 1
                if j < self.n and self.text[j].startswith("what():"):
                    self.used[j] = True
                    self.cands.append(_Candidate(j, "exception", _STACK))
                else:
                    self.cands.append(_Candidate(i, "exception", _STACK))
            elif _SYMFONY_BLOCK.match(t):
                # Symfony console prints the exception thrown first, then its previous ones
                self.used[i] = True
                j = i + 1
                if not symfony and j < self.n and self.raw[j][:1].isspace() and self.text[j]:
                    self.cands.append(_Candidate(j, "exception", _STACK))
                while j < self.n and self.raw[j][:1].isspace():
                    self.used[j] = True
                    j += 1
                symfony = True

    def _php_stack(self, i: int) -> None:
        self.used[i] = True
        j = i - 1
        while j >= 0 and i - j <= 3 and not self.text[j]:
            j -= 1
        if j >= 0 and self.text[j] and not self.used[j]:
            self.used[j] = True
            self.cands.append(_Candidate(j, "exception", _stack_rank(self._owner_level(j))))
        k = i + 1
        while k < self.n and (_PHP_FRAME.match(self.text[k]) or not self.text[k]):
            self.used[k] = True
            k += 1

    def go_panics(self) -> None:
        i = 0
        rust_seen = False
        while i < self.n:
            t = self.text[i]
            if not (t.startswith(("panic: ", "fatal error: ")) and _GO_PANIC.match(self.raw[i])):
                if _RUST_PANIC.match(t):
                    i = self._rust_panic(i, first=not rust_seen)
                    rust_seen = True
                else:
                    i += 1
                continue
            self.used[i] = True
            self.cands.append(_Candidate(i, "panic", _STACK))
            location: int | None = None
            first_frame: int | None = None
            j = i + 1
            while j < self.n and _GO_DUMP.match(self.raw[j]):
                self.used[j] = True
                m = _GO_FRAME_FILE.match(self.raw[j])
                if m:
                    if first_frame is None:
                        first_frame = j
                    if (
                        location is None
                        and not _GO_FOREIGN.search(m.group(1))
                        and not _go_std_frame(self.raw[j - 1])
                    ):
                        location = j
                j += 1
            location = first_frame if location is None else location
            if location is not None:
                self.locations[i] = location
            i = j

    def _rust_panic(self, i: int, *, first: bool) -> int:
        """`thread 'main' panicked at src/main.rs:5:10:` then the message (Rust >= 1.73), or
        `... panicked at 'message', src/main.rs:5:10`. In a program with several threads the
        first panic is the root: later ones are its consequences (poisoned locks, joins)."""
        self.used[i] = True
        rank = _STACK if first else _WEAK
        j = i + 1
        if self.text[i].endswith(":") and j < self.n and self.text[j]:
            self.used[j] = True
            self.cands.append(_Candidate(j, "panic", rank))
            self.locations[j] = i
            j += 1
        else:
            self.cands.append(_Candidate(i, "panic", rank))
        while j < self.n and (_RUST_NOISE.match(self.raw[j]) or not self.text[j]):
            self.used[j] = True
            j += 1
        return j

    def pretty_json(self) -> None:
        """Multi-line JSON objects: the error/message line of an error-level object."""
        i = 0
        while i < self.n:
            t = self.text[i]
            if not (t.endswith("{") and (t == "{" or len(t) <= 40)):
                i += 1
                continue
            depth = 0
            j = i
            while j < self.n and j - i < 400:
                t2 = self.text[j]
                depth += t2.count("{") - t2.count("}")
                if depth <= 0:
                    break
                j += 1
            if j - i < 2:
                i += 1
                continue
            level = NONE
            fields: dict[str, int] = {}
            for k in range(i + 1, min(j, self.n)):
                self.used[k] = True
                m = _JSON_KEY.match(self.raw[k])
                if not m:
                    continue
                key = m.group(1)
                if key not in fields and m.group(2)[:1] not in ("{", "["):
                    fields[key] = k  # a field that holds text, not an object
                lm = JSON_LEVEL.search(self.raw[k])
                if lm and level == NONE:
                    level = (
                        word_level(lm.group(1))
                        if lm.group(1)
                        else (ERROR if int(lm.group(2)) >= 50 else LOW)
                    )
            for k in range(i, min(j + 1, self.n)):
                self.used[k] = True
            # the message or error field; of several, the one that names the failure best
            keyed = [fields[k] for k in _MSG_KEYS if k in fields]
            where = max(keyed, key=lambda k: (self._specific(k), -keyed.index(k)), default=None)
            if where is not None and level in (ERROR, NONE):
                rank = _STRONG
                if level == NONE:
                    # no level field (a log export): the message's own words decide
                    m = _JSON_KEY.match(self.raw[where])
                    value = m.group(2).strip().strip('"') if m else ""
                    lvl = level_of(value)
                    rank = (
                        _STRONG
                        if lvl == ERROR
                        else _MEDIUM
                        if lvl != LOW and names_failure(value.lower())
                        else 0
                    )
                if rank:
                    self.cands.append(_Candidate(where, "error", rank))
            i = j + 1

    # -- line by line

    def lines(self) -> None:
        """Line by line from the end: the first strong candidate ends the search (after a
        look a few lines further up), as no earlier line of its own can outrank it. Lines
        are first tested a chunk at a time: most chunks of a long log hold no word of
        failure at all, and one test over the chunk is much cheaper than one per line."""
        strong = -1
        end = self.n
        while end > 0:
            start = max(0, end - _CHUNK)
            if self._quiet(start, end):
                end = start
                continue
            for i in range(end - 1, start - 1, -1):
                if strong >= 0 and strong - i > _NEARBY:
                    return  # `best` looks that far back for a line that names the failure
                t = self.text[i]
                if self.used[i] or not t:
                    continue
                c = self._line(i, t)
                if c is not None:
                    self.cands.append(c)
                    if c.rank == _STRONG and strong < 0:
                        strong = i
            end = start

    def _quiet(self, start: int, end: int) -> bool:
        """Whether no line in [start, end) can be a candidate."""
        lines = self.text[start:end]
        if names_failure("\n".join(lines).lower()):
            return False
        # a level given by a single letter at the start: klog "E1120", Ruby "E, [", syslog "<3>"
        if any(t[:1] in _SPECIAL_FIRST for t in lines):
            return False
        return ERROR not in self.prefix_level[start:end]

    def _line(self, i: int, t: str) -> _Candidate | None:
        low = t[:SCAN].lower()
        hinted = names_failure(low)
        if (
            not hinted
            and t[0] not in "EF<"
            and not t.startswith("A, [")
            and self.prefix_level[i] != ERROR
        ):
            return None
        lvl = level_of(t) or self.prefix_level[i]
        if not hinted and lvl != ERROR:
            return None
        if lvl == LOW:
            # some programs log their fatal startup error at info level: quoted only when
            # no line of any higher level names a failure
            if FAINT_FAILURE.search(low) and SPECIFIC.search(low):
                return _Candidate(i, "error", _FAINT)
            return None
        standalone = lvl == NONE and (
            _STANDALONE_EXC.match(t) is not None or t.startswith("Caused by: ")
        )
        if is_banner(t):
            return None
        if ("/" in t and HEALTH.search(t, 0, SCAN)) or BACKOFF.search(low):
            return None
        if lvl == NONE and signal_report(t):
            return _Candidate(i, "shell", _WEAK)
        if lvl == NONE and _SHELL.match(t):
            if _SHELL_EXCERPT.search(t):  # bash quotes the offending source line
                return None
            return _Candidate(i, "shell", _STRONG)
        # a line that names what failed is never boilerplate; SPECIFIC is searched only
        # where it decides something, as it costs more than the rest
        boiler = boilerplate(t, low) and not SPECIFIC.search(low)
        if lvl == NONE and _PROGRAM_SAYS.match(t) and not boiler:
            # "initdb: directory ... exists but is not empty": a Unix program's diagnostic
            return _Candidate(i, "error", _STRONG)
        if lvl == ERROR:
            if boiler or ADVICE.search(low):
                rank = _WEAK
            elif t.startswith(("npm ERR!", "npm error")):
                rank = _MEDIUM if SPECIFIC.search(low) else _WEAK
            else:
                rank = _STRONG
            return _Candidate(i, "error", rank)
        if standalone:
            return _Candidate(i, "exception", _STRONG)
        indented = self.raw[i][:1].isspace()
        # the hint was a word part ("hs_err_pid1.log"), or an indented line that names no
        # failure of its own
        if (indented or not says_failure(low)) and not SPECIFIC.search(low):
            return None
        if lvl == WARN:
            return _Candidate(i, "error", _WEAK)
        return _Candidate(i, "error", _WEAK if boiler else _MEDIUM)

    # -- choice

    def _specific(self, i: int) -> int:
        """2 when a line quotes an operating system error, 1 when it names what failed."""
        grade = self.grades.get(i)
        if grade is None:
            low = self.text[i][:SCAN].lower()
            grade = 2 if OS_ERROR.search(low) else 1 if SPECIFIC.search(low) else 0
            self.grades[i] = grade
        return grade

    def best(self) -> _Candidate | None:
        if not self.cands:
            return None
        top = max(c.rank for c in self.cands)
        same = sorted((c for c in self.cands if c.rank == top), key=lambda c: c.index)
        chosen = same[-1]
        if top < _STACK and chosen.kind == "error":
            # "Background saving error" right after "Failed opening .rdb: Permission denied":
            # the line that names what failed is quoted, an operating system's error above all
            # (a line that names a failure gives way only to an OS error right above it)
            grade = self._specific(chosen.index)
            reach = _NEARBY if grade == 0 else 1
            for c in reversed(same[-1 - _NEARBY_CANDIDATES : -1]):
                if same[-1].index - c.index > reach or grade == 2:
                    break
                g = self._specific(c.index)
                if g > grade:
                    chosen, grade = c, g
            # "Fatal error loading the DB: Invalid argument. Exiting." sums up the failure
            # named right above it ("Can't handle RDB format version 10") on its way out
            before = [c for c in same if c.index < chosen.index]
            if (
                before
                and chosen.index - before[-1].index <= 2
                and is_going(self.text[chosen.index][:SCAN].lower())
                and self._specific(before[-1].index) >= max(grade, 1)
            ):
                chosen = before[-1]
        # a line that repeats the end of the line above it: the fuller one is quoted
        prev = chosen.index - 1
        if (
            prev >= 0
            and self.text[prev]
            and collapse(self.text[chosen.index]) in collapse(self.text[prev])
        ):
            chosen = _Candidate(prev, chosen.kind, chosen.rank)
        # "Error: 1 error occurred:", "[1] bootstrap checks failed": the detail follows
        for _ in range(3):
            k = chosen.index + 1
            while k < self.n and not self.text[k] and k - chosen.index < 3:
                k += 1
            if k >= self.n or self.used[k] or _AT_FRAME.match(self.raw[k]):
                break
            t = self.text[k]
            if _ENUMERATED.match(t) or (
                self.text[chosen.index].endswith(":") and _INTRO_DETAIL.match(self.raw[k])
            ):
                chosen = _Candidate(k, chosen.kind, chosen.rank)
            else:
                break
        if chosen.kind == "error" and self.text[chosen.index].endswith(("-", ":")):
            # "ERROR o.s.b.d.LoggingFailureAnalysisReporter -" and the message below it
            detail = self._message_below(chosen.index)
            if detail is not None:
                chosen = _Candidate(detail, chosen.kind, chosen.rank)
        return chosen

    def _message_below(self, i: int) -> int | None:
        """The first line below an error line with an empty message that names a failure,
        before the next log record."""
        for k in range(i + 1, min(self.n, i + 1 + _MESSAGE_BELOW)):
            t = self.text[k]
            if not t or self.used[k]:
                continue
            if level_of(t) != NONE:
                return None
            if t.isupper() or (t.endswith(":") and t.count(" ") < 3):
                continue  # a heading: "APPLICATION FAILED TO START", "Description:"
            if says_failure(t.lower()) and not is_banner(t):
                return k
        return None


_HEADS = 20  # characters of each trimmed line in which the markers of structures are sought


def _scan(lines: Sequence[str]) -> _Scan:
    s = _Scan(lines)
    # Each structure pass runs only when its marker is in the log. Most markers start a
    # line, so they are sought in the lines' first characters: a fifth of the text.
    heads = "\n" + "\n".join(t[:_HEADS] for t in s.text)
    blob = "\n".join(s.text)
    if _PY_TRACEBACK in blob or '\nFile "' in heads:
        s.python_tracebacks()
    if "\npanic: " in heads or "\nfatal error: " in heads or "\nthread '" in heads:
        s.go_panics()
    if "\nat " in heads or "\n... " in heads:
        s.stack_blocks()
    if '\n"' in heads:  # the key lines of a pretty-printed JSON object
        s.pretty_json()
    if ".rb:" in blob or any(m in heads for m in _OTHER_MARKERS):
        s.other_stacks()
    # a line of its own never outranks a stack the program died of
    if not any(c.rank == _STACK for c in s.cands):
        s.lines()
    return s


_OTHER_MARKERS = ("\n** (", "Stack trace:", "\nIn ", "\nterminate called")


def find_decisive(
    lines: Sequence[str] | None, *, message: str | None = None
) -> tuple[DecisiveLine, ...]:
    """The lines that explain the exit: the cause first, then at most a location line.

    Empty when nothing does. `lines` are the previous container's log lines (split on
    "\\n"; they may carry CRs and ANSI codes); `message` is the container's
    `terminated.message`, used as the module docstring says.
    """
    log = _scan(lines) if lines else None
    cause = log.best() if log else None
    if message and message.strip() and (cause is None or cause.rank < _STRONG):
        msg_lines = message.split("\n")
        m = _scan(msg_lines)
        mc = m.best()
        if mc is None and cause is None:
            # a message of its own (terminationMessagePath) is the program's explanation;
            # a copy of the log's tail (FallbackToLogsOnError) that explains nothing is not
            text = next((t for t in m.full if t), "")
            if text and not (log and text in log.full):
                return (DecisiveLine(_quote(text), -1, "message", "cause"),)
            return ()
        if mc is not None and (cause is None or mc.rank > cause.rank):
            return (DecisiveLine(_quote(m.full[mc.index]), -1, "message", "cause"),)
    if log is None or cause is None:
        return ()
    out = [DecisiveLine(_quote(log.full[cause.index]), cause.index, cause.kind, "cause")]
    loc = log.locations.get(cause.index)
    if loc is not None:
        out.append(DecisiveLine(_quote(log.full[loc]), loc, "frame", "location"))
    return tuple(out)
