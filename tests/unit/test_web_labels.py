"""Enumerated values and recommendation explanations reach a page in the reader's language: a group code
such as `courier` is never shown raw (issue 17)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="module")
def app():
    os.environ.setdefault("JWT_SECRET", "a-test-secret-of-at-least-32-characters!")
    from gateway.app import create_app

    return create_app()


EXPLANATION = [
    {"part": "groups", "score": 1.0, "weight": 0.1, "matched": ["courier", "veteran"], "missing": [], "note": ""},
    {"part": "skills", "score": 0.5, "weight": 0.4, "matched": ["cooking"], "missing": ["forklift"], "note": ""},
]


@pytest.mark.parametrize("language, wanted, unwanted", [
    ("zh-CN", ["快递", "退役军人"], ["courier", "veteran", "for you"]),
    ("en", ["A courier", "A veteran"], ["快递"]),
])
def test_a_recommendations_reasons_name_groups_and_skills_in_the_readers_language(app, language, wanted, unwanted):
    template = app.jinja_env.from_string(
        '{% from "web/macros.html" import reasons with context %}{{ reasons(explanation, {"cooking": "烹饪"}) }}')
    with app.test_request_context(headers={"Accept-Language": language}):
        page = template.render(explanation=EXPLANATION)
    for words in wanted:
        assert words in page, (language, page)
    for words in unwanted:
        assert words not in page, (language, page)


def test_every_enumerated_value_has_a_label_on_pages_in_both_languages(app):
    from services.common.messages import ENUMERATIONS

    template = app.jinja_env.from_string("{{ label(name, value) }}")
    for language in ("zh-CN", "en"):
        with app.test_request_context(headers={"Accept-Language": language}):
            for name, enumeration in ENUMERATIONS.items():
                for value in enumeration.values:
                    shown = template.render(name=name, value=value)
                    assert shown and (language == "en" or shown != value or not value.isascii()), (name, value)
