"""Structured logs: one JSON object per line, with the diagnosis' request id."""

from __future__ import annotations

import json
import logging

from bot.logs import JsonFormatter, new_request_id, request_id


def test_a_log_line_is_json_with_the_request_id_and_extra_fields() -> None:
    token = request_id.set(None)
    try:
        rid = new_request_id()
        record = logging.LogRecord(
            "bot.x", logging.WARNING, __file__, 1, "denied %s", ("ns",), None
        )
        record.channel = "C0123"
        doc = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert doc["message"] == "denied ns"
    assert doc["level"] == "warning"
    assert doc["request_id"] == rid
    assert doc["channel"] == "C0123"
