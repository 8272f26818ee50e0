"""The playground in a real Chromium: a visitor plays organizer, member and reviewer with
nothing but the page and sees the bot's exact answers appear live; what no message, name or
link can do on the page; bad input; the page on a phone-sized screen.

Without Chromium the whole module is skipped with one notice (in CI it fails instead)."""

from __future__ import annotations

import json
import re

from .conftest import chromium

BROWSER = chromium()  # skips (or, with CI=true, fails) before Playwright is even imported

import httpx  # noqa: E402
from playwright.async_api import expect  # noqa: E402

from groupbot.evidence.synth import make_claim_photo  # noqa: E402

from .visitor import Visitor, catalog_pattern, catalog_text  # noqa: E402

t = catalog_text
HOSTILE_NAME = "<img src=x onerror=window.pwned=4>"
HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


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



async def test_typed_markup_is_shown_as_text_and_never_runs(page, playground):
    v = Visitor(page, playground)
    await v.open_private("Ming")
    await v.say(HOSTILE)
    await expect(page.locator(".row.mine .text").last).to_have_text(HOSTILE)
    assert await page.locator("#messages img, #messages script").count() == 0
    assert await page.evaluate("window.pwned") is None


async def test_a_bots_javascript_link_is_not_a_link(page, playground):
    v = Visitor(page, playground)
    ming = v.person("Ming")
    await v.open_private("Ming")
    await v.say("/start")
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{playground.sb.base_url}{playground.sb.token}/sendMessage",
                                   data={"chat_id": ming, "text": "open me", "entities": json.dumps(
                                       [{"type": "text_link", "offset": 0, "length": 4,
                                         "url": "javascript:window.pwned=3"}])})
    assert answer.json()["ok"]
    await v.sees("open me")
    assert await v.bot_text("open me").locator("a").count() == 0
    assert await page.locator("#messages a[href^=javascript]").count() == 0
    await v.bot_text("open me").click()
    assert await page.evaluate("window.pwned") is None


async def test_a_person_named_like_markup_is_added_with_that_name(page, playground):
    await page.click("#add-person")
    await page.fill("#person-name", HOSTILE_NAME)
    await page.select_option("#person-language", "en")
    await page.click("#person-ok")
    await expect(page.locator("#actor option:checked")).to_have_text(
        f"{HOSTILE_NAME} · {t('playground.role.member')}")
    await expect(page.locator(".entry-title", has_text=HOSTILE_NAME)).to_have_count(1)
    assert await page.evaluate("window.pwned") is None
    group = next(c for c in playground.sb.state.chats.values()
                 if c.title == t("demo.cast.group"))
    newcomer = max(playground.sb.state.users)
    assert group.members[newcomer] == "member"  # joined the community group as offered


async def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(page, playground):
    v = Visitor(page, playground)
    await v.open_private("Hong")
    await page.fill("#text", "   ")
    await page.press("#text", "Enter")
    await expect(page.locator("#error")).to_have_text(t("playground.error.empty_text"))
    await v.open(t("demo.cast.reviewers_group"))
    await v.act_as("Hong")
    await expect(page.locator("#not-member-text")).to_have_text(
        t("playground.not_member_here", name="Hong"))
    await page.click("#locale")  # the page in Chinese
    await expect(page.locator("#not-member-text")).to_have_text(
        t("playground.not_member_here", locale="zh-Hans", name="Hong"))
    await page.click("#join")
    await expect(page.locator("#send")).to_have_text(t("playground.send", locale="zh-Hans"))
    await page.fill("#text", "x" * 4097)
    await page.press("#text", "Enter")
    await expect(page.locator("#error")).to_have_text(
        t("playground.error.too_long", locale="zh-Hans", limit=4096))
    await expect(page.locator("#text")).to_have_value("x" * 4097)


async def test_on_a_phone_the_list_and_the_chat_take_turns(browser, playground, tmp_path):
    context = await browser.new_context(viewport={"width": 390, "height": 844},
                                        is_mobile=True, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{playground.sb.url}/")
    v = Visitor(page, playground)
    await expect(page.locator("#chats")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.screenshot(path=tmp_path / "phone-list.png")
    await v.open_private("Ming")
    await expect(page.locator("#chats")).to_be_hidden()
    await v.say("/start")
    await v.sees(re.compile("^" + re.escape(t("start.welcome", name="Ming")) + "\n"))
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.screenshot(path=tmp_path / "phone-chat.png")
    await page.click("#back")
    await expect(page.locator("#chats")).to_be_visible()
    await context.close()
