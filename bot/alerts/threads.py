"""Where each crash was posted and what was said, kept in the durable state.

A thread is one crash: a workload (or one alert when grouping is off) in a channel,
with its root message and the diagnosis replies beneath it. Its pods are the alerts
folded into it, each firing or resolved, diagnosed or only counted. A thread is
`dirty` when its root message or a thread note is due; the refresher then brings Slack
up to date and clears the flag.

A thread's key is unique in the database: of two replicas that diagnose pods of one
workload at the same moment, exactly one creates the thread (`create` says which) and
posts its root; the other joins it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from bot.render.blocks import SlackMessage
from bot.state.base import Database, Tx


@dataclass(frozen=True, slots=True)
class Thread:
    key: str
    channel: str
    state: str  # posting | posted | failed
    root_ts: str | None
    replies_posted: int
    owner: str
    base: SlackMessage
    replies: list[SlackMessage]
    cause: str
    summary: str
    shown_status: str
    last_reply_at: float


@dataclass(frozen=True, slots=True)
class Pod:
    fingerprint: str
    thread_key: str
    hint: str
    pod: str
    state: str  # firing | resolved
    diagnosed: bool
    cause: str
    summary: str
    started_at: float
    ended_at: float | None
    noted: bool
    resolved_noted: bool


@dataclass(frozen=True, slots=True)
class HintStats:
    thread_key: str
    samples: int  # pods of this hint that were diagnosed
    causes: int  # distinct causes among them


_THREAD_COLS = (
    "key, channel, state, root_ts, replies_posted, owner, base, replies, cause, summary,"
    " shown_status, last_reply_at"
)
_POD_COLS = (
    "fingerprint, thread_key, hint, pod, state, diagnosed, cause, summary, started_at,"
    " ended_at, noted, resolved_noted"
)


def _msg(m: SlackMessage) -> dict[str, object]:
    return {"text": m.text, "blocks": m.blocks}


def _unmsg(d: dict[str, object]) -> SlackMessage:
    blocks = d.get("blocks")
    return SlackMessage(
        text=str(d.get("text", "")), blocks=blocks if isinstance(blocks, list) else []
    )


def _thread(r: tuple[object, ...]) -> Thread:
    return Thread(
        key=str(r[0]),
        channel=str(r[1]),
        state=str(r[2]),
        root_ts=str(r[3]) if r[3] is not None else None,
        replies_posted=int(str(r[4])),
        owner=str(r[5]),
        base=_unmsg(json.loads(str(r[6]))),
        replies=[_unmsg(m) for m in json.loads(str(r[7]))],
        cause=str(r[8]),
        summary=str(r[9]),
        shown_status=str(r[10]),
        last_reply_at=float(str(r[11])),
    )


def _pod(r: tuple[object, ...]) -> Pod:
    return Pod(
        fingerprint=str(r[0]),
        thread_key=str(r[1]),
        hint=str(r[2]),
        pod=str(r[3]),
        state=str(r[4]),
        diagnosed=bool(r[5]),
        cause=str(r[6]),
        summary=str(r[7]),
        started_at=float(str(r[8])),
        ended_at=float(str(r[9])) if r[9] is not None else None,
        noted=bool(r[10]),
        resolved_noted=bool(r[11]),
    )


class ThreadStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def thread(self, key: str) -> Thread | None:
        async def tx(c: Tx) -> Thread | None:
            r = await c.fetchone(f"SELECT {_THREAD_COLS} FROM threads WHERE key = ?", (key,))
            return _thread(r) if r else None

        return await self.db.run(tx, single=True)

    async def create(
        self,
        *,
        key: str,
        channel: str,
        owner: str,
        base: SlackMessage,
        replies: list[SlackMessage],
        cause: str,
        summary: str,
        first: Pod,
    ) -> bool:
        """Record the thread as `posting` (before anything is sent) with its first pod.

        True when this call created it (or took over a `failed` one): the caller posts
        its root. False when it exists already: the caller joins it.
        """
        now = time.time()

        async def tx(c: Tx) -> bool:
            row = await c.fetchone(
                "INSERT INTO threads (key, channel, state, owner, base, replies, cause, summary,"
                " created_at) VALUES (?, ?, 'posting', ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET channel = excluded.channel, state = 'posting',"
                " root_ts = NULL, replies_posted = 0, owner = excluded.owner,"
                " base = excluded.base, replies = excluded.replies, cause = excluded.cause,"
                " summary = excluded.summary, shown_status = '', dirty = 0"
                " WHERE threads.state = 'failed' RETURNING key",
                (
                    key,
                    channel,
                    owner,
                    json.dumps(_msg(base)),
                    json.dumps([_msg(m) for m in replies]),
                    cause,
                    summary,
                    now,
                ),
            )
            if row is None:
                return False
            await _upsert_pod(c, first)
            return True

        return await self.db.run(tx)

    async def set_root(self, key: str, ts: str, status: str) -> None:
        await self._exec(
            "UPDATE threads SET state = 'posted', root_ts = ?, shown_status = ? WHERE key = ?",
            (ts, status, key),
        )

    async def set_replies_posted(self, key: str, n: int) -> None:
        await self._exec(
            "UPDATE threads SET replies_posted = ?, last_reply_at = ? WHERE key = ?",
            (n, time.time(), key),
        )

    async def set_failed(self, key: str) -> None:
        await self._exec("UPDATE threads SET state = 'failed', dirty = 0 WHERE key = ?", (key,))

    async def touch_reply(self, key: str) -> None:
        await self._exec("UPDATE threads SET last_reply_at = ? WHERE key = ?", (time.time(), key))

    async def pod(self, fingerprint: str) -> Pod | None:
        async def tx(c: Tx) -> Pod | None:
            r = await c.fetchone(
                f"SELECT {_POD_COLS} FROM pods WHERE fingerprint = ?", (fingerprint,)
            )
            return _pod(r) if r else None

        return await self.db.run(tx, single=True)

    async def pods(self, thread_key: str) -> list[Pod]:
        async def tx(c: Tx) -> list[Pod]:
            rows = await c.fetchall(
                f"SELECT {_POD_COLS} FROM pods WHERE thread_key = ? ORDER BY started_at, pod",
                (thread_key,),
            )
            return [_pod(r) for r in rows]

        return await self.db.run(tx, single=True)

    async def hint_stats(self, hint: str) -> HintStats | None:
        """The thread the diagnosed pods of this workload guess went to, and their causes."""

        async def tx(c: Tx) -> HintStats | None:
            r = await c.fetchone(
                "SELECT thread_key, COUNT(*), COUNT(DISTINCT cause) FROM pods"
                " WHERE hint = ? AND diagnosed = 1 GROUP BY thread_key"
                " ORDER BY COUNT(*) DESC LIMIT 1",
                (hint,),
            )
            return HintStats(str(r[0]), int(r[1]), int(r[2])) if r else None

        return await self.db.run(tx, single=True)

    async def add_pod(self, pod: Pod) -> None:
        """Add (or re-fire) a pod in a thread and mark the thread for a refresh."""

        async def tx(c: Tx) -> None:
            await _upsert_pod(c, pod)
            await c.execute("UPDATE threads SET dirty = 1 WHERE key = ?", (pod.thread_key,))

        await self.db.run(tx)

    async def set_pod_cause(self, fingerprint: str, cause: str, summary: str) -> None:
        await self._exec(
            "UPDATE pods SET cause = ?, summary = ? WHERE fingerprint = ?",
            (cause, summary, fingerprint),
        )

    async def resolve_pod(self, fingerprint: str, ended_at: float) -> None:
        async def tx(c: Tx) -> None:
            await c.execute(
                "UPDATE pods SET state = 'resolved', ended_at = ?, resolved_noted = 0"
                " WHERE fingerprint = ?",
                (ended_at, fingerprint),
            )
            await c.execute(
                "UPDATE threads SET dirty = 1 WHERE key ="
                " (SELECT thread_key FROM pods WHERE fingerprint = ?)",
                (fingerprint,),
            )

        await self.db.run(tx)

    async def due(self, flushed_before: float) -> list[str]:
        """Posted threads with something to refresh, last refreshed before the given time."""

        async def tx(c: Tx) -> list[str]:
            rows = await c.fetchall(
                "SELECT key FROM threads WHERE dirty = 1 AND state = 'posted'"
                " AND flushed_at < ? ORDER BY flushed_at",
                (flushed_before,),
            )
            return [str(r[0]) for r in rows]

        return await self.db.run(tx, single=True)

    async def shown(self, key: str, status: str) -> None:
        """The root message now shows this status."""
        await self._exec("UPDATE threads SET shown_status = ? WHERE key = ?", (status, key))

    async def noted(self, fingerprints: list[str], *, resolved: bool) -> None:
        """These pods' firing (or resolution) was said in the thread."""
        column = "resolved_noted" if resolved else "noted"

        if not fingerprints:
            return
        marks = ", ".join("?" for _ in fingerprints)

        async def tx(c: Tx) -> None:
            await c.execute(
                f"UPDATE pods SET {column} = 1 WHERE fingerprint IN ({marks})", fingerprints
            )

        await self.db.run(tx, single=True)

    async def refreshed(self, key: str) -> None:
        """Everything due was shown; the thread is clean until a pod changes."""
        await self._exec(
            "UPDATE threads SET dirty = 0, flushed_at = ? WHERE key = ?", (time.time(), key)
        )

    async def postpone(self, key: str) -> None:
        """A refresh failed: try again after the normal interval."""
        await self._exec("UPDATE threads SET flushed_at = ? WHERE key = ?", (time.time(), key))

    async def _exec(self, sql: str, params: tuple[object, ...]) -> None:
        async def tx(c: Tx) -> None:
            await c.execute(sql, params)

        await self.db.run(tx, single=True)


async def _upsert_pod(c: Tx, p: Pod) -> None:
    await c.execute(
        f"INSERT INTO pods ({_POD_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (fingerprint) DO UPDATE SET thread_key = excluded.thread_key,"
        " state = excluded.state,"
        " diagnosed = CASE WHEN excluded.diagnosed = 1 THEN 1 ELSE pods.diagnosed END,"
        " cause = CASE WHEN excluded.diagnosed = 1 THEN excluded.cause ELSE pods.cause END,"
        " summary = CASE WHEN excluded.diagnosed = 1 THEN excluded.summary"
        " ELSE pods.summary END,"
        " started_at = excluded.started_at, ended_at = NULL,"
        " noted = excluded.noted, resolved_noted = 0",
        (
            p.fingerprint,
            p.thread_key,
            p.hint,
            p.pod,
            p.state,
            int(p.diagnosed),
            p.cause,
            p.summary,
            p.started_at,
            p.ended_at,
            int(p.noted),
            int(p.resolved_noted),
        ),
    )
