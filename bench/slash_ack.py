"""Slash-command acknowledgement under load, and how long the threads take to follow.

    .venv/bin/python bench/slash_ack.py [--requests 200] [--channels 20] [--latency 500]
                                        [--what-if-concurrency 128]

The real `crashloop-bot serve` runs as its own process (HTTP mode) against FakeSlackAPI
and FakeKubeAPI (both in threads of this process, on 127.0.0.1). FakeKubeAPI holds 200
generated crash-looping pods (copies of the oom-cgroup scenario's pod, owned by its
ReplicaSet -> Deployment) and answers every request after `--latency` ms. 200 signed
`/crashloop ns/pod` requests, one pod each, spread over 20 channels, are sent at once.

Reported: p50/p99/max time to HTTP 200 (target p99 < 100 ms; Slack's limit is 3 s),
the time until every thread is complete (root + all replies in FakeSlackAPI), the posts
per channel per second, the pacing bound (posts per channel at the configured 1/s), and
what bounds the completion time (the Kubernetes side is measured from FakeKubeAPI's
request log). With `--what-if-concurrency N` (default 128; 0 to skip) the run is repeated
with `limits.concurrency: N` in a CRASHLOOP_CONFIG file, to show what the per-cluster
request semaphore costs.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
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

from bot.cluster.live import LiveSource
from bot.diagnoser import Diagnoser
from bot.diagnosis.rules import load_rules
from bot.redact import Redactor
from bot.render.blocks import thread_messages
from bot.target import Target
from tests.fakes.kubeapi import (
    FakeKubeAPI,
    load_snapshot,
    running_in_thread,
    write_kubeconfig,
)
from tests.fakes.slack_signing import (
    DEFAULT_SIGNING_SECRET,
    signed_headers,
    slash_command_body,
)
from tests.fakes.slackapi import DEFAULT_BOT_TOKEN, FakeSlackAPI

TARGET_P99_MS = 100.0
SLACK_LIMIT_MS = 3000.0
READY_TIMEOUT = 30.0
COMPLETION_TIMEOUT = 300.0  # seconds to wait for every thread
POLL = 0.1
PACING_PER_SECOND = 1.0  # LimitsConfig.posts_per_second_per_channel default


def scenario_target(name: str) -> Target:
    doc = yaml.safe_load((SCENARIOS / name / "scenario.yaml").read_text(encoding="utf-8"))
    ns, pod = str(doc["target"]).split("/", 1)
    return Target(ns, pod)


def populate(kube: FakeKubeAPI, count: int) -> list[Target]:
    """`count` crash-looping pods: the oom-cgroup pod under new names, with its log."""
    base = scenario_target("oom-cgroup")
    pod = kube.get("Pod", base.namespace, base.pod)
    assert pod is not None, "oom-cgroup scenario pod missing"
    _, logs = load_snapshot(SCENARIOS / "oom-cgroup")
    prefix = base.pod.rsplit("-", 1)[0]  # <replicaset>-
    targets = []
    for i in range(count):
        name = f"{prefix}-b{i:04d}"
        p = copy.deepcopy(pod)
        p["metadata"]["name"] = name
        for k in ("uid", "resourceVersion"):
            p["metadata"].pop(k, None)
        kube.put(p)
        for (ns, pname, container, previous), text in logs.items():
            if (ns, pname) == (base.namespace, base.pod):
                kube.set_log(ns, name, container, text, previous=previous)
        targets.append(Target(base.namespace, name))
    return targets


async def expected_messages(kubeconfig: Path, target: Target) -> int:
    """Root + replies the bot posts for one of these pods (rendered by the bot's code)."""
    source = await LiveSource.connect(kubeconfig=str(kubeconfig))

    async def source_for(_: str | None) -> LiveSource:
        return source

    try:
        d = await Diagnoser(load_rules(), source_for, Redactor()).run(target)
    finally:
        await source.close()
    return 1 + len(thread_messages(d))


def raw_request(port: int, body: str) -> bytes:
    """A signed slash-command POST as raw HTTP/1.1 bytes (built before the clock starts)."""
    headers = signed_headers(DEFAULT_SIGNING_SECRET, body)
    data = body.encode()
    lines = [
        "POST /slack/events HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        *(f"{k}: {v}" for k, v in headers.items()),
        f"Content-Length: {len(data)}",
        "Connection: keep-alive",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def read_response(reader: asyncio.StreamReader) -> tuple[int, str]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body.decode("utf-8", "replace")


async def burst(
    port: int, bodies: list[str], *, keep_alive: bool
) -> tuple[float, list[tuple[int, float, str]]]:
    """Send every body at once over raw sockets (a light client, so the figure is mostly
    the server's); returns (monotonic start, [(status, ms to the full answer, body)]).

    keep_alive=False: the clock includes the TCP connect (a fresh connection per request);
    keep_alive=True: the connections are opened first and the clock starts at the write.
    """
    requests = [raw_request(port, b) for b in bodies]
    conns: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    if keep_alive:
        conns = list(
            await asyncio.wait_for(
                asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for _ in requests)),
                30,
            )
        )
    start = asyncio.Event()

    async def send(i: int, req: bytes) -> tuple[int, float, str]:
        await start.wait()
        t = time.perf_counter()
        if keep_alive:
            reader, writer = conns[i]
        else:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(req)
            status, text = await read_response(reader)
            return status, (time.perf_counter() - t) * 1000, text
        finally:
            writer.close()

    tasks = [asyncio.create_task(send(i, r)) for i, r in enumerate(requests)]
    await asyncio.sleep(0.05)  # every task waits on the event
    t0 = time.monotonic()
    start.set()
    return t0, list(await asyncio.wait_for(asyncio.gather(*tasks), 60))


@dataclass
class Run:
    concurrency: int | None
    acks_ms: list[float] = field(default_factory=list)
    warm_acks_ms: list[float] = field(default_factory=list)
    auth_tests_cold: int = 0  # auth.test calls Slack got during the first burst
    auth_tests_warm: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    ack_bodies: list[str] = field(default_factory=list)
    complete_s: float | None = None
    first_thread_s: float | None = None
    median_thread_s: float | None = None
    threads_done: int = 0
    messages: int = 0
    per_channel_rate: float = 0.0
    max_in_1s: int = 0
    kube_requests: int = 0
    kube_peak: int = 0
    kube_busy_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    ready_s: float | None = None
    stderr_tail: str = ""


# What-if wrapper: the real CLI, with gc.freeze() once the HTTP site is listening, so the
# ~100k objects of start-up (rules, pydantic models, client libraries) leave the cyclic
# GC's generations and a full collection no longer walks them.
GC_FREEZE_WRAPPER = """
import gc, sys
from aiohttp import web
_start = web.TCPSite.start
async def start(self):
    await _start(self)
    gc.freeze()
web.TCPSite.start = start
from bot.cli import main
sys.argv = ["crashloop-bot", *sys.argv[1:]]
main()
"""


def start_bot(
    slack: FakeSlackAPI,
    kubeconfig: Path,
    tmp: Path,
    concurrency: int | None,
    gc_freeze: bool = False,
) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "CRASHLOOP_")) and k != "KUBECONFIG"
    }
    env.update(
        SLACK_BOT_TOKEN=DEFAULT_BOT_TOKEN,
        SLACK_SIGNING_SECRET=DEFAULT_SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
        KUBECONFIG=str(kubeconfig),
        CRASHLOOP_STATE=str(tmp / f"state-{port}.sqlite3"),
        HOME=str(tmp),
    )
    if concurrency is not None:
        cfg = tmp / f"config-{port}.yaml"
        cfg.write_text(yaml.safe_dump({"limits": {"concurrency": concurrency}}))
        env["CRASHLOOP_CONFIG"] = str(cfg)
    script = Path(sys.executable).parent / "crashloop-bot"
    cmd = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from bot.cli import main; main()"]
    )
    if gc_freeze:
        cmd = [sys.executable, "-c", GC_FREEZE_WRAPPER]
    err = tmp / f"serve-{port}.stderr"
    with err.open("wb") as f:
        proc = subprocess.Popen(
            [*cmd, "serve", "--port", str(port), "--host", "127.0.0.1"],
            cwd=ROOT,
            env=env,
            stdout=f,
            stderr=f,
        )
    return proc, port, err


async def wait_ready(
    http: aiohttp.ClientSession, port: int, proc: subprocess.Popen[bytes]
) -> float | None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < READY_TIMEOUT and proc.poll() is None:
        try:
            async with http.get(f"http://127.0.0.1:{port}/readyz") as r:
                if r.status == 200:
                    return time.perf_counter() - t0
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    return None


async def one_run(
    slack: FakeSlackAPI,
    kube: FakeKubeAPI,
    kubeconfig: Path,
    tmp: Path,
    targets: list[Target],
    channels: list[str],
    per_thread: int,
    latency: float,
    concurrency: int | None,
) -> Run:
    run = Run(concurrency)
    proc, port, err = start_bot(slack, kubeconfig, tmp, concurrency)
    connector = aiohttp.TCPConnector(limit=0)
    try:
        async with aiohttp.ClientSession(connector=connector) as http:
            run.ready_s = await wait_ready(http, port, proc)
            if run.ready_s is None:
                run.errors.append("bot never became ready")
                return run
            slack.reset()
            kube.latency = latency
            kube.reset_stats()
            assignments = [(t, channels[i % len(channels)]) for i, t in enumerate(targets)]
            bodies = [
                slash_command_body(str(t), channel_id=ch, response_url=slack.response_url(f"r{i}"))
                for i, (t, ch) in enumerate(assignments)
            ]
            t0, results = await burst(port, bodies, keep_alive=False)
            run.auth_tests_cold = len(slack.calls_to("auth.test"))
            for status, ms, text in results:
                run.acks_ms.append(ms)
                run.statuses[status] = run.statuses.get(status, 0) + 1
                if len(run.ack_bodies) < 1:
                    run.ack_bodies.append(text[:200])

            # wait for the threads: root + (per_thread - 1) replies, per pod
            want = {t.pod for t in targets}
            done_at: dict[str, float] = {}
            deadline = time.monotonic() + COMPLETION_TIMEOUT
            while time.monotonic() < deadline and len(done_at) < len(want):
                msgs = list(slack.messages())
                roots = {m.ts: m for m in msgs if m.thread_ts in (None, m.ts)}
                replies: dict[str, list[Any]] = {}
                for m in msgs:
                    if m.thread_ts and m.thread_ts != m.ts:
                        replies.setdefault(m.thread_ts, []).append(m)
                for ts, root in roots.items():
                    n = len(replies.get(ts, []))
                    if n + 1 >= per_thread:
                        pod = pod_of(root, want)
                        if pod and pod not in done_at:
                            done_at[pod] = (
                                max([root.time, *(r.time for r in replies.get(ts, []))]) - t0
                            )
                if len(done_at) < len(want):
                    await asyncio.sleep(POLL)
            run.threads_done = len(done_at)
            if done_at:
                run.complete_s = max(done_at.values()) if len(done_at) == len(want) else None
                run.first_thread_s = min(done_at.values())
                run.median_thread_s = median(list(done_at.values()))
            msgs = list(slack.messages())
            run.messages = len(msgs)
            rates, peaks = [], []
            for ch in channels:
                times = sorted(m.time for m in msgs if m.channel == ch)
                if len(times) > 1:
                    rates.append((len(times) - 1) / (times[-1] - times[0]))
                peaks.append(slack.max_posts_per_window(ch, 1.0))
            run.per_channel_rate = max(rates, default=0.0)
            run.max_in_1s = max(peaks, default=0)
            recs = list(kube.requests)
            run.kube_requests = len(recs)
            run.kube_peak = kube.peak_concurrency
            if recs:
                run.kube_busy_s = max(r.t_end for r in recs) - t0
            # ephemeral errors answered through response_url (anything but "diagnosing")
            for rid, bodies_ in slack.responses.items():
                for b in bodies_:
                    text = str(b.get("text") or "")
                    if text and "iagnos" not in text[:40]:
                        run.errors.append(f"{rid}: {text[:120]}")
            # ack-only: the same burst again on pre-opened keep-alive connections (the
            # diagnoses it starts are not waited for; the bot is stopped right after)
            warm_bodies = [
                slash_command_body(str(t), channel_id=ch, response_url=slack.response_url(f"w{i}"))
                for i, (t, ch) in enumerate(assignments)
            ]
            before = len(slack.calls_to("auth.test"))
            _, warm = await burst(port, warm_bodies, keep_alive=True)
            run.auth_tests_warm = len(slack.calls_to("auth.test")) - before
            run.warm_acks_ms = [ms for _, ms, _ in warm]
    finally:
        kube.latency = 0.0
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        run.stderr_tail = "\n".join(
            err.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        )
    return run


NULL_SERVER = """
import sys
from aiohttp import web
async def ok(request):
    await request.read()
    return web.Response(text="")
app = web.Application()
app.router.add_post("/slack/events", ok)
app.router.add_get("/readyz", lambda r: ok(r))
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


async def floor_burst(
    n: int, channels: list[str], targets: list[Target]
) -> tuple[list[float], list[float]]:
    """The same burst against an aiohttp server that answers 200 at once, in its own
    process: what this client, loopback and aiohttp cost without the bot. Returns the
    times on fresh connections and on pre-opened keep-alive connections."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", NULL_SERVER, str(port)])
    bodies = [
        slash_command_body(str(t), channel_id=channels[i % len(channels)])
        for i, t in enumerate(targets[:n])
    ]
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as probe:
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < READY_TIMEOUT:
                try:
                    async with probe.get(f"http://127.0.0.1:{port}/readyz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
        _, cold = await burst(port, bodies, keep_alive=False)
        _, warm = await burst(port, bodies, keep_alive=True)
    finally:
        proc.terminate()
        proc.wait(10)
    return [ms for _, ms, _ in cold], [ms for _, ms, _ in warm]


def pod_of(root: Any, pods: set[str]) -> str | None:
    blob = json.dumps(root.params, default=str)
    for p in pods:
        if p in blob:
            return p
    return None


async def main_async(
    args: argparse.Namespace,
) -> tuple[list[Run], int, list[str], tuple[list[float], list[float]]]:
    n = max(1, min(args.requests, 1000))
    channels = [f"CBENCH{i:03d}" for i in range(max(1, min(args.channels, n)))]
    slack = FakeSlackAPI()
    kube = FakeKubeAPI(SCENARIOS / "oom-cgroup")
    targets = populate(kube, n)
    runs: list[Run] = []
    with (
        tempfile.TemporaryDirectory() as d,
        slack.serve_in_thread() as api,
        running_in_thread(kube) as kube_url,
    ):
        tmp = Path(d)
        kubeconfig = write_kubeconfig(tmp / "kubeconfig", kube_url)
        per_thread = await expected_messages(kubeconfig, targets[0])
        print(f"each thread: 1 root + {per_thread - 1} replies", flush=True)
        for conc in [None, *([args.what_if_concurrency] if args.what_if_concurrency else [])]:
            label = "default" if conc is None else f"limits.concurrency={conc}"
            print(f"run ({label}): {n} requests over {len(channels)} channels ...", flush=True)
            r = await one_run(
                api, kube, kubeconfig, tmp, targets, channels, per_thread, args.latency / 1000, conc
            )
            print(
                f"  ack p50 {percentile(r.acks_ms, 50):.1f} ms"
                f" p99 {percentile(r.acks_ms, 99):.1f} ms;"
                f" threads {r.threads_done}/{n}; complete {r.complete_s}; kube peak {r.kube_peak}",
                flush=True,
            )
            runs.append(r)
        floor = await floor_burst(n, channels, targets)
        print(
            f"floor (null aiohttp server): fresh connections p50 {percentile(floor[0], 50):.1f}"
            f" p99 {percentile(floor[0], 99):.1f} ms; keep-alive p50 "
            f"{percentile(floor[1], 50):.1f} p99 {percentile(floor[1], 99):.1f} ms",
            flush=True,
        )
    return runs, per_thread, channels, floor


def fmt_s(v: float | None) -> str:
    return "never (timeout)" if v is None else f"{v:.1f} s"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--channels", type=int, default=20)
    p.add_argument("--latency", type=int, default=500, help="Kubernetes API latency, ms")
    p.add_argument("--what-if-concurrency", type=int, default=128, help="0: skip the what-if run")
    p.add_argument("--no-doc", action="store_true")
    args = p.parse_args()
    info = machine()
    print(f"machine: {info}")
    runs, per_thread, channels, floor = asyncio.run(main_async(args))
    n = max(1, min(args.requests, 1000))
    per_channel = -(-n // len(channels)) * per_thread
    pacing_bound = (per_channel - 1) / PACING_PER_SECOND
    base = runs[0]
    requests_per_diag = base.kube_requests / n if n else 0
    semaphore_bound = None
    if base.kube_requests:
        # requests over the peak observed in flight: what the request limit alone allows
        semaphore_bound = base.kube_requests * args.latency / 1000 / max(base.kube_peak, 1)

    def rows_for(r: Run) -> list[list[object]]:
        p50, p99 = percentile(r.acks_ms, 50), percentile(r.acks_ms, 99)
        w50, w99 = percentile(r.warm_acks_ms, 50), percentile(r.warm_acks_ms, 99)
        ok200 = r.statuses.get(200, 0)
        return [
            ["HTTP 200 acks", f"{ok200}/{n}", f"{n}/{n}", met(ok200 == n)],
            ["time to HTTP 200, fresh connections, p50", f"{p50:.1f} ms", "-", "n/a"],
            [
                "time to HTTP 200, fresh connections, p99",
                f"{p99:.1f} ms (max {max(r.acks_ms, default=float('nan')):.1f})",
                f"< {TARGET_P99_MS:.0f} ms (Slack: {SLACK_LIMIT_MS:.0f} ms)",
                met(p99 < TARGET_P99_MS),
            ],
            [
                "  floor: same burst to a null aiohttp server, fresh connections (p50 / p99)",
                f"{percentile(floor[0], 50):.1f} / {percentile(floor[0], 99):.1f} ms",
                "-",
                "n/a",
            ],
            [
                "time to HTTP 200, keep-alive connections (p50 / p99)",
                f"{w50:.1f} / {w99:.1f} ms",
                f"p99 < {TARGET_P99_MS:.0f} ms",
                met(w99 < TARGET_P99_MS) if r.warm_acks_ms else "n/a",
            ],
            [
                "Slack auth.test calls during the first burst / the second",
                f"{r.auth_tests_cold} / {r.auth_tests_warm}",
                "at most 1 (cached)",
                met(r.auth_tests_cold <= 1),
            ],
            [
                "  floor: null aiohttp server, keep-alive connections (p50 / p99)",
                f"{percentile(floor[1], 50):.1f} / {percentile(floor[1], 99):.1f} ms",
                "-",
                "n/a",
            ],
            [
                "every thread complete (root + replies)",
                fmt_s(r.complete_s) + f" ({r.threads_done}/{n} threads)",
                f"pacing bound {pacing_bound:.0f} s",
                met(r.complete_s is not None and r.complete_s <= pacing_bound * 1.1 + 2),
            ],
            [
                "first / median thread complete",
                f"{fmt_s(r.first_thread_s)} / {fmt_s(r.median_thread_s)}",
                "-",
                "n/a",
            ],
            [
                "posts per channel per second (max over channels; max in any 1 s window)",
                f"{r.per_channel_rate:.2f} /s; {r.max_in_1s} in 1 s",
                f"<= {PACING_PER_SECOND:g} /s",
                met(r.per_channel_rate <= PACING_PER_SECOND * 1.05),
            ],
            [
                "Kubernetes API: requests, peak concurrency, last answer",
                f"{r.kube_requests} ({r.kube_requests / n:.1f}/diagnosis), "
                f"peak {r.kube_peak}, at {r.kube_busy_s:.1f} s",
                "-",
                "n/a",
            ],
            ["errors answered to users", str(len(r.errors)), "0", met(not r.errors)],
        ]

    headers = ["figure", "measured", "target", "met?"]
    main_table = table(headers, rows_for(base))
    print()
    print(main_table)
    what_if_md = ""
    if len(runs) > 1:
        w = runs[1]
        wt = table(headers, rows_for(w))
        print(f"\nwhat-if: limits.concurrency={w.concurrency}\n{wt}")
        what_if_md = (
            f"What-if (not the shipped configuration): the same load with "
            f"`limits.concurrency: {w.concurrency}` in CRASHLOOP_CONFIG.\n\n{wt}\n"
        )
    for r in runs:
        for e in r.errors[:5]:
            print(f"error: {e}")
        if r.ready_s is None:
            print(f"serve stderr:\n{r.stderr_tail}")

    explain = (
        f"Each thread is 1 root + {per_thread - 1} replies = {per_thread} posts; "
        f"{n} requests over {len(channels)} channels make {per_channel} posts per channel, "
        f"which at the configured {PACING_PER_SECOND:g} post/s per channel cannot finish "
        f"sooner than {pacing_bound:.0f} s after the first post (the pacing bound). "
        f"The Kubernetes side: {n} diagnoses x {requests_per_diag:.1f} requests x "
        f"{args.latency} ms / {base.kube_peak} in flight = "
        f"{semaphore_bound or 0:.0f} s (the request bound)."
    )
    items: list[str] = []
    p99 = percentile(base.acks_ms, 99)
    if p99 >= TARGET_P99_MS:
        fp99 = percentile(floor[0], 99)
        w99 = percentile(base.warm_acks_ms, 99)
        items.append(
            f"**Ack p99 {p99:.0f} ms for the first burst after start-up misses the "
            f"{TARGET_P99_MS:.0f} ms target** (Slack's 3 s limit is met by a factor of "
            f"{3000 / max(p99, 1):.0f}). The harness floor (the same burst from the same "
            f"raw-socket client to an aiohttp server that only answers 200, on the same two "
            f"cores) is p99 {fp99:.0f} ms; the second burst, on a warm bot, gets p99 "
            f"{w99:.0f} ms. Slack got {base.auth_tests_cold} `auth.test` call(s) during the "
            f"first burst and {base.auth_tests_warm} during the second (the bot authorizes "
            f"once, under a lock: `cached_authorize` in bot/slack/app.py). What remains is CPU "
            f"on one event loop, ~{w99 / n:.2f} ms per ack: py-spy over warm bursts puts "
            f"Bolt's dispatch at ~41% (`build_async_required_kwargs` and listener matching "
            f"~34%), aiohttp's server at ~25% and the bot's own `Handlers.command` at ~8%. "
            f"The acks of a 200-request burst queue behind each other; with keep-alive "
            f"connections (how Slack's edge connects) the p99 is the keep-alive row above."
        )
    if base.complete_s is None or base.complete_s > pacing_bound * 1.1 + 2:
        wi = runs[1] if len(runs) > 1 else None
        what = (
            f" With `limits.concurrency: {wi.concurrency}` the same load completes in "
            f"{fmt_s(wi.complete_s)} (peak {wi.kube_peak} requests in flight, first thread "
            f"{fmt_s(wi.first_thread_s)})."
            if wi is not None
            else ""
        )
        items.append(
            f"**Every thread is complete after {fmt_s(base.complete_s)}, against a pacing "
            f"bound of {pacing_bound:.0f} s**; the first thread is complete after "
            f"{fmt_s(base.first_thread_s)}. FakeKubeAPI saw at most {base.kube_peak} requests "
            f"in flight ({base.kube_requests} requests, the last answered at "
            f"{base.kube_busy_s:.0f} s). The collector bounds, per cluster, the pods collected "
            f"at once (`limits.diagnoses`) and the requests in flight "
            f"(`limits.concurrency`): {n} diagnoses of two {args.latency} ms round trips, "
            f"16 at a time, take at least {n / 16 * 2 * args.latency / 1000:.1f} s on the "
            f"Kubernetes side.{what}"
        )
    if base.errors:
        items.append(f"{len(base.errors)} users got an error message, e.g. {base.errors[0]}")
    print("\n" + explain)
    for i in items:
        print(f"- {i}")
    if not args.no_doc:
        items_md = "\n".join(f"- {i}" for i in items) or "- none"
        update_doc(
            "slash_ack",
            f"""## Slash-command acknowledgement under load (`bench/slash_ack.py`)

Machine: {info}.

The real `crashloop-bot serve` (HTTP mode, default configuration, its own process) gets
{n} signed `/crashloop payments/<pod>` requests at once, one per generated crash-looping
pod (copies of the oom-cgroup pod, owned by its ReplicaSet -> Deployment), spread
round-robin over {len(channels)} channels, while FakeKubeAPI answers every request after
{args.latency} ms. Times to HTTP 200 are measured at the client; thread completion is
the time of a thread's last post in FakeSlackAPI after the burst was sent.

{main_table}

{explain}

{what_if_md}
### Open items (slash_ack)

{items_md}
""",
        )
    return 0 if not items else 1


if __name__ == "__main__":
    raise SystemExit(main())
