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
from typing import Any  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from services.common import broker_tolerance, config, graceful_stop  # noqa: E402
from services.common.logging import configure, get_logger  # noqa: E402

log = get_logger(__name__)


def service_class(name: str) -> Any:
    """`jobs` → services.jobs.service's class; `package.module:Class` for others (tests)."""
    if ":" in name:
        module_name, class_name = name.split(":", 1)
        return getattr(importlib.import_module(module_name), class_name)
    module = importlib.import_module(f"services.{name}.service")
    for value in vars(module).values():
        if isinstance(value, type) and getattr(value, "name", None) == name and hasattr(value, "db"):
            return value
    raise LookupError(f"services.{name}.service has no service class named {name!r}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one Fengchao service.")
    parser.add_argument("service", help=f"one of {', '.join(config.SERVICE_NAMES)}, or module:Class")
    args = parser.parse_args(argv)
    if args.service not in config.SERVICE_NAMES and ":" not in args.service:
        parser.error(f"unknown service {args.service!r}")
    configure(args.service)

    broker_tolerance.install()
    graceful_stop.install()
    runner = ServiceRunner(config.nameko_config())
    runner.add_service(service_class(args.service))

    stop_requested: list[int] = []

    def shutdown(signum: int, _frame: Any) -> None:
        # One stop per process: a second signal (Ctrl-C from the terminal and SIGTERM from the supervisor
        # a moment later) would start a second runner.stop beside the first, racing it through every
        # extension's stop.
        first = not stop_requested
        stop_requested.append(signum)
        # Logged and stopped in a green thread of its own: the handler runs in whichever worker was current
        # when the signal came, and would log with that worker's request id and entrypoint. stop() waits for
        # running workers, so it must not run on the signal handler's frame either.
        eventlet.spawn_n(stop if first else log_again, signum)

    def stop(signum: int) -> None:
        log.info("service.stopping", service=args.service, signal=signum)
        runner.stop()

    def log_again(signum: int) -> None:
        log.info("service.already_stopping", service=args.service, signal=signum)

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
