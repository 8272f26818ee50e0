"""Organizer broadcasts: compose (compose.py), who gets them (targets.py), when (schedule.py),
sending them within Telegram's limits (delivery.py), the organizer's progress message and
report (progress.py, with the numbers and texts in report.py)."""
