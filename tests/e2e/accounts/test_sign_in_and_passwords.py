"""Sign-in abuse and passwords through the running gateway: lock-out with doubling back-off counted in
the database (so two gunicorn workers share it), password rules, every token revoked on a password
change, and request size limits."""

from __future__ import annotations

import time

import requests

from tests.conftest import PASSWORD
from tests.e2e.accounts.conftest import bearer, login, new_phone

PROBLEM = "application/problem+json"


def test_wrong_passwords_lock_the_account_with_doubling_back_off_across_workers(platform, person, strict_gateway,
                                                                               clean_throttles):
    phone = platform.people[person("xiangyang")].phone
    other = platform.people[person("dongxin")].phone
    # Two workers answer these in turn; the count is shared because it lives in the database.
    for _ in range(3):
        wrong = login(strict_gateway, phone, "Wrong-pass-1")
        assert wrong.status_code == 401, wrong.text
    locked = login(strict_gateway, phone)  # the right password, refused while locked
    assert locked.status_code == 429 and locked.headers["Content-Type"] == PROBLEM
    assert locked.headers["Retry-After"] == "1"
    assert locked.json()["code"] == "too_many_attempts" and locked.json()["scope"] == "account"
    assert login(strict_gateway, other).status_code == 200  # another account is not affected
    time.sleep(1.2)
    for _ in range(3):
        assert login(strict_gateway, phone, "Wrong-pass-2").status_code == 401
    again = login(strict_gateway, phone)
    assert again.status_code == 429 and again.headers["Retry-After"] == "2"  # doubled
    # The platform's own gateway, another process, sees the same lock-out.
    assert login(platform.base_url, phone).status_code == 429
    time.sleep(2.2)
    assert login(strict_gateway, phone).status_code == 200  # and a good sign-in clears the count
    assert login(strict_gateway, phone, "Wrong-pass-3").status_code == 401
    assert login(strict_gateway, phone).status_code == 200


def test_one_address_guessing_many_accounts_is_locked_out(platform, strict_gateway, clean_throttles):
    for _ in range(8):
        assert login(strict_gateway, new_phone(), "Guess-2026x").status_code == 401
    locked = login(strict_gateway, platform.people["courier_a"].phone)
    assert locked.status_code == 429 and locked.json()["scope"] == "address"
    assert int(locked.headers["Retry-After"]) >= 1


def test_password_rules_and_a_change_revokes_every_token_of_the_person(platform, person):
    key = person("xiangyang")
    phone = platform.people[key].phone
    laptop, phone_app = login(platform.base_url, phone).json(), login(platform.base_url, phone).json()
    url = platform.url("/api/v1/account/password")
    for new_password, message in ((phone + "a", "must not contain your phone number"),
                                  ("qwerty123", "too common"), ("short1", "at least 8 characters"),
                                  ("abcdefghijk", "mix letters and digits")):
        refused = requests.post(url, json={"current_password": PASSWORD, "new_password": new_password},
                                headers={**bearer(laptop["access_token"]), "Accept-Language": "en"}, timeout=10)
        assert refused.status_code == 422 and refused.headers["Content-Type"] == PROBLEM
        assert any(message in m for m in refused.json()["errors"]["new_password"]), refused.text
    wrong = requests.post(url, json={"current_password": "Not-mine-1", "new_password": "Lantern-Harbour-42"},
                          headers=bearer(laptop["access_token"]), timeout=10)
    assert wrong.status_code == 422 and "current_password" in wrong.json()["errors"]
    me = platform.url("/api/v1/me")
    assert requests.get(me, headers=bearer(phone_app["access_token"]), timeout=10).status_code == 200

    changed = requests.post(url, json={"current_password": PASSWORD, "new_password": "Lantern-Harbour-42"},
                            headers=bearer(laptop["access_token"]), timeout=10)
    assert changed.status_code == 204, changed.text
    for pair in (laptop, phone_app):  # both devices are signed out at once
        gone = requests.get(me, headers=bearer(pair["access_token"]), timeout=10)
        assert gone.status_code == 401 and gone.json()["message_code"] == "gateway.token_revoked"
        refreshed = requests.post(platform.url("/api/v1/auth/refresh"), json={"refresh_token": pair["refresh_token"]},
                                  timeout=10)
        assert refreshed.status_code == 401
    assert login(platform.base_url, phone).status_code == 401
    fresh = login(platform.base_url, phone, "Lantern-Harbour-42")
    assert fresh.status_code == 200
    assert requests.get(me, headers=bearer(fresh.json()["access_token"]), timeout=10).status_code == 200


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(platform, strict_gateway):
    token = platform.login("staff_a")["access_token"]
    big = {"phone": "13900000001", "password": "x" * 3000}
    too_large = requests.post(strict_gateway + "/api/v1/auth/login", json=big, timeout=10)
    assert too_large.status_code == 413 and too_large.headers["Content-Type"] == PROBLEM
    assert too_large.json()["code"] == "too_large"
    # The platform's gateway has the default limit, 1 MiB.
    huge = requests.post(platform.url("/api/v1/points/awards"), data=b"{" + b" " * (1 << 20) + b"}",
                         headers={**bearer(token), "Content-Type": "application/json"}, timeout=30)
    assert huge.status_code == 413 and huge.json()["status"] == 413
    small = requests.post(strict_gateway + "/api/v1/auth/login", json={"phone": "13900000001", "password": "x"},
                          timeout=10)
    assert small.status_code == 401


def test_the_web_sign_in_form_is_throttled_like_the_api(platform, person, strict_gateway, clean_throttles):
    phone = platform.people[person("xiangyang")].phone
    browser = requests.Session()
    browser.cookies.set("fc_csrf", "web-form-token")

    def sign_in(password):
        return browser.post(strict_gateway + "/web/login", allow_redirects=False, timeout=10,
                            data={"csrf_token": "web-form-token", "phone": phone, "password": password})

    for _ in range(3):
        assert sign_in("Wrong-pass-1").status_code == 401
    locked = sign_in(PASSWORD)
    assert locked.status_code == 429 and "text/html" in locked.headers["Content-Type"]
    assert login(strict_gateway, phone).status_code == 429  # the API sees the same lock-out
    time.sleep(1.2)
    assert sign_in(PASSWORD).status_code == 302  # signed in, redirected to the page asked for
