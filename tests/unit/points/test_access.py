"""The points service's role and audience rules (services/points/access.py), on the common ones."""

import pytest

from services.common.errors import Forbidden
from services.points import access
from services.points.models import Merchant, Posting, Redemption
from tests.unit.points.conftest import ctx

STAFF = ctx("xiangyang", "u-staff", "staff")
ADMIN = ctx("xiangyang", "u-admin", "tenant_admin")
WANG = ctx("xiangyang", "u-wang")
SHOP = ctx("xiangyang", "u-shop")


def test_staff_are_the_common_staff_roles_and_a_refusal_carries_the_common_code():
    assert access.is_staff(STAFF) and access.is_staff(ADMIN) and not access.is_staff(WANG)
    assert access.require_staff(ADMIN) == "u-admin"
    with pytest.raises(Forbidden) as caught:
        access.require_staff(WANG)
    assert caught.value.message_code == "common.staff_only"


def test_a_person_lists_only_their_own_pauses_and_sees_postings_about_them():
    assert access.pause_holder(WANG, "u-li") == "u-wang"
    assert access.pause_holder(STAFF, "u-li") == "u-li" and access.pause_holder(STAFF, None) is None
    mine, theirs = Posting(user_id="u-wang"), Posting(user_id="u-li")
    assert access.may_see_posting(mine, WANG) and not access.may_see_posting(theirs, WANG)
    assert access.may_see_posting(theirs, STAFF)


def test_a_merchant_is_managed_by_its_operators_and_its_tenants_staff_only():
    shop = Merchant(tenant_id="xiangyang", operator_user_ids=["u-shop"])
    elsewhere = Merchant(tenant_id="dongxin", operator_user_ids=["u-shop"])
    assert access.is_operator(shop, SHOP) and access.may_manage(shop, SHOP) and access.may_manage(shop, STAFF)
    assert not access.may_manage(shop, WANG)
    assert not access.is_operator(elsewhere, SHOP) and not access.may_manage(elsewhere, STAFF)


def test_a_redemption_is_seen_by_its_resident_and_their_staff():
    voucher = Redemption(tenant_id="xiangyang", user_id="u-wang", merchant_tenant_id="xiangyang", merchant_id="m")
    assert access.may_see_redemption(None, voucher, WANG) and access.may_see_redemption(None, voucher, STAFF)
