"""What several test modules share: a test institution with its catalog and config (`Shop`), small images,
a dead endpoint. Import as `from tests.helpers import ...` (pytest puts the project root on the path)."""

from __future__ import annotations

import json
import socket
import struct
import zlib
from pathlib import Path

import requests
from click.testing import CliRunner

from connector.cli import main

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


