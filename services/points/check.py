"""`python -m services.points.check`: prove the moral bank's ledger in every tenant.

Connects as the database owner (row-level security does not bind it, so it sees every tenant)
and runs `ledger.check`: every account's balance equals the sum of its entries, every posting
sums to zero, every member's balance equals what their lots hold, running balances agree.
Prints the report as JSON; exits 1 if anything is off.
"""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy.orm import Session

from services.common import config
from services.common.database import make_engine
from services.points import ledger


def run(url: str) -> dict:
    engine = make_engine(url, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            return ledger.check(session=session)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="owner URL of the points database (default: from DATABASE_URL)")
    args = parser.parse_args(argv)
    report = run(args.url or config.database_url("points"))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
