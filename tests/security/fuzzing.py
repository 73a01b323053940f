"""Schemathesis against the running gateway: every operation of /openapi.json, as every role.

`run` is shared by the test inside `make test` (9 requests per operation, one per role) and `make fuzz`
(40). For each operation hypothesis draws valid and invalid requests from the operation's schema; each is sent
as the next role in turn (the two tenants alternating). Every answer must be below 500 and
conform to the document: documented status code, content type and headers, body schema (errors are
problem+json), and invalid data refused with a 4xx. Besides the draws, every operation with a JSON body gets
hostile requests of its own: 5,000 levels of nested JSON (400), a lone surrogate in every top-level string
field (422), and drawn bodies with a lone surrogate appended to every string at any depth (422), one for every
nine draws.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]


DEEP_JSON = '{"a":' * 5000 + "1" + "}" * 5000  # about 35 KB; Python's recursive decoder gives up near 1,000
LONE_SURROGATE = "\ud800"  # JSON spells it ("\\ud800"), UTF-8 and PostgreSQL text cannot hold it


def with_lone_surrogates(value) -> tuple[object, int]:
    """A copy of `value` with a lone surrogate appended to every string in it, keys aside, and how many strings
    there were (iterative: bodies can nest)."""
    root = [copy.deepcopy(value)]
    pending, strings = [(root, 0)], 0
    while pending:
        holder, key = pending.pop()
        item = holder[key]
        if isinstance(item, str):
            holder[key] = item + LONE_SURROGATE
            strings += 1
        elif isinstance(item, dict):
            pending.extend((item, name) for name in item)
        elif isinstance(item, list):
            pending.extend((item, position) for position in range(len(item)))
    return root[0], strings


@dataclass
class Report:
    requests: int = 0
    hostile: int = 0  # of `requests`: those sent besides the draws (deep JSON, lone surrogates)
    statuses: Counter = field(default_factory=Counter)
    failures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0
    drawing_seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"{self.requests} requests ({self.hostile} of them hostile) in {self.seconds:.1f} s (drawing them "
                 f"{self.drawing_seconds:.1f} s); statuses {dict(sorted(self.statuses.items()))}"]
        for label, problems in sorted(self.failures.items()):
            lines.append(f"- {label}: " + " | ".join(problems[:2]))
        return "\n".join(lines)


def load_schema(base_url: str):
    document = requests.get(base_url + "/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=base_url)
    return schema


# Signing out revokes the credential the rest of the run uses; it is fuzzed without one and with a partner's
# API key (which a logout cannot revoke).
SESSION_ENDING = {"POST /api/v1/auth/logout"}


def run(base_url: str, actors: dict, *, examples: int, select=None, parallel: int = 4) -> Report:
    """Every operation: draw `examples` requests from its schema, then send them, each as the next role in turn
    (every role at least once per operation; the two tenants alternate). Drawing is sequential (hypothesis);
    sending runs `parallel` operations at a time, each operation's requests one after another."""
    schema = load_schema(base_url)
    report = Report()
    started = time.monotonic()
    roles = sorted({role for role, _tenant in actors})
    communities = sorted({tenant for _role, tenant in actors})
    lock = threading.Lock()
    local = threading.local()

    # the hypothesis test is made here, not in the loop, so that it closes over no loop variable; its source
    # (and indentation) is what it was, which keeps derandomize's seed and so the cases drawn
    def drawing(either, cases):
        @settings(max_examples=max(examples, len(roles)), deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                  verbosity=hypothesis.Verbosity.quiet)
        @given(case=either)
        def draw(case):
            cases.append((case, dict(case.headers or {})))

        return draw

    plans = []
    for index, result in enumerate(schema.get_all_operations()):
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if select and not select(label):
            continue
        cases = []
        # valid and invalid requests mixed (about two valid to one invalid), in one hypothesis run
        either = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                           operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        draw = drawing(either, cases)
        try:
            draw()
        except Exception as exc:  # noqa: BLE001 - a document hypothesis cannot generate from is a finding too
            report.failures[label].append(f"generation error: {type(exc).__name__}: {str(exc)[:300]}")
        if cases:
            plans.append((index, label, cases, _json_body_type(operation), operation))

    report.drawing_seconds = time.monotonic() - started

    def record(label: str, status: int, failure: str | None, *, hostile: bool = False) -> None:
        with lock:
            report.requests += 1
            report.hostile += hostile
            report.statuses[status] += 1
            if failure:
                report.failures[label].append(failure)

    def send_hostile(index: int, label: str, body_type: str, operation, eligible: list[str], cases: list) -> None:
        """The hostile requests: deep JSON (400); a lone surrogate in every top-level string field (422); drawn
        bodies with a lone surrogate appended to every string at any depth (422), one for every nine draws.
        Sent without schemathesis, whose own validation cannot encode a lone surrogate."""
        strings = [name for name, prop in _body_properties(schema, operation).items() if prop.get("type") == "string"]
        hostile = [("deep JSON", DEEP_JSON.encode(), 400)]
        if strings:
            hostile.append(("lone surrogates", json.dumps({name: LONE_SURROGATE for name in strings}).encode(), 422))
        drawn = [case.body for case, _headers in cases if isinstance(case.body, (dict, list))]
        for body in drawn[:max(1, examples // 9)]:
            spoiled, count = with_lone_surrogates(body)
            if count:
                hostile.append(("a drawn body with lone surrogates", json.dumps(spoiled).encode(), 422))
        for turn, (what, data, expected) in enumerate(hostile):
            role = eligible[(index + turn) % len(eligible)]
            actor = actors[(role, communities[(index + turn) % len(communities)])]
            url = base_url + re.sub(r"\{[^}]+\}", NOBODY, operation.path)
            response = local.http.request(operation.method.upper(), url, data=data, timeout=15,
                                          headers={**actor.headers, "Content-Type": body_type})
            problem_json = response.headers.get("Content-Type", "").startswith("application/problem+json")
            failure = None
            if response.status_code != expected or not problem_json:
                failure = (f"[{actor.role}@{actor.tenant_id} {what} -> {response.status_code}, expected {expected} "
                           f"problem+json] {response.text[:300]}")
            record(label, response.status_code, failure, hostile=True)

    def send(plan) -> None:
        index, label, cases, body_type, operation = plan
        if not hasattr(local, "http"):
            local.http = requests.Session()
        eligible = [r for r in roles if label not in SESSION_ENDING or r in ("anonymous", "partner")]
        if body_type:
            send_hostile(index, label, body_type, operation, eligible, cases)
        for turn in range(max(examples, len(eligible))):
            role = eligible[turn % len(eligible)]
            actor = actors[(role, communities[(index + turn) % len(communities)])]
            case, drawn_headers = cases[turn % len(cases)]
            headers = {k: v for k, v in drawn_headers.items()
                       if k.lower() not in ("authorization", "x-api-key", "x-tenant-id")}
            case.headers = {**headers, **actor.headers}
            response = case.call(session=local.http, timeout=15)
            if response.status_code == 414 and "problem+json" not in response.headers.get("Content-Type", ""):
                # gunicorn refuses a request line over its limit (4094 bytes) before the application sees it,
                # with its own HTML page: a refusal, outside what the OpenAPI document can describe. (Its
                # headers come indented, so clients may not even parse its Content-Type: gunicorn's
                # `util.write_error` dedents nothing.)
                record(label, 414, None)
                continue
            try:
                case.validate_response(response, checks=CHECKS)
                failure = None
            except (Exception, BaseExceptionGroup) as exc:  # a FailureGroup of check failures
                lines = [line for line in str(exc).strip().splitlines() if line.strip()]
                failure = (f"[{actor.role}@{actor.tenant_id} -> {response.status_code}] "
                           + " / ".join(lines[:12])[:1200])
            record(label, response.status_code, failure)

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(send, plans))
    report.seconds = time.monotonic() - started
    return report


NOBODY = "00000000-0000-4000-8000-00000000dead"  # an id that names nothing: hostile bodies are refused before lookup


def _json_body_type(operation) -> str | None:
    """The operation's JSON media type (application/json, or a +json type such as CloudEvents'), if it takes a body."""
    body = operation.definition.raw.get("requestBody") or {}
    return next((media for media in body.get("content", {}) if media.split(";")[0].endswith(("/json", "+json"))),
                None)


def _body_properties(schema, operation) -> dict:
    """The top-level properties of the operation's JSON body schema, references resolved."""
    components = schema.raw_schema.get("components", {}).get("schemas", {})

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        return node

    body = operation.definition.raw.get("requestBody") or {}
    media = next(iter(body.get("content", {}).values()), {})
    return {name: resolve(prop) for name, prop in resolve(media.get("schema", {})).get("properties", {}).items()}
