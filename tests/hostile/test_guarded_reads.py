"""Item 4 of issue 22: every read goes through the guarded reader.

Before, the cache index was read with ``read_text`` (a committed symlink to ``/dev/zero``:
MemoryError on every run; a FIFO: a hang), and a deeply nested ``pyproject.toml`` gave a
``RecursionError`` traceback. The reporters get the checked text from the engine, so
``--format sarif`` and ``--show-source`` never open a FIFO.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.hostile.helpers import BUGGY, codes


def index_of(tree: Path) -> Path:
    run_cli("check", str(tree), "-f", "json", cwd=tree)
    (index,) = (tree / ".lossguard_cache").glob("index-*.json")
    return index


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "garbage"])
def test_a_hostile_cache_index_is_a_miss(tmp_path: Path, kind: str) -> None:
    (tmp_path / "bad.py").write_text(BUGGY)
    index = index_of(tmp_path)
    index.unlink()
    if kind == "dev-zero":
        index.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(index)
    else:
        index.write_bytes(b"[" * 100_000)
    result = run_cli("check", str(tmp_path), "-f", "json", cwd=tmp_path)
    assert codes(result) == ["LG001"] and result.returncode == 1


def test_a_deeply_nested_pyproject_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.lossguard]\nx = " + "[" * 100_000 + "]" * 100_000 + "\n")
    (tmp_path / "bad.py").write_text(BUGGY)
    result = run_cli("check", str(tmp_path / "bad.py"), "--no-cache", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "pyproject.toml: invalid TOML: nested too deeply" in result.stderr + result.stdout


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_pyproject_that_is_not_a_file(tmp_path: Path, kind: str) -> None:
    config = tmp_path / "pyproject.toml"
    if kind == "fifo":
        os.mkfifo(config)
    else:
        config.symlink_to("/dev/zero")
    (tmp_path / "bad.py").write_text(BUGGY)
    found = run_cli("check", str(tmp_path / "bad.py"), "--no-cache", "-f", "json", cwd=tmp_path)
    assert codes(found) == ["LG001"]  # discovery passes over what is not a file
    named = run_cli("check", str(tmp_path / "bad.py"), "--no-cache", "--config", str(config), cwd=tmp_path)
    assert named.returncode == 2 and "Traceback" not in named.stderr
    assert "pyproject.toml: " in named.stderr


@pytest.mark.parametrize("options", [["-f", "sarif"], ["--show-source"], ["-f", "github"]])
def test_reporters_never_open_a_fifo_or_dev_zero(tmp_path: Path, options: list[str]) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "bad.py").write_text(BUGGY)
    result = run_cli("check", str(tmp_path), "--no-cache", *options)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.count("LG903") >= 2 and "LG001" in result.stdout
    if options == ["-f", "sarif"]:
        json.loads(result.stdout)
