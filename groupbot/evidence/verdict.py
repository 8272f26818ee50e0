"""Claim-level verdict over all photos of a claim.

The policy asks for the damaged goods and the waybill in one photo, and the waybill must be
the order's. ``unmet`` lists what is missing as codes, most important first; the member
facing words live in the message catalogs. Damage and goods scores are signals: the
verdict says whether the evidence is complete, a reviewer decides the claim.
"""

from __future__ import annotations

from collections.abc import Sequence

from .findings import ClaimVerdict, PhotoFindings, ReuseMatch


def verdict(
    findings: Sequence[PhotoFindings],
    reuse: Sequence[ReuseMatch | None] = (),
    *,
    expected: Sequence[str] | None = None,
    goods_required: bool = True,
) -> ClaimVerdict:
    """Summarise a claim's photo findings (same order as the photos).

    ``reuse[i]`` is ``find_reuse``'s answer for photo i (None: not seen before).
    ``expected``: the order's tracking numbers; when given and empty, the number checks are
    skipped (an order without a tracking number cannot be compared), otherwise unknown and
    checked from the findings. ``goods_required=False`` (missing items: the packing slip or
    label is photographed, not goods) drops the goods and "together" requirements; the
    waybill and its number stay required.
    """
    unmet: list[str] = []
    errors = tuple((i, f.error) for i, f in enumerate(findings) if f.error)
    good = [(i, f) for i, f in enumerate(findings) if f.ok]
    reused = tuple((i, m) for i, m in enumerate(reuse) if m is not None)
    if not findings:
        unmet.append("no_photos")
    elif not good:
        unmet.append("bad_photo")

    goods_found = any(f.goods_found for _, f in good)
    waybill_found = any(f.waybill_found for _, f in good)
    together = next((i for i, f in good if f.goods_found and f.waybill_found), None)
    matched = next((i for i, f in good if f.tracking_match), None)
    numbers: list[str] = []
    for _, f in good:
        for n in f.numbers:
            if n.tracking_like and n.normalized not in numbers:
                numbers.append(n.normalized)

    if good:
        if not goods_found and goods_required:
            unmet.append("no_goods")
        if not waybill_found:
            unmet.append("no_waybill")
        if goods_required and goods_found and waybill_found and together is None:
            unmet.append("not_together")
        check_number = expected is None or len(expected) > 0
        if waybill_found and check_number and matched is None:
            # A number that is not the order's is a mismatch even if it was read on
            # only one photo; nothing read at all means the label is not legible.
            unmet.append("number_mismatch" if numbers else "number_unreadable")
    if reused:
        unmet.append("reused_photo")

    damage = [f.damage_score for _, f in good if f.damage_score is not None]
    return ClaimVerdict(
        unmet=tuple(unmet),
        goods_found=goods_found,
        waybill_found=waybill_found,
        together_photo=together,
        tracking_match=matched is not None,
        matched_photo=matched,
        numbers_read=tuple(numbers),
        damage_score=max(damage) if damage else None,
        reused=reused,
        photo_errors=errors,
        details={"photos": len(findings), "analysed": len(good)},
    )
