"""Nothing is lost when the relay is killed and the broker drops the partners' connections in the middle of
a burst: afterwards every event of the tenant has reached the example AMQP consumer (a nameko service as the
partner's broker user) and a webhook receiver, each handled once, and no other tenant's event reached either.
The same holds when the broker itself restarts mid-burst (a private RabbitMQ node, so the shared one is never
touched): the relay, the jobs service, the webhook worker and the partner's consumer reconnect by themselves.
The 5,000-event version with its figures is the benchmark `tests/bench/partners_delivery.py`."""

import pytest

from tests.e2e.partners.burst import run_burst

pytestmark = pytest.mark.e2e


def test_a_burst_survives_a_killed_relay_and_dropped_connections_with_nothing_lost_or_doubled(
        platform, webhooks, tmp_path):
    outcome = run_burst(platform, tenant="xiangyang", other_tenant="dongxin", count=150, other_count=50,
                        log_dir=tmp_path, kill_after=0.3, timeout=90)
    assert outcome.relays_killed >= 1 and outcome.connections_dropped >= 2  # the worker's and the partner's
    assert len(outcome.committed) == 150 and len(outcome.other_tenant) == 50
    assert set(outcome.amqp) == set(outcome.committed)  # every one, and only this tenant's
    assert outcome.amqp_lines == 150  # each handled once
    assert set(outcome.webhook) == set(outcome.committed)
    assert outcome.webhook_deliveries >= 150  # at least once on the wire; handled once above


@pytest.fixture(scope="module")
def private(tmp_path_factory):
    """The jobs service, the relay, a gateway and the webhook worker over a private RabbitMQ node that this
    test may restart (never the shared broker)."""
    from tests.chaos.platform import private_platform
    from tests.support.private_infra import available

    why_not = available()
    if why_not:
        pytest.skip(f"no private broker here: {why_not}")
    with private_platform(tmp_path_factory.mktemp("private-logs"), services=("jobs",)) as platform:
        worker = platform.processes.start_webhooks("--retry-base", "0.3", "--retry-cap", "2")
        yield platform
        platform.processes.stop(worker)


@pytest.mark.timeout(300)
def test_a_burst_survives_a_real_broker_restart_with_nothing_lost_or_doubled(private, tmp_path):
    outcome = run_burst(private, tenant="xiangyang", other_tenant="dongxin", count=300, other_count=60,
                        log_dir=tmp_path, kill_after=0.3, timeout=150, fault="broker")
    assert outcome.broker_restarts == 1 and private.rabbit.restarts == 1
    assert len(outcome.committed) == 300 and len(outcome.other_tenant) == 60
    assert set(outcome.amqp) == set(outcome.committed)  # every one, and only this tenant's
    assert outcome.amqp_lines == 300  # each handled once
    assert set(outcome.webhook) == set(outcome.committed)
    assert outcome.webhook_deliveries >= 300
