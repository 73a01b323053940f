#!/bin/sh
# The image's entrypoint: the first argument names the role (service, relay, webhooks, gateway,
# migrate, admin), the rest go to it.
# `exec` makes the role PID 1's only child-free process, so SIGTERM reaches it directly
# and it stops gracefully (nameko finishes running workers, the relay its batch,
# gunicorn drains requests within graceful_timeout).
set -eu
role="${1:-gateway}"
[ "$#" -gt 0 ] && shift
case "$role" in
  service)
    [ "$#" -ge 1 ] || { echo "usage: service <jobs|training|governance|points|notifications>" >&2; exit 64; }
    exec python -m services.common.runner "$@" ;;
  relay)
    exec python -m services.common.relay "$@" ;;
  webhooks)
    exec python -m gateway.webhooks "$@" ;;
  gateway)
    # Several gunicorn workers share their metrics through this folder; start it empty.
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/fengchao-metrics}"
    rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    exec gunicorn -c python:gateway.gunicorn_conf gateway.wsgi:app "$@" ;;
  migrate)
    exec python -m services.common.migrate "$@" ;;
  admin)
    exec python -m gateway "$@" ;;
  *)
    exec "$role" "$@" ;;
esac
