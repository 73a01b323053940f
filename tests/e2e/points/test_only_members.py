"""Points go only to people of the community: staff of xiangyang cannot award a made-up id, a phone
number typed into the account box, or a dongxin resident; such an account does not exist to read; the
honour board shows names. Membership reaches the points service as identity events from the gateway."""

from datetime import UTC, datetime, timedelta

import pytest

from services.common.access import STAFF_ROLES
from tests.e2e.points.conftest import api, award, user_id, wait_until

pytestmark = pytest.mark.e2e

BODY = {"amount": 5, "category": "volunteer", "reason": "志愿服务 / Volunteering"}


def test_staff_cannot_award_points_to_anyone_but_a_member_of_their_community(platform, person):
    http, url = api(platform, "staff_a")
    dongxin_resident = person("dongxin")
    for outsider in ("not-a-user", platform.people["courier_a"].phone, user_id(platform, dongxin_resident)):
        response = http.post(url("/awards"), json={**BODY, "user_id": outsider})
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["code"] == "not_a_member" and list(problem["errors"]) == ["user_id"]
        # and no account sprang into being for it
        assert http.get(url(f"/accounts/{outsider}")).status_code == 404
    board = http.get(url("/honour-board"), params={"period": "all", "limit": 100}).json()
    assert "not-a-user" not in str(board) and user_id(platform, dongxin_resident) not in str(board)
    # dongxin's own staff may award their resident
    staff_b, url_b = api(platform, "staff_b")
    awarded = staff_b.post(url_b("/awards"), json={**BODY, "user_id": user_id(platform, dongxin_resident)})
    assert awarded.status_code == 201


def test_expiry_pauses_only_for_members(platform, person):
    http, url = api(platform, "staff_a")
    now = datetime.now(UTC)
    pause = {"starts_at": now.isoformat(), "ends_at": (now + timedelta(days=60)).isoformat(), "reason": "住院治疗"}
    for outsider in ("not-a-user", user_id(platform, person("dongxin"))):
        response = http.post(url("/expiry-pauses"), json={**pause, "user_id": outsider})
        assert response.status_code == 422 and response.json()["code"] == "not_a_member", response.text
    member = person("xiangyang")
    assert http.post(url("/expiry-pauses"), json={**pause, "user_id": user_id(platform, member)}).status_code == 201


def test_a_member_s_account_reads_as_before_and_the_honour_board_shows_their_name(platform, person):
    hero = person("xiangyang", name="热心的钱阿姨")
    award(platform, "staff_a", hero, 40)
    http, url = api(platform, "staff_a")
    assert http.get(url(f"/accounts/{user_id(platform, hero)}")).json()["available"] == 40
    board = wait_until(lambda: http.get(url("/honour-board"), params={"period": "all", "limit": 100}).json())
    names = [entry["display_name"] for entry in board["entries"]]
    assert "热心的钱阿姨" in names
    assert all("user_id" not in entry for entry in board["entries"])
    # dongxin's staff do not see xiangyang's people on their board, and xiangyang's account is not theirs
    staff_b, url_b = api(platform, "staff_b")
    assert "热心的钱阿姨" not in str(staff_b.get(url_b("/honour-board"), params={"period": "all"}).json())
    assert staff_b.get(url_b(f"/accounts/{user_id(platform, hero)}")).status_code == 404


def test_the_web_award_form_refuses_a_phone_number_typed_into_the_account_box(platform):
    import requests

    from tests.conftest import PASSWORD

    browser = requests.Session()
    browser.cookies.set("fc_csrf", "web-form-token")
    staff = platform.people["staff_a"]
    signed_in = browser.post(platform.url("/web/login"), allow_redirects=False, timeout=10,
                             data={"csrf_token": "web-form-token", "phone": staff.phone, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.text
    typed = platform.people["courier_a"].phone  # the resident's phone, not their account id
    page = browser.post(platform.url("/web/staff/awards"), timeout=10, data={
        "csrf_token": "web-form-token", "user_id": typed, "amount": "5", "category": "volunteer",
        "reason": "志愿服务 / Volunteering"})
    assert page.status_code == 422
    assert 'id="user_id-error"' in page.text and "不是本社区成员" in page.text
    http, url = api(platform, "staff_a")
    assert http.get(url(f"/accounts/{typed}")).status_code == 404  # no account belonging to nobody


def test_a_person_whose_membership_or_role_ends_is_no_longer_named_and_the_staff_who_lost_the_role_cannot_award(
        platform, person):
    """Removal reaches the services as identity events (member_left, member_role_removed)."""
    import time

    from gateway.rpc import RpcPool

    admin = person("xiangyang", *STAFF_ROLES, name="向阳管理员")
    leaving, helper = person("xiangyang", name="搬走的孙师傅"), person("xiangyang", "resident", "staff", name="志愿者")
    staff, url = api(platform, "staff_a")
    assert staff.post(url("/awards"), json={**BODY, "user_id": user_id(platform, leaving)}).status_code == 201
    admin_http = platform.session(admin)
    assert admin_http.delete(platform.url(f"/api/v1/tenants/xiangyang/members/{user_id(platform, leaving)}"),
                             timeout=10).status_code == 204
    assert admin_http.delete(platform.url(f"/api/v1/tenants/xiangyang/members/{user_id(platform, helper)}"
                                          "/roles/staff"), timeout=10).status_code in (200, 204)
    pool, deadline = RpcPool(platform.infra.amqp_uri, size=1, timeout=5), time.monotonic() + 20
    try:
        while pool.call("points", "knows_member", user_id(platform, leaving), context_data={"tenant_id": "xiangyang"}):
            assert time.monotonic() < deadline, "points never heard that the person left"
            time.sleep(0.2)
    finally:
        pool.close()
    refused = staff.post(url("/awards"), json={**BODY, "user_id": user_id(platform, leaving)})
    assert refused.status_code == 422 and refused.json()["code"] == "not_a_member"
    # their account's history is still there for staff to read: a former member, not a made-up id
    assert staff.get(url(f"/accounts/{user_id(platform, leaving)}")).json()["available"] == 5
    # a role removed takes effect on the next request: the helper signs in again as a resident only
    platform._tokens.pop(helper, None)
    helper_http, _ = api(platform, helper)
    assert helper_http.post(url("/awards"), json={**BODY, "user_id": user_id(platform, "courier_a")}).status_code == 403
