"""The ledger's schema, as the migrations that build it. Append only: a file written by an earlier version opens
and is brought up to date; a migration once released never changes."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE bindings (
        channel TEXT NOT NULL, product_key TEXT NOT NULL, institution TEXT NOT NULL, seller_sku TEXT NOT NULL,
        external_id TEXT, variant_ids TEXT, status TEXT NOT NULL DEFAULT 'active',
        content_fp TEXT, prices TEXT, stock TEXT, invalid_fp TEXT, last_error TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        PRIMARY KEY (channel, product_key)
    );
    CREATE UNIQUE INDEX bindings_external ON bindings (channel, external_id) WHERE external_id IS NOT NULL;
    CREATE INDEX bindings_institution ON bindings (channel, institution);
    CREATE TABLE intents (
        intent_id TEXT PRIMARY KEY, channel TEXT NOT NULL, product_key TEXT NOT NULL, institution TEXT NOT NULL,
        seller_sku TEXT NOT NULL, op TEXT NOT NULL, run_id TEXT, created_at TEXT NOT NULL,
        resolved_at TEXT, outcome TEXT
    );
    CREATE INDEX intents_open ON intents (channel) WHERE resolved_at IS NULL;
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY, trigger TEXT NOT NULL, pid INTEGER, options TEXT,
        started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, summary TEXT
    );
    CREATE TABLE run_items (
        id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, channel TEXT NOT NULL, institution TEXT,
        product_key TEXT, op TEXT NOT NULL, outcome TEXT NOT NULL, error_class TEXT, code TEXT, message TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX run_items_run ON run_items (run_id);
    CREATE TABLE rejects (
        id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, institution TEXT NOT NULL, file TEXT, row INTEGER,
        "column" TEXT, value TEXT, reason TEXT NOT NULL, message_en TEXT, message_id TEXT, sku TEXT
    );
    CREATE INDEX rejects_institution ON rejects (institution);
    CREATE TABLE media (
        channel TEXT NOT NULL, sha256 TEXT NOT NULL, image_id TEXT NOT NULL, uploaded_at TEXT NOT NULL,
        PRIMARY KEY (channel, sha256)
    );
    CREATE TABLE files (
        path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL
    );
    CREATE TABLE tokens (
        channel TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    """,
    # 2: variant SKUs on intents, for marketplaces that find a product only by its variants' seller SKUs
    """
    ALTER TABLE intents ADD COLUMN variant_skus TEXT
    """,
    # 3: adopting existing listings: when each channel was linked, and the products a link could not match safely
    """
    CREATE TABLE links (
        channel TEXT PRIMARY KEY, linked_at TEXT NOT NULL, run_id TEXT, adopted INTEGER NOT NULL
    );
    CREATE TABLE link_conflicts (
        channel TEXT NOT NULL, product_key TEXT NOT NULL, institution TEXT NOT NULL, reason TEXT NOT NULL,
        listings TEXT NOT NULL, found_at TEXT NOT NULL,
        PRIMARY KEY (channel, product_key)
    )
    """,
    """
    CREATE TABLE orders (
        channel TEXT NOT NULL, order_id TEXT NOT NULL, seller_sku TEXT NOT NULL,
        institution TEXT, stock_key TEXT, quantity INTEGER NOT NULL, status TEXT NOT NULL,
        at TEXT NOT NULL, seen_at TEXT NOT NULL, settled INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (channel, order_id, seller_sku));
    CREATE INDEX orders_by_stock_key ON orders (stock_key, settled);
    CREATE TABLE order_cursors (channel TEXT PRIMARY KEY, cursor TEXT NOT NULL, at TEXT NOT NULL);
    CREATE TABLE stock_basis (stock_key TEXT PRIMARY KEY, stock INTEGER NOT NULL, since TEXT NOT NULL)
    """,
    # 5: the unit price of an order line as the marketplace reported it (whole rupiah; null where it was not read)
    """
    ALTER TABLE orders ADD COLUMN unit_price INTEGER
    """,
    # 6: what each channel said about its categories (tree, a leaf's attributes), kept as read, with when
    """
    CREATE TABLE channel_facts (
        channel TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, fetched_at REAL NOT NULL,
        PRIMARY KEY (channel, kind, key))
    """,
    # 7: the rejects store carries every finding staff should see, not only refused catalog rows: the channel
    # (null for a catalog finding), refused or warning, who found it (validate, sync, or the marketplace during a
    # sync), the product, and the marketplace's own code and message when it answered one
    """
    ALTER TABLE rejects ADD COLUMN channel TEXT;
    ALTER TABLE rejects ADD COLUMN severity TEXT NOT NULL DEFAULT 'refused';
    ALTER TABLE rejects ADD COLUMN origin TEXT NOT NULL DEFAULT 'sync';
    ALTER TABLE rejects ADD COLUMN product_key TEXT;
    ALTER TABLE rejects ADD COLUMN code TEXT;
    ALTER TABLE rejects ADD COLUMN channel_message TEXT;
    CREATE INDEX rejects_channel ON rejects (channel, product_key)
    """,
    # 8: skipping what did not change: per institution, what its latest reading referenced (local image files)
    # and whether any of its checks depend on the day; per (institution, channel), the fingerprint of every input
    # of a reading whose products the channel then fully took, and of the units sold of the institution then
    """
    CREATE TABLE catalog_reads (
        institution TEXT PRIMARY KEY, images TEXT NOT NULL, dated INTEGER NOT NULL, read_at TEXT NOT NULL);
    CREATE TABLE catalog_marks (
        institution TEXT NOT NULL, channel TEXT NOT NULL, inputs TEXT NOT NULL, sold TEXT NOT NULL,
        run_id TEXT, marked_at TEXT NOT NULL,
        PRIMARY KEY (institution, channel))
    """,
    # 9: the retention prune that ends every run finds what is old by index, not by reading every run item and
    # intent the ledger holds (a scan that grew with the country: tens of milliseconds at 20,000 products)
    """
    CREATE INDEX run_items_at ON run_items (at);
    CREATE INDEX intents_resolved ON intents (resolved_at)
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
