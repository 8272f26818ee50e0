"""Webhook mode: POST each queued update to the bot's URL, in order, like Telegram does.

A 2xx answer confirms the update. Anything else (PTB's server answers 403 to a wrong secret)
is retried a few times with a short backoff, recorded in ``last_error_*`` of getWebhookInfo,
then dropped so that tests don't hang (Telegram itself keeps retrying for up to a day).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import aiohttp

from .state import State

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookSender:
    def __init__(self, st: State, *, attempts: int = 3, backoff: float = 0.05) -> None:
        self.st = st
        self.attempts = attempts
        self.backoff = backoff
        self.deliveries: list[dict[str, Any]] = []
        # Tests set this to send a wrong secret ("" sends none); None sends the bot's own.
        self.secret_override: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._task = asyncio.create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    def _due(self) -> bool:
        return self.st.closing or bool(self.st.webhook.url and self.st.updates)

    async def _run(self) -> None:
        st = self.st
        while not st.closing:
            if not await st.changed.wait_for(self._due, 3600) or st.closing:
                continue
            update, url = st.updates[0], st.webhook.url
            st.update_event("handed", update["update_id"])
            if await self._deliver(update, url) is None:
                continue  # webhook removed or changed meanwhile: keep the update
            if st.updates and st.updates[0] is update:
                st.updates.popleft()
            st.fetched_upto = max(st.fetched_upto, update["update_id"])
            st.last_activity = time.monotonic()  # the bot now works on it: settle() waits
            st.changed.notify()

    async def _deliver(self, update: dict[str, Any], url: str) -> bool | None:
        assert self._session is not None
        secret = self.secret_override
        if secret is None:
            secret = self.st.webhook.secret_token
        headers = {"Content-Type": "application/json"}
        if secret:
            headers[SECRET_HEADER] = secret
        body = json.dumps(update, ensure_ascii=False).encode()
        for attempt in range(1, self.attempts + 1):
            status: int | None = None
            error = ""
            try:
                async with self._session.post(url, data=body, headers=headers) as resp:
                    status, error = resp.status, f"{resp.status} {resp.reason}"
                    await resp.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {exc!r}"
            self.deliveries.append(
                {
                    "update_id": update["update_id"],
                    "url": url,
                    "status": status,
                    "attempt": attempt,
                    "secret_sent": secret or None,
                    "time": time.time(),
                }
            )
            if status is not None and 200 <= status < 300:
                return True
            self.st.webhook.last_error_date = int(time.time())
            self.st.webhook.last_error_message = f"Wrong response from the webhook: {error}"
            await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            if self.st.webhook.url != url:
                return None
        return False
