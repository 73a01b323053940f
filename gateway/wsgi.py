"""gunicorn entry point: `gunicorn -c gateway/gunicorn_conf.py gateway.wsgi:app`."""

from gateway.app import create_app
from services.common.logging import configure

configure("gateway")
app = create_app()
