"""Personal data in logs: phone numbers anywhere, names and secrets under known keys, are masked
by the processor every process's log formatter runs last (services.common.logging)."""

import io
import json
import logging

import pytest

from services.common import logging as fc_logging


@pytest.fixture
def captured(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    fc_logging.configure("test")
    stream = io.StringIO()
    logging.getLogger().handlers[0].stream = stream
    yield stream
    logging.getLogger().handlers[:] = []


def _lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_phone_numbers_names_and_secrets_never_reach_the_log(captured):
    fc_logging.get_logger("t").info(
        "jobs.worker_registered 13900000001", phone="13900000001", display_name="王师傅", password="Secret-2026",
        note="请联系 13812345678 或 0571-87654321", nested={"contact_phone": "13700000002", "ids": ["15911112222"]},
        order_id="202611281390000000123", user_id="5b0c7a6e-1390-4000-8000-139000000019")
    line = _lines(captured)[0]
    assert line["event"] == "jobs.worker_registered 139****0001"
    assert line["phone"] == "139****0001" and line["display_name"] == "王**" and line["password"] == "***"
    assert line["note"] == "请联系 138****5678 或 0571-87654321"
    assert line["nested"] == {"contact_phone": "137****0002", "ids": ["159****2222"]}
    # Longer runs of digits (order numbers, ids) are not phone numbers and are left alone.
    assert line["order_id"] == "202611281390000000123"
    assert line["user_id"] == "5b0c7a6e-1390-4000-8000-139000000019"
    assert "13812345678" not in captured.getvalue() and "Secret-2026" not in captured.getvalue()


def test_stdlib_records_and_tracebacks_are_masked_too(captured):
    try:
        raise ValueError("no worker with phone 13900000004")
    except ValueError:
        logging.getLogger("nameko.rpc").exception("failed for %s", "13900000005")
    line = _lines(captured)[0]
    assert line["event"] == "failed for 139****0005"
    assert "139****0004" in line["exception"] and "13900000004" not in captured.getvalue()


@pytest.mark.parametrize("identifier", [
    "5eab0388-f1f6-4ca5-86aa-c16512348212",   # eleven phone-like digits after a hex letter
    "5eab0388-f1f6-4ca5-86aa-16512348212c",   # ... and before one
    "order-A13800000001",
])
def test_identifiers_that_only_contain_phone_like_digits_reach_the_log_whole(identifier):
    assert fc_logging.mask_phone(identifier) == identifier


@pytest.mark.parametrize("text, masked", [
    ("13800000001", "138****0001"),
    ("电话13800000001。", "电话138****0001。"),
    ("phone: 13800000001, again", "phone: 138****0001, again"),
])
def test_a_phone_number_in_text_is_masked(text, masked):
    assert fc_logging.mask_phone(text) == masked
