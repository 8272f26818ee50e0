"""`groupbot sandbox` as a person starts it: the page's address first, everything on one
screen, no log lines scrolling it away; --verbose brings the chatty loggers back."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import messages


def start(tmp_path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("CI", None)
    return subprocess.Popen(
        [sys.executable, "-m", "groupbot.cli", "sandbox", "--port", "0", "--locale", "en", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)


def read_intro(proc: subprocess.Popen) -> list[str]:
    """The printed lines, up to the last line of the intro."""
    last = messages.catalog("en")["demo.manual.intro"].splitlines()[-1].split(":")[0]
    lines: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith(last):
            return lines
    raise AssertionError(f"no intro printed: {lines!r}")


def stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)  # Ctrl+C
    _out, err = proc.communicate(timeout=30)
    return proc.returncode, err


def test_sandbox_prints_the_page_first_fits_on_a_screen_and_stays_quiet(tmp_path):
    proc = start(tmp_path)
    try:
        lines = read_intro(proc)
        time.sleep(2.5)  # a few of the bot's ticks
    finally:
        code, err = stop(proc)
    url = re.match(r"Playground: open (http://127\.0\.0\.1:\d+/) in a browser", lines[0])
    assert url, lines[0]
    assert len(lines) <= 20
    assert code == 0
    assert err == ""  # no INFO lines from the scheduler or Alembic, no traceback on Ctrl+C


def test_verbose_brings_back_the_scheduler_and_alembic_lines(tmp_path):
    proc = start(tmp_path, "--verbose")
    try:
        read_intro(proc)
        time.sleep(2.5)
    finally:
        code, err = stop(proc)
    assert code == 0
    assert "INFO alembic.runtime.plugins" in err
    assert "INFO apscheduler.executors.default: Running job" in err


def test_demo_replays_the_scenario_into_the_playground(tmp_path):
    import httpx

    paid = messages.t("en", "reviews.member.paid", claim=1, amount="¥10.00",
                      reference="WX20261122-0001")
    last = re.sub(r"<[^>]+>", "", paid)[:80]
    proc = start(tmp_path, "--demo")
    try:
        lines = read_intro(proc)  # printed at once: the replay can be watched on the page
        page = re.match(r"Playground: open (\S+) in a browser", lines[0]).group(1)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the replay ends with the refund paid
            world = httpx.get(f"{page}playground/api/world", timeout=10).json()
            ming = next(c for c in world["chats"] if c["title"] == "Ming")
            if ming["last"] and ming["last"]["preview"]["text"] == last:
                break
            time.sleep(0.2)
    finally:
        code, err = stop(proc)
    assert code == 0 and err == ""
    assert ming["last"]["preview"]["text"] == last
    # The latest news first: Ming's refund is newer than anything in other private chats. Only
    # a group may be ahead of her: the reviewers' card edit follows the payout, sometimes by a
    # few seconds (a group's budget), sometimes before this look.
    ahead = world["chats"][:world["chats"].index(ming)]
    assert [c["title"] for c in ahead if c["type"] == "private"] == []
    assert world["guide"]["member"] == "Ming"
