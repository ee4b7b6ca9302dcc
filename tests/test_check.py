"""`pasindo check` and `pasindo adapters`: one cheap call per channel, a clear message for each failure."""

from __future__ import annotations

import json

from click.testing import CliRunner

from connector.cli import main
from connector.sandbox import SandboxServer

CHANNELS = """
channels:
  - {{name: shopee, adapter: shopee, endpoint: '{url}', credentials: {{partner_id: '100001',
     partner_key: {shopee_key}, shop_id: '200001', access_token: sandbox-shopee-token}}}}
  - {{name: lazada, adapter: lazada, endpoint: '{url}', credentials: {{app_key: '100002',
     app_secret: sandbox-lazada-secret, access_token: {lazada_token}}}}}
  - {{name: tiktokshop, adapter: tiktokshop, endpoint: '{url}', credentials: {{app_key: sandbox-tts-app,
     app_secret: sandbox-tts-secret, access_token: sandbox-tts-token, shop_cipher: sandbox-cipher}}}}
  - {{name: offline, adapter: shopee, endpoint: 'http://127.0.0.1:9', credentials: {{partner_id: '100001',
     partner_key: sandbox-shopee-key, shop_id: '200001', access_token: sandbox-shopee-token}},
     options: {{retry: {{attempts: 1}}}}}}
"""


def config(tmp_path, url, shopee_key="sandbox-shopee-key", lazada_token="sandbox-lazada-token"):
    (tmp_path / "k.csv").write_text("SKU;Nama Produk\n", encoding="utf-8")
    path = tmp_path / "pasindo.yaml"
    path.write_text("state_dir: state\ninstitutions:\n  - {code: lapas-a, name: Lapas A, type: lapas,"
                    " catalog: {path: k.csv}}\n" + CHANNELS.format(url=url, shopee_key=shopee_key,
                                                                   lazada_token=lazada_token), encoding="utf-8")
    return path


def test_every_channel_passes_and_exit_is_0(tmp_path):
    with SandboxServer(port=0, state_path=tmp_path / "s.sqlite") as sandbox:
        result = CliRunner().invoke(main, ["--config", str(config(tmp_path, sandbox.url)), "check", "--channel",
                                           "shopee", "--channel", "lazada", "--channel", "tiktokshop",
                                           "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [(r["channel"], r["ok"]) for r in json.loads(result.output)] == [
        ("shopee", True), ("lazada", True), ("tiktokshop", True)]


def test_each_failure_says_what_is_wrong_and_exit_is_1(tmp_path):
    with SandboxServer(port=0, state_path=tmp_path / "s.sqlite") as sandbox:
        result = CliRunner().invoke(main, ["--config", str(config(tmp_path, sandbox.url, "wrong-key-93ab",
                                                                  "expired-token-11aa")), "check", "--format", "json"])
    assert result.exit_code == 1
    by_channel = {r["channel"]: r for r in json.loads(result.output)}
    assert by_channel["tiktokshop"]["ok"] is True
    assert not by_channel["shopee"]["ok"] and "partner_key" in by_channel["shopee"]["message"]  # bad signature
    assert not by_channel["lazada"]["ok"] and "token" in by_channel["lazada"]["message"].lower()  # bad token
    assert not by_channel["offline"]["ok"] and "cannot reach http://127.0.0.1:9" in by_channel["offline"]["message"]
    assert "wrong-key-93ab" not in result.output and "expired-token-11aa" not in result.output


def test_adapters_lists_the_built_in_ones_with_capabilities():
    result = CliRunner().invoke(main, ["adapters", "--format", "json"])
    assert result.exit_code == 0
    found = {a["name"]: a for a in json.loads(result.output)}
    assert {"shopee", "lazada", "tiktokshop"} <= set(found)
    assert found["lazada"]["capabilities"]["batch_across_products"] is True
    assert found["tiktokshop"]["capabilities"]["idempotent_create"] is True
