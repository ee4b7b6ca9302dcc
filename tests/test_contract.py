"""Every built-in adapter passes the adapter contract suite, against the sandbox on loopback."""

from __future__ import annotations

import pytest

from connector.adapters.contract import AdapterContract, SandboxHarness


class _Sandboxed(AdapterContract):
    name = ""

    @pytest.fixture
    def harness(self, tmp_path):
        h = SandboxHarness(self.name, dialect=self.name, state=tmp_path / "sandbox.sqlite")
        yield h
        h.stop()


class TestShopee(_Sandboxed):
    name = "shopee"


class TestLazada(_Sandboxed):
    name = "lazada"


class TestTikTokShop(_Sandboxed):
    name = "tiktokshop"
