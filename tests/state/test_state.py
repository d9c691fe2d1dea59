"""The durable state's contract, run against both backends: SQLite and PostgreSQL.

Several `Database` objects on one store stand for several replicas: each has its own
connections, as separate processes would.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
import time
from pathlib import Path

import pytest

from bot.alerts.inbox import Inbox, NewItem
from bot.alerts.locks import Locks
from bot.alerts.pacing import ChannelSlots
from bot.alerts.payload import parse_notification
from bot.alerts.threads import Pod, ThreadStore
from bot.config import load_settings
from bot.render.blocks import SlackMessage
from bot.state import Tx, open_database
from bot.state.schema import MIGRATIONS
from tests.alerts.procs import am_alert, notification
from tests.state.conftest import Store


def _payload(pods: list[str], hint: str | None) -> tuple[bytes, list[NewItem]]:
    """A notification of these pods' alerts; each its own workload unless `hint` says."""
    body = json.dumps(notification([am_alert("shop", p) for p in pods])).encode()
    n = parse_notification(body)
    return body, [NewItem(a, hint=hint or f"shop/{a.labels['pod']}") for a in n.alerts]


async def _add(inbox: Inbox, pods: list[str], hint: str | None = None) -> tuple[int, int]:
    body, items = _payload(pods, hint)
    added = await inbox.add(body, parse_notification(body), items)
    return added.new, added.duplicates


def _pod(fp: str, key: str = "t") -> Pod:
    return Pod(fp, key, "h", fp, "firing", True, "c", "s", 1.0, None, False, False)


async def test_migrations_are_idempotent_when_replicas_start_together(store: Store) -> None:
    dbs = await asyncio.gather(*(store.replica() for _ in range(4)))
    again = await store.replica()

    async def versions(c: Tx) -> list[int]:
        return [int(r[0]) for r in await c.fetchall("SELECT version FROM schema_version")]

    assert sorted(await again.run(versions)) == [m.version for m in MIGRATIONS]
    assert all(db.shared == (store.backend == "postgresql") for db in dbs)


async def test_the_same_notification_to_two_replicas_at_once_is_stored_once(
    store: Store,
) -> None:
    a, b = await store.replica(), await store.replica()
    pods = [f"svc-{i}" for i in range(20)]
    results = await asyncio.gather(
        _add(Inbox(a, owner="a"), pods), _add(Inbox(b, owner="b"), list(reversed(pods)))
    )
    assert sorted(results) == [(0, 20), (20, 0)]
    assert await Inbox(a).counts() == {"pending": 20}


async def test_two_replicas_claim_disjoint_items_and_together_all(store: Store) -> None:
    a, b = await store.replica(), await store.replica()
    await _add(Inbox(a), [f"svc-{i}" for i in range(30)])
    first, second = await asyncio.gather(
        Inbox(a, owner="a").claim(20), Inbox(b, owner="b").claim(20)
    )
    ids_a, ids_b = {i.id for i in first}, {i.id for i in second}
    assert not ids_a & ids_b
    assert len(ids_a | ids_b) == 30


async def test_a_workload_another_replica_works_on_is_left_to_it(store: Store) -> None:
    a, b = await store.replica(), await store.replica()
    first, second = Inbox(a, owner="a"), Inbox(b, owner="b")
    await _add(first, ["svc-1", "svc-2"], hint="shop/Deployment/svc")
    await _add(first, ["other-1"], hint="shop/Deployment/other")
    [held] = await first.claim(1)  # the oldest item: one of the workload svc
    taken = await second.claim(10)
    assert [i.alert.labels["pod"] for i in taken] == ["other-1"]
    assert held.alert.labels["pod"].startswith("svc-")


async def test_a_dead_replicas_items_are_taken_over_when_its_lease_runs_out(
    store: Store,
) -> None:
    a, b = await store.replica(), await store.replica()
    dead, alive = Inbox(a, owner="dead", lease=0.3), Inbox(b, owner="alive", lease=30)
    await _add(dead, ["p1", "p2"])
    held = await dead.claim(10)
    assert len(held) == 2
    assert await alive.claim(10) == [], "the lease still runs"
    await asyncio.sleep(0.4)
    taken = await alive.claim(10)
    assert {i.id for i in taken} == {i.id for i in held}
    assert not await dead.finish(held[0].id, "done", "late"), "the dead replica lost it"
    assert await alive.finish(taken[0].id, "done", "ok")
    assert await alive.renew([taken[1].id]) == 1
    assert await dead.renew([taken[1].id]) == 0


async def test_exactly_one_of_two_racing_replicas_creates_a_thread(store: Store) -> None:
    a, b = await store.replica(), await store.replica()

    async def create(db: object, fp: str) -> bool:
        return await ThreadStore(db).create(  # type: ignore[arg-type]
            key="/shop/Deployment/svc",
            channel="C1",
            owner="Deployment/svc",
            base=SlackMessage(text="root", blocks=[]),
            replies=[],
            cause="c",
            summary="s",
            first=_pod(fp, "/shop/Deployment/svc"),
        )

    created = await asyncio.gather(create(a, "fp-a"), create(b, "fp-b"))
    assert sorted(created) == [False, True]
    pods = await ThreadStore(a).pods("/shop/Deployment/svc")
    assert len(pods) == 1, "only the creator's first pod was recorded"


async def test_a_thread_has_one_writer_at_a_time_across_replicas(store: Store) -> None:
    a, b = await store.replica(), await store.replica()
    # Two replicas on a shared database; one process's tasks on SQLite.
    shared = store.backend == "postgresql"
    la = Locks(a, owner="a", lease=5)
    lb = Locks(b, owner="b", lease=5) if shared else la
    inside: list[str] = []
    overlaps = 0

    async def write(locks: Locks, who: str) -> None:
        nonlocal overlaps
        for _ in range(5):
            async with locks("thread-1"):
                overlaps += bool(inside)
                inside.append(who)
                await asyncio.sleep(0.01)
                inside.remove(who)

    await asyncio.gather(write(la, "a"), write(lb, "b"))
    assert overlaps == 0


async def test_a_thread_lock_of_a_dead_replica_is_taken_after_its_lease(
    postgres: object,
) -> None:
    from tests.state.pgserver import PgServer

    assert isinstance(postgres, PgServer)
    db = open_database(postgres.fresh_dsn())
    await db.open()
    try:

        async def dead_holder(c: Tx) -> None:
            await c.execute(
                "INSERT INTO thread_locks (key, holder, until_at) VALUES (?, ?, ?)",
                ("thread-1", "dead", time.time() + 0.5),
            )

        await db.run(dead_holder)
        started = time.monotonic()
        async with Locks(db, owner="alive", lease=5)("thread-1"):
            waited = time.monotonic() - started
        assert 0.3 < waited < 3.0
    finally:
        await db.close()


async def test_channel_pacing_is_shared_by_the_replicas(store: Store) -> None:
    interval = 0.15
    replicas = [ChannelSlots(await store.replica(), owner=f"r{i}") for i in range(3)]
    calls: list[tuple[float, float]] = []  # (start, end) of each "Slack call"

    async def post(slots: ChannelSlots) -> None:
        await slots.acquire("C1", interval)
        started = time.time()
        await asyncio.sleep(0.02)  # the call itself
        calls.append((started, time.time()))
        await slots.release("C1", interval)

    await asyncio.gather(*(post(r) for r in replicas for _ in range(3)))
    calls.sort()
    assert len(calls) == 9
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(calls)]
    assert min(gaps) >= interval - 0.02, gaps  # one interval from one call's end to the next
    started = time.monotonic()
    await replicas[0].acquire("C2", interval)
    assert time.monotonic() - started < 0.1, "another channel has its own pace"


async def test_a_single_replica_sqlite_file_is_adopted_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # the schema of the single-replica releases
        for stmt in MIGRATIONS[0].statements:
            conn.execute(stmt.format(id="INTEGER PRIMARY KEY", real="REAL"))
        conn.execute(
            "INSERT INTO items (key, notification_id, fingerprint, status, hint, alert,"
            " state, created_at, updated_at) VALUES ('k', 1, 'f', 'firing', 'h', '{}',"
            " 'claimed', 0, 0)"
        )
    db = open_database(path)
    await db.open()
    try:
        inbox = Inbox(db)
        assert await inbox.reclaim() == 1, "one process: its claims are put back at start"
        assert await inbox.counts() == {"pending": 1}
    finally:
        await db.close()


@pytest.mark.parametrize("url", ["postgresql://u:secret@db:5432/crashloop", "postgres://db/x"])
def test_a_postgresql_url_selects_the_shared_backend_without_leaking_its_password(
    url: str,
) -> None:
    db = open_database(url)
    assert db.shared and db.dialect.name == "postgresql"
    assert "secret" not in db.where


def test_crashloop_state_as_a_url_selects_postgresql_from_env_or_file(tmp_path: Path) -> None:
    url = "postgresql://crashloop:hunter2@db:5432/crashloop"
    from_env = load_settings({"CRASHLOOP_STATE": url})
    assert from_env.state == url
    assert from_env.state_url is not None and "hunter2" not in repr(from_env)
    config = tmp_path / "crashloop.yaml"
    config.write_text(f"state: {url}\n")
    from_file = load_settings({"CRASHLOOP_CONFIG": str(config)})
    assert from_file.state == url
    path = tmp_path / "s.sqlite3"
    assert load_settings({"CRASHLOOP_STATE": str(path)}).state == str(path)
