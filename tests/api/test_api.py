"""The public API: ``lossguard.check`` on source text and on paths, typed records out."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lossguard
from tests.conftest import ROOT

SOFTMAX_BCE = textwrap.dedent(
    """\
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([keras.Input((784,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    """
)


def test_check_source_text_gives_public_findings() -> None:
    report = lossguard.check(SOFTMAX_BCE, filename="train.py", config=False)
    assert isinstance(report, lossguard.Report)
    assert [f.code for f in report] == ["LG001"]
    found = report.findings[0]
    assert isinstance(found, lossguard.Finding)
    assert (found.path, found.line, found.severity, found.source) == ("train.py", 5, "warning", "static")
    assert found.message.startswith("softmax output")
    assert found.related and found.related[0].line == 4
    assert not report.ok and report.checked == 1


def test_the_public_record_matches_the_json_contract(tmp_path: Path) -> None:
    """The same fields, the same values, as `lossguard check --format json`."""
    script = tmp_path / "train.py"
    script.write_text(SOFTMAX_BCE)
    cli = subprocess.run(
        [sys.executable, "-m", "lossguard", "check", "--format", "json", "--no-cache", str(script)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    expected = json.loads(cli.stdout)
    report = lossguard.check(script)
    assert len(report) == len(expected) == 1
    found, data = report.findings[0], expected[0]
    for key in ("code", "name", "severity", "message", "path", "line", "column", "end_line", "end_column"):
        assert getattr(found, key) == data[key], key
    assert found.fix is not None and data["fix"] is not None
    assert found.fix.applicability == data["fix"]["applicability"]
    assert [e.content for e in found.fix.edits] == [e["content"] for e in data["fix"]["edits"]]


def test_a_fix_carries_its_edits() -> None:
    source = (ROOT / "tests" / "data" / "fixes" / "lg023_mode_min_accuracy.py").read_text()
    report = lossguard.check(source, filename="train.py", config=False)
    (found,) = report.findings
    assert found.code == "LG023" and found.fix is not None
    assert found.fix.applicability == "safe"
    (edit,) = found.fix.edits
    line = source.splitlines()[edit.line - 1]
    assert line[edit.column - 1 : edit.end_column - 1] == "'min'"
    assert edit.content == "'max'"


def test_select_and_ignore_narrow_the_codes() -> None:
    assert len(lossguard.check(SOFTMAX_BCE, filename="t.py", config=False, ignore=["LG001"])) == 0
    assert len(lossguard.check(SOFTMAX_BCE, filename="t.py", config=False, select=["LG002"])) == 0


def test_configuration_is_found_from_the_filename(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.lossguard]\nignore = ["LG001"]\n')
    assert len(lossguard.check(SOFTMAX_BCE, filename=str(tmp_path / "train.py"))) == 0
    assert len(lossguard.check(SOFTMAX_BCE, filename=str(tmp_path / "train.py"), config=False)) == 1


def test_a_notebook_from_json_text_is_placed_in_cells() -> None:
    cells = SOFTMAX_BCE.split("\n\n")
    notebook = {
        "cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": []} for c in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    report = lossguard.check(json.dumps(notebook), filename="nb.ipynb", config=False)
    found = report.findings[0]
    assert (found.code, found.cell, found.cell_line) == ("LG001", 2, 2)


def test_paths_and_folders(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(SOFTMAX_BCE)
    (tmp_path / "b.py").write_text("print('not keras')\n")
    report = lossguard.check([tmp_path])
    assert [Path(f.path).name for f in report] == ["a.py"]
    assert report.checked == 2
    assert [f.code for f in lossguard.check(str(tmp_path / "a.py"))] == ["LG001"]  # a str naming a file
    assert len(lossguard.check("a.py\n")) == 0  # any other str is source


def test_bad_arguments_raise_check_error(tmp_path: Path) -> None:
    with pytest.raises(lossguard.CheckError, match="no such file"):
        lossguard.check([tmp_path / "missing.py"])
    with pytest.raises(lossguard.CheckError, match="unknown rule code"):
        lossguard.check(SOFTMAX_BCE, select=["XX9"])


def test_importing_lossguard_does_not_load_the_api() -> None:
    """PEP 562: the public names cost nothing until used (`lossguard check` stays light)."""
    code = "import sys, lossguard.facts; print('lossguard.api' in sys.modules, 'libcst' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]
    assert "check" in dir(lossguard)
    with pytest.raises(AttributeError):
        _ = lossguard.no_such_name  # type: ignore[attr-defined]
