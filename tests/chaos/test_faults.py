"""The short version of `make chaos`, in `make test`: the four faults, one after another, each under a
steady mixed load of writes through the gateway (points awards, training enrolments, job applications,
council ballots in two tenants), on a private RabbitMQ node and PostgreSQL cluster that this module starts,
kills and restarts (never the shared ones). After each: the gateway answered throughout (503/504 within the
RPC timeout for what was affected, 200 for a route that was not), everything reconnected by itself, and
the writes in the databases and their outbox events are exactly those the clients were told succeeded."""

from __future__ import annotations

import pytest

from tests.chaos.faults import faults, run_fault
from tests.chaos.platform import private_platform
from tests.chaos.run import SHORT
from tests.chaos.workload import World
from tests.e2e.partners.burst import run_burst
from tests.support.private_infra import _pid_alive as _alive
from tests.support.private_infra import available

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

FAULTS = {fault.name: fault for fault in faults(full=False)}


@pytest.fixture(scope="module")
def chaos():
    why_not = available()
    if why_not:
        pytest.skip(f"no private broker and database here: {why_not}")
    with private_platform() as platform:
        yield platform, World(platform, residents_per_tenant=4)
        pids = [platform.rabbit.beam_pid, platform.postgres.postmaster_pid, platform.rabbit.epmd.pid]
        assert all(pids)
    # nothing of the private broker and database is left behind: no process, no directory
    for pid in pids:
        assert not _alive(pid), f"process {pid} outlived the test"
    assert not platform.rabbit.dir.exists() and not platform.postgres.dir.exists()


@pytest.mark.parametrize("name", list(FAULTS))
def test_under_load_the_fault_is_answered_fast_recovered_from_and_nothing_is_lost_or_doubled(chaos, name):
    platform, world = chaos
    report = run_fault(platform, world, FAULTS[name], **SHORT)
    print("\n".join(report.lines()))
    stats = report.load.stats
    assert stats.succeeded > 0 and stats.sent >= stats.succeeded
    if name != "postgres":  # a database restart fails fast enough to be over before a request times out
        assert stats.failed_fast > 0, "the fault did not reach the clients"
    assert report.lost == 0 and report.doubled == 0
    assert all(kind.expected == kind.found for kind in report.reconciled.values()), report.reconciled
    assert report.reconciled["award"].expected > 0
    assert report.problems() == []


def test_a_partner_burst_survives_a_real_broker_restart_with_nothing_lost_or_doubled(chaos, tmp_path):
    """Issue 7: events of a burst (workers registering in jobs) while the broker restarts (clean shutdown,
    down 2 s, start on the same data); the relay, the jobs service, the webhook worker and the partner's
    nameko consumer reconnect by themselves; every event of the tenant reaches both receivers, each handled
    once, and none of the other tenant's reaches either."""
    platform, _world = chaos
    worker = platform.processes.start_webhooks("--retry-base", "0.3", "--retry-cap", "2")
    try:
        outcome = run_burst(platform, tenant="xiangyang", other_tenant="dongxin", count=150, other_count=30,
                            log_dir=tmp_path, kill_after=0.3, timeout=150, fault="broker")
    finally:
        platform.processes.stop(worker)
    assert outcome.broker_restarts == 1 and outcome.broker_down_seconds > 2
    assert len(outcome.committed) == 150 and len(outcome.other_tenant) == 30
    assert set(outcome.amqp) == set(outcome.committed)  # every one, and only this tenant's
    assert outcome.amqp_lines == 150  # each handled once
    assert set(outcome.webhook) == set(outcome.committed)
    assert outcome.webhook_deliveries >= 150
