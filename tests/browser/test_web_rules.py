"""The web client's plain rules, without a browser or servers: form values to payloads, service
refusals to field messages, the plan drawn from coordinates, the class QR text, the language choice,
and the translation catalogues (complete in zh-CN and en, compiled, every page template compiles)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from werkzeug.datastructures import MultiDict

from gateway.web import attendance, forms, i18n, plan
from services.common.errors import Conflict, ValidationFailed

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "gateway" / "translations"
CATALOGUES = {"zh_Hans_CN": TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES", "en": TRANSLATIONS / "en" / "LC_MESSAGES"}


# --- forms ----------------------------------------------------------------------------------------


def test_empty_fields_are_left_out_so_the_contract_defaults_apply():
    form = MultiDict({"title": "  仓库理货 ", "area": "", "headcount": "3"})
    assert forms.compact({"title": forms.text(form, "title"), "area": forms.text(form, "area"),
                          "headcount": forms.integer(form, "headcount")}) == {"title": "仓库理货", "headcount": 3}


def test_a_number_that_is_not_one_is_passed_on_for_the_service_to_refuse_by_name():
    assert forms.integer(MultiDict({"amount": "三百"}), "amount") == "三百"
    assert forms.integer(MultiDict({"amount": ""}), "amount") is None


def test_a_local_time_is_sent_with_beijing_offset_and_shown_back_in_beijing_time():
    sent = forms.local_datetime(MultiDict({"at": "2026-12-05T19:00"}), "at")
    assert sent == "2026-12-05T19:00:00+08:00"
    assert forms.local_datetime(MultiDict({"at": "tomorrow"}), "at") == "tomorrow"
    assert forms.show_local("2026-12-05T11:00:00+00:00") == "2026-12-05 19:00"
    assert forms.show_local("2026-12-05T11:00:00Z", "%H:%M") == "19:00"
    assert forms.show_local(None) == ""


def test_field_messages_go_beside_their_fields_and_the_rest_to_the_whole_form():
    refused = ValidationFailed.from_messages({"text": ["Missing data for required field."],
                                              "lat": ["Not a valid number."],
                                              "series": {"count": ["Must be between 1 and 60."]}})
    by_field, general = forms.field_errors(refused, ("text",))
    assert by_field == {"text": ["Missing data for required field."]}
    assert "lat: Not a valid number." in general and "series: count: Must be between 1 and 60." in general


def test_a_refusal_that_is_not_about_fields_is_one_message_for_the_form():
    refusal = Conflict("已经报名 / Already applied")
    assert forms.field_errors(refusal, ("post_id",)) == ({}, "已经报名 / Already applied")


def test_only_fields_shown_still_leave_the_general_message_empty():
    by_field, general = forms.field_errors(ValidationFailed.from_messages({"code": ["bad"]}), ("code",))
    assert by_field == {"code": ["bad"]} and general is None


# --- the plan drawn from coordinates ---------------------------------------------------------------


def test_places_are_drawn_north_up_inside_the_box_in_their_listed_order():
    points = [{"lat": 30.33, "lng": 120.15, "name": "A", "kind": "rest_stop"},
              {"lat": 30.34, "lng": 120.16, "name": "B", "kind": "service_centre"},
              {"lat": None, "lng": None, "name": "no position"}]
    markers, me = plan.place(points, width=320, height=240, here=(30.335, 120.155))
    assert [m.number for m in markers] == [1, 2] and me is not None
    a, b = markers
    assert b.y < a.y  # further north is higher up
    assert b.x > a.x  # further east is to the right
    assert all(0 <= m.x <= 320 and 0 <= m.y <= 240 for m in (*markers, me))
    assert a.x < me.x < b.x and b.y < me.y < a.y


def test_one_place_alone_sits_in_the_middle_and_no_places_draw_nothing():
    markers, me = plan.place([{"lat": 30.3, "lng": 120.1, "name": "A"}], width=320, height=240)
    assert (markers[0].x, markers[0].y) == (160.0, 120.0) and me is None
    assert plan.place([]) == ([], None)


# --- class check-in --------------------------------------------------------------------------------


def test_what_the_class_qr_code_carries_gives_the_meeting_and_the_token():
    assert attendance.read_scan("fengchao://training/check-in?meeting=m-1&token=2934.ab_c") == ("m-1", "2934.ab_c")
    assert attendance.read_scan(" 2934.abc ") == (None, "2934.abc")
    assert attendance.read_scan("") == (None, None)


def test_the_classroom_screen_refreshes_when_the_code_rotates_within_bounds():
    now = datetime(2026, 12, 5, 11, 0, 0, tzinfo=UTC)
    assert attendance.seconds_until("2026-12-05T11:00:30+00:00", now=now) == 31
    assert attendance.seconds_until("2026-12-05T10:59:00+00:00", now=now) == 5
    assert attendance.seconds_until("2026-12-05T12:00:00Z", now=now) == 60


# --- language --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cookie", "accept", "expected"), [
    (None, "en-US,en;q=0.9", "en"),
    (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
    (None, "", "zh_CN"),
    (None, "fr-FR", "zh_CN"),
    ("en", "zh-CN", "en"),
    ("zh_CN", "en", "zh_CN"),
    ("klingon", "en", "en"),
])
def test_chinese_unless_the_person_chose_english_or_the_browser_prefers_it(cookie, accept, expected):
    from flask import Flask

    app = Flask(__name__)
    headers = {"Accept-Language": accept} if accept else {}
    if cookie:
        headers["Cookie"] = f"{i18n.LANG_COOKIE}={cookie}"
    with app.test_request_context("/web/", headers=headers):
        assert i18n.select_locale() == expected


# --- catalogues ------------------------------------------------------------------------------------


def _extracted() -> set[str]:
    method_map = [("gateway/web/**.py", "python"), ("gateway/templates/web/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_text_of_the_pages_has_a_chinese_and_an_english_translation():
    wanted = _extracted()
    assert len(wanted) > 300
    for locale, folder in CATALOGUES.items():
        with open(folder / "messages.po", "rb") as handle:
            catalogue = read_po(handle)
        have = {m.id: m.string for m in catalogue if m.id}
        assert wanted <= set(have), f"{locale} lacks: {sorted(wanted - set(have))[:5]}"
        assert not [key for key in wanted if not have[key]], f"{locale} has empty translations"
        assert not [m.id for m in catalogue if m.id and m.fuzzy], f"{locale} has fuzzy entries"
    with open(CATALOGUES["zh_Hans_CN"] / "messages.po", "rb") as source:
        chinese = {m.id: m.string for m in read_po(source) if m.id}
    untranslated = [key for key in wanted if not re.search(r"[\u4e00-\u9fff]", chinese[key])
                    and key not in ("Wi-Fi",)]
    assert not untranslated, f"zh-CN entries still in English: {untranslated[:5]}"


def test_the_compiled_catalogues_match_their_sources():
    for locale, folder in CATALOGUES.items():
        with open(folder / "messages.po", "rb") as handle:
            source = {m.id: m.string for m in read_po(handle) if m.id}
        with open(folder / "messages.mo", "rb") as handle:
            compiled = {m.id: m.string for m in read_mo(io.BytesIO(handle.read())) if m.id}
        assert compiled == source, f"{locale}: run pybabel compile -d gateway/translations"


def test_no_text_holds_a_percent_sign_that_jinja_would_read_as_a_placeholder():
    # Flask-Babel installs new-style gettext: every translated string goes through `% variables`.
    assert not [m for m in _extracted() if "%" in m]


def test_every_page_template_compiles(tmp_path):
    from gateway.app import create_app
    from gateway.identity import TokenSettings
    from gateway.settings import GatewaySettings

    app = create_app(GatewaySettings(amqp_uri="amqp://unused", database_url=f"sqlite:///{tmp_path}/gateway.db",
                                     tokens=TokenSettings(secret="x" * 40)))
    names = [n for n in app.jinja_env.list_templates() if n.startswith("web/")]
    assert len(names) > 25
    for name in names:
        app.jinja_env.get_template(name)
