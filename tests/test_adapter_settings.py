"""What the base Adapter does with a channel's credentials and options: validates them through the adapter's models
and sets up the shared transport and token keeper; a plug-in without models keeps what it was given."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from connector.adapters.base import Adapter, AdapterSettingsError, Capabilities
from connector.adapters.contract import MemoryStore
from connector.adapters.http import RetryPolicy
from connector.adapters.registry import UnknownAdapter, adapter_class, installed
from connector.adapters.shopee import ShopeeAdapter

SHOPEE = {"partner_id": "100001", "partner_key": "secret-key-4242", "shop_id": " 200001 ", "access_token": "tok-1"}


class Plugin(Adapter):
    """A plug-in written before adapters declared models: any credentials and options."""

    name = "plugin"
    capabilities = Capabilities(price_batch=1, stock_batch=1, status_batch=1, batch_across_products=False,
                                idempotent_create=False, rate_limit=3, max_variants=1, max_images=1)
    check = find = create = update_content = update_prices = update_stock = set_active = upload_image = None


def make(cls: type[Adapter], credentials: dict, options: dict | None = None) -> Adapter:
    store = MemoryStore()
    return cls("c", "http://127.0.0.1:9/", credentials, tokens=store, media=store, options=options, timeout=7)


def test_a_built_in_adapter_gets_its_settings_as_models_with_their_defaults():
    adapter = make(ShopeeAdapter, SHOPEE, {"rate_limit": 4, "retry": {"attempts": 2}})
    try:
        assert (adapter.credentials.partner_id, adapter.credentials.shop_id) == (100001, 200001)
        assert adapter.options.logistic_ids is None and adapter.options.token_refresh_margin == 300
        assert adapter.transport.retry == RetryPolicy(attempts=2) and adapter.transport.timeout == (5, 7)
        assert adapter.capabilities.rate_limit == 4
        assert adapter.keeper.in_force().access_token == "tok-1"
    finally:
        adapter.close()


def test_a_built_in_adapter_refuses_settings_its_models_do_not_take_and_says_all_without_secrets():
    with pytest.raises(AdapterSettingsError) as raised:
        make(ShopeeAdapter, {**SHOPEE, "partner_id": "x", "partnr_key": "secret-key-4242"},
             {"retry": {"attempt": 3}})
    assert isinstance(raised.value, ValueError)  # what the sync engine catches: the channel cannot run
    assert raised.value.problems == ["credentials.partner_id: must be a whole number",
                                     "credentials.partnr_key: unknown key; did you mean partner_key?",
                                     "options.retry.attempt: unknown key; did you mean attempts?"]
    assert "secret-key-4242" not in str(raised.value) and str(raised.value).startswith("channel c: ")


def test_a_plugin_without_models_keeps_its_mappings_and_still_gets_the_shared_plumbing():
    adapter = make(Plugin, {"api_key": "k", "access_token": "tok-2"}, {"region": "id", "rate_limit": 2})
    try:
        assert adapter.credentials == {"api_key": "k", "access_token": "tok-2"}
        assert adapter.options == {"region": "id", "rate_limit": 2}
        assert adapter.capabilities.rate_limit == 2 and adapter.transport.timeout == (5, 7)
        assert adapter.keeper.in_force().access_token == "tok-2"
    finally:
        adapter.close()


def test_the_registry_is_the_entry_points_of_pyproject():
    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    declared = pyproject["project"]["entry-points"]["pasindo.adapters"]
    assert {name: installed()[name] for name in declared} == declared
    assert adapter_class("shopee") is ShopeeAdapter
    with pytest.raises(UnknownAdapter, match="installed: .*shopee"):
        adapter_class("blibli")
