"""Linking: adopting the listings a channel already has (made by hand in a seller centre) by seller SKU (pure).

A product and a listing match when the listing sells exactly the product's seller SKUs: its own SKU (a product
without variants) or its variants' SKUs. Whatever else touches a product's SKUs is a conflict, never a guess: two
listings for one product, a listing whose variants do not line up with the catalog's, a listing carrying SKUs of
several products. A conflicting product is held (nothing created or updated) until a later link matches it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from connector.adapters.base import Remote
from connector.sync.desired import Desired
from connector.sync.kinds import ListingStatus
from connector.sync.ledger.model import Binding, LinkConflict


@dataclass(frozen=True)
class Match:
    """A listing already on the channel that sells exactly a desired listing's seller SKUs."""

    desired: Desired
    remote: Remote


@dataclass
class Linking:
    """One channel's listings against its desired listings."""

    channel: str
    matched: list[Match] = field(default_factory=list)
    to_create: list[str] = field(default_factory=list)  # product keys with no listing: the next sync creates them
    unknown: list[Remote] = field(default_factory=list)  # listings no product claims: left alone
    conflicts: list[LinkConflict] = field(default_factory=list)

    def bindings(self) -> list[Binding]:
        """The matched listings as bindings: their ids, status, prices and stock as the channel has them, and no
        content fingerprint, so the next plan brings content, price and stock to the catalog's as updates (within
        the guards: the price-drop guard compares with the listing's real price)."""
        return [adopted(self.channel, m.desired, m.remote) for m in self.matched]


def adopted(channel: str, want: Desired, remote: Remote) -> Binding:
    skus = list(want.listing.sku_prices())
    return Binding(channel, want.listing.key, want.institution, want.listing.seller_sku, remote.external_id,
                   dict(remote.variant_ids), ListingStatus.ACTIVE if remote.active else ListingStatus.INACTIVE,
                   prices={s: remote.prices[s] for s in skus if s in remote.prices} or None,
                   stock={s: remote.stock[s] for s in skus if s in remote.stock} or None)


def match(channel: str, desired: dict[str, Desired], remotes: Iterable[Remote],
          bindings: dict[str, Binding]) -> Linking:
    """Match a channel's listings to desired listings by seller SKU. Products already bound are left as they are;
    a listing carrying a bound product's SKUs besides its own listing is reported as unknown (a duplicate for staff
    to remove)."""
    owner: dict[str, str] = {}  # seller SKU (the product's own and its variants') -> product key
    for key, want in desired.items():
        for sku in (want.listing.seller_sku, *want.listing.sku_prices()):
            owner[sku] = key
    bound = {key for key, b in bindings.items() if b.external_id is not None}
    bound_ids = {b.external_id for b in bindings.values() if b.external_id is not None}
    linking = Linking(channel)
    claims: dict[str, list[Remote]] = {}
    mixed: dict[str, list[tuple[Remote, list[str]]]] = {}
    for remote in sorted(remotes, key=lambda r: (len(r.external_id), r.external_id)):
        if remote.external_id in bound_ids:
            continue
        skus = remote.skus() | ({remote.seller_sku} if remote.seller_sku else set())
        keys = sorted({owner[s] for s in skus if s in owner} - bound)
        if not keys:
            linking.unknown.append(remote)
        elif len(keys) > 1:
            for key in keys:
                mixed.setdefault(key, []).append((remote, keys))
        else:
            claims.setdefault(keys[0], []).append(remote)
    for key in sorted(set(claims) | set(mixed)):
        want = desired[key]
        found = claims.get(key, [])
        ids = tuple(r.external_id for r in found + [r for r, _ in mixed.get(key, [])])
        if key in mixed:
            others = sorted({k for _, keys in mixed[key] for k in keys} - {key})
            reason = f"a listing carries seller SKUs of several products (also {', '.join(others)})"
        elif len(found) > 1:
            reason = f"{len(found)} listings carry its seller SKUs: remove all but one in the seller centre"
        elif found[0].skus() != set(want.listing.sku_prices()):
            missing = sorted(set(want.listing.sku_prices()) - found[0].skus())
            extra = sorted(found[0].skus() - set(want.listing.sku_prices()))
            parts = ([f"missing on the listing: {', '.join(missing)}"] if missing else []) + (
                [f"not in the catalog: {', '.join(extra)}"] if extra else [])
            reason = f"variants do not line up ({'; '.join(parts)})"
        else:
            linking.matched.append(Match(want, found[0]))
            continue
        linking.conflicts.append(LinkConflict(key, want.institution, reason, ids))
    claimed = set(claims) | set(mixed) | bound
    linking.to_create = sorted(key for key, want in desired.items() if key not in claimed and want.active)
    return linking
