"""Resolutions beyond a refund (issue 15): reship and replacement decisions, 7-day returns of
non-perishables, and the logistics watch on parcels that do not arrive.

Services only (no ``telegram``): codes and parameters out, texts in
``messages/<locale>/resolutions.toml``; the rules (windows, reminders, stall hours) are the
policy's (``groupbot.policy``); the money is the claims' (``groupbot.reviews.decisions``).
"""
