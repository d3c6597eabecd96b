"""The dispatcher builds only the parser of the command being run; help still lists every command."""

from __future__ import annotations

import argparse

import pytest

from ipcscope.cli import COMMAND_MODULES, SUBCOMMAND_MODULES, build_parser, main, modules_for


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(subparsers.choices)


@pytest.mark.parametrize("module", SUBCOMMAND_MODULES)
def test_command_table_matches_what_each_module_registers(module: str) -> None:
    listed = {command for command, owner in COMMAND_MODULES.items() if owner == module}
    assert _commands(build_parser([module])) == listed


@pytest.mark.parametrize("argv, module", [
    (["list", "--json"], "ipcscope.cli.list_cmd"),
    (["--read-only", "rm", "shm", "3"], "ipcscope.cli.actions_cmd"),
    (["--interval", "2", "doctor"], "ipcscope.cli.doctor_cmd"),
    (["send", "3", "list"], "ipcscope.cli.actions_cmd"),  # the first command word counts
])
def test_only_the_commands_module_is_built(argv: list[str], module: str) -> None:
    assert modules_for(argv) == (module,)


@pytest.mark.parametrize("argv", [[], ["--help", "list"], ["--he", "list"], ["-h"], ["bogus"],
                                  ["--read-only"]])
def test_every_module_without_a_command_or_with_main_help(argv: list[str]) -> None:
    assert modules_for(argv) == SUBCOMMAND_MODULES


def test_main_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert all(command in text for command in COMMAND_MODULES)


def test_interrupt_caught_inside_a_string_exec_still_exits_130(tmp_path) -> None:
    """`python -m ipcscope` exits 130 on ctrl-c even when the interrupt landed in a string exec
    (CPython would otherwise re-raise SIGINT at exit: the lab interrupt test hit this under load)."""
    import os
    import subprocess
    import sys

    (tmp_path / "sitecustomize.py").write_text(
        "import ipcscope.cli.list_cmd as list_cmd\n"
        "list_cmd.run_list = lambda args: exec('raise KeyboardInterrupt', {})\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "ipcscope", "list"], env=env, capture_output=True, timeout=30)
    assert done.returncode == 130, done.stderr
