"""The memory chart, and its upload into the diagnosis thread (files_upload_v2) against
the local Slack Web API."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from bot.diagnosis.engine import Diagnosis, diagnose
from bot.diagnosis.rules import RuleSet
from bot.facts import PodFacts
from bot.render.chart import BACKGROUND, KILL, LIMIT, WORKING_SET, render_chart
from bot.slack.poster import SlackPoster, make_client
from bot.slack.publish import publish_diagnosis
from tests.fakes.slackapi import FakeSlackAPI
from tests.prometheus.curves import container_facts, pod, series

CHANNEL = "C0MEMORY01"


def _diagnosis(rules: RuleSet, name: str = "api-leak", *, memory: bool = True) -> Diagnosis:
    p = pod(name)
    facts = PodFacts(
        namespace="shop",
        name=p.name,
        containers=(container_facts(p.containers[0]),),
        memory=series(p) if memory else None,
    )
    return diagnose(facts, rules)


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_the_chart_shows_working_set_limit_and_kills_on_its_own_background(
    rules: RuleSet,
) -> None:
    d = _diagnosis(rules)
    assert d.memory is not None
    png = render_chart(d.memory)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and image.size == (800, 320)
    # its own background, so neither Slack theme shows a white box or dark-on-dark lines
    assert image.getpixel((2, 2)) == _rgb(BACKGROUND)
    colors = {c for _, c in image.getcolors(maxcolors=1 << 20) or []}
    for line in (WORKING_SET, LIMIT, KILL):
        assert _rgb(line) in colors, line


@pytest.fixture
async def slack() -> AsyncIterator[tuple[FakeSlackAPI, SlackPoster]]:
    api = FakeSlackAPI()
    await api.start()
    poster = SlackPoster(make_client(api.token, base_url=api.api_url), per_second=100)
    yield api, poster
    await api.stop()


async def test_the_chart_is_uploaded_into_the_thread_after_its_messages(
    slack: tuple[FakeSlackAPI, SlackPoster], rules: RuleSet
) -> None:
    api, poster = slack
    d = _diagnosis(rules)
    thread = await publish_diagnosis(poster, CHANNEL, d)
    methods = [c.method for c in api.calls]
    last_post = max(i for i, m in enumerate(methods) if m == "chat.postMessage")
    assert methods[last_post + 1 :] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    (f,) = api.files.values()
    assert f.completed and f.channel == CHANNEL and f.thread_ts == thread.ts
    assert f.content is not None and f.content.startswith(b"\x89PNG") and len(f.content) == f.length
    assert f.filename == "memory-api-leak-api.png"
    assert f.alt_txt is not None and f.alt_txt.startswith(
        "Memory of container api before the kill: leak."
    )
    assert "grew" in f.alt_txt and "a leak" in f.alt_txt
    replies = api.thread(CHANNEL, thread.ts)
    text = str([m.blocks for m in replies])
    assert "Memory of api" in text and "*leak*" in text  # the verdict is in the thread too


async def test_no_memory_reading_means_no_upload(
    slack: tuple[FakeSlackAPI, SlackPoster], rules: RuleSet
) -> None:
    api, poster = slack
    await publish_diagnosis(poster, CHANNEL, _diagnosis(rules, memory=False))
    assert not api.calls_to("files.getUploadURLExternal") and not api.files


async def test_without_the_files_write_scope_the_thread_still_stands(
    slack: tuple[FakeSlackAPI, SlackPoster], rules: RuleSet, caplog: pytest.LogCaptureFixture
) -> None:
    api, poster = slack
    api.error("files.getUploadURLExternal", "missing_scope", needed="files:write")
    thread = await publish_diagnosis(poster, CHANNEL, _diagnosis(rules))
    assert api.thread(CHANNEL, thread.ts)  # the diagnosis is posted
    assert not api.calls_to("files.completeUploadExternal")
    assert "the app needs the files:write scope" in caplog.text


def test_serving_and_posting_do_not_load_matplotlib() -> None:
    """matplotlib (~50 MB) is loaded by the first chart only, not by `serve`'s modules."""
    code = (
        "import sys, bot.server, bot.runtime, bot.slack.app, bot.alerts.worker, bot.cli; "
        "print('matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
