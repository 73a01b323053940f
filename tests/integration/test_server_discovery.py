"""Where the suite's RabbitMQ and PostgreSQL come from: the environment wins; without it, this machine's
own servers on their standard ports, so `make test` needs no variables (tests/support/infra.py,
deploy/local_servers.py). These read what runs on the machine; they start nothing that already runs
and never stop a server."""

from __future__ import annotations

import subprocess
import sys

import pytest

from deploy import local_servers
from tests.support.infra import Infra, discover
from tests.support.processes import ROOT, free_port

pytestmark = pytest.mark.integration

VARIABLES = ("AMQP_URI", "DATABASE_URL", "RABBITMQ_MANAGEMENT_URL")


@pytest.fixture
def no_variables(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_without_variables_the_suite_uses_this_machines_servers_on_their_standard_ports(no_variables):
    found = discover()
    assert isinstance(found, Infra), found
    assert found.amqp_server_uri == "amqp://guest:guest@127.0.0.1:5672/"
    assert found.database_server_url == "postgresql://postgres@127.0.0.1:5432/postgres"
    assert found.management_url == "http://guest:guest@127.0.0.1:15672"
    assert found._containers == []
    assert local_servers.port_open(5672) and local_servers.port_open(15672) and local_servers.port_open(5432)


def test_the_variables_win_over_the_local_servers(no_variables):
    no_variables.setenv("AMQP_URI", "amqp://guest:guest@localhost:5672/")
    no_variables.setenv("DATABASE_URL", "postgresql://postgres@localhost:5432/fengchao_{service}")
    found = discover()
    assert isinstance(found, Infra), found
    assert found.amqp_server_uri == "amqp://guest:guest@localhost:5672/"
    assert found.database_server_url == "postgresql://postgres@localhost:5432/fengchao_postgres"
    assert found.management_url == "http://guest:guest@localhost:15672"


def test_a_broker_named_by_amqp_uri_that_does_not_answer_stops_the_run_saying_so(no_variables):
    port = free_port()  # nothing listens there, and it is not ours to start
    no_variables.setenv("AMQP_URI", f"amqp://guest:guest@127.0.0.1:{port}/")
    message = discover()
    assert isinstance(message, str)
    assert f"RabbitMQ at 127.0.0.1:{port} does not answer" in message and "export AMQP_URI" in message


def test_a_database_url_that_is_not_postgresql_is_refused_with_what_to_do(no_variables):
    no_variables.setenv("DATABASE_URL", "sqlite:///var/db/{service}.sqlite3")
    message = discover()
    assert isinstance(message, str) and "must name a PostgreSQL server" in message


def test_the_command_line_makes_sure_both_run_and_prints_the_two_variables():
    done = subprocess.run([sys.executable, "deploy/local_servers.py"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["AMQP_URI=amqp://guest:guest@127.0.0.1:5672/",
                                        "DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres"]
