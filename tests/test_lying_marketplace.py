"""A marketplace whose create answer cannot be trusted: the executor never binds an id it cannot use, and settles
the create by looking the seller SKU up instead (real adapter, real sandbox over loopback, real ledger)."""

from __future__ import annotations

from dataclasses import replace

import requests
import structlog

from connector.adapters.base import Remote
from connector.adapters.contract import image as contract_image
from connector.adapters.contract import mandatory_values
from connector.adapters.shopee import ShopeeAdapter
from connector.config import ChannelConfig
from connector.sandbox import default_credentials
from connector.sync.desired import Desired, product_parts
from connector.sync.executor import ChannelExecutor
from connector.sync.ledger import Ledger
from connector.sync.plan import plan_channel
from tests.test_plan import CATEGORIES, product


class LyingShopee(ShopeeAdapter):
    """Creates for real, then answers what the test scripted instead of the true ids."""

    lies: list = []

    def create(self, listing, intent_id):
        real = super().create(listing, intent_id)
        return self.lies.pop(0)(real) if self.lies else real


def test_an_unusable_or_stolen_listing_id_is_settled_by_lookup(tmp_path, sandbox, adapters):
    adapter = adapters(LyingShopee, "shopee", default_credentials("shopee"), sandbox)
    ledger = Ledger(tmp_path / "state" / "ledger.sqlite")
    first = {}
    adapter.lies = [lambda real: first.setdefault("remote", real),  # the truth, kept to lie with later
                    lambda real: replace(real, external_id=None),  # a "success" without an id
                    lambda real: first["remote"]]  # another listing's id
    channel = ChannelConfig(name="shopee", adapter="shopee")
    category_id = CATEGORIES.lookup("fashion/dompet")
    try:
        attributes = mandatory_values(adapter.attributes(str(category_id)))
    except NotImplementedError:
        attributes = ()
    desired = {}
    for n in (1, 2, 3):
        parts = product_parts(product(f"DMP-0{n}", images=["foto.png"]), lambda ref, n=n: contract_image(n))
        desired[parts.product.key] = Desired(parts, channel, category_id, "LPUJI", attributes=attributes)
    plan = plan_channel("shopee", desired, {}, readable={"lapas-uji"}, untouchable=set())
    try:
        ChannelExecutor(adapter, ledger, "run-1", log=structlog.get_logger()).execute(plan)
        bound = {key: b.external_id for key, b in ledger.bindings.all("shopee").items()}
    finally:
        ledger.close()
    items = requests.get(f"{sandbox.url}/_sandbox/items", params={"dialect": "shopee"}, timeout=10).json()["items"]
    listed = {i["seller_sku"]: str(i["item_id"]) for i in items}
    assert len(listed) == 3  # each created once, none twice
    assert bound == {f"lapas-uji:DMP-0{n}": listed[f"LPUJI-DMP-0{n}"] for n in (1, 2, 3)}
    assert isinstance(first["remote"], Remote)
