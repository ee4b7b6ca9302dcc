"""Secrets never leave the token table: not in logs, reports, run records or error texts, whatever happens."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time

import pytest

from connector.sandbox import SandboxServer
from tests.helpers import Shop


def run(shop: Shop, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "connector.cli", "--config", str(shop.config), "--log-format",
                           "json", "--log-level", "debug", *args], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_no_secret_or_token_shows_anywhere_but_the_token_table(tmp_path):
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", seed=9, fail_rate=0.1, throttle_rate=0.1,
                       timeout_rate=0.05, timeout_seconds=0.3, shopee_token_ttl=3) as sandbox:
        shop = Shop(tmp_path, sandbox.url)
        text = shop.config.read_text()
        # An expired access token: the first call is refused and the token refreshed; each new one lives 3 s.
        text = text.replace("access_token: sandbox-shopee-token", "access_token: stale-token-5f2e9a77")
        options = "    options: {token_refresh_margin: 1, timeout: 2, retry: {base_wait: 0.05, max_wait: 0.4}}\n"
        text = text.replace("adapter: shopee\n", "adapter: shopee\n" + options)
        # A second shop whose key is wrong: every call fails authentication, with the key in the request.
        text += f"""  - name: shopee-wrong
    adapter: shopee
    endpoint: {sandbox.url}
    credentials: {{partner_id: "100001", partner_key: wrong-key-0c4d1b3a, shop_id: "200001",
                   access_token: sandbox-shopee-token, refresh_token: sandbox-shopee-refresh}}
"""
        shop.config.write_text(text)
        output = []
        for _ in range(3):
            output.append(run(shop, "sync", "--format", "json"))
            time.sleep(3.2)  # let the refreshed access token expire
        shop.rows["DMP-01"] = shop.rows["DMP-01"].replace("Rp151.000", "gratis")
        shop.write()
        output.append(run(shop, "sync"))
        output.append(run(shop, "validate", "--format", "json"))
        issued = sqlite3.connect(tmp_path / "sandbox.sqlite")
        sandbox_tokens = [r[0] for r in issued.execute("SELECT token FROM tokens")]
        issued.close()
    ledger = sqlite3.connect(tmp_path / "state" / "ledger.sqlite")
    [stored] = [r[0] for r in ledger.execute("SELECT data FROM tokens WHERE channel = 'shopee'")]
    records = []
    for table in ("runs", "run_items", "rejects", "intents", "bindings", "media"):
        records += [repr(r) for r in ledger.execute(f"SELECT * FROM {table}")]  # noqa: S608 - fixed names
    ledger.close()

    secrets = {"sandbox-shopee-key", "wrong-key-0c4d1b3a", "stale-token-5f2e9a77", "sandbox-shopee-refresh",
               *(t for t in sandbox_tokens if len(t) >= 8)}
    assert len(sandbox_tokens) >= 6  # the defaults and at least two refreshed pairs
    everything = "\n".join(output + records)
    assert "check partner_id and partner_key" in everything  # the wrong key was reported...
    for secret in secrets:
        assert secret not in everything, f"a secret leaked: {secret[:4]}…"  # ...without its value
    assert any(t in stored for t in sandbox_tokens)  # the live pair is kept, in the token table only
    state = tmp_path / "state"
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(state / "ledger.sqlite").st_mode) == 0o600


@pytest.mark.parametrize("url", ["https://127.0.0.1/a.png", "https://10.1.2.3/a.png", "https://169.254.169.254/latest",
                                 "https://[::1]/a.png", "https://192.168.0.10:8443/a.png", "http://cdn.contoh.id/a.png",
                                 "file:///etc/passwd"])
def test_an_image_address_that_is_internal_or_not_https_is_never_fetched(url):
    from connector.adapters.base import ErrorClass, ImageProblem
    from connector.sync.images import download

    with pytest.raises(ImageProblem) as err:
        download(url)
    assert "only" in err.value.message and url[:30] in err.value.message
    assert err.value.error_class == ErrorClass.INVALID and err.value.source == url


def test_a_refreshed_token_is_redacted_from_logs_once_the_ledger_keeps_it(tmp_path):
    import io
    import json

    from connector import logs
    from connector.sync.ledger import Ledger

    ledger = Ledger(tmp_path / "state" / "ledger.sqlite")
    try:
        ledger.tokens.save("shopee", {"access_token": "fresh-access-123456", "refresh_token": "fresh-refresh-654321",
                                      "expires_at": 1900000000})
    finally:
        ledger.close()
    out = io.StringIO()
    logs.configure(json=True, stream=out)
    echoed = "error_auth: bad token fresh-access-123456 (refresh fresh-refresh-654321)"
    logs.get_logger().warning("item", message=echoed)
    line = json.loads(out.getvalue())
    assert "fresh-access" not in out.getvalue() and "fresh-refresh" not in out.getvalue()
    assert line["message"] == f"error_auth: bad token {logs.REDACTED} (refresh {logs.REDACTED})"
