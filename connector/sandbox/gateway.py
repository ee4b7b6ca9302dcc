"""The dialect-independent request pipeline: inspection API, counting, rate limit, faults, routing.

Order for a marketplace request: count it, apply the rate limit, draw a fault, let the dialect answer.
A ``timeout`` fault lets the dialect commit the write first and then turns the answer into a ``Hold``:
the HTTP layer keeps the connection silent for ``timeout_seconds`` and closes it, so the client sees a
read timeout while the listing exists (the "unknown outcome" case the connector must resolve by SKU).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector.sandbox import listing_page
from connector.sandbox.dialect import Dialect, Planted, PlantError, Request, Response, Settings
from connector.sandbox.faults import Fault, FaultInjector, TokenBucket
from connector.sandbox.registry import DIALECTS
from connector.sandbox.store import OrderError, Store

INSPECTION_PREFIX = "/_sandbox/"
_FAULT_NAMES = ("fail", "timeout", "throttle", "rate_limited")


@dataclass(frozen=True)
class Hold:
    """Answer nothing: keep the connection open this long, then close it."""

    seconds: float


class Gateway:
    """Routes requests to dialects and applies the fault model around them."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        faults: FaultInjector,
        rate_limit: float | None,
        timeout_seconds: float,
        dialect_settings: Mapping[str, Any] | None = None,
    ) -> None:
        """``dialect_settings``: each dialect's own settings by dialect name (its defaults where absent)."""
        self._store = store
        self._faults = faults
        # Each marketplace limits a shop on its own: one bucket per dialect, so channels side by side each get N/s.
        self._rate_limits = {name: TokenBucket(rate_limit) for name in DIALECTS} if rate_limit else {}
        self._timeout_seconds = timeout_seconds
        self._clock = settings.clock
        own = dialect_settings or {}
        self._dialects: dict[str, Dialect] = {
            name: cls(store, settings, own.get(name)) for name, cls in DIALECTS.items()
        }
        for dialect in self._dialects.values():
            dialect.seed()

    def handle(self, request: Request) -> Response | Hold:
        if request.path.startswith(INSPECTION_PREFIX):
            return self._inspection(request)
        dialect = self._route(request.path)
        if dialect is None:
            return _json(404, {"error": "not_found", "message": f"no marketplace dialect serves {request.path}"})
        self._store.bump(f"request:{dialect.name} {request.path}")
        bucket = self._rate_limits.get(dialect.name)
        if bucket is not None and not bucket.take():
            self._store.bump("fault:rate_limited")
            return dialect.throttled()
        fault = self._faults.draw(is_write=dialect.is_write(request))
        if fault is Fault.FAIL:
            self._store.bump("fault:fail")
            return dialect.failure(self._faults.roll())
        if fault is Fault.THROTTLE:
            self._store.bump("fault:throttle")
            return dialect.throttled()
        response = dialect.handle(request)
        if response.committed_write:
            self._store.bump("writes")
        if fault is Fault.TIMEOUT:
            self._store.bump("fault:timeout")
            return Hold(self._timeout_seconds)
        return response

    def _route(self, path: str) -> Dialect | None:
        for dialect in self._dialects.values():
            if path.startswith(dialect.prefixes):
                return dialect
        return None

    # --- inspection API (loopback only, no auth) -------------------------------------------------

    def _inspection(self, request: Request) -> Response:
        if not _is_loopback(request.client_host):
            return _json(403, {"error": "forbidden", "message": "the inspection API answers loopback clients only"})
        route = (request.method, request.path)
        if route == ("GET", "/_sandbox/items"):
            name = request.param("dialect")
            dialect = self._dialects.get(name or "")
            if dialect is None:
                return _json(
                    400 if name is None else 404,
                    {
                        "error": "unknown_dialect",
                        "message": f"dialect must be one of {sorted(self._dialects)}",
                    },
                )
            return _json(200, {"items": dialect.inspect()})
        if route == ("POST", "/_sandbox/items"):
            return self._plant(request)
        if request.method == "GET" and request.path.startswith(listing_page.PREFIX):
            return self._listing_page(request.path)
        if route == ("POST", "/_sandbox/orders"):
            return self._order(request)
        if request.method == "POST" and request.path.startswith("/_sandbox/orders/"):
            order_id, _, action = request.path.removeprefix("/_sandbox/orders/").partition("/")
            if action in _ORDER_ENDS:
                return self._end_order(order_id, _ORDER_ENDS[action], request)
        if route == ("POST", "/_sandbox/reserved_stock"):
            return self._reserve(request)
        if route == ("POST", "/_sandbox/categories/hide"):
            return self._hide_category(request)
        if route == ("GET", "/_sandbox/stats"):
            return _json(200, self._stats())
        if route == ("POST", "/_sandbox/reset"):
            self.reset()
            return _json(200, {"reset": True})
        return _json(404, {"error": "not_found", "message": f"no inspection endpoint {request.method} {request.path}"})

    def _listing_page(self, path: str) -> Response:
        """A buyer's view of one listing (``listing_page``): 200 while a buyer can see it, else 404."""
        found = listing_page.parse(path)
        if found is None:
            return listing_page.gone("?", path.removeprefix(listing_page.PREFIX)[:80])
        name, item_id = found
        dialect = self._dialects.get(name)
        listing = dialect.buyer_listing(item_id) if dialect is not None else None
        if listing is None:
            return listing_page.gone(name, item_id)
        return listing_page.page(name, listing)

    def _plant(self, request: Request) -> Response:
        """Listings made by hand in a seller centre: ``{"dialect": D, "items": [...]}`` (or one item's fields next to
        ``dialect``), each in the shape ``GET /_sandbox/items`` answers. No faults, no auth, nothing counted."""
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return _json(400, {"error": "bad_request", "message": "the body must be JSON"})
        if not isinstance(body, dict):
            return _json(400, {"error": "bad_request", "message": "the body must be a JSON object"})
        dialect = self._dialects.get(str(body.get("dialect") or ""))
        if dialect is None:
            message = f"dialect must be one of {sorted(self._dialects)}"
            return _json(400, {"error": "unknown_dialect", "message": message})
        raw = body["items"] if "items" in body else [{k: v for k, v in body.items() if k != "dialect"}]
        try:
            if not isinstance(raw, list):
                raise PlantError("items must be a list")
            listings = [Planted.parse(item) for item in raw]
        except PlantError as err:
            return _json(400, {"error": "bad_request", "message": str(err)})
        with self._store.transaction():
            return _json(200, {"item_ids": dialect.plant(listings)})

    def _order(self, request: Request) -> Response:
        """A buyer's checkout: ``{"dialect", "seller_sku", "quantity"}``; lowers that listing's stock on that
        channel and answers ``{"order_id"}``. The dialect serves the order on its order endpoints."""
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return _json(400, {"error": "bad_request", "message": "the body must be JSON"})
        if not isinstance(body, dict):
            return _json(400, {"error": "bad_request", "message": "the body must be a JSON object"})
        name = str(body.get("dialect") or "")
        if name not in self._dialects:
            message = f"dialect must be one of {sorted(self._dialects)}"
            return _json(400, {"error": "unknown_dialect", "message": message})
        quantity, sku = body.get("quantity", 1), body.get("seller_sku")
        if not isinstance(sku, str) or not sku or not isinstance(quantity, int) or quantity < 1:
            return _json(400, {"error": "bad_request", "message": "seller_sku (text) and quantity (whole number >= 1) "
                                                                  "are required"})
        with self._store.transaction():
            number = self._store.next_id("orders", "order", 1)
            order_id = self._dialects[name].order_id(number)
            try:
                self._store.place_order(name, order_id, sku, quantity, int(self._clock()))
            except OrderError as err:
                return _json(409, {"error": "order", "message": str(err)})
        return _json(200, {"order_id": order_id})

    def _hide_category(self, request: Request) -> Response:
        """A category the marketplace withdrew: ``{"dialect", "category_id"}``; the dialect's tree no longer shows
        it and creates in it are refused as in an unknown category (its ``hide_category``)."""
        found = self._dialect_hook(request, "hide_category")
        if isinstance(found, Response):
            return found
        body, name, hide = found
        category_id = body.get("category_id")
        if isinstance(category_id, bool) or not isinstance(category_id, int | str) or str(category_id) == "":
            return _json(400, {"error": "bad_request", "message": "category_id (a number or a text) is required"})
        if not hide(str(category_id)):
            return _json(404, {"error": "not_found", "message": f"{name} has no category {category_id}"})
        return _json(200, {"dialect": name, "hidden": str(category_id)})

    def _dialect_hook(self, request: Request, method: str) -> tuple[dict[str, Any], str, Any] | Response:
        """The JSON object body of a hook request, its dialect's name and that dialect's `method`; or the 400
        answer when the body is no JSON object or names no dialect that has the method."""
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _json(400, {"error": "bad_request", "message": "the body must be a JSON object"})
        name = str(body.get("dialect") or "")
        hook = getattr(self._dialects.get(name), method, None)
        if hook is None:
            holding = sorted(n for n, d in self._dialects.items() if hasattr(d, method))
            return _json(400, {"error": "unknown_dialect", "message": f"dialect must be one of {holding}"})
        return body, name, hook

    def _reserve(self, request: Request) -> Response:
        """Stock held by a promotion: ``{"dialect", "seller_sku", "reserved"}``, for dialects whose marketplace
        refuses a stock update below it (their ``reserve_stock``); 0 lifts it."""
        found = self._dialect_hook(request, "reserve_stock")
        if isinstance(found, Response):
            return found
        body, _, reserve = found
        sku, reserved = body.get("seller_sku"), body.get("reserved")
        if not isinstance(sku, str) or not sku or isinstance(reserved, bool) or not isinstance(reserved, int) \
                or reserved < 0:
            return _json(400, {"error": "bad_request", "message": "seller_sku (text) and reserved (whole number >= 0) "
                                                                  "are required"})
        with self._store.transaction():
            try:
                reserve(sku, reserved)
            except LookupError as err:
                return _json(404, {"error": "not_found", "message": str(err)})
        return _json(200, {"seller_sku": sku, "reserved": reserved})

    def _end_order(self, order_id: str, status: str, request: Request) -> Response:
        """``POST /_sandbox/orders/{id}/cancel | return``: the whole order, or with ``{"quantity": n}`` n of its units
        (the rest stays placed; each dialect shows such a change the way its marketplace does)."""
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        quantity = body.get("quantity") if isinstance(body, dict) else None
        if not isinstance(body, dict) or (quantity is not None and (not isinstance(quantity, int)
                                                                    or isinstance(quantity, bool) or quantity < 1)):
            return _json(400, {"error": "bad_request", "message": "the body is empty or {\"quantity\": n >= 1}"})
        try:
            if quantity is None:
                order = self._store.end_order(order_id, status, int(self._clock()))
                return _json(200, {"order_id": order.order_id, "status": order.status})
            change = self._store.change_order(order_id, status, quantity, int(self._clock()))
        except OrderError as err:
            return _json(404 if "no order" in str(err) else 409, {"error": "order", "message": str(err)})
        return _json(200, {"order_id": change.order_id, "change": change.kind, "quantity": change.quantity})

    def reset(self) -> None:
        """Clear all state and counters; default credentials and the fault sequence start over."""
        self._store.reset()
        for dialect in self._dialects.values():
            dialect.seed()
        self._faults.reseed()
        for bucket in self._rate_limits.values():
            bucket.refill()

    def _stats(self) -> dict[str, Any]:
        counters = self._store.counters()
        return {
            "requests": {
                name.removeprefix("request:"): value
                for name, value in sorted(counters.items())
                if name.startswith("request:")
            },
            "writes": counters.get("writes", 0),
            "faults": {name: counters.get(f"fault:{name}", 0) for name in _FAULT_NAMES},
        }


_ORDER_ENDS = {"cancel": "cancelled", "return": "returned"}


def _is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 from a dual-stack socket
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False).encode())
