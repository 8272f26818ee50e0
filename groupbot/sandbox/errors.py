"""Bot API errors as Telegram reports them.

PTB maps an error purely from the HTTP status and the JSON body
(``telegram/request/_baserequest.py``): ``parameters.migrate_to_chat_id`` becomes
``ChatMigrated``, ``parameters.retry_after`` becomes ``RetryAfter``, 400 ``BadRequest``,
401/404 ``InvalidToken``, 403 ``Forbidden``, 409 ``Conflict``, anything else ``NetworkError``.
So every failure the sandbox gives goes through :class:`ApiError` with Telegram's own words.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API failure: HTTP status, Telegram's description, optional ResponseParameters."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


def forbidden(what: str) -> ApiError:
    return ApiError(403, f"Forbidden: {what}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def chat_not_found() -> ApiError:
    return bad_request("chat not found")


UNAUTHORIZED = ApiError(401, "Unauthorized")
NOT_FOUND = ApiError(404, "Not Found")
