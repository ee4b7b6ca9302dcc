"""A refresh token is single use, and several processes share one: a sync, `pasindo check`, `pasindo link`, the
daemon. Each re-reads the stored pair under a lock (beside the ledger) before it refreshes, so none trades a token
another has spent, and two that find the same expired token refresh it once.

The sandbox's Shopee refresh tokens are single use, as Shopee documents them (the sandbox dialect's
`_refresh_token`, connector/sandbox/shopee.py, after shopee's v2.public.refresh_access_token.json: a spent token is
"error_auth: Invalid refresh_token."); the first test proves it on the sandbox before relying on it."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from connector.config import load_config
from connector.sandbox import SandboxServer
from connector.sync.adapter import make_adapter
from connector.sync.ledger import Ledger
from connector.sync.run import ledger_path
from tests.helpers import Shop, requests_counted, shopee_refresh

PASINDO = Path(sys.executable).parent / "pasindo"
REFRESH = "/api/v2/auth/access_token/get"


def shop_with_short_tokens(tmp_path: Path, sandbox: SandboxServer) -> Shop:
    """The test shop with an expired access token in its config: the first call refreshes; each pair lives 3 s and
    is refreshed when less than 1 s is left."""
    shop = Shop(tmp_path, sandbox.url)
    text = shop.config.read_text().replace("access_token: sandbox-shopee-token", "access_token: expired-token-7d1c")
    margin = "adapter: shopee\n    options: {token_refresh_margin: 1}\n"
    shop.config.write_text(text.replace("adapter: shopee\n", margin))
    return shop


def pasindo(shop: Shop, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(PASINDO), "--config", str(shop.config), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def refreshes(sandbox: SandboxServer) -> int:
    return requests_counted(sandbox, REFRESH, under="shopee ")


def test_the_sandbox_refresh_token_is_single_use(sandbox):
    keys = {"partner_id": 100001, "partner_key": "sandbox-shopee-key", "shop_id": 200001}
    first = shopee_refresh(sandbox, "sandbox-shopee-refresh", **keys).json()
    assert first["refresh_token"] and not first.get("error")
    again = shopee_refresh(sandbox, "sandbox-shopee-refresh", **keys).json()
    assert again["error"] == "error_auth" and again["message"] == "Invalid refresh_token."


@pytest.mark.slow
def test_a_sync_takes_the_pair_check_refreshed_instead_of_spending_a_spent_refresh_token(tmp_path):
    """The reported failure: `pasindo check` during a sync refreshes the token; the sync, still holding the old
    pair, traded its spent refresh token and its channel stopped with "re-authorise the shop"."""
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", shopee_token_ttl=3) as sandbox:
        shop = shop_with_short_tokens(tmp_path, sandbox)
        config = load_config(shop.config)
        ledger = Ledger(ledger_path(config))  # the sync's own connection to the ledger
        adapter = make_adapter(config.channels[0], sandbox.url, ledger)
        try:
            adapter.check()  # the sync refreshes the expired token and holds the new pair
            time.sleep(2.2)  # its pair is now within the refresh margin
            check = pasindo(shop, "check")
            assert check.wait(timeout=60) == 0, check.communicate()
            assert refreshes(sandbox) == 2  # the sync's, then check's: the sync's pair is spent
            adapter.check()  # the sync's next call: the pair check stored, not a refused refresh
            assert refreshes(sandbox) == 2
        finally:
            adapter.close()
            ledger.close()


@pytest.mark.slow
def test_commands_that_find_one_expired_token_together_refresh_it_once(tmp_path):
    """A sync and three checks started together (link and a second sync would wait for the sync lock). The new pair
    lives 30 s: a sync on a loaded machine would otherwise see it near its expiry and rightly refresh again."""
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", shopee_token_ttl=30) as sandbox:
        shop = shop_with_short_tokens(tmp_path, sandbox)
        commands = [pasindo(shop, *args) for args in (("sync",), ("check",), ("check",), ("check",))]
        outcomes = [(c.wait(timeout=120), c.communicate()[1][-800:]) for c in commands]
        assert [code for code, _ in outcomes] == [0] * len(commands), outcomes
        assert refreshes(sandbox) == 1


def test_threads_with_their_own_ledger_connections_refresh_once(tmp_path):
    """What two processes do, in one: each thread has its own Ledger (its own SQLite connection) and adapter, as
    a daemon's scheduled run and a manual command would."""
    with SandboxServer(port=0, state_path=tmp_path / "sandbox.sqlite", shopee_token_ttl=30) as sandbox:
        shop = shop_with_short_tokens(tmp_path, sandbox)
        config = load_config(shop.config)
        failures: list[BaseException] = []
        start = threading.Barrier(4)

        def command() -> None:
            ledger = Ledger(ledger_path(config))
            adapter = make_adapter(config.channels[0], sandbox.url, ledger)
            try:
                start.wait()
                adapter.check()
            except BaseException as err:  # collected for the assertion
                failures.append(err)
            finally:
                adapter.close()
                ledger.close()

        threads = [threading.Thread(target=command) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert failures == []
        assert refreshes(sandbox) == 1
