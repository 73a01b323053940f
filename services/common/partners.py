"""The partner side of events: the topic exchange partners consume, its routing keys, the events
partners may send in, and broker users whose topic permissions admit only their own tenant.

Every committed outbox event is ALSO published (by the relay) as a CloudEvent to the durable topic
exchange `fengchao.partners` with routing key `<tenant>.<service>.<event>`. A partner's broker user
may bind only keys that start with its tenant (RabbitMQ topic authorisation), so
`xiangyang.#` works for xiangyang's partner and `dongxin.#` or `#` is refused.

    python -m services.common.partners create-broker-user --tenant hospital [--password …]
    python -m services.common.partners delete-broker-user --tenant hospital

Broker users are named `<deployment>-partner-<tenant>` (FENGCHAO_DEPLOYMENT, default `fengchao`): users are
global to a RabbitMQ cluster, not per vhost, so two deployments sharing a broker must not share names. They
are made through RabbitMQ's management API, or with `rabbitmqctl` on the broker's own machine when the
management plugin is off.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests
from kombu import Connection, Exchange
from kombu.exceptions import OperationalError
from marshmallow import Schema, validate

from services.common import config
from services.common import contract_fields as fields

PARTNER_EXCHANGE = "fengchao.partners"
CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"
TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
DEPLOYMENT = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


# Events that never leave the platform: the labour-rights desk is confidential (docs/jobs_desk.md), so even
# its id-only events are for the platform's own consumers, not for partners.
INTERNAL_ONLY_EVENTS = frozenset({"jobs.case_opened", "jobs.case_resolved"})


# Sources whose every event stays inside the platform: identity events carry names and roles; the
# notifications service's are about deliveries to people.
INTERNAL_ONLY_SOURCES = frozenset({"identity", "notifications"})


def for_partners(service: str, event: str) -> bool:
    return service not in INTERNAL_ONLY_SOURCES and f"{service}.{event}" not in INTERNAL_ONLY_EVENTS


def partner_exchange() -> Exchange:
    return Exchange(PARTNER_EXCHANGE, type="topic", durable=True, delivery_mode=2)


def partner_exchange_to_bind() -> Exchange:
    """The exchange as a partner's consumer names it: bound to, never declared (a partner user may not
    configure it; `create-broker-user` declares it)."""
    return Exchange(PARTNER_EXCHANGE, type="topic", durable=True, no_declare=True)


def routing_key(*, tenant_id: str, service: str, event: str) -> str:
    """`xiangyang`, `jobs`, `worker_registered` → `xiangyang.jobs.worker_registered`."""
    return f"{tenant_id}.{service}.{event}"


def routing_key_of(envelope: dict[str, Any]) -> str:
    """The partner routing key of a CloudEvent this platform made (`source` is `/fengchao/<service>`)."""
    service = envelope["source"].rsplit("/", 1)[-1]
    event = envelope["type"].rsplit(".", 1)[-1]
    return routing_key(tenant_id=envelope["tenantid"], service=service, event=event)


# --- inbound partner events ---------------------------------------------------------------
#
# What a partner may POST to /api/v1/partners/inbound. Each type names its data schema; the
# gateway (gateway/webhooks/inbound.py) turns a valid event into service calls.

INBOUND_TYPE_PREFIX = "cn.fengchao.partner"


class DrillAttendee(Schema):
    user_id = fields.String(required=True, validate=validate.Length(1, 64),
                            metadata={"description": "the resident's account id in the tenant of the API key"})
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 50))


class FirstAidDrillRosterData(Schema):
    """A partner (e.g. the district hospital 区中医院) held a first-aid drill (急救演练) in the community and
    reports who took part. Each attendee with an account is awarded the drill's points in the moral bank
    (category `first_aid`), once per drill, however often the roster is sent. Awards above the tenant's
    approval threshold wait for a staff member (maker-checker)."""

    drill_id = fields.String(required=True, validate=validate.Length(1, 64),
                             metadata={"description": "the partner's own id of the drill"})
    title = fields.String(required=True, validate=validate.Length(2, 200))
    held_at = fields.DateTime(required=True)
    points = fields.Integer(required=True, validate=validate.Range(1, 200),
                            metadata={"description": "points per attendee, as agreed with the community"})
    attendees = fields.List(fields.Nested(DrillAttendee), required=True, validate=validate.Length(1, 500))


class ExamResult(Schema):
    user_id = fields.String(required=True, validate=validate.Length(1, 64),
                            metadata={"description": "the learner's account id"})
    score = fields.Integer(required=True, validate=validate.Range(0, 100))


class ExamResultsData(Schema):
    """A college (e.g. 区职业技术学院) that hosts a certificate course as a tenant reports the exam scores of
    one of its sessions. Each score goes on the learner's enrolment as if the examiner had typed it in; a
    learner not enrolled in the session is reported back, not guessed. Sending the same results again
    changes nothing; a corrected score replaces the old one while the session is open."""

    session_id = fields.String(required=True, validate=validate.Length(1, 36),
                               metadata={"description": "the course session in the key's tenant"})
    exam_id = fields.String(required=True, validate=validate.Length(1, 64),
                            metadata={"description": "the college's own id of the exam"})
    results = fields.List(fields.Nested(ExamResult), required=True, validate=validate.Length(1, 500))


class AcceptedVoucher(Schema):
    code = fields.String(required=True, validate=validate.Length(4, 32),
                         metadata={"description": "the voucher code the resident showed"})
    accepted_at = fields.DateTime(required=True, metadata={"description": "when the till accepted it"})


class MerchantVoucherBatchData(Schema):
    """A caring merchant's till (its API key is one of the merchant's operators) accepted vouchers while it
    was offline and now uploads them. Each voucher is confirmed as if scanned; a voucher already confirmed
    is reported as such (a re-sent batch settles nothing twice), one that is cancelled, expired or of another
    merchant is reported refused."""

    batch_id = fields.String(required=True, validate=validate.Length(1, 64),
                             metadata={"description": "the till's own id of the upload"})
    vouchers = fields.List(fields.Nested(AcceptedVoucher), required=True, validate=validate.Length(1, 500))


INBOUND_CATALOGUE: dict[str, type[Schema]] = {
    f"{INBOUND_TYPE_PREFIX}.first_aid_drill_roster": FirstAidDrillRosterData,
    f"{INBOUND_TYPE_PREFIX}.exam_results": ExamResultsData,
    f"{INBOUND_TYPE_PREFIX}.merchant_voucher_batch": MerchantVoucherBatchData,
}

# Example words of the inbound catalogue (docs/events.md): data, kept with the other examples.
_EXAMPLE_WORDS = json.loads((Path(__file__).parent / "data" / "examples.json").read_text(encoding="utf-8"))["inbound"]

INBOUND_EXAMPLES: dict[str, dict[str, Any]] = {
    f"{INBOUND_TYPE_PREFIX}.first_aid_drill_roster": {
        "drill_id": "drill-2026-11-28-xy",
        "title": _EXAMPLE_WORDS["drill_title"],
        "held_at": "2026-11-28T09:30:00+08:00",
        "points": 10,
        "attendees": [{"user_id": "3f1c2a9e-8d1b-4c55-9a9e-2b7c0e7f4d10", "name": _EXAMPLE_WORDS["attendee"]}],
    },
    f"{INBOUND_TYPE_PREFIX}.exam_results": {
        "session_id": "8b0e6f7a-1c2d-4e5f-9a8b-7c6d5e4f3a21",
        "exam_id": "2026-FA-03",
        "results": [{"user_id": "3f1c2a9e-8d1b-4c55-9a9e-2b7c0e7f4d10", "score": 86}],
    },
    f"{INBOUND_TYPE_PREFIX}.merchant_voucher_batch": {
        "batch_id": "till-07-2026-11-28",
        "vouchers": [{"code": "K7Q2-M9XD", "accepted_at": "2026-11-28T12:05:00+08:00"}],
    },
}


# --- broker users for partners (RabbitMQ management HTTP API, or rabbitmqctl) ----------------


def broker_username(tenant_id: str, *, deployment: str | None = None) -> str:
    """`fengchao-partner-xiangyang`: the deployment first, because a broker's users are shared by every
    vhost and so by every deployment on it."""
    deployment = deployment or config.get("FENGCHAO_DEPLOYMENT")
    if not DEPLOYMENT.match(deployment):
        raise ValueError(f"not a deployment name (FENGCHAO_DEPLOYMENT): {deployment!r}")
    return f"{deployment}-partner-{tenant_id}"


def queue_prefix(tenant_id: str) -> str:
    """Queues a partner user may declare, bind and read: `partner-<tenant>.<anything>`."""
    return f"partner-{tenant_id}."


def permissions_for(tenant_id: str) -> dict[str, dict[str, str]]:
    """Resource and topic permissions of a partner's broker user.

    - configure/write: only its own queues (binding needs write on the queue);
    - read: its own queues and the partner exchange (binding needs read on the exchange);
    - topic read on the partner exchange: routing keys of its own tenant only, which RabbitMQ checks
      when the user binds a queue; topic write: nothing (partners do not publish here).
    """
    if not TENANT_ID.match(tenant_id or ""):
        raise ValueError(f"not a tenant id: {tenant_id!r}")
    own = "^" + re.escape(queue_prefix(tenant_id))
    return {
        "permissions": {"configure": own, "write": own,
                        "read": f"^({re.escape(PARTNER_EXCHANGE)}$|{re.escape(queue_prefix(tenant_id))})"},
        "topic": {"exchange": PARTNER_EXCHANGE, "write": "^$", "read": "^" + re.escape(tenant_id) + r"\."},
    }


def _credentials(*, tenant_id: str, username: str, password: str, vhost: str, made_with: str) -> dict[str, str]:
    """What the partner needs to connect and bind, shown once."""
    return {"username": username, "password": password, "vhost": vhost, "exchange": PARTNER_EXCHANGE,
            "binding_keys": f"{tenant_id}.#", "queue_prefix": queue_prefix(tenant_id), "made_with": made_with}


class BrokerAdmin:
    """The few management-API calls partner provisioning needs."""

    def __init__(self, management_url: str, vhost: str):
        parts = urlsplit(management_url)
        self.base = f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}/api"
        self.auth = (unquote(parts.username or "guest"), unquote(parts.password or "guest"))
        self.vhost = vhost

    @classmethod
    def from_amqp_uri(cls, amqp_uri: str, management_url: str | None = None) -> BrokerAdmin:
        """The management API beside the broker of `amqp_uri` (port 15672, same credentials) unless given."""
        parts = urlsplit(amqp_uri)
        vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
        if management_url is None:
            user = parts.username or "guest"
            password = parts.password or "guest"
            management_url = f"http://{user}:{password}@{parts.hostname or '127.0.0.1'}:15672"
        return cls(management_url, vhost)

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = requests.request(method, self.base + path, auth=self.auth, timeout=10, **kwargs)
        if response.status_code >= 400 and not (method == "DELETE" and response.status_code == 404):
            raise RuntimeError(f"RabbitMQ management {method} {path}: {response.status_code} {response.text}")
        return response

    def answers(self) -> bool:
        """The management API is there (the plugin may be off on a broker that is otherwise up)."""
        try:
            requests.get(self.base + "/overview", auth=self.auth, timeout=5).raise_for_status()
        except requests.RequestException:
            return False
        return True

    def create_partner_user(self, tenant_id: str, *, password: str | None = None,
                            deployment: str | None = None) -> dict[str, str]:
        """Create (or reset) the partner user of `tenant_id` with its permissions; returns its credentials.
        The partner exchange is declared too, so the partner can bind before the first event is relayed."""
        grants = permissions_for(tenant_id)
        username = broker_username(tenant_id, deployment=deployment)
        password = password or secrets.token_urlsafe(24)
        vhost = quote(self.vhost, safe="")
        self._call("PUT", f"/exchanges/{vhost}/{quote(PARTNER_EXCHANGE, safe='')}",
                   json={"type": "topic", "durable": True, "auto_delete": False, "internal": False, "arguments": {}})
        self._call("PUT", f"/users/{quote(username, safe='')}", json={"password": password, "tags": ""})
        self._call("PUT", f"/permissions/{vhost}/{quote(username, safe='')}", json=grants["permissions"])
        self._call("PUT", f"/topic-permissions/{vhost}/{quote(username, safe='')}", json=grants["topic"])
        return _credentials(tenant_id=tenant_id, username=username, password=password, vhost=self.vhost,
                            made_with="management API")

    def delete_partner_user(self, tenant_id: str, *, deployment: str | None = None) -> None:
        self._call("DELETE", f"/users/{quote(broker_username(tenant_id, deployment=deployment), safe='')}")


class RabbitmqctlAdmin:
    """The same provisioning with `rabbitmqctl`, for a broker without the management plugin. It works on
    the broker's own machine only (rabbitmqctl talks to the local node with its Erlang cookie: run it as
    root or the rabbitmq user). The exchange is declared over AMQP with the platform's own credentials."""

    def __init__(self, amqp_uri: str, ctl: str = "rabbitmqctl"):
        parts = urlsplit(amqp_uri)
        self.amqp_uri = amqp_uri
        self.vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
        self.ctl = ctl

    def _ctl(self, *args: str, secret: str | None = None) -> subprocess.CompletedProcess[str]:
        # a password goes on stdin, where `ps` does not show it (rabbitmqctl reads it there when omitted)
        return subprocess.run([self.ctl, "--quiet", *args], input=secret, capture_output=True, text=True, timeout=60)

    def _ctl_ok(self, *args: str, secret: str | None = None) -> None:
        done = self._ctl(*args, secret=secret)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {args[0]}: {(done.stderr or done.stdout).strip()}")

    def create_partner_user(self, tenant_id: str, *, password: str | None = None,
                            deployment: str | None = None) -> dict[str, str]:
        """As BrokerAdmin.create_partner_user: create or reset the user, grant it, declare the exchange."""
        grants = permissions_for(tenant_id)
        username = broker_username(tenant_id, deployment=deployment)
        password = password or secrets.token_urlsafe(24)
        with Connection(self.amqp_uri, connect_timeout=10) as connection:
            partner_exchange()(connection.default_channel).declare()
        added = self._ctl("add_user", username, secret=password)
        if added.returncode != 0:
            if "already exists" not in added.stderr + added.stdout:
                raise RuntimeError(f"rabbitmqctl add_user: {(added.stderr or added.stdout).strip()}")
            self._ctl_ok("change_password", username, secret=password)
        resource, topic = grants["permissions"], grants["topic"]
        self._ctl_ok("set_permissions", "-p", self.vhost, username, resource["configure"], resource["write"],
                     resource["read"])
        self._ctl_ok("set_topic_permissions", "-p", self.vhost, username, topic["exchange"], topic["write"],
                     topic["read"])
        return _credentials(tenant_id=tenant_id, username=username, password=password, vhost=self.vhost,
                            made_with="rabbitmqctl")

    def delete_partner_user(self, tenant_id: str, *, deployment: str | None = None) -> None:
        done = self._ctl("delete_user", broker_username(tenant_id, deployment=deployment))
        if done.returncode != 0 and "does not exist" not in done.stderr + done.stdout:
            raise RuntimeError(f"rabbitmqctl delete_user: {(done.stderr or done.stdout).strip()}")


def broker_admin(*, amqp_uri: str, management_url: str | None = None) -> BrokerAdmin | RabbitmqctlAdmin:
    """The management API when it answers (or is named); otherwise rabbitmqctl when the broker is on this
    machine and rabbitmqctl is installed; otherwise an error that says what to do."""
    api = BrokerAdmin.from_amqp_uri(amqp_uri, management_url)
    if management_url or api.answers():
        return api
    host = urlsplit(amqp_uri).hostname or "127.0.0.1"
    ctl = shutil.which("rabbitmqctl")
    if ctl and host in ("127.0.0.1", "localhost", "::1"):
        return RabbitmqctlAdmin(amqp_uri, ctl)
    raise RuntimeError(
        f"RabbitMQ's management API does not answer at {api.base} and rabbitmqctl cannot reach the broker from "
        "here. Enable the API on the broker (rabbitmq-plugins enable rabbitmq_management), pass "
        "--management-url, or run this command on the broker's machine, where rabbitmqctl works.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.common.partners",
                                     description="RabbitMQ users for alliance partners")
    parser.add_argument("--management-url", help="default: http://<AMQP user:password@host>:15672, or rabbitmqctl "
                                                 "on the broker's machine when that does not answer")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-broker-user", help="create or reset a partner's broker user (password "
                                                            "shown once)")
    create.add_argument("--tenant", required=True)
    create.add_argument("--password", help="default: a random one")
    delete = commands.add_parser("delete-broker-user")
    delete.add_argument("--tenant", required=True)
    args = parser.parse_args(argv)
    try:
        admin = broker_admin(amqp_uri=config.get("AMQP_URI"), management_url=args.management_url)
        if args.command == "create-broker-user":
            result: dict[str, Any] = admin.create_partner_user(args.tenant, password=args.password)
        else:
            admin.delete_partner_user(args.tenant)
            result = {"deleted": broker_username(args.tenant)}
    except (ValueError, RuntimeError, requests.RequestException, OperationalError, subprocess.SubprocessError) as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False), file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
