"""Shared helpers for the benchmark scripts: machine facts, tables, docs/benchmarks.md.

Every script in bench/ is run as `.venv/bin/python bench/<name>.py` from the repository
root (or anywhere: paths are resolved from this file). Each one prints a table and
rewrites its own section of docs/benchmarks.md, between markers

    <!-- bench:<name>:start --> ... <!-- bench:<name>:end -->

leaving the other sections as they are.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import socket
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `bot` and `tests.fakes` import from the checkout
    sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "benchmarks.md"
SCENARIOS = ROOT / "tests" / "scenarios"

INTRO = """# Benchmarks

Run all of them from a fresh checkout (each takes well under two minutes, uses only
loopback traffic, and rewrites its own section below):

```
for b in latency engine slash_ack; do .venv/bin/python bench/$b.py || break; done
```

or one at a time: `.venv/bin/python bench/latency.py`, `.venv/bin/python bench/engine.py`,
`.venv/bin/python bench/slash_ack.py`. The fakes (tests/fakes/kubeapi.py,
tests/fakes/slackapi.py) stand in for the Kubernetes and Slack APIs on 127.0.0.1.
Figures depend on the machine; each section names the one it was measured on.
"""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + ", "
    except OSError:
        load = ""
    return (
        f"{os.cpu_count()} CPU (nproc {len(os.sched_getaffinity(0))}), {cpu}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}, {load}"
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (also readable on a terminal)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    out = [line(cells[0]), "| " + " | ".join("-" * w for w in widths) + " |"]
    out.extend(line(r) for r in cells[1:])
    return "\n".join(out)


def met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**NO**")


def update_doc(name: str, body: str) -> None:
    """Replace (or append) the section of `name` in docs/benchmarks.md."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    section = f"{start}\n{body.strip()}\n{end}"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else INTRO
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        # keep the sections in a stable order
        order = ["latency", "engine", "slash_ack", "storm", "drills"]
        later = [n for n in order[order.index(name) + 1 :]] if name in order else []
        pos = min(
            (text.find(f"<!-- bench:{n}:start -->") for n in later if f"bench:{n}:start" in text),
            default=-1,
        )
        if pos >= 0:
            text = text[:pos] + section + "\n\n" + text[pos:]
        else:
            text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"\nwrote the {name} section of {DOC.relative_to(ROOT)}")


def critical_path(records: Sequence[Any]) -> int:
    """Longest chain of requests where each started after the previous one ended."""
    depth: list[int] = []
    recs = sorted(records, key=lambda r: r.t_start)
    for i, r in enumerate(recs):
        before = [depth[j] for j in range(i) if recs[j].t_end <= r.t_start + 1e-4]
        depth.append(1 + max(before, default=0))
    return max(depth, default=0)
