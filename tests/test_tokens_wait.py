"""A refresh that waits too long for another process's: that call is a Transient, and no token is spent.

The token lock (`ledger.tokens.refreshing`, a flock beside the ledger) is held here by another process, as a
`pasindo check` stuck in its token call would hold it; the wait is shortened from its 120 s for the test."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from connector.adapters.base import Transient
from connector.config import load_config
from connector.sandbox import SandboxServer
from connector.sync.adapter import make_adapter
from connector.sync.ledger import Ledger
from connector.sync.ledger.tokens import REFRESH_WAIT
from connector.sync.run import ledger_path
from tests.helpers import Shop, requests_counted

REFRESH = "/api/v2/auth/access_token/get"
HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_a_refresh_waiting_past_its_limit_is_a_transient_and_spends_nothing(tmp_path: Path):
    assert REFRESH_WAIT == 120.0  # what a real run waits
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite") as sandbox:
        shop = Shop(tmp_path, sandbox.url)
        shop.config.write_text(shop.config.read_text().replace("access_token: sandbox-shopee-token",
                                                               "access_token: expired-token-7d1c"))
        config = load_config(shop.config)
        ledger = Ledger(ledger_path(config))
        ledger.tokens.refresh_wait = 0.5
        adapter = make_adapter(config.channels[0], sandbox.url, ledger)
        lock = ledger_path(config).with_name(ledger_path(config).name + "-tokens.lock")
        holder = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            started = time.monotonic()
            with pytest.raises(Transient) as caught:
                adapter.check()  # the expired token needs a refresh, and another process holds the lock
            waited = time.monotonic() - started
            assert "another process has been refreshing the shopee token for 0.5 s" in caught.value.message
            assert 0.5 <= waited < 5
            assert requests_counted(sandbox, REFRESH, under="shopee ") == 0  # the refresh token is not spent
            assert ledger.tokens.load("shopee") is None
            holder.stdin.close()
            holder.wait(timeout=10)  # the other process is done: the next call refreshes once, with the same token
            adapter.check()
            assert requests_counted(sandbox, REFRESH, under="shopee ") == 1
        finally:
            if holder.poll() is None:
                holder.kill()
            adapter.close()
            ledger.close()
