"""Reviewer decisions on claims, the refunds and payouts they create, and coupons."""

from __future__ import annotations
