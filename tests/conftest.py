"""Shared helpers: check source text in-process, or run the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lossguard.config import Settings
from lossguard.engine import CheckOptions, check_source
from lossguard.findings import Finding
from lossguard.keras_semantics import parse_target

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULE_DOCS = ROOT / "rules"


def check(source: str, keras: str = "3", path: str = "train.py", **settings: object) -> list[Finding]:
    options = CheckOptions(Settings(**settings), parse_target(keras), use_cache=False)  # type: ignore[arg-type]
    data = textwrap.dedent(source).encode()
    return check_source(path, data, options).findings


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
