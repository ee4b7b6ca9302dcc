"""TikTok Shop returns and cancelled lines give their units back on every channel: a real sandbox on loopback, three
channels, `pasindo sync` through the command line (as tests/test_orders.py does).

The sandbox makes a return or a line cancellation the way TikTok shows it: in the return/refund API (Search Returns,
Search Cancellations) and in the line item's display_status, never in a per-line flag, and without moving the order's
update_time (see connector/sandbox/tiktokshop.py). The stock the shared-stock rules set is the catalog's figure less
the units still sold.
"""

from __future__ import annotations

import requests

from tests.helpers import Shops


def change(shops: Shops, order_id: str, action: str, quantity: int) -> None:
    """Some units of an order cancelled or returned through the sandbox's inspection API."""
    answer = requests.post(f"{shops.url}/_sandbox/orders/{order_id}/{action}", json={"quantity": quantity},
                           timeout=10)
    assert answer.status_code == 200, answer.text


def sales(shops: Shops) -> list[tuple[str, str, int, str]]:
    ledger = shops.ledger()
    try:
        return [(s.channel, s.order_id, s.quantity, s.status) for s in ledger.orders.sales()]
    finally:
        ledger.close()


def test_a_tiktok_return_made_through_the_return_api_gives_the_unit_back(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url, stock=5)
    shops.sync()
    order = shops.order("tiktokshop", 2)
    shops.sync("--only", "stock")
    assert shops.stock() == {"shopee": 3, "lazada": 3, "tiktokshop": 3}
    change(shops, order, "return", 1)  # one of the two units came back; the order's update_time stays
    shops.sync("--only", "stock")
    assert shops.stock() == {"shopee": 4, "lazada": 4, "tiktokshop": 4}
    assert sales(shops) == [("tiktokshop", order, 1, "placed")]  # the unit still sold, not overwritten as returned
    shops.end(order, "return")  # and the other one, with the whole rest of the order
    shops.sync("--only", "stock")
    assert shops.stock() == {"shopee": 5, "lazada": 5, "tiktokshop": 5}
    assert sales(shops) == [("tiktokshop", order, 2, "returned")]
    shops.sync("--only", "stock")  # pulled again: nothing is given back twice
    assert shops.stock() == {"shopee": 5, "lazada": 5, "tiktokshop": 5}


def test_a_line_cancelled_inside_a_live_tiktok_order_gives_it_back(tmp_path, sandbox):
    shops = Shops(tmp_path, sandbox.url, stock=6)
    shops.sync()
    order = shops.order("tiktokshop", 3)
    shops.sync("--only", "stock")
    assert shops.stock() == {"shopee": 3, "lazada": 3, "tiktokshop": 3}
    change(shops, order, "cancel", 1)  # TikTok puts the cancelled line's unit back on its own listing
    assert shops.stock() == {"shopee": 3, "lazada": 3, "tiktokshop": 4}
    shops.sync("--only", "stock")
    assert shops.stock() == {"shopee": 4, "lazada": 4, "tiktokshop": 4}
    assert sales(shops) == [("tiktokshop", order, 2, "placed")]
    change(shops, order, "cancel", 2)  # the last two lines: the order is cancelled
    shops.sync("--only", "stock")
    assert shops.stock() == {"shopee": 6, "lazada": 6, "tiktokshop": 6}
    assert sales(shops) == [("tiktokshop", order, 3, "cancelled")]
