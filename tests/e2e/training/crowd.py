"""Many residents at once, for concurrency tests and the enrolment benchmark.

Hashing a password with argon2 takes most of a second on a small machine, so a crowd shares one hash
(computed once) and gets its access tokens issued directly, as a login would issue them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from gateway import identity
from gateway.models import User
from services.common.database import make_engine
from tests.conftest import PASSWORD
from tests.e2e.training.conftest import new_phone
from tests.support.processes import JWT_SECRET


@dataclass(frozen=True)
class Resident:
    user_id: str
    tenant_id: str
    name: str
    token: str


def crowd(platform, count: int, tenants: tuple[str, ...]) -> list[Resident]:
    """`count` residents spread over `tenants` in turn, each with a bearer token."""
    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    session = sessionmaker(engine, expire_on_commit=False)()
    password_hash = identity._hasher.hash(PASSWORD)
    settings = identity.TokenSettings(secret=JWT_SECRET)
    people = []
    with session.begin():
        for i in range(count):
            tenant_id = tenants[i % len(tenants)]
            user = User(phone=new_phone(), display_name=f"学员{i:03d}", password_hash=password_hash)
            session.add(user)
            session.flush()
            identity.grant_membership(session=session, user_id=user.id, tenant_id=tenant_id, roles=["resident"])
            token = identity.issue_tokens(session=session, settings=settings, user_id=user.id, tenant_id=tenant_id,
                                          roles=["resident"])["access_token"]
            people.append(Resident(user.id, tenant_id, user.display_name, token))
    session.close()
    engine.dispose()
    return people
