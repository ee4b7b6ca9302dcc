-- A ledger (schema 4) as the connector wrote it before its stores were split: tests/test_ledger.py
BEGIN TRANSACTION;
CREATE TABLE bindings (
        channel TEXT NOT NULL, product_key TEXT NOT NULL, institution TEXT NOT NULL, seller_sku TEXT NOT NULL,
        external_id TEXT, variant_ids TEXT, status TEXT NOT NULL DEFAULT 'active',
        content_fp TEXT, prices TEXT, stock TEXT, invalid_fp TEXT, last_error TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        PRIMARY KEY (channel, product_key)
    );
INSERT INTO "bindings" VALUES('shopee','lapas-a:X','lapas-a','LPA-X','800000001','{"LPA-X-40": "9001", "LPA-X-41": "9002"}','active','fp-x','{"LPA-X-40": 150000, "LPA-X-41": 160000}','{"LPA-X-40": 3, "LPA-X-41": 0}',NULL,NULL,'2026-12-02T07:45:21.875+00:00','2026-12-02T07:45:21.875+00:00');
INSERT INTO "bindings" VALUES('shopee','lapas-a:Y','lapas-a','LPA-Y','800000002','{}','inactive','fp-y','{"LPA-Y": 20000}','{"LPA-Y": 0}',NULL,NULL,'2026-12-02T07:45:21.876+00:00','2026-12-02T07:45:21.876+00:00');
INSERT INTO "bindings" VALUES('shopee','lapas-a:Z','lapas-a','LPA-Z',NULL,'{}','active',NULL,NULL,NULL,'fp-z','kategori ditolak','2026-12-02T07:45:21.876+00:00','2026-12-02T07:45:21.876+00:00');
CREATE TABLE files (
        path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL
    );
INSERT INTO "files" VALUES('/var/lib/pasindo/a.jpg',4,1796197521879640242,'41e5787e9f28562d07b891b1816b492309d646c0f2829743fa4963a9f9cc1d61');
CREATE TABLE intents (
        intent_id TEXT PRIMARY KEY, channel TEXT NOT NULL, product_key TEXT NOT NULL, institution TEXT NOT NULL,
        seller_sku TEXT NOT NULL, op TEXT NOT NULL, run_id TEXT, created_at TEXT NOT NULL,
        resolved_at TEXT, outcome TEXT
    , variant_skus TEXT);
INSERT INTO "intents" VALUES('f0d8135151f3480bb0de3ae6fdee57bd','shopee','lapas-a:X','lapas-a','LPA-X','create','20261202T074521-87c631','2026-12-02T07:45:21.875+00:00','2026-12-02T07:45:21.875+00:00','created','["LPA-X-40", "LPA-X-41"]');
INSERT INTO "intents" VALUES('f207228382ea468f9c48eb8db6227129','shopee','lapas-a:W','lapas-a','LPA-W','create','20261202T074521-87c631','2026-12-02T07:45:21.877+00:00',NULL,NULL,'[]');
CREATE TABLE link_conflicts (
        channel TEXT NOT NULL, product_key TEXT NOT NULL, institution TEXT NOT NULL, reason TEXT NOT NULL,
        listings TEXT NOT NULL, found_at TEXT NOT NULL,
        PRIMARY KEY (channel, product_key)
    );
INSERT INTO "link_conflicts" VALUES('shopee','lapas-a:V','lapas-a','2 listings carry its seller SKUs','["800000007", "800000008"]','2026-12-02T07:45:21.881+00:00');
CREATE TABLE links (
        channel TEXT PRIMARY KEY, linked_at TEXT NOT NULL, run_id TEXT, adopted INTEGER NOT NULL
    );
INSERT INTO "links" VALUES('shopee','2026-12-02T07:45:21.881+00:00','20261202T074521-87c631',0);
CREATE TABLE media (
        channel TEXT NOT NULL, sha256 TEXT NOT NULL, image_id TEXT NOT NULL, uploaded_at TEXT NOT NULL,
        PRIMARY KEY (channel, sha256)
    );
INSERT INTO "media" VALUES('shopee','abababababababababababababababababababababababababababababababab','img-1','2026-12-02T07:45:21.879+00:00');
CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at TEXT);
INSERT INTO "migrations" VALUES(1,'2026-12-02T07:45:21.873+00:00');
INSERT INTO "migrations" VALUES(2,'2026-12-02T07:45:21.873+00:00');
INSERT INTO "migrations" VALUES(3,'2026-12-02T07:45:21.874+00:00');
INSERT INTO "migrations" VALUES(4,'2026-12-02T07:45:21.874+00:00');
CREATE TABLE order_cursors (channel TEXT PRIMARY KEY, cursor TEXT NOT NULL, at TEXT NOT NULL);
INSERT INTO "order_cursors" VALUES('shopee','cursor-1','2026-12-02T07:45:21.880+00:00');
CREATE TABLE orders (
        channel TEXT NOT NULL, order_id TEXT NOT NULL, seller_sku TEXT NOT NULL,
        institution TEXT, stock_key TEXT, quantity INTEGER NOT NULL, status TEXT NOT NULL,
        at TEXT NOT NULL, seen_at TEXT NOT NULL, settled INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (channel, order_id, seller_sku));
INSERT INTO "orders" VALUES('shopee','O-1','LPA-X-40','lapas-a','lapas-a:X-40',2,'placed','2024-05-01T10:00:00.000+00:00','2026-12-02T07:45:21.880+00:00',0);
INSERT INTO "orders" VALUES('shopee','O-2','UNKNOWN',NULL,NULL,1,'cancelled','2024-05-02T10:00:00.000+00:00','2026-12-02T07:45:21.880+00:00',0);
CREATE TABLE rejects (
        id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, institution TEXT NOT NULL, file TEXT, row INTEGER,
        "column" TEXT, value TEXT, reason TEXT NOT NULL, message_en TEXT, message_id TEXT, sku TEXT
    );
INSERT INTO "rejects" VALUES(1,'20261202T074521-87c631','lapas-a','katalog.xlsx',7,'harga','Rp 1.000,-x','price_invalid','price is not a number','harga bukan angka','V');
CREATE TABLE run_items (
        id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, channel TEXT NOT NULL, institution TEXT,
        product_key TEXT, op TEXT NOT NULL, outcome TEXT NOT NULL, error_class TEXT, code TEXT, message TEXT,
        at TEXT NOT NULL
    );
INSERT INTO "run_items" VALUES(1,'20261202T074521-87c631','shopee','lapas-a','lapas-a:X','create','ok',NULL,NULL,NULL,'2026-12-02T07:45:21.877+00:00');
INSERT INTO "run_items" VALUES(2,'20261202T074521-87c631','shopee','lapas-a','lapas-a:Y','update_price','failed','transient','503','service busy','2026-12-02T07:45:21.877+00:00');
INSERT INTO "run_items" VALUES(3,'20261202T074521-87c631','shopee','lapas-a','lapas-a:Y','delist','held','guard','mass_delist','2 of 2 active listings of lapas-a would be delisted','2026-12-02T07:45:21.878+00:00');
INSERT INTO "run_items" VALUES(4,'20261202T074521-87c631','shopee','lapas-a','lapas-a:Z','wait','invalid',NULL,NULL,'refused by the channel: kategori ditolak','2026-12-02T07:45:21.878+00:00');
CREATE TABLE runs (
        run_id TEXT PRIMARY KEY, trigger TEXT NOT NULL, pid INTEGER, options TEXT,
        started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, summary TEXT
    );
INSERT INTO "runs" VALUES('20261202T074521-87c631','schedule',13498,'{"channels": ["shopee"], "force": false, "institutions": ["lapas-a"], "job": "stock_price", "only": ["price", "stock"]}','2026-12-02T07:45:21.875+00:00','2026-12-02T07:45:21.878+00:00','problems','{"counts": [{"channel": "shopee", "count": 1, "institution": "lapas-a", "op": "create", "outcome": "ok"}], "held": 1, "rejects": 1, "seconds": 1.5, "stopped": {}}');
CREATE TABLE stock_basis (stock_key TEXT PRIMARY KEY, stock INTEGER NOT NULL, since TEXT NOT NULL);
INSERT INTO "stock_basis" VALUES('lapas-a:Y',4,'2026-12-02T07:45:21.880+00:00');
CREATE TABLE tokens (
        channel TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at TEXT NOT NULL
    );
INSERT INTO "tokens" VALUES('shopee','{"access_token": "tok", "refresh_token": "ref", "expires_at": 1900000000}','2026-12-02T07:45:21.880+00:00');
CREATE UNIQUE INDEX bindings_external ON bindings (channel, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX bindings_institution ON bindings (channel, institution);
CREATE INDEX intents_open ON intents (channel) WHERE resolved_at IS NULL;
CREATE INDEX run_items_run ON run_items (run_id);
CREATE INDEX rejects_institution ON rejects (institution);
CREATE INDEX orders_by_stock_key ON orders (stock_key, settled);
COMMIT;
