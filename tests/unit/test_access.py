"""The common role rules: staff, admin, and a platform service calling in."""

import pytest

from services.common.access import SERVICE_ROLE, require_staff_or_service
from services.common.context import ROLES, CallContext
from services.common.errors import Forbidden


def test_another_service_acting_in_a_tenant_passes_without_a_user():
    assert require_staff_or_service(CallContext(tenant_id="xiangyang", roles=frozenset({SERVICE_ROLE}))) is None


def test_staff_pass_with_their_user_id():
    ctx = CallContext(tenant_id="dongxin", user_id="u-1", roles=frozenset({"staff"}))
    assert require_staff_or_service(ctx) == "u-1"


@pytest.mark.parametrize("roles", [frozenset(), frozenset({"resident"}), frozenset({"partner", "merchant"})])
def test_residents_and_partners_are_refused(roles):
    with pytest.raises(Forbidden):
        require_staff_or_service(CallContext(tenant_id="xiangyang", user_id="u-2", roles=roles))


def test_no_person_can_be_granted_the_service_role():
    # The gateway grants only these; a person holding `service` would pass as a platform service.
    assert SERVICE_ROLE not in ROLES
