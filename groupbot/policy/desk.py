"""The service desk's rules (issue 13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from groupbot.settings import Settings

# --- the service desk ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskRules:
    """Human service hours (default every day 09:00–24:00) and the conversation clocks."""

    opens: time
    closes: time  # 00:00 means 24:00
    idle_minutes: int
    idle_warning_minutes: int
    escalate_minutes: int
    reopen_hours: int
    timezone: str

    @classmethod
    def from_settings(cls, settings: Settings) -> DeskRules:
        return cls(
            opens=settings.service_opens,
            closes=settings.service_closes,
            idle_minutes=settings.desk_idle_minutes,
            idle_warning_minutes=min(settings.desk_idle_warning_minutes,
                                     settings.desk_idle_minutes - 1),
            escalate_minutes=settings.desk_escalate_minutes,
            reopen_hours=settings.desk_reopen_hours,
            timezone=settings.timezone,
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
