"""RPC over real RabbitMQ: context propagation, typed errors, refusal without a tenant,
timeouts and an unreachable broker, through the gateway's pooled client."""

import pytest

from gateway.rpc import RpcPool
from services.common.context import CallContext
from services.common.errors import NotFound, ServiceTimeout, ServiceUnavailable, TenantRequired, ValidationFailed

pytestmark = pytest.mark.integration

COURIER = {"display_name": "王师傅", "phone": "13900000001", "skills": ["快递"]}


@pytest.fixture
def pool(infra, jobs_and_witness):
    pool = RpcPool(infra.amqp_uri, size=2, timeout=10)
    yield pool
    pool.close()


def as_user(tenant, user, *roles):
    return CallContext(tenant_id=tenant, user_id=user, roles=frozenset(roles or ("resident",)),
                       request_id="req-test").to_context_data()


def test_a_call_without_tenant_context_is_refused_with_a_typed_error(pool):
    with pytest.raises(TenantRequired):
        pool.call("jobs", "register_worker", COURIER, context_data={"user_id": "u-no-tenant"})
    with pytest.raises(TenantRequired):
        pool.call("jobs", "list_workers", {}, context_data={})


def test_context_reaches_the_service_and_scopes_the_data(pool):
    created = pool.call("jobs", "register_worker", COURIER, context_data=as_user("xiangyang", "rpc-u1"))
    assert created["tenant_id"] == "xiangyang" and created["user_id"] == "rpc-u1"
    fetched = pool.call("jobs", "get_worker", created["id"], context_data=as_user("xiangyang", "rpc-u1"))
    assert fetched["id"] == created["id"]
    with pytest.raises(NotFound):
        pool.call("jobs", "get_worker", created["id"], context_data=as_user("dongxin", "rpc-u1", "staff"))


def test_validation_errors_cross_rpc_with_field_messages(pool):
    with pytest.raises(ValidationFailed) as caught:
        pool.call("jobs", "register_worker", {"display_name": "x", "phone": "999"},
                  context_data=as_user("xiangyang", "rpc-u2"))
    assert "phone" in caught.value.fields


def test_a_service_that_does_not_answer_in_time_is_a_timeout(pool):
    with pytest.raises(ServiceTimeout):
        pool.call("witness", "sleep", 3, context_data={}, timeout=0.5)
    # the pool replaced the client that timed out and goes on working
    assert pool.call("witness", "sleep", 0, context_data={}) == 0


def test_calling_a_service_that_is_not_running_is_unavailable_at_once(pool):
    with pytest.raises(ServiceUnavailable, match="not running"):
        pool.call("no_such_service", "ping", context_data={}, timeout=5)


def test_an_unreachable_broker_is_unavailable_not_a_crash():
    pool = RpcPool("amqp://guest:guest@127.0.0.1:1/", size=1, timeout=2)
    with pytest.raises(ServiceUnavailable, match="broker"):
        pool.call("jobs", "ping", context_data={})
