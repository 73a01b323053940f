"""Integration fixtures: the jobs service and a witness consumer as real processes."""

import pytest


@pytest.fixture(scope="package")
def jobs_and_witness(infra, processes):
    from tests.support.witness import Base as WitnessBase

    infra.create_extra_database("witness", WitnessBase.metadata)
    jobs = processes.start_service("jobs")
    witness = processes.start_service("tests.support.witness:WitnessService", PING_AS="witness")
    yield
    processes.stop(witness)
    processes.stop(jobs)


@pytest.fixture
def relays_stopped(processes):
    """For tests that decide themselves when a relay runs: any running relay is
    stopped first, and one is started again afterwards if one was running."""
    running = processes.relays()
    for relay in running:
        processes.stop(relay)
    yield
    if running:
        processes.start_relay(*processes.infra.services)
