"""Nothing is lost when the relay is killed and the broker drops the partners' connections in the middle of
a burst: afterwards every event of the tenant has reached the example AMQP consumer (a nameko service as the
partner's broker user) and a webhook receiver, each handled once, and no other tenant's event reached either.
The same burst with a real restart of the broker itself (a private RabbitMQ node, never the shared one) is
`tests/chaos/test_faults.py::test_a_partner_burst_survives_a_real_broker_restart…`, which shares the fault
tests' private platform.
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

