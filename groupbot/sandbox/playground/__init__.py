"""A Telegram-like web page over the sandbox: act as anyone, watch the bot answer live."""

from .server import ClockControl, Playground

__all__ = ["ClockControl", "Playground"]
