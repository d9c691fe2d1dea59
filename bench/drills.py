"""Fault drills: what is lost or duplicated when Kubernetes, Slack or the bot itself fail.

    .venv/bin/python bench/drills.py [--quick] [--only a,b,c,d] [--kube-fault 30]
                                     [--slack-fault 20] [--kills 3] [--no-doc]

Each drill starts fresh fakes and a fresh `crashloop-bot serve` (bench/storm.py's rig:
FakeKubeAPI and FakeSlackAPI in this process on 127.0.0.1, shipped defaults, 1 post/s per
channel enforced by the fake), sends a storm as Alertmanager would, and then checks what
Slack shows against what was sent:

(a) kube: the Kubernetes API answers 500 to half of the pod reads and hangs (8 s, past the
    bot's 5 s timeout) on the other half and on previous logs, and 500 to every other read,
    for 30 s (`--kube-fault`; `--quick` makes it 10 s) from the first webhook of a 200-alert
    / 20-workload storm, then recovers.
(b) slack: for 20 s Slack answers 429 (Retry-After: 1) and 503 to about two calls in
    three (faults armed every 0.3 s, alternating), during a 200-alert storm.
(c) kill: a 400-alert / 20-workload storm is sent paced over ~10 s by four senders that
    retry until acknowledged (as Alertmanager does); the bot is SIGKILLed `--kills` times
    (first once roots appear, then every ~4 s) and restarted on the same state file;
    afterwards every notification is delivered once more.
(d) redelivery: a 200-alert storm where every notification is delivered two or three
    times, half of the copies at the same moment (an HA pair of Alertmanagers), half later.

*Lost* counts pods that no root message counts (a workload without a root counts all its
pods) plus workloads without a diagnosis reply; *duplicates* counts extra roots of a
workload plus identical messages repeated in a thread.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, met, table
from storm import (
    Delivery,
    Rig,
    Sent,
    Workload,
    code_version,
    deliver,
    group_payload,
    make_workloads,
    settle,
    slack_view,
    write_section,
)

from tests.fakes.kubeapi import FailRule
from tests.fakes.slackapi import FakeSlackAPI

CHANNELS = 10


@dataclass
class Result:
    drill: str
    alerts_sent: int  # alerts in every delivered payload, redeliveries included
    unique_alerts: int
    workloads: int
    roots: int
    duplicates: int
    lost: int
    seconds: float | None  # first webhook -> settled
    notes: list[str] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.duplicates == 0 and self.lost == 0 and self.seconds is not None


def chunks_plan(workloads: list[Workload], size: int) -> list[Delivery]:
    """group_by namespace, `size` alerts per notification, workloads interleaved."""
    per_workload = [
        [
            Delivery(
                group_payload([(w, p) for p in w.pods[i : i + size]], {"namespace": w.namespace}),
                len(w.pods[i : i + size]),
                "namespace",
            )
            for i in range(0, len(w.pods), size)
        ]
        for w in workloads
    ]
    plan: list[Delivery] = []
    for i in range(max(len(x) for x in per_workload)):
        plan.extend(x[i] for x in per_workload if i < len(x))
    return plan


def send_paced(
    url: str, plan: list[Delivery], *, senders: int, per_second: float, retries: int
) -> list[Sent]:
    """Deliver `plan` at most `per_second` notifications a second, retrying each."""
    with ThreadPoolExecutor(senders, thread_name_prefix="alertmanager") as ex:
        futures = []
        for d in plan:
            futures.append(ex.submit(deliver, url, d, retries=retries, timeout=5.0))
            time.sleep(1 / per_second)
        return [f.result() for f in futures]


def evaluate(
    name: str,
    rig: Rig,
    sent: list[Sent],
    t0: float,
    settled: float | None,
    notes: list[str],
) -> Result:
    workloads = rig.workloads
    view = slack_view(rig.slack, workloads)
    expected = {w.name: len(w.pods) for w in workloads}
    missing_pods = sum(
        expected[n] - (v.counted if v.roots else 0) for n, v in view.workloads.items()
    )
    no_diagnosis = sum(1 for v in view.workloads.values() if v.roots and v.diagnosis_at is None)
    states = rig.states()
    unique = sum(expected.values())
    not_done = unique - states.get("done", 0)
    if not_done:
        notes.append(f"inbox: {dict(sorted(states.items()))}")
    partial = sum(1 for v in view.workloads.values() if v.partial)
    if partial:
        notes.append(f"{partial} diagnosis(es) with 'Partial information'")
    wrong_owner = sum(1 for v in view.workloads.values() if v.roots and not v.owner_ok)
    if wrong_owner:
        notes.append(f"{wrong_owner} root(s) not naming the Deployment")
    wrong_cause = sum(1 for v in view.workloads.values() if v.roots and not v.rule_ok)
    if wrong_cause:
        notes.append(f"{wrong_cause} root(s) without the expected cause")
    if view.stray_roots:
        notes.append(f"{view.stray_roots} root(s) of no workload")
    dup_roots = {n: len(v.roots) for n, v in view.workloads.items() if len(v.roots) > 1}
    if dup_roots:
        notes.append(f"duplicate roots: {dup_roots}")
    if view.duplicate_replies():
        notes.append(f"{view.duplicate_replies()} repeated thread message(s)")
    if missing_pods:
        short = {n: v.counted for n, v in view.workloads.items() if v.counted < expected[n]}
        notes.append(f"pods not counted (workload: counted): {short}")
    statuses = Counter(c.status for c in rig.slack.calls)
    return Result(
        drill=name,
        alerts_sent=sum(s.delivery.size for s in sent),
        unique_alerts=unique,
        workloads=len(workloads),
        roots=view.roots(),
        duplicates=view.duplicate_roots() + view.duplicate_replies(),
        lost=missing_pods + no_diagnosis,
        seconds=(settled - t0) if settled is not None else None,
        notes=notes,
        details={
            "inbox": dict(sorted(states.items())),
            "slack statuses": dict(sorted(statuses.items())),
            "webhooks not acked": sum(1 for s in sent if s.status != 200),
            "webhook attempts": sum(s.attempts for s in sent),
        },
    )


@contextlib.contextmanager
def fresh(workloads: int, pods: int) -> Rig:  # type: ignore[misc]
    wl = make_workloads(workloads, CHANNELS)
    with (
        tempfile.TemporaryDirectory(prefix="crashloop-drill-") as tmp,
        Rig(Path(tmp), wl, pods=pods, channels=CHANNELS) as rig,
    ):
        rig.bot.start()
        yield rig


# ------------------------------------------------------------------------------ (a)


def drill_kube(args: argparse.Namespace) -> Result:
    fault = args.kube_fault
    with fresh(20, 10) as rig:
        plan = chunks_plan(rig.workloads, 5)
        rules = [
            FailRule(path=r"/pods/[^/]*[b-l]$", status=500, for_seconds=fault),
            FailRule(path=r"/pods/[^/]*$", status=504, hang=8, for_seconds=fault),
            FailRule(path=r"/log$", status=504, hang=8, for_seconds=fault),
            FailRule(path=r".*", status=500, for_seconds=fault),
        ]
        rig.kube.fail = rules
        t0 = time.monotonic()
        sent = send_paced(rig.bot.url, plan, senders=4, per_second=40, retries=5)
        settled = settle(rig, 200, _expected(rig), timeout=fault + args.settle, strict=False)
        outcomes = Counter(r.status for r in rig.kube.requests)
        failed = [(k, o) for k, s, o in _items(rig) if s == "failed"]
        notes = [
            f"API answered during the drill: {dict(sorted(outcomes.items()))} (499 = client "
            f"timed out on a hang); fault rule hits: {[r.hits for r in rules]}"
        ]
        if failed:
            reasons = Counter(re.sub(r" in team[0-9]+-[0-9]+", " in <ns>", o) for _, o in failed)
            notes.append(f"failed items: {dict(reasons)}")
        name = f"(a) Kubernetes 500s + hangs for {fault:g} s"
        res = evaluate(name, rig, sent, t0, settled, notes)
        res.details["failed items"] = len(failed)
        return res


def _expected(rig: Rig) -> dict[str, int]:
    return {w.name: len(w.pods) for w in rig.workloads}


def _items(rig: Rig) -> list[tuple[str, str, str]]:
    from tests.alerts.procs import inbox_keys

    return inbox_keys(rig.state)


# ------------------------------------------------------------------------------ (b)


def drill_slack(args: argparse.Namespace) -> Result:
    window = args.slack_fault
    with fresh(20, 10) as rig:
        plan = chunks_plan(rig.workloads, 5)
        armed = Counter[str]()
        stop = threading.Event()

        def arm() -> None:
            end = time.monotonic() + window
            i = 0
            while time.monotonic() < end and not stop.wait(0.3):

                async def one(n: int = i, slack: FakeSlackAPI = rig.slack) -> None:
                    if n % 2 == 0:
                        slack.rate_limit("*", times=1, retry_after=1)
                    else:
                        slack.fail("*", status=503, times=1)

                with contextlib.suppress(Exception):
                    rig.slack.run_sync(one())
                    armed["429" if i % 2 == 0 else "503"] += 1
                i += 1

            async def clear() -> None:
                rig.slack.clear_faults()

            rig.slack.run_sync(clear())

        armer = threading.Thread(target=arm, daemon=True, name="slack-faults")
        armer.start()
        t0 = time.monotonic()
        try:
            sent = send_paced(rig.bot.url, plan, senders=4, per_second=40, retries=5)
            settled = settle(rig, 200, _expected(rig), timeout=window + args.settle, strict=False)
        finally:
            stop.set()
            armer.join(window + 5)
        statuses = Counter(
            c.status for c in rig.slack.calls if c.method in ("chat.postMessage", "chat.update")
        )
        notes = [f"faults armed: {dict(armed)}; chat.* answers: {dict(sorted(statuses.items()))}"]
        return evaluate(f"(b) Slack 429 + 503 for {window:g} s", rig, sent, t0, settled, notes)


# ------------------------------------------------------------------------------ (c)


def drill_kill(args: argparse.Namespace) -> Result:
    with fresh(20, 20) as rig:
        plan = chunks_plan(rig.workloads, 10)
        result: dict[str, list[Sent]] = {}

        def storm() -> None:
            result["sent"] = send_paced(rig.bot.url, plan, senders=4, per_second=4, retries=30)

        sender = threading.Thread(target=storm, daemon=True, name="storm")
        t0 = time.monotonic()
        sender.start()
        kills: list[str] = []
        deadline = time.monotonic() + 60
        while len(rig.slack.top_level()) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        for k in range(args.kills):
            if k:
                time.sleep(args.kill_every)
            roots, items = len(rig.slack.top_level()), rig.states()
            rig.bot.kill(signal.SIGKILL)
            kills.append(
                f"kill {k + 1} at {time.monotonic() - t0:.1f}s ({roots} roots, inbox {items})"
            )
            time.sleep(0.3)  # Alertmanager's deliveries fail meanwhile
            rig.bot.start()
        sender.join(120)
        sent = result.get("sent", [])
        # Alertmanager delivers everything again at its next group_interval.
        again = [Delivery(d.payload, d.size, d.grouping, redelivery=True) for d in plan]
        sent += send_paced(rig.bot.url, again, senders=4, per_second=40, retries=10)
        settled = settle(rig, 400, _expected(rig), timeout=args.settle, strict=False)
        res = evaluate(
            f"(c) SIGKILL x{args.kills} mid-storm + restart", rig, sent, t0, settled, kills
        )
        return res


# ------------------------------------------------------------------------------ (d)


def drill_redeliver(args: argparse.Namespace) -> Result:
    with fresh(20, 10) as rig:
        rng = random.Random(11)
        firsts = chunks_plan(rig.workloads, 5)
        plan: list[list[Delivery]] = []  # batches sent at the same moment
        later: list[Delivery] = []
        for i, d in enumerate(firsts):
            copies = 3 if i % 2 else 2
            together = [d] + [
                Delivery(d.payload, d.size, d.grouping, redelivery=True) for _ in range(copies // 2)
            ]
            plan.append(together)
            later += [
                Delivery(d.payload, d.size, d.grouping, redelivery=True)
                for _ in range(copies - len(together))
            ]
        rng.shuffle(later)
        t0 = time.monotonic()
        sent: list[Sent] = []
        with ThreadPoolExecutor(8, thread_name_prefix="alertmanager") as ex:
            for batch in plan:
                barrier = threading.Barrier(len(batch))

                def at_once(d: Delivery, b: threading.Barrier = barrier) -> Sent:
                    with contextlib.suppress(threading.BrokenBarrierError):
                        b.wait(5)
                    return deliver(rig.bot.url, d, retries=5)

                sent += list(ex.map(at_once, batch))
            half = len(later) // 2
            sent += list(ex.map(lambda d: deliver(rig.bot.url, d, retries=5), later[:half]))
        time.sleep(3)  # the rest arrives while the threads are being posted
        sent += [deliver(rig.bot.url, d, retries=5) for d in later[half:]]
        settled = settle(rig, 200, _expected(rig), timeout=args.settle, strict=False)
        dup_acks = sum(int(s.body.get("duplicates", 0)) for s in sent)
        notes = [f"the webhook answered {dup_acks} alerts as duplicates"]
        metrics = rig.metrics()
        dedup = metrics.get('crashloop_alerts_total{action="deduplicated"}', 0)
        notes.append(f"crashloop_alerts_total{{action=deduplicated}} {dedup:.0f}")
        return evaluate("(d) every notification x2 / x3", rig, sent, t0, settled, notes)


# ------------------------------------------------------------------------------ main

DRILLS: dict[str, Callable[[argparse.Namespace], Result]] = {
    "a": drill_kube,
    "b": drill_slack,
    "c": drill_kill,
    "d": drill_redeliver,
}


def run(args: argparse.Namespace) -> int:
    t_script = time.monotonic()
    results: list[Result] = []
    for key in args.only.split(","):
        t = time.monotonic()
        print(f"drill {key} ...", flush=True)
        r = DRILLS[key.strip()](args)
        print(
            f"  {r.drill}: lost {r.lost}, duplicates {r.duplicates}, "
            f"{time.monotonic() - t:.0f}s wall; {'; '.join(r.notes)}",
            flush=True,
        )
        results.append(r)
    rows = [
        [
            r.drill,
            f"{r.alerts_sent} ({r.unique_alerts} distinct)",
            r.workloads,
            r.roots,
            r.duplicates,
            r.lost,
            f"{r.seconds:.1f}" if r.seconds is not None else f"not settled in {args.settle:.0f}+",
            met(r.ok),
        ]
        for r in results
    ]
    headers = [
        "drill",
        "alerts sent",
        "workloads",
        "roots posted",
        "duplicates",
        "lost",
        "time to complete (s)",
        "nothing lost or duplicated?",
    ]
    main_table = table(headers, rows)
    detail_rows = [[r.drill, "; ".join(r.notes) or "-", str(r.details)] for r in results]
    detail_table = table(["drill", "what happened", "counters"], detail_rows)
    print()
    print(main_table)
    print()
    print(detail_table)
    misses = [r for r in results if not r.ok]
    print(
        f"\n{len(misses)} drill(s) lost or duplicated something; "
        f"total run {time.monotonic() - t_script:.0f}s"
    )
    if not args.no_doc:
        body = "\n\n".join(
            [
                "## Fault drills (`bench/drills.py`)",
                f"Machine: {machine()}. Code: {code_version()}.",
                DRILLS_METHOD,
                main_table,
                detail_table,
                f"{len(misses)} of {len(results)} drill(s) lost or duplicated something"
                " (target: none).",
            ]
        )
        write_section("drills", body)
    return 1 if misses else 0


DRILLS_METHOD = """\
Each drill runs a fresh `crashloop-bot serve` (shipped defaults) against fresh fakes,
sends a storm as Alertmanager does (retrying what is not acknowledged), injects the fault,
and waits until every inbox item is final and every root counts its pods. *Time to
complete* runs from the first webhook to that moment. *Lost*: pods that no root counts
(a workload without a root counts all of its pods) plus workloads without a diagnosis
reply. *Duplicates*: extra roots of a workload plus identical messages repeated in one
thread. (a) 500 to half the pod reads, an 8 s hang (past the 5 s client timeout) on the
other half and on previous logs, 500 to every other read; 200 alerts, 20 workloads.
(b) a 429 (Retry-After: 1) or a 503 armed every 0.3 s for any Slack method, alternating;
200 alerts. (c) 400 alerts, 20 workloads, sent at 4 notifications/s by 4 senders that
retry until acknowledged; SIGKILL once roots appear and then every ~4 s, restart on the
same state file, then every notification delivered again. (d) 200 alerts; each
notification delivered 2 or 3 times, half of the copies simultaneously."""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", default="a,b,c,d", help="drills to run, e.g. a,c")
    ap.add_argument("--quick", action="store_true", help="(a) fault 10 s, (b) fault 10 s")
    ap.add_argument("--kube-fault", type=float, default=None, help="seconds; default 30")
    ap.add_argument("--slack-fault", type=float, default=None, help="seconds; default 20")
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--kill-every", type=float, default=4.0)
    ap.add_argument("--settle", type=float, default=120.0, help="seconds to wait after faults")
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args(argv)
    if args.kube_fault is None:
        args.kube_fault = 10.0 if args.quick else 30.0
    if args.slack_fault is None:
        args.slack_fault = 10.0 if args.quick else 20.0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
