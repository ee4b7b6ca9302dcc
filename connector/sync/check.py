"""`pasindo validate`: what the catalogs hold and what every configured channel will refuse or adapt, found by the
steps a sync takes before its first call — read the catalogs, each channel's category map and category rules
(through its adapter, kept in the ledger for a day; `endpoint: sandbox` channels on the embedded sandbox), then
what each channel can list — without writing anything to a marketplace. The catalogs are read in the batches a
sync reads them in, so its memory is a batch's, not the country's.

What it found is recorded in the ledger's rejects store for `pasindo report --rejects` (`ledger/rejects.py` says
what replaces what). A channel whose rules cannot be read (a credential not set, the marketplace unreachable) is
still checked against what needs no call, with a warning that its category attributes were not checked; a state
directory that cannot be used leaves every channel so and records nothing, with a warning. Never a traceback.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from connector.adapters.base import AdapterError
from connector.adapters.registry import UnknownAdapter
from connector.catalog.validation import Catalogs, Validation, tally
from connector.category_maps import CategoryMapError
from connector.config import ChannelConfig, Config, InstitutionConfig
from connector.schema import Product, SourceRef
from connector.sync.adapter import make_adapter
from connector.sync.batch import BATCH_PRODUCTS, batch_cut
from connector.sync.catalogs import CatalogReading, finding_row, read_catalogs
from connector.sync.claims import Claims, clash_possible
from connector.sync.endpoints import channel_endpoints
from connector.sync.images import Images
from connector.sync.kinds import Origin, Severity
from connector.sync.ledger import Ledger
from connector.sync.listable import Fills, Listable, listable
from connector.sync.result import Unlisted
from connector.sync.rules import ChannelRules, load_rules
from connector.sync.run import channel_category_map, channel_listing_rules, ledger_path
from connector.sync.state import StateError
from connector.sync.summary import at_row, product_rows, unlisted_row

VALIDATE_RUN = "validate"  # the run id validate's findings are kept under: no run of its own


@dataclass
class ChannelCheck:
    """What one channel will do with the catalogs' products: refuse (`refused`) or list changed (`adapted`)."""

    channel: str
    sandbox: bool
    refused: list[Unlisted] = field(default_factory=list)
    adapted: list[Unlisted] = field(default_factory=list)
    unchecked: str | None = None  # why its category attributes were not checked; None: they were


@dataclass
class Checked:
    """`pasindo validate`'s findings: the catalogs' (`validation`) and each channel's."""

    validation: Validation
    channels: list[ChannelCheck] = field(default_factory=list)
    unrecorded: str | None = None  # why the findings were not kept in the ledger; None: they were

    def problems(self) -> bool:
        """A refused row, or a product some channel cannot list (adaptations and warnings alone are none)."""
        return bool(self.validation.rejects or any(c.refused for c in self.channels))


def check(config: Config, institutions: tuple[str, ...] = (), *, keep_products: bool = False,
          today: date | None = None, batch_products: int = BATCH_PRODUCTS) -> Checked:
    """The selected institutions' catalogs (all when none is named), checked against every configured channel;
    what was found is kept in the ledger unless its state directory cannot be used.

    The catalogs are read a batch of institutions at a time, cut as a sync cuts them (`batch.py`): only what was
    found is kept across batches (and the products, when `keep_products`), so memory is a batch's, not the
    country's. A seller SKU two batches share is held back on the later product, as the sync does (`claims.py`)."""
    catalogs = Catalogs(config, today=today)
    selected = catalogs.selected(institutions)
    with _ledger(config) as (ledger, unusable):
        usable = [] if unusable else [c for c in config.channels if not unset_credentials(c)]
        with channel_endpoints(config, usable) as urls:
            found = Checked(Validation(), unrecorded=unusable)
            provinces = {i.code: i.province for i in config.institutions}
            checks = [_ChannelChecker(config, channel, ledger, urls.get(channel.name), unusable)
                      for channel in config.channels]
            claims = Claims() if clash_possible(config.institutions) else None
            images = Images(ledger)  # an image is checked once, whichever catalogs name it

            def work(reading: CatalogReading, codes: list[str]) -> None:
                _validation(found.validation, selected, codes, reading, keep_products)
                listables = {c.channel.name: c.listable(reading, provinces) for c in checks}
                if claims is not None:
                    claims.settle(listables)
                rows = product_rows(reading)
                for c in checks:
                    c.add(listables[c.channel.name], rows)

            try:
                _in_batches(catalogs, selected, config.channels, images, batch_products, work)
            finally:
                if claims is not None:
                    claims.close()
            for c in checks:
                c.finish()
            found.channels = [c.out for c in checks]
        _count_unlisted(found)
        if unusable is None:
            _record(ledger, found, [e.code for e in selected])
    return found


def _in_batches(catalogs: Catalogs, selected: list[InstitutionConfig], channels: list[ChannelConfig],
                images: Images, size: int, work: Callable[[CatalogReading, list[str]], None]) -> None:
    """Read the selected catalogs one institution after another, handing each batch to `work` when it reaches the
    cut a sync makes (`batch.batch_cut`) or the catalogs end."""
    reading, codes, made = CatalogReading(untouchable={c.name: set() for c in channels}), [], 0
    for n, entry in enumerate(selected):
        reading.merge(read_catalogs(catalogs, (entry.code,), channels, images))
        codes.append(entry.code)
        if len(reading.offers) >= batch_cut(size, made) or n == len(selected) - 1:
            work(reading, codes)
            reading, codes, made = CatalogReading(untouchable={c.name: set() for c in channels}), [], made + 1


@contextmanager
def _ledger(config: Config) -> Iterator[tuple[Ledger, str | None]]:
    """The ledger, and None; or, when the state directory cannot be used, a throwaway one and why."""
    with ExitStack() as stack:
        try:
            ledger = Ledger(ledger_path(config))
            unusable = None
        except StateError as err:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="pasindo-validate-"))
            ledger = Ledger(Path(folder) / ledger_path(config).name)
            unusable = str(err)
        stack.callback(ledger.close)
        yield ledger, unusable


def unset_credentials(channel: ChannelConfig) -> list[str]:
    """The channel's credentials left empty (an environment variable not set: validate loads the config without
    the secrets). A sandbox channel that gives none uses the sandbox's own."""
    return [name for name, value in channel.credentials.items() if not value]


def _validation(out: Validation, selected: list[InstitutionConfig], codes: list[str], reading: CatalogReading,
                keep_products: bool) -> None:
    """The batch's institutions' counts and findings added to `out`, in the config's order."""
    by_institution: dict[str, list[Product]] = {}
    for offer in reading.offers:
        by_institution.setdefault(offer.product.institution, []).append(offer.product)
    wanted = set(codes)
    for entry in selected:
        if entry.code not in wanted:
            continue
        products = by_institution.get(entry.code, [])
        rejects, notices = reading.rejects.get(entry.code, []), reading.notices.get(entry.code, [])
        out.institutions.append(tally(entry.code, products, rejects, notices))
        out.rejects.extend(rejects)
        out.notices.extend(notices)
        if keep_products:
            out.products.extend(products)


class _ChannelChecker:
    """One channel's check over the batches: its category map and what keeps its rules from being read, decided
    once; its category rules read again only when a batch uses a leaf the earlier ones did not."""

    def __init__(self, config: Config, channel: ChannelConfig, ledger: Ledger, url: str | None,
                 unusable: str | None) -> None:
        self.channel, self.ledger, self.url = channel, ledger, url
        self.out = ChannelCheck(channel.name, channel.is_sandbox)
        self.categories = channel_category_map(config, channel)
        self.listing_rules = channel_listing_rules(channel)
        self.rules: ChannelRules | None = None
        self.fills = Fills()
        if isinstance(self.categories, CategoryMapError):
            self.out.unchecked = str(self.categories)
        elif unusable is not None:
            self.out.unchecked = f"the state directory cannot be used ({unusable})"
        elif missing := unset_credentials(channel):
            self.out.unchecked = (f"credentials not set: {', '.join(missing)} (their environment variables); "
                                  "validate reads the channel's category rules once they are set")

    def listable(self, reading: CatalogReading, provinces: dict[str, str | None]) -> Listable:
        categories = self.categories
        if not isinstance(categories, CategoryMapError) and self.out.unchecked is None:
            used = {categories.lookup(o.product.category) for o in reading.offers if self.channel.name in o.channels}
            wanted = {str(i) for i in used if i is not None}
            kept = self.rules
            if kept is None or any(i not in kept.attributes and (node := kept.tree.get(i)) is not None and node.leaf
                                   for i in wanted):
                ids = sorted(wanted | set(kept.attributes)) if kept is not None else sorted(wanted)
                self.rules, self.out.unchecked = channel_rules(self.channel, ids, self.ledger, self.url or "")
        return listable(reading, self.channel, categories, self.rules, provinces, self.listing_rules, self.fills)

    def finish(self) -> None:
        """A channel no batch asked the rules of (no product of it) is still asked, so a channel that cannot be
        read says so."""
        if self.rules is None and self.out.unchecked is None and not isinstance(self.categories, CategoryMapError):
            self.rules, self.out.unchecked = channel_rules(self.channel, [], self.ledger, self.url or "")

    def add(self, found: Listable, rows: dict[str, SourceRef]) -> None:
        self.out.refused.extend(at_row(u, rows) for u in found.invalid)
        self.out.adapted.extend(at_row(u, rows) for u in found.adapted)


def channel_rules(channel: ChannelConfig, category_ids: list[int | str], ledger: Ledger, url: str
                  ) -> tuple[ChannelRules | None, str | None]:
    """The channel's rules for these categories, or None and why they cannot be had now."""
    try:
        adapter = make_adapter(channel, url, ledger)
    except (UnknownAdapter, ValueError) as err:
        return None, str(err)
    try:
        rules = load_rules(adapter, ledger.facts, category_ids)
    except AdapterError as err:
        return None, f"cannot read the category tree and attributes ({err.message})"
    except Exception as err:  # a defect in one adapter must not take validate down: said, and the rest goes on
        return None, f"cannot read the category tree and attributes (internal error: {type(err).__name__})"
    finally:
        adapter.close()
    if rules is None:
        return None, f"the {channel.adapter} adapter reads no categories"
    return rules, None


def _count_unlisted(found: Checked) -> None:
    """Per institution: the products some channel cannot list."""
    keys: dict[str, set[str]] = {}
    for c in found.channels:
        for u in c.refused:
            keys.setdefault(u.institution, set()).add(u.key)
    for summary in found.validation.institutions:
        summary.unlisted = len(keys.get(summary.code, ()))


def _record(ledger: Ledger, found: Checked, institutions: list[str]) -> None:
    """Validate's findings as the latest reading of each institution's catalog and the latest check of each
    (institution, channel)."""
    v = found.validation
    catalog = {code: [] for code in institutions}
    for finding in [*v.rejects, *v.notices]:
        catalog.setdefault(finding.institution, []).append(finding_row(finding, Origin.VALIDATE))
    ledger.rejects.replace(VALIDATE_RUN, catalog)
    ledger.rejects.replace_channels(VALIDATE_RUN, {c.channel: institutions for c in found.channels}, [
        *(unlisted_row(u, Origin.VALIDATE) for c in found.channels for u in c.refused),
        *(unlisted_row(u, Origin.VALIDATE, Severity.WARNING) for c in found.channels for u in c.adapted)])
