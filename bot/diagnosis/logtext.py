"""How log lines say things: escapes and collector prefixes, severity levels in every
common format, the vocabulary of failure, and boilerplate.

Knowledge about the text of log lines, apart from how the decisive-line extractor
(bot.diagnosis.decisive) uses it. Pure, standard library only; every regex has bounded
quantifiers, and the searches that run on every line start with a literal alternation
(or a trie of literals, see `trie`) so that `re` can skip ahead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

HEAD = 160  # characters of a line searched for its level
SCAN = 500  # characters of a line searched for words (a JSON line may hold a whole stack)


# ----------------------------------------------------------------------------- cleaning

_ANSI = re.compile(
    r"\x1b(?:\[[0-?]{0,32}[ -/]{0,4}[@-~]|\][^\x07\x1b\n]{0,512}(?:\x07|\x1b\\)?"
    r"|[()][0-9A-Za-z]|[@-Z\\-_])"
)
_ANSI_LOST = re.compile(r"\[\d{1,3}(?:;\d{1,3}){0,6}m")  # ESC byte lost: "[31m"


def clean(line: str) -> str:
    """A log line with ANSI escapes and trailing whitespace (a CR) removed; indent kept."""
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    if "[" in line and "m" in line:
        line = _ANSI_LOST.sub("", line)
    return line.rstrip()


def clean_all(lines: Sequence[str]) -> list[str]:
    """`clean` over a whole log, with the escape searches done once over all of it."""
    joined = "\n".join(lines)
    ansi = "\x1b" in joined
    lost = "m" in joined and _ANSI_LOST.search(joined) is not None
    if not (ansi or lost):
        return [x.rstrip() for x in lines]
    return [clean(x) if "\x1b" in x or lost else x.rstrip() for x in lines]


# Per-line prefixes that some collectors put before every line of a program's output:
# stripped (when most lines carry one) before the lines are analysed, kept in the quote.
_PREFIXES = (
    # Android logcat: "01-29 09:34:05.450 18405 18840 W System.err: "
    re.compile(
        r"^\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\s{1,8}\d{1,7}\s{1,8}\d{1,7} (?P<lv>[VDIWEF]) "
        r"[^:]{0,100}: ?"
    ),
    # syslog / journald: "Apr  3 12:02:45 host prog[123]: " (month names in any language)
    re.compile(r"^\S{3,12}\.? {1,2}\d{1,2},? \d\d:\d\d:\d\d \S{1,100} [^\s:]{1,100}: "),
    # docker compose: "web_1  | ", "api-1  | "
    re.compile(r"^[\w.\-]{1,60}\s{0,20}\| "),
    # kubectl logs --timestamps (RFC 3339 with nanoseconds; programs rarely print those)
    re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z "),
    # process tags of concurrently, foreman, nodemon: "[1] ", "[Node] " (not levels: "[INFO] ")
    re.compile(r"^\[(?P<tag>\d{1,3}|[A-Za-z][\w.\-]{0,30})\] "),
)
_PREFIX_SAMPLE = 40


def _prefix(pattern: re.Pattern[str], line: str) -> re.Match[str] | None:
    m = pattern.match(line)
    if m is not None and word_level(m.groupdict().get("tag") or "") != NONE:
        return None  # "[ERROR] ": a level, not a collector's prefix
    return m


def strip_prefixes(lines: list[str], text: list[str]) -> tuple[list[str], list[int]]:
    """The lines without a prefix that most of them carry, and the level a prefix declares."""
    sample = [t for t in text[-_PREFIX_SAMPLE:] if t][:_PREFIX_SAMPLE]
    levels = [NONE] * len(lines)
    if len(sample) < 2:
        return lines, levels
    for pattern in _PREFIXES:
        if not (_prefix(pattern, sample[-1]) or _prefix(pattern, sample[-2])):
            continue  # most logs have none: two lines tell
        hits = sum(1 for t in sample if _prefix(pattern, t))
        if hits * 10 < len(sample) * 6:
            continue
        out = []
        for i, line in enumerate(lines):
            m = _prefix(pattern, line.lstrip())
            if m is None:
                out.append(line)
                continue
            out.append(line.lstrip()[m.end() :])
            lv = m.groupdict().get("lv")
            if lv:
                levels[i] = word_level(lv)
        return out, levels
    return lines, levels


def normalize(line: str) -> str:
    """A line as it is quoted and compared: no ANSI escapes, no trailing CR, trimmed."""
    return clean(line).strip()


def collapse(text: str) -> str:
    return " ".join(text.split())


def trie(alternatives: str) -> str:
    """A regex matching any of the `|`-separated literals, as a trie: `re` tries the
    alternatives of a plain `a|b|c` one by one at every position, which over lower-case
    text costs a lot; a trie tries one branch per character."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in alternatives.split("|"):
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
        end = "" in node
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return emit(root)


# ----------------------------------------------------------------------------- levels

NONE, LOW, WARN, ERROR = 0, 1, 2, 3

LEVEL_WORDS: dict[str, int] = {}
for _words, _lvl in (
    (
        "fatal fata ftl critical crit emerg emergency alert panic pani pnc error erro err "
        "severe fail e f c a",
        ERROR,
    ),
    ("warning warn wrn w", WARN),
    (
        "notice info inf information informational i debug debu dbg d trace trac trc "
        "verbose fine finer finest config log detail hint note statement context location query "
        "n v t",
        LOW,
    ),
    # Postgres, java.util.logging and others translate their level words
    (
        "fehler erreur errore erro ошибка важно panik hata błąd エラー 致命的エラー 错误 致命错误 "
        "오류 치명적오류 严重 嚴重 重大 schwerwiegend grave",
        ERROR,
    ),
    ("warnung attention avertissement advertencia aviso предупреждение 警告 경고", WARN),
    ("信息 資訊 情報 infos información", LOW),
):
    for _w in _words.split():
        LEVEL_WORDS[_w] = _lvl

_UPPER_LEVELS = (
    "FATAL|FATA|FTL|CRITICAL|CRIT|EMERG|EMERGENCY|ALERT|PANIC|PANI|PNC|ERROR|ERRO|ERR|SEVERE|"
    "WARNING|WARN|WRN|NOTICE|INFO|INF|DEBUG|DEBU|DBG|TRACE|TRAC|TRC|VERBOSE|FINEST|FINER|FINE|"
    "FEHLER|ERREUR|ERRORE|ERRO|ОШИБКА|ВАЖНО|PANIK|HATA|BŁĄD|WARNUNG|ПРЕДУПРЕЖДЕНИЕ"
)
_LOWER_LEVELS = (
    "fatal|critical|crit|emerg|alert|panic|error|err|severe|fail|warning|warn|notice|info|"
    "hint|detail|note|"
    "debug|trace|verbose|Fatal|Critical|Error|Warning|Warn|Notice|Info|Information|Debug|Trace"
)
# Searched patterns start with a plain alternation of literals (or a character class) so
# that `re` can skip to the positions where one may begin; the boundary before a word is
# checked in Python.
_PG_WORDS = (  # Postgres and friends write "LOG:  ", "DETAIL:  ", "致命的エラー:  ", "严重: "
    "LOG|DETAIL|HINT|STATEMENT|CONTEXT|LOCATION|QUERY|エラー|致命的エラー|错误|致命错误|오류|"
    "치명적오류|警告|경고|严重|嚴重|信息|資訊|重大|情報|SCHWERWIEGEND|GRAVE|INFOS|INFORMACIÓN|"
    "AVERTISSEMENT|ADVERTENCIA|WARNUNG|INFORMATION"
)
_PG_SET = frozenset(_PG_WORDS.split("|"))
# "ERROR", "[ERROR]", "ERROR/MainProcess", "LOG:  "
_UP = re.compile(trie(f"{_UPPER_LEVELS}|{_PG_WORDS}") + r"(?![\w\-])")
# any case when placed as a level: "[error]", "<warn>", "|info|", "[core:error]"
_BR = re.compile(rf"[\[<(|:]\s{{0,3}}(?P<w>{trie(_LOWER_LEVELS)})\s{{0,3}}[\]>)|]")
_NOT_BEFORE_WORD = frozenset("._-/")
# "error: ...", "Error: ...", "fail: ..." at the start, or after a program name
# ("initdb: error: ...") or a timestamp ("2026/11/20 10:00:00 error ...", tab-separated
# zap/caddy consoles)
_LEAD = re.compile(
    r"^(?:[\w.\-/]{1,40}: |(?:[\d\-/:.,TZ+e]{6,40}[ \t]{1,4}){1,3})?"
    rf"(?P<lv>{_LOWER_LEVELS})(?::|\t|\s{{2}}|!)"
)
_LOGFMT = re.compile(r'(?:level|lvl|severity|loglevel)="?([A-Za-z]{1,12})')
JSON_LEVEL = re.compile(
    '"'
    + trie(
        "level|severity|lvl|loglevel|log_level|log.level|levelname|levelName|@l|@level|s|"
        "Level|LogLevel|Severity|logLevel|level_name"
    )
    + r'"\s{0,3}:\s{0,3}(?:"([A-Za-z]{1,16})"|(\d{1,3})\b)'
)
_KLOG = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d{1,9}\s{1,12}\d{1,10} [^\]\s]{1,200}\] ")
_RUBY_LOGGER = re.compile(r"^([DIWEFA]), \[\d{4}-\d\d-\d\d")
_SYSLOG_PRI = re.compile(r"^<([0-7])>")
# a timestamp, then a one-letter level: MongoDB before 4.4 ("... I STORAGE  [ctx] msg")
_STAMP_LETTER = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+\-]\d\d:?\d\d)? ([DIWEF]) "
)


def word_level(word: str) -> int:
    return LEVEL_WORDS.get(word.lower(), NONE)


def _first_upper(head: str) -> re.Match[str] | None:
    """The first upper-case level word that stands alone in `head`."""
    pos = 0
    for _ in range(8):
        m = _UP.search(head, pos)
        if m is None:
            return None
        k = m.start() - 1
        if (k < 0 or not (head[k].isalnum() or head[k] in _NOT_BEFORE_WORD)) and (
            m.group() not in _PG_SET or head[m.end() : m.end() + 1] == ":"
        ):
            return m
        pos = m.start() + 1
    return None


def level_of(text: str) -> int:
    """The severity a log line declares: 0 none, 1 info/debug, 2 warning, 3 error or above."""
    head = text[:HEAD]
    if not head:
        return NONE
    brace = head.find("{")
    if 0 <= brace <= 40:
        m = JSON_LEVEL.search(text, 0, SCAN)
        if m:
            if m.group(1):
                return word_level(m.group(1))
            n = int(m.group(2))  # pino/bunyan: 50 error, 60 fatal
            return ERROR if n >= 50 else WARN if n >= 40 else LOW
    if "=" in head and ("level=" in head or "lvl=" in head or "severity=" in head):
        m = _LOGFMT.search(head)
        if m:
            return word_level(m.group(1))
    c0 = head[0]
    if c0 in "IWEF" and head[1:2].isdigit():
        m = _KLOG.match(head)
        if m:
            return word_level(m.group(1))
    elif head[1:3] == ", ":
        m = _RUBY_LOGGER.match(head)
        if m:
            return word_level(m.group(1))
    elif c0 == "<":
        m = _SYSLOG_PRI.match(head)
        if m:
            return ERROR if int(m.group(1)) <= 3 else WARN if m.group(1) == "4" else LOW
    elif c0.isdigit():
        m = _STAMP_LETTER.match(head)
        if m:
            return word_level(m.group(1))
    # the first level word wins: "INFO ... ERROR ..." is an info line
    up = _first_upper(head)
    end = up.start() if up else len(head)
    if end == 0:
        return word_level(up.group()) if up else NONE
    scope = head[:end]
    lead = _LEAD.match(scope)
    br = _BR.search(scope)
    if lead and (br is None or lead.start("lv") <= br.start("w")):
        return word_level(lead.group("lv"))
    if br:
        return word_level(br.group("w"))
    return word_level(up.group()) if up else NONE


# ----------------------------------------------------------------------------- vocabulary

# Words of failure, searched in the lower-cased line. Used for lines without a level,
# and to tell whether boilerplate ("shutting down ...") also names what failed.
_SPECIFIC_WORDS = (
    "unable|cannot|can't|could not|couldn't|not found|no such|denied|refused|invalid|missing|"
    "unknown|unexpected|timed out|timeout|unauthorized|unauthorised|forbidden|expired|"
    "not allowed|not permitted|out of memory|no space|already exists|already in use|in use|"
    "unreachable|not set|is required|must be|must not|does not exist|doesn't exist|not exist|"
    "violation|illegal|corrupt|mismatch|exceeded|unsupported|incompatible|unbound variable|"
    "bad interpreter|bad substitution|syntax error|expression expected|too many arguments|"
    "read-only|segmentation fault|core dumped|too low|wrong|already running|"
    # the C library's "No such file or directory", "Permission denied", "command not found"
    # in the languages of common locales
    "нет такого файла|отказано в доступе|команда не найдена|keine berechtigung|"
    "befehl nicht gefunden|aucun fichier ou dossier|permission non accordée|"
    "commande introuvable|no existe el archivo|permiso denegado|orden no encontrada|"
    "inexistente|non esistente|permesso negato|そのようなファイルやディレクトリはありません|"
    "許可がありません|コマンドが見つかりません|没有那个文件或目录|权限不够|未找到命令|"
    "not defined|undefined|enoent|eacces|econnrefused|eaddrinuse|enotfound|eperm|econnreset|"
    "eai_again|etimedout|ehostunreach|enomem|enospc|erofs|permission|no route|"
    "fehlgeschlagen|nicht gefunden|échec|échoué|impossible|introuvable|refusé|falló|fallo|"
    "no se pudo|falha|não foi|impossibile|non trovato|не удалось|не найден|отказано|失败|无法|"
    "找不到|拒绝|失敗|できません|見つかりません|拒否|실패|없습니다|nie można|başarısız"  # noqa: RUF001
)
SPECIFIC = re.compile(trie(_SPECIFIC_WORDS))
# The C library's error strings (strerror) and their errno names: the most specific
# account of what failed that a program can print.
OS_ERROR = re.compile(
    trie(
        "no such file|permission denied|connection refused|read-only file system|"
        "input/output error|"
        "no space left|address already in use|operation not permitted|is a directory|"
        "not a directory|too many open files|connection reset|connection timed out|"
        "network is unreachable|no route to host|name or service not known|no such host|"
        "cannot allocate memory|broken pipe|directory not empty|exec format error|"
        "text file busy|name resolution|enoent|eacces|econnrefused|eaddrinuse|enospc|erofs|"
        "eperm|etimedout|ehostunreach|enomem|econnreset|нет такого файла|отказано в доступе|"
        "keine berechtigung|datei oder verzeichnis nicht gefunden|aucun fichier ou dossier|"
        "permission non accordée|no existe el archivo|permiso denegado|没有那个文件或目录|权限不够|"
        "そのようなファイルやディレクトリはありません|許可がありません"
    )
)
# Words that hint at an error level or at failure. Runs on most lines, so it is a set
# lookup over the line's words plus three substring tests, several times faster than a
# regex alternation over lower-case text; the precise patterns run on the lines it keeps.
_FAIL_WORD_LIST = (
    "err erro errno fail fails failed failing failure failures fatal fata ftl panic "
    "panicked exception abort aborted crash crashed cannot cant couldnt doesnt unable not "
    "denied refused invalid missing unknown unexpected timeout timed unauthorized "
    "unauthorised forbidden expired such space use unreachable required must violation "
    "illegal bad corrupt corrupted mismatch exceeded unsupported incompatible unbound "
    "expected undefined permission route exec severe alert emerg emergency crit "
    "critical killed grave schwerwiegend interrupt already wrong read-only segmentation dumped "
    "low nicht gefunden keine aucun introuvable impossible inexistente existe denegado "
    "esistente "
)
_FAIL_WORDS = frozenset(_FAIL_WORD_LIST.split())
_FAIL_INTL = re.compile(
    trie("fehler|erreur|errore|erro|ошибка|错误|エラー|오류|hata|błąd|" + _SPECIFIC_WORDS)
)


_FAIL_WORDS_ASCII = frozenset(w.encode() for w in _FAIL_WORDS if w.isascii())
# bytes.translate with a 256-byte table is far cheaper than str.translate or replaces:
# punctuation (but "-" and "_", which join words) to spaces
_PUNCTUATION = b'!"#$%&()*+,./:;<=>?@[\\]^`{|}~'
_FOLD = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ" + _PUNCTUATION,
    b"abcdefghijklmnopqrstuvwxyz" + b" " * len(_PUNCTUATION),
)


def names_failure(low: str) -> bool:
    """Whether a lower-cased line may declare an error or use the vocabulary of failure."""
    if "err" in low or "exce" in low or "fail" in low or "crash" in low:
        return True
    if '"level":5' in low or '"level":6' in low or '"s":"e"' in low or '"s":"f"' in low:
        return True  # numeric (pino, bunyan) and one-letter (MongoDB) JSON levels
    if low.isascii():
        return not _FAIL_WORDS_ASCII.isdisjoint(low.encode().translate(_FOLD, b"'").split())
    words = low.replace(":", " ").replace(",", " ").replace(".", " ").replace("'", "")
    if not _FAIL_WORDS.isdisjoint(words.replace("(", " ").replace(")", " ").split()):
        return True
    return _FAIL_INTL.search(low) is not None


_NOT_WORD = _PUNCTUATION + b" \t-'_|"


def is_banner(t: str) -> bool:
    """Separators and ASCII art: lines made mostly of punctuation."""
    if len(t) < 8:
        return False
    head = t[:80].encode()
    return len(head.translate(None, _NOT_WORD)) < 0.35 * len(head)


def says_failure(low: str) -> bool:
    """Whether a lower-cased line uses a word of failure as a word (`names_failure` also
    accepts parts of words, to be fast and to catch `ModuleNotFoundError`)."""
    if "error" in low or "exception" in low or "fail" in low or "fatal" in low:
        return True
    if low.isascii():
        return not _FAIL_WORDS_ASCII.isdisjoint(low.encode().translate(_FOLD, b"'").split())
    return names_failure(low)


# Boilerplate: lines that only say the program is going away, or point elsewhere.
_GOING = re.compile(
    trie(
        "shutting down|shutdown|shut down|exiting|exited|exit with|exit code|exit status|"
        "stopping|stopped|terminating|terminated|aborting|goodbye|quitting|dbexit|"
        "error occurred|errors occurred|failed to boot|command failed with exit code|"
        "finished with|completed with|lifecycle script|elifecycle|with errors"
    )
)
_POINTER = re.compile(
    trie(
        "complete log of this run|additional logging output above|probably not a problem with|"
        "this is related to npm|--verbose|for more details|for details|for more information|"
        "full stack trace|re-run maven|help 1]|check the logs|check server logs|check the log|"
        "see the logs|see logs|rust_backtrace|error report file"
    )
)
ADVICE = re.compile(
    trie(
        "you can |you may |you should |you might |please |consider |make sure|to fix this|"
        "perhaps |maybe "
    )
)
_JSON_MESSAGE = re.compile(r'"(?:msg|message|@m|event)"\s{0,3}:\s{0,3}"((?:[^"\\]|\\.){0,400})"')
_WORDS3 = re.compile(r"[A-Za-z]{3,}")
_GOING_SHORT = 5  # at most this many other words beside the going-away phrase
_BOILER_KEYS = (
    "shut", "exit", "stop", "termin", "abort", "bye", "quit", "occurred", "boot", "finish",
    "complete", "lifecycle", "with errors", "log", "npm", "verbose", "detail", "informa",
    "trace", "maven", "help 1", "make",
)  # fmt: skip
_BOILER_START = re.compile(
    r"npm (?:ERR!|error)(?: (?:code|errno|syscall|path|dest|signal|command|cwd|workspace|"
    r"location) |\s*$)|make(?:\[\d{1,3}\])?: \*\*\*"
)
HEALTH = re.compile(
    r"(?:GET|HEAD|POST) {1,4}/(?:healthz?|readyz?|livez|ready|live|ping|status|metrics|"
    r"actuator/health)\b|kube-probe/"
)
# Kubernetes' own account of the crash loop, when a node's log is pasted: never the cause
BACKOFF = re.compile(
    "back-off restarting failed container|back-off [0-9]{1,4}m?[0-9]{0,2}s restarting"
)
FAINT_FAILURE = re.compile(trie("failure|failed|exception|fatal|crash|abort"))
# a shell's report that its child died of a signal: the child's own last words say more
_SIGNALS = (
    "(?:Aborted|Segmentation fault|Killed|Bus error|Illegal instruction|"
    "Floating point exception|Terminated|Trace/breakpoint trap)"
)
_SIGNAL_ALONE = re.compile(_SIGNALS + r"(?: {1,20}\(core dumped\))?")
_SIGNAL_IN_SCRIPT = re.compile(r": line \d{1,7}: {1,8}\d{1,9} " + _SIGNALS)


def signal_report(t: str) -> bool:
    """Whether a line is a shell's report that its child died of a signal:
    `Segmentation fault (core dumped)`, `run.sh: line 3:    17 Aborted  (core dumped) app`."""
    return _SIGNAL_ALONE.match(t) is not None or _SIGNAL_IN_SCRIPT.search(t, 0, SCAN) is not None


_LEAVING = re.compile(
    trie(
        "exiting|exited|aborting|shutting down|shut down|terminating|stopping|quitting|"
        "goodbye|exit code|exit status"
    )
)


def is_going(low: str) -> bool:
    """Whether a lower-cased line says the program goes away ("... Exiting.")."""
    return _LEAVING.search(low) is not None


def boilerplate(t: str, low: str) -> bool:
    """Whether a line only says the program goes away, or points elsewhere for the cause."""
    if not any(k in low for k in _BOILER_KEYS):
        return False  # a fast no for most lines: every pattern below holds one of these
    if _POINTER.search(low) or _BOILER_START.match(t):
        return True
    if t.startswith("{"):
        # a JSON line: the message says it, not the keys around it
        field = _JSON_MESSAGE.search(low)
        low = field.group(1) if field else low
    m = _GOING.search(low)
    if m is None:
        return False
    rest = low[: m.start()] + " " + low[m.end() :]
    words = [w for w in _WORDS3.findall(rest) if w not in LEVEL_WORDS]
    return len(words) <= _GOING_SHORT
