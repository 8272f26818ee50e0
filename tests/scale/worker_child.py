"""`groupbot worker` in a process of its own on a test's PostgreSQL schema (the real worker
code; only the engine is bound to the schema): ``python -m tests.scale.worker_child URL SCHEMA``.
"""

from __future__ import annotations

import asyncio
import sys

from groupbot.db import make_engine
from groupbot.runtime import Runtime
from groupbot.settings import Settings
from groupbot.worker.run import run_worker


def main() -> int:
    url, schema, lease = sys.argv[1], sys.argv[2], float(sys.argv[3])
    settings = Settings(database_url=url, evidence_queue="procrastinate",
                        process_lease_seconds=lease)
    rt = Runtime.create(settings, engine=make_engine(url, schema=schema))
    return asyncio.run(run_worker(settings, rt=rt, concurrency=1))


if __name__ == "__main__":
    raise SystemExit(main())
