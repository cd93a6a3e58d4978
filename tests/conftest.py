"""Shared helpers: check source text in-process, or run the real CLI in a subprocess."""

from __future__ import annotations

import compileall
import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lossguard.findings import FileResult, Finding
from lossguard.keras.semantics import parse_target
from lossguard.pipeline.engine import CheckOptions, check_source
from lossguard.pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULE_DOCS = ROOT / "rules"


def pytest_sessionstart(session: pytest.Session) -> None:
    """The CLI tests start lossguard in a few hundred subprocesses. Where PYTHONDONTWRITEBYTECODE
    is set, none of them would keep its compiled modules and each would compile lossguard again
    (+0.17 s a start): byte-compile it once here, as installing the wheel does."""
    if sys.dont_write_bytecode:
        compileall.compile_dir(ROOT / "lossguard", quiet=1)


def check(
    source: str,
    keras: str = "3",
    path: str = "train.py",
    report_unused_ignores: bool = False,
    **settings: object,
) -> list[Finding]:
    """Findings for a snippet; fails the test when lossguard skipped the file or broke on it."""
    options = CheckOptions(
        Settings(**settings),  # type: ignore[arg-type]
        parse_target(keras),
        use_cache=False,
        report_unused_ignores=report_unused_ignores,
    )
    data = textwrap.dedent(source).encode()
    result = check_source(path, data, options)
    assert result.error is None, f"lossguard could not check the snippet: {result.error}"
    return result.findings


def codes(source: str, keras: str = "3", **settings: object) -> list[str]:
    return [f.code for f in check(source, keras, **settings)]


def run_cli(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "FORCE_COLOR")}
    environment["NO_COLOR"] = "1"
    environment["PYTHONPATH"] = str(ROOT) + os.pathsep + environment.get("PYTHONPATH", "")
    if env:
        environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "lossguard", *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=environment,
        timeout=300,
    )


@pytest.fixture
def cli():
    return run_cli


def checked(path: str, data: bytes, options: CheckOptions) -> FileResult:
    """check_source, failing the test when lossguard skipped the file or broke on it."""
    result = check_source(path, data, options)
    assert result.error is None, f"{path}: {result.error}"
    return result


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="Rewrite the snapshots: the fixtures' .expected.txt, tests/report/snapshots/.",
    )


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))


@pytest.fixture(autouse=True)
def _probe_extra(request: pytest.FixtureRequest) -> None:
    """A test marked ``probe`` needs TensorFlow: without the probe extra it is skipped, not
    failed. Looked up, not imported: TensorFlow in this process would slow every later test."""
    if request.node.get_closest_marker("probe") and importlib.util.find_spec("tensorflow") is None:
        pytest.skip("the probe extra (TensorFlow, tf-keras) is not installed")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that runs real TensorFlow (marked ``probe`` or ``consequences``) is ``slow`` too,
    wherever it is written: ``-m "not slow"`` stays fast when a new module forgets the mark."""
    for item in items:
        if item.get_closest_marker("probe") or item.get_closest_marker("consequences"):
            item.add_marker(pytest.mark.slow)
