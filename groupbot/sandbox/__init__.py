"""A local Telegram Bot API server for tests, the demo and manual use (see DESIGN.md).

The real bot runs against it unchanged via ``base_url`` / ``base_file_url``; tests act as
people through :class:`Sandbox` (or ``/control/...`` over HTTP, see ``control.py``).
"""

from .errors import ApiError
from .limits import FloodLimiter
from .models import SandboxChat, SandboxUser
from .server import Sandbox

__all__ = ["ApiError", "FloodLimiter", "Sandbox", "SandboxChat", "SandboxUser"]
