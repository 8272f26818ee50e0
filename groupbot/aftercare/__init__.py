"""Aftercare (issue 14): return visits after delivery, one rating per case, and complaint cases
(投诉) that are worked in the member's desk topic until the member says the problem is solved.

``timing`` puts every wished time into the desk's service hours (never at night); ``visits``
plans, sends and reminds return visits; ``ratings`` asks once and records once; ``cases`` opens
a case on every trigger, moves it open → contacted → resolved → closed (or reopened) with an
event row for each change, and ``clocks`` escalates overdue cases to organizers. No module here
imports ``telegram``: the handlers (handlers/aftercare*.py) render and send.
"""
