"""The resolutions act of the demo (issue 15): 小红 got fewer oranges than she paid for; she
photographs the packing label (no goods needed for 少发), the reviewer reships instead of
refunding, the organizer ships the linked order and 小红 gets its own shipping notice; three
days later the reship has not arrived and she is told we are checking with the courier."""

from __future__ import annotations

from typing import TYPE_CHECKING

import messages

if TYPE_CHECKING:
    from groupbot.demo import Demo


async def resolutions_act(d: Demo) -> None:
    from groupbot.demo import demo_photo

    def t(key: str) -> str:
        return messages.t(d.locale, key)

    await d.tap(d.hong, d.hong, d.m("claim_button"))
    await d.tap(d.hong, d.hong, "1")
    await d.tap(d.hong, d.hong, t("claims.reason.missing"))
    await d.tap(d.hong, d.hong, t("claims.skip_button"))
    await d.act(d.m("resolutions.step.missing_claim"))
    await d.sb.send_photo(d.hong, d.hong, demo_photo(seed=5))
    await d.act(d.m("resolutions.step.slip_photo"))
    await d.tap(d.hong, d.hong, t("claims.photos_done_button"))
    await d.tap(d.hong, d.hong, t("claims.submit_button"))
    await d.act(d.m("resolutions.step.submitted"))
    d.clock.advance(minutes=10)
    await d.tap(d.reviewer, d.room, t("reviews.button.reship"))
    await d.act(d.m("resolutions.step.reshipped"))
    await d.say(d.organizer, d.organizer, "/reships")
    await d.say(d.organizer, d.organizer, d.m("resolutions.ship_command"))
    await d.act(d.m("resolutions.step.reship_shipped"))
    await d.later(d.m("resolutions.step.stalled"), hours=73)
    await d.say(d.organizer, d.organizer, "/stalled")
    await d.act(d.m("resolutions.step.stalled_list"))
