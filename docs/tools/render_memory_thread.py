"""Render a diagnosis thread with its memory chart as a Slack-like screenshot (README).

The sibling of render_thread.py (same page, same headless Chromium): the pod is the
leaking one of the memory tests (tests/prometheus/curves.py, the series Prometheus
serves them from), diagnosed by the real engine, rendered by the real Block Kit
renderer, and followed in the thread by the PNG the bot uploads
(bot/render/chart.py), shown the way Slack shows an image file in a thread.

    .venv/bin/python docs/tools/render_memory_thread.py
    .venv/bin/python docs/tools/render_memory_thread.py --pod api-plateau --html /tmp/t.html
"""

from __future__ import annotations

import argparse
import base64
import html
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from render_thread import CSS, page, screenshot, with_buttons  # noqa: E402

from bot.cluster.normalize import build_pod_facts  # noqa: E402
from bot.diagnosis.engine import diagnose  # noqa: E402
from bot.diagnosis.rules import load_rules  # noqa: E402
from bot.render.blocks import render_messages  # noqa: E402
from bot.render.chart import render_chart  # noqa: E402
from bot.render.memory import alt_text  # noqa: E402
from tests.prometheus.curves import NAMESPACE, pod, pod_objects, series  # noqa: E402

DEFAULT_OUT = HERE.parents[1] / "docs" / "images" / "slack-thread-memory.png"
PLACEHOLDER = "MEMORY-CHART-FILE"
FILE_CSS = """
.file { margin: 4px 0; }
.file .fname { color: #616061; font-size: 13px; margin-bottom: 4px; }
.file img { display: block; max-width: 100%; border-radius: 8px;
  border: 1px solid rgba(29,28,29,.13); }
"""


def thread_with_chart(name: str) -> list[dict[str, Any]]:
    raw = next(p for p in pod_objects() if p["metadata"]["name"] == name)
    facts = replace(build_pod_facts(raw), memory=series(pod(name)))
    d = diagnose(facts, load_rules())
    assert d.memory is not None
    messages = [m.as_dict() for m in render_messages(d)]
    messages[0] = with_buttons(messages[0], f"{NAMESPACE}/{name}")
    png = render_chart(d.memory)
    title = f"Memory of {NAMESPACE}/{name} {d.memory.container}: {d.memory.trend}"
    data = base64.b64encode(png).decode()
    chart = (
        f'<div class="file"><div class="fname">{html.escape(title)}</div>'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt_text(d.memory))}"></div>'
    )
    file_message = {
        "text": PLACEHOLDER,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": PLACEHOLDER}}],
        "chart_html": chart,
    }
    return [*messages, file_message]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--pod", default="api-leak", help="a pod of tests/prometheus/curves.py")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the PNG to write")
    p.add_argument("--html", type=Path, help="also keep the HTML page here")
    args = p.parse_args(argv)

    thread = thread_with_chart(args.pod)
    chart = thread[-1].pop("chart_html")
    document = page(thread).replace(f"<style>{CSS}</style>", f"<style>{CSS}{FILE_CSS}</style>")
    document = document.replace(
        f'<div class="block section"><div class="mrkdwn">{PLACEHOLDER}</div></div>', chart
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = args.html or Path(tmp) / "thread.html"
        path.write_text(document, encoding="utf-8")
        screenshot(path, args.out)
    print(f"{args.out} ({args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
