"""Route handlers, thin: parse the request, call a service, choose a template or redirect. One module per
domain; this one puts them together: the public and resident routes, and the staff workspace under /staff."""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.di import Provide

from portal.routes import (
    account,
    assessment,
    audit,
    cases,
    certifications,
    consistency,
    credit,
    inbox,
    ledger,
    loans,
    notices,
    objections,
    pages,
    plans,
    policies,
    policy_applications,
    proposals,
    public_welfare_posts,
    queue,
    record_access,
    registration,
    service_history,
    service_items,
    service_minimum,
    service_requests,
    staff_accounts,
    staff_sign_in,
    statistics,
    status,
    tracking,
    training,
    vacancies,
    worklist,
)
from portal.routes._common import admin_scope, require_account, staff_scope

ROUTES = [
    *pages.HANDLERS,
    *account.HANDLERS,
    *registration.HANDLERS,
    *proposals.RESIDENT_HANDLERS,
    *inbox.HANDLERS,
    *policies.PUBLIC_HANDLERS,
    *policy_applications.RESIDENT_HANDLERS,
    *service_requests.RESIDENT_HANDLERS,
    *service_history.HANDLERS,
    *record_access.HANDLERS,
    *service_items.PUBLIC_HANDLERS,
    *status.HANDLERS,
    *notices.PUBLIC_HANDLERS,
    *objections.PUBLIC_HANDLERS,
    *objections.RESIDENT_HANDLERS,
    *credit.RESIDENT_HANDLERS,
    *training.RESIDENT_HANDLERS,
    *loans.RESIDENT_HANDLERS,
    *vacancies.RESIDENT_HANDLERS,
    *certifications.RESIDENT_HANDLERS,
    *public_welfare_posts.RESIDENT_HANDLERS,
    *plans.RESIDENT_HANDLERS,
]
# Resident pages ask for `account`: the signed-in resident (or off to sign in).
DEPENDENCIES = {"account": Provide(require_account)}


def staff_router(*middleware: Any) -> Router:
    """The staff workspace under /staff, with its own session and CSRF middleware (in that order). Its pages
    ask for `staff`, the signed-in staff member's scope; the city administrators' pages get it only for a
    city administrator (403 for anyone else)."""
    administration = Router(
        path="/",
        route_handlers=[
            *audit.HANDLERS,
            *staff_accounts.HANDLERS,
            *policies.ADMIN_HANDLERS,
            *service_items.ADMIN_HANDLERS,
            *certifications.ADMIN_HANDLERS,
        ],
        dependencies={"staff": Provide(admin_scope)},
    )
    return Router(
        path="/staff",
        route_handlers=[
            *staff_sign_in.HANDLERS,
            *queue.HANDLERS,
            *worklist.STAFF_HANDLERS,
            *statistics.STAFF_HANDLERS,
            *consistency.STAFF_HANDLERS,
            *cases.HANDLERS,
            *proposals.STAFF_HANDLERS,
            *policy_applications.STAFF_HANDLERS,
            *service_requests.STAFF_HANDLERS,
            *service_minimum.STAFF_HANDLERS,
            *notices.STAFF_HANDLERS,
            *objections.STAFF_HANDLERS,
            *credit.STAFF_HANDLERS,
            *tracking.STAFF_HANDLERS,
            *vacancies.STAFF_HANDLERS,
            *training.STAFF_HANDLERS,
            *loans.STAFF_HANDLERS,
            *certifications.STAFF_HANDLERS,
            *public_welfare_posts.STAFF_HANDLERS,
            *plans.STAFF_HANDLERS,
            *ledger.STAFF_HANDLERS,
            *assessment.STAFF_HANDLERS,
            administration,
        ],
        dependencies={"staff": Provide(staff_scope)},
        middleware=list(middleware),
    )
