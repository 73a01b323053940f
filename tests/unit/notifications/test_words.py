"""Every kind's words: both languages, one SMS (at most 70 characters with the short link), and the
rights desk's messages say nothing about the case."""

from __future__ import annotations

import re

import pytest

from services.notifications import render
from services.notifications.contracts.messages import TEMPLATES
from services.notifications.kinds import KINDS

CJK = re.compile(r"[\u4e00-\u9fff]")
LINK = render.short_link("A" * render.CODE_LENGTH, "http://127.0.0.1:8080")
WIDEST = {"amount": 1_000_000, "count": 999}


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_kind_fits_one_sms_in_both_languages(kind, locale):
    title, body = render.render(kind, locale, WIDEST, LINK)
    assert title and body.endswith(LINK), (kind, body)
    assert len(body) <= render.SMS_LENGTH, (kind, locale, len(body), body)
    assert bool(CJK.search(title + body)) == (locale == "zh-CN"), (kind, title, body)


def test_every_kind_has_a_template():
    assert set(KINDS) <= set(TEMPLATES)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_case_update_carries_no_detail(locale):
    title, body = render.render("case_update", locale, {"category": "wage_arrears", "case_id": "k-1",
                                                        "employer": "ACME"}, LINK)
    assert body.replace(LINK, "").strip(" :\uff1a") == title
    for detail in ("wage", "k-1", "ACME", "arrears"):
        assert detail not in title + body


def test_a_broadcast_is_cut_to_one_sms():
    text = render.fit_sms("\u793e\u533a" * 100, LINK)
    assert len(text) == render.SMS_LENGTH and text.endswith(" " + LINK) and "\u2026" in text
    assert render.fit_sms("Water off tomorrow", LINK) == f"Water off tomorrow {LINK}"


def test_short_codes_are_unguessable_and_url_safe():
    codes = {render.new_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(c) == render.CODE_LENGTH and re.fullmatch(r"[A-Za-z0-9_-]+", c) for c in codes)
