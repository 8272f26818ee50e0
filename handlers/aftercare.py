"""Aftercare in the member's private chat: the 1–5 taps of a return visit or a rating request,
"不再提醒", "仍不满意" under a decision, "问题解决了吗？", the comment after a rating, and complaint
words in free text; /cases for staff. Each is one unit of work (decide, commit, then speak)."""

from __future__ import annotations

from sqlalchemy import select
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from groupbot import policy
from groupbot.aftercare import cases, ratings, visits
from groupbot.aftercare.cases import Trigger
from groupbot.aftercare.listing import due_cases
from groupbot.aftercare.records import Outcome
from groupbot.aftercare.words import complaint_word
from groupbot.desk.records import open_conversation
from groupbot.models import Claim, Draft
from groupbot.models.aftercare import OPENED_BY_UNHAPPY, OPENED_BY_WORDS
from groupbot.models.claims import CLAIM_REJECTED
from groupbot.orders import local_time
from groupbot.permissions import ANSWER_AFTERCARE, WORK_CASES
from handlers.common import add_commands
from handlers.permits import permitted
from handlers.unit import Unit, unit, unit_of_work

# Ahead of the 改善 answers (-2) and the desk (-1): a comment or a complaint is ours first.
AFTERCARE_GROUP = -4


def say(u: Unit, outcome: Outcome) -> str:
    params = {k: (local_time(u.rt, v) if hasattr(v, "astimezone") else v)
              for k, v in outcome.params.items()}
    return u.t(f"aftercare.answer.{outcome.code}", **params)


@unit_of_work
async def rate_tap(u: Unit) -> None:
    _ac, _r, rating_id, score = u.data.split(":")
    outcome = await ratings.rate(u.session, u.rt, u.w.member, int(rating_id), int(score),
                                 u.rt.clock.now())
    u.out.answer(say(u, outcome))
    if outcome.code in ("rate_thanks", "rate_sorry"):
        u.out.markup(None)  # rated once: the stars go
        u.out.reply(say(u, outcome))
        u.out.kick()


@unit_of_work
async def opt_out_tap(u: Unit) -> None:
    changed = await visits.opt_out(u.session, u.w.member, u.rt.clock.now())
    u.out.answer(u.t("aftercare.answer.opted_out"))
    u.out.markup(None)
    if changed:
        u.out.reply(u.t("aftercare.answer.opted_out"))


@unit_of_work
async def unhappy_tap(u: Unit) -> None:
    claim = await u.session.get(Claim, int(u.data.rpartition(":")[2]))
    if claim is None or claim.member_id != u.w.member.id:
        u.out.answer(u.t("aftercare.answer.gone"), alert=True)
        return
    reason = "misunderstanding" if claim.status == CLAIM_REJECTED else "quality"
    case, new = await cases.open_case(u.session, u.rt, u.w.member, Trigger(
        OPENED_BY_UNHAPPY, f"claim:{claim.id}:unhappy", reason, order_id=claim.order_id,
        claim_id=claim.id), u.rt.clock.now())
    u.out.answer(u.t("aftercare.answer.case_opened" if new else "aftercare.answer.case_known",
                     number=case.id))
    u.out.kick()


@unit_of_work
async def solved_tap(u: Unit) -> None:
    _ac, _ok, case_id, version, yes = u.data.split(":")
    outcome = await cases.member_answer(u.session, u.rt, u.w.member, int(case_id), int(version),
                                        yes == "1", u.rt.clock.now())
    u.out.answer(say(u, outcome))
    if outcome.code in ("case_closed_thanks", "case_reopened"):
        u.out.markup(None)
        u.out.reply(say(u, outcome))
        u.out.kick()


async def free_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A private text: the comment of a rating just given, or a complaint in the member's own
    words. Anything else goes on to the desk, the drafts and the fallback."""
    message = update.effective_message
    text = (message.text or "").strip()
    stop = False
    async with unit(update, context) as u:
        now = u.rt.clock.now()
        if await u.session.scalar(select(Draft.id).where(
                Draft.member_id == u.w.member.id, Draft.status == "active").limit(1)):
            return  # a guided flow (a claim, a deal) reads its own answers
        noted = await ratings.comment(u.session, u.rt, u.w.member, text, now)
        if noted is not None:
            u.out.reply(say(u, noted))
            u.out.kick()
            stop = True
        elif complaint_word(text):
            in_desk = await open_conversation(u.session, u.w.member.id) is not None
            case, new = await cases.open_case(u.session, u.rt, u.w.member, Trigger(
                OPENED_BY_WORDS, f"words:{message.chat_id}:{message.message_id}",
                policy.CASE_REASONS[0], what=text), now)
            u.out.kick()
            if not in_desk:  # in a desk conversation the agent reads it as it is relayed
                stop = True
                if not new:  # a new case tells the member itself (aftercare.case.opened)
                    u.out.reply(u.t("aftercare.answer.case_known", number=case.id))
    if stop:
        raise ApplicationHandlerStop


@unit_of_work
async def cases_command(u: Unit) -> None:
    u.out.reply(await due_cases(u.session, u.rt, u.w.locale))


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(permitted(ANSWER_AFTERCARE, rate_tap),
                                         pattern=r"^ac:r:\d+:\d$"))
    app.add_handler(CallbackQueryHandler(permitted(ANSWER_AFTERCARE, opt_out_tap),
                                         pattern=r"^ac:off$"))
    app.add_handler(CallbackQueryHandler(permitted(ANSWER_AFTERCARE, unhappy_tap),
                                         pattern=r"^ac:un:\d+$"))
    app.add_handler(CallbackQueryHandler(permitted(ANSWER_AFTERCARE, solved_tap),
                                         pattern=r"^ac:ok:\d+:\d+:[01]$"))
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("cases", permitted(WORK_CASES, cases_command), private))
    add_commands(WORK_CASES, "cases")
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, free_text),
                    group=AFTERCARE_GROUP)
