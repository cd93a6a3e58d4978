"""Item 5 of issue 22: a 5,000-digit integer is not an internal error.

Python refuses to convert a decimal integer of more than 4,300 digits: in a notebook's JSON
(an execution count) it broke the reader ("internal error", exit 2); in code, CPython refuses
it too, so it is that cell's syntax error (LG900) and the other cells are checked.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli
from tests.hostile.helpers import BUGGY, codes, notebook

DIGITS = "9" * 5000


def check(path: Path) -> list[str]:
    return codes(run_cli("check", str(path), "--no-cache", "-f", "json"))


def test_in_the_notebook_json(tmp_path: Path) -> None:
    raw = notebook(BUGGY).replace('"outputs": []', f'"outputs": [], "execution_count": {DIGITS}')
    (tmp_path / "count.ipynb").write_text(raw)
    assert check(tmp_path / "count.ipynb") == ["LG001"]


def test_in_a_cell_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "literal.ipynb").write_text(notebook(f"n = {DIGITS}\n", BUGGY))
    assert check(tmp_path / "literal.ipynb") == ["LG001", "LG900"]


def test_in_the_only_cell(tmp_path: Path) -> None:
    """The broken cell's words count for the prefilter: a syntax verdict, not "skipped"."""
    (tmp_path / "only.ipynb").write_text(notebook(f"n = {DIGITS}\n" + BUGGY))
    assert check(tmp_path / "only.ipynb") == ["LG900"]


def test_a_hexadecimal_literal_has_no_limit(tmp_path: Path) -> None:
    code = f"n = 0x{'f' * 5000}\n{BUGGY}model.fit(None, None, epochs=n)\n"
    (tmp_path / "hex.py").write_text(code)
    (tmp_path / "hex.ipynb").write_text(notebook(code))
    assert check(tmp_path / "hex.py") == ["LG001"]
    assert check(tmp_path / "hex.ipynb") == ["LG001"]
