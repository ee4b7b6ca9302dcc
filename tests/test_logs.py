"""Logging: secrets never reach the output, whatever shape they arrive in."""

from __future__ import annotations

import io
import json

from connector import logs


def test_secrets_are_redacted_by_value_and_by_key():
    out = io.StringIO()
    logs.configure(json=True, stream=out, secrets=["sandbox-shopee-key", "tok-123456"])
    log = logs.get_logger()
    log.warning("call_failed", url="https://x/api?access_token=tok-123456&sign=abc", partner_key="whatever",
                nested={"refresh_token": "r-999999", "note": "key sandbox-shopee-key leaked"},
                error=RuntimeError("bad tok-123456"))
    line = out.getvalue()
    for secret in ("sandbox-shopee-key", "tok-123456", "whatever", "r-999999"):
        assert secret not in line
    event = json.loads(line)
    assert event["event"] == "call_failed" and event["level"] == "warning"
    assert event["partner_key"] == logs.REDACTED and event["nested"]["refresh_token"] == logs.REDACTED


def test_console_output_for_a_terminal():
    out = io.StringIO()
    logs.configure(json=False, stream=out)
    logs.get_logger().info("hello", institution="lapas-a")
    assert "hello" in out.getvalue() and "institution=lapas-a" in out.getvalue()
