"""Language of the pages: Simplified Chinese unless the person chose English.

The choice is a cookie set by the language switch; without one, the browser's
Accept-Language decides between the two catalogues, and Chinese wins a tie.
"""

from __future__ import annotations

from flask import request

LOCALES = ("zh_CN", "en")
LANG_COOKIE = "fc_lang"
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}


def select_locale() -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return chosen
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else "zh_CN"


def other_locale(current: str) -> str:
    return "en" if current == "zh_CN" else "zh_CN"
