"""The pure engine's throughput, its per-diagnosis time and profile, and serve start-up.

    .venv/bin/python bench/engine.py [--seconds 3] [--startups 3]

1. Every healthy scenario under tests/scenarios (no `faults:`, no expected error) is read
   with `SnapshotSource` and turned into `PodFacts` once; then `diagnose(facts, rules)`
   with the built-in rules is looped over them for a few seconds in one process (one
   core): diagnoses per second (target > 2,000 per core), the per-diagnosis time
   distribution (p50/p99) and a cProfile summary of the top functions.
2. `crashloop-bot serve` is spawned for real (SLACK_BOT_TOKEN=xoxb-test,
   SLACK_SIGNING_SECRET=test, SLACK_API_URL -> FakeSlackAPI, KUBECONFIG -> FakeKubeAPI,
   CRASHLOOP_STATE in a temporary folder, a free --port) and GET /readyz is polled until
   200: the time from spawn to ready (and to the first /healthz answer). If it never gets
   ready, the problems listed in /readyz's JSON body are reported.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    ROOT,
    SCENARIOS,
    free_port,
    machine,
    median,
    met,
    percentile,
    table,
    update_doc,
)

from bot.cluster.snapshot import SnapshotSource
from bot.diagnosis.engine import diagnose
from bot.diagnosis.matching import LogTest
from bot.diagnosis.rules import load_rules
from bot.facts import PodFacts
from bot.target import Target
from tests.fakes.kubeapi import FakeKubeAPI, running_in_thread, write_kubeconfig
from tests.fakes.slackapi import FakeSlackAPI

TARGET_RATE = 2000.0  # diagnoses per second per core
SEGMENTS = 5
MAX_ITERATIONS = 2_000_000  # bound on the throughput loop besides its duration
STARTUP_TIMEOUT = 30.0  # seconds for serve to get ready
POLL_INTERVAL = 0.02


@dataclass
class Case:
    name: str
    facts: PodFacts
    container: str | None


def load_cases() -> tuple[list[Case], list[str]]:
    cases: list[Case] = []
    skipped: list[str] = []
    for meta in sorted(SCENARIOS.glob("*/scenario.yaml")):
        doc = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
        expect = doc.get("expect") or {}
        if doc.get("faults") or expect.get("error") or expect.get("exit_status", 0) != 0:
            skipped.append(meta.parent.name)
            continue
        ns, pod = str(doc["target"]).split("/", 1)
        container = doc.get("container")
        try:
            facts = SnapshotSource(meta.parent).read(Target(ns, pod, container))
        except Exception as e:  # a scenario being edited by someone else: say so, go on
            skipped.append(f"{meta.parent.name} ({type(e).__name__}: {e})")
            continue
        cases.append(Case(meta.parent.name, facts, container))
    return cases, skipped


@dataclass
class EngineResult:
    scenarios: int
    rules: int
    rate: float
    best_rate: float
    iterations: int
    seconds: float
    p50_us: float
    p90_us: float
    p99_us: float
    max_us: float
    slowest: list[tuple[str, float]]
    profile_tottime: list[tuple[str, int, float, float]]
    profile_cumtime: list[tuple[str, int, float, float]]


def bench_engine(seconds: float) -> tuple[EngineResult, list[str]]:
    rules = load_rules()
    cases, skipped = load_cases()
    if not cases:
        raise SystemExit("no healthy scenario could be loaded")
    for c in cases:  # warm-up (regex compilation caches, etc.)
        diagnose(c.facts, rules, container=c.container)

    # throughput: whole passes over the corpus in SEGMENTS slices, bounded in time and
    # count; the median slice is reported (the machine may be shared), the best too
    n = 0
    elapsed = 0.0
    rates: list[float] = []
    for _ in range(SEGMENTS):
        k = 0
        t0 = time.perf_counter()
        deadline = t0 + seconds / SEGMENTS
        while time.perf_counter() < deadline and k < MAX_ITERATIONS:
            for c in cases:
                diagnose(c.facts, rules, container=c.container)
            k += len(cases)
        dt = time.perf_counter() - t0
        rates.append(k / dt)
        n += k
        elapsed += dt

    # per-diagnosis distribution: each call timed alone, same total budget / 2
    samples: list[float] = []
    per_case: dict[str, list[float]] = {c.name: [] for c in cases}
    deadline = time.perf_counter() + seconds / 2
    while time.perf_counter() < deadline and len(samples) < MAX_ITERATIONS:
        for c in cases:
            s = time.perf_counter_ns()
            diagnose(c.facts, rules, container=c.container)
            dt = (time.perf_counter_ns() - s) / 1000
            samples.append(dt)
            per_case[c.name].append(dt)
    slowest = sorted(((k, median(v)) for k, v in per_case.items()), key=lambda kv: -kv[1])[:5]

    # profile: one second of passes under cProfile
    prof = cProfile.Profile()
    deadline = time.perf_counter() + 1.0
    prof.enable()
    while time.perf_counter() < deadline:
        for c in cases:
            diagnose(c.facts, rules, container=c.container)
    prof.disable()
    return (
        EngineResult(
            scenarios=len(cases),
            rules=len(rules.rules),
            rate=median(rates),
            best_rate=max(rates),
            iterations=n,
            seconds=elapsed,
            p50_us=percentile(samples, 50),
            p90_us=percentile(samples, 90),
            p99_us=percentile(samples, 99),
            max_us=max(samples),
            slowest=slowest,
            profile_tottime=top_functions(prof, "tottime"),
            profile_cumtime=top_functions(prof, "cumulative"),
        ),
        skipped,
    )


def top_functions(
    prof: cProfile.Profile, key: str, count: int = 5
) -> list[tuple[str, int, float, float]]:
    """(function, calls, tottime share %, cumtime share %) of the top functions by `key`."""
    stats = pstats.Stats(prof, stream=io.StringIO())
    raw = stats.stats  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (filename, line, func), (_cc, nc, tt, ct, _callers) in raw.items():
        if func == "bench_engine" or (filename == "~" and func.startswith("<method 'disable'")):
            continue
        name = f"{short(filename)}:{line}({func})" if filename != "~" else func
        rows.append((name, nc, tt, ct))
    idx = 2 if key == "tottime" else 3
    rows.sort(key=lambda r: -r[idx])
    if key != "tottime":  # skip the loop's own frame and diagnose() itself at 100%
        rows = [r for r in rows if r[3] < 0.995 * total]
    return [(n, c, 100 * tt / total, 100 * ct / total) for n, c, tt, ct in rows[:count]]


def short(filename: str) -> str:
    p = Path(filename)
    try:
        return str(p.resolve().relative_to(ROOT))
    except ValueError:
        parts = p.parts
        if "site-packages" in parts:
            return "/".join(parts[parts.index("site-packages") + 1 :])
        return p.name


def log_patterns(matcher: object) -> list[re.Pattern[str]]:
    """The log regexes inside a compiled matcher tree (LogTest.pattern)."""
    found: list[re.Pattern[str]] = []
    stack = [matcher]
    while stack:
        m = stack.pop()
        if isinstance(m, LogTest):
            found.append(m.pattern)
        stack.extend(getattr(m, "parts", ()) or ())
        if hasattr(m, "part"):
            stack.append(m.part)
    return found


def log_regex_cost(seconds_budget: float = 2.0) -> tuple[float, float, list[tuple[str, float]]]:
    """Time of every rule's log regexes over every container log of the corpus, per pass.

    Returns (us per corpus pass for all log searches, us per corpus pass for the whole
    engine, top rules by their log-regex cost).
    """
    rules = load_rules()
    cases, _ = load_cases()
    texts = [
        "\n".join(c.logs) for case in cases for c in case.facts.crashing_containers() if c.logs
    ]
    per_rule: list[tuple[str, float]] = []
    deadline = time.perf_counter() + seconds_budget
    reps = 10
    for rule in rules.rules:
        pats = log_patterns(rule.matcher)
        if not pats or time.perf_counter() > deadline:
            continue
        t0 = time.perf_counter()
        for _ in range(reps):
            for pat in pats:
                for t in texts:
                    pat.search(t)
        per_rule.append((rule.id, (time.perf_counter() - t0) / reps * 1e6))
    t0 = time.perf_counter()
    for _ in range(reps):
        for c in cases:
            diagnose(c.facts, rules, container=c.container)
    whole = (time.perf_counter() - t0) / reps * 1e6
    per_rule.sort(key=lambda kv: -kv[1])
    return sum(v for _, v in per_rule), whole, per_rule[:5]


# --------------------------------------------------------------------------- start-up


@dataclass
class Startup:
    healthz: float | None
    ready: float | None
    problems: list[str]
    exit_code: int | None
    stderr_tail: str


def get(url: str) -> tuple[int, dict[str, object] | None]:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"null")
        except ValueError:
            return e.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return 0, None


def serve_command() -> list[str]:
    script = Path(sys.executable).parent / "crashloop-bot"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from bot.cli import main; main()"]


def one_startup(slack_url: str, kubeconfig: Path, tmp: Path) -> Startup:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "CRASHLOOP_")) and k != "KUBECONFIG"
    }
    env.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="test",
        SLACK_API_URL=slack_url,
        KUBECONFIG=str(kubeconfig),
        CRASHLOOP_STATE=str(tmp / f"state-{port}.sqlite3"),
        HOME=str(tmp),  # no stray ~/.kube/config or ~/.netrc
    )
    cmd = [*serve_command(), "serve", "--port", str(port), "--host", "127.0.0.1"]
    err_path = tmp / f"serve-{port}.stderr"
    t0 = time.perf_counter()
    with err_path.open("wb") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=err, stderr=err)
    healthz: float | None = None
    ready: float | None = None
    problems: list[str] = []
    try:
        while time.perf_counter() - t0 < STARTUP_TIMEOUT and proc.poll() is None:
            if healthz is None:
                status, _ = get(f"http://127.0.0.1:{port}/healthz")
                if status == 200:
                    healthz = time.perf_counter() - t0
            if healthz is not None:
                status, body = get(f"http://127.0.0.1:{port}/readyz")
                if status == 200:
                    ready = time.perf_counter() - t0
                    break
                if isinstance(body, dict):
                    problems = [str(p) for p in body.get("problems") or []]  # type: ignore[union-attr]
            time.sleep(POLL_INTERVAL)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    tail = err_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
    return Startup(healthz, ready, problems, proc.returncode, "\n".join(tail))


def import_time() -> float:
    """Wall time of a bare interpreter importing bot.server (what serve loads first)."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import bot.cli, bot.server"],
        cwd=ROOT,
        check=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return time.perf_counter() - t0


def bare_python() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, timeout=30)
    return time.perf_counter() - t0


def bench_startup(runs: int) -> list[Startup]:
    slack = FakeSlackAPI(token="xoxb-test")
    kube = FakeKubeAPI(SCENARIOS / "oom-cgroup")
    out: list[Startup] = []
    with (
        tempfile.TemporaryDirectory() as d,
        slack.serve_in_thread() as api,
        running_in_thread(kube) as kube_url,
    ):
        tmp = Path(d)
        kubeconfig = write_kubeconfig(tmp / "kubeconfig", kube_url)
        for _ in range(runs):
            out.append(one_startup(api.api_url, kubeconfig, tmp))
    return out


# --------------------------------------------------------------------------- report


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3.0, help="throughput loop duration")
    p.add_argument("--startups", type=int, default=3, help="serve start-ups to time")
    p.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    args = p.parse_args()
    seconds = max(0.5, min(args.seconds, 30.0))
    startups = max(1, min(args.startups, 10))
    info = machine()
    print(f"machine: {info}")

    eng, skipped = bench_engine(seconds)
    print(f"engine: {eng.rate:,.0f} diagnoses/s over {eng.scenarios} scenarios, {eng.rules} rules")
    regex_us, whole_us, regex_top = log_regex_cost()
    py = bare_python()
    imp = import_time()
    ups = bench_startup(startups)
    ready_times = [u.ready for u in ups if u.ready is not None]
    health_times = [u.healthz for u in ups if u.healthz is not None]
    ready_med = median(ready_times) if ready_times else None
    health_med = median(health_times) if health_times else None

    rows = [
        [
            "engine throughput (1 process, 1 core)",
            f"{eng.rate:,.0f} diagnoses/s (median of {SEGMENTS} slices; best {eng.best_rate:,.0f})",
            f"> {TARGET_RATE:,.0f} /s per core",
            met(eng.rate > TARGET_RATE),
        ],
        ["per-diagnosis time p50", f"{eng.p50_us:.0f} us", "no target set", "n/a"],
        ["per-diagnosis time p90", f"{eng.p90_us:.0f} us", "no target set", "n/a"],
        [
            "per-diagnosis time p99",
            f"{eng.p99_us:.0f} us (max {eng.max_us:.0f} us)",
            "no target set",
            "n/a",
        ],
        [
            "`crashloop-bot serve` spawn -> /healthz 200 (median)",
            f"{health_med:.2f} s" if health_med is not None else "never",
            "no target set",
            "n/a",
        ],
        [
            "`crashloop-bot serve` spawn -> /readyz 200 (median)",
            f"{ready_med:.2f} s" if ready_med is not None else "**never ready**",
            "no target set",
            "n/a" if ready_med is not None else "**NO**",
        ],
        ["  of which: bare `python -c pass`", f"{py:.2f} s", "-", "n/a"],
        [
            "  of which: `import bot.cli, bot.server`",
            f"{imp:.2f} s (incl. interpreter)",
            "-",
            "n/a",
        ],
    ]
    main_table = table(["figure", "measured", "target", "met?"], rows)
    starts = table(
        ["run", "to /healthz (s)", "to /readyz (s)", "readyz problems", "exit"],
        [
            [
                i + 1,
                f"{u.healthz:.2f}" if u.healthz is not None else "never",
                f"{u.ready:.2f}" if u.ready is not None else "never",
                "; ".join(u.problems) or "-",
                u.exit_code,
            ]
            for i, u in enumerate(ups)
        ],
    )
    slow = table(
        ["slowest scenarios (median us per diagnosis)", "us"],
        [[n, f"{v:.0f}"] for n, v in eng.slowest],
    )
    prof_tt = table(
        ["top 5 by own time (cProfile, 1 s)", "calls", "own %", "cum %"],
        [[f"`{n}`", c, f"{tt:.1f}", f"{ct:.1f}"] for n, c, tt, ct in eng.profile_tottime],
    )
    prof_ct = table(
        ["top 5 by cumulative time (below diagnose)", "calls", "own %", "cum %"],
        [[f"`{n}`", c, f"{tt:.1f}", f"{ct:.1f}"] for n, c, tt, ct in eng.profile_cumtime],
    )
    regex_table = table(
        ["rules with the costliest log regexes", "us per corpus pass"],
        [[f"`{n}`", f"{v:.0f}"] for n, v in regex_top],
    )
    regex_line = (
        f"Log regexes alone (every rule's `log:` patterns searched over the crash-looping "
        f"containers' previous logs, {eng.scenarios} scenarios) cost {regex_us:,.0f} us per "
        f"corpus pass, against {whole_us:,.0f} us for the whole engine pass "
        f"(~{100 * regex_us / whole_us:.0f}%; an upper bound, as a rule stops at its first "
        f"failing condition)."
    )
    print()
    print(regex_line)
    print()
    for t in (main_table, starts, slow, prof_tt, prof_ct, regex_table):
        print(t)
        print()
    not_ready = [u for u in ups if u.ready is None]
    items: list[str] = []
    watch: list[str] = []
    if eng.rate < 1.5 * TARGET_RATE:
        top = ", ".join(f"`{n}` {v:,.0f} us" for n, v in regex_top[:3])
        verdict = (
            f"**Engine throughput {eng.rate:,.0f}/s (median; best slice {eng.best_rate:,.0f}/s) "
            f"is under the {TARGET_RATE:,.0f}/s per core target**"
            if eng.rate <= TARGET_RATE
            else f"Watch: engine throughput {eng.rate:,.0f}/s meets the {TARGET_RATE:,.0f}/s "
            f"target with little margin (on this shared machine it moved between ~1,900 and "
            f"~3,700/s across runs on the same day)"
        )
        (items if eng.rate <= TARGET_RATE else watch).append(
            f"{verdict} with {eng.rules} rules. "
            f"Log regexes already run only when a literal every match needs is in the log "
            f"(bot/diagnosis/literals.py, which took the engine from ~400 to ~1,500/s with "
            f"57 rules), and a rule's cheap field tests run before its regexes; searching "
            f"every rule's `log:` patterns over the corpus still costs {regex_us:,.0f} us per "
            f"pass against {whole_us:,.0f} us for the whole engine, the costliest ({top} per "
            f"pass) where their literal is common in logs. The rest is the decisive-line "
            f"extraction (about a quarter of the engine's time in the profile above), done "
            f"once per container and needed by every output. A diagnosis costs well under "
            f"2 ms (p99 above) against 100 ms or more of API round trips, so the target was "
            f"left as it is rather than met by dropping rules. Next steps if it matters: "
            f"compute the decisive lines of containers other than the diagnosed one only for "
            f"the JSON output, and let `rules check` report a rule whose log patterns cost "
            f"more than a budget per 64 KiB of log."
        )
    if not_ready:
        u = not_ready[0]
        why = "; ".join(u.problems) or f"process exited {u.exit_code}: {u.stderr_tail}"
        items.append(f"`serve` never became ready within {STARTUP_TIMEOUT:.0f} s: {why}")
    for u in ups:
        if u.ready is None and u.stderr_tail:
            print(f"serve stderr (last lines):\n{u.stderr_tail}\n")
    items_md = "\n".join(f"- {i}" for i in [*items, *watch]) or "- none"
    skipped_md = ", ".join(skipped) or "none"
    if not args.no_doc:
        update_doc(
            "engine",
            f"""## Engine throughput and serve start-up (`bench/engine.py`)

Machine: {info}.

The engine loop runs `bot.diagnosis.engine.diagnose(facts, rules)` with the
{eng.rules} built-in rules over the `PodFacts` of {eng.scenarios} healthy scenarios
(read once with `SnapshotSource`; no redaction, no rendering) for {seconds:g} s in one
process ({eng.iterations:,} diagnoses), then times each call alone for the distribution,
then profiles one more second with cProfile. Start-up spawns the real
`crashloop-bot serve` ({startups} times) against FakeSlackAPI and FakeKubeAPI and polls
/healthz and /readyz every {POLL_INTERVAL * 1000:.0f} ms. No start-up target was set;
the figure is reported for tracking.

{main_table}

{starts}

{slow}

{prof_tt}

{prof_ct}

{regex_line}

{regex_table}

Scenarios left out (faults or an expected error): {skipped_md}.

### Open items (engine)

{items_md}
""",
        )
    return 0 if not items else 1


if __name__ == "__main__":
    raise SystemExit(main())
