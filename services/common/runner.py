"""Start one service process: `python -m services.common.runner jobs`.

The same way for all four services: eventlet is patched before anything else is
imported, then psycopg2 is made green (so ten concurrent queries run together,
not one after another), then the nameko container starts with its config built
from the environment. SIGTERM and SIGINT stop it gracefully: running workers
finish, then the process exits.
"""

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import importlib  # noqa: E402
import signal  # noqa: E402

from psycogreen.eventlet import patch_psycopg  # noqa: E402

patch_psycopg()

import os  # noqa: E402

import nameko.rpc  # noqa: E402
from amqp.exceptions import AMQPError  # noqa: E402
from kombu.exceptions import OperationalError  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from services.common import config  # noqa: E402
from services.common.logging import configure, get_logger  # noqa: E402

log = get_logger(__name__)

BROKER_ERRORS = (OSError, AMQPError, OperationalError)


class TolerantResponder(nameko.rpc.Responder):
    """nameko's RPC responder, except that a reply it cannot publish (the broker is restarting) is
    logged and dropped instead of raised. Raised, nameko treats it as fatal and kills the whole service
    container, so one broker restart would take every service down for good. The caller has timed out
    (504) or will; it retries with its idempotency key, and the write it asked for is committed once."""

    def send_response(self, result, exc_info):
        try:
            return super().send_response(result, exc_info)
        except BROKER_ERRORS as exc:
            log.warning("rpc.reply_lost", error=repr(exc),
                        correlation_id=self.message.properties.get("correlation_id"))
            return result, exc_info


nameko.rpc.Responder = TolerantResponder  # RpcConsumer.handle_result looks it up in the module


def service_class(name: str):
    """`jobs` → services.jobs.service's class; `package.module:Class` for others (tests)."""
    if ":" in name:
        module_name, class_name = name.split(":", 1)
        return getattr(importlib.import_module(module_name), class_name)
    module = importlib.import_module(f"services.{name}.service")
    for value in vars(module).values():
        if isinstance(value, type) and getattr(value, "name", None) == name and hasattr(value, "db"):
            return value
    raise LookupError(f"services.{name}.service has no service class named {name!r}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Run one Fengchao service.")
    parser.add_argument("service", help=f"one of {', '.join(config.SERVICE_NAMES)}, or module:Class")
    args = parser.parse_args(argv)
    if args.service not in config.SERVICE_NAMES and ":" not in args.service:
        parser.error(f"unknown service {args.service!r}")
    configure(args.service)

    runner = ServiceRunner(config.nameko_config())
    runner.add_service(service_class(args.service))

    def shutdown(signum, _frame):
        log.info("service.stopping", service=args.service, signal=signum)
        # stop() waits for running workers; do it off the signal handler's frame.
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    log.info("service.started", service=args.service)
    try:
        runner.wait()
    except Exception as exc:
        # the container died of something it could not handle: exit non-zero so that the supervisor
        # (systemd, Kubernetes, run_local) starts a fresh process, rather than linger half-stopped
        log.critical("service.died", service=args.service, error=repr(exc))
        os._exit(70)
    log.info("service.stopped", service=args.service)


if __name__ == "__main__":
    main()
