"""The state directory holds the marketplace tokens: it is made owner-only (0700), and one that already exists is
used as it is — never chmodded behind the operator's back. One that others may read, write or enter (a shared
folder) is refused: one line naming the path and what to do, exit 2, and its mode is left alone. Driven through the
installed `pasindo` command."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import Shop

PASINDO = Path(sys.executable).parent / "pasindo"


def pasindo(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PASINDO), "--config", str(config), *args], capture_output=True, text=True, timeout=60)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize(("command", "shared"), [
    *((("sync",), shared) for shared in (0o755, 0o770, 0o701, 0o707, 0o744)),
    *((command, 0o755) for command in (("check",), ("link",), ("status",), ("report",), ("daemon",)))])
def test_a_state_directory_others_may_open_is_refused_and_left_as_it_is(tmp_path, sandbox, command, shared):
    shop = Shop(tmp_path, sandbox.url, guards='schedule: {full: "0 3 * * *"}')
    state = tmp_path / "state"
    state.mkdir()
    state.chmod(shared)
    done = pasindo(shop.config, *command)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-2000:]
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(state) in lines[0] and f"{shared:04o}" in lines[0] and f"chmod 700 {state}" in lines[0], lines[0]
    assert mode(state) == shared  # the operator's folder is never chmodded
    assert list(state.iterdir()) == []  # and nothing was written into it: no ledger, lock or sandbox store


def test_a_missing_state_directory_is_made_owner_only_whatever_the_umask(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    shop.config.write_text(shop.config.read_text().replace("state_dir: state", "state_dir: var/pasindo/state"))
    done = subprocess.run(["sh", "-c", f"umask 000 && exec {PASINDO} --config {shop.config} sync"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert mode(tmp_path / "var" / "pasindo" / "state") == 0o700
    assert mode(tmp_path / "var" / "pasindo" / "state" / "ledger.sqlite") == 0o600


def test_an_owner_only_state_directory_is_used_and_its_mode_kept(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    state.chmod(0o500 if os.geteuid() == 0 else 0o700)  # root writes in a 0500 folder: a mode the check allows
    done = pasindo(shop.config, "sync")
    assert done.returncode == 0, done.stderr[-2000:]
    assert mode(state) == (0o500 if os.geteuid() == 0 else 0o700)
    assert (state / "ledger.sqlite").is_file()
