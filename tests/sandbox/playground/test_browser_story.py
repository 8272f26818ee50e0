"""The playground in a real Chromium: a visitor plays organizer, member and reviewer with
nothing but the page, and sees the bot's exact answers appear live."""

from __future__ import annotations

import re

from playwright.async_api import expect

from groupbot.evidence.synth import make_claim_photo

from .visitor import Visitor, catalog_pattern, catalog_text

t = catalog_text


async def test_member_joins_a_deal_gets_the_reminder_and_claims_with_a_photo_from_disk(
    page, playground, tmp_path
):
    v = Visitor(page, playground)
    group, product = t("demo.cast.group"), "Navel oranges"

    # The organizer posts a deal in the group.
    await v.open(group)
    await v.act_as("Wang")
    await v.say(t("demo.deal_command"))
    await v.sees(re.compile(r"^🛒 Deal: Navel oranges\n.*0 joined, 0 pc in total$", re.S))

    # A member says /start in their private chat: opening it means acting as them.
    await v.open_private("Ming")
    await expect(page.locator("#actor")).to_have_value(str(v.person("Ming")))
    await v.say("/start")
    await v.sees(re.compile("^" + re.escape(t("start.welcome", name="Ming")) + "\n"))

    # ... joins the deal by tapping the card in the group: the card counts them at once; the
    # order-time warning waits a minute for more orders to fold in: the clock's next thing.
    await v.open(group)
    await v.tap(t("deals.join_button", quantity=2, unit="pc"))
    await v.sees(re.compile(r"^🛒 Deal: Navel oranges\n.*1 joined, 2 pc in total\n1\. Ming × 2 pc$",
                            re.S))
    await expect(page.locator("#clock-due")).to_contain_text(t("playground.due.reminder"))
    await page.click("[data-step=next]")
    await v.sees(catalog_pattern("orders.warning", mention="Ming", products=product, hours=48))
    await v.open_private("Ming")
    await v.sees(catalog_pattern("orders.confirm", order=1))
    await v.tap(t("orders.confirm_ok_button"))
    await v.sees(t("orders.confirmed", order=1))

    # The organizer ships and delivers in their private chat.
    await v.open_private("Wang")
    await v.say("/ship deal 1 SF SF1234567890")
    await v.say("/delivered deal 1")
    await v.open_private("Ming")
    await v.sees(catalog_pattern("orders.delivered", order=1, products=product, hours=48))

    # The clock: +1 hour, then to the next scheduled things: the deal closes, then the claim
    # reminder comes.
    before = await page.locator("#clock-now").text_content()
    await page.click("[data-step=hour]")
    await expect(page.locator("#clock-now")).not_to_have_text(before or "")
    await expect(page.locator("#clock-due")).to_contain_text(t("playground.due.deal_close"))
    await page.click("[data-step=next]")
    await expect(page.locator("#clock-due")).to_contain_text(t("playground.due.reminder"))
    await page.click("[data-step=next]")
    await v.sees(catalog_pattern("orders.claim_reminder", order=1))

    # A claim from the reminder's button, with a photo from disk.
    await v.tap(t("orders.claim_button"))
    await v.sees(catalog_pattern("claims.ask_units", bought=2, unit="pc", product=product,
                                 available=2))
    await v.tap("2")
    await v.sees(t("claims.ask_reason"))
    await v.tap(t("claims.reason.rotten"))
    await v.sees(t("claims.ask_description"))
    await v.say(t("demo.claim_description"))
    photo = tmp_path / "oranges.jpg"
    photo.write_bytes(make_claim_photo("SF1234567890", damaged=True, seed=2))
    await v.send_file(photo)
    await v.sees(re.compile(r"^📷 Photo 1 received \(at most 6\)\.\n"))
    await v.tap(t("claims.photos_done_button"))
    await v.sees(re.compile("^" + re.escape(t("claims.summary_title", order=1))))
    await v.tap(t("claims.submit_button"))
    await v.sees(catalog_pattern("claims.submitted", claim=1, amount="¥10.00", payout_days=3))

    # The reviewer approves the card in the reviewers' chat; the member is told.
    await v.open(t("demo.cast.reviewers_group"))
    await v.act_as("Li")
    await v.tap(t("reviews.button.approve"))
    await expect(page.locator("#toast")).to_have_text(t("reviews.done.approve", claim=1))
    await v.open_private("Ming")
    await v.sees(catalog_pattern("reviews.member.approved", claim=1, amount="¥10.00", days=3))


async def test_a_deep_link_button_opens_the_private_chat_and_sends_the_start_payload(
    page, playground
):
    v = Visitor(page, playground)
    await v.open(t("demo.cast.group"))
    await v.act_as("Wang")
    await v.say(t("demo.deal_command"))
    await v.act_as("Hong")  # Hong never wrote to the bot
    await v.tap(t("deals.join_button", quantity=1, unit="pc"))
    await expect(page.locator("#clock-due")).to_contain_text(t("playground.due.reminder"))
    await page.click("[data-step=next]")
    await v.tap(t("orders.warning_button"))
    await expect(page.locator("#chat-title")).to_have_text(t("playground.private_title",
                                                             name="Hong"))
    await expect(page.locator(".row.mine .text")).to_have_text(re.compile(r"^/start o\d+$"))
    await v.sees(catalog_pattern("orders.confirm", order=1))


async def test_moving_the_clock_by_a_day_closes_the_deal(page, playground):
    v = Visitor(page, playground)
    await v.open(t("demo.cast.group"))
    await v.act_as("Wang")
    await v.say(t("demo.deal_command"))
    await expect(page.locator("#clock-due")).to_contain_text(t("playground.due.deal_close"))
    await page.click("[data-step=day]")
    await v.sees(re.compile(r"^📋 Deal closed: Navel oranges\n"))
    card = page.locator(".row.bot", has_text="🛒 Deal: Navel oranges")
    await expect(card.locator(".meta")).to_contain_text(t("playground.edited"))  # closed
    await expect(card.locator(".keys button")).to_have_count(0)
