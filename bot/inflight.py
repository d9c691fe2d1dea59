"""The Slack requests a replica is still answering, so that stopping it finishes them.

Bolt acknowledges a slash command or a button at once and runs the rest of the handler
in a task of its own, which nobody awaits. Without this, a rollout of the bot (SIGTERM)
or a scale-down drops every diagnosis in progress: the user saw "Diagnosing…" and never
gets the answer. Alerts need none of this; their inbox is durable and another replica
takes them over.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class InFlight:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[object]] = set()

    def add_current(self) -> None:
        """Count the calling task in until it ends."""
        task = asyncio.current_task()
        if task is None or task.done():
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, grace: float) -> int:
        """Wait up to `grace` seconds for the requests in flight; cancel what is left.

        Returns how many were cancelled, so the caller can say so.
        """
        me = asyncio.current_task()
        pending = {t for t in self._tasks if t is not me}
        if not pending:
            return 0
        log.info("finishing Slack requests in flight", extra={"requests": len(pending)})
        _, late = await asyncio.wait(pending, timeout=grace)
        if not late:
            return 0
        for task in late:
            task.cancel()
        await asyncio.wait(late, timeout=1.0)
        log.warning(
            "stopped before Slack requests in flight were answered; raise "
            "limits.shutdown_grace_seconds (and the pod's terminationGracePeriodSeconds) "
            "if diagnoses take longer",
            extra={"cancelled": len(late), "grace_seconds": grace},
        )
        return len(late)
