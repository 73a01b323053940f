"""A message's words in the person's language, and its short link.

The words come from the notifications catalogue (contracts/messages.py TEMPLATES, translated in
translations/<locale>/LC_MESSAGES/notifications.po); the language is the member's `locale` from the
members table (zh-CN when unknown). Every body carries the message's short link `/n/<code>` and fits one
SMS: at most 70 characters with the link (a staff broadcast's own words are cut to fit)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from services.common import config, locales
from services.notifications.contracts.messages import TEMPLATES

SMS_LENGTH = 70
CODE_LENGTH = 10  # url-safe characters: 60 random bits; the code is only good for its own reader


def locale_of(member_locale: str | None) -> str:
    return "en" if (member_locale or "").lower().startswith("en") else "zh_Hans_CN"


def new_code() -> str:
    return secrets.token_urlsafe(CODE_LENGTH)[:CODE_LENGTH]


def short_link(code: str, base: str | None = None) -> str:
    return f"{(base or config.get('NOTIFICATIONS_PUBLIC_URL')).rstrip('/')}/n/{code}"


def render(kind: str, locale: str | None, params: Mapping[str, Any], link: str) -> tuple[str, str]:
    """(title, body) of a kind's template in `locale` (a member's locale: zh-CN, en, ...)."""
    title, body = TEMPLATES[kind]
    translate = locales.translations(locale_of(locale), "notifications").gettext
    values = {**{k: v for k, v in params.items() if v is not None}, "link": link}
    return title.render(translate), body.render(translate, values)


def fit_sms(text: str, link: str, limit: int = SMS_LENGTH) -> str:
    """`text` and the link in one SMS: the text cut (with an ellipsis) so that both fit in `limit`."""
    room = limit - len(link) - 1
    words = " ".join(text.split())
    if len(words) > room:
        words = words[:max(room - 1, 0)].rstrip() + "\u2026"
    return f"{words} {link}"
