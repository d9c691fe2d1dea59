"""Posting the memory chart in a diagnosis thread, after the thread's messages.

The chart is drawn off the event loop (matplotlib takes about a tenth of a second per
chart, and is imported only here, on first use) and uploaded with slack_sdk's
`files_upload_v2`: files.getUploadURLExternal, the upload, then
files.completeUploadExternal with the channel and the thread's ts. It needs the
`files:write` scope; without it (or on any failure) the thread stays as posted, with the
verdict in its text, and the reason is logged: a missing picture is not worth a retry
of the whole diagnosis.
"""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackClientError

from bot.diagnosis.engine import Diagnosis
from bot.render.memory import alt_text
from bot.slack.poster import PostError, SlackPoster

log = logging.getLogger(__name__)


async def post_memory_chart(
    poster: SlackPoster, channel: str, diagnosis: Diagnosis, *, thread_ts: str
) -> bool:
    """Upload the chart of the diagnosis' memory reading into the thread, if it has one.

    Returns whether a chart was posted.
    """
    reading = diagnosis.memory
    if reading is None or not reading.series.working_set:
        return False
    from bot.render.chart import render_chart  # matplotlib: only a bot that has a reading

    png = await asyncio.to_thread(render_chart, reading)
    f = diagnosis.facts
    try:
        await poster.upload(
            channel,
            thread_ts=thread_ts,
            filename=f"memory-{f.name}-{reading.container}.png",
            content=png,
            title=f"Memory of {f.namespace}/{f.name} {reading.container}: {reading.trend}",
            alt_txt=alt_text(reading),
        )
    except (PostError, SlackClientError) as e:
        hint = " (the app needs the files:write scope)" if "missing_scope" in str(e) else ""
        log.warning("memory chart not posted in %s: %s%s", channel, e, hint)
        return False
    return True
