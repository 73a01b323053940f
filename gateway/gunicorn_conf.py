"""gunicorn settings. gthread workers: gunicorn 27 has no eventlet worker, and
the gateway's RPC pool is thread-safe, so plain threads serve it well.
(gunicorn reads every public name here as a setting: imports stay private.)"""

from services.common import config as _config

bind = _config.get("GATEWAY_BIND")
workers = _config.get_int("GATEWAY_WORKERS")
threads = _config.get_int("GATEWAY_THREADS")
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
# Longer than gunicorn's 2 s default: a client reusing an idle connection just as
# the server drops it gets "connection reset"; proxies in front keep theirs longer.
keepalive = 5
accesslog = None  # the app logs one structured line per request
