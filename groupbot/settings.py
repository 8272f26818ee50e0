"""One frozen settings object, loaded once from ``GROUPBOT_*`` variables and an optional TOML file.

Precedence: environment variable > TOML file (``GROUPBOT_CONFIG`` or ``./groupbot.toml``) > default.
Every policy number of the after-sales rules in DESIGN.md is a setting with its default here.
A malformed value raises :class:`SettingsError` whose message is one line naming the variable and
what it expects, so the CLI can print it instead of a traceback.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_PREFIX = "GROUPBOT_"
SUPPORTED_LOCALES = ("zh-Hans", "en")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line meant for a person."""


@dataclass(frozen=True)
class Settings:
    # --- Telegram ------------------------------------------------------------------------
    bot_token: str | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str | None = None  # default: the path of webhook_url
    # --- more than one process (groupbot/scale) -------------------------------------------
    redis_url: str | None = None  # one send budget for all processes of this token
    process_lease_seconds: float = 15.0  # a silent process's held work is taken over after it
    # "inline": photos are analysed in the bot process; "procrastinate": by `groupbot worker`s
    evidence_queue: str = "inline"
    # --- storage and locale ---------------------------------------------------------------
    database_url: str = "sqlite+aiosqlite:///./var/groupbot.db"
    default_locale: str = "zh-Hans"
    timezone: str = "Asia/Shanghai"
    currency: str = "CNY"
    community_title: str = "社区团购"
    # --- people ---------------------------------------------------------------------------
    organizer_ids: frozenset[int] = frozenset()
    reviewer_ids: frozenset[int] = frozenset()
    reviewers_chat_id: int | None = None
    # Finding 4: organizers are not reviewers unless a deployment says so explicitly.
    organizers_may_review: bool = False
    # A reviewers' chat member's role is re-checked with getChatMember after this long.
    staff_chat_recheck_hours: int = 24
    admin_chat_id: int | None = None
    # --- service desk (groupbot/desk): staff forums, one topic per member ------------------
    service_chat_id: int | None = None
    service_chat_ids: frozenset[int] = frozenset()  # more desk chats sharing the members
    agent_ids: frozenset[int] = frozenset()
    desk_idle_minutes: int = 4
    desk_idle_warning_minutes: int = 1  # 0 = no warning
    desk_escalate_minutes: int = 3
    desk_reopen_hours: int = 24  # a member's message reopens a conversation closed this recently
    # --- aftercare (groupbot/aftercare): return visits, ratings, complaint cases -----------
    aftercare_visit_days: int = 1  # the return visit: this many days after delivery ...
    aftercare_visit_time: time = time(10, 0)  # ... at this local time (inside service hours)
    aftercare_visit_cooldown_days: int = 7  # at most one visit per member in this many days
    aftercare_visit_reminder_hours: int = 24  # one reminder if unanswered (0 = none)
    aftercare_comment_minutes: int = 30  # after a rating, the next text is its comment
    aftercare_rating_delay_minutes: int = 60  # a decided claim's rating request waits this long
    # --- storefront intake ----------------------------------------------------------------
    intake_secret: str | None = None
    intake_listen: str = "127.0.0.1"
    intake_port: int = 8081
    # --- after-sales policy (DESIGN.md defaults) ------------------------------------------
    claim_window_hours: int = 48
    claim_reminder_hours_before: int = 6
    claim_min_photos: int = 1
    claim_max_photos: int = 6
    claim_idle_minutes: int = 4
    claim_description_max_chars: int = 1000
    review_due_days: int = 2
    review_reannounce_hours: int = 24
    review_lease_minutes: int = 15
    payout_business_days: int = 3
    nonperishable_return_days: int = 7
    coupon_min: Decimal = Decimal("5")
    coupon_max: Decimal = Decimal("10")
    coupon_valid_days: int = 30
    service_opens: time = time(9, 0)
    service_closes: time = time(0, 0)  # 24:00, i.e. midnight at the end of the day
    max_photo_bytes: int = 20 * 1024 * 1024
    auto_approve_enabled: bool = False
    auto_approve_max_amount: Decimal = Decimal("20")
    auto_approve_monthly_claims: int = 2
    # --- resolutions (groupbot/resolutions): returns and the logistics watch --------------
    return_address: str = ""  # where 7-day returns are sent; empty: ask the organizer
    return_reminder_days: int = 2  # remind a member who gave no return tracking number
    return_confirm_days: int = 5  # a return shipped this long ago and not received escalates
    parcel_stall_hours: int = 72  # shipped, no delivery after this long: check with the courier
    courier_stall_hours: str = ""  # per courier, e.g. "顺丰=48,EMS=120"
    # --- messaging cadence ----------------------------------------------------------------
    warning_merge_seconds: int = 60
    deal_card_edit_seconds: int = 3
    broadcast_missed_grace_minutes: int = 30
    broadcast_progress_seconds: int = 5  # the progress message is edited at most this often
    rate_overall_per_second: int = 30
    rate_group_per_minute: int = 20
    tick_seconds: float = 2.0
    # --- analytics (reports, batch alerts, 改善) -------------------------------------------
    # Under this many units a rate is shown as counts, never as a bare percentage, and a batch
    # (or a product's baseline) is too small for an alert.
    analytics_min_units: int = 30
    analytics_baseline_days: int = 180  # a product's usual rate: its batches this far back
    analytics_check_minutes: int = 10  # how often the tick looks for bad batches
    analytics_digest_weekday: int = 1  # ISO weekday of the weekly digest (1 = Monday, 0 = off)
    analytics_digest_hour: int = 9  # local hour of the weekly digest
    analytics_compare_batches: int = 3  # batches before / since compared when closing 改善

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def desk_chat_ids(self) -> tuple[int, ...]:
        """Every service desk chat, the main one first."""
        main = (self.service_chat_id,) if self.service_chat_id is not None else ()
        return main + tuple(sorted(c for c in self.service_chat_ids if c not in main))

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


# --- parsing -------------------------------------------------------------------------------


def _int(raw: Any, *, minimum: int = 0) -> int:
    if isinstance(raw, bool):
        raise ValueError
    value = int(str(raw).strip()) if not isinstance(raw, int) else raw
    if value < minimum:
        raise ValueError
    return value


def _float(raw: Any) -> float:
    value = float(str(raw).strip())
    if value <= 0:
        raise ValueError
    return value


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, float):  # TOML floats: go through str so 0.1 stays 0.1
        raw = repr(raw)
    value = Decimal(str(raw).strip())
    if not value.is_finite() or value < 0:
        raise ValueError
    return value


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError


def _ids(raw: Any) -> frozenset[int]:
    if isinstance(raw, list | tuple):
        items = [str(x) for x in raw]
    else:
        items = [p for p in str(raw).replace(";", ",").split(",")]
    return frozenset(int(p.strip()) for p in items if p.strip())


def _opt_int(raw: Any) -> int | None:
    text = str(raw).strip()
    return int(text) if text else None


def _opt_str(raw: Any) -> str | None:
    text = str(raw).strip()
    return text or None


def _clock(raw: Any) -> time:
    text = str(raw).strip()
    hours, _, minutes = text.partition(":")
    h, m = int(hours), int(minutes or 0)
    if h == 24 and m == 0:
        return time(0, 0)
    return time(h, m)


def _locale(raw: Any) -> str:
    text = str(raw).strip()
    if text not in SUPPORTED_LOCALES:
        raise ValueError
    return text


def _zone(raw: Any) -> str:
    text = str(raw).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError from exc
    return text


def _currency(raw: Any) -> str:
    text = str(raw).strip().upper()
    if len(text) != 3 or not text.isalpha():
        raise ValueError
    return text


def _str(raw: Any) -> str:
    text = str(raw).strip()
    if not text:
        raise ValueError
    return text


def _weekday(raw: Any) -> int:
    value = _int(raw)
    if value > 7:
        raise ValueError
    return value


def _hour(raw: Any) -> int:
    value = _int(raw)
    if value > 23:
        raise ValueError
    return value


def _evidence_queue(raw: Any) -> str:
    value = _str(raw).lower()
    if value not in ("inline", "procrastinate"):
        raise ValueError
    return value


# field name -> (parser, what a person should write)
_PARSERS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "bot_token": (_opt_str, "the bot token from @BotFather"),
    "base_url": (_str, "a URL such as https://api.telegram.org/bot"),
    "base_file_url": (_str, "a URL such as https://api.telegram.org/file/bot"),
    "webhook_url": (_opt_str, "the public HTTPS URL Telegram should post updates to"),
    "webhook_secret": (_opt_str, "a secret token of 1-256 characters A-Z a-z 0-9 _ -"),
    "webhook_listen": (_str, "an address to listen on, e.g. 0.0.0.0"),
    "webhook_port": (lambda r: _int(r, minimum=1), "a TCP port number"),
    "webhook_path": (_opt_str, "the path to listen on, e.g. /tg/hook"),
    "redis_url": (_opt_str, "a Redis URL such as redis://127.0.0.1:6379/0"),
    "process_lease_seconds": (_float, "seconds, e.g. 15"),
    "evidence_queue": (_evidence_queue, "inline or procrastinate"),
    "database_url": (_str, "an SQLAlchemy URL, e.g. sqlite+aiosqlite:///./var/groupbot.db"),
    "default_locale": (_locale, "one of " + ", ".join(SUPPORTED_LOCALES)),
    "timezone": (_zone, "an IANA time zone such as Asia/Shanghai"),
    "currency": (_currency, "a three-letter currency code such as CNY"),
    "community_title": (_str, "the community's name"),
    "organizer_ids": (_ids, "comma-separated Telegram user ids, e.g. 111,222"),
    "reviewer_ids": (_ids, "comma-separated Telegram user ids, e.g. 111,222"),
    "reviewers_chat_id": (_opt_int, "a Telegram chat id such as -1001234567890"),
    "organizers_may_review": (_bool, "true or false"),
    "staff_chat_recheck_hours": (lambda r: _int(r, minimum=1), "a whole number of hours"),
    "admin_chat_id": (_opt_int, "a Telegram chat id such as -1001234567890"),
    "service_chat_id": (_opt_int, "a Telegram chat id such as -1001234567890"),
    "service_chat_ids": (_ids, "comma-separated Telegram chat ids, e.g. -1001,-1002"),
    "agent_ids": (_ids, "comma-separated Telegram user ids, e.g. 111,222"),
    "desk_idle_minutes": (lambda r: _int(r, minimum=1), "a whole number of minutes, e.g. 4"),
    "desk_idle_warning_minutes": (_int, "a whole number of minutes, e.g. 1 (0 = off)"),
    "desk_escalate_minutes": (lambda r: _int(r, minimum=1), "a whole number of minutes, e.g. 3"),
    "desk_reopen_hours": (lambda r: _int(r, minimum=1), "a whole number of hours, e.g. 24"),
    "aftercare_visit_days": (_int, "a whole number of days, e.g. 1"),
    "aftercare_visit_time": (_clock, "a time of day as HH:MM, e.g. 10:00"),
    "aftercare_visit_cooldown_days": (_int, "a whole number of days, e.g. 7"),
    "aftercare_visit_reminder_hours": (_int, "a whole number of hours, e.g. 24 (0 = off)"),
    "aftercare_comment_minutes": (lambda r: _int(r, minimum=1), "a whole number of minutes"),
    "aftercare_rating_delay_minutes": (_int, "a whole number of minutes, e.g. 60"),
    "intake_secret": (_opt_str, "the shared HMAC secret of the storefront"),
    "intake_listen": (_str, "an address to listen on, e.g. 0.0.0.0"),
    "intake_port": (lambda r: _int(r, minimum=1), "a TCP port number"),
    "claim_window_hours": (lambda r: _int(r, minimum=1), "a whole number of hours, e.g. 48"),
    "claim_reminder_hours_before": (_int, "a whole number of hours, e.g. 6 (0 = off)"),
    "claim_min_photos": (lambda r: _int(r, minimum=1), "a whole number of photos, e.g. 1"),
    "claim_max_photos": (lambda r: _int(r, minimum=1), "a whole number of photos, e.g. 6"),
    "claim_idle_minutes": (lambda r: _int(r, minimum=1), "a whole number of minutes, e.g. 4"),
    "claim_description_max_chars": (
        lambda r: _int(r, minimum=1), "a whole number of characters, e.g. 1000"),
    "review_due_days": (lambda r: _int(r, minimum=1), "a whole number of days, e.g. 2"),
    "review_reannounce_hours": (lambda r: _int(r, minimum=1), "a whole number of hours"),
    "review_lease_minutes": (lambda r: _int(r, minimum=1), "a whole number of minutes"),
    "payout_business_days": (lambda r: _int(r, minimum=1), "a whole number of business days"),
    "nonperishable_return_days": (_int, "a whole number of days, e.g. 7"),
    "return_address": (_str, "the return address sent to members, one line"),
    "return_reminder_days": (lambda r: _int(r, minimum=1), "a whole number of days, e.g. 2"),
    "return_confirm_days": (lambda r: _int(r, minimum=1), "a whole number of days, e.g. 5"),
    "parcel_stall_hours": (lambda r: _int(r, minimum=1), "a whole number of hours, e.g. 72"),
    "courier_stall_hours": (_str, "courier=hours pairs, e.g. 顺丰=48,EMS=120"),
    "coupon_min": (_decimal, "an amount such as 5 or 5.00"),
    "coupon_max": (_decimal, "an amount such as 10 or 10.00"),
    "coupon_valid_days": (lambda r: _int(r, minimum=1), "a whole number of days"),
    "service_opens": (_clock, "a time of day as HH:MM, e.g. 09:00"),
    "service_closes": (_clock, "a time of day as HH:MM, e.g. 24:00"),
    "max_photo_bytes": (
        lambda r: min(_int(r, minimum=1), 20 * 1024 * 1024),
        "a size in bytes up to 20971520 (Telegram's 20 MB download cap)",
    ),
    "auto_approve_enabled": (_bool, "true or false"),
    "auto_approve_max_amount": (_decimal, "an amount such as 20.00"),
    "auto_approve_monthly_claims": (_int, "a whole number of claims"),
    "warning_merge_seconds": (_int, "a whole number of seconds"),
    "deal_card_edit_seconds": (_int, "a whole number of seconds"),
    "broadcast_missed_grace_minutes": (_int, "a whole number of minutes"),
    "broadcast_progress_seconds": (lambda r: _int(r, minimum=1), "a whole number of seconds"),
    "rate_overall_per_second": (lambda r: _int(r, minimum=1), "messages per second, e.g. 30"),
    "rate_group_per_minute": (lambda r: _int(r, minimum=1), "messages per minute, e.g. 20"),
    "tick_seconds": (_float, "seconds, e.g. 2"),
    "analytics_min_units": (lambda r: _int(r, minimum=1), "a whole number of units, e.g. 30"),
    "analytics_baseline_days": (lambda r: _int(r, minimum=1), "a whole number of days"),
    "analytics_check_minutes": (lambda r: _int(r, minimum=1), "a whole number of minutes"),
    "analytics_digest_weekday": (
        _weekday, "a weekday number 1-7 (1 = Monday), or 0 for no digest"),
    "analytics_digest_hour": (_hour, "an hour of the day 0-23, e.g. 9"),
    "analytics_compare_batches": (lambda r: _int(r, minimum=1), "a whole number of batches"),
}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise SettingsError(f"GROUPBOT_CONFIG: cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"GROUPBOT_CONFIG: {path} is not valid TOML: {exc}") from exc
    # Allow a [groupbot] table or top-level keys.
    return dict(data.get("groupbot", data))


def load_settings(
    env: Mapping[str, str] | None = None, *, config_path: str | Path | None = None, **overrides: Any
) -> Settings:
    """Build the settings from a config file, the environment and explicit overrides."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    path = config_path or env.get(ENV_PREFIX + "CONFIG")
    if path:
        raw.update(_read_toml(Path(path)))
    elif Path("groupbot.toml").is_file():
        raw.update(_read_toml(Path("groupbot.toml")))
    unknown = sorted(k for k in raw if k not in _PARSERS)
    if unknown:
        raise SettingsError(f"groupbot.toml: unknown setting '{unknown[0]}'")
    for name in _PARSERS:
        key = ENV_PREFIX + name.upper()
        if key in env:
            raw[name] = env[key]
    values: dict[str, Any] = {}
    for name, value in raw.items():
        parser, expected = _PARSERS[name]
        try:
            values[name] = parser(value)
        except (ValueError, TypeError, InvalidOperation):
            shown = str(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise SettingsError(
                f"{ENV_PREFIX}{name.upper()}: expected {expected}, got '{shown}'"
            ) from None
    values.update(overrides)
    settings = Settings(**values)
    if settings.claim_min_photos > settings.claim_max_photos:
        raise SettingsError("GROUPBOT_CLAIM_MIN_PHOTOS: must not be more than CLAIM_MAX_PHOTOS")
    if settings.evidence_queue == "procrastinate" and not settings.database_url.startswith(
            ("postgres", "postgresql")):
        raise SettingsError("GROUPBOT_EVIDENCE_QUEUE: procrastinate needs a postgresql:// "
                            "GROUPBOT_DATABASE_URL (workers share the bot's database)")
    if settings.coupon_min > settings.coupon_max:
        raise SettingsError("GROUPBOT_COUPON_MIN: must not be more than GROUPBOT_COUPON_MAX")
    return settings


_loaded: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, loaded once on first use."""
    global _loaded
    if _loaded is None:
        _loaded = load_settings()
    return _loaded


__all__ = ["Settings", "SettingsError", "load_settings", "get_settings"]
