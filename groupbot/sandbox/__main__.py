"""``python -m groupbot.sandbox [--port 8081] [--token T] [--limits]``: run the sandbox."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import Sandbox


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m groupbot.sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:SANDBOX-TOKEN")
    parser.add_argument("--bot-username", default="groupbot_sandbox_bot")
    parser.add_argument("--limits", action="store_true", help="enforce Telegram's flood limits")
    args = parser.parse_args(argv)
    sandbox = Sandbox(
        args.token, args.bot_username, args.host, args.port, enforce_limits=args.limits
    )

    async def run() -> None:
        await sandbox.start()
        print(
            f"sandbox Bot API on {sandbox.base_url}<token>/  control API on {sandbox.url}/control"
        )
        try:
            await asyncio.Event().wait()
        finally:
            await sandbox.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
