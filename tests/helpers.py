"""What several test modules share: a test institution with its catalog and config (`Shop`), small images,
a dead endpoint, the listings the adapter tests send, the sandbox's inspection API, a sandbox process. Import as
`from tests.helpers import ...` (pytest puts the project root on the path)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
from click.testing import CliRunner

import connector
from connector.adapters.base import Image, Listing, ListingVariant
from connector.adapters.contract import MemoryStore
from connector.cli import main
from connector.sandbox import SandboxServer, default_credentials
from connector.sandbox.shopee import shopee_sign
from connector.sync.ledger import Ledger

HEADER = "SKU;Nama Produk;Kategori;Harga;Stok;Berat (gram);Foto;SKU Induk;Nama Variasi;Varian"


def png(seed: int) -> bytes:
    raw = b"".join(b"\x00" + bytes([(seed * 40 + x * 7) % 256, (x * 13) % 256, seed % 256]) * 1 for x in range(4))
    ihdr = struct.pack(">IIBBBBB", 1, 4, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def product_rows(n: int = 6) -> dict[str, str]:
    rows = {}
    for i in range(n):
        rows[f"DMP-{i:02d}"] = (f"DMP-{i:02d};Dompet Kulit Sapi Asli Pria Model {i:02d};Fashion / Dompet;"
                                f"Rp{150 + i}.000;{10 + i};120;img/a.png;;;")
    for size in (40, 41, 42):
        rows[f"SPT-{size}"] = (f"SPT-{size};Sepatu Pantofel Kulit Pria Hitam Asli;Fashion/Sepatu;275.000;3;900;"
                               f"img/a.png, img/b.png;SPT;Ukuran;{size}")
    return rows


class Shop:
    """A test institution catalog, a config pointing at a sandbox, and helpers to run and inspect syncs."""

    def __init__(self, tmp_path: Path, sandbox_url: str, guards: str = "", products: int = 6):
        self.dir = tmp_path
        (tmp_path / "img").mkdir(exist_ok=True)
        (tmp_path / "img" / "a.png").write_bytes(png(1))
        (tmp_path / "img" / "b.png").write_bytes(png(2))
        self.rows = product_rows(products)
        self.sandbox_url = sandbox_url
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
  - name: shopee
    adapter: shopee
    endpoint: {sandbox_url}
    credentials:
      partner_id: "100001"
      partner_key: sandbox-shopee-key
      shop_id: "200001"
      access_token: sandbox-shopee-token
      refresh_token: sandbox-shopee-refresh
{guards}
""", encoding="utf-8")
        self.write()

    def write(self) -> None:
        (self.dir / "katalog.csv").write_text(HEADER + "\n" + "\n".join(self.rows.values()) + "\n", encoding="utf-8")

    def sync(self, *args: str) -> tuple[int, dict]:
        result = CliRunner().invoke(main, ["--config", str(self.config), "sync", "--format", "json", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, json.loads(result.stdout)

    def items(self) -> list[dict]:
        return requests.get(f"{self.sandbox_url}/_sandbox/items", params={"dialect": "shopee"}, timeout=10).json()[
            "items"]

    def stats(self) -> dict:
        return requests.get(f"{self.sandbox_url}/_sandbox/stats", timeout=10).json()


def dead_endpoint() -> str:
    """A loopback address nothing listens on: every call to it fails at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"




# --- what the adapter tests send -----------------------------------------------------------------------------------


def listing_image(seed: int) -> Image:
    """An image as an adapter takes it (sha256, file name, bytes on demand); the seed makes its content."""
    data = b"\x89PNG\r\n\x1a\n" + bytes([seed]) * 64
    return Image(hashlib.sha256(data).hexdigest(), f"foto-{seed}.png", lambda: data)


def wallet_listing(sku: str = "LPMJK-DOMPET-01", *, category_id: int, **overrides: Any) -> Listing:
    """A wallet of Lapas Mojokerto without variants, in the marketplace's `category_id`; `overrides` replace fields."""
    fields: dict[str, Any] = {
        "key": f"lapas-mojokerto:{sku}",
        "seller_sku": sku,
        "name": "Dompet Kulit Lapas Mojokerto",
        "description": "Dompet kulit sapi asli buatan warga binaan.",
        "category_id": category_id,
        "price": 85000,
        "stock": 12,
        "weight_g": 250,
        "images": (listing_image(1),),
    }
    fields.update(overrides)
    return Listing(**fields)


def shirt_listing(sku: str = "LPMJK-KAOS-01", *, category_id: int, **overrides: Any) -> Listing:
    """A printed shirt in three variants over two option lists (Warna: Merah, Biru; Ukuran: M, L), two images."""
    variants = tuple(
        ListingVariant(f"{sku}-{colour[0]}{size}", 50000 + 1000 * n, n + 1, {"Warna": colour, "Ukuran": size})
        for n, (colour, size) in enumerate([("Merah", "M"), ("Merah", "L"), ("Biru", "M")])
    )
    fields: dict[str, Any] = {
        "name": "Kaos Sablon Lapas Mojokerto", "price": 50000, "stock": 6,
        "images": (listing_image(1), listing_image(2)), "variants": variants,
        "length_cm": 30, "width_cm": 20, "height_cm": 2,
    }
    fields.update(overrides)
    return wallet_listing(sku, category_id=category_id, **fields)


def wallet_as_shown(item_id: int, *, category_id: int, **overrides: Any) -> dict[str, Any]:
    """The sandbox's inspection of a `wallet_listing` (or a marketplace's own body with its content)."""
    shown: dict[str, Any] = {
        "item_id": item_id,
        "seller_sku": "LPMJK-DOMPET-01",
        "name": "Dompet Kulit Lapas Mojokerto",
        "price": 85000,
        "stock": 12,
        "status": "active",
        "category_id": category_id,
        "images": 1,
        "variants": [],
    }
    shown.update(overrides)
    return shown


def media_holding(image: Image, state: Path, make_adapter: Callable[..., Any]) -> MemoryStore:
    """A media cache that knows `image` as uploaded to the sandbox on `state`: uploads are writes too, so a test of
    write faults uploads first, on a sandbox without faults."""
    media = MemoryStore()
    with SandboxServer(port=0, state_path=state) as server:
        make_adapter(server, media=media).image_id(image)
    return media


def stored_tokens(channel: str, access_token: str, refresh_token: str, **more: Any) -> MemoryStore:
    """A token store holding `channel`'s pair as an adapter saves it after refreshing from the config's
    `refresh_token`, so the store wins over the config; `more` adds fields such as `expires_at`."""
    marked = hashlib.sha256(refresh_token.encode()).hexdigest()
    pair = {"access_token": access_token, "refresh_token": refresh_token, **more, "config_refresh_sha": marked}
    return MemoryStore({channel: pair})


# --- the sandbox's inspection API ------------------------------------------------------------------------------------


def _url(sandbox: SandboxServer | str) -> str:
    return sandbox if isinstance(sandbox, str) else sandbox.url


def sandbox_items(sandbox: SandboxServer | str, dialect: str) -> list[dict[str, Any]]:
    """The items of one dialect as `/_sandbox/items` shows them; `sandbox` is a running server or its address."""
    answer = requests.get(f"{_url(sandbox)}/_sandbox/items", params={"dialect": dialect}, timeout=5)
    return answer.json()["items"]


def sandbox_stats(sandbox: SandboxServer | str) -> dict[str, Any]:
    """What `/_sandbox/stats` counts: requests by dialect and path, writes, faults."""
    return requests.get(f"{_url(sandbox)}/_sandbox/stats", timeout=5).json()


def requests_counted(sandbox: SandboxServer | str, path: str, *, under: str) -> int:
    """Requests the sandbox counted at the paths `under` + `path` names: `under` is a dialect and its API root
    (`"shopee /api/v2/"`), taken as it is; `path` is matched in full as a regular expression (TikTok Shop's paths
    carry product ids)."""
    pattern = re.escape(under) + path
    return sum(n for key, n in sandbox_stats(sandbox)["requests"].items() if re.fullmatch(pattern, key))


# --- token refreshes, called by hand (not through an adapter) ---------------------------------------------------------


def shopee_refresh(
    sandbox: SandboxServer | str, refresh_token: str, *, partner_id: int, partner_key: str, shop_id: int
) -> requests.Response:
    """Shopee's auth/access_token/get for `refresh_token`, signed as a public call."""
    path, timestamp = "/api/v2/auth/access_token/get", int(time.time())
    query = {"partner_id": partner_id, "timestamp": timestamp,
             "sign": shopee_sign(partner_key, partner_id, path, timestamp)}
    body = {"refresh_token": refresh_token, "partner_id": partner_id, "shop_id": shop_id}
    return requests.post(_url(sandbox) + path, params=query, json=body, timeout=5)


def tiktok_refresh(sandbox: SandboxServer | str, refresh_token: str, *, app_key: str, secret: str) -> dict[str, Any]:
    """TikTok Shop's token refresh for `refresh_token` (app key and secret in the query, no signature)."""
    params = {"app_key": app_key, "app_secret": secret, "refresh_token": refresh_token, "grant_type": "refresh_token"}
    return requests.get(f"{_url(sandbox)}/authorization/api/v2/token/refresh", params=params, timeout=5).json()


# --- pasindo and the sandbox as commands ------------------------------------------------------------------------------


def one_channel_config(directory: Path, channel: str) -> Path:
    """`pasindo.yaml` in `directory`: the test institution (catalog `katalog.csv`) and one channel, given as YAML."""
    config = directory / "pasindo.yaml"
    config.write_text(f"""
state_dir: state
institutions:
  - {{code: lapas-uji, name: Lapas Kelas IIB Uji, type: lapas, catalog: {{path: katalog.csv}}, sku_prefix: LPUJI}}
channels:
{channel}
""", encoding="utf-8")
    return config


def sync_report(config: Path) -> dict[str, Any]:
    """`pasindo sync --format json` on `config`, which must succeed: its report."""
    result = CliRunner().invoke(main, ["--config", str(config), "sync", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@contextlib.contextmanager
def child_python(*args: str) -> Iterator[subprocess.Popen[str]]:
    """`python *args` from this checkout, its output piped; killed at the end if it is still running."""
    root = str(Path(connector.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


CHANNELS = ("shopee", "lazada", "tiktokshop")
SKU = "LPUJI-DMP-00"


def three_channel_config(folder: Path, sandbox_url: str, credentials: dict[str, dict[str, str]] | None = None) -> Path:
    """`folder/pasindo.yaml`: institution lapas-uji (catalog `katalog.csv`, prefix LPUJI) on Shopee, Lazada and TikTok
    Shop of the sandbox at `sandbox_url`, with each dialect's default credentials (overridden per channel by
    `credentials`)."""
    given = credentials or {}
    channels = "".join(
        f"  - name: {name}\n    adapter: {name}\n    endpoint: {sandbox_url}\n    credentials: "
        f"{json.dumps({**default_credentials(name), **given.get(name, {})})}\n" for name in CHANNELS)
    config = folder / "pasindo.yaml"
    config.write_text(f"""
state_dir: state
institutions:
  - code: lapas-uji
    name: Lapas Kelas IIB Uji
    type: lapas
    catalog: {{path: katalog.csv}}
    sku_prefix: LPUJI
channels:
{channels}""", encoding="utf-8")
    return config


def shown_stock(sandbox_url: str, seller_sku: str) -> dict[str, int]:
    """The stock of the listing selling `seller_sku` on each of the three channels, as the marketplace shows it."""
    out = {}
    for name in CHANNELS:
        items = requests.get(f"{sandbox_url}/_sandbox/items", params={"dialect": name}, timeout=10).json()["items"]
        (item,) = [i for i in items if i["seller_sku"] == seller_sku or any(v["seller_sku"] == seller_sku
                                                                          for v in i.get("variants") or [])]
        out[name] = item["stock"]
    return out


class Shops:
    """One institution's catalog listed on Shopee, Lazada and TikTok Shop of one sandbox."""

    def __init__(self, tmp_path: Path, sandbox_url: str, stock: int = 3):
        self.dir, self.url = tmp_path, sandbox_url
        (tmp_path / "img").mkdir(exist_ok=True)
        (tmp_path / "img" / "a.png").write_bytes(png(1))
        self.config = three_channel_config(tmp_path, sandbox_url)
        self.set_stock(stock)

    def set_stock(self, stock: int) -> None:
        row = f"DMP-00;Dompet Kulit Sapi Asli Pria Model 00;Fashion / Dompet;Rp150.000;{stock};120;img/a.png;;;"
        (self.dir / "katalog.csv").write_text(f"{HEADER}\n{row}\n", encoding="utf-8")

    def cli(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["--config", str(self.config), *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, result.stdout

    def sync(self, *args: str) -> int:
        code, out = self.cli("sync", "--format", "json", *args)
        assert code == 0, out
        return code

    def stock(self) -> dict[str, int]:
        """The listing's stock on each channel, as the marketplace shows it."""
        return shown_stock(self.url, SKU)

    def order(self, dialect: str, quantity: int = 1) -> str:
        answer = requests.post(f"{self.url}/_sandbox/orders", json={"dialect": dialect, "seller_sku": SKU,
                                                                   "quantity": quantity}, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["order_id"]

    def end(self, order_id: str, action: str) -> None:
        answer = requests.post(f"{self.url}/_sandbox/orders/{order_id}/{action}", timeout=10)
        assert answer.status_code == 200, answer.text

    def ledger(self) -> Ledger:
        return Ledger(self.dir / "state" / "ledger.sqlite")
