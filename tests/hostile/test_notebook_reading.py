"""Item 3 of issue 22: notebooks (and identifiers) read as IPython and Python read them.

Before, the prefilter matched the notebook's raw JSON, so a ``source`` split into single
characters or a ``\\u0063ompile`` escape made a buggy notebook "clean"; ``model.ｃompile`` is
``model.compile`` to Python (NFKC) but not to libcst; a code cell without ``cell_type`` was
silently dropped.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.hostile.helpers import BUGGY, codes, notebook


def check(path: Path) -> list[str]:
    return codes(run_cli("check", str(path), "--no-cache", "-f", "json"))


def test_a_source_split_into_single_characters(tmp_path: Path) -> None:
    (tmp_path / "chars.ipynb").write_text(notebook(list(BUGGY)))
    assert check(tmp_path / "chars.ipynb") == ["LG001"]


def test_json_escapes_in_the_cell_text(tmp_path: Path) -> None:
    raw = notebook(BUGGY).replace("compile", "\\u0063ompile").replace("keras", "\\u006beras")
    assert "compile" not in raw and "keras" not in raw
    (tmp_path / "escaped.ipynb").write_text(raw)
    assert json.loads(raw)["cells"][0]["source"] == BUGGY
    assert check(tmp_path / "escaped.ipynb") == ["LG001"]


def test_nfkc_identifiers_in_a_script_and_a_notebook(tmp_path: Path) -> None:
    wide = BUGGY.replace("model.compile", "model.\uff43ompile")  # FULLWIDTH LATIN SMALL LETTER C
    (tmp_path / "wide.py").write_text(wide, encoding="utf-8")
    (tmp_path / "wide.ipynb").write_text(notebook(wide))
    assert check(tmp_path / "wide.py") == ["LG001"]
    assert check(tmp_path / "wide.ipynb") == ["LG001"]


def test_a_string_is_not_normalised(tmp_path: Path) -> None:
    """Python leaves string literals alone: ``'ｓoftmax'`` is not ``'softmax'``."""
    (tmp_path / "s.py").write_text(BUGGY.replace("'softmax'", "'\uff53oftmax'"), encoding="utf-8")
    assert check(tmp_path / "s.py") == []


def test_a_code_cell_without_cell_type_is_a_broken_notebook(tmp_path: Path) -> None:
    (tmp_path / "typeless.ipynb").write_text(notebook({"metadata": {}, "source": BUGGY}))
    result = run_cli("check", str(tmp_path / "typeless.ipynb"), "--no-cache", "-f", "json")
    assert codes(result) == ["LG900"] and result.returncode == 1
    assert "cell without 'cell_type'" in result.stdout
