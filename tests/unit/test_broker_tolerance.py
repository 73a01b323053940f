"""A service outlives the broker going away under it: an ack, a requeue or a reply that fails on a dead
connection is logged, not raised into nameko's container (which would kill the service for good)."""

from types import SimpleNamespace

import nameko.rpc
import pytest
from nameko.messaging import QueueConsumer

from services.common import broker_tolerance


class DeadSocketMessage:
    """A delivery whose connection the broker has just closed: the channel still looks open, the socket is not."""

    def __init__(self, error: BaseException):
        self.channel = SimpleNamespace(connection=object())
        self.properties = {"correlation_id": "c-1"}
        self.error = error

    def ack(self):
        raise self.error

    def requeue(self):
        raise self.error


@pytest.fixture
def installed(monkeypatch):
    for name in ("ack_message", "requeue_message"):  # restored after the test
        monkeypatch.setattr(QueueConsumer, name, getattr(QueueConsumer, name))
    monkeypatch.setattr(nameko.rpc, "Responder", nameko.rpc.Responder)
    broker_tolerance.install()


@pytest.mark.parametrize("error", [BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")])
def test_nameko_alone_raises_a_dead_socket_from_an_ack(error):
    # why the module exists: nameko catches only amqp's own ConnectionError here
    with pytest.raises(type(error)):
        QueueConsumer.ack_message(None, DeadSocketMessage(error))


@pytest.mark.parametrize("error", [BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")])
def test_an_ack_or_requeue_on_a_dead_socket_is_logged_and_the_service_carries_on(installed, error, capsys):
    QueueConsumer.ack_message(None, DeadSocketMessage(error))
    QueueConsumer.requeue_message(None, DeadSocketMessage(error))
    logged = capsys.readouterr()
    assert (logged.out + logged.err).count("amqp.settle_lost") == 2


def test_an_error_that_is_not_the_broker_still_surfaces(installed):
    with pytest.raises(ValueError):
        QueueConsumer.ack_message(None, DeadSocketMessage(ValueError("a bug, not a broker")))


def test_replies_go_through_the_tolerant_responder(installed):
    assert nameko.rpc.Responder is broker_tolerance.TolerantResponder
