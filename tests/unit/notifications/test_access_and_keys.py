"""Who may run the service-internal and staff operations; the VAPID public key browsers subscribe with."""

from __future__ import annotations

import base64

import pytest

from services.common.errors import Forbidden
from services.notifications import access
from tests.support.sessions import ctx


def test_staff_or_a_service_may_run_deliveries_and_residents_may_not():
    assert access.require_staff_or_service(ctx("xiangyang", "u-staff", "staff")) == "u-staff"
    assert access.require_staff_or_service(ctx("dongxin", None, "service")) is None
    with pytest.raises(Forbidden):
        access.require_staff_or_service(ctx("xiangyang", "u-wang"))


def test_the_vapid_public_key_is_the_uncompressed_point_of_the_private_key(tmp_path):
    from services.notifications import vapid

    private = vapid.generate(tmp_path / "vapid")
    assert vapid.generate(tmp_path / "vapid") == private  # made once
    key = vapid.public_key(str(private))
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4
    assert vapid.public_key(private.read_text().strip()) == key
    assert (tmp_path / "vapid" / "public_key.txt").read_text().strip() == key
    assert vapid.public_key("") is None
