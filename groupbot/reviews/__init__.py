"""The reviewer queue: cards, leases, decisions, refunds and payouts, coupons and the clocks.

Modules by meaning: ``evidence`` (the claim-level verdict stored at submit), ``records`` (the
rows a review keeps and the people it involves), ``decisions`` (exactly one decision per
claim, the refund it creates), ``payouts``, ``coupons``, ``queue`` (/queue and leases),
``card`` (what reviewers read), ``notices`` (what members are told) and ``clocks``.
"""
