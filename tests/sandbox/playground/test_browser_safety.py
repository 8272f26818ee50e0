"""What no message, name or link can do on the page, what bad input looks like, and the page
on a phone-sized screen."""

from __future__ import annotations

import json
import re

import httpx
from playwright.async_api import expect

from .visitor import Visitor, catalog_text

t = catalog_text
HOSTILE_NAME = "<img src=x onerror=window.pwned=4>"
HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


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
