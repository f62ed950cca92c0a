"""The resident's service history: what the agency did for them, their requests and applications, and the
"12333" yearly minimum as it stands."""

from __future__ import annotations

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from portal.routes._common import Account, Db, page
from portal.services import policy_applications, service_history, service_minimum, service_records, service_requests


@get("/account/service-history", name="service_history")
async def history_page(db: Db, account: Account, page_number: FromQuery[int] = 1) -> Template:
    return page(
        "service_history/history.html", account=account,
        history=await service_history.of_account(db, account.id, page_number), minimum_words=service_minimum.words,
        kind_words=service_records.KIND_LABELS, channel_words=service_records.CHANNEL_LABELS,
        result_words=service_records.RESULT_LABELS, request_words=service_requests.KIND_LABELS,
        request_status_words=service_requests.STATUS_LABELS, application_status_words=policy_applications.STATUS_LABELS,
    )  # fmt: skip


HANDLERS = [history_page]
