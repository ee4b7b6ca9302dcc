"""A marketplace whose create answer cannot be trusted: the executor never binds an id it cannot use, and settles
the create by looking the seller SKU up instead (real adapter, real sandbox over loopback, real ledger)."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import structlog
from click.testing import CliRunner

from connector.adapters.base import Remote
from connector.adapters.contract import image as contract_image
from connector.adapters.contract import mandatory_values
from connector.adapters.shopee import ShopeeAdapter
from connector.cli import main
from connector.config import ChannelConfig
from connector.sandbox import default_credentials
from connector.sync.desired import Desired, product_parts
from connector.sync.executor import ChannelExecutor
from connector.sync.ledger import Ledger
from connector.sync.plan import plan_channel
from tests.helpers import HEADER, png
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


# --- the lying-marketplace harness: a loopback proxy in front of the sandbox, full syncs through `pasindo` --------

ROW = "{sku};Dompet Kulit Sapi Asli Pria Model {n};Fashion / Dompet;Rp150.000;{stock};120;img/a.png;;;"
FAST = {"rate_limit": 200, "timeout": 3, "retry": {"attempts": 3, "total_seconds": 3, "base_wait": 0.01,
                                                   "max_wait": 0.05}}
# Where each marketplace's calls go (the adapters' paths) and where its answers carry the ids.
CREATE = {"shopee": ("POST", r"/product/add_item$"), "lazada": ("POST", r"/product/create$"),
          "tiktokshop": ("POST", r"/product/\d+/products$")}
STOCK = {"shopee": ("POST", r"/product/update_stock$"), "lazada": ("POST", r"/product/stock/sellable/update$"),
         "tiktokshop": ("POST", r"/inventory/update$")}
LOOKUP = {"shopee": ("GET", r"/product/search_item$"), "lazada": ("GET", r"/products/get$"),
          "tiktokshop": ("POST", r"/products/search$")}
# An answer that says "done" and confirms nothing, in each marketplace's own envelope.
EMPTY_SUCCESS = {"shopee": {"error": "", "message": "", "response": {}}, "lazada": {}, "tiktokshop": {}}


def created_id(dialect: str, body: dict) -> Any:
    return {"shopee": lambda: body["response"]["item_id"], "lazada": lambda: body["data"]["item_id"],
            "tiktokshop": lambda: body["data"]["product_id"]}[dialect]()


def with_created_id(dialect: str, body: dict, value: Any) -> dict:
    inner = body["response"] if dialect == "shopee" else body["data"]
    inner["item_id" if dialect != "tiktokshop" else "product_id"] = value
    return body


def with_looked_up_ids(dialect: str, body: dict, value: Any) -> dict:
    if dialect == "shopee":
        body["response"]["item_id_list"] = [value for _ in body["response"].get("item_id_list") or [0]]
    else:
        for product in body["data"].get("products") or []:
            product["item_id" if dialect == "lazada" else "id"] = value
    return body


@dataclass
class Lie:
    """What the proxy does to calls matching `method` and `path` (a regex), after letting `after` of them through:
    `rewrite` the sandbox's JSON answer, or answer `raw` bytes without asking the sandbox (`forward=False`), with a
    `status`, a `location`, bytes `trickle`d one every so many seconds, or an `endless` body."""

    method: str
    path: str
    rewrite: Callable[[dict, Lie], dict] | None = None
    raw: bytes | None = None
    forward: bool = True
    status: int = 200
    location: str | None = None
    trickle: float = 0.0
    endless: bool = False
    after: int = 0
    seen: list = dc_field(default_factory=list)  # the sandbox's answers to matching calls, in order
    calls: int = 0  # matching calls
    hits: int = 0  # calls the lie answered

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.search(self.path, path) is not None


class LyingProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = upstream
        self.lies: list[Lie] = []
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up on a trickle or an endless body: nothing to report."""


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LyingProxy

    def do_GET(self) -> None:
        self._relay()

    def do_POST(self) -> None:
        self._relay()

    def do_PUT(self) -> None:
        self._relay()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _relay(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?")[0]
        lie = next((lie for lie in self.server.lies if lie.matches(self.command, path)), None)
        answer = None
        if lie is None or lie.forward:
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("host", "content-length", "connection", "accept-encoding")}
            answer = requests.request(self.command, self.server.upstream + self.path, data=body, headers=headers,
                                      allow_redirects=False, timeout=30)
        if lie is not None:
            lie.calls += 1
            if answer is not None:
                lie.seen.append(answer.json())
            if lie.calls > lie.after:
                lie.hits += 1
                self._lie(lie, answer)
                return
        assert answer is not None
        self._send(answer.status_code, answer.content, answer.headers.get("Content-Type", "application/json"))

    def _lie(self, lie: Lie, answer: requests.Response | None) -> None:
        if lie.location is not None:
            self.send_response(lie.status)
            self.send_header("Location", lie.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if lie.endless:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            with contextlib.suppress(OSError):
                while not self.server.stopping.is_set():
                    self.wfile.write(b" " * 65536)
            return
        if lie.rewrite is not None:
            assert answer is not None
            body = json.dumps(lie.rewrite(answer.json(), lie)).encode()
        else:
            body = lie.raw or b""
        if not lie.trickle:
            self._send(lie.status, body, "application/json")
            return
        self.send_response(lie.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            for byte in body:
                if self.server.stopping.wait(lie.trickle):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def proxy(sandbox) -> Iterator[LyingProxy]:
    server = LyingProxy(sandbox.url)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()


class Market:
    """Institution lapas-uji, its catalog of `products` wallets, on one channel whose endpoint is the proxy."""

    def __init__(self, tmp_path: Path, proxy: LyingProxy, dialect: str, products: int = 2) -> None:
        self.dir, self.proxy, self.dialect, self.products = tmp_path, proxy, dialect, products
        (tmp_path / "img").mkdir(exist_ok=True)
        (tmp_path / "img" / "a.png").write_bytes(png(1))
        self.config = tmp_path / "pasindo.yaml"
        self.config.write_text(f"""
state_dir: state
institutions:
  - code: lapas-uji
    name: Lapas Kelas IIB Uji
    type: lapas
    catalog: {{path: katalog.csv}}
    sku_prefix: LPUJI
channels:
  - name: {dialect}
    adapter: {dialect}
    endpoint: {proxy.url}
    credentials: {json.dumps(default_credentials(dialect))}
    options: {json.dumps(FAST)}
""", encoding="utf-8")
        self.set_stock(3)

    def set_stock(self, stock: int) -> None:
        rows = [ROW.format(sku=f"DMP-0{n}", n=n, stock=stock) for n in range(self.products)]
        (self.dir / "katalog.csv").write_text(f"{HEADER}\n" + "\n".join(rows) + "\n", encoding="utf-8")

    def sync(self) -> dict:
        result = CliRunner().invoke(main, ["--config", str(self.config), "sync", "--format", "json"])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code in (0, 1), result.output  # items may fail; the run itself never does
        return json.loads(result.stdout)

    def listed(self) -> dict[str, list[str]]:
        """Seller SKU -> the ids of the listings selling it, as the marketplace (the sandbox itself) has them."""
        items = requests.get(f"{self.proxy.upstream}/_sandbox/items", params={"dialect": self.dialect},
                             timeout=10).json()["items"]
        listed: dict[str, list[str]] = {}
        for item in items:
            skus = {item["seller_sku"], *(v["seller_sku"] for v in item.get("variants") or [])} - {None, ""}
            for sku in skus:
                listed.setdefault(sku, []).append(str(item["item_id"]))
        return listed

    def bound(self) -> dict[str, str | None]:
        ledger = Ledger(self.dir / "state" / "ledger.sqlite")
        try:
            return {key: b.external_id for key, b in ledger.bindings.all(self.dialect).items()}
        finally:
            ledger.close()

    def assert_each_listed_once_and_bound_truly(self) -> None:
        listed = self.listed()
        skus = [f"LPUJI-DMP-0{n}" for n in range(self.products)]
        assert {sku: len(listed.get(sku, [])) for sku in skus} == dict.fromkeys(skus, 1), listed
        assert self.bound() == {f"lapas-uji:DMP-0{n}": listed[f"LPUJI-DMP-0{n}"][0] for n in range(self.products)}

    def shown_stock(self) -> dict[str, int]:
        items = requests.get(f"{self.proxy.upstream}/_sandbox/items", params={"dialect": self.dialect},
                             timeout=10).json()["items"]
        return {item["seller_sku"]: item["stock"] for item in items}


DIALECTS = ("shopee", "lazada", "tiktokshop")
ODD_IDS = {"null": None, "bool": True, "negative": -5, "empty": "", "spaced": "12 34"}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_create_answered_without_an_id_is_looked_up_and_the_channel_goes_on(tmp_path, proxy, dialect):
    market = Market(tmp_path, proxy, dialect)
    method, path = CREATE[dialect]
    proxy.lies.append(Lie(method, path, rewrite=lambda body, lie: (
        body.get("response" if dialect == "shopee" else "data", {}).clear() or body)))
    summary = market.sync()
    assert not summary.get("stopped"), summary
    market.assert_each_listed_once_and_bound_truly()


@pytest.mark.parametrize("odd", ODD_IDS)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_create_answered_with_an_odd_id_is_never_bound(tmp_path, proxy, dialect, odd):
    market = Market(tmp_path, proxy, dialect)
    method, path = CREATE[dialect]
    proxy.lies.append(Lie(method, path, rewrite=lambda body, lie: with_created_id(dialect, body, ODD_IDS[odd])))
    assert not market.sync().get("stopped")
    market.assert_each_listed_once_and_bound_truly()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_create_answered_in_the_wrong_type_or_with_another_listings_id_is_never_bound(tmp_path, proxy, dialect):
    market = Market(tmp_path, proxy, dialect)
    method, path = CREATE[dialect]
    # The first create is told the truth; the second gets the first one's id in the type not documented (Lazada's
    # digits-as-text is documented, so its second gets it as a float), the third the first one's id as it was.
    def lie_about(body: dict, lie: Lie) -> dict:
        first = created_id(dialect, lie.seen[0])
        if len(lie.seen) == 3:
            return with_created_id(dialect, body, first)
        wrong = {"shopee": str(first), "lazada": float(first), "tiktokshop": int(first)}[dialect]
        return with_created_id(dialect, body, wrong)

    proxy.lies.append(Lie(method, path, after=1, rewrite=lie_about))
    market.products = 3
    market.set_stock(3)
    assert not market.sync().get("stopped")
    market.assert_each_listed_once_and_bound_truly()


@pytest.mark.parametrize("odd", ["null", "bool", "negative", "wrong type"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_lookup_answering_odd_ids_settles_nothing_and_creates_no_duplicate(tmp_path, proxy, dialect, odd):
    market = Market(tmp_path, proxy, dialect, products=1)
    value = {"wrong type": "abc" if dialect != "tiktokshop" else 12345, **ODD_IDS}[odd]
    create_lie = Lie(*CREATE[dialect], rewrite=lambda body, lie: with_created_id(dialect, body, None))
    lookup_lie = Lie(*LOOKUP[dialect], rewrite=lambda body, lie: with_looked_up_ids(dialect, body, value))
    proxy.lies += [create_lie, lookup_lie]
    assert not market.sync().get("stopped")
    assert market.bound().get("lapas-uji:DMP-00") is None  # nothing bound on the lie's word
    proxy.lies.clear()
    market.sync()  # the open intent is looked up again, honestly this time: found, not created twice
    market.assert_each_listed_once_and_bound_truly()


HOSTILE_STOCK_ANSWERS = {
    "empty success": lambda dialect: Lie(*STOCK[dialect], forward=False,
                                         raw=json.dumps(EMPTY_SUCCESS[dialect]).encode()),
    "truncated": lambda dialect: Lie(*STOCK[dialect], forward=False, raw=b'{"error": "", "response": {"succ'),
    "html": lambda dialect: Lie(*STOCK[dialect], forward=False, raw=b"<html><body>OK</body></html>"),
}


@pytest.mark.parametrize("attack", HOSTILE_STOCK_ANSWERS)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_stock_update_answered_without_confirmation_is_never_counted_as_done(tmp_path, proxy, dialect, attack):
    market = Market(tmp_path, proxy, dialect, products=1)
    market.sync()
    market.set_stock(7)
    lie = HOSTILE_STOCK_ANSWERS[attack](dialect)  # the update never reaches the marketplace, yet "succeeds"
    proxy.lies.append(lie)
    assert not market.sync().get("stopped")
    assert lie.hits >= 1
    assert market.shown_stock() == {"LPUJI-DMP-00": 3}
    proxy.lies.clear()
    market.sync()  # not recorded as done, so sent again
    assert market.shown_stock() == {"LPUJI-DMP-00": 7}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_redirect_to_another_host_is_never_followed(tmp_path, proxy, dialect):
    elsewhere = LyingProxy(proxy.upstream)  # another host that would see the tokens
    thread = threading.Thread(target=elsewhere.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        elsewhere.lies += [Lie("POST", ".", forward=False, raw=b"{}"), Lie("GET", ".", forward=False, raw=b"{}")]
        market = Market(tmp_path, proxy, dialect, products=1)
        market.sync()
        market.set_stock(7)
        proxy.lies.append(Lie(*STOCK[dialect], forward=False, status=307, location=elsewhere.url + "/steal"))
        assert not market.sync().get("stopped")
        assert sum(lie.hits for lie in elsewhere.lies) == 0
        proxy.lies.clear()
        market.sync()
        assert market.shown_stock() == {"LPUJI-DMP-00": 7}
    finally:
        elsewhere.stopping.set()
        elsewhere.shutdown()
        elsewhere.server_close()


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["trickle", "endless"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_trickled_or_endless_answer_fails_that_item_within_the_deadline(tmp_path, proxy, dialect, attack):
    market = Market(tmp_path, proxy, dialect, products=1)
    market.sync()
    market.set_stock(7)
    body = json.dumps(EMPTY_SUCCESS[dialect]).encode()
    proxy.lies.append(Lie(*STOCK[dialect], forward=False, raw=body, trickle=0.5 if attack == "trickle" else 0.0,
                          endless=attack == "endless"))
    started = time.monotonic()
    assert not market.sync().get("stopped")
    assert time.monotonic() - started < 20  # FAST: at most 3 s a call, whatever the answer does
    assert market.shown_stock() == {"LPUJI-DMP-00": 3}
    proxy.lies.clear()
    market.sync()
    assert market.shown_stock() == {"LPUJI-DMP-00": 7}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_error_echoing_the_access_token_leaves_no_token_in_the_ledger_or_the_output(tmp_path, proxy, dialect):
    market = Market(tmp_path, proxy, dialect, products=1)
    market.sync()
    market.set_stock(7)
    token = default_credentials(dialect)["access_token"]
    error = {"shopee": {"error": "error_param", "message": f"bad request access_token={token}"},
             "lazada": {"code": "IllegalParameter", "type": "ISV", "message": f"access_token={token} rejected"},
             "tiktokshop": {"code": 12052048, "message": f"token {token} rejected", "data": {}}}[dialect]
    proxy.lies.append(Lie(*STOCK[dialect], forward=False, raw=json.dumps(error).encode()))
    output = json.dumps(market.sync())
    report = CliRunner().invoke(main, ["--config", str(market.config), "report", "--format", "json"]).output
    stored = b"".join(p.read_bytes() for p in (tmp_path / "state").glob("ledger.sqlite*"))
    assert token not in output and token not in report
    assert token.encode() not in stored


CONTENT = {"shopee": ("POST", r"/product/update_item$"), "lazada": ("POST", r"/product/update$"),
           "tiktokshop": ("PUT", r"/products/\d+$")}
EMPTY_CONTENT_SUCCESS = {"shopee": {"error": "", "message": "", "response": {}}, "lazada": {},
                         "tiktokshop": {"code": 0, "message": "Success", "data": {}}}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_content_update_answered_with_an_empty_success_is_sent_again(tmp_path, proxy, dialect):
    market = Market(tmp_path, proxy, dialect, products=1)
    market.sync()
    catalog = tmp_path / "katalog.csv"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("Model 0", "Model Baru 0"), encoding="utf-8")
    lie = Lie(*CONTENT[dialect], forward=False, raw=json.dumps(EMPTY_CONTENT_SUCCESS[dialect]).encode())
    proxy.lies.append(lie)
    assert not market.sync().get("stopped")
    assert lie.hits >= 1
    proxy.lies.clear()
    market.sync()  # not recorded as done, so sent again
    items = requests.get(f"{proxy.upstream}/_sandbox/items", params={"dialect": dialect}, timeout=10).json()["items"]
    assert ["Model Baru 0" in item["name"] for item in items] == [True]


# --- a bare success ({"code": "0"} and nothing else): judged per call by what its documented answer carries -------
# (the rules and the samples they come from: connector/adapters/lazada.py and tiktokshop.py `_parse`)

BARE = {"lazada": {"code": "0", "request_id": "0ba2887315178178017221014"},
        "tiktokshop": {"code": 0, "message": "Success", "request_id": "202203070749000101890810281E8C70B7"}}
PRICE = {"lazada": ("POST", r"/product/price_quantity/update$"), "tiktokshop": ("POST", r"/prices/update$")}
DEACTIVATE = {"tiktokshop": ("POST", r"/products/deactivate$")}


def raise_price(market: Market) -> None:
    catalog = market.dir / "katalog.csv"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("Rp150.000", "Rp165.000"), encoding="utf-8")


def shown_prices(market: Market) -> dict[str, int]:
    items = requests.get(f"{market.proxy.upstream}/_sandbox/items", params={"dialect": market.dialect},
                         timeout=10).json()["items"]
    return {item["seller_sku"]: item["price"] for item in items}


# Lazada UpdateSellableQuantity and UpdatePriceQuantity, TikTok Update Price: the documented answer is `data: {}`.
@pytest.mark.parametrize(("dialect", "call"), [("lazada", "stock"), ("lazada", "price"), ("tiktokshop", "price")])
def test_a_bare_success_where_the_documented_answer_has_no_item_data_is_a_success(tmp_path, proxy, dialect, call):
    market = Market(tmp_path, proxy, dialect, products=1)
    market.sync()
    market.set_stock(7)
    if call == "price":
        raise_price(market)
    lie = Lie(*(STOCK if call == "stock" else PRICE)[dialect], rewrite=lambda body, lie: dict(BARE[dialect]))
    proxy.lies.append(lie)  # the marketplace does the update; its answer says no more than the documented one
    assert not market.sync().get("stopped")
    assert lie.hits == 1
    assert market.shown_stock() == {"LPUJI-DMP-00": 7}
    if call == "price":
        assert shown_prices(market) == {"LPUJI-DMP-00": 165_000}
    market.sync()
    assert lie.calls == 1  # recorded as done: nothing sent again


# Lazada UpdateProduct answers the product's item_status; TikTok Update Inventory answers data.errors per SKU.
@pytest.mark.parametrize(("dialect", "call"), [("lazada", "content"), ("tiktokshop", "stock")])
def test_a_bare_success_where_the_documented_answer_has_item_data_is_sent_again(tmp_path, proxy, dialect, call):
    market = Market(tmp_path, proxy, dialect, products=1)
    market.sync()
    if call == "content":
        catalog = tmp_path / "katalog.csv"
        catalog.write_text(catalog.read_text(encoding="utf-8").replace("Model 0", "Model Baru 0"), encoding="utf-8")
    else:
        market.set_stock(7)
    lie = Lie(*(CONTENT if call == "content" else STOCK)[dialect], forward=False,
              raw=json.dumps(BARE[dialect]).encode())
    proxy.lies.append(lie)  # "done", says the answer, and the update never reached the marketplace
    summary = market.sync()
    assert not summary.get("stopped") and lie.hits == 1
    proxy.lies.clear()
    market.sync()  # not recorded as done, so sent again
    items = requests.get(f"{proxy.upstream}/_sandbox/items", params={"dialect": dialect}, timeout=10).json()["items"]
    if call == "content":
        assert ["Model Baru 0" in item["name"] for item in items] == [True]
    else:
        assert market.shown_stock() == {"LPUJI-DMP-00": 7}


def test_a_delist_answered_with_a_bare_success_is_sent_again(tmp_path, proxy):
    # TikTok Deactivate Products answers data.errors naming each product refused
    market = Market(tmp_path, proxy, "tiktokshop", products=6)
    market.sync()
    market.products = 5  # one of six leaves the catalog: under the mass-delist guard
    market.set_stock(3)
    lie = Lie(*DEACTIVATE["tiktokshop"], forward=False, raw=json.dumps(BARE["tiktokshop"]).encode())
    proxy.lies.append(lie)
    assert not market.sync().get("stopped") and lie.hits == 1
    statuses = {i["seller_sku"]: i["status"] for i in requests.get(
        f"{proxy.upstream}/_sandbox/items", params={"dialect": "tiktokshop"}, timeout=10).json()["items"]}
    assert statuses["LPUJI-DMP-05"] == statuses["LPUJI-DMP-00"]  # the lie reached nothing
    proxy.lies.clear()
    market.sync()
    statuses = {i["seller_sku"]: i["status"] for i in requests.get(
        f"{proxy.upstream}/_sandbox/items", params={"dialect": "tiktokshop"}, timeout=10).json()["items"]}
    assert statuses["LPUJI-DMP-05"] != statuses["LPUJI-DMP-00"]  # sent again: delisted now
