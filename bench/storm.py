"""Alert storm: 1,000 firing alerts for 50 workloads, delivered to the real `serve` process.

    .venv/bin/python bench/storm.py [--workloads 50] [--pods 20] [--channels 10]
                                    [--senders 8] [--kube-latency 0.02] [--no-doc]

FakeKubeAPI (tests/fakes/kubeapi.py) holds 50 Deployments (ReplicaSet -> Deployment) of
20 crash-looping pods each, with five distinct causes (OOMKilled, a Python traceback,
SIGSEGV, a refused dependency, a clean exit), each workload in its own namespace.
FakeSlackAPI (tests/fakes/slackapi.py) enforces one message per second per channel
(`channel_rate_limit = (1, 1.0)`) so that any pacing violation shows up as a 429. Both
run in threads of this process on 127.0.0.1. The bot is the real `crashloop-bot serve`
subprocess (tests/alerts/procs.BotProcess) with SLACK_API_URL, KUBECONFIG,
CRASHLOOP_STATE (a temporary directory), CRASHLOOP_WEBHOOK_TOKEN, CRASHLOOP_ALERT_CHANNEL
and a CRASHLOOP_CONFIG routing the 50 namespaces to 10 channels; everything else is the
shipped default (alert workers, posts per second per channel, Kubernetes requests in
flight: the script reads and reports the values the bot runs with).

The alerts arrive as Alertmanager sends them: notifications of 1 alert (group_by
namespace, pod), 5 and 20 alerts (group_by namespace) and 100 alerts (group_by alertname),
some of them delivered a second time, from `--senders` concurrent connections, in a
shuffled order (fixed seed). Measured: the webhook's answer time, the time until every
workload has its thread (root + diagnosis reply), posts per channel in any 1 s window, 429s,
peak concurrent Kubernetes requests, the bot's peak RSS (VmHWM), roots per workload and
the inbox's final states. The script also imports as a module: bench/drills.py reuses
its rig (fakes + bot process), payload plan and checks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine, met, percentile, table, update_doc

from bot.config import FileConfig
from tests.alerts.cluster import add_deployment
from tests.alerts.procs import (
    TOKEN,
    BotProcess,
    am_alert,
    http,
    inbox_states,
    notification,
    post_webhook,
)
from tests.fakes.kubeapi import FakeKubeAPI, running_in_thread, write_kubeconfig
from tests.fakes.slackapi import FakeSlackAPI, Message

START = datetime(2025, 11, 25, 10, 0, tzinfo=UTC)  # startsAt of every alert
FALLBACK_CHANNEL = "C0ONCALL"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

TARGET_ACK_MS = 200.0  # webhook answer
PACING = 1  # posts per channel in any 1 s window (limits.posts_per_second_per_channel)


def effective_config(channels: int, **extra: Any) -> FileConfig:
    """The configuration the bot will run with (defaults from this checkout's bot/config.py)."""
    return FileConfig.model_validate(bot_config(channels, **extra))


def code_version() -> str:
    """The commit measured, and whether the working tree differs from it under bot/."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "bot", "rules"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    if not head:
        return "unknown"
    return f"{head}" + (" + uncommitted changes under bot/ or rules/" if dirty else "")


# ------------------------------------------------------------------------------ cluster


@dataclass(frozen=True)
class Cause:
    label: str
    reason: str
    exit_code: int
    log: str
    rule: str  # the top finding expected


CAUSES = (
    Cause(
        "OOMKilled", "OOMKilled", 137, "starting ledger\nallocating 700Mi buffer\n", "oom-cgroup"
    ),
    Cause(
        "Python traceback",
        "Error",
        1,
        'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n'
        "    main()\nKeyError: 'DATABASE_URL'\n",
        "python-traceback",
    ),
    Cause("SIGSEGV", "Error", 139, "starting worker\n", "fatal-signal"),
    Cause(
        "dependency refused",
        "Error",
        1,
        "dial tcp 10.0.0.5:5432: connect: connection refused\n",
        "dependency-refused",
    ),
    Cause("clean exit", "Completed", 0, "done\n", "clean-exit"),
)
BASES = ("ledger-api", "checkout", "payments-worker", "search", "notifier")


@dataclass
class Workload:
    index: int
    name: str
    namespace: str
    channel: str
    cause: Cause
    pods: list[str] = field(default_factory=list)


def channel_of(i: int) -> str:
    return f"C0TEAM{i}"


def make_workloads(count: int, channels: int) -> list[Workload]:
    """One workload per namespace; namespace `team<c>-<k>` goes to channel C0TEAM<c>."""
    out = []
    for w in range(count):
        c = w % channels
        out.append(
            Workload(
                index=w,
                name=f"{BASES[w % len(BASES)]}-{w:02d}",
                namespace=f"team{c}-{w // channels:02d}",
                channel=channel_of(c),
                cause=CAUSES[w % len(CAUSES)],
            )
        )
    return out


def populate(api: FakeKubeAPI, workloads: Sequence[Workload], pods: int) -> None:
    for w in workloads:
        w.pods = add_deployment(
            api, w.namespace, w.name, pods=pods, reason=w.cause.reason, exit_code=w.cause.exit_code
        )
        for p in w.pods:
            api.set_log(w.namespace, p, "api", w.cause.log)


def bot_config(channels: int, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "routing": [
            {"channel": channel_of(c), "namespaces": [f"team{c}-*"]} for c in range(channels)
        ],
    }
    doc.update(extra)
    return doc


# ------------------------------------------------------------------------------ the rig


class Rig:
    """FakeSlackAPI + FakeKubeAPI in threads, and `crashloop-bot serve` as a subprocess."""

    def __init__(
        self,
        tmp: Path,
        workloads: list[Workload],
        *,
        pods: int,
        channels: int,
        kube_latency: float = 0.02,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.tmp = tmp
        self.workloads = workloads
        self.pods = pods
        self.channels = channels
        self.kube_latency = kube_latency
        self.config = config or {}
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Rig:
        try:
            self.slack: FakeSlackAPI = self._stack.enter_context(FakeSlackAPI().serve_in_thread())
            self.slack.channel_rate_limit = (PACING, 1.0)  # a pacing slip becomes a 429
            self.kube = FakeKubeAPI(latency=self.kube_latency)
            populate(self.kube, self.workloads, self.pods)
            url = self._stack.enter_context(running_in_thread(self.kube))
            kubeconfig = write_kubeconfig(self.tmp / "kubeconfig", url)
            cfg = self.tmp / "crashloop.yaml"
            cfg.write_text(yaml.safe_dump(bot_config(self.channels, **self.config)))
            self.state = self.tmp / "state" / "crashloop.sqlite3"
            env = {
                "SLACK_BOT_TOKEN": self.slack.token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": self.slack.api_url,
                "KUBECONFIG": str(kubeconfig),
                "CRASHLOOP_STATE": str(self.state),
                "CRASHLOOP_WEBHOOK_TOKEN": TOKEN,
                "CRASHLOOP_ALERT_CHANNEL": FALLBACK_CHANNEL,
                "CRASHLOOP_CONFIG": str(cfg),
            }
            self.bot = BotProcess(env, self.tmp / "bot.log")
            self._stack.callback(self.bot.stop)
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def pid(self) -> int | None:
        return self.bot.proc.pid if self.bot.proc is not None else None

    def vm_hwm_mib(self) -> float | None:
        """Peak resident set size of the bot process so far (VmHWM), MiB."""
        if self.pid is None:
            return None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return None

    def states(self) -> dict[str, int]:
        if not self.state.exists():
            return {}
        return inbox_states(self.state)

    def threads_unsettled(self) -> int:
        """Threads whose root is not posted yet or with a refresh still due."""
        if not self.state.exists():
            return 0
        conn = sqlite3.connect(self.state, timeout=10)
        try:
            row = conn.execute(
                "SELECT COUNT(*) FROM threads WHERE state != 'failed' AND (dirty = 1"
                " OR state != 'posted' OR replies_posted < json_array_length(replies))"
            ).fetchone()
            return int(row[0])
        finally:
            conn.close()

    def metrics(self) -> dict[str, float]:
        """crashloop_* samples from /metrics (label sets folded into the name)."""
        try:
            status, raw = http(f"{self.bot.url}/metrics", timeout=5)
        except OSError:
            return {}
        out: dict[str, float] = {}
        if status != 200:
            return out
        for line in raw.decode().splitlines():
            if line.startswith("crashloop_") and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                with contextlib.suppress(ValueError):
                    out[name] = float(value)
        return out


# ------------------------------------------------------------------------------ payloads


@dataclass
class Delivery:
    payload: dict[str, Any]
    size: int
    grouping: str
    redelivery: bool = False
    body: bytes = b""

    def __post_init__(self) -> None:
        self.body = json.dumps(self.payload).encode()


def group_payload(workloads_pods: list[tuple[Workload, str]], group_labels: dict[str, str]) -> Any:
    alerts = [am_alert(w.namespace, p, starts=START) for w, p in workloads_pods]
    key = "{}:{" + ",".join(f'{k}="{v}"' for k, v in sorted(group_labels.items())) + "}"
    return notification(alerts, groupLabels=group_labels, groupKey=key)


def storm_plan(workloads: list[Workload], rng: random.Random) -> list[Delivery]:
    """Notifications of 1, 5, 20 and 100 alerts covering every pod once, then redeliveries.

    The workloads are split in four bands: one alert per notification (group_by
    namespace, pod), five per notification and a whole workload per notification
    (group_by namespace), and five workloads per notification (group_by alertname).
    About one notification in ten is delivered again later, as Alertmanager does when it
    did not see an answer in time.
    """
    n = len(workloads)
    bands = [round(n * f) for f in (0.2, 0.4, 0.7)]
    firsts: list[Delivery] = []
    for w in workloads[: bands[0]]:
        for p in w.pods:
            labels = {"namespace": w.namespace, "pod": p}
            firsts.append(Delivery(group_payload([(w, p)], labels), 1, "namespace,pod"))
    for w in workloads[bands[0] : bands[1]]:
        for i in range(0, len(w.pods), 5):
            chunk = [(w, p) for p in w.pods[i : i + 5]]
            labels = {"namespace": w.namespace}
            firsts.append(Delivery(group_payload(chunk, labels), len(chunk), "namespace"))
    for w in workloads[bands[1] : bands[2]]:
        labels = {"namespace": w.namespace}
        chunk = [(w, p) for p in w.pods]
        firsts.append(Delivery(group_payload(chunk, labels), len(chunk), "namespace"))
    rest = workloads[bands[2] :]
    for i in range(0, len(rest), 5):
        chunk = [(w, p) for w in rest[i : i + 5] for p in w.pods]
        labels = {"alertname": "KubePodCrashLooping", "band": str(i)}
        firsts.append(Delivery(group_payload(chunk, labels), len(chunk), "alertname"))
    rng.shuffle(firsts)
    plan = list(firsts)
    for d in rng.sample(firsts, max(1, len(firsts) // 10)):
        again = Delivery(d.payload, d.size, d.grouping, redelivery=True)
        at = plan.index(d)
        plan.insert(rng.randint(at + 1, len(plan)), again)
    return plan


@dataclass
class Sent:
    delivery: Delivery
    status: int  # the last attempt's status (0: no answer)
    first_ms: float  # answer time of the first attempt
    attempts: int
    at: float  # monotonic time of the first attempt
    body: dict[str, Any]


def deliver(url: str, d: Delivery, *, retries: int = 0, timeout: float = 10.0) -> Sent:
    """POST one notification; like Alertmanager, retry when it was not acknowledged."""
    at = time.monotonic()
    first = -1.0
    status, body = 0, {}
    for attempt in range(retries + 1):
        t = time.perf_counter()
        try:
            status, body = post_webhook(url, d.body, timeout=timeout)
        except OSError as e:
            status, body = 0, {"error": repr(e)}
        if first < 0:
            first = (time.perf_counter() - t) * 1000
        if status == 200:
            return Sent(d, status, first, attempt + 1, at, body)
        time.sleep(min(2.0, 0.25 * 2**attempt))
    return Sent(d, status, first, retries + 1, at, body)


def send_all(url: str, plan: Sequence[Delivery], *, senders: int, retries: int = 0) -> list[Sent]:
    with ThreadPoolExecutor(senders, thread_name_prefix="alertmanager") as ex:
        return list(ex.map(lambda d: deliver(url, d, retries=retries), plan))


# ------------------------------------------------------------------------------ what Slack shows

ROOT_RX = re.compile(r"([a-z0-9][a-z0-9-]*)/([a-z0-9][a-z0-9.-]*) \((?:init )?container ")
# The root's status line: "Deployment `ledger-api-00`: 20 pods crash-looping · ...".
COUNT_RX = re.compile(r"(?P<kind>\w+) `(?P<name>[a-z0-9.-]+)`: (?P<count>\d+) pods? crash-looping")


@dataclass
class WorkloadView:
    roots: list[Message] = field(default_factory=list)
    diagnosis_at: float | None = None  # arrival of its first diagnosis reply (monotonic)
    rule_ok: bool = False  # a root names the expected top finding
    owner_ok: bool = False  # a root names Deployment/<name>
    counted: int = 0  # pods counted in the root's status line (1 without a status)
    partial: bool = False  # its diagnosis says "Partial information"
    duplicate_replies: int = 0  # identical messages in its thread(s), beyond the first


@dataclass
class SlackView:
    workloads: dict[str, WorkloadView]
    stray_roots: int  # top-level messages that belong to no workload
    messages: int
    replies: int

    def roots(self) -> int:
        return sum(len(v.roots) for v in self.workloads.values())

    def duplicate_roots(self) -> int:
        return sum(max(0, len(v.roots) - 1) for v in self.workloads.values())

    def duplicate_replies(self) -> int:
        return sum(v.duplicate_replies for v in self.workloads.values())

    def missing(self) -> list[str]:
        """Workloads without a root and a diagnosis reply."""
        return [n for n, v in self.workloads.items() if not v.roots or v.diagnosis_at is None]

    def undercounted(self, expected: dict[str, int]) -> dict[str, int]:
        """Workloads whose root counts fewer pods than were sent."""
        return {n: v.counted for n, v in self.workloads.items() if v.counted < expected[n]}


def _blob(m: Message) -> str:
    return (m.text or "") + json.dumps(m.blocks or [])


def slack_view(slack: FakeSlackAPI, workloads: Sequence[Workload]) -> SlackView:
    by_ns = {w.namespace: w for w in workloads}
    views = {w.name: WorkloadView() for w in workloads}
    msgs = slack.messages()
    threads: dict[tuple[str, str], list[Message]] = defaultdict(list)
    for m in msgs:
        if m.is_reply and m.thread_ts is not None:
            threads[(m.channel, m.thread_ts)].append(m)
    stray = 0
    for m in msgs:
        if m.is_reply:
            continue
        found = ROOT_RX.search(m.text or "")
        w = by_ns.get(found.group(1)) if found else None
        if w is None:
            stray += 1
            continue
        v = views[w.name]
        v.roots.append(m)
        text = _blob(m)
        v.rule_ok |= f"`{w.cause.rule}`" in text or f"[{w.cause.rule}]" in text
        v.owner_ok |= f"Deployment/{w.name}" in text
        counted = COUNT_RX.search(m.text or "")
        v.counted = max(v.counted, int(counted.group("count")) if counted else 1)
        replies = threads.get((m.channel, m.ts), [])
        for r in replies:
            if "Look further" in _blob(r):
                if v.diagnosis_at is None or r.time < v.diagnosis_at:
                    v.diagnosis_at = r.time
                v.partial |= "Partial information" in _blob(r)
        seen = Counter(_blob(r) for r in replies)
        v.duplicate_replies += sum(c - 1 for c in seen.values())
    replies = sum(1 for m in msgs if m.is_reply)
    return SlackView(views, stray, len(msgs), replies)


@dataclass
class Pacing:
    max_per_window: dict[str, int]  # channel -> most chat.postMessage attempts in any 1 s
    too_many: int  # 429 answers to chat.postMessage
    all_429: int  # 429 answers to any method
    updates: int
    posts: int


def pacing(slack: FakeSlackAPI, channels: Sequence[str]) -> Pacing:
    calls = list(slack.calls)
    return Pacing(
        {c: slack.max_posts_per_window(c, 1.0) for c in channels},
        sum(1 for c in calls if c.method == "chat.postMessage" and c.status == 429),
        sum(1 for c in calls if c.status == 429),
        sum(1 for c in calls if c.method == "chat.update" and c.status == 200),
        sum(1 for c in calls if c.method == "chat.postMessage"),
    )


def settle(
    rig: Rig,
    expected_items: int,
    expected_pods: dict[str, int],
    *,
    timeout: float,
    strict: bool = True,
) -> float | None:
    """Wait until every item is final and every thread is up to date (and, when strict,
    every workload has a root with its diagnosis that counts all its pods); returns the
    monotonic time when that was seen (None: timed out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = rig.states()
        final = sum(s.get(k, 0) for k in ("done", "ignored", "failed"))
        if (
            final >= expected_items
            and not s.get("pending")
            and not s.get("claimed")
            and rig.threads_unsettled() == 0
        ):
            if not strict:
                return time.monotonic()
            view = slack_view(rig.slack, rig.workloads)
            if not view.missing() and not view.undercounted(expected_pods):
                return time.monotonic()
        time.sleep(0.25)
    return None


def quiet_after(rig: Rig, seconds: float = 3.0) -> int:
    """Slack calls made in the `seconds` after settling (something left over, or a loop)."""
    before = len(rig.slack.calls)
    time.sleep(seconds)
    return len(rig.slack.calls) - before


class RssSampler:
    """Samples the bot's VmHWM in the background (it survives until the process ends)."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss")

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def sample(self) -> None:
        hwm = self.rig.vm_hwm_mib()
        if hwm is not None:
            self.peak = max(self.peak, hwm)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sample()


def items_finished(state: Path) -> list[float]:
    """Wall-clock times at which inbox items reached their final state."""
    conn = sqlite3.connect(state, timeout=10)
    try:
        rows = conn.execute(
            "SELECT updated_at FROM items WHERE state IN ('done', 'ignored', 'failed')"
        ).fetchall()
        return sorted(float(r[0]) for r in rows)
    finally:
        conn.close()


def timeline(slack: FakeSlackAPI, t0: float, finished: Sequence[float], step: float = 5.0) -> str:
    """Items finished and Slack calls per `step` seconds (finished: seconds from t0)."""
    buckets: dict[int, Counter[str]] = defaultdict(Counter)
    for f in finished:
        buckets[int(f // step)]["items"] += 1
    for c in list(slack.calls):
        if c.method in ("chat.postMessage", "chat.update") and c.status == 200:
            buckets[int((c.time - t0) // step)][c.method] += 1
    rows = [
        [
            f"{b * step:.0f}-{(b + 1) * step:.0f}",
            n["items"],
            n["chat.postMessage"],
            n["chat.update"],
            f"{(n['chat.postMessage'] + n['chat.update']) / step:.1f}",
        ]
        for b, n in sorted(buckets.items())
    ]
    return table(
        ["seconds", "items finished", "chat.postMessage", "chat.update", "Slack calls/s"], rows
    )


# ------------------------------------------------------------------------------ the doc


def write_section(name: str, body: str) -> None:
    """The section `name` of docs/benchmarks.md (shared with the other benchmarks)."""
    update_doc(name, body)


def ms(x: float) -> str:
    return f"{x:.1f}"


# ------------------------------------------------------------------------------ the storm


def run(args: argparse.Namespace) -> int:
    t_script = time.monotonic()
    workloads = make_workloads(args.workloads, args.channels)
    extra = {"alerts": {"workers": args.workers}} if args.workers else {}
    cfg = effective_config(args.channels, **extra)
    with (
        tempfile.TemporaryDirectory(prefix="crashloop-storm-") as tmpdir,
        Rig(
            Path(tmpdir),
            workloads,
            pods=args.pods,
            channels=args.channels,
            kube_latency=args.kube_latency,
            config=extra,
        ) as rig,
    ):
        plan = storm_plan(workloads, random.Random(args.seed))
        alerts = sum(len(w.pods) for w in workloads)
        rig.bot.start()
        rig.kube.reset_stats()
        print(
            f"bot pid {rig.pid}; {alerts} alerts, {len(workloads)} workloads, "
            f"{len(plan)} notifications ({sum(d.redelivery for d in plan)} redelivered), "
            f"{args.senders} senders"
        )
        with RssSampler(rig) as rss:
            t0, wall0 = time.monotonic(), time.time()
            sent = send_all(rig.bot.url, plan, senders=args.senders)
            t_sent = time.monotonic()
            expected = {w.name: len(w.pods) for w in workloads}
            done_at = settle(rig, alerts, expected, timeout=args.timeout)
            late_calls = quiet_after(rig) if done_at is not None else -1
            metrics = rig.metrics()
        view = slack_view(rig.slack, workloads)
        pace = pacing(rig.slack, [channel_of(c) for c in range(args.channels)])
        states = rig.states()
        finished = items_finished(rig.state)
        peak_kube = rig.kube.peak_concurrency
        kube_requests = len(rig.kube.requests)
        if done_at is None:
            print(f"did not settle within {args.timeout:.0f}s; bot log tail:\n{rig.bot.output()}")

    # ---- figures
    lat = [s.first_ms for s in sent]
    non200 = [s for s in sent if s.status != 200]
    thread_times = [v.diagnosis_at - t0 for v in view.workloads.values() if v.diagnosis_at]
    all_threads = max(thread_times) if len(thread_times) == len(workloads) else None
    dup_acks = sum(int(s.body.get("duplicates", 0)) for s in sent)
    redelivered_alerts = sum(s.delivery.size for s in sent if s.delivery.redelivery)
    per_root = Counter(len(v.roots) for v in view.workloads.values())
    worst_channel = max(pace.max_per_window.values()) if pace.max_per_window else 0
    done = states.get("done", 0)

    rows: list[list[object]] = []

    def row(what: str, value: str, target: str, ok: bool | None) -> None:
        rows.append([what, value, target, met(ok)])

    row("webhook answer p50 (ms)", ms(percentile(lat, 50)), "< 200", percentile(lat, 50) < 200)
    row("webhook answer p99 (ms)", ms(percentile(lat, 99)), "< 200", percentile(lat, 99) < 200)
    row("webhook answer max (ms)", ms(max(lat)), "< 200", max(lat) < 200)
    row("webhooks not answered 200", str(len(non200)), "0", not non200)
    row(
        "time to deliver the storm (s)",
        f"{t_sent - t0:.1f}",
        "-",
        None,
    )
    row(
        "time until every workload has root + diagnosis (s)",
        f"{all_threads:.1f}" if all_threads is not None else "never",
        "-",
        None if all_threads is not None else False,
    )
    row(
        "time until settled: items done, roots count all pods (s)",
        f"{done_at - t0:.1f}" if done_at else f"> {args.timeout:.0f}",
        "-",
        None if done_at else False,
    )
    row(
        "posts per channel, max in any 1 s window",
        str(worst_channel),
        f"<= {cfg.limits.posts_per_second_per_channel:g}",
        worst_channel <= cfg.limits.posts_per_second_per_channel,
    )
    row(
        "429 answers (chat.postMessage / any)",
        f"{pace.too_many} / {pace.all_429}",
        "0",
        pace.all_429 == 0,
    )
    row(
        "peak concurrent Kubernetes requests",
        str(peak_kube),
        f"<= {cfg.limits.concurrency} (limits.concurrency)",
        peak_kube <= cfg.limits.concurrency,
    )
    row("bot peak RSS, VmHWM (MiB)", f"{rss.peak:.0f}", "-", None)
    row(
        "roots per workload",
        ", ".join(f"{k} root(s): {n} workloads" for k, n in sorted(per_root.items())),
        "1 each",
        set(per_root) == {1},
    )
    row(
        "duplicate thread replies",
        str(view.duplicate_replies()),
        "0",
        view.duplicate_replies() == 0,
    )
    row(
        "roots naming the expected cause",
        f"{sum(v.rule_ok for v in view.workloads.values())} / {len(workloads)}",
        "all",
        all(v.rule_ok for v in view.workloads.values()),
    )
    row(
        "roots counting all their pods",
        f"{len(workloads) - len(view.undercounted(expected))} / {len(workloads)}",
        "all",
        not view.undercounted(expected),
    )
    row(
        "inbox items",
        ", ".join(f"{k} {n}" for k, n in sorted(states.items())),
        f"done {alerts}",
        done == alerts and sum(states.values()) == alerts,
    )
    row("Slack calls after settling (3 s)", str(late_calls), "0", late_calls == 0)

    by_size: dict[int, list[float]] = defaultdict(list)
    for s in sent:
        by_size[s.delivery.size].append(s.first_ms)
    size_rows = [
        [
            size,
            next(d.grouping for d in plan if d.size == size),
            len(v),
            ms(percentile(v, 50)),
            ms(percentile(v, 99)),
            ms(max(v)),
        ]
        for size, v in sorted(by_size.items())
    ]
    alert_metrics = {
        k.split('action="')[1].rstrip('"}'): int(v)
        for k, v in metrics.items()
        if k.startswith("crashloop_alerts_total{")
    }
    kube_metrics = Counter[str]()
    for k, v in metrics.items():
        if k.startswith("crashloop_kube_requests_total{"):
            outcome = re.search(r'outcome="([^"]*)"', k)
            kube_metrics[outcome.group(1) if outcome else "?"] += int(v)

    counts = (
        f"Alerts: {alerts} firing ({len(workloads)} workloads x {args.pods} pods, "
        f"{len(CAUSES)} causes), {len(plan)} notifications "
        f"({sum(not d.redelivery for d in plan)} first deliveries + "
        f"{sum(d.redelivery for d in plan)} redeliveries carrying {redelivered_alerts} alerts; "
        f"the bot answered {dup_acks} of them as duplicates), {args.senders} concurrent senders, "
        f"Kubernetes latency {args.kube_latency * 1000:.0f} ms per request, "
        f"{args.channels} channels. Bot settings: alerts.workers {cfg.alerts.workers}, "
        f"limits.posts_per_second_per_channel {cfg.limits.posts_per_second_per_channel:g}, "
        f"limits.concurrency {cfg.limits.concurrency}, alerts.sample_per_workload "
        f"{cfg.alerts.sample_per_workload}. Code: {code_version()}."
    )
    activity = (
        f"Bot activity: alerts_total {dict(sorted(alert_metrics.items()))}; "
        f"{kube_requests} Kubernetes requests ({dict(kube_metrics)}); "
        f"{pace.posts} chat.postMessage ({view.roots()} roots, {view.replies} replies), "
        f"{pace.updates} chat.update."
    )
    timeline_table = timeline(rig.slack, t0, [f - wall0 for f in finished])
    main_table = table(["figure", "measured", "target", "met?"], rows)
    size_table = table(
        [
            "alerts per notification",
            "group_by",
            "notifications",
            "p50 (ms)",
            "p99 (ms)",
            "max (ms)",
        ],
        size_rows,
    )
    print()
    print(counts)
    print(activity)
    print()
    print(main_table)
    print()
    print(size_table)
    print()
    print(timeline_table)
    misses = [r for r in rows if r[3] == "**NO**"]
    print(
        f"\n{len(misses)} figure(s) miss their target; total run {time.monotonic() - t_script:.0f}s"
    )

    if not args.no_doc:
        body = "\n\n".join(
            [
                "## Alert storm (`bench/storm.py`)",
                f"Machine: {machine()}.",
                STORM_METHOD,
                counts,
                main_table,
                "Webhook answer time by notification size:",
                size_table,
                activity,
                "Activity over time (seconds from the first webhook; Slack calls are"
                " answered ones, all channels together):",
                timeline_table,
                f"{len(misses)} figure(s) miss their target.",
                STORM_NOTES,
            ]
        )
        write_section("storm", body)
    return 1 if misses else 0


STORM_METHOD = """\
The real `crashloop-bot serve` process (shipped defaults, listed below; SQLite state
with `synchronous=FULL` on the local disk) against FakeKubeAPI and FakeSlackAPI in the
benchmark process. FakeSlackAPI answers 429 to a second message in a channel within 1 s
(`channel_rate_limit = (1, 1.0)`), so any pacing slip is counted. Notifications of 1
(group_by namespace, pod), 5 and 20 (group_by namespace) and 100 alerts (group_by
alertname) arrive shuffled, one in ten delivered twice. *Webhook answer* is measured by
the sender (Python urllib, fresh connection per notification, as Alertmanager's client may
do), from request to response. *Root + diagnosis* is when FakeSlackAPI stored the last
workload's diagnosis reply; *settled* adds the refresher's last root update (every root
counting its 20 pods) and every inbox item being final."""

STORM_NOTES = """\
What the figures mean for operators: the storm is folded into one thread per workload;
posting is limited by Slack's one message per second per channel, not by the bot (each
channel holds 5 workloads: 5 roots + 5 diagnosis replies + notes + root edits)."""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--workloads", type=int, default=50)
    ap.add_argument("--pods", type=int, default=20, help="pods (alerts) per workload")
    ap.add_argument("--channels", type=int, default=10)
    ap.add_argument("--senders", type=int, default=8, help="concurrent webhook deliveries")
    ap.add_argument("--kube-latency", type=float, default=0.02, help="seconds per API request")
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for settling")
    ap.add_argument("--workers", type=int, default=0, help="alerts.workers (0: default)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-doc", action="store_true", help="do not write docs/benchmarks.md")
    return run(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
