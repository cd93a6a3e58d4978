"""Item 1 of issue 22: what libcst nests deeper than CPython never crashes the run.

CPython keeps ``a and a and …`` flat; libcst nests it one level per term and its native parser
overflowed the stack (exit 139, every other file's result lost). Each test runs the real CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.hostile.helpers import BUGGY, codes, notebook

CHAIN = 7_500


def and_chain(n: int = CHAIN, op: str = "and") -> str:
    return BUGGY + "flag = " + f" {op} ".join(["x"] * n) + "\n"


def concatenation(n: int = CHAIN) -> str:
    return BUGGY + "text = (\n" + "\n".join(['    "a"'] * n) + "\n)\n"


@pytest.mark.parametrize("op", ["and", "or"])
def test_a_long_boolean_chain_is_lg903_not_a_segfault(tmp_path: Path, op: str) -> None:
    script = tmp_path / "chain.py"
    script.write_text(and_chain(op=op))
    result = run_cli("check", str(script), "--no-cache", "-f", "json", "--jobs", "1")
    assert codes(result) == ["LG903"] and result.returncode == 1
    assert "nested too deeply for lossguard's parser" in json.loads(result.stdout)[0]["message"]


def test_a_long_implicit_concatenation_and_a_binary_chain(tmp_path: Path) -> None:
    (tmp_path / "strings.py").write_text(concatenation())
    (tmp_path / "mixed.py").write_text(
        BUGGY + "y = (" + " and ".join(["x"] * 900) + ") + " + " + ".join(["x"] * 900) + "\n"
    )
    result = run_cli("check", str(tmp_path), "--no-cache", "-f", "json", "--jobs", "1")
    assert codes(result) == ["LG903", "LG903"]


def test_stdin(tmp_path: Path) -> None:
    result = run_cli("check", "-", "--no-cache", "-f", "json", stdin=and_chain().encode())
    assert codes(result) == ["LG903"] and result.returncode == 1


def test_a_notebook(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text(notebook(BUGGY, "flag = " + " and ".join(["x"] * CHAIN)))
    result = run_cli("check", str(tmp_path / "nb.ipynb"), "--no-cache", "-f", "json")
    assert codes(result) == ["LG903"] and result.returncode == 1


def test_an_imported_module(tmp_path: Path) -> None:
    """The importer is checked, the module's facts unknown (it compiles no model: the prefilter
    skips it when it is checked itself)."""
    (tmp_path / "helpers.py").write_text(
        "import keras\n"
        "def head():\n    return keras.layers.Dense(10, activation='softmax')\n"
        "flag = " + " and ".join(["x"] * CHAIN) + "\n"
    )
    (tmp_path / "train.py").write_text(
        "import keras\nfrom helpers import head, flag\n"
        "model = keras.Sequential([keras.Input((4,)), head()])\n"
        "model.compile(optimizer='adam', loss='binary_crossentropy')\n"
    )
    alone = run_cli("check", str(tmp_path / "train.py"), "--no-cache", "-f", "json")
    assert codes(alone) == [] and alone.returncode == 0
    both = run_cli("check", str(tmp_path), "--no-cache", "-f", "json", "--jobs", "1")
    assert codes(both) == [] and both.returncode == 0


def test_other_files_are_still_checked_in_one_job(tmp_path: Path) -> None:
    (tmp_path / "chain.py").write_text(and_chain())
    (tmp_path / "bad.py").write_text(BUGGY)
    result = run_cli("check", str(tmp_path), "--no-cache", "-f", "json", "--jobs", "1")
    assert codes(result) == ["LG001", "LG903"]


def test_ordinary_nesting_is_still_analysed(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(BUGGY + "flag = " + " and ".join(["x"] * 200) + "\n")
    result = run_cli("check", str(tmp_path / "ok.py"), "--no-cache", "-f", "json")
    assert codes(result) == ["LG001"]
