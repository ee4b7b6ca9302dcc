"""The sandbox is never a surprise: the deploy template fills every variable the example config reads, production
refuses a channel left on the sandbox, and everything an operator reads says which channels are on it."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import structlog
import yaml
from click.testing import CliRunner

from connector import logs
from connector.cli import main
from connector.config import ConfigError, load_config
from connector.daemon import warn_sandbox
from connector.sync.run import Sync, SyncOptions
from tests.helpers import Shop

ROOT = Path(__file__).resolve().parent.parent
PASINDO = Path(sys.executable).parent / "pasindo"
# Read by the `pasindo` command itself, not by the config file.
COMMAND_VARIABLES = {"PASINDO_CONFIG"}


def template_variables() -> dict[str, str]:
    """VAR -> value for every assignment in deploy/pasindo.env.example (comments left out)."""
    found = {}
    for line in (ROOT / "deploy" / "pasindo.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            found[name.strip()] = value
    return found


def config_variables() -> set[str]:
    """Every `${VAR}` in the values of config.example.yaml (its comments left out)."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            [walk(v) for v in node.values()]
        elif isinstance(node, list):
            [walk(v) for v in node]
        elif isinstance(node, str):
            found.update(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", node))

    walk(yaml.safe_load((ROOT / "config.example.yaml").read_text("utf-8")))
    return found


def live_environment() -> dict[str, str]:
    """The template filled in with live-looking values."""
    numbers = {"SHOPEE_PARTNER_ID": "2001234", "SHOPEE_SHOP_ID": "80012345"}
    return {name: value or numbers.get(name, f"live-{name.lower()}-0123456789")
            for name, value in template_variables().items()}


def example_config(tmp_path: Path) -> Path:
    text = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    text = text.replace("state_dir: var", f"state_dir: {tmp_path / 'state'}")
    text = text.replace("path: examples/", f"path: {ROOT / 'examples'}/")
    config = tmp_path / "pasindo.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def test_the_env_template_names_exactly_the_variables_the_example_config_reads():
    in_template = set(template_variables())
    in_config = config_variables()
    assert in_config - in_template == set(), "read by config.example.yaml but missing from the template"
    assert in_template - in_config - COMMAND_VARIABLES == set(), "in the template but read by nothing"
    assert template_variables()["PASINDO_ENVIRONMENT"] == "production"


def test_the_filled_in_template_puts_every_example_channel_on_its_marketplace(tmp_path):
    config = load_config(example_config(tmp_path), env=live_environment())
    assert config.environment == "production"
    assert [(c.name, c.is_sandbox) for c in config.channels] == [
        ("shopee", False), ("lazada", False), ("tiktokshop", False)]


def test_production_refuses_a_channel_left_on_the_sandbox_with_exit_2(tmp_path):
    env = live_environment()
    del env["LAZADA_ENDPOINT"], env["TIKTOKSHOP_ENDPOINT"]
    try:
        load_config(example_config(tmp_path), env=env)
        raise AssertionError("a production config with sandbox channels loaded")
    except ConfigError as err:
        on_sandbox = [p for p in err.problems if "on the sandbox, but environment is production" in p]
        assert [p.split(": ")[1] for p in on_sandbox] == ["channels[1].endpoint", "channels[2].endpoint"]
        assert "LAZADA_ENDPOINT" in on_sandbox[0] and "TIKTOKSHOP_ENDPOINT" in on_sandbox[1]
    done = subprocess.run([str(PASINDO), "--config", str(example_config(tmp_path)), "validate"],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "channel lazada is on the sandbox" in done.stderr and "Traceback" not in done.stderr


def test_without_production_the_example_config_runs_on_the_sandbox(tmp_path):
    config = load_config(example_config(tmp_path), env={})
    assert config.environment == "development" and all(c.is_sandbox for c in config.channels)


def sandbox_shop(tmp_path: Path) -> Shop:
    """The test shop on the embedded sandbox (`endpoint: sandbox`)."""
    shop = Shop(tmp_path, "http://127.0.0.1:1")
    shop.config.write_text(shop.config.read_text().replace("endpoint: http://127.0.0.1:1", "endpoint: sandbox"),
                           encoding="utf-8")
    return shop


def test_check_and_status_say_which_channels_are_on_the_sandbox(tmp_path):
    shop = sandbox_shop(tmp_path)
    result = CliRunner().invoke(main, ["--config", str(shop.config), "check", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [(r["channel"], r["ok"], r["sandbox"]) for r in json.loads(result.stdout)] == [("shopee", True, True)]
    table = CliRunner().invoke(main, ["--config", str(shop.config), "check"])
    assert "on the sandbox (no real shop): shopee" in table.stdout
    status = CliRunner().invoke(main, ["--config", str(shop.config), "status", "--format", "json"])
    assert json.loads(status.stdout)["channels"] == [
        {"channel": "shopee", "adapter": "shopee", "sandbox": True, "endpoint": "sandbox"}]
    assert "On the sandbox (no real shop): shopee" in CliRunner().invoke(
        main, ["--config", str(shop.config), "status"]).stdout


def test_a_live_channel_is_not_marked(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    result = CliRunner().invoke(main, ["--config", str(shop.config), "check", "--format", "json"])
    assert [r["sandbox"] for r in json.loads(result.stdout)] == [False]
    status = json.loads(CliRunner().invoke(main, ["--config", str(shop.config), "status", "--format", "json"]).stdout)
    assert [c["sandbox"] for c in status["channels"]] == [False]
    code, doc = shop.sync()
    assert doc["channels"] == [{"channel": "shopee", "sandbox": False}]


def test_the_sync_summary_and_every_event_of_a_sandbox_channel_say_sandbox(tmp_path):
    shop = sandbox_shop(tmp_path)
    shop.rows["DMP-01"] = shop.rows["DMP-01"].replace("Rp151.000", "gratis")  # a refused row: more events
    shop.write()
    code, doc = shop.sync()
    assert doc["channels"] == [{"channel": "shopee", "sandbox": True}]
    table = CliRunner().invoke(main, ["--config", str(shop.config), "sync"])
    assert "on the sandbox (no real shop): shopee" in table.stdout
    report = json.loads(CliRunner().invoke(main, ["--config", str(shop.config), "report", "--format", "json"]).stdout)
    assert report["sandbox_channels"] == ["shopee"]

    shop.rows["DMP-02"] = shop.rows["DMP-02"].replace(";12;120;", ";4;120;")
    shop.write()
    logs.configure(json=True, level="debug", stream=io.StringIO())
    with structlog.testing.capture_logs() as events:
        run = Sync(load_config(shop.config), SyncOptions(), log=logs.get_logger())
        try:
            run.run()
        finally:
            run.close()
    of_channel = [e for e in events if e.get("channel") == "shopee"]
    assert {e["event"] for e in of_channel} >= {"item"}
    assert all(e.get("sandbox") is True for e in of_channel), [e for e in of_channel if not e.get("sandbox")]
    finished = next(e for e in events if e["event"] == "sync_finished")
    assert finished["sandbox_channels"] == ["shopee"]


def test_the_daemon_warns_at_start_for_each_sandbox_channel(tmp_path):
    shop = sandbox_shop(tmp_path)
    shop.config.write_text(shop.config.read_text() + 'schedule: {full: "0 3 * * *"}\n', encoding="utf-8")
    with structlog.testing.capture_logs() as events:
        warn_sandbox(load_config(shop.config))
    assert [(e["event"], e["log_level"], e["channel"], e["sandbox"]) for e in events] == [
        ("sandbox_channel", "warning", "shopee", True)]
    log_path = tmp_path / "daemon.jsonl"
    with log_path.open("w") as out:
        daemon = subprocess.Popen([str(PASINDO), "--config", str(shop.config), "daemon"], stdout=out,
                                  stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while "sandbox_channel" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=15)
    warned = [json.loads(line) for line in log_path.read_text().splitlines() if "sandbox_channel" in line]
    assert [(e["level"], e["channel"], e["sandbox"]) for e in warned] == [("warning", "shopee", True)]
