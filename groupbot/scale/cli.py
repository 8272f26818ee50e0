"""`groupbot status`: who runs, who leads, queue depths and the oldest due item (plain text in
the default locale, like the other operator commands)."""

from __future__ import annotations

import sys
from typing import TextIO

from groupbot.intake.fields import plain
from groupbot.runtime import Runtime
from groupbot.scale.status import Status, snapshot
from groupbot.scale.updates import wall_now


def render(status: Status, locale: str) -> list[str]:
    def t(key: str, **values: object) -> str:
        return plain(locale, f"scale.status.{key}", **values)

    alive = [p for p in status.processes if p.alive]
    lines = [t("processes", alive=len(alive))]
    for p in status.processes:
        lines.append(t("process", id=p.id, kind=p.kind, mode=p.mode,
                       state=t("alive") if p.alive else t("dead"), ago=p.seen_seconds_ago,
                       leading=t("leading") if p.leading else ""))
    if not status.processes:
        lines.append(t("none"))
    leader = status.leader
    lines.append(t("leader", id=leader.id) if leader else t("no_leader"))
    lines.append(t("queues"))
    now = wall_now()
    for q in status.queues:
        name = plain(locale, f"scale.queue.{q.name}")
        if q.oldest_due is None:
            lines.append(t("queue", name=name, depth=q.depth))
        else:
            lines.append(t("queue_oldest", name=name, depth=q.depth,
                           when=q.oldest_due.strftime("%Y-%m-%d %H:%M:%S UTC"),
                           ago=max(0, round((now - q.oldest_due).total_seconds()))))
    return lines


async def status_command(rt: Runtime, out: TextIO | None = None) -> int:
    from groupbot import db

    await db.upgrade(rt.engine)
    from groupbot.worker.queue import evidence_queues

    status = await snapshot(rt, evidence=await evidence_queues(rt))
    for line in render(status, rt.settings.default_locale):
        print(line, file=out or sys.stdout)
    return 0
