"""Route handlers, thin: parse the request, call a service, choose a template or redirect."""

from portal.routes import account, pages, registration, status

ROUTES = [
    pages.home,
    pages.agencies,
    pages.switch_language,
    pages.healthz,
    pages.dev_sms,
    account.sign_up_form,
    account.sign_up,
    account.sign_up_verify_form,
    account.sign_up_verify,
    account.login_form,
    account.login,
    account.logout,
    account.reset_form,
    account.reset,
    account.reset_verify_form,
    account.reset_verify,
    account.account_home,
    registration.start_page,
    registration.start,
    registration.step_form,
    registration.step_submit,
    registration.id_preview,
    registration.check_page,
    registration.submit,
    registration.done,
    registration.application,
    status.status,
]
