"""Organizer broadcasts and one delivery row per recipient (resume without sending twice)."""

from __future__ import annotations
