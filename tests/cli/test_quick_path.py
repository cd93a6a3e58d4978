"""The quick path: a plain ``lossguard check`` is parsed without typer (``cli.quick_arguments``)
into the same ``run_check`` keywords typer gives, and any other command line goes to typer."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from typing import Any

import pytest

from lossguard.face import cli, commands
from tests.conftest import FIXTURES, ROOT

BUGGY = str(FIXTURES / "seed004_mnist_binary_crossentropy.py")


def defaults() -> dict[str, Any]:
    return {name: p.default for name, p in inspect.signature(cli.run_check).parameters.items()}


def through_typer(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The keywords typer hands ``run_check`` for this command line."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(cli, "run_check", lambda **keywords: seen.update(keywords))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # typer sets its own
    commands.app(argv, prog_name="lossguard", standalone_mode=False)
    assert seen, "typer did not run the check"
    return seen


def test_the_declaration_and_the_runner_have_the_same_options() -> None:
    declared = inspect.signature(commands.check).parameters
    assert list(declared) == list(defaults())
    assert {name: p.default for name, p in declared.items()} == defaults()


QUICK_LINES = [
    ["check"],
    ["check", BUGGY],
    ["check", "-", "--stdin-filename", "cell.py"],
    ["check", "a.py", "--no-cache", "b.py", "-q"],
    ["check", "a.py", "--fix", "--no-fix"],  # the last one wins
    ["check", "a.py", "--select", "LG001", "--select=LG002,LG003", "--ignore", "LG010"],
    ["check", "a.py", "--format=json", "-f", "sarif"],
    ["check", "a.py", "--jobs", "1", "--jobs=3"],
    *(["check", "a.py", flag] for flag in cli.QUICK_FLAGS),
    *(
        ["check", "a.py", option, value]
        for option, value in zip(
            cli.QUICK_OPTIONS,
            [
                "LG001",
                "LG002",
                "2.15",
                "json",
                "text",
                "github",
                "out.txt",
                "o.sarif",
                "lossguard.toml",
                "x.py",
                "2",
            ],
            strict=True,
        )
    ),
]


@pytest.mark.parametrize("argv", QUICK_LINES, ids=" ".join)
def test_a_plain_check_means_what_typer_makes_of_it(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    quick = cli.quick_arguments(argv)
    assert quick is not None, "left to typer"
    assert {**defaults(), **quick} == through_typer(argv, monkeypatch)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--version"],
        ["rules"],
        ["explain", "LG001"],
        ["check", "--help"],
        ["check", "-h"],
        ["check", "a.py", "--bogus"],
        ["check", "a.py", "-qf", "json"],  # clustered short options: typer's to read
        ["check", "a.py", "--quiet=yes"],
        ["check", "a.py", "--select"],  # no value: typer's error message
        ["check", "a.py", "--select", "--quiet"],
        ["check", "a.py", "--select="],
        ["check", "a.py", "--format", "xml"],  # not a choice: typer's error message
        ["check", "a.py", "--jobs", "two"],
        ["check", "--", "-a.py"],
        ["check", "-a.py"],
        ["check", "a.py", "--probe-timeout", "5"],  # not quick: still typer's
    ],
    ids=lambda argv: " ".join(argv) or "(nothing)",
)
def test_any_other_command_line_is_left_to_typer(argv: list[str]) -> None:
    assert cli.quick_arguments(argv) is None


def test_a_shell_completion_request_is_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_LOSSGUARD_COMPLETE", "bash_source")
    assert cli.quick_arguments(["check", "a.py"]) is None


def test_only_the_typer_declarations_import_typer_or_click() -> None:
    """A typer.Exit raised on the quick path would be a traceback, not an exit status."""
    importers = set()
    for path in (ROOT / "lossguard").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] in ("typer", "click") for name in names):
                importers.add(path.relative_to(ROOT).as_posix())
    assert importers == {"lossguard/face/commands.py"}


def test_a_plain_check_imports_neither_typer_nor_click_nor_rich() -> None:
    """What the quick path is for (a one-file check's start-up); a finding still exits 1."""
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['lossguard', 'check', {BUGGY!r}, '--no-cache', '-q']\n"
        "try:\n"
        "    runpy.run_module('lossguard', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    print('EXIT:', exc.code)\n"
        "print('IMPORTED:', sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'click', 'rich'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert "IMPORTED: []" in result.stdout, result.stdout + result.stderr
    assert "EXIT: 1" in result.stdout and "LG001" in result.stdout
