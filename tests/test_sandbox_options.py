"""The sandbox's options are declared once (SandboxOptions); `pasindo sandbox serve`, `python -m connector.sandbox`
and SandboxServer all take them from there."""

from __future__ import annotations

import signal
from dataclasses import fields
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from connector.cli import main as pasindo
from connector.sandbox import SandboxServer
from connector.sandbox.options import DEFAULT_PORT, SandboxOptions, command_options
from connector.sandbox.server import argument_parser
from connector.sandbox.server import main as sandbox_main
from tests.helpers import child_python, sandbox_stats

# The documented command line (DESIGN.md, Outside contracts -> Sandbox), plus the timeout hold.
EVERY_OPTION = ["--host", "127.0.0.2", "--port", "9999", "--state", "var/sandbox.db", "--seed", "7",
                "--fail-rate", "0.1", "--timeout-rate", "0.05", "--throttle-rate", "0.2", "--latency-ms", "15",
                "--rate-limit", "20", "--timeout-seconds", "0.5", "--audit-seconds", "5"]


def _serve_command() -> click.Command:
    group = pasindo.commands["sandbox"]
    assert isinstance(group, click.Group)
    return group.commands["serve"]


def _click_defaults() -> dict[str, object]:
    return {param.opts[0]: param.default for param in _serve_command().params if isinstance(param, click.Option)
            and param.name != "help"}


def _argparse_defaults() -> dict[str, object]:
    return {action.option_strings[-1]: action.default for action in argument_parser()._actions
            if action.option_strings and action.dest != "help"}


def test_both_command_lines_have_the_same_options_with_the_same_defaults() -> None:
    assert _click_defaults() == _argparse_defaults()
    assert list(_click_defaults()) == [option.flag for option in command_options()]


def test_the_command_lines_offer_every_declared_option() -> None:
    assert [option.field for option in command_options()] == [declared.name for declared in fields(SandboxOptions)]
    assert {"--host", "--port", "--state", "--seed", "--fail-rate", "--timeout-rate", "--throttle-rate",
            "--latency-ms", "--rate-limit", "--timeout-seconds", "--audit-seconds"} == set(_click_defaults())


def test_an_operator_gets_the_known_port_and_a_library_caller_a_free_one() -> None:
    assert _click_defaults()["--port"] == DEFAULT_PORT == 8765
    assert SandboxOptions().port == 0


def test_both_command_lines_read_the_same_values() -> None:
    from_click = _serve_command().make_context("serve", list(EVERY_OPTION)).params
    from_argparse = vars(argument_parser().parse_args(EVERY_OPTION))
    assert from_click == from_argparse
    assert SandboxOptions(**from_click) == SandboxOptions(
        host="127.0.0.2", port=9999, state_path=Path("var/sandbox.db"), seed=7, fail_rate=0.1, timeout_rate=0.05,
        throttle_rate=0.2, latency_ms=15, rate_limit=20.0, timeout_seconds=0.5, audit_seconds=5.0)


def test_both_command_lines_default_to_the_declared_options() -> None:
    from_click = _serve_command().make_context("serve", []).params
    assert from_click == vars(argument_parser().parse_args([]))
    assert SandboxOptions(**from_click) == SandboxOptions(port=DEFAULT_PORT, audit_seconds=30.0)


@pytest.mark.parametrize(("args", "message"), [
    (["--latency-ms", "-1"], "latency_ms must not be negative"),
    (["--rate-limit", "0"], "rate limit must be positive"),
    (["--fail-rate", "2"], "fail rate must be between 0 and 1"),
])
def test_a_refused_value_exits_2_with_a_message(args: list[str], message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    result = CliRunner().invoke(pasindo, ["sandbox", "serve", "--port", "0", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert sandbox_main(["--port", "0", *args]) == 2
    assert message in capsys.readouterr().err


def test_the_server_takes_the_options_as_keywords(tmp_path: Path) -> None:
    server = SandboxServer(port=0, state_path=str(tmp_path / "s.db"), fail_rate=0.25, rate_limit=5)
    assert server.options == SandboxOptions(port=0, state_path=str(tmp_path / "s.db"), fail_rate=0.25, rate_limit=5)
    given = SandboxOptions(port=0, seed=3)
    assert SandboxServer(given, latency_ms=4).options == SandboxOptions(port=0, seed=3, latency_ms=4)


def test_the_server_refuses_an_unknown_keyword() -> None:
    with pytest.raises(TypeError, match="fail_ratio"):
        SandboxServer(port=0, fail_ratio=0.1)


@pytest.mark.parametrize("command", [["-m", "connector.cli", "sandbox", "serve"], ["-m", "connector.sandbox"]],
                         ids=["pasindo", "python-m"])
def test_the_command_serves_until_sigterm(command: list[str], tmp_path: Path) -> None:
    with child_python(*command, "--port", "0", "--state", str(tmp_path / "s.db"), "--seed", "1",
                      "--latency-ms", "1") as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("PASINDO sandbox serving on http://127.0.0.1:"), line
        url = line.split()[-1]
        assert sandbox_stats(url)["writes"] == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    assert (tmp_path / "s.db").is_file()
