"""The ledger file and its stores, on one connection."""

from __future__ import annotations

from pathlib import Path

from connector.sync.ledger.bindings import Bindings
from connector.sync.ledger.connection import LedgerFile
from connector.sync.ledger.facts import Facts
from connector.sync.ledger.marks import Marks
from connector.sync.ledger.media import Media
from connector.sync.ledger.orders import Orders
from connector.sync.ledger.rejects import Rejects
from connector.sync.ledger.runs import Runs
from connector.sync.ledger.tokens import Tokens


class Ledger(LedgerFile):
    """The ledger file and its stores, on one connection."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.bindings = Bindings(self)
        self.runs = Runs(self)
        self.rejects = Rejects(self)
        self.orders = Orders(self)
        self.media = Media(self)
        self.tokens = Tokens(self)
        self.facts = Facts(self)
        self.marks = Marks(self)
