"""The authorisation matrix: every gateway operation × role, as written in docs/security.md, probed live.

The table in docs/security.md (section "Authorisation matrix") is the source: this module parses it, so the
document and the test cannot disagree. A cell says what a role gets from the operation:

- `yes`: allowed past the role gate: never 401 or 403.
- `no`: refused: 401 (no credential) or 403 (a role that may not).
- `404`: hidden: the probe's object does not exist in the caller's tenant (as another tenant's object looks),
  and the operation answers 404 before saying anything about roles, so existence is not revealed; the
  service applies its object-level rule (organiser, council member, teacher, owner…) to objects it finds.

The probe: each role signs in (a partner sends its API key) in tenant A and again in tenant B; path ids are
well-formed ids of nothing (tenant names are the caller's own); query and body are the first valid example
schemathesis draws from the operation's schema, so the answer comes from the role gate, not from validation.

    python -m tests.security.matrix URL ACTORS.json    # (development) print the observed table
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hypothesis
import requests
from hypothesis import HealthCheck, Phase, given, settings

from tests.security.fuzzing import load_schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
ROLE_COLUMNS = ("resident", "staff", "tenant_admin", "employer", "merchant", "mentor", "partner", "operator",
                "anonymous")
CELLS = ("yes", "no", "404")
NOTHING = "00000000-0000-4000-8000-00000000dead"
TENANT_PARAMS = ("tenant_id", "community")
# Where the first drawn example fails a cross-field rule (a schema cannot say "ends after it starts"), the probe
# sends these instead, so that the role gate, not validation, answers.
AT, UNTIL = "2031-03-01T09:00:00+08:00", "2031-03-01T11:00:00+08:00"
PROBE_BODIES = {
    "PATCH /api/v1/jobs/fairs/{fair_id}": {"title": "安全测试招聘会"},
    "PATCH /api/v1/jobs/workers/{worker_id}": {"display_name": "安全测试"},
    "PATCH /api/v1/training/courses/{course_id}": {"category_id": None},
    "POST /api/v1/governance/councils/{council_id}/sessions": {"title": "议事会", "starts_at": AT, "ends_at": UNTIL,
                                                               "venue": "会议室"},
    "POST /api/v1/governance/projects": {"title": "安全测试项目", "adopter_kind": "partner_unit",
                                         "adopter_name": "安全测试单位"},
    "POST /api/v1/governance/projects/{project_id}/duties": {"title": "清洁", "weekday": 1, "start_time": "09:00",
                                                             "end_time": "10:00", "volunteers_needed": 2},
    "POST /api/v1/governance/voice/{voice_id}/triage": {"action": "answer", "answer": "已答复"},
    "POST /api/v1/jobs/fairs/{fair_id}/check-ins": {"walk_in": True},
    "POST /api/v1/training/courses/{course_id}/sessions": {"label": "冬季班", "capacity": 10, "venue": "教室",
                                                           "enrol_opens_at": AT, "enrol_closes_at": UNTIL,
                                                           "meetings": [{"starts_at": AT, "ends_at": UNTIL}]},
    "POST /api/v1/training/meetings/{meeting_id}/attendance": {"present": [NOTHING]},
    "POST /api/v1/training/sessions/{session_id}/enrolments": {"participant_name": "安全测试"},
    "POST /api/v1/training/sessions/{session_id}/meetings": {"starts_at": AT, "ends_at": UNTIL},
}
# Signing out revokes the credential: probed last, for each actor.
LAST = ("POST /api/v1/auth/logout",)


def parse_doc(text: str | None = None) -> dict[str, dict[str, str]]:
    """"METHOD /path" → role → cell, from the table under '## Authorisation matrix'."""
    text = text if text is not None else DOC.read_text()
    section = text.split("## Authorisation matrix", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, dict[str, str]] = {}
    header = None
    for line in section.splitlines():
        if not line.startswith("|"):
            header = None  # a table ends at the first line that is not a row
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            if header[0] == "operation":
                assert tuple(header[1:]) == ROLE_COLUMNS, f"matrix columns are {header}"
            continue
        if header[0] != "operation":  # the legend, or another table
            continue
        if set(cells[0]) <= set("-: "):
            continue
        label = cells[0].strip("`")
        assert re.match(r"^(GET|POST|PUT|PATCH|DELETE) /", label), f"not an operation: {cells[0]!r}"
        assert label not in rows, f"{label} has two rows"
        values = dict(zip(ROLE_COLUMNS, cells[1:], strict=True))
        assert set(values.values()) <= set(CELLS), f"{label}: cells must be one of {CELLS}: {values}"
        rows[label] = values
    assert rows, "no table with an 'operation' column under '## Authorisation matrix'"
    return rows


def classify(status: int) -> str:
    if status in (401, 403):
        return "no"
    if status == 404:
        return "404"
    return "yes"


def holds(cell: str, status: int) -> bool:
    if cell == "yes":
        return status not in (401, 403)
    if cell == "no":
        return status in (401, 403)
    return status == 404


def first_valid_cases(schema) -> dict[str, object]:
    """label → the first valid request schemathesis draws for the operation."""
    found = {}

    # the hypothesis test is made here, not in the loop, so that it closes over no loop variable; its source
    # (and indentation) is what it was, which keeps derandomize's seed and so the cases drawn
    def drawing(operation, drawn):
        @settings(max_examples=1, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                  verbosity=hypothesis.Verbosity.quiet)
        @given(case=operation.as_strategy())
        def draw(case):
            drawn.append(case)

        return draw

    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        drawn = []
        draw = drawing(operation, drawn)
        draw()
        found[label] = drawn[0]
    return found


def probe(base_url: str, actors: dict, *, login: dict, parallel: int = 4) -> dict[tuple[str, str, str], int]:
    """(label, role, community) → status, for every operation and every actor.

    `login` is a real phone and password: signing in and refreshing are open to everyone, and their 401 means
    wrong credentials, not a refusal, so those two are probed with credentials that work (each actor signs in
    with them, then refreshes the pair it got)."""
    schema = load_schema(base_url)
    cases = first_valid_cases(schema)
    labels = sorted(cases, key=lambda label: (label in LAST, label))
    statuses: dict[tuple[str, str, str], int] = {}
    lock = threading.Lock()

    def as_actor(key) -> None:
        (role, community), actor = key, actors[key]
        http = requests.Session()
        pair: dict = {}
        for label in labels:
            case = cases[label]
            method, path = label.split(" ", 1)
            params = {name: (actor.tenant_id if name in TENANT_PARAMS else NOTHING)
                      for name in re.findall(r"{(\w+)}", path)}
            url = base_url + path.format(**params)
            headers = {k: v for k, v in (case.headers or {}).items()
                       if k.lower() not in ("authorization", "x-api-key", "x-tenant-id")}
            headers.update(actor.headers)
            body = case.body if "requestBody" in case.operation.definition.raw else None
            body = PROBE_BODIES.get(label, body)
            if label == "POST /api/v1/auth/login":
                body = login
            elif label == "POST /api/v1/auth/refresh":
                body = {"refresh_token": pair.get("refresh_token", "")}
            answer = http.request(method, url, params=case.query or None, headers=headers, timeout=20,
                                  **({"json": body} if body is not None else {}))
            if label == "POST /api/v1/auth/login" and answer.status_code == 200:
                pair = answer.json()
            with lock:
                statuses[(label, role, community)] = answer.status_code

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(as_actor, sorted(actors)))
    return statuses


def observed_table(statuses: dict[tuple[str, str, str], int], communities: tuple[str, str]) -> str:
    """The markdown table the statuses show (a cell that differs between the tenants is marked `?`)."""
    labels = sorted({label for label, _role, _community in statuses},
                    key=lambda name: (name.split(" ", 1)[1], name.split(" ", 1)[0]))
    lines = ["| operation | " + " | ".join(ROLE_COLUMNS) + " |", "|---|" + "---|" * len(ROLE_COLUMNS)]
    for label in labels:
        cells = []
        for role in ROLE_COLUMNS:
            seen = {classify(statuses[(label, role, c)]) for c in communities}
            cells.append(seen.pop() if len(seen) == 1 else "?")
        lines.append(f"| `{label}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
