"""Failures on demand: "the next N calls of method X (into chat Y) fail like this"."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ApiError, too_many_requests

_DEFAULT_TEXT = {
    400: "Bad Request: sandbox fault",
    403: "Forbidden: sandbox fault",
    409: "Conflict: sandbox fault",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class Fault:
    method: str  # lower-case Bot API method, or "*" for any
    chat_id: int | None
    status: int | None  # None: no error, only the delay
    retry_after: int
    description: str | None
    times: int
    delay: float

    def matches(self, method: str, chat_id: int | str | None) -> bool:
        return self.method in ("*", method) and (self.chat_id is None or self.chat_id == chat_id)

    def error(self) -> ApiError | None:
        if self.status is None:
            return None
        if self.status == 429:
            err = too_many_requests(self.retry_after)
            if self.description:
                err.description = self.description
            return err
        text = self.description or _DEFAULT_TEXT.get(self.status, f"Error {self.status}")
        return ApiError(self.status, text)


class Faults:
    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.pending.append(fault)

    def take(self, method: str, chat_id: int | str | None) -> Fault | None:
        """The first armed fault for this call, used up by one."""
        for fault in self.pending:
            if fault.matches(method, chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    self.pending.remove(fault)
                return fault
        return None
