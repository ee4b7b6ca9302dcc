"""No traceback for an operator's mistake: a state directory the user cannot write, `state_dir` naming a file, an
output into a missing folder, a full disk — each one line naming the path, what was tried and what to do, exit 2.
Driven through the installed `pasindo` command.

The tests run as root here, and root writes anywhere: the unwritable state directory is then tried as the user
nobody (through `setpriv`), on a state directory root made with mode 0700. Run as an ordinary user, the directory
is made read-only with chmod instead; the test skips only when the process can still write it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import Shop

PASINDO = Path(sys.executable).parent / "pasindo"
NOBODY = 65534


def pasindo(config: Path, *args: str, as_nobody: bool = False, cwd: Path | None = None
            ) -> subprocess.CompletedProcess[str]:
    command = [str(PASINDO), "--config", str(config), *args]
    if as_nobody:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd)


def one_line(done: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """The command exited 2 with one line on stderr holding every fragment, and no traceback."""
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder every user can read (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="pasindo-setup-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def unwritable_shop(open_dir, sandbox) -> Iterator[tuple[Shop, bool]]:
    """The test shop after one sync, its state directory one the command's user cannot write; and whether the
    command must run as nobody for that."""
    shop = Shop(open_dir, sandbox.url)
    for path in [open_dir, *open_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert shop.sync()[0] == 0
    state = open_dir / "state"
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot try an unwritable state directory")
        state.chmod(0o700)
        yield shop, True
        return
    state.chmod(0o500)
    try:
        if os.access(state, os.W_OK):
            pytest.skip("this process can still write a folder of mode 0500")
        yield shop, False
    finally:
        state.chmod(0o700)


@pytest.mark.parametrize("command", [("status",), ("sync",), ("sync", "--dry-run"), ("report",), ("sales",),
                                     ("check",), ("link",), ("report", "--rejects")])
def test_a_state_directory_the_user_cannot_write_is_one_line_and_exit_2(unwritable_shop, command):
    shop, as_nobody = unwritable_shop
    done = pasindo(shop.config, *command, as_nobody=as_nobody)
    one_line(done, str(shop.dir / "state"), "cannot", "run as the user that owns it", "README Operations")


@pytest.mark.parametrize("command", [("status",), ("sync",), ("report",), ("sales",), ("check",)])
def test_state_dir_naming_a_file_is_one_line_and_exit_2(tmp_path, sandbox, command):
    shop = Shop(tmp_path, sandbox.url)
    (tmp_path / "state").write_text("not a folder\n")
    done = pasindo(shop.config, *command)
    one_line(done, str(tmp_path / "state"), "it is a file, not a folder", "point state_dir at a folder")


def test_state_dir_under_a_file_is_one_line_and_exit_2(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url)
    (tmp_path / "blocker").write_text("")
    shop.config.write_text(shop.config.read_text().replace("state_dir: state", "state_dir: blocker/state"))
    one_line(pasindo(shop.config, "sync"), str(tmp_path / "blocker" / "state"), "cannot create the state directory",
             "state_dir must be a folder")


@pytest.mark.parametrize("args", [("sales", "--format", "xlsx"), ("sales", "--format", "csv"), ("report",),
                                  ("report", "--rejects", "--format", "csv")])
def test_output_into_a_missing_folder_is_one_line_and_exit_2_and_writes_nothing(tmp_path, sandbox, args):
    shop = Shop(tmp_path, sandbox.url)
    assert shop.sync()[0] == 0
    done = pasindo(shop.config, *args, "--output", "nodir/x.out", cwd=tmp_path)
    one_line(done, "nodir/x.out", f"the folder {tmp_path / 'nodir'} does not exist", "create the folder")
    assert not (tmp_path / "nodir").exists()


def test_output_onto_a_full_disk_is_one_line_and_exit_2(tmp_path, sandbox):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full to stand for a full disk")
    shop = Shop(tmp_path, sandbox.url)
    assert shop.sync()[0] == 0
    one_line(pasindo(shop.config, "report", "--output", "/dev/full"), "/dev/full", "no space left on device",
             "the disk is full")


def test_a_full_disk_under_the_ledger_is_one_line_and_exit_2(tmp_path, sandbox):
    """SQLite's own "database or disk is full", forced with a page limit on the ledger's connection."""
    shop = Shop(tmp_path, sandbox.url)
    assert shop.sync()[0] == 0
    hook = tmp_path / "sitecustomize.py"
    hook.write_text(
        "import sqlite3\n"
        "_connect = sqlite3.connect\n"
        "def connect(*args, **kwargs):\n"
        "    conn = _connect(*args, **kwargs)\n"
        "    if str(args[0]).endswith('ledger.sqlite'):\n"
        "        conn.execute('PRAGMA max_page_count = ' + str(conn.execute('PRAGMA page_count').fetchone()[0]))\n"
        "    return conn\n"
        "sqlite3.connect = connect\n")
    shop.rows = {f"NEW-{i:03d}": f"NEW-{i:03d};Tas Anyaman Pandan Model {i:03d};Kerajinan;Rp50.000;5;300;img/a.png;;;"
                 for i in range(300)}
    shop.write()
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([str(PASINDO), "--config", str(shop.config), "sync"], capture_output=True, text=True,
                          timeout=120, env=env)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]
    assert done.returncode == 2, (done.returncode, done.stderr[-3000:])
    last = done.stderr.strip().splitlines()[-1]
    assert str(tmp_path / "state" / "ledger.sqlite") in last and "the disk is full" in last, last


def test_the_daemon_refuses_to_start_on_a_state_dir_that_is_a_file(tmp_path, sandbox):
    shop = Shop(tmp_path, sandbox.url, guards='schedule: {full: "0 3 * * *"}')
    (tmp_path / "state").write_text("")
    one_line(pasindo(shop.config, "daemon"), str(tmp_path / "state"), "it is a file, not a folder")
