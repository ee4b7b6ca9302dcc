"""The sold-units step: pull every channel's new orders through its adapter and record them, then count the units
sold on every channel per stock key since staff last set each stock figure. It runs before desired state is
built, which takes the count as an input: one sale lowers every channel's stock.

A dry run pulls nothing and moves no stock figure's basis: it counts from the orders recorded so far, as the
real run would (a catalog figure that changed counts as unsold in both: the new figure accounts for the sales).
A channel whose orders cannot be read this time still shares the sales recorded earlier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC
from typing import Any

from connector.adapters.base import Adapter, AdapterError, OrderLine
from connector.adapters.registry import UnknownAdapter
from connector.config import ChannelConfig
from connector.logs import channel_logger
from connector.sync.desired import Candidate, catalog_stock, stock_key
from connector.sync.ledger import Ledger
from connector.sync.ledger.model import SaleLine


def sold_units(channels: list[ChannelConfig], candidates: Mapping[str, Mapping[str, Candidate]], ledger: Ledger,
               connect: Callable[[ChannelConfig], Adapter], log: Any, *, dry_run: bool, pulled: bool = False
               ) -> dict[str, int]:
    """Units sold per stock key, for the stock keys of every channel's candidates (by channel name); the orders
    are pulled first unless `pulled` (the run pulled them already, `pull_all`)."""
    if not dry_run and not pulled:
        pull_all(channels, candidates, ledger, connect, log)
    catalog: dict[str, int] = {}
    for listed in candidates.values():
        for candidate in listed.values():
            catalog.update(catalog_stock(candidate.parts.product))
    return ledger.orders.sold_since_basis(catalog, record=not dry_run) if catalog else {}


def pull_all(channels: list[ChannelConfig], candidates: Mapping[str, Mapping[str, Candidate]], ledger: Ledger,
             connect: Callable[[ChannelConfig], Adapter], log: Any, *, bound: Mapping[str, str | None] | None = None
             ) -> None:
    """Every channel's new order lines, recorded. `bound`: institutions (code -> seller SKU prefix) whose
    products' lines the candidates do not claim are attributed through their bindings (a sync pulls before it
    reads any catalog: it passes every institution)."""
    for channel in channels:
        pull_orders(channel, candidates[channel.name], ledger, connect, log, bound=bound or {})


def pull_orders(channel: ChannelConfig, candidates: Mapping[str, Candidate], ledger: Ledger,
                connect: Callable[[ChannelConfig], Adapter], log: Any, *,
                bound: Mapping[str, str | None] | None = None) -> None:
    """The channel's order lines since its cursor, recorded with the stock key each seller SKU sells."""
    log = channel_logger(log, sandbox=channel.is_sandbox)
    try:
        adapter = connect(channel)
    except (UnknownAdapter, ValueError):
        return  # the channel's own step reports why it cannot run
    try:
        lines, cursor = adapter.orders(ledger.orders.cursor(channel.name))
    except NotImplementedError as err:
        log.debug("orders_unsupported", channel=channel.name, reason=str(err))
        return
    except AdapterError as err:
        log.warning("orders_unavailable", channel=channel.name, error_class=err.error_class, message=err.message)
        return
    finally:
        adapter.close()
    lines = sane_lines(channel.name, lines, log)
    by_sku = {sku: (c.parts.product.institution, key) for c in candidates.values()
              for sku, key in c.stock_keys().items()} if lines else {}
    if bound:
        by_sku.update(bound_stock_keys(ledger, channel.name, {ln.seller_sku for ln in lines} - by_sku.keys(),
                                       bound))
    ledger.orders.record(channel.name, [order_row(channel.name, line, *by_sku.get(line.seller_sku, (None, None)))
                                        for line in lines], cursor)  # no lines: the cursor moves all the same
    if lines:
        log.info("orders_pulled", channel=channel.name, lines=len(lines))


def attribute_orders(ledger: Ledger, channel: str, candidates: Iterable[Candidate], *, since: str) -> None:
    """Order lines this run's pull (at or after `since`) could not attribute through a binding (a listing not
    linked yet, say) whose seller SKU one of `candidates` sells, attributed to its stock key now: the run reads
    the catalogs after it pulls."""
    waiting = ledger.orders.unattributed(channel, since=since)
    if not waiting:
        return
    found = {sku: (c.parts.product.institution, key) for c in candidates for sku, key in c.stock_keys().items()
             if sku in waiting}
    if found:
        ledger.orders.attribute(channel, found)


def bound_stock_keys(ledger: Ledger, channel: str, skus: set[str], bound: Mapping[str, str | None]
                     ) -> dict[str, tuple[str, str]]:
    """Seller SKU -> (institution, stock key) for the SKUs a binding of one of `bound` carries stock for
    (its product's own SKU, or a variant's: the keys of its acknowledged prices), exactly as written. The stock
    key is the catalog SKU under the institution's prefix, as `seller_sku` made it."""
    out = {}
    for institution, sku in ledger.bindings.seller_skus_of(channel, skus, bound, products=False).values():
        if sku not in skus:
            continue  # another letter case: not the SKU the order names
        prefix = bound[institution]
        own = sku[len(prefix) + 1:] if prefix and sku.startswith(f"{prefix}-") else sku
        out[sku] = (institution, stock_key(institution, own))
    return out


MAX_LINE_UNITS = 99_999  # the marketplaces' own upper bound for a SKU's quantity (TikTok Shop documents [1, 99999])


def sane_lines(channel: str, lines: list[OrderLine], log: Any) -> list[OrderLine]:
    """The order lines a marketplace could truly have sent: a whole number of units from 0 to MAX_LINE_UNITS and a
    seller SKU. Anything else (a negative quantity would *raise* every channel's stock) is left out with a warning
    naming the order; an implausible unit price is dropped, the line kept."""
    kept = []
    for line in lines:
        units = line.quantity
        if isinstance(units, bool) or not isinstance(units, int) or not 0 <= units <= MAX_LINE_UNITS \
                or not isinstance(line.seller_sku, str) or not line.seller_sku:
            log.warning("order_line_ignored", channel=channel, order_id=str(line.order_id)[:64],
                        seller_sku=str(line.seller_sku)[:64], quantity=str(units)[:32],
                        reason=f"not a plausible order line (units must be a whole number 0-{MAX_LINE_UNITS})")
            continue
        price = line.unit_price
        if price is not None and (isinstance(price, bool) or not isinstance(price, int) or price < 0):
            line = replace(line, unit_price=None)
        kept.append(line)
    return kept


def order_row(channel: str, line: OrderLine, institution: str | None, stock_key: str | None) -> SaleLine:
    """An order line as the ledger keeps it, attributed to its catalog product's stock key where it is known."""
    return SaleLine(channel, line.order_id, line.seller_sku, institution, stock_key, line.quantity, line.status,
                    line.at.astimezone(UTC).isoformat(timespec="milliseconds"), getattr(line, "unit_price", None))
