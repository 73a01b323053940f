"""Administration from the command line.

    python -m gateway create-tenant xiangyang "向阳社区" --kind community
    python -m gateway create-user 13800000001 "王师傅" --password 'secret123' --tenant xiangyang --roles resident
    python -m gateway grant 13800000001 --tenant xiangyang --roles staff
    python -m gateway issue-api-key --tenant hospital "First-aid roster sync"
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from sqlalchemy.orm import sessionmaker

from gateway import identity
from services.common import config
from services.common.database import make_engine
from services.common.errors import FengchaoError


def _session():
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

    key = commands.add_parser("issue-api-key", help="issue a partner API key (shown once)")
    key.add_argument("name")
    key.add_argument("--tenant", required=True)
    key.add_argument("--roles", default="partner")

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


def _run(session, args) -> dict:
    if args.command == "create-tenant":
        tenant = identity.create_tenant(session=session, tenant_id=args.tenant_id, name=args.name, kind=args.kind)
        return {"tenant_id": tenant.id, "name": tenant.name, "kind": tenant.kind}
    if args.command == "create-user":
        password = args.password or getpass.getpass("Password: ")
        user = identity.create_user(session=session, phone=args.phone, display_name=args.display_name,
                                    password=password)
        result = {"user_id": user.id, "phone": user.phone}
        if args.tenant:
            identity.grant_membership(session=session, user_id=user.id, tenant_id=args.tenant,
                                      roles=args.roles.split(","))
            result["tenant_id"] = args.tenant
        return result
    if args.command == "grant":
        user = identity.find_user_by_phone(session=session, phone=args.phone)
        if user is None:
            raise identity.NotFound("No user with that phone number")
        membership = identity.grant_membership(session=session, user_id=user.id, tenant_id=args.tenant,
                                               roles=args.roles.split(","))
        return {"user_id": user.id, "tenant_id": args.tenant, "roles": membership.roles}
    if args.command == "issue-api-key":
        key, secret = identity.issue_api_key(session=session, tenant_id=args.tenant, name=args.name,
                                             roles=args.roles.split(","))
        return {"key_id": key.id, "tenant_id": key.tenant_id, "api_key": secret,
                "note": "shown once; store it now"}
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
