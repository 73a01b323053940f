"""Language of the pages: Simplified Chinese unless the person chose English.

The choice is a cookie set by the language switch; without one, the browser's
Accept-Language decides between the two catalogues, and Chinese wins a tie.
A signed-in person's choice is also kept on their account (`remember_for_account`):
the members table of every service gets it, so messages reach them in that language;
signing in on a browser that has made no choice yet takes the account's (`account_choice`).
"""

from __future__ import annotations

from flask import request

from gateway import db, identity
from gateway.identity import Principal
from services.common.errors import FengchaoError
from services.common.logging import get_logger

log = get_logger(__name__)

LOCALES = ("zh_CN", "en")
LANG_COOKIE = "fc_lang"
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
# a page locale → the account's (and the members table's) locale
ACCOUNT_LOCALE = {"zh_CN": "zh-CN", "en": "en"}
PAGE_LOCALE = {account: page for page, account in ACCOUNT_LOCALE.items()}


def select_locale() -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return chosen
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else "zh_CN"


def other_locale(current: str) -> str:
    return "en" if current == "zh_CN" else "zh_CN"


def remember_for_account(principal: Principal | None, code: str) -> bool:
    """Keep the signed-in person's chosen language on their account (announced as `member_profile_changed`
    with `changed: ["locale"]` when it changed). Nobody signed in, or a partner's key: nothing to keep. The
    switch itself never fails on this: the cookie still holds the choice for the pages."""
    if principal is None or principal.kind != "user" or code not in ACCOUNT_LOCALE:
        return False
    try:
        with db.session().begin():
            _user, changed = identity.set_locale(session=db.session(), user_id=principal.user_id,
                                                 locale=ACCOUNT_LOCALE[code])
    except FengchaoError as refused:  # the account is gone (erased) since the page was loaded
        log.warning("web.locale_not_kept", code=refused.code)
        return False
    return changed


def account_choice(phone: str) -> str | None:
    """The page locale of the account signing in with `phone`, when this browser has not chosen one itself
    (no language cookie) and the person chose one on another; else None."""
    if request.cookies.get(LANG_COOKIE) in LOCALES:
        return None
    with db.session().begin():
        user = identity.find_user_by_phone(session=db.session(), phone=phone)
        return PAGE_LOCALE.get(user.locale or "") if user is not None else None
