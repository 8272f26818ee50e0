"""Processes for the live benchmarks: the sandbox, the bot and a bare echo bot, each in its own
process on loopback, and a small client for the sandbox's HTTP control API.

The benchmark script itself only drives people (it posts to the control API) and reads the
clock; nothing it does runs inside the bot's or the sandbox's event loop, so the figures are
what a bot process answering a real Bot API server would show.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TOKEN = "123456:SANDBOX-TOKEN"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Proc:
    """A child process whose output goes to a log file (read it when something fails)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.p: subprocess.Popen | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.p = subprocess.Popen(self.args, env={**os.environ, **self.env}, cwd=ROOT,
                                  stdout=out, stderr=subprocess.STDOUT)
        out.close()

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, exactly what a crash or an OOM kill does."""
        if self.p is not None and self.p.poll() is None:
            self.p.send_signal(signal.SIGKILL)
            self.p.wait()

    def stop(self) -> None:
        if self.p is not None and self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def cpu_seconds(self) -> float:
        """User + system CPU of the running process (from /proc), for CPU per update."""
        assert self.p is not None
        fields = Path(f"/proc/{self.p.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sandbox_proc(port: int, workdir: Path, limits: bool = False) -> Proc:
    args = [PYTHON, "-m", "groupbot.sandbox", "--port", str(port), "--token", TOKEN]
    return Proc(args + (["--limits"] if limits else []), {}, workdir / "sandbox.log")


def bot_env(port: int, database_url: str, **settings: Any) -> dict[str, str]:
    env = {
        "GROUPBOT_BOT_TOKEN": TOKEN,
        "GROUPBOT_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "GROUPBOT_BASE_FILE_URL": f"http://127.0.0.1:{port}/file/bot",
        "GROUPBOT_DATABASE_URL": database_url,
    }
    for key, value in settings.items():
        if isinstance(value, (set, frozenset, list, tuple)):
            value = ",".join(str(v) for v in value)
        env[f"GROUPBOT_{key.upper()}"] = str(value)
    return env


def bot_proc(env: dict[str, str], workdir: Path, name: str = "bot") -> Proc:
    return Proc([PYTHON, "-m", "groupbot.cli", "run"], env, workdir / f"{name}.log")


def echo_proc(port: int, workdir: Path) -> Proc:
    return Proc([PYTHON, str(ROOT / "benchmarks" / "echo_bot.py"), str(port), TOKEN], {},
                workdir / "echo.log")


class Control:
    """The sandbox's control API (groupbot/sandbox/control.py) over HTTP."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/control"
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Control:
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600),
                                          connector=aiohttp.TCPConnector(limit=500))
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.http is not None
        await self.http.close()

    async def wait_up(self, limit: float = 30) -> None:
        deadline = time.monotonic() + limit
        while True:
            try:
                await self.get("/state")
                return
            except (aiohttp.ClientError, OSError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)

    async def _answer(self, response: aiohttp.ClientResponse) -> Any:
        body = await response.json()
        if not body.get("ok"):
            raise RuntimeError(body.get("error"))
        return body["result"]

    async def get(self, path: str, **params: Any) -> Any:
        assert self.http is not None
        async with self.http.get(self.url + path, params=params) as response:
            return await self._answer(response)

    async def post(self, path: str, **body: Any) -> Any:
        assert self.http is not None
        async with self.http.post(self.url + path, json=body) as response:
            return await self._answer(response)

    async def user(self, name: str, **extra: Any) -> int:
        return (await self.post("/users", first_name=name, **extra))["id"]

    async def say(self, user: int, chat: int, text: str) -> dict:
        return await self.post("/send_text", user_id=user, chat_id=chat, text=text)

    async def photo(self, user: int, chat: int, data: bytes) -> dict:
        return await self.post("/send_photo", user_id=user, chat_id=chat,
                               data_base64=base64.b64encode(data).decode())

    async def tap(self, user: int, message: dict, data: str) -> str:
        result = await self.post("/tap", user_id=user, chat_id=message["chat"]["id"],
                                 message_id=message["message_id"], callback_data=data)
        return result["callback_query_id"]

    async def bot_messages(self, chat: int) -> list[dict]:
        return await self.get(f"/chats/{chat}/messages", bot_only="1")

    async def wait_bot(self, chat: int, count: int, limit: float = 30) -> list[dict]:
        """Wait until the bot has sent ``count`` messages in ``chat`` in all; return them all."""
        return await self.post("/wait_for_bot_messages", chat_id=chat, count=count,
                               timeout=limit)


def buttons(message: dict) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b.get("callback_data") or b.get("url") or "") for row in rows
            for b in row]


def print_table(title: str, header: tuple[str, ...], rows: list[tuple]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    line = "| " + " | ".join(f"{h:{w}}" for h, w in zip(header, widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(f"{str(c):{w}}" for c, w in zip(row, widths, strict=True)) + " |")
