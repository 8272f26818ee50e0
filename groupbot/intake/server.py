"""The storefront's HTTP intake: signed JSON orders, shipments and deliveries.

``POST /intake/orders``, ``/intake/shipments`` and ``/intake/deliveries`` take a JSON body
signed with HMAC-SHA256 over the raw bytes (``X-Groupbot-Signature: sha256=<hex>``, the
shared secret is ``settings.intake_secret``). Each request is one transaction; after a commit
that queued messages, ``on_commit`` is called so the bot sends them without waiting for its
next tick. Answers are JSON; errors are ``{"error", "code", "field", "errors"}``.

The routes live on a :class:`groupbot.scale.web.WebServer`: in webhook mode the one the
Telegram webhook is served by (one process, one port), otherwise a server of their own on
``intake_listen:intake_port``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.intake import service, suppliers
from groupbot.intake.fields import FieldError
from groupbot.intake.requests import Invalid, parse_delivery, parse_order, parse_shipment
from groupbot.resolutions import intake as exceptions
from groupbot.runtime import Runtime
from groupbot.scale.web import WebServer

log = logging.getLogger(__name__)

SERVER_KEY = "groupbot.intake"  # where the bot keeps its running server (bot_data)
SIGNATURE_HEADER = "X-Groupbot-Signature"

Apply = Callable[[AsyncSession, Any], Awaitable[tuple[int, dict[str, Any], bool]]]


def sign(secret: str, body: bytes) -> str:
    """The header value a storefront sends with ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not header:
        return False
    expected = sign(secret, body).encode()
    given = header.strip()
    scheme, _, digest = given.partition("=")
    given = f"{scheme.lower()}={digest.lower()}"
    return hmac.compare_digest(expected, given.encode("utf-8", "replace"))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


class IntakeServer:
    """The intake routes and the web server they are served by."""

    def __init__(
        self,
        rt: Runtime,
        *,
        on_commit: Callable[[], None] | None = None,
        web_server: WebServer | None = None,
    ) -> None:
        if not rt.settings.intake_secret:
            raise ValueError("GROUPBOT_INTAKE_SECRET is not set")
        self.rt = rt
        self.on_commit = on_commit
        # A shared server is started and stopped by its owner (the webhook); our own by us.
        self._owns_server = web_server is None
        self.web = web_server or WebServer()
        self.web.app.router.add_post("/intake/orders", self._orders)
        self.web.app.router.add_post("/intake/shipments", self._shipments)
        self.web.app.router.add_post("/intake/deliveries", self._deliveries)
        exceptions.add_routes(self)  # lost / returned / delayed (groupbot.resolutions)
        self.web.app.router.add_post("/intake/suppliers", self._suppliers)

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self, host: str | None = None, port: int | None = None) -> None:
        if not self._owns_server:
            return
        settings = self.rt.settings
        await self.web.start(settings.intake_listen if host is None else host,
                             settings.intake_port if port is None else port)
        log.info("storefront intake at %s/intake/", self.web.url)

    @property
    def port(self) -> int:
        return self.web.port

    @property
    def url(self) -> str:
        return self.web.url

    async def stop(self) -> None:
        if self._owns_server:
            await self.web.stop()

    # --- routes ---------------------------------------------------------------------------

    async def _orders(self, request: web.Request) -> web.Response:
        currency = self.rt.settings.currency

        async def apply(session: AsyncSession, req: Any) -> tuple[int, dict[str, Any], bool]:
            order, created = await service.place_order(session, self.rt, req, source="api")
            return (201 if created else 200), {"order_id": order.id, "created": created}, created

        return await self._handle(request, lambda data: parse_order(data, currency), apply)

    async def _shipments(self, request: web.Request) -> web.Response:
        async def apply(session: AsyncSession, req: Any) -> tuple[int, dict[str, Any], bool]:
            order, updated = await service.ship(session, self.rt, req)
            return 200, {"order_id": order.id, "updated": updated, "status": order.status}, updated

        return await self._handle(request, parse_shipment, apply)

    async def _deliveries(self, request: web.Request) -> web.Response:
        async def apply(session: AsyncSession, req: Any) -> tuple[int, dict[str, Any], bool]:
            order, updated = await service.deliver(session, self.rt, req)
            return 200, {"order_id": order.id, "updated": updated, "status": order.status}, updated

        return await self._handle(request, parse_delivery, apply)

    async def _suppliers(self, request: web.Request) -> web.Response:
        return await self._handle(request, suppliers.parse_suppliers,
                                  lambda session, req: suppliers.answer(session, self.rt, req))

    async def _handle(
        self, request: web.Request, parse: Callable[[Any], Any], apply: Apply
    ) -> web.Response:
        body = await request.read()
        secret = self.rt.settings.intake_secret or ""
        if not signature_ok(secret, body, request.headers.get(SIGNATURE_HEADER)):
            return self._error(401, FieldError("", "bad_signature", header=SIGNATURE_HEADER))
        try:
            data = json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError):
            return self._error(400, FieldError("", "bad_json"))
        try:
            req = parse(data)
            status, payload, changed = await self._apply(apply, req)
        except Invalid as exc:
            return self._error(400, *exc.errors)
        except FieldError as exc:
            return self._error(400, exc)
        except service.UnknownOrder as exc:
            return self._error(404, exc.error)
        except service.OrderConflict as exc:
            return self._error(409, exc.error)
        except service.Mismatch as exc:
            return self._error(409, *exc.errors)
        except Exception:
            log.exception("storefront intake: %s failed", request.path)
            return self._error(500, FieldError("", "internal"))
        if changed:
            self._committed()
        return web.json_response(payload, status=status)

    async def _apply(self, apply: Apply, req: Any) -> tuple[int, dict[str, Any], bool]:
        # Two deliveries of the same new order at once: the loser's insert hits the unique
        # external id; its second try finds the winner's order and answers "not created".
        for attempt in range(2):
            try:
                async with self.rt.tx() as session:
                    return await apply(session, req)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _committed(self) -> None:
        if self.on_commit is None:
            return
        try:
            self.on_commit()
        except Exception:  # the messages are in the outbox; the next tick sends them anyway
            log.exception("storefront intake: on_commit failed")

    def _error(self, status: int, first: FieldError, *more: FieldError) -> web.Response:
        locale = self.rt.settings.default_locale
        errors = [first, *more]
        body = {
            "error": first.problem(locale),
            "code": first.code,
            "field": first.field or None,
            "errors": [
                {"field": e.field or None, "code": e.code, "error": e.problem(locale)}
                for e in errors
            ],
        }
        return web.json_response(body, status=status)


async def start_server(
    rt: Runtime,
    *,
    on_commit: Callable[[], None] | None = None,
    host: str | None = None,
    port: int | None = None,
    web_server: WebServer | None = None,
) -> IntakeServer:
    """Serve the intake on ``web_server`` (already shared, started by its owner) or on a
    server of its own at ``settings.intake_listen:intake_port`` (or the given address)."""
    server = IntakeServer(rt, on_commit=on_commit, web_server=web_server)
    await server.start(host, port)
    return server


__all__ = ["IntakeServer", "SERVER_KEY", "SIGNATURE_HEADER", "sign", "start_server"]
