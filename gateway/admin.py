"""Administration from the command line.

    python -m gateway create-tenant xiangyang "向阳社区" --kind community
    python -m gateway create-user 13800000001 "王师傅" --password 'secret123' --tenant xiangyang --roles resident
    python -m gateway grant 13800000001 --tenant xiangyang --roles staff
    python -m gateway remove-role 13800000001 --tenant xiangyang --role staff
    python -m gateway remove-member 13800000001 --tenant xiangyang
    python -m gateway deactivate 13800000001        # not erasure: reactivate undoes it
    python -m gateway reactivate 13800000001
    python -m gateway issue-api-key --tenant hospital "First-aid roster sync"
    python -m gateway rotate-api-key <key id>      # old key works for API_KEY_GRACE_SECONDS more
    python -m gateway revoke-api-key <key id>
    python -m gateway audit-log --tenant xiangyang --limit 20
    python -m gateway publish-members [--tenant xiangyang]   # member_joined again for every membership

Every change made here is written to the audit log with the actor "cli".
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import warnings
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from gateway import audit, identity, messages
from gateway.models import User
from services.common import config
from services.common.database import make_engine
from services.common.errors import FengchaoError, NotFound

# eventlet warns on import that it is deprecated (a known, tracked dependency: docs/dependencies.md); an operator
# running one command needs not see it. None of the imports above loads nameko or eventlet (the gateway loads
# contracts only), so the filter may follow them and still comes before any later import that could.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


def _session() -> Session:
    engine = make_engine(config.database_url("gateway"), pool_size=1)
    return sessionmaker(engine, expire_on_commit=False)()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway", description="Fengchao gateway administration")
    commands = parser.add_subparsers(dest="command", required=True)

    tenant = commands.add_parser("create-tenant", help="create a community, partner or operator tenant")
    tenant.add_argument("tenant_id")
    tenant.add_argument("name")
    tenant.add_argument("--kind", default="community", choices=["community", "partner", "operator"])

    user = commands.add_parser("create-user", help="create a user, optionally with a membership")
    user.add_argument("phone")
    user.add_argument("display_name")
    user.add_argument("--password", help="prompted for when omitted")
    user.add_argument("--tenant")
    user.add_argument("--roles", default="resident", help="comma-separated")

    grant = commands.add_parser("grant", help="give an existing user roles in a tenant")
    grant.add_argument("phone")
    grant.add_argument("--tenant", required=True)
    grant.add_argument("--roles", required=True, help="comma-separated")

    remove_role = commands.add_parser("remove-role", help="take one role from a member (their tokens lose it at once)")
    remove_role.add_argument("phone")
    remove_role.add_argument("--tenant", required=True)
    remove_role.add_argument("--role", required=True)

    remove_member = commands.add_parser("remove-member", help="end a membership (its tokens stop working at once)")
    remove_member.add_argument("phone")
    remove_member.add_argument("--tenant", required=True)

    phone = commands.add_parser("change-phone", help="a person's new mobile number (their communities hear it)")
    phone.add_argument("phone")
    phone.add_argument("new_phone")

    deactivate = commands.add_parser("deactivate", help="suspend an account: no sign-in, every token refused")
    deactivate.add_argument("phone")

    reactivate = commands.add_parser("reactivate", help="lift a deactivation: the person can sign in again")
    reactivate.add_argument("phone")

    key = commands.add_parser("issue-api-key", help="issue a partner API key (shown once)")
    key.add_argument("name")
    key.add_argument("--tenant", required=True)
    key.add_argument("--roles", default="partner")

    rotate = commands.add_parser("rotate-api-key", help="issue a successor; the old key works for the grace period")
    rotate.add_argument("key_id")
    rotate.add_argument("--grace-seconds", type=int, help="default: API_KEY_GRACE_SECONDS")

    revoke = commands.add_parser("revoke-api-key", help="refuse a key from now on")
    revoke.add_argument("key_id")

    log = commands.add_parser("audit-log", help="print audit entries, newest first (read-only)")
    log.add_argument("--tenant", help="default: every tenant")
    log.add_argument("--limit", type=int, default=50)

    members = commands.add_parser("publish-members", help="re-publish member_joined for every current membership "
                                  "(services' members tables; safe to repeat)")
    members.add_argument("--tenant", help="default: every tenant")

    args = parser.parse_args(argv)
    session = _session()
    try:
        with session.begin():
            result = _run(session, args)
    except FengchaoError as exc:
        print(json.dumps({"error": exc.code, "detail": exc.detail, **exc.extra}, ensure_ascii=False), file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _audit(session: Session, tenant_id: str, action: str, target_type: str, target_id: str, **detail: Any) -> None:
    audit.record(session=session, tenant_id=tenant_id, actor=CLI_ACTOR, action=action, target_type=target_type,
                 target_id=target_id, detail=detail)


CLI_ACTOR = "cli"
NO_TENANT = "-"  # the audit entry of an account that belongs to no tenant


def _user(session: Session, phone: str) -> User:
    user = identity.find_user_by_phone(session=session, phone=phone)
    if user is None:
        raise NotFound(messages.NO_USER_WITH_PHONE)
    return user


def _run(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    if args.command == "create-tenant":
        tenant = identity.create_tenant(session=session, tenant_id=args.tenant_id, name=args.name, kind=args.kind)
        return {"tenant_id": tenant.id, "name": tenant.name, "kind": tenant.kind}
    if args.command == "create-user":
        password = args.password or getpass.getpass("Password: ")
        user = identity.create_user(session=session, phone=args.phone, display_name=args.display_name,
                                    password=password)
        result = {"user_id": user.id, "phone": user.phone}
        if args.tenant:
            membership = identity.grant_membership(session=session, user_id=user.id, tenant_id=args.tenant,
                                                   roles=args.roles.split(","))
            _audit(session, args.tenant, "membership.grant", "person", user.id, roles=membership.roles)
            result["tenant_id"] = args.tenant
        return result
    if args.command == "grant":
        user = _user(session, args.phone)
        membership = identity.grant_membership(session=session, user_id=user.id, tenant_id=args.tenant,
                                               roles=args.roles.split(","))
        _audit(session, args.tenant, "membership.grant", "person", user.id, roles=membership.roles)
        return {"user_id": user.id, "tenant_id": args.tenant, "roles": membership.roles}
    if args.command == "remove-role":
        user = _user(session, args.phone)
        membership, changed = identity.remove_role(session=session, user_id=user.id, tenant_id=args.tenant,
                                                   role=args.role)
        if changed:
            _audit(session, args.tenant, "membership.role_remove", "person", user.id, role=args.role,
                   roles=list(membership.roles))
        return {"user_id": user.id, "tenant_id": args.tenant, "roles": list(membership.roles), "changed": changed}
    if args.command == "remove-member":
        user = _user(session, args.phone)
        changed = identity.remove_membership(session=session, user_id=user.id, tenant_id=args.tenant)
        if changed:
            _audit(session, args.tenant, "membership.remove", "person", user.id)
        return {"user_id": user.id, "tenant_id": args.tenant, "changed": changed}
    if args.command == "change-phone":
        user = _user(session, args.phone)
        user, changed = identity.change_phone(session=session, user_id=user.id, phone=args.new_phone)
        if changed:
            for tenant_id in sorted({m.tenant_id for m in user.memberships}) or [NO_TENANT]:
                _audit(session, tenant_id, "account.phone_change", "person", user.id)
        return {"user_id": user.id, "changed": changed}
    if args.command in ("deactivate", "reactivate"):
        user = _user(session, args.phone)
        change = identity.deactivate_user if args.command == "deactivate" else identity.reactivate_user
        user, changed = change(session=session, user_id=user.id)
        if changed:
            # In the log of each tenant the person belongs to (NO_TENANT when none), for its staff to see.
            for tenant_id in sorted({m.tenant_id for m in user.memberships}) or [NO_TENANT]:
                _audit(session, tenant_id, f"account.{args.command}", "person", user.id)
        return {"user_id": user.id, "active": user.deactivated_at is None,
                "deactivated_at": user.deactivated_at.isoformat() if user.deactivated_at else None,
                "changed": changed}
    if args.command == "issue-api-key":
        key, secret = identity.issue_api_key(session=session, tenant_id=args.tenant, name=args.name,
                                             roles=args.roles.split(","))
        _audit(session, key.tenant_id, "api_key.issue", "api_key", key.id, name=key.name)
        return {"key_id": key.id, "tenant_id": key.tenant_id, "api_key": secret,
                "note": "shown once; store it now"}
    if args.command == "rotate-api-key":
        new, secret, old = identity.rotate_api_key(session=session, key_id=args.key_id,
                                                   grace_seconds=args.grace_seconds)
        assert old.expires_at is not None  # a rotated key expires after the grace
        _audit(session, old.tenant_id, "api_key.rotate", "api_key", old.id, new_key_id=new.id,
               old_key_expires_at=old.expires_at.isoformat())
        return {"key_id": new.id, "tenant_id": new.tenant_id, "api_key": secret, "old_key_id": old.id,
                "old_key_expires_at": old.expires_at.isoformat(), "note": "shown once; store it now"}
    if args.command == "revoke-api-key":
        key = identity.revoke_api_key(session=session, key_id=args.key_id)
        _audit(session, key.tenant_id, "api_key.revoke", "api_key", key.id)
        assert key.revoked_at is not None
        return {"key_id": key.id, "tenant_id": key.tenant_id, "revoked_at": key.revoked_at.isoformat()}
    if args.command == "audit-log":
        items, _next = audit.entries(session=session, tenant_id=args.tenant, limit=args.limit)
        return {"items": [{**item, "at": item["at"].isoformat()} for item in items]}
    if args.command == "publish-members":
        from gateway import identity_events

        count = identity_events.republish_memberships(session, tenant_id=args.tenant)
        return {"published": count, "tenant_id": args.tenant}
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
