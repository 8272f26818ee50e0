"""Refund money: the DESIGN example, allocation, currencies, and properties over random orders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groupbot.money import from_minor, to_minor
from groupbot.refunds import (
    ADJUSTMENT_CODES,
    ClaimLineInput,
    OrderLine,
    allocate_coupon,
    allocate_paid,
    cap_for_adjustment,
    quote_claim,
    quote_refund,
    validate_adjusted_amount,
)

D = Decimal


def test_design_example_paid_50_for_10_two_bad() -> None:
    q = quote_refund(D("50"), 10, 2, 0, D("0"), "CNY")
    assert q.amount == D("10.00") and str(q.amount) == "10.00"
    assert q.unit_paid == D("5.00") and q.paid_line == D("50.00")
    assert (q.quantity, q.damaged_units, q.capped) == (10, 2, False)
    assert q.remaining_refundable == D("40.00")


def test_cumulative_rounding_no_drift() -> None:
    # 10.00 for 3: one by one 3.33, 3.34, 3.33 -> exactly 10.00
    amounts, refunded = [], D("0")
    for k in range(3):
        q = quote_refund(D("10.00"), 3, 1, k, refunded, "CNY")
        amounts.append(q.amount)
        refunded += q.amount
    assert amounts == [D("3.33"), D("3.34"), D("3.33")] and refunded == D("10.00")
    assert q.remaining_refundable == D("0.00")
    assert quote_refund(D("10.00"), 3, 1, 0, 0, "CNY").unit_paid == D("3.33")


def test_cap_after_reviewer_gave_more() -> None:
    # a reviewer already refunded 45 of 50 for 2 units; 3 more units would be 15 -> capped at 5
    q = quote_refund(D("50"), 10, 3, 2, D("45"), "CNY")
    assert q.capped and q.amount == D("5.00") and q.remaining_refundable == D("0.00")
    full = quote_refund(D("50"), 10, 8, 2, D("50"), "CNY")
    assert full.capped and full.amount == D("0.00")


def test_quote_refund_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        quote_refund(D("50"), 10, 0, 0, 0, "CNY")
    with pytest.raises(ValueError):
        quote_refund(D("50"), 10, 3, 8, 0, "CNY")
    with pytest.raises(ValueError):
        quote_refund(D("50"), 0, 1, 0, 0, "CNY")
    with pytest.raises(TypeError):
        quote_refund(50.0, 10, 1, 0, 0, "CNY")  # type: ignore[arg-type]


def test_allocation_three_lines_order_discount() -> None:
    lines = [
        OrderLine("a", 3, D("10.00")),  # 30.00
        OrderLine("b", 1, D("20.00"), D("2.00")),  # 18.00
        OrderLine("c", 7, D("3.00")),  # 21.00
    ]
    paid = allocate_paid(lines, D("10.00"), "CNY")
    # 10 * 30/69 = 4.3478, 10 * 18/69 = 2.6086, 10 * 21/69 = 3.0434 -> 4.35, 2.61, 3.04
    assert paid == {"a": D("25.65"), "b": D("15.39"), "c": D("17.96")}
    assert sum(paid.values()) == D("59.00")


def test_allocation_ties_are_deterministic() -> None:
    lines = [OrderLine(i, 1, D("1.00")) for i in range(3)]
    paid = allocate_paid(lines, D("0.01"), "CNY")
    assert paid == {0: D("0.99"), 1: D("1.00"), 2: D("1.00")}  # earliest line takes the cent
    assert allocate_paid(list(reversed(lines)), D("0.01"), "CNY")[2] == D("0.99")


def test_allocation_edges() -> None:
    lines = [OrderLine("free", 2, D("0")), OrderLine("x", 1, D("9.99"))]
    assert allocate_paid(lines, D("9.99"), "CNY") == {"free": D("0.00"), "x": D("0.00")}
    assert allocate_paid(lines, 0, "CNY") == {"free": D("0.00"), "x": D("9.99")}
    assert allocate_paid([OrderLine("free", 1, D("0"))], 0, "CNY") == {"free": D("0.00")}
    assert allocate_paid([], 0, "CNY") == {}
    with pytest.raises(ValueError):
        allocate_paid(lines, D("10.00"), "CNY")  # discount larger than the order
    with pytest.raises(ValueError):
        allocate_paid(lines, D("-1"), "CNY")
    with pytest.raises(ValueError):
        allocate_paid([OrderLine("a", 1, D("1"), D("2"))], 0, "CNY")
    with pytest.raises(ValueError):
        allocate_paid([OrderLine("a", 1, D("1")), OrderLine("a", 1, D("1"))], 0, "CNY")
    with pytest.raises(TypeError):
        allocate_paid([OrderLine("a", 1, 1.5)], 0, "CNY")  # type: ignore[arg-type]


def test_per_kg_price_quantized_once() -> None:
    # 3 x 3.333 = 9.999 -> 10.00 (the line total is rounded, not each unit)
    assert allocate_paid([OrderLine("kg", 3, D("3.333"))], 0, "CNY") == {"kg": D("10.00")}


def test_jpy_has_no_decimals() -> None:
    lines = [OrderLine("a", 3, D("100")), OrderLine("b", 1, D("200"))]
    paid = allocate_paid(lines, D("99"), "JPY")  # shares 59.4 / 39.6 -> 59 / 40
    assert paid == {"a": D("241"), "b": D("160")} and sum(paid.values()) == D("401")
    assert str(paid["a"]) == "241"
    amounts = [quote_refund(paid["a"], 3, 1, k, 0, "JPY").amount for k in range(3)]
    assert amounts == [D("80"), D("81"), D("80")]  # 80.33 / 160.67 / 241 cumulative
    assert validate_adjusted_amount("12.5", D("80"), "JPY").code == "amount_too_many_decimals"
    assert validate_adjusted_amount("12", D("80"), "JPY").params["amount"] == D("12")


def test_quote_claim_sums_lines() -> None:
    quote = quote_claim(
        [
            ClaimLineInput("a", D("50"), 10, 2),
            ClaimLineInput("b", D("10.00"), 3, 1, 2, D("6.67")),
        ],
        "CNY",
    )
    assert [q.amount for q in quote.lines] == [D("10.00"), D("3.33")]
    assert [q.line_id for q in quote.lines] == ["a", "b"]
    assert quote.total == D("13.33") and not quote.capped
    with pytest.raises(ValueError):
        quote_claim([ClaimLineInput("a", D("1"), 1, 1)] * 2, "CNY")


def test_adjustment_validation() -> None:
    cap = cap_for_adjustment(D("50.00"), D("10.00"))
    assert cap == D("40.00")
    assert cap_for_adjustment(D("5"), D("9"), "CNY") == D("0.00")
    assert validate_adjusted_amount(D("40.00"), cap, "CNY").ok
    ok = validate_adjusted_amount(" 12.5 ", cap, "CNY")
    assert ok.ok and ok.params["amount"] == D("12.50")
    cases = {
        "abc": "amount_not_a_number",
        "NaN": "amount_not_a_number",
        "0": "amount_not_positive",
        "-1": "amount_not_positive",
        "1.005": "amount_too_many_decimals",
        "40.01": "amount_exceeds_cap",
    }
    for typed, code in cases.items():
        result = validate_adjusted_amount(typed, cap, "CNY")
        assert not result.ok and result.code == code and "amount" not in result.params
        assert code in ADJUSTMENT_CODES
    assert validate_adjusted_amount("40.01", cap, "CNY").params["cap"] == D("40.00")


def test_coupon_redemption() -> None:
    use = allocate_coupon(D("30.00"), D("10"), "CNY")
    assert (use.applied, use.payable, use.unused) == (D("10.00"), D("20.00"), D("0.00"))
    small = allocate_coupon(D("6.50"), D("10"), "CNY")
    assert (small.applied, small.payable, small.unused) == (D("6.50"), D("0.00"), D("3.50"))
    # the applied part spreads over the lines like any order discount
    lines = [OrderLine("a", 1, D("4.00")), OrderLine("b", 1, D("2.50"))]
    assert sum(allocate_paid(lines, small.applied, "CNY").values()) == small.payable


# --- properties --------------------------------------------------------------------------------

CURRENCIES = st.sampled_from(["CNY", "JPY"])


@st.composite
def orders(draw: st.DrawFn) -> tuple[str, list[OrderLine], Decimal]:
    currency = draw(CURRENCIES)
    places = 0 if currency == "JPY" else 2
    lines = []
    for i in range(draw(st.integers(1, 6))):
        qty = draw(st.integers(1, 25))
        unit = draw(st.integers(0, 20_000))  # minor units
        gross = qty * unit
        line_discount = draw(st.integers(0, gross)) if draw(st.booleans()) else 0
        lines.append(
            OrderLine(
                f"L{i}",
                qty,
                from_minor(unit, currency),
                D(line_discount).scaleb(-places),
            )
        )
    total = sum(
        to_minor(ln.unit_price, currency) * ln.quantity - to_minor(ln.line_discount, currency)
        for ln in lines
    )
    discount = draw(st.integers(0, total))
    return currency, lines, from_minor(discount, currency)


PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(orders())
def test_allocated_parts_sum_to_paid(order: tuple[str, list[OrderLine], Decimal]) -> None:
    currency, lines, discount = order
    paid = allocate_paid(lines, discount, currency)
    gross = sum(ln.quantity * ln.unit_price - ln.line_discount for ln in lines)
    assert sum(paid.values()) == gross - discount
    assert all(v >= 0 for v in paid.values())
    for ln in lines:  # a line never gets more than it cost
        assert paid[ln.line_id] <= ln.quantity * ln.unit_price - ln.line_discount
    assert allocate_paid(lines, discount, currency) == paid  # deterministic


@PROPS
@given(orders(), st.data())
def test_claim_sequences_never_refund_more_than_paid(
    order: tuple[str, list[OrderLine], Decimal], data: st.DataObject
) -> None:
    currency, lines, discount = order
    paid = allocate_paid(lines, discount, currency)
    units = {ln.line_id: 0 for ln in lines}
    refunded = {ln.line_id: D(0) for ln in lines}
    for _ in range(data.draw(st.integers(1, 12))):
        ln = data.draw(st.sampled_from(lines))
        left = ln.quantity - units[ln.line_id]
        if left == 0:
            continue
        damaged = data.draw(st.integers(1, left))
        q = quote_refund(
            paid[ln.line_id], ln.quantity, damaged, units[ln.line_id], refunded[ln.line_id],
            currency,
        )  # fmt: skip
        amount = q.amount
        if data.draw(st.booleans()):  # a reviewer types a different amount
            cap = cap_for_adjustment(paid[ln.line_id], refunded[ln.line_id], currency)
            typed = from_minor(data.draw(st.integers(-5, to_minor(cap, currency) + 5)), currency)
            check = validate_adjusted_amount(typed, cap, currency)
            assert check.ok == (0 < typed <= cap)
            if check.ok:
                amount = check.params["amount"]
        assert amount <= q.amount + q.remaining_refundable
        units[ln.line_id] += damaged
        refunded[ln.line_id] += amount
        assert refunded[ln.line_id] <= paid[ln.line_id]
    assert sum(refunded.values()) <= sum(paid.values())


@PROPS
@given(orders(), st.data())
def test_claiming_every_unit_refunds_exactly_paid(
    order: tuple[str, list[OrderLine], Decimal], data: st.DataObject
) -> None:
    currency, lines, discount = order
    paid = allocate_paid(lines, discount, currency)
    for ln in lines:
        one_by_one, refunded = [], D(0)
        for k in range(ln.quantity):
            q = quote_refund(paid[ln.line_id], ln.quantity, 1, k, refunded, currency)
            assert not q.capped
            one_by_one.append(q.amount)
            refunded += q.amount
        assert refunded == paid[ln.line_id]
        # any split into claims refunds the same total
        done, total = 0, D(0)
        while done < ln.quantity:
            n = data.draw(st.integers(1, ln.quantity - done))
            q = quote_refund(paid[ln.line_id], ln.quantity, n, done, total, currency)
            done, total = done + n, total + q.amount
        assert total == paid[ln.line_id] and q.remaining_refundable == 0
    # one claim for everything at once
    claim = quote_claim(
        [ClaimLineInput(x.line_id, paid[x.line_id], x.quantity, x.quantity) for x in lines],
        currency,
    )
    assert claim.total == sum(paid.values())
