"""Every built-in adapter passes the adapter contract suite, against the sandbox on loopback."""

from __future__ import annotations

import pytest

from connector.adapters.contract import AdapterContract, SandboxHarness


class TestShopee(AdapterContract):
    @pytest.fixture
    def harness(self, tmp_path):
        h = SandboxHarness("shopee", dialect="shopee", state=tmp_path / "sandbox.sqlite")
        yield h
        h.stop()
