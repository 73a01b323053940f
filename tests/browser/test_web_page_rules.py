"""Rules of the pages added for council sessions, the rights desk and the operator, without a browser
or servers: lines of a textarea, an earning rule's match, the operator's rows by community."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from gateway.web.council_sessions import lines
from gateway.web.operator import by_tenant
from gateway.web.staff_points import _match


def test_a_textarea_gives_one_entry_a_line_without_the_empty_ones():
    form = MultiDict({"agenda": "  夜间停放点 \n\n驿站开放时间\r\n  "})
    assert lines(form, "agenda") == ["夜间停放点", "驿站开放时间"]
    assert lines(MultiDict(), "agenda") == []


def test_a_rules_match_is_read_from_key_value_pairs_and_empty_is_none():
    assert _match(MultiDict({"match": "course_kind=first_aid，course_id = c1"})) == {
        "course_kind": "first_aid", "course_id": "c1"}
    assert _match(MultiDict({"match": "  "})) is None
    # Something unreadable is passed on as typed, for the service to name what may be matched.
    assert _match(MultiDict({"match": "first aid"})) == {"first aid": ""}


def test_the_operator_sees_each_community_once_with_what_each_service_reported_for_it():
    jobs = {"tenants": [{"tenant_id": "xiangyang", "figures": {"posts_open": 3}},
                        {"tenant_id": "dongxin", "figures": {"posts_open": 1}}]}
    training = {"tenants": [{"tenant_id": "dongxin", "enrolments": 7}], "total": {"enrolments": 7}}
    points = {"tenants": [{"tenant_id": "huanqiu", "issued": 40}]}
    rows = by_tenant(jobs, training, points)
    assert list(rows) == ["dongxin", "huanqiu", "xiangyang"]
    assert rows["dongxin"] == {"jobs": {"posts_open": 1}, "training": {"tenant_id": "dongxin", "enrolments": 7}}
    assert rows["huanqiu"] == {"points": {"tenant_id": "huanqiu", "issued": 40}}
    assert by_tenant(None, None, None) == {}  # every service away: nothing to show, no error
