"""What one work item does: diagnose, then start a thread or fold into one.

A firing alert either starts a thread (root message + diagnosis replies), joins the
thread of its workload (a note, a reply when its cause differs), or, for a repeat,
looks again and says what changed. A resolved alert marks its pod resolved; the
refresher updates the root and says so in the thread. In a storm, once a workload has
`sample` diagnosed pods with one cause, further pods are counted without a diagnosis.

Crash safety of posting: the thread is recorded as `posting` before the root is sent,
and the root's ts is recorded the moment Slack returns it, then each reply's progress
after each reply. The root carries Slack message metadata naming its thread. If the
process dies after Slack accepted the root and before its ts was committed (one HTTP
response plus one database commit), the retried item finds the thread still `posting`
and first looks for that root in the channel's recent history (conversations.history,
with the channels:history / groups:history scope); only if it is not there, or the
scope is missing, is the root posted again. Thread replies and notes keep a
one-message window: a crash there can repeat one reply, never lose one.

Several replicas: the thread's key is unique in the database, so exactly one replica
creates a thread and posts its root; `Locks` (a lease in the database) keeps one
writer per thread, so a thread's messages stay in order whichever replica sends them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

from bot.alerts import messages
from bot.alerts.inbox import Inbox, Item
from bot.alerts.locks import Locks
from bot.alerts.routing import Routed, route
from bot.alerts.selection import PodAlert, select
from bot.alerts.threads import HintStats, Pod, Thread, ThreadStore
from bot.diagnosis.engine import Diagnosis
from bot.errors import ClusterAccessError, ClusterUnreachable, TargetError
from bot.render.blocks import root_message, thread_messages
from bot.runtime import Runtime
from bot.slack.actions import diagnosis_actions
from bot.slack.memory_chart import post_memory_chart
from bot.slack.poster import PostError
from bot.target import Target

log = logging.getLogger(__name__)
ROOT_EVENT = "crashloop_alert_thread"  # Slack message metadata tagging a thread's root


class Retry(Exception):
    """A transient failure: the item goes back to the inbox and is tried again later."""


class Failed(Exception):
    """A permanent failure: the item is recorded as failed, with this reason."""


@dataclass(frozen=True, slots=True)
class Done:
    state: str  # done | ignored | failed
    outcome: str


class Processor:
    def __init__(
        self,
        runtime: Runtime,
        *,
        inbox: Inbox,
        threads: ThreadStore,
        locks: Locks,
        sample: int = 3,
        max_samples: int = 12,
    ) -> None:
        self.rt = runtime
        self.cfg = runtime.settings.file
        self.inbox = inbox
        self.threads = threads
        self.locks = locks
        self.sample = sample
        self.max_samples = max_samples
        self._begun_here: set[str] = set()  # threads whose root this process has not tried yet

    def _count(self, action: str) -> None:
        self.rt.metrics.alerts.labels(action).inc()

    async def process(self, item: Item) -> Done:
        try:
            if item.status == "resolved":
                return await self._resolved(item)
            return await self._firing(item)
        except PostError as e:
            if e.cannot_post_here:
                self._count("failed")
                raise Failed(f"cannot_post_here: {e.error} in {e.channel}") from e
            raise Retry(f"slack: {e.error}") from e

    # -- firing ------------------------------------------------------------------------

    async def _firing(self, item: Item) -> Done:
        chosen = select(item.alert.labels, self.cfg.alerts)
        if not isinstance(chosen, PodAlert):
            return Done("ignored", chosen.reason)
        routed = route(
            self.cfg,
            namespace=chosen.namespace,
            cluster=chosen.cluster,
            labels=item.alert.labels,
        )
        if not isinstance(routed, Routed):
            level = logging.ERROR if routed.reason == "no_channel" else logging.WARNING
            log.log(level, "alert not posted: %s", routed.detail, extra={"alert_key": item.key})
            self._count(routed.reason)
            state = "failed" if routed.reason == "no_channel" else "ignored"
            return Done(state, f"{routed.reason}: {routed.detail}")
        started = item.alert.starts_at.timestamp()
        known = await self.threads.pod(item.fingerprint)
        if known is not None and known.state == "firing" and known.started_at == started:
            return await self._again(item, known, chosen)
        if self.cfg.alerts.group_by_workload:
            stats = await self.threads.hint_stats(item.hint)
            if stats is not None and not self._needs_sample(stats):
                return await self._count_only(item, chosen, stats)
        d = await self._diagnose(chosen)
        key, owner = self._thread_key(item, chosen, d)
        pod = Pod(
            fingerprint=item.fingerprint,
            thread_key=key,
            hint=item.hint,
            pod=chosen.pod,
            state="firing",
            diagnosed=True,
            cause=messages.cause_signature(d),
            summary=messages.cause_summary(d),
            started_at=started,
            ended_at=None,
            noted=False,
            resolved_noted=False,
        )
        async with self.locks(key):
            thread = await self.threads.thread(key)
            if thread is None or thread.state == "failed":
                actions = diagnosis_actions(
                    self._target(chosen), silence=self.cfg.alertmanager_url is not None
                )
                if await self.threads.create(
                    key=key,
                    channel=routed.channel,
                    owner=owner,
                    base=root_message(d, actions=actions),
                    replies=thread_messages(d),
                    cause=pod.cause,
                    summary=pod.summary,
                    first=_replace(pod, noted=True),
                ):
                    self._begun_here.add(key)
                    created = await self.threads.thread(key)
                    assert created is not None
                    await self._post(created)
                    # The chart follows the thread; a crash before it only loses the picture.
                    posted = await self.threads.thread(key)
                    if posted is not None and posted.root_ts is not None:
                        await post_memory_chart(
                            self.rt.poster, posted.channel, d, thread_ts=posted.root_ts
                        )
                    self._count("posted")
                    return Done("done", f"posted {key}")
                # Another replica created it a moment ago (its lock lease lapsed): join it.
                thread = await self.threads.thread(key)
                assert thread is not None
            pods = await self.threads.pods(key)
            new_cause = pod.cause != thread.cause and all(p.cause != pod.cause for p in pods)
            if new_cause and thread.root_ts is not None:
                await self.threads.add_pod(_replace(pod, noted=True))
                await self.rt.poster.post(
                    thread.channel, messages.different_cause(d, owner), thread_ts=thread.root_ts
                )
                await self.threads.touch_reply(key)
            else:
                await self.threads.add_pod(pod)
            if thread.root_ts is None or thread.replies_posted < len(thread.replies):
                await self._post(thread)  # its first item is still retrying: help it along
            self._count("grouped")
            return Done("done", f"grouped into {key}")

    async def _again(self, item: Item, known: Pod, chosen: PodAlert) -> Done:
        """The same firing alert again: finish an interrupted post, or look for a change."""
        async with self.locks(known.thread_key):
            thread = await self.threads.thread(known.thread_key)
            if thread is not None and (
                thread.root_ts is None or thread.replies_posted < len(thread.replies)
            ):
                await self._post(thread)
                self._count("posted")
                return Done("done", f"posted {thread.key} (resumed)")
        if not item.outcome.startswith("recheck"):
            self._count("deduplicated")
            return Done("done", "already applied")
        if not known.diagnosed or thread is None or thread.root_ts is None:
            self._count("deduplicated")
            return Done("done", "repeat of a counted pod")
        d = await self._diagnose(chosen)
        cause, summary = messages.cause_signature(d), messages.cause_summary(d)
        async with self.locks(thread.key):
            if cause != known.cause:
                await self.rt.poster.post(
                    thread.channel,
                    messages.changed(chosen.pod, known.summary, summary),
                    thread_ts=thread.root_ts,
                )
                await self.threads.set_pod_cause(item.fingerprint, cause, summary)
                await self.threads.touch_reply(thread.key)
                self._count("changed")
                return Done("done", "repeat: diagnosis changed")
            every = self.cfg.alerts.repeat_update_seconds
            if every > 0 and time.time() - thread.last_reply_at >= every:
                await self.rt.poster.post(
                    thread.channel,
                    messages.still_crashing(chosen.pod, summary),
                    thread_ts=thread.root_ts,
                )
                await self.threads.touch_reply(thread.key)
                return Done("done", "repeat: still crash-looping")
        self._count("deduplicated")
        return Done("done", "repeat: unchanged")

    async def _count_only(self, item: Item, chosen: PodAlert, stats: HintStats) -> Done:
        async with self.locks(stats.thread_key):
            await self.threads.add_pod(
                Pod(
                    fingerprint=item.fingerprint,
                    thread_key=stats.thread_key,
                    hint=item.hint,
                    pod=chosen.pod,
                    state="firing",
                    diagnosed=False,
                    cause="",
                    summary="",
                    started_at=item.alert.starts_at.timestamp(),
                    ended_at=None,
                    noted=False,
                    resolved_noted=False,
                )
            )
        self._count("grouped")
        return Done("done", f"counted in {stats.thread_key}")

    def _needs_sample(self, stats: HintStats) -> bool:
        if stats.samples < self.sample:
            return True
        wanted = min(self.sample * stats.causes, self.max_samples)
        return stats.causes > 1 and stats.samples < wanted

    # -- resolved ----------------------------------------------------------------------

    async def _resolved(self, item: Item) -> Done:
        known = await self.threads.pod(item.fingerprint)
        if known is None:
            if await self.inbox.firing_unfinished(item.fingerprint, item.id):
                raise Retry("waiting for the firing alert to be processed first")
            self._count("ignored")
            return Done("ignored", "resolved_unknown: no thread for this alert")
        if known.started_at > item.alert.starts_at.timestamp():
            self._count("deduplicated")
            return Done("done", "resolution of an earlier firing")
        if known.state == "resolved":
            self._count("deduplicated")
            return Done("done", "already resolved")
        ended = item.alert.resolved_at
        async with self.locks(known.thread_key):
            await self.threads.resolve_pod(
                item.fingerprint, ended.timestamp() if ended else time.time()
            )
        self._count("resolved")
        return Done("done", f"resolved in {known.thread_key}")

    # -- helpers -----------------------------------------------------------------------

    async def _post(self, thread: Thread) -> None:
        """Post what is missing of a thread: the root, then the replies, recording each."""
        poster = self.rt.poster
        ts = thread.root_ts
        if ts is None:
            status = messages.status_line(await self.threads.pods(thread.key), thread.owner)
            first_try = thread.key in self._begun_here
            self._begun_here.discard(thread.key)
            if not first_try:
                # An earlier try (maybe by a process that died while posting) may have
                # reached Slack with its ts never recorded: find it, do not post it twice.
                ts = await poster.find_own_root(thread.channel, ROOT_EVENT, thread.key)
            if ts is None:
                ts = await poster.post(
                    thread.channel,
                    messages.with_status(thread.base, status),
                    metadata={"event_type": ROOT_EVENT, "event_payload": {"key": thread.key}},
                )
            await self.threads.set_root(thread.key, ts, status)
        for i in range(thread.replies_posted, len(thread.replies)):
            await poster.post(thread.channel, thread.replies[i], thread_ts=ts)
            await self.threads.set_replies_posted(thread.key, i + 1)

    async def _diagnose(self, chosen: PodAlert) -> Diagnosis:
        target = self._target(chosen)
        try:
            try:
                d = await self.rt.diagnoser.run(target)
            except TargetError:  # the alert's container is not in the pod (renamed)
                d = await self.rt.diagnoser.run(_replace_target(target))
        except ClusterUnreachable as e:
            self.rt.metrics.diagnoses.labels("alert", "unreachable").inc()
            raise Retry(str(e)) from e
        except ClusterAccessError as e:
            self.rt.metrics.diagnoses.labels("alert", "unreadable").inc()
            self._count("unreadable")
            raise Failed(f"unreadable: {e}") from e
        self.rt.metrics.diagnoses.labels("alert", "ok" if d.findings else "no_finding").inc()
        if d.top is not None:
            self.rt.metrics.rule_hits.labels(d.top.rule_id).inc()
        return d

    def _target(self, chosen: PodAlert) -> Target:
        # Without configured clusters the cluster label only names the one cluster we read.
        cluster = chosen.cluster if self.cfg.clusters else None
        return Target(chosen.namespace, chosen.pod, chosen.container, cluster)

    def _thread_key(self, item: Item, chosen: PodAlert, d: Diagnosis) -> tuple[str, str]:
        owner = d.facts.owner
        name = f"{owner.kind}/{owner.name}" if owner else f"Pod/{chosen.pod}"
        if not self.cfg.alerts.group_by_workload:
            return f"alert:{item.fingerprint}", name
        return f"{chosen.cluster or ''}/{chosen.namespace}/{name}", name


def _replace(pod: Pod, *, noted: bool) -> Pod:
    return replace(pod, noted=noted)


def _replace_target(t: Target) -> Target:
    return Target(t.namespace, t.pod, None, t.cluster)
