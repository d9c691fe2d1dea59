"""What the memory chart costs: rendering time, and the process memory matplotlib adds.

    .venv/bin/python bench/memory_chart.py [--renders 20]

Runs in a fresh child process, so that nothing is imported before it is measured:
1. RSS of a process that has loaded what `serve` loads to diagnose and post (the
   collectors, the engine, the renderers, the Slack poster), and whether matplotlib
   was loaded by that (it must not be: a bot without Prometheus pays nothing);
2. the first chart: importing matplotlib and drawing one, and the RSS after;
3. each later chart (the four curves of tests/prometheus/curves.py, 240 points or so):
   median and p95 of `--renders` renders each, and the PNG sizes.

Rewrites the `memory_chart` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine, table, update_doc

CHILD = r"""
import json, statistics, sys, time
sys.path.insert(0, {root!r})

def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

out = {{"start": rss_mib()}}
import bot.cluster.live, bot.cluster.prometheus, bot.diagnosis.engine, bot.render.blocks
import bot.render.jsondoc, bot.render.text, bot.slack.publish, bot.diagnosis.rules
from bot.diagnosis.memory import read_memory
from tests.prometheus.curves import PODS, series
readings = [read_memory(series(p)) for p in PODS if p.expect and p.name != "api-two"]
out["bot"] = rss_mib()
out["matplotlib_loaded_by_bot"] = "matplotlib" in sys.modules
t, c = time.perf_counter(), time.process_time()
from bot.render.chart import render_chart
render_chart(readings[0])
out["first_ms"] = (time.perf_counter() - t) * 1000
out["first_cpu_ms"] = (time.process_time() - c) * 1000
out["after_first"] = rss_mib()
out["renders"] = {{}}
for r in readings:
    times, cpu = [], []
    for _ in range({renders}):
        t, c = time.perf_counter(), time.process_time()
        png = render_chart(r)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    times.sort()
    out["renders"][r.trend] = {{
        "median": statistics.median(times),
        "cpu": statistics.median(cpu),
        "p95": times[max(0, round(0.95 * len(times)) - 1)],
        "points": len(r.series.working_set),
        "png_kb": len(png) / 1024,
    }}
out["after_all"] = rss_mib()
for _ in range({more}):  # does the memory level off, or grow with every chart?
    render_chart(readings[0])
out["after_more"] = rss_mib()
print(json.dumps(out))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=20, help="renders per curve")
    parser.add_argument("--more", type=int, default=100, help="renders after those, for RSS")
    args = parser.parse_args()
    info = machine()
    code = CHILD.format(root=str(ROOT), renders=args.renders, more=args.more)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    m = json.loads(done.stdout)
    rows = [
        ["RSS: interpreter alone", f"{m['start']:.0f} MiB"],
        ["RSS: the bot's diagnosis and posting modules", f"{m['bot']:.0f} MiB"],
        ["matplotlib loaded by those", "yes" if m["matplotlib_loaded_by_bot"] else "no"],
        [
            "first chart (imports matplotlib, draws)",
            f"{m['first_ms']:.0f} ms ({m['first_cpu_ms']:.0f} ms CPU)",
        ],
        [
            "RSS after the first chart",
            f"{m['after_first']:.0f} MiB (+{m['after_first'] - m['bot']:.0f} MiB)",
        ],
        [
            f"RSS after {args.renders * len(m['renders']) + 1} charts",
            f"{m['after_all']:.0f} MiB (+{m['after_all'] - m['bot']:.0f} MiB)",
        ],
        [
            f"RSS after {args.renders * len(m['renders']) + 1 + args.more} charts",
            f"{m['after_more']:.0f} MiB (+{m['after_more'] - m['bot']:.0f} MiB)",
        ],
    ]
    for trend, r in m["renders"].items():
        rows.append(
            [
                f"a later chart: {trend} ({r['points']} points, {r['png_kb']:.0f} KB PNG)",
                f"median {r['median']:.0f} ms ({r['cpu']:.0f} ms CPU), p95 {r['p95']:.0f} ms",
            ]
        )
    result = table(["measure", "figure"], rows)
    print(result)
    body = f"""## Memory chart: rendering time and process memory (`bench/memory_chart.py`)

Machine: {info}.

A fresh process loads what `serve` needs to diagnose and post, then draws charts of the
four curves of tests/prometheus/curves.py (matplotlib's Agg backend, 800x320 PNG).
matplotlib is imported by `bot/render/chart.py` on the first chart only: a bot without
`prometheus_url` never loads it. The worker draws in a thread (`asyncio.to_thread`),
so the event loop keeps answering Slack while a chart is drawn. Wall times depend on the
load of the shared machine (see its load average above); CPU times much less. The
first dozens of charts grow matplotlib's font and text caches; after that the RSS stays
level (the last two RSS rows), so a long-running bot does not grow with each chart.

{result}
"""
    update_doc("memory_chart", body)
    return 1 if m["matplotlib_loaded_by_bot"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
