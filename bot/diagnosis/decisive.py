"""The decisive line: the log line (or lines) that explain why a container exited.

A crash-looping container usually says why it died in its last words, but those words
hide among banners, retries, stack frames and the boilerplate of whatever started it.
This module picks them out for ANY program, from general rules about how log formats
mark severity and how programs fail, not from knowledge of one runtime's messages:

* Structured failures map to the line an engineer quotes: a Python traceback to its
  final exception line (the last traceback of a chained "During handling ..." series);
  a Java stack to the root of its `Caused by:` chain; a Node, .NET or other `at ...`
  stack to its exception header; a Ruby backtrace to its `file.rb:12:in 'x': message
  (SomeError)` line; a Go panic (`panic:`, `fatal error:`) to its header, plus the first
  stack frame in the program's own code as a "location"; shell errors
  (`line 14: syntax error ...`, `sh: 1: foo: not found`) to themselves.
* Otherwise the last line logged at error level or above, whatever the format: plain
  text levels (`ERROR`, `FATAL`, `[error]`, `E1120 ...]` klog, `F, [...] FATAL --`
  Ruby logger, Postgres `FATAL:` in several human languages), logfmt `level=`, JSON
  `level`/`severity`/`lvl` fields (for a pretty-printed multi-line JSON object, the
  physical line holding its error or message field).
* Failing that, the last line that uses the vocabulary of failure (`cannot`,
  `no such file`, `refused`, ...) without a lower level (plain `print`s, Go's `log`).

Noise never wins: stack frames, goroutine dumps, banners, separators, health-check
access lines, and lines logged below error level. Boilerplate that only says the
program is going away ("shutting down", "exiting", "Exiting with code 1",
"Error: 1 error occurred:", wrapper lines from npm or make reporting a child's exit) is
chosen only when nothing more specific is present. A chosen line that ends with ":" and
introduces indented or bulleted detail gives way to its first detail line.

The termination message (`terminated.message`) is used when the log is missing, empty,
or yields no cause of error rank, and its own extraction does: it then supplies the cause
(kind "message", index -1). A log cause is preferred otherwise, because it can be shown
with its context, and with `FallbackToLogsOnError` the message is only the log's tail.

Pure and synchronous; only the standard library; every regex has bounded quantifiers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_TEXT = 300  # characters of a quoted line
_HEAD = 160  # characters of a line searched for its level
_WALK = 8  # lines walked back from a stack block to find its exception header

# Candidate ranks: the highest rank present wins, the latest line within it.
_STACK = 4  # an exception or panic printed with its stack: the program died of it
_STRONG = 3  # structural failures and non-boilerplate error-level lines
_MEDIUM = 2  # failure vocabulary without a level; error-level boilerplate that names a failure
_WEAK = 1  # boilerplate; warnings that use the vocabulary of failure


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


# ----------------------------------------------------------------------------- cleaning

_ANSI = re.compile(
    r"\x1b(?:\[[0-?]{0,32}[ -/]{0,4}[@-~]|\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)?|[()][0-9A-Za-z]|[@-Z\\-_])"
    r"|(?<![\w\]])\[\d{1,3}(?:;\d{1,3}){0,6}m"  # escapes whose ESC byte was lost: "[31m"
)


def clean(line: str) -> str:
    """A log line with ANSI escapes and trailing whitespace (a CR) removed; indent kept."""
    if "\x1b" in line or "m" in line and "[" in line:
        line = _ANSI.sub("", line)
    return line.rstrip()


def normalize(line: str) -> str:
    """A line as it is quoted and compared: no ANSI escapes, no trailing CR, trimmed."""
    return clean(line).strip()


def _quote(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


# ----------------------------------------------------------------------------- levels

_NONE, _LOW, _WARN, _ERROR = 0, 1, 2, 3

_LEVEL_WORDS: dict[str, int] = {}
for _words, _lvl in (
    (
        "fatal fata ftl critical crit emerg emergency alert panic pani pnc error erro err "
        "severe fail e f c a",
        _ERROR,
    ),
    ("warning warn wrn w", _WARN),
    (
        "notice info inf information informational i debug debu dbg d trace trac trc "
        "verbose fine finer finest config log detail hint statement context location query "
        "n v t",
        _LOW,
    ),
    # Postgres, java.util.logging and others translate their level words
    (
        "fehler erreur errore erro ошибка важно panik hata błąd エラー 致命的エラー 错误 致命错误 "
        "오류 치명적오류 严重 嚴重 重大 schwerwiegend grave",
        _ERROR,
    ),
    ("warnung attention avertissement advertencia aviso предупреждение 警告 경고", _WARN),
    ("信息 資訊 情報 infos información", _LOW),
):
    for _w in _words.split():
        _LEVEL_WORDS[_w] = _lvl

_UPPER_LEVELS = (
    "FATAL|FATA|FTL|CRITICAL|CRIT|EMERG|EMERGENCY|ALERT|PANIC|PANI|PNC|ERROR|ERRO|ERR|SEVERE|"
    "WARNING|WARN|WRN|NOTICE|INFO|INF|DEBUG|DEBU|DBG|TRACE|TRAC|TRC|VERBOSE|FINEST|FINER|FINE|"
    "FEHLER|ERREUR|ERRORE|ERRO|ОШИБКА|ВАЖНО|PANIK|HATA|BŁĄD|WARNUNG|ПРЕДУПРЕЖДЕНИЕ"
)
_LOWER_LEVELS = (
    "fatal|critical|crit|emerg|alert|panic|error|err|severe|fail|warning|warn|notice|info|"
    "debug|trace|verbose|Fatal|Critical|Error|Warning|Warn|Notice|Info|Information|Debug|Trace"
)
_TOKEN = re.compile(
    # an upper-case level word standing alone: "ERROR", "[ERROR]", "ERROR/MainProcess"
    rf"(?<![\w.\-/])(?P<up>{_UPPER_LEVELS})(?![\w\-])"
    # any case when placed as a level: "[error]", "<warn>", "|info|", "(fatal)", "[core:error]"
    rf"|[\[<(|:]\s{{0,3}}(?P<br>{_LOWER_LEVELS})\s{{0,3}}[\]>)|]"
    # Postgres and friends: "LOG:  ", "DETAIL:  ", "致命的エラー:  "
    r"|(?<![\w.\-/])(?P<pg>LOG|DETAIL|HINT|STATEMENT|CONTEXT|LOCATION|QUERY|エラー|致命的エラー|错误"
    r"|致命错误|오류|치명적오류|警告|경고|严重|嚴重|信息|資訊|重大|情報|SCHWERWIEGEND|GRAVE|INFOS|"
    r"INFORMACIÓN|AVERTISSEMENT|ADVERTENCIA|WARNUNG|INFORMATION):\s"
)
# "error: ...", "Error: ...", "fail: ..." at the start, or after a program name
# ("initdb: error: ...") or a timestamp ("2026/11/20 10:00:00 error ...", tab-separated
# zap/caddy consoles)
_LEAD = re.compile(
    rf"^(?:[\w.\-/]{{1,40}}: |(?:[\d\-/:.,TZ+]{{6,40}}[ \t]{{1,4}}){{1,3}})?(?P<lv>{_LOWER_LEVELS})(?::|\t|\s{{2}}|!)"
)
_LOGFMT = re.compile(r'(?:^|\s)(?:level|lvl|severity|loglevel|log\.level)="?([A-Za-z]{1,12})')
_JSON_LEVEL = re.compile(
    r'"(?:level|severity|lvl|loglevel|log_level|log\.level|levelname|levelName|@l|@level|s|'
    r'Level|LogLevel|Severity|logLevel|level_name)"\s{0,3}:\s{0,3}(?:"([A-Za-z]{1,16})"|(\d{1,3})\b)'
)
_KLOG = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d{1,9}\s{1,12}\d{1,10} [^\]\s]{1,200}\] ")
_RUBY_LOGGER = re.compile(r"^([DIWEFA]), \[\d{4}-\d\d-\d\d")
_SYSLOG_PRI = re.compile(r"^<([0-7])>")


def _word_level(word: str) -> int:
    return _LEVEL_WORDS.get(word.lower(), _NONE)


def level_of(text: str) -> int:
    """The severity a log line declares: 0 none, 1 info/debug, 2 warning, 3 error or above."""
    head = text[:_HEAD]
    brace = head.find("{")
    if 0 <= brace <= 40:
        m = _JSON_LEVEL.search(text)
        if m:
            if m.group(1):
                return _word_level(m.group(1))
            n = int(m.group(2))  # pino/bunyan: 50 error, 60 fatal
            return _ERROR if n >= 50 else _WARN if n >= 40 else _LOW
    if "=" in head:
        m = _LOGFMT.search(head)
        if m:
            return _word_level(m.group(1))
    m = _KLOG.match(head)
    if m:
        return _word_level(m.group(1))
    m = _RUBY_LOGGER.match(head)
    if m:
        return _word_level(m.group(1))
    m = _SYSLOG_PRI.match(head)
    if m:
        return _ERROR if int(m.group(1)) <= 3 else _WARN if m.group(1) == "4" else _LOW
    lead = _LEAD.match(head)
    tok = _TOKEN.search(head)
    if lead and (tok is None or lead.start("lv") <= tok.start()):
        return _word_level(lead.group("lv"))
    if tok:
        return _word_level(tok.group("up") or tok.group("br") or tok.group("pg"))
    return _NONE


# ----------------------------------------------------------------------------- vocabulary

# Words of failure. Used for lines without a level, and to tell whether boilerplate
# ("shutting down ...") also names what failed.
_FAIL = re.compile(
    r"(?i)\b(?:fail(?:ed|ure|s|ing)?|error|errors|exception|fatal|panic(?:ked)?|abort(?:ed)?|"
    r"crash(?:ed)?|unable|cannot|can't|could ?n[o']t|not found|no such|denied|refused|invalid|"
    r"missing|unknown|unexpected|timed? ?out|timeout|unauthori[sz]ed|forbidden|expired|"
    r"not allowed|not permitted|out of memory|no space|already (?:exists|in use)|in use|"
    r"unreachable|not set|is required|are required|must (?:be|not)|does ?n[o']t exist|"
    r"not exist|violation|illegal|bad |corrupt\w*|mismatch\w*|exceeded|unsupported|"
    r"incompatible|E[A-Z]{3,12}\b)"
    r"|fehler|fehlgeschlagen|nicht gefunden|erreur|échec|échoué|impossible|introuvable|"
    r"falló|fallo|no se pudo|falha|errore|impossibile|ошибка|не удалось|не найден|"
    r"失败|错误|无法|エラー|失敗|できません|오류|실패|hata|błąd|nie można"
)
# The same without the generic words: a line that matches says WHAT failed.
_SPECIFIC = re.compile(
    r"(?i)\b(?:unable|cannot|can't|could ?n[o']t|not found|no such|denied|refused|invalid|"
    r"missing|unknown|unexpected|timed? ?out|timeout|unauthori[sz]ed|forbidden|expired|"
    r"not allowed|not permitted|out of memory|no space|already (?:exists|in use)|in use|"
    r"unreachable|not set|is required|must (?:be|not)|does ?n[o']t exist|not exist|"
    r"violation|illegal|corrupt\w*|mismatch\w*|exceeded|unsupported|incompatible|"
    r"failed to \w+|E(?:NOENT|ACCES|CONNREFUSED|ADDRINUSE|NOTFOUND|PERM|CONNRESET|AI_AGAIN|"
    r"TIMEDOUT|HOSTUNREACH|NOMEM|NOSPC|ROFS))\b"
)
# Going-away boilerplate and wrapper lines that report a child's exit.
_BOILER = re.compile(
    r"(?i)\b(?:shutting ?down|shut down|exiting|exited|exit(?:ing)? (?:with|code|status)|"
    r"stopping|stopped|terminating|terminated|aborting|goodbye|quitting|"
    r"\d{1,4} errors? occurred|worker failed to boot|command failed with exit code|"
    r"process (?:finished|completed) with|lifecycle script|elifecycle|"
    r"complete log of this run|additional logging output above|probably not a problem with|"
    r"this is related to npm|run .{1,40} --verbose|for (?:more )?(?:details|information))"
    r"|^npm (?:ERR!|error) (?:code|errno|syscall|path|dest|signal|command|cwd|workspace|"
    r"location) |^npm (?:ERR!|error)\s*$|^make(?:\[\d{1,3}\])?: \*\*\*|Error \d{1,3}$"
)
_HEALTH = re.compile(
    r"(?i)(?:\b(?:GET|HEAD|POST)\s{1,4}/(?:healthz?|readyz?|livez|ready|live|ping|status|"
    r"metrics|actuator/health)\b|kube-probe/)"
)
_WORDCHAR = re.compile(r"\w")

# ----------------------------------------------------------------------------- structures

_PY_TRACEBACK = "Traceback (most recent call last):"
_AT_FRAME = re.compile(r"^\s{1,16}(?:at \S|\.\.\. \d{1,6} (?:more|common frames omitted))")
_OTHER_FRAME = re.compile(
    r"^\s{1,16}(?:from \S{1,400}:\d{1,7}:in |File \"|---? End of |Suppressed: |\(\S{1,100} "
    r"[\w.\-]{1,40}\) \S)|^#\d{1,4} \S|^\s{0,16}at \S"
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
_GO_FRAME_FILE = re.compile(r"^\t(\S{1,400}\.(?:go|s)):\d{1,7}(?: \+0x[0-9a-f]{1,16})?$")
_GO_DUMP = re.compile(
    r"^(?:goroutine \d{1,9} \[|\[signal |created by |\t|exit status \d|"
    r"\S{1,400}\(.{0,400}\)$|\.\.\.additional frames elided|\s*$|panic\(|"
    r"\[recovered\]|runtime\.|\s{1,8}panic: )"
)
_GO_FOREIGN = re.compile(
    r"(?:^/usr/local/go/|^/usr/lib/go|/go/src/|^/opt/go/|/pkg/mod/|/vendor/|^runtime/|"
    r"^\$GOROOT|^GOROOT|/src/runtime/|^[a-z0-9]{1,20}(?:/[a-z0-9_]{1,40}){0,4}/[a-z0-9_]{1,60}\.go$)"
)
_SHELL = re.compile(
    r"^(?:(?:/?[\w.\-]{1,100}/){0,10}(?:[\w.\-]{0,60}sh|[\w.\-]{1,100}\.(?:sh|bash)|bash|sh|dash|"
    r"ash|zsh|ksh|busybox)(?: \w{1,20})?: (?:line )?\d{1,7}: .{1,400}"
    r"|(?:/?[\w.\-]{1,100}/){0,10}[\w.\-]{1,100}: (?:line \d{1,7}: )?(?:.{1,300}: )?"
    r"(?:command not found|not found|No such file or directory|Permission denied|"
    r"unbound variable|bad interpreter.{0,200}|syntax error.{0,200}|Illegal option.{0,100}|"
    r"bad substitution|parameter (?:null or )?not set|cannot execute.{0,100}|"
    r"integer expression expected|too many arguments)"
    r"|exec (?:\S{1,400}): (?:no such file or directory|exec format error|permission denied)"
    r"|exec: \"?[^\"]{0,200}\"?: executable file not found in \$PATH.{0,200}"
    r"|(?:/usr/bin/)?env: .{1,200}: No such file or directory"
    r"|(?:standard_init_linux\.go:\d{1,5}: )?exec user process caused.{0,300})$"
)
_SHELL_EXCERPT = re.compile(r"^\S{1,200}: (?:line )?\d{1,7}: `")
_JSON_KEY = re.compile(r'^\s{0,40}"([\w.@]{1,40})"\s{0,3}:\s{0,3}(.{0,2000}?),?$')
_MSG_KEYS = ("error", "err", "exception", "exc_info", "reason", "msg", "message", "@m", "@mt",
             "event", "Message", "Error", "Exception")
_INTRO_DETAIL = re.compile(r"^(?:\s{1,16}\S|[*\-•]\s)")


@dataclass(slots=True)
class _Candidate:
    index: int
    kind: str
    rank: int


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _stack_rank(owner_level: int) -> int:
    """A stack logged under an info or warning record was handled; any other killed."""
    return _WEAK if owner_level in (_LOW, _WARN) else _STACK


class _Scan:
    """One pass over a log: the lines, what is consumed by structures, the candidates."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.raw = [clean(x) for x in lines]
        self.text = [x.strip() for x in self.raw]
        self.n = len(self.raw)
        self.used = [False] * self.n  # part of a structure: never a candidate of its own
        self.cands: list[_Candidate] = []
        self.location: int | None = None
        self.panic_at: int | None = None

    # -- structures

    def python_tracebacks(self) -> None:
        i = 0
        while i < self.n:
            if not self.text[i].endswith(_PY_TRACEBACK):
                i += 1
                continue
            self.used[i] = True
            # a traceback may be indented as a whole (logged under a record): frames are
            # indented deeper than its first line, its exception line is not
            line = self.raw[i]
            base = len(line) - len(line.lstrip()) if line.lstrip() == _PY_TRACEBACK else 0
            owner = self._owner_level(i)
            j = i + 1
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
        if lvl != _NONE:
            return lvl
        j = first - 1
        while j >= 0 and first - j <= 2 and not self.text[j]:
            j -= 1
        if j >= 0 and first - j <= 2 and not self.used[j]:
            return level_of(self.text[j])
        return _NONE

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
            while i < self.n and (
                _AT_FRAME.match(self.raw[i]) or _OTHER_FRAME.match(self.raw[i])
            ):
                self.used[i] = True
                i += 1
            header = self._header_above(start)
            if header is None:
                continue
            htext = self.text[header]
            caused = htext.startswith("Caused by:")
            if caused and chain_root is not None and header - chain_end <= _WALK + 1:
                chain_root.index = header  # the root of the chain is its last Caused by
            else:
                chain_root = _Candidate(header, "exception", _stack_rank(self._owner_level(header)))
                self.cands.append(chain_root)
            chain_end = i - 1
            # Node prints the error's properties after the stack: "{ code: 'X' }"
            while i < self.n and i - chain_end < 12 and self.raw[i][:1] in ("}", " ") and (
                self.raw[i].startswith("  ") or self.raw[i] == "}"
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

    def ruby_and_others(self) -> None:
        for i, t in enumerate(self.text):
            if self.used[i] or not t:
                continue
            if (".rb:" in t and _RUBY_EXC.match(t)) or (t.startswith("** (") and _ELIXIR_EXC.match(t)):
                self.used[i] = True
                self.cands.append(_Candidate(i, "exception", _STACK))

    def go_panics(self) -> None:
        i = 0
        while i < self.n:
            t = self.text[i]
            if not (t.startswith(("panic: ", "fatal error: ")) and _GO_PANIC.match(self.raw[i])):
                if _RUST_PANIC.match(t):
                    self.used[i] = True
                    self.cands.append(_Candidate(i, "panic", _STACK))
                i += 1
                continue
            self.cands.append(_Candidate(i, "panic", _STACK))
            self.used[i] = True
            self.panic_at = i
            self.location = None
            first_frame: int | None = None
            j = i + 1
            while j < self.n and _GO_DUMP.match(self.raw[j]):
                self.used[j] = True
                m = _GO_FRAME_FILE.match(self.raw[j])
                if m:
                    if first_frame is None:
                        first_frame = j
                    if self.location is None and not _GO_FOREIGN.search(m.group(1)):
                        self.location = j
                j += 1
            if self.location is None:
                self.location = first_frame
            i = j

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
            level = _NONE
            fields: dict[str, int] = {}
            for k in range(i + 1, min(j, self.n)):
                self.used[k] = True
                m = _JSON_KEY.match(self.raw[k])
                if not m:
                    continue
                key = m.group(1)
                if key not in fields:
                    fields[key] = k
                lm = _JSON_LEVEL.search(self.raw[k])
                if lm and level == _NONE:
                    level = (
                        _word_level(lm.group(1))
                        if lm.group(1)
                        else (_ERROR if int(lm.group(2)) >= 50 else _LOW)
                    )
            for k in range(i, min(j + 1, self.n)):
                self.used[k] = True
            if level == _ERROR:
                where = next((fields[k] for k in _MSG_KEYS if k in fields), None)
                if where is not None:
                    self.cands.append(_Candidate(where, "error", _STRONG))
            i = j + 1

    # -- line by line

    def lines(self) -> None:
        for i, t in enumerate(self.text):
            if self.used[i] or not t:
                continue
            if len(t) >= 8 and len(_WORDCHAR.findall(t[:80])) < 0.35 * min(len(t), 80):
                continue  # separators, ASCII art
            if _HEALTH.search(t):
                continue
            if _SHELL.match(t):
                if not _SHELL_EXCERPT.search(t):  # bash quotes the offending source line
                    self.cands.append(_Candidate(i, "shell", _STRONG))
                continue
            lvl = level_of(t)
            if lvl == _LOW:
                continue
            boiler = _BOILER.search(t) is not None and _SPECIFIC.search(t) is None
            if lvl == _ERROR:
                if boiler:
                    rank = _WEAK
                elif t.startswith(("npm ERR!", "npm error")):
                    rank = _MEDIUM if _SPECIFIC.search(t) else _WEAK
                else:
                    rank = _STRONG
                self.cands.append(_Candidate(i, "error", rank))
            elif lvl == _NONE and _STANDALONE_EXC.match(t):
                self.cands.append(_Candidate(i, "exception", _STRONG))
            elif _FAIL.search(t):
                if lvl == _WARN:
                    self.cands.append(_Candidate(i, "error", _WEAK))
                elif not self.raw[i][:1].isspace() or _SPECIFIC.search(t):
                    self.cands.append(_Candidate(i, "error", _WEAK if boiler else _MEDIUM))

    # -- choice

    def best(self) -> _Candidate | None:
        if not self.cands:
            return None
        top = max(c.rank for c in self.cands)
        chosen = max((c for c in self.cands if c.rank == top), key=lambda c: c.index)
        # A line such as "Error: 1 error occurred:" introduces its detail below it.
        if chosen.kind == "error" and self.text[chosen.index].endswith(":"):
            k = chosen.index + 1
            while k < self.n and not self.text[k]:
                k += 1
            if k < self.n and _INTRO_DETAIL.match(self.raw[k]) and not _AT_FRAME.match(self.raw[k]):
                return _Candidate(k, chosen.kind, chosen.rank)
        return chosen


def _scan(lines: Sequence[str]) -> _Scan:
    s = _Scan(lines)
    s.python_tracebacks()
    s.go_panics()
    s.stack_blocks()
    s.pretty_json()
    s.ruby_and_others()
    s.lines()
    return s


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
            # a message of its own (terminationMessagePath) is the program's explanation
            text = next((normalize(x) for x in msg_lines if normalize(x)), "")
            return (DecisiveLine(_quote(text), -1, "message", "cause"),) if text else ()
        if mc is not None and (cause is None or mc.rank > cause.rank):
            return (DecisiveLine(_quote(m.text[mc.index]), -1, "message", "cause"),)
    if log is None or cause is None:
        return ()
    out = [DecisiveLine(_quote(log.text[cause.index]), cause.index, cause.kind, "cause")]
    if cause.kind == "panic" and cause.index == log.panic_at and log.location is not None:
        loc = log.location
        out.append(DecisiveLine(_quote(log.text[loc]), loc, "frame", "location"))
    return tuple(out)
