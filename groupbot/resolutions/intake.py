"""The storefront's delivery exceptions: ``POST /intake/exceptions``.

Signed and answered like the other intake routes (groupbot.intake.server)::

    {"external_id": "SHOP-1001", "kind": "lost" | "returned" | "delayed", "note": "..."}

``returned`` is returned to sender. The member is told (through the outbox) and the parcel
shows in ``/stalled`` and ``/track``; lost and returned parcels get the 还没收到 button.
The same report sent again changes nothing (200, ``updated`` false).
"""

from __future__ import annotations

from typing import Any

from pydantic import field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.intake import service
from groupbot.intake.fields import FieldError, _bad, text
from groupbot.intake.requests import ExternalId, _checked, _Fields
from groupbot.models.orders import ORDER_CANCELLED
from groupbot.models.resolutions import EXCEPTION_KINDS
from groupbot.resolutions import watch

Kind = text(16)
Note = text(500, required=False)


class ExceptionRequest(_Fields):
    external_id: ExternalId
    kind: Kind
    note: Note = None

    @field_validator("kind")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in EXCEPTION_KINDS:
            raise _bad("unknown_exception", value=value, kinds=", ".join(EXCEPTION_KINDS))
        return value


def parse_exception(data: Any) -> ExceptionRequest:
    return _checked(ExceptionRequest, data)


async def apply(session: AsyncSession, rt: Any, req: ExceptionRequest
                ) -> tuple[int, dict[str, Any], bool]:
    order = await service.order_by_external_id(session, rt, req.external_id)
    if order is None:
        raise service.UnknownOrder(req.external_id)
    if order.status == ORDER_CANCELLED:
        raise FieldError("external_id", "order_cancelled", order=order.id)
    updated = await watch.record_exception(session, rt, order, req.kind, req.note)
    return 200, {"order_id": order.id, "updated": updated, "kind": req.kind}, updated


def add_routes(server: Any) -> None:
    """Called by groupbot.intake.server.IntakeServer beside its own routes."""

    async def exceptions(request: Any) -> Any:
        return await server._handle(request, parse_exception,
                                    lambda session, req: apply(session, server.rt, req))

    server.web.app.router.add_post("/intake/exceptions", exceptions)
