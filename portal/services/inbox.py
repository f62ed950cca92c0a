"""The resident's inbox: telling them what happened to their application (a message in the portal and a text
message), reading their messages, and the words each kind of message is shown with."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.i18n import _
from portal.models import InboxMessage, MessageKind, Registration
from portal.models.base import utcnow

PAGE_SIZE = 50


def _registration_link(params: Mapping[str, Any]) -> str:
    return f"/account/applications/{params['number']}"


def _policy_application_link(params: Mapping[str, Any]) -> str:
    return f"/account/policy-applications/{params['number']}"


def _service_request_link(params: Mapping[str, Any]) -> str:
    return f"/account/service-requests/{params['number']}"


def _objections_link(params: Mapping[str, Any]) -> str:
    return "/account/objections"


def _credit_link(params: Mapping[str, Any]) -> str:
    return "/account/credit"


def _vacancies_link(params: Mapping[str, Any]) -> str:
    return "/account/vacancies"


def _training_link(params: Mapping[str, Any]) -> str:
    return "/account/training"


def _loan_link(params: Mapping[str, Any]) -> str:
    return f"/account/loans/{params['number']}"


def _certification_link(params: Mapping[str, Any]) -> str:
    return "/account/certification"


def _public_welfare_post_link(params: Mapping[str, Any]) -> str:
    return "/account/public-welfare-post"


@dataclass(frozen=True)
class MessageWording:
    # In the reader's language, from the message's params (which always hold the application's number).
    inbox: Callable[[Mapping[str, Any]], str]
    # Texts go out in Chinese: SMS templates are registered with the carrier in one language.
    sms: str
    # Where the message's "see it" link goes.
    link: Callable[[Mapping[str, Any]], str] = _registration_link


# One entry per kind: adding a kind of message touches this map (and the enum) only.
MESSAGES: dict[MessageKind, MessageWording] = {
    MessageKind.REGISTERED: MessageWording(
        lambda p: _("Your unemployment registration %(number)s is done: you are registered.", number=p["number"]),
        "【湛江就业服务】您的失业登记（{number}）已办结，登记成功。请登录查看后续服务。",
    ),
    MessageKind.REJECTED: MessageWording(
        lambda p: _(
            "Your application %(number)s was not registered. See why, and how to object or apply again.",
            number=p["number"],
        ),
        "【湛江就业服务】您的失业登记申请（{number}）未予登记。原因及异议、重新申请方式请登录查看。",
    ),
    MessageKind.ENDED_EMPLOYED: MessageWording(
        lambda p: _("Your registration %(number)s now shows you in work. Good luck in your job!", number=p["number"]),
        "【湛江就业服务】您的失业登记（{number}）已转为就业状态。祝工作顺利！",
    ),
    MessageKind.ENDED_EXITED: MessageWording(
        lambda p: _("Your registration %(number)s has ended.", number=p["number"]),
        "【湛江就业服务】您的失业登记（{number}）已注销。详情请登录查看。",
    ),
    MessageKind.TRANSFERRED: MessageWording(
        lambda p: _(
            "Your registration %(number)s moved to a new agency: see its address and phone.", number=p["number"]
        ),
        "【湛江就业服务】您的失业登记（{number}）已转移至新的经办机构，请登录查看联系方式。",
    ),
    MessageKind.REVERSED: MessageWording(
        lambda p: _("Your registration %(number)s is open again.", number=p["number"]),
        "【湛江就业服务】您的失业登记（{number}）已恢复为登记状态。",
    ),
    MessageKind.POLICY_APPROVED: MessageWording(
        lambda p: _("Your application %(number)s for policy %(policy)s is approved.", number=p["number"],
                    policy=p.get("policy", "")),
        "【湛江就业服务】您的扶持政策申请（{number}）已核准，请登录查看金额和期限。",
        _policy_application_link,
    ),
    MessageKind.POLICY_REJECTED: MessageWording(
        lambda p: _("Your application %(number)s for policy %(policy)s is not approved. See why.",
                    number=p["number"], policy=p.get("policy", "")),
        "【湛江就业服务】您的扶持政策申请（{number}）未予核准。原因请登录查看。",
        _policy_application_link,
    ),
    MessageKind.REQUEST_ANSWERED: MessageWording(
        lambda p: _("Your agency answered your request %(number)s.", number=p["number"]),
        "【湛江就业服务】经办机构已答复您的服务需求（{number}），请登录查看。",
        _service_request_link,
    ),
    MessageKind.OBJECTION_RECEIVED: MessageWording(
        lambda p: _("Someone objected to your entry in a public notice. See the ground and give your side."),
        "【湛江就业服务】有人对您的公示信息提出异议，正在调查核实。您可登录查看并说明情况。",
        _objections_link,
    ),
    MessageKind.OBJECTION_DECIDED: MessageWording(
        lambda p: _("The objection to your entry in a public notice has been decided. See the outcome."),
        "【湛江就业服务】对您公示信息的异议已调查处理完毕，请登录查看结果。",
        _objections_link,
    ),
    MessageKind.CREDIT_OPENED: MessageWording(
        lambda p: _("A credit case %(case)s concerns you: read the facts and state your side.",
                    case=p.get("case", "")),
        "【湛江就业服务】您有一宗信用承诺核查（{case}），请登录查看事实并在期限内陈述意见。",
        _credit_link,
    ),
    MessageKind.CREDIT_DECIDED: MessageWording(
        lambda p: _("Credit case %(case)s is decided: see the decision and how to appeal.", case=p.get("case", "")),
        "【湛江就业服务】您的信用承诺核查（{case}）已作出决定，请登录查看决定及救济途径。",
        _credit_link,
    ),
    MessageKind.CREDIT_LISTING_ENDED: MessageWording(
        lambda p: _("Your credit listing of case %(case)s has ended.", case=p.get("case", "")),
        "【湛江就业服务】您在信用信息共享平台的失信记录（{case}）已修复。",
        _credit_link,
    ),
    MessageKind.JOB_RECOMMENDED: MessageWording(
        lambda p: _("Your agency recommends a vacancy: %(post)s at %(employer)s. Say whether you are interested.",
                    post=p.get("post", ""), employer=p.get("employer", "")),
        "【湛江就业服务】经办机构向您推荐了岗位：{employer}（{post}），请登录查看并告诉我们您是否感兴趣。",
        _vacancies_link,
    ),
    MessageKind.TRAINING_OFFERED: MessageWording(
        lambda p: _("A training course for you: %(course)s by %(provider)s, starting %(starts)s. Enrol by "
                    "%(enrol_by)s.", course=p.get("course", ""), provider=p.get("provider", ""),
                    starts=p.get("starts", ""), enrol_by=p.get("enrol_by", "")),
        "【湛江就业服务】免费培训推荐：{provider}（{course}），{starts}开班，{enrol_by}前报名。请登录查看并报名。",
        _training_link,
    ),
    MessageKind.LOAN_UPDATED: MessageWording(
        lambda p: _("Your business-start guarantee loan application %(number)s has moved on. See where it stands.",
                    number=p["number"]),
        "【湛江就业服务】您的创业担保贷款申请（{number}）有新进展，请登录查看。",
        _loan_link,
    ),
    MessageKind.CERTIFIED: MessageWording(
        lambda p: _("You are certified as a person with employment difficulty (%(number)s). See what it gives you.",
                    number=p["number"]),
        "【湛江就业服务】您已被认定为就业困难人员（{number}），请登录查看可享受的帮扶。",
        _certification_link,
    ),
    MessageKind.CERTIFICATION_REFUSED: MessageWording(
        lambda p: _("Your application %(number)s to be certified with employment difficulty was refused. Read the "
                    "reasons; you may ask for a re-check within 30 days.", number=p["number"]),
        "【湛江就业服务】您的就业困难人员认定申请（{number}）未获通过，请登录查看理由，30日内可申请复核。",
        _certification_link,
    ),
    MessageKind.PLACEMENT_ENDING: MessageWording(
        lambda p: _("Your public-welfare post %(post)s at %(employer)s ends on %(ends_on)s. Talk to your agency "
                    "about what comes next.", post=p.get("post", ""), employer=p.get("employer", ""),
                    ends_on=p.get("ends_on", "")),
        "【湛江就业服务】您在{employer}的公益性岗位（{post}）将于{ends_on}期满，请及时与经办机构联系后续安排。",
        _public_welfare_post_link,
    ),
}  # fmt: skip


def text_of(message: InboxMessage) -> str:
    """A message in the reader's language."""
    return MESSAGES[message.kind].inbox(message.params)


def link_of(message: InboxMessage) -> str:
    return MESSAGES[message.kind].link(message.params)


async def tell(
    session: AsyncSession, sms: SmsGateway, registration: Registration, kind: MessageKind,
    params: Mapping[str, Any] | None = None,
) -> None:  # fmt: skip
    """Tell the applicant: in their inbox (if their account still exists) and by text message."""
    params = {"number": registration.number, **(params or {})}
    if registration.account_id is not None:
        session.add(
            InboxMessage(account_id=registration.account_id, registration_id=registration.id, kind=kind, params=params)
        )
    await sms.send(session, registration.phone, MESSAGES[kind].sms.format(**params))
    await session.flush()


async def messages(session: AsyncSession, account_id: int, limit: int = PAGE_SIZE) -> list[InboxMessage]:
    """The newest messages first."""
    rows = await session.scalars(
        select(InboxMessage)
        .where(InboxMessage.account_id == account_id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .limit(limit)
    )
    return list(rows)


async def unread_count(session: AsyncSession, account_id: int) -> int:
    return (
        await session.scalar(
            select(func.count()).where(InboxMessage.account_id == account_id, InboxMessage.read_at.is_(None))
        )
        or 0
    )


async def mark_read(session: AsyncSession, account_id: int) -> None:
    await session.execute(
        update(InboxMessage)
        .where(InboxMessage.account_id == account_id, InboxMessage.read_at.is_(None))
        .values(read_at=utcnow())
    )
