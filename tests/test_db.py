"""SQLite's one writer at a time: in one process the writers queue, first come first served
(not SQLite's busy handler, whose sleeps let whoever retries next win), readers are not held
by them, a rolled-back or failed writer lets the next one in, and the record of a message
Telegram already accepted goes ahead of the writers waiting."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from groupbot.db import WriterQueue, make_engine, make_sessionmaker, transaction, urgent_write


@pytest.fixture
async def sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE tally (n INTEGER)"))
    yield engine
    await engine.dispose()


async def test_a_burst_of_writers_is_served_one_after_another_in_arrival_order(sqlite):
    sessions = make_sessionmaker(sqlite)
    inside = 0
    most = 0
    arrived: list[int] = []  # the order the INSERTs reach the engine (before the queue)
    finished: list[int] = []

    @event.listens_for(sqlite.sync_engine, "before_cursor_execute", insert=True)
    def reaching(_conn, _cursor, statement, parameters, *_args) -> None:
        if statement.startswith("INSERT"):
            arrived.append(parameters[0])

    async def write(n: int) -> None:
        nonlocal inside, most
        async with transaction(sessions) as s:
            await s.execute(text("INSERT INTO tally VALUES (:n)"), {"n": n})
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)  # other steps of the unit, on the event loop
            await s.execute(text("UPDATE tally SET n = n + 1000 WHERE n = :n"), {"n": n})
            inside -= 1
            finished.append(n)

    await asyncio.gather(*(write(n) for n in range(40)))
    async with transaction(sessions) as s:
        rows = (await s.execute(text("SELECT count(*), min(n) FROM tally"))).one()
    assert tuple(rows) == (40, 1000)
    assert most == 1  # the second writer waited for the first one's commit
    assert finished == arrived


async def test_a_reader_is_not_held_by_a_writer_and_a_rollback_lets_the_next_writer_in(sqlite):
    sessions = make_sessionmaker(sqlite)
    wrote = asyncio.Event()
    release = asyncio.Event()

    async def writer_that_fails() -> None:
        with pytest.raises(RuntimeError):
            async with transaction(sessions) as s:
                await s.execute(text("INSERT INTO tally VALUES (1)"))
                wrote.set()
                await release.wait()
                raise RuntimeError("the unit failed")

    failing = asyncio.create_task(writer_that_fails())
    await wrote.wait()
    async with transaction(sessions) as s:  # reads while the writer holds the lock
        assert await s.scalar(text("SELECT count(*) FROM tally")) == 0
    release.set()
    await failing
    async with transaction(sessions) as s:
        await s.execute(text("INSERT INTO tally VALUES (2)"))
    async with transaction(sessions) as s:
        assert list(await s.scalars(text("SELECT n FROM tally"))) == [2]


async def test_the_record_of_a_sent_message_goes_ahead_of_the_writers_waiting(sqlite):
    sessions = make_sessionmaker(sqlite)
    # Connections made before the file is locked: a new one's set-up (its PRAGMAs) would
    # wait for the lock itself, before it reaches the queue.
    warm = [await sqlite.connect() for _ in range(5)]
    for conn in warm:
        await conn.close()
    holding, release = asyncio.Event(), asyncio.Event()
    held: list[str] = []

    async def holder() -> None:
        async with transaction(sessions) as s:
            await s.execute(text("INSERT INTO tally VALUES (0)"))
            holding.set()
            await release.wait()
            held.append("holder")

    async def writer(name: str, n: int, urgent: bool = False) -> None:
        async with transaction(sessions) as s:
            if urgent:
                urgent_write(await s.connection())
            await s.execute(text("INSERT INTO tally VALUES (:n)"), {"n": n})
            # Noted while the lock is held: after the block, one writer's return of its
            # connection (a rollback on its thread) may take longer than the next one's commit.
            held.append(name)

    first = asyncio.create_task(holder())
    await holding.wait()
    steps = [asyncio.create_task(writer(f"step {n}", n)) for n in (1, 2, 3)]
    await asyncio.sleep(0.2)  # the three claim steps wait in the queue
    record = asyncio.create_task(writer("sent record", 9, urgent=True))
    await asyncio.sleep(0.2)
    release.set()
    await asyncio.gather(first, record, *steps)
    # Ahead of all three (which go in the order they reached the queue, not asserted here:
    # that is the first test's).
    assert held[:2] == ["holder", "sent record"]
    assert sorted(held[2:]) == ["step 1", "step 2", "step 3"]
    # The mark is the transaction's: the connection's next writer is an ordinary one again.
    await writer("step 4", 4)
    assert held[-1] == "step 4"


async def test_a_writer_cancelled_while_waiting_or_as_its_turn_came_passes_the_lock_on():
    queue = WriterQueue()
    await queue.acquire()
    gone = asyncio.create_task(queue.acquire())
    handed = asyncio.create_task(queue.acquire(urgent=True))
    later = asyncio.create_task(queue.acquire())
    await asyncio.sleep(0)
    gone.cancel()  # cancelled while waiting: leaves the queue
    await asyncio.sleep(0)
    queue.release()  # the lock passes to `handed` ...
    handed.cancel()  # ... which is cancelled before it runs: the lock goes on to `later`
    await asyncio.gather(gone, handed, return_exceptions=True)
    await asyncio.wait_for(later, 1)
    queue.release()
    await asyncio.wait_for(queue.acquire(), 1)  # free again



async def test_a_writer_cancelled_inside_a_statement_lets_the_next_writer_in(sqlite):
    # Ctrl+C or a shutdown cancels a unit while SQLite runs its statement: SQLAlchemy
    # invalidates the connection, and the rollback then cannot read the connection's info.
    sessions = make_sessionmaker(sqlite)
    wrote = asyncio.Event()

    async def writer_cancelled() -> None:
        async with transaction(sessions) as s:
            await s.execute(text("INSERT INTO tally VALUES (1)"))
            wrote.set()
            await s.execute(text(  # seconds of work for SQLite
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                "WHERE x < 5000000) SELECT count(*) FROM c"))

    task = asyncio.create_task(writer_cancelled())
    await wrote.wait()
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    async def next_writer() -> None:
        async with transaction(sessions) as s:
            await s.execute(text("INSERT INTO tally VALUES (2)"))

    await asyncio.wait_for(next_writer(), 10)
    async with transaction(sessions) as s:
        assert list(await s.scalars(text("SELECT n FROM tally"))) == [2]
